/* The runtime of reductions over a block of axes (reduce_rt.h). Built with
 * the block kernels' flags (-O3 -march=native, exact math: no FMA
 * contraction, no reassociation). Each output element starts at the
 * identity and combines its elements in order (in[o, 0, i], in[o, 1, i],
 * ...), the evaluator's order and combining expressions, so the results
 * are its bits; the speed comes from the inner elements, independent
 * chains side by side: each step combines a contiguous run of the input
 * with the run of outputs, a loop the compiler vectorizes. */
#include "reduce_rt.h"

#include <math.h>
#include <stdint.h>

#include "dtype.h"

/* A run of outputs is at most this many bytes wide: a wider inner block
 * goes chunk by chunk, each chunk over every row, so the outputs stay in
 * L1 while the rows stream past (4 KiB: [4096,1024] f32 over axis 0 runs
 * in 0.45 ms, against 0.6 ms with 1 KiB and 0.5 ms with 16 KiB chunks). */
enum { RUN_CHUNK_BYTES = 4096 };

/* The evaluator's combinations (eval_array.c: ev_reduce): floats in their
 * own type (the double result of two f32 operands rounded to f32 is the f32
 * operation's), max and min keeping the first NaN and, on ties, the
 * accumulator (so the sign of a zero is the first one's); integers wrap in
 * the unsigned type of their width. */
#define SUMF(a, x) ((a) + (x))
#define PRODF(a, x) ((a) * (x))
#define MAXF(a, x) ((a) != (a) ? (a) : (x) != (x) || (x) > (a) ? (x) : (a))
#define MINF(a, x) ((a) != (a) ? (a) : (x) != (x) || (x) < (a) ? (x) : (a))
#define MAXI(a, x) ((x) > (a) ? (x) : (a))
#define MINI(a, x) ((x) < (a) ? (x) : (a))
#define WRAP(T, U, a, op, x) ((T)(U)((U)(a)op(U)(x)))

/* X(dtype, C type, unsigned type for wrapping (or the float type), sum
 * step, prod step, max step, min step, max's identity, min's identity) */
#define RUN_TYPES(X)                                                                 \
  X(F32, float, float, SUMF, PRODF, MAXF, MINF, -INFINITY, INFINITY)                 \
  X(F64, double, double, SUMF, PRODF, MAXF, MINF, -INFINITY, INFINITY)               \
  X(I8, int8_t, uint32_t, SUMI, PRODI, MAXI, MINI, INT8_MIN, INT8_MAX)               \
  X(I16, int16_t, uint32_t, SUMI, PRODI, MAXI, MINI, INT16_MIN, INT16_MAX)           \
  X(I32, int32_t, uint32_t, SUMI, PRODI, MAXI, MINI, INT32_MIN, INT32_MAX)           \
  X(I64, int64_t, uint64_t, SUMI, PRODI, MAXI, MINI, INT64_MIN, INT64_MAX)           \
  X(U8, uint8_t, uint32_t, SUMI, PRODI, MAXI, MINI, 0, UINT8_MAX)                    \
  X(U16, uint16_t, uint32_t, SUMI, PRODI, MAXI, MINI, 0, UINT16_MAX)                 \
  X(U32, uint32_t, uint32_t, SUMI, PRODI, MAXI, MINI, 0, UINT32_MAX)                 \
  X(U64, uint64_t, uint64_t, SUMI, PRODI, MAXI, MINI, 0, UINT64_MAX)

/* The integer steps need the types: T the element's, U the wrapping one. */
#define SUMI(a, x) WRAP(T, U, a, +, x)
#define PRODI(a, x) WRAP(T, U, a, *, x)

/* name: out[o, i] = fold over r of in[o, r, i], chunk by chunk of the
 * inner elements, from the identity id. */
#define RUN_FN(name, T0, U0, COMB, id)                                                      \
  static void name(const T0 *in, T0 *out, long outer, long n, long inner) {                 \
    typedef T0 T;                                                                           \
    typedef U0 U;                                                                           \
    (void)(U)0;                                                                             \
    const long chunk = RUN_CHUNK_BYTES / (long)sizeof(T);                                   \
    for (long o = 0; o < outer; o++)                                                        \
      for (long c = 0; c < inner; c += chunk) {                                             \
        long w = inner - c < chunk ? inner - c : chunk;                                     \
        T *d = out + o * inner + c;                                                         \
        _Pragma("omp simd") for (long i = 0; i < w; i++) d[i] = (T)(id);                    \
        if (n == 0) continue; /* in may be no array at all */                               \
        const T *run = in + o * n * inner + c;                                              \
        long r = 0;                                                                         \
        for (; r + 2 <= n; r += 2) { /* two rows per pass over d, in order */               \
          const T *s = run + r * inner, *t = s + inner;                                     \
          _Pragma("omp simd") for (long i = 0; i < w; i++) d[i] = COMB(COMB(d[i], s[i]), t[i]); \
        }                                                                                   \
        if (r < n) {                                                                        \
          const T *s = run + r * inner;                                                     \
          _Pragma("omp simd") for (long i = 0; i < w; i++) d[i] = COMB(d[i], s[i]);         \
        }                                                                                   \
      }                                                                                     \
  }

/* name_walk: the runs of dims (sizes, kinds) from level `at` on, walked in
 * memory order, each element combined into its output: every output sees
 * its elements in row-major order of the reduced coordinates (the
 * evaluator's loop), whatever the grouping of the reduced axes. The last
 * run kept: a run of outputs with a run of the input (vectorized); reduced:
 * one output's chain. ist/ost: a run's strides in the input and output. */
#define WALK_FN(name, T0, U0, COMB)                                                         \
  static void name##_walk(const T0 *in, T0 *out, int k, int at, const long *size, const long *red, \
                          const long *ist, const long *ost) {                               \
    typedef T0 T;                                                                           \
    typedef U0 U;                                                                           \
    (void)(U)0;                                                                             \
    long m = size[at];                                                                      \
    if (at + 1 < k) {                                                                       \
      for (long q = 0; q < m; q++)                                                          \
        name##_walk(in + q * ist[at], out + (red[at] ? 0 : q * ost[at]), k, at + 1, size, red, ist, ost); \
    } else if (red[at]) {                                                                   \
      T acc = *out;                                                                         \
      for (long q = 0; q < m; q++) acc = COMB(acc, in[q]);                                  \
      *out = acc;                                                                           \
    } else {                                                                                \
      _Pragma("omp simd") for (long q = 0; q < m; q++) out[q] = COMB(out[q], in[q]);        \
    }                                                                                       \
  }

#define DEFINE_FNS(dt, T, U, SUM, PROD, MAX, MIN, maxid, minid)                           \
  RUN_FN(sum_##dt, T, U, SUM, 0) RUN_FN(prod_##dt, T, U, PROD, 1)                          \
  RUN_FN(max_##dt, T, U, MAX, maxid) RUN_FN(min_##dt, T, U, MIN, minid)                    \
  WALK_FN(sum_##dt, T, U, SUM) WALK_FN(prod_##dt, T, U, PROD)                              \
  WALK_FN(max_##dt, T, U, MAX) WALK_FN(min_##dt, T, U, MIN)
RUN_TYPES(DEFINE_FNS)
#undef DEFINE_FNS

int tj_rt_reduce_runs_has(int dtype) {
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, U, SUM, PROD, MAX, MIN, maxid, minid) case DT_##dt: return 1;
    RUN_TYPES(CASE)
#undef CASE
  default: return 0;
  }
}

void tj_rt_reduce_runs(const void *in, void *out, int dtype, int op, long outer, long n, long inner) {
  if (outer <= 0 || inner <= 0 || n < 0) return;
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, U, SUM, PROD, MAX, MIN, maxid, minid)                                  \
  case DT_##dt:                                                                            \
    if (op == TJ_RED_SUM) sum_##dt((const T *)in, (T *)out, outer, n, inner);              \
    else if (op == TJ_RED_PROD) prod_##dt((const T *)in, (T *)out, outer, n, inner);       \
    else if (op == TJ_RED_MAX) max_##dt((const T *)in, (T *)out, outer, n, inner);         \
    else min_##dt((const T *)in, (T *)out, outer, n, inner);                               \
    break;
    RUN_TYPES(CASE)
#undef CASE
  default: break;
  }
}

/* The identity into every output (a reduction over no element), then the
 * walk, when there is an element at all. */
#define WALK(name, T, id)                                                                  \
  do {                                                                                     \
    for (long i = 0; i < nout; i++) ((T *)out)[i] = (T)(id);                               \
    if (nin > 0) name##_walk((const T *)in, (T *)out, nruns, 0, size, reduced, ist, ost);  \
  } while (0)

void tj_rt_reduce_walk(const void *in, void *out, int dtype, int op, int nruns, const long *size,
                       const long *reduced) {
  long ist[TJ_MAX_RANK], ost[TJ_MAX_RANK], nin = 1, nout = 1;
  if (nruns < 1 || nruns > TJ_MAX_RANK) return;
  for (int i = nruns - 1; i >= 0; i--) {
    ist[i] = nin, ost[i] = nout;
    nin *= size[i];
    if (!reduced[i]) nout *= size[i];
  }
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, U, SUM, PROD, MAX, MIN, maxid, minid)   \
  case DT_##dt:                                             \
    if (op == TJ_RED_SUM) WALK(sum_##dt, T, 0);             \
    else if (op == TJ_RED_PROD) WALK(prod_##dt, T, 1);      \
    else if (op == TJ_RED_MAX) WALK(max_##dt, T, maxid);    \
    else WALK(min_##dt, T, minid);                          \
    break;
    RUN_TYPES(CASE)
#undef CASE
  default: break;
  }
}
