/* dtype_promote against JAX's published promotion table, and
 * shape_broadcast against numpy's broadcasting rules. */
#include <stdio.h>
#include <string.h>

#include "dtype.h"
#include "harness.h"
#include "util.h"

/* The operands of the table in the names of JAX's docs/type_promotion.rst
 * (b1 bool, u1/u2/u4/u8 = u8/u16/u32/u64, i1/i2/i4/i8 = i8/i16/i32/i64,
 * bf bf16, f2 f16, f4 f32, f8 f64), then the weak types i* (a Python int:
 * weak i32) and f* (a Python float: weak f32). Names tjit lacks (a dtype
 * dtype_parse refuses) are left out of every check. */
enum { N_OPERANDS = 15 };
static const char *const operand_names[N_OPERANDS] = {
    "b1", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "bf", "f2", "f4", "f8", "i*", "f*",
};
static const char *const operand_dtypes[N_OPERANDS] = {
    "bool", "u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "bf16", "f16", "f32", "f64", "i32", "f32",
};

static bool operand(int k, tj_dtype *t, bool *weak) {
  *weak = k >= N_OPERANDS - 2;
  return dtype_parse(operand_dtypes[k], (uint32_t)strlen(operand_dtypes[k]), t);
}

/* A result in the table's names: "i*"/"f*" when weak (only i32/f32 may be). */
static const char *result_name(tj_dtype t, bool weak) {
  if (weak) return t == DT_I32 ? "i*" : t == DT_F32 ? "f*" : "weak-other";
  for (int k = 0; k < N_OPERANDS - 2; k++)
    if (strcmp(dtype_short(t), operand_dtypes[k]) == 0) return operand_names[k];
  return "unknown";
}

static const char *promote_name(int i, int j) {
  tj_dtype a, b;
  bool aw, bw, weak;
  operand(i, &a, &aw);
  operand(j, &b, &bw);
  tj_dtype r = dtype_promote(a, aw, b, bw, &weak);
  return result_name(r, weak);
}

/* Expected rows and columns in operand_names order: JAX's binary promotion
 * table of docs/type_promotion.rst at tag jax-v0.10.2 (rendered at
 * https://docs.jax.dev/en/latest/type_promotion.html), its complex rows and
 * columns left out, copied cell by cell. */
static const char *const expected[N_OPERANDS][N_OPERANDS] = {
    /*        b1    u1    u2    u4    u8    i1    i2    i4    i8    bf    f2    f4    f8    i*    f*  */
    /* b1 */ {"b1", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "bf", "f2", "f4", "f8", "i*", "f*"},
    /* u1 */ {"u1", "u1", "u2", "u4", "u8", "i2", "i2", "i4", "i8", "bf", "f2", "f4", "f8", "u1", "f*"},
    /* u2 */ {"u2", "u2", "u2", "u4", "u8", "i4", "i4", "i4", "i8", "bf", "f2", "f4", "f8", "u2", "f*"},
    /* u4 */ {"u4", "u4", "u4", "u4", "u8", "i8", "i8", "i8", "i8", "bf", "f2", "f4", "f8", "u4", "f*"},
    /* u8 */ {"u8", "u8", "u8", "u8", "u8", "f*", "f*", "f*", "f*", "bf", "f2", "f4", "f8", "u8", "f*"},
    /* i1 */ {"i1", "i2", "i4", "i8", "f*", "i1", "i2", "i4", "i8", "bf", "f2", "f4", "f8", "i1", "f*"},
    /* i2 */ {"i2", "i2", "i4", "i8", "f*", "i2", "i2", "i4", "i8", "bf", "f2", "f4", "f8", "i2", "f*"},
    /* i4 */ {"i4", "i4", "i4", "i8", "f*", "i4", "i4", "i4", "i8", "bf", "f2", "f4", "f8", "i4", "f*"},
    /* i8 */ {"i8", "i8", "i8", "i8", "f*", "i8", "i8", "i8", "i8", "bf", "f2", "f4", "f8", "i8", "f*"},
    /* bf */ {"bf", "bf", "bf", "bf", "bf", "bf", "bf", "bf", "bf", "bf", "f4", "f4", "f8", "bf", "bf"},
    /* f2 */ {"f2", "f2", "f2", "f2", "f2", "f2", "f2", "f2", "f2", "f4", "f2", "f4", "f8", "f2", "f2"},
    /* f4 */ {"f4", "f4", "f4", "f4", "f4", "f4", "f4", "f4", "f4", "f4", "f4", "f4", "f8", "f4", "f4"},
    /* f8 */ {"f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8", "f8"},
    /* i* */ {"i*", "u1", "u2", "u4", "u8", "i1", "i2", "i4", "i8", "bf", "f2", "f4", "f8", "i*", "f*"},
    /* f* */ {"f*", "f*", "f*", "f*", "f*", "f*", "f*", "f*", "f*", "bf", "f2", "f4", "f8", "f*", "f*"},
};

static void test_published_table(void) {
  tj_dtype t;
  bool w;
  for (int i = 0; i < N_OPERANDS; i++)
    for (int j = 0; j < N_OPERANDS; j++) {
      if (!operand(i, &t, &w) || !operand(j, &t, &w)) continue;
      const char *got = promote_name(i, j);
      if (strcmp(got, expected[i][j]) != 0)
        fprintf(stderr, "promote(%s, %s): ", operand_names[i], operand_names[j]);
      CHECK_STR(got, expected[i][j]);
    }
}

static void test_symmetric_and_idempotent(void) {
  tj_dtype t;
  bool w;
  for (int i = 0; i < N_OPERANDS; i++) {
    if (!operand(i, &t, &w)) continue;
    CHECK_STR(promote_name(i, i), operand_names[i]);
    for (int j = 0; j < N_OPERANDS; j++)
      if (operand(j, &t, &w)) CHECK_STR(promote_name(i, j), promote_name(j, i));
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
        if (!operand(i, &a, &aw) || !operand(j, &b, &bw) || !operand(k, &c, &cw)) continue;
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

#define SUPPORTED "bool, i8, i16, i32, i64, u8, u32, f32, f64, u16, u64, bf16, f16"

/* Names JAX has and tjit lacks are refused by name, with the supported
 * list, rather than guessed at (f16 was "did you mean i16"). */
static void test_unsupported_names(void) {
  char why[DTYPE_MSG_MAX] = "";
  CHECK(dtype_unsupported("c64", 3, why));
  CHECK_STR(why, "dtype 'c64' is not supported (supported: " SUPPORTED ")");
  CHECK(dtype_unsupported("complex128", 10, why));
  CHECK_STR(why, "dtype 'complex128' is not supported (supported: " SUPPORTED ")");
  const char *refused[] = {"c64", "complex64", "complex128", "int4", "float8_e4m3fn", "f8_e5m2"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    CHECK(dtype_unsupported(refused[i], (uint32_t)strlen(refused[i]), why));
  const char *not_refused[] = {"f32", "float32", "i16", "f1", "f166", "float", "bfloat1", "u16", "uint64"};
  for (size_t i = 0; i < sizeof not_refused / sizeof not_refused[0]; i++)
    CHECK(!dtype_unsupported(not_refused[i], (uint32_t)strlen(not_refused[i]), why));
  CHECK(!dtype_unsupported("c64", 2, why)); /* only the n bytes count */
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
