/* The block kernels of kernels.def, their table and their prototypes.
 *
 * Built with its own flags (Makefile: KERNEL_CFLAGS, -O3 -march=native by
 * default, plus -fopenmp-simd -fno-math-errno -fno-trapping-math
 * -ffp-contract=off). Never -ffast-math: the exact kernels must round as
 * the evaluator does, and max/min must see NaNs. Every loop carries
 * `omp simd`: its iterations are independent even when o == a (element i
 * reads only index i), which is the one overlap the contract allows, so the
 * compiler need not version the loop for aliasing. */
#include "kernels.h"

#include "elem.h"
#define TJ_LANE_SIMD _Pragma("omp simd")
#include "lane_fold.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

/* glibc's libmvec has a vector variant of each function elem.def's rows
 * mark LIBM_VEC (_ZGVdN8v_sinf ...); declaring them `declare simd` lets gcc
 * call it from a vectorized loop (math.h declares them so only under
 * -ffast-math). To see that it does: objdump -dr build/lib/kernels.o |
 * grep -c _ZGV (about 80 calls). */
#define SIMD_UNARY(fn)                                                    \
  _Pragma("omp declare simd notinbranch") float fn##f(float);             \
  _Pragma("omp declare simd notinbranch") double fn(double);
#define SIMD_BINARY(fn)                                                   \
  _Pragma("omp declare simd notinbranch") float fn##f(float, float);      \
  _Pragma("omp declare simd notinbranch") double fn(double, double);
#define LIBM_NONE
#define UNARY_F(op, param, libm, fe, cf, k, u32, u64) libm
#define LIBM_VEC(fn) SIMD_UNARY(fn)
#define UNARY_I(op, param, ie, ci)
#define UNARY_FI(op, param, fe, ie, cf, ci, k, u32, u64)
#define BINARY_F(op, libm, fe, cf, k, u32, u64)
#define BINARY_I(op, ie, ci)
#define BINARY_FI(op, fe, ie, cf, ci, k, u32, u64, ik)
#define COMPARE(op, cop)
#define COMPARE_TO(op, cop, fe, cf)
#include "elem.def"
#undef UNARY_F
#undef BINARY_F
#undef LIBM_VEC
#define UNARY_F(op, param, libm, fe, cf, k, u32, u64)
#define BINARY_F(op, libm, fe, cf, k, u32, u64) libm
#define LIBM_VEC(fn) SIMD_BINARY(fn)
#include "elem.def"
#include "elem_undef.h"
#undef LIBM_VEC
#undef LIBM_NONE

/* ---- elementwise kernels ---- */

/* p: the row's param, at its default (elem.def) */
#define UNARY_KERNEL(op, t, T, param, expr)                               \
  void tjk_##op##_##t(T *o, const T *a, long n) {                         \
    const int64_t p = (param);                                            \
    (void)p;                                                              \
    _Pragma("omp simd") for (long i = 0; i < n; i++) {                    \
      T x = a[i];                                                         \
      o[i] = (expr);                                                      \
    }                                                                     \
  }

#define BINARY_KERNELS(op, t, T, expr)                                    \
  void tjk_##op##_##t##_vv(T *o, const T *a, const T *b, long n) {        \
    _Pragma("omp simd") for (long i = 0; i < n; i++) {                    \
      T x = a[i], y = b[i];                                               \
      o[i] = (expr);                                                      \
    }                                                                     \
  }                                                                       \
  void tjk_##op##_##t##_vs(T *o, const T *a, T s, long n) {               \
    _Pragma("omp simd") for (long i = 0; i < n; i++) {                    \
      T x = a[i], y = s;                                                  \
      o[i] = (expr);                                                      \
    }                                                                     \
  }                                                                       \
  void tjk_##op##_##t##_sv(T *o, T s, const T *b, long n) {               \
    _Pragma("omp simd") for (long i = 0; i < n; i++) {                    \
      T x = s, y = b[i];                                                  \
      o[i] = (expr);                                                      \
    }                                                                     \
  }

/* ---- reductions ----
 * FOLD is lane_fold.h's order, the evaluator's for sums of rows. */
#define FOLD TJ_LANE_FOLD

#define ADD_STEP(acc, x) ((acc) += (x))
#define MUL_STEP(acc, x) ((acc) *= (x))
/* A NaN replaces the accumulator and then stays (x > NaN is false). */
#define FMAX_STEP(acc, x) ((acc) = (x) > (acc) || (x) != (x) ? (x) : (acc))
#define FMIN_STEP(acc, x) ((acc) = (x) < (acc) || (x) != (x) ? (x) : (acc))
#define IMAX_STEP(acc, x) ((acc) = (x) > (acc) ? (x) : (acc))
#define IMIN_STEP(acc, x) ((acc) = (x) < (acc) ? (x) : (acc))

#define FLOAT_SUM(T) FOLD(T, 0, ADD_STEP) return acc[0];
#define FLOAT_PROD(T) FOLD(T, 1, MUL_STEP) return acc[0];
#define FLOAT_MAX(T) FOLD(T, -INFINITY, FMAX_STEP) return FIRST_EQUAL(acc[0]);
#define FLOAT_MIN(T) FOLD(T, INFINITY, FMIN_STEP) return FIRST_EQUAL(acc[0]);
#define INT_SUM(T) FOLD(unsigned, 0, ADD_STEP) return (T)acc[0];
#define INT_MAX_BODY(T) FOLD(T, INT_MIN, IMAX_STEP) return acc[0];
#define INT_MIN_BODY(T) FOLD(T, INT_MAX, IMIN_STEP) return acc[0];

/* Eval scans in order, so its extreme is the first NaN, else the first
 * element equal to the extreme. The lanes agree except in the bits of a
 * NaN or the sign of a zero, so for those two (rare) results the answer is
 * looked up again; both come from a, as the initial +-inf is neither. */
#define FIRST_EQUAL(r)                                                    \
  ((r) != (r) || (r) == 0 ? first_equal(a, n, r) : (r))
#define FIRST_EQUAL_FN(t, T)                                              \
  static T first_equal_##t(const T *a, long n, T r) {                     \
    for (long k = 0; k < n; k++)                                          \
      if (r != r ? a[k] != a[k] : a[k] == r) return a[k];                 \
    return r;                                                             \
  }
FIRST_EQUAL_FN(f32, float)
FIRST_EQUAL_FN(f64, double)
#define first_equal(a, n, r)                                              \
  _Generic((r), float: first_equal_f32, double: first_equal_f64)(a, n, r)

/* A fused loop's sink reduction (cg_block.c): `carried` holds the row's
 * L lanes between calls (the generated code's T acc[L], set to the
 * identity once). A sum or product folds a block starting at element
 * `at` of the row into lane at % L on: the elements up to the next
 * multiple of L one by one, the rest with lane_fold.h's STEPS, so the row
 * takes the steps of tjk_rsum/tjk_rprod over all of it; END gives the
 * result. A max or min (exact in any grouping: eval's first NaN, else
 * first extreme) combines each block's tjk_rmax/tjk_rmin into carried[0]
 * as eval combines elements, in order. The finish returns the row's
 * result and sets the lanes back to the identity for the next row. */
#define SINK_LANES_ACC(T, STEP)                                           \
  enum { L = TJ_LANE_BYTES / sizeof(T) };                                 \
  T acc[L];                                                               \
  memcpy(acc, carried, sizeof acc);                                       \
  long head = (L - at % L) % L;                                           \
  if (head > n) head = n;                                                 \
  for (long h = 0; h < head; h++) STEP(acc[(at + h) % L], a[h]);          \
  a += head, n -= head;                                                   \
  TJ_LANE_FOLD_STEPS(STEP)                                                \
  memcpy(carried, acc, sizeof acc);
#define SINK_LANES_FIN(T, init, STEP)                                     \
  enum { L = TJ_LANE_BYTES / sizeof(T) };                                 \
  T acc[L];                                                               \
  memcpy(acc, carried, sizeof acc);                                       \
  TJ_LANE_FOLD_END(STEP)                                                  \
  for (int j = 0; j < L; j++) carried[j] = (init);                        \
  return acc[0];
/* eval_array.c's ev_reduce step: a NaN sticks, ties keep the first */
#define IN_ORDER(acc, x, op)                                              \
  ((acc) = (acc) != (acc) ? (acc) : (x) != (x) || (x) op (acc) ? (x) : (acc))
#define SINK_ACC_SUM(T, t) SINK_LANES_ACC(T, ADD_STEP)
#define SINK_FIN_SUM(T) SINK_LANES_FIN(T, 0, ADD_STEP)
#define SINK_ACC_PROD(T, t) SINK_LANES_ACC(T, MUL_STEP)
#define SINK_FIN_PROD(T) SINK_LANES_FIN(T, 1, MUL_STEP)
#define SINK_ACC_MAX(T, t) (void)at; T x = tjk_rmax_##t(a, n); IN_ORDER(carried[0], x, >);
#define SINK_FIN_MAX(T) T r = carried[0]; carried[0] = -INFINITY; return r;
#define SINK_ACC_MIN(T, t) (void)at; T x = tjk_rmin_##t(a, n); IN_ORDER(carried[0], x, <);
#define SINK_FIN_MIN(T) T r = carried[0]; carried[0] = INFINITY; return r;

/* eval_elem.c's shift on uint32 x and y (t, the dtype, is u32): an
 * amount of 32 or more gives 0, or for the arithmetic shift the sign fill
 * (x's top bit; gcc's >> of a negative int is arithmetic). */
#define shift_left(x, y, t) ((y) >= 32u ? 0u : (x) << (y))
#define shift_right_logical(x, y, t) ((y) >= 32u ? 0u : (x) >> (y))
#define shift_right_arithmetic(x, y, t) ((unsigned)((int)(x) >> ((y) >= 32u ? 31u : (y))))

/* ---- the functions ---- */

#define PARAM(key, dflt) dflt
#define NOPARAM 0
#define FUNARY(op, param, e, u32, u64)                                    \
  UNARY_KERNEL(op, f32, float, param, e) UNARY_KERNEL(op, f64, double, param, e)
#define FBINARY(op, e, u32, u64)                                          \
  BINARY_KERNELS(op, f32, float, e) BINARY_KERNELS(op, f64, double, e)
#define IBINARY(op, e) BINARY_KERNELS(op, i32, int, e)
#define UBINARY(op, e) BINARY_KERNELS(op, u32, unsigned, e)
#define REDUCE(name, prim, t, T, body)                                    \
  T tjk_##name##_##t(const T *a, long n) { body(T) }
#define SINK(op, prim, t, T, kind)                                        \
  void tjk_racc_##op##_##t(T *carried, const T *a, long n, long at) { SINK_ACC_##kind(T, t) } \
  T tjk_rfin_##op##_##t(T *carried) { SINK_FIN_##kind(T) }
#include "kernels.def"
#undef PARAM
#undef NOPARAM
#undef FUNARY
#undef FBINARY
#undef IBINARY
#undef UBINARY
#undef REDUCE
#undef SINK

/* ---- the table and the prototypes, in the same order ---- */

/* param stays PARAM(key, dflt) or NOPARAM down to here (a comma in it
 * would split the macros' arguments) */
#define KERNEL(sym, p, dt, form, ulps, param) {#sym, (void (*)(void))sym, p, dt, form, ulps, PARAM_OF_##param},
#define PARAM_OF_PARAM(key, dflt) key, dflt
#define PARAM_OF_NOPARAM NULL, 0
#define UNARY_ROWS(op, t, DT, ulps, param) KERNEL(tjk_##op##_##t, P_##op, DT, TJK_UNARY, ulps, param)
#define BINARY_ROWS(op, t, DT, ulps)                                      \
  KERNEL(tjk_##op##_##t##_vv, P_##op, DT, TJK_VV, ulps, NOPARAM)          \
  KERNEL(tjk_##op##_##t##_vs, P_##op, DT, TJK_VS, ulps, NOPARAM)          \
  KERNEL(tjk_##op##_##t##_sv, P_##op, DT, TJK_SV, ulps, NOPARAM)
#define FUNARY(op, param, e, u32, u64)                                    \
  UNARY_ROWS(op, f32, DT_F32, u32, param) UNARY_ROWS(op, f64, DT_F64, u64, param)
#define FBINARY(op, e, u32, u64)                                          \
  BINARY_ROWS(op, f32, DT_F32, u32) BINARY_ROWS(op, f64, DT_F64, u64)
#define IBINARY(op, e) BINARY_ROWS(op, i32, DT_I32, 0)
#define UBINARY(op, e) BINARY_ROWS(op, u32, DT_U32, 0)
#define DT_f32 DT_F32
#define DT_f64 DT_F64
#define DT_i32 DT_I32
#define REDUCE(name, prim, t, T, body)                                    \
  KERNEL(tjk_##name##_##t, P_##prim, DT_##t, TJK_REDUCE, 0, NOPARAM)
#define SINK(op, prim, t, T, kind)                                        \
  KERNEL(tjk_racc_##op##_##t, P_##prim, DT_##t, TJK_RACC, 0, NOPARAM)     \
  KERNEL(tjk_rfin_##op##_##t, P_##prim, DT_##t, TJK_RFIN, 0, NOPARAM)
static const tjk_kernel kernels[] = {
#include "kernels.def"
};
#undef UNARY_ROWS
#undef BINARY_ROWS
#undef PARAM_OF_PARAM
#undef PARAM_OF_NOPARAM
#undef FUNARY
#undef FBINARY
#undef IBINARY
#undef UBINARY
#undef REDUCE
#undef SINK

#define UNARY_PROTO(op, t, T) "void tjk_" #op "_" #t "(" #T " *, const " #T " *, long);",
#define BINARY_PROTOS(op, t, T)                                                     \
  "void tjk_" #op "_" #t "_vv(" #T " *, const " #T " *, const " #T " *, long);",   \
  "void tjk_" #op "_" #t "_vs(" #T " *, const " #T " *, " #T ", long);",           \
  "void tjk_" #op "_" #t "_sv(" #T " *, " #T ", const " #T " *, long);",
#define FUNARY(op, param, e, u32, u64) UNARY_PROTO(op, f32, float) UNARY_PROTO(op, f64, double)
#define FBINARY(op, e, u32, u64) BINARY_PROTOS(op, f32, float) BINARY_PROTOS(op, f64, double)
#define IBINARY(op, e) BINARY_PROTOS(op, i32, int)
#define UBINARY(op, e) BINARY_PROTOS(op, u32, unsigned)
#define REDUCE(name, prim, t, T, body) #T " tjk_" #name "_" #t "(const " #T " *, long);",
#define SINK(op, prim, t, T, kind)                                                  \
  "void tjk_racc_" #op "_" #t "(" #T " *, const " #T " *, long, long);",           \
  #T " tjk_rfin_" #op "_" #t "(" #T " *);",
static const char *const prototypes[] = {
#include "kernels.def"
};
#undef FUNARY
#undef FBINARY
#undef IBINARY
#undef UBINARY
#undef REDUCE
#undef SINK

_Static_assert(sizeof kernels / sizeof kernels[0] == sizeof prototypes / sizeof prototypes[0],
               "one prototype per kernel");

const tjk_kernel *tjk_all(int *count) {
  *count = (int)(sizeof kernels / sizeof kernels[0]);
  return kernels;
}

const tjk_kernel *tjk_find(int prim, tj_dtype dtype, enum tjk_form form) {
  for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
    if (kernels[i].prim == prim && kernels[i].dtype == dtype && kernels[i].form == form)
      return &kernels[i];
  return NULL;
}

const char *tjk_prototype(const tjk_kernel *k) {
  int count;
  const tjk_kernel *all = tjk_all(&count);
  for (int i = 0; i < count; i++)  /* compare addresses without pointer arithmetic on foreign k */
    if (k == &all[i]) return prototypes[i];
  return NULL;
}
