/* dtype_promote against JAX's published promotion table, and
 * shape_broadcast against numpy's broadcasting rules. */
#include <stdio.h>
#include <string.h>

#include "dtype.h"
#include "harness.h"
#include "util.h"

/* The operands of the table: tjit's nine dtypes, strong, then the weak
 * types i* (a Python int: weak i32) and f* (a Python float: weak f32). */
enum { N_OPERANDS = DT_COUNT + 2 };
static const char *const operand_names[N_OPERANDS] = {
    "bool", "i8", "i16", "i32", "i64", "u8", "u32", "f32", "f64", "i*", "f*",
};

static void operand(int k, tj_dtype *t, bool *weak) {
  *weak = k >= DT_COUNT;
  *t = k == DT_COUNT ? DT_I32 : k == DT_COUNT + 1 ? DT_F32 : (tj_dtype)k;
}

/* "i32", or "i*"/"f*" for a weak result (only i32/f32 may be weak). */
static const char *result_name(tj_dtype t, bool weak) {
  if (!weak) return dtype_short(t);
  if (t == DT_I32) return "i*";
  if (t == DT_F32) return "f*";
  return "weak-other";
}

static const char *promote_name(int i, int j) {
  tj_dtype a, b;
  bool aw, bw, weak;
  operand(i, &a, &aw);
  operand(j, &b, &bw);
  tj_dtype r = dtype_promote(a, aw, b, bw, &weak);
  return result_name(r, weak);
}

/* Expected rows and columns in operand_names order. Copied cell by cell
 * from the binary promotion table in JAX's docs/type_promotion.rst
 * (jax-ml/jax, commit 218107864d9abfd8c9ea0be78676082c02988975; rendered at
 * https://docs.jax.dev/en/latest/type_promotion.html), whose names map as
 * b1=bool, i1/i2/i4/i8 = i8/i16/i32/i64, u1/u4 = u8/u32, f4/f8 = f32/f64:
 * row b1 gives our row bool, row u1 row u8, row u4 row u32, row i1 row i8,
 * rows i2, i4, i8, f4, f8, i*, f* the rows of the same names. The table
 * lists i* and f* as Python types, so weak results read "i*"/"f*". */
static const char *const expected[N_OPERANDS][N_OPERANDS] = {
    /*          bool    i8     i16    i32    i64    u8     u32    f32    f64    i*     f*   */
    /* bool */ {"bool", "i8",  "i16", "i32", "i64", "u8",  "u32", "f32", "f64", "i*",  "f*"},
    /* i8   */ {"i8",   "i8",  "i16", "i32", "i64", "i16", "i64", "f32", "f64", "i8",  "f*"},
    /* i16  */ {"i16",  "i16", "i16", "i32", "i64", "i16", "i64", "f32", "f64", "i16", "f*"},
    /* i32  */ {"i32",  "i32", "i32", "i32", "i64", "i32", "i64", "f32", "f64", "i32", "f*"},
    /* i64  */ {"i64",  "i64", "i64", "i64", "i64", "i64", "i64", "f32", "f64", "i64", "f*"},
    /* u8   */ {"u8",   "i16", "i16", "i32", "i64", "u8",  "u32", "f32", "f64", "u8",  "f*"},
    /* u32  */ {"u32",  "i64", "i64", "i64", "i64", "u32", "u32", "f32", "f64", "u32", "f*"},
    /* f32  */ {"f32",  "f32", "f32", "f32", "f32", "f32", "f32", "f32", "f64", "f32", "f32"},
    /* f64  */ {"f64",  "f64", "f64", "f64", "f64", "f64", "f64", "f64", "f64", "f64", "f64"},
    /* i*   */ {"i*",   "i8",  "i16", "i32", "i64", "u8",  "u32", "f32", "f64", "i*",  "f*"},
    /* f*   */ {"f*",   "f*",  "f*",  "f*",  "f*",  "f*",  "f*",  "f32", "f64", "f*",  "f*"},
};

static void test_published_table(void) {
  for (int i = 0; i < N_OPERANDS; i++)
    for (int j = 0; j < N_OPERANDS; j++) {
      const char *got = promote_name(i, j);
      if (strcmp(got, expected[i][j]) != 0)
        fprintf(stderr, "promote(%s, %s): ", operand_names[i], operand_names[j]);
      CHECK_STR(got, expected[i][j]);
    }
}

static void test_symmetric_and_idempotent(void) {
  for (int i = 0; i < N_OPERANDS; i++) {
    CHECK_STR(promote_name(i, i), operand_names[i]);
    for (int j = 0; j < N_OPERANDS; j++)
      CHECK_STR(promote_name(i, j), promote_name(j, i));
  }
}

/* Associativity over all triples: the join of a lattice is associative, so
 * a+b+c must not depend on the grouping. */
static void test_associative(void) {
  int failures = 0;
  for (int i = 0; i < N_OPERANDS; i++)
    for (int j = 0; j < N_OPERANDS; j++)
      for (int k = 0; k < N_OPERANDS; k++) {
        tj_dtype a, b, c, ab, bc;
        bool aw, bw, cw, abw, bcw, left_w, right_w;
        operand(i, &a, &aw);
        operand(j, &b, &bw);
        operand(k, &c, &cw);
        ab = dtype_promote(a, aw, b, bw, &abw);
        bc = dtype_promote(b, bw, c, cw, &bcw);
        tj_dtype left = dtype_promote(ab, abw, c, cw, &left_w);
        tj_dtype right = dtype_promote(a, aw, bc, bcw, &right_w);
        if (left != right || left_w != right_w) failures++;
      }
  CHECK(failures == 0);
}

static const char *promote_raw(tj_dtype a, bool aw, tj_dtype b, bool bw) {
  bool weak;
  tj_dtype r = dtype_promote(a, aw, b, bw, &weak);
  static char text[2][16];
  static int which;
  which ^= 1;
  snprintf(text[which], sizeof text[which], "%s%s", weak ? "weak " : "",
           dtype_short(r));
  return text[which];
}

/* Weak operands of other dtypes, from jax/_src/dtypes.py: _jax_type maps
 * any weak integer to int (i*) and any weak float to float (f*); when every
 * operand is weak, _lattice_result_type joins the strong dtypes and marks
 * the result weak, and result_type materializes it as _default_types[kind]
 * (int32, uint32, float32 with 32-bit defaults); bool is never weak. */
static void test_other_weak_dtypes(void) {
  CHECK_STR(promote_raw(DT_I8, true, DT_U8, false), "u8");
  CHECK_STR(promote_raw(DT_U8, true, DT_I16, false), "i16");
  CHECK_STR(promote_raw(DT_F64, true, DT_I64, false), "weak f32");
  CHECK_STR(promote_raw(DT_F64, true, DT_F32, false), "f32");
  CHECK_STR(promote_raw(DT_I64, true, DT_BOOL, false), "weak i32");
  CHECK_STR(promote_raw(DT_BOOL, true, DT_I8, false), "i8");
  CHECK_STR(promote_raw(DT_BOOL, true, DT_BOOL, true), "bool");
  CHECK_STR(promote_raw(DT_I8, true, DT_I16, true), "weak i32");
  CHECK_STR(promote_raw(DT_U8, true, DT_U8, true), "weak u32");
  CHECK_STR(promote_raw(DT_U32, true, DT_I32, true), "weak i32");
  CHECK_STR(promote_raw(DT_F64, true, DT_I32, true), "weak f32");
  /* The same dtype with one strong operand is strong ("trivial case"). */
  CHECK_STR(promote_raw(DT_I8, false, DT_I8, true), "i8");
  CHECK_STR(promote_raw(DT_F32, true, DT_F32, false), "f32");
}

static tj_aval shape(int rank, const int64_t *dims) {
  tj_aval a = aval_scalar(DT_F32, false);
  a.rank = (uint8_t)rank;
  for (int i = 0; i < rank; i++) a.dims[i] = dims[i];
  return a;
}

/* Broadcasts and returns the result formatted ("f32[3,4]"), or "error". */
static const char *broadcast(int ra, const int64_t *da, int rb,
                             const int64_t *db) {
  static char text[2][128];
  static int which;
  which ^= 1;
  tj_aval a = shape(ra, da), b = shape(rb, db), out;
  memset(&out, 0xAB, sizeof out);
  if (!shape_broadcast(&a, &b, &out)) return "error";
  aval_format(&out, text[which], (int)sizeof text[which]);
  return text[which];
}

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})

static void test_broadcast(void) {
  CHECK_STR(broadcast(0, NULL, 0, NULL), "f32[]");
  CHECK_STR(broadcast(0, NULL, 2, DIMS(3, 4)), "f32[3,4]");
  CHECK_STR(broadcast(2, DIMS(3, 4), 0, NULL), "f32[3,4]");
  CHECK_STR(broadcast(2, DIMS(3, 4), 1, DIMS(4)), "f32[3,4]");
  CHECK_STR(broadcast(1, DIMS(4), 2, DIMS(3, 4)), "f32[3,4]");
  CHECK_STR(broadcast(2, DIMS(3, 4), 1, DIMS(3)), "error");
  CHECK_STR(broadcast(2, DIMS(3, 1), 2, DIMS(1, 4)), "f32[3,4]");
  CHECK_STR(broadcast(3, DIMS(2, 1, 5), 2, DIMS(7, 1)), "f32[2,7,5]");
  CHECK_STR(broadcast(2, DIMS(1, 1), 1, DIMS(1)), "f32[1,1]");
  CHECK_STR(broadcast(1, DIMS(2), 1, DIMS(3)), "error");
  CHECK_STR(broadcast(8, DIMS(1, 2, 1, 4, 1, 6, 1, 8), 8,
                      DIMS(9, 1, 3, 1, 5, 1, 7, 1)),
            "f32[9,2,3,4,5,6,7,8]");
  CHECK_STR(broadcast(8, DIMS(2, 2, 2, 2, 2, 2, 2, 2), 1, DIMS(2)),
            "f32[2,2,2,2,2,2,2,2]");
  CHECK_STR(broadcast(8, DIMS(2, 2, 2, 2, 2, 2, 2, 2), 1, DIMS(3)), "error");
  /* zero-sized dimensions: 0 pairs with 0 or 1 only */
  CHECK_STR(broadcast(1, DIMS(0), 1, DIMS(1)), "f32[0]");
  CHECK_STR(broadcast(1, DIMS(1), 1, DIMS(0)), "f32[0]");
  CHECK_STR(broadcast(1, DIMS(0), 1, DIMS(0)), "f32[0]");
  CHECK_STR(broadcast(1, DIMS(0), 1, DIMS(3)), "error");
  CHECK_STR(broadcast(2, DIMS(0, 3), 0, NULL), "f32[0,3]");
  CHECK_STR(broadcast(2, DIMS(2, 0), 2, DIMS(2, 1)), "f32[2,0]");
}

static void test_broadcast_keeps_a_dtype_and_aliases(void) {
  tj_aval a = shape(1, DIMS(4)), b = shape(2, DIMS(3, 1));
  a.dtype = DT_I8;
  a.weak = true;
  CHECK(shape_broadcast(&a, &b, &a));  /* out may be an operand */
  CHECK(a.dtype == DT_I8 && a.weak && a.rank == 2);
  CHECK(a.dims[0] == 3 && a.dims[1] == 4);
  tj_aval bad = shape(1, DIMS(2)), before;
  bad.rank = TJ_MAX_RANK + 1;  /* hostile rank: refused, out untouched */
  before = b;
  CHECK(!shape_broadcast(&bad, &b, &b));
  CHECK(aval_equal(&before, &b));
}

/* Names JAX has and tjit lacks are refused by name, with the supported
 * list, rather than guessed at (f16 was "did you mean i16"). */
static void test_unsupported_names(void) {
  char why[DTYPE_MSG_MAX] = "";
  CHECK(dtype_unsupported("f16", 3, why));
  CHECK_STR(why, "dtype 'f16' is not supported (supported: bool, i8, i16, i32, i64, u8, u32, f32, f64)");
  CHECK(dtype_unsupported("bfloat16", 8, why));
  CHECK_STR(why, "dtype 'bfloat16' is not supported (supported: bool, i8, i16, i32, i64, u8, u32, f32, f64)");
  const char *refused[] = {"float16", "bf16", "c64", "complex64", "complex128", "u16",
                           "uint16", "u64", "uint64", "int4", "float8_e4m3fn", "f8_e5m2"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    CHECK(dtype_unsupported(refused[i], (uint32_t)strlen(refused[i]), why));
  const char *not_refused[] = {"f32", "float32", "i16", "f1", "f166", "float", "bfloat1"};
  for (size_t i = 0; i < sizeof not_refused / sizeof not_refused[0]; i++)
    CHECK(!dtype_unsupported(not_refused[i], (uint32_t)strlen(not_refused[i]), why));
  CHECK(!dtype_unsupported("f16", 2, why)); /* only the n bytes count */
}

static const char *suggest_dtype(const char *word) {
  tj_suggest sg = suggest_start(word, strlen(word));
  dtype_suggest(&sg);
  return sg.best ? sg.best : "(none)";
}

static void test_dtype_suggestions(void) {
  CHECK_STR(suggest_dtype("flot32"), "float32");
  CHECK_STR(suggest_dtype("flaot32"), "float32");
  CHECK_STR(suggest_dtype("doubel"), "double");
  CHECK_STR(suggest_dtype("uint31"), "uint32");
  CHECK_STR(suggest_dtype("matrix"), "(none)");
  CHECK_STR(suggest_dtype("x"), "(none)");
}

/* The one "did you mean" policy: within a third of the candidate's length,
 * never a one- or two-letter candidate, the first of equals wins. */
static void test_suggest_policy(void) {
  const char *builtins[] = {"tan", "tanh", "sin", "exp", "exp2"};
  CHECK_STR(suggest_word("tanhh", 5, builtins, 5), "tanh");
  CHECK_STR(suggest_word("exp3", 4, builtins, 5), "exp"); /* exp and exp2 tie */
  CHECK(suggest_word("cosh", 4, builtins, 5) == NULL);
  const char *short_names[] = {"yy", "x"};
  CHECK(suggest_word("yx", 2, short_names, 2) == NULL);
  const char *ties[] = {"axis", "axes"};
  CHECK_STR(suggest_word("axs", 3, ties, 2), "axis");
  tj_suggest sg = suggest_start("keepdim", 7);
  suggest_offer(&sg, "axis");
  suggest_offer(&sg, "keepdims");
  CHECK_STR(sg.best, "keepdims");
  CHECK(sg.dist == 1);
}

static bool within(int rank, const int64_t *dims) {
  tj_aval a = aval_scalar(DT_F32, false);
  a.rank = (uint8_t)rank;
  for (int i = 0; i < rank; i++) a.dims[i] = dims[i];
  return aval_within_limits(&a);
}

/* An empty array's nonzero dimensions are held to the element limit (NumPy's
 * "array is too big"), so no product of some of them can overflow: the C
 * generator's strides and loop nests multiply them. */
static void test_within_limits(void) {
  const int64_t big = TJ_MAX_ELEMENTS;
  CHECK(within(1, (int64_t[]){big}));
  CHECK(!within(1, (int64_t[]){big + 1}));
  CHECK(within(3, (int64_t[]){0, 65536, 32768}));
  CHECK(!within(3, (int64_t[]){0, 65536, 32769}));
  CHECK(!within(4, (int64_t[]){0, big, big, big}));
  CHECK(!within(4, (int64_t[]){big, big, big, 0}));
  CHECK(within(3, (int64_t[]){0, big, 0}));
  CHECK(!within(2, (int64_t[]){0, -1}));
}

int main(void) {
  test_within_limits();
  test_unsupported_names();
  test_dtype_suggestions();
  test_suggest_policy();
  test_published_table();
  test_symmetric_and_idempotent();
  test_associative();
  test_other_weak_dtypes();
  test_broadcast();
  test_broadcast_keeps_a_dtype_and_aliases();
  return HARNESS_REPORT();
}
