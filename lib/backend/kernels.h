/* Block kernels: elementwise operations and reductions over a block of
 * contiguous elements, compiled into libtjit by gcc with optimization
 * (KERNEL_CFLAGS, default -O3 -march=native) and vectorized, transcendentals
 * through glibc's libmvec. The C generator's tcc-compiled code loops over
 * L1-sized blocks of a fused elementwise chain and calls one kernel per
 * equation (numexpr's design: libtcc's own code runs like gcc -O0). The
 * elementwise kernels are elem.def's rows (their expression is the
 * evaluator's), the reductions kernels.def's; the C names are a contract
 * with the generated code, which declares them with tjk_prototype and finds
 * them by tcc_add_symbol.
 *
 * Signatures (T = float for f32, double for f64, int for i32, unsigned
 * for u32):
 *   UNARY  void tjk_<op>_<t>(T *o, const T *a, long n)          o[i] = op a[i]
 *   VV     void tjk_<op>_<t>_vv(T *o, const T *a, const T *b, long n)
 *   VS     void tjk_<op>_<t>_vs(T *o, const T *a, T s, long n)  o[i] = a[i] op s
 *   SV     void tjk_<op>_<t>_sv(T *o, T s, const T *b, long n)  o[i] = s op b[i]
 *   REDUCE T tjk_r<op>_<t>(const T *a, long n)   rsum rprod rmax rmin
 *   RACC   void tjk_racc_<op>_<t>(T *acc, const T *a, long n, long at)   sum prod max min
 *   RFIN   T tjk_rfin_<op>_<t>(T *acc)
 *          a fused loop's sink reduction of a row (f32, f64): acc is
 *          L = 256 / sizeof(T) carried lanes, set to the identity (0, 1,
 *          -inf, +inf) once; RACC folds the row's next block, elements at
 *          .. at + n - 1 of the row, into them (blocks in order), RFIN
 *          returns the row's result, the same bits as REDUCE over the row,
 *          and sets acc back to the identity.
 * o may equal a or b (in place); other overlaps are not allowed. n may be 0.
 *
 * Semantics are the reference evaluator's (eval_elem.c, eval_array.c):
 * - neg abs sign floor ceil round (half away from zero) sqrt rsqrt (1/sqrt)
 *   add sub mul div max min are bit-exact with it: no FMA contraction, no
 *   reassociation, no reciprocals; max/min propagate NaN (a NaN's payload
 *   and sign are not kept: any NaN is the same answer).
 * - i32 add sub mul wrap; rsum wraps, so it is exact in any order.
 * - u32 and or xor shift_left shift_right_logical shift_right_arithmetic
 *   are exact; a shift by 32 or more gives 0 (the sign fill for the
 *   arithmetic one), as eval's shift.
 * - rmax/rmin are exact: the first NaN if any, else the first element equal
 *   to the extreme (so the sign of a zero result is eval's).
 * - rsum/rprod (f32, f64) accumulate in 256 bytes of partial accumulators
 *   (64 f32 or 32 f64 lanes; lane j takes every Lth element) combined by a
 *   pairwise tree, lib/base/lane_fold.h's order, which eval follows for
 *   such rows (a plain loop would add sequentially). Each element goes through
 *   at most m = ceil(n/L) + log2(L) roundings, so
 *   |rsum - exact sum| <= m * u * sum|x| (u = eps/2; a sequential sum's
 *   bound is (n-1) u sum|x|), and |rprod / exact - 1| <= (n-1) u, to first
 *   order, for products that neither overflow nor underflow (every
 *   multiplication's rounding reaches a product, whatever the order).
 * - Transcendentals differ from the scalar libm function eval calls by at
 *   most these ulps, the largest measured by test_kernels over 2^20 values
 *   each, including NaN, +-inf, +-0, subnormals, huge values and random bit
 *   patterns (glibc 2.36; AVX2 variants, which -march=native picks on this
 *   gcc; AVX-512 ones, from -mprefer-vector-width=512; SSE4 ones, from a
 *   portable KERNEL_CFLAGS=-O3). The test asserts the largest of the three,
 *   elem.def's ulps columns.
 *   NaN in gives NaN out, and special values (exp(-inf) = 0, log(0) = -inf
 *   ...) are libm's. The last n % VF elements of a call go through the
 *   scalar function, so one x may round differently at another position.
 *
 *     kernel      SSE4 f32 f64   AVX2 f32 f64   AVX-512 f32 f64   asserted f32 f64
 *     sin               2   3          2   3             2   3              2   3
 *     cos               2   3          2   3             2   3              2   3
 *     tan               4   3          3   3             4   3              4   3
 *     asin              3   3          2   2             3   2              3   3
 *     acos              2   2          2   2             2   2              2   2
 *     atan              2   2          2   2             2   2              2   2
 *     tanh              2   4          2   4             3   3              3   4
 *     exp               3   3          2   3             2   3              3   3
 *     exp2              1   2          1   2             1   1              1   2
 *     log               4   2          4   1             4   1              4   2
 *     log1p             2   2          2   2             2   2              2   2
 *     expm1             2   3          2   3             2   2              2   3
 *     logistic          4   4          4   4             4   4              4   4
 *     erf               2   3          2   3             4   3              4   3
 *     pow               1   1          1   1             1   1              1   1
 *     atan2             3   2          3   2             3   2              3   2
 *   Rows added to elem.def since carry these figures in their comment
 *   (cbrt; sinh cosh asinh acosh atanh). (TJK_VERBOSE=1 build/unit/test_kernels prints the measured
 *   maxima.)
 */
#ifndef TJ_KERNELS_H
#define TJ_KERNELS_H
#include "dtype.h" /* tj_dtype: DT_F32, DT_F64, DT_I32 ... */
#include "prims.h" /* P_sin, P_add ... (enum tj_prim) */

enum tjk_form { TJK_UNARY, TJK_VV, TJK_VS, TJK_SV, TJK_REDUCE, TJK_RACC, TJK_RFIN };

typedef struct tjk_kernel {
  const char *name;  /* "tjk_sin_f32", the C name */
  void (*fn)(void);  /* the function, cast; call it through its real type */
  int prim;          /* P_sin, P_reduce_sum ... */
  tj_dtype dtype;
  enum tjk_form form;
  int ulps;          /* elem.def's bound against the evaluator (0: exact) */
  const char *param; /* the param whose default the kernel computes, or NULL */
  int64_t param_default;
} tjk_kernel;

/* The kernel computing prim on dtype in form, or NULL when there is none. */
const tjk_kernel *tjk_find(int prim, tj_dtype dtype, enum tjk_form form);
/* Every kernel, for registration with libtcc; *count receives how many.
 * The table is static: nothing to free. */
const tjk_kernel *tjk_all(int *count);
/* The C prototype the generated code declares for k, e.g.
 * "void tjk_sin_f32(float *, const float *, long);" (a static string), or
 * NULL when k is not one of tjk_all's. */
const char *tjk_prototype(const tjk_kernel *k);

/* The kernels themselves, for C callers (the benchmark, the tests). */
#define FUNARY(op, param, e, u32, u64)                                   \
  void tjk_##op##_f32(float *o, const float *a, long n);                 \
  void tjk_##op##_f64(double *o, const double *a, long n);
#define TJK_BINARY_DECLS(op, t, T)                                       \
  void tjk_##op##_##t##_vv(T *o, const T *a, const T *b, long n);        \
  void tjk_##op##_##t##_vs(T *o, const T *a, T s, long n);               \
  void tjk_##op##_##t##_sv(T *o, T s, const T *b, long n);
#define FBINARY(op, e, u32, u64) \
  TJK_BINARY_DECLS(op, f32, float) TJK_BINARY_DECLS(op, f64, double)
#define IBINARY(op, e) TJK_BINARY_DECLS(op, i32, int)
#define UBINARY(op, e) TJK_BINARY_DECLS(op, u32, unsigned)
#define REDUCE(name, prim, t, T, body) T tjk_##name##_##t(const T *a, long n);
#define SINK(op, prim, t, T, kind)                                       \
  void tjk_racc_##op##_##t(T *acc, const T *a, long n, long at);         \
  T tjk_rfin_##op##_##t(T *acc);
#include "kernels.def"
#undef FUNARY
#undef FBINARY
#undef IBINARY
#undef UBINARY
#undef REDUCE
#undef SINK
#undef TJK_BINARY_DECLS

#endif
