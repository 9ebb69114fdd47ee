/* Element types, abstract values (avals), JAX's type promotion with weak
 * types, and numpy broadcasting of shapes. */
#ifndef TJ_DTYPE_H
#define TJ_DTYPE_H
#include <stdbool.h>
#include <stdint.h>

#include "limits.h"

/* X(ENUM, short name, numpy name, size in bytes, kind). Rows added later
 * are appended, so the enum values (in cache keys) of older ones stay. */
#define TJ_DTYPES(X)                        \
  X(BOOL, "bool", "bool", 1, DK_BOOL)       \
  X(I8, "i8", "int8", 1, DK_SIGNED)         \
  X(I16, "i16", "int16", 2, DK_SIGNED)      \
  X(I32, "i32", "int32", 4, DK_SIGNED)      \
  X(I64, "i64", "int64", 8, DK_SIGNED)      \
  X(U8, "u8", "uint8", 1, DK_UNSIGNED)      \
  X(U32, "u32", "uint32", 4, DK_UNSIGNED)   \
  X(F32, "f32", "float32", 4, DK_FLOAT)     \
  X(F64, "f64", "float64", 8, DK_FLOAT)     \
  X(U16, "u16", "uint16", 2, DK_UNSIGNED)   \
  X(U64, "u64", "uint64", 8, DK_UNSIGNED)   \
  X(BF16, "bf16", "bfloat16", 2, DK_FLOAT)  \
  X(F16, "f16", "float16", 2, DK_FLOAT)    \
  X(FLOAT0, "float0", "float0", 0, DK_VOID)

/* Past the array dtypes: JAX's typed PRNG key (issue 16), prng.KeyTy of
 * the threefry2x32 implementation, whose name is key<fry>: one element is
 * a key, its two uint32 words in 8 bytes (the key data's row, so
 * random_wrap and random_unwrap move no bytes). Not a dtype a spec or the
 * language names (dtype_parse refuses it), nor in TJ_DTYPES' lists. */
#define TJ_KEY_DTYPE(X) X(KEY, "key<fry>", "key<fry>", 8, DK_KEY)

typedef enum {
#define X(e, s, l, n, k) DT_##e,
  TJ_DTYPES(X)
  TJ_KEY_DTYPE(X)
#undef X
  DT_COUNT
} tj_dtype;

/* DK_VOID: float0 (jax.dtypes.float0, numpy's [('float0', 'V')] of
 * itemsize 0), the tangent type of integer and bool values; it supports
 * no operation (lax.py _check_no_float0s). DK_KEY: a PRNG key. */
typedef enum { DK_BOOL, DK_SIGNED, DK_UNSIGNED, DK_FLOAT, DK_VOID, DK_KEY } dtype_kind;
static inline bool dtype_is_key(tj_dtype t) { return t == DT_KEY; }

const char *dtype_short(tj_dtype t);  /* "f32" */
const char *dtype_long(tj_dtype t);   /* "float32" */
int dtype_size(tj_dtype t);
dtype_kind dtype_kindof(tj_dtype t);
static inline bool dtype_is_float(tj_dtype t) { return dtype_kindof(t) == DK_FLOAT; }
/* f16 and bf16: stored in 2 bytes, computed in f32 (half.h). */
static inline bool dtype_is_half(tj_dtype t) { return t == DT_F16 || t == DT_BF16; }
static inline bool dtype_is_int(tj_dtype t) {
  return dtype_kindof(t) == DK_SIGNED || dtype_kindof(t) == DK_UNSIGNED;
}
/* Parses "f32", "float32", C names "float", "double", "int", "long",
 * "bool"; returns false for anything else. */
bool dtype_parse(const char *s, uint32_t n, tj_dtype *out);

/* X(short name, numpy name): dtypes JAX has and tjit does not, so that
 * naming one says so rather than guessing a supported neighbour (f16 is
 * not i16). Short names as JAX's short_dtype_name makes them. */
#define TJ_UNSUPPORTED_DTYPES(X)                                     \
  X("c64", "complex64") X("c128", "complex128")                      \
  X("i2", "int2") X("u2", "uint2") X("i4", "int4") X("u4", "uint4")  \
  X("f4_e2m1fn", "float4_e2m1fn")                                    \
  X("f8_e3m4", "float8_e3m4") X("f8_e4m3", "float8_e4m3")            \
  X("f8_e8m0fnu", "float8_e8m0fnu")                                  \
  X("f8_e4m3b11fnuz", "float8_e4m3b11fnuz")                          \
  X("f8_e4m3fn", "float8_e4m3fn") X("f8_e4m3fnuz", "float8_e4m3fnuz") \
  X("f8_e5m2", "float8_e5m2") X("f8_e5m2fnuz", "float8_e5m2fnuz")

enum { DTYPE_MSG_MAX = 160 };
/* When s (n bytes) names an unsupported dtype, writes "dtype 'f16' is not
 * supported (supported: bool, i8, ...)" to out and returns true. */
bool dtype_unsupported(const char *s, uint32_t n, char out[DTYPE_MSG_MAX]);
/* Offers every name dtype_parse accepts to a "did you mean" (util.h). */
struct tj_suggest;
void dtype_suggest(struct tj_suggest *sg);

/* An abstract value: what a tracer knows. */
typedef struct tj_aval {
  tj_dtype dtype;
  bool weak;               /* weakly typed (from a Python-style scalar) */
  uint8_t rank;
  int64_t dims[TJ_MAX_RANK];
} tj_aval;

tj_aval aval_scalar(tj_dtype t, bool weak);
bool aval_same_shape(const tj_aval *a, const tj_aval *b);
/* dtype, shape and weak_type all equal. */
bool aval_equal(const tj_aval *a, const tj_aval *b);
/* The product of rank dims (1 for none) into *out; false when it does not
 * fit in int64 (a shape with a 0 has 0 elements, whatever the others).
 * Every element count is formed here, so none wraps. */
bool shape_elements(const int64_t *dims, int rank, int64_t *out);
/* Product of dims (1 for scalars), INT64_MAX when it overflows: any limit
 * check (> TJ_MAX_ELEMENTS) then refuses it. */
int64_t aval_size(const tj_aval *a);
/* The product of the nonzero dimensions within TJ_MAX_ELEMENTS (NumPy's
 * "array is too big" rule): then no product of some of them (a stride, a
 * row's size, the loop nest of an empty array) overflows or runs for
 * long, even when another dimension is 0. */
bool aval_within_limits(const tj_aval *a);
/* "f32[3,4]" (weak types are not shown, as in JAX listings). */
void aval_format(const tj_aval *a, char *out, int outsize);
/* "float32[3,4]": long dtype names, as in JAX's error messages. */
void aval_format_long(const tj_aval *a, char *out, int outsize);

/* dtypes.to_inexact_dtype: 64-bit integers to f64, other integers and
 * bool to f32, floats unchanged. */
tj_dtype dtype_to_inexact(tj_dtype t);

/* JAX's jnp.result_type over two operands (x64 disabled for weak types:
 * a weak int is i32, a weak float f32). Sets *weak to the result's
 * weak_type. JAX's lattice: bool < i* < ... (see dtype.c). */
tj_dtype dtype_promote(tj_dtype a, bool a_weak, tj_dtype b, bool b_weak,
                       bool *weak);

/* numpy broadcasting of two shapes into out. Returns false when the shapes
 * are incompatible (dimensions differ and neither is 1). */
bool shape_broadcast(const tj_aval *a, const tj_aval *b, tj_aval *out);

/* An integer as a numpy integer of dtype dt holds it: the low bits, as
 * astype and numpy's scalar arithmetic wrap (np.uint8(0) - np.uint8(1) is
 * 255). Other dtypes: i unchanged. */
int64_t dtype_wrap_int(int64_t i, tj_dtype dt);

/* x < y for two integers of dtype t as int64s hold them (a u64 as its
 * bits, so compared unsigned). */
static inline bool dtype_int_less(tj_dtype t, int64_t x, int64_t y) {
  return t == DT_U64 ? (uint64_t)x < (uint64_t)y : x < y;
}

/* Whether the integer i is a value of dtype dt (i64 and the non-integer
 * dtypes take any). */
bool dtype_int_fits(int64_t i, tj_dtype dt);

#endif
