/* The runtime of the cumulative reductions (cum_rt.h). Built with the
 * block kernels' flags (-O3 -march=native, exact math: no FMA contraction,
 * no reassociation): every result element is the previous one combined
 * with its operand element, in the evaluator's order, so the results are
 * its bits; what the compiler gets to do is run independent chains side
 * by side.
 *
 * Along the last axis (inner 1) one chain is a row, and a single chain
 * waits on each add's latency: CUM_ROWS rows go through the scan at once,
 * each step combining one element of every row. Along another axis each
 * step combines a whole contiguous run of `inner` elements with the
 * previous step's run, a loop the compiler vectorizes. */
#include "cum_rt.h"

#include <stdint.h>

#include "dtype.h"
#include "half_bits.h"

TJ_HALF_BITS_DEFS

/* Rows scanned at once along the last axis: enough independent chains to
 * hide an add's latency, few enough for the pointers to stay in
 * registers. */
enum { CUM_ROWS = 8 };

/* The evaluator's combinations (eval_array.c: cumred_f, cumred_i): floats
 * in their own type (double holds the exact result of two f32 operands,
 * so rounding it gives the f32 operation's result), integers wrapping in
 * the unsigned type of their width, max and min keeping a NaN. */
#define SUMF(a, x) ((a) + (x))
#define PRODF(a, x) ((a) * (x))
#define MAXF(a, x) ((a) != (a) || (a) > (x) ? (a) : (x))
#define MINF(a, x) ((a) != (a) || (a) < (x) ? (a) : (x))
#define MAXI(a, x) ((a) > (x) ? (a) : (x))
#define MINI(a, x) ((a) < (x) ? (a) : (x))
#define WRAP(T, U, a, op, x) ((T)(U)((U)(a)op(U)(x)))
#define SUM_I8(a, x) WRAP(int8_t, uint32_t, a, +, x)
#define PROD_I8(a, x) WRAP(int8_t, uint32_t, a, *, x)
#define SUM_I16(a, x) WRAP(int16_t, uint32_t, a, +, x)
#define PROD_I16(a, x) WRAP(int16_t, uint32_t, a, *, x)
#define SUM_I32(a, x) WRAP(int32_t, uint32_t, a, +, x)
#define PROD_I32(a, x) WRAP(int32_t, uint32_t, a, *, x)
#define SUM_I64(a, x) WRAP(int64_t, uint64_t, a, +, x)
#define PROD_I64(a, x) WRAP(int64_t, uint64_t, a, *, x)
#define SUM_U8(a, x) WRAP(uint8_t, uint32_t, a, +, x)
#define PROD_U8(a, x) WRAP(uint8_t, uint32_t, a, *, x)
#define SUM_U32(a, x) WRAP(uint32_t, uint32_t, a, +, x)
#define PROD_U32(a, x) WRAP(uint32_t, uint32_t, a, *, x)

/* f16 and bf16 (the half pass keeps their cumsum and cumprod, which the
 * evaluator rounds at every step): each step in float32, rounded back to
 * the format. The float32 sum or product of two values of either format
 * rounded once more is their exactly rounded sum or product (24 >= 2p + 2
 * bits), the evaluator's double result rounded once. */
#define HALF_OP(of, to, a, op, x) to(of(a) op of(x))
#define HALF_CMP(of, a, x, cmp) (of(a) != of(a) || of(a) cmp of(x) ? (a) : (x))
#define SUM_F16(a, x) HALF_OP(tj_f32_of_f16, tj_f16_of_f32, a, +, x)
#define PROD_F16(a, x) HALF_OP(tj_f32_of_f16, tj_f16_of_f32, a, *, x)
#define MAX_F16(a, x) HALF_CMP(tj_f32_of_f16, a, x, >)
#define MIN_F16(a, x) HALF_CMP(tj_f32_of_f16, a, x, <)
#define SUM_BF16(a, x) HALF_OP(tj_f32_of_bf16, tj_bf16_of_f32, a, +, x)
#define PROD_BF16(a, x) HALF_OP(tj_f32_of_bf16, tj_bf16_of_f32, a, *, x)
#define MAX_BF16(a, x) HALF_CMP(tj_f32_of_bf16, a, x, >)
#define MIN_BF16(a, x) HALF_CMP(tj_f32_of_bf16, a, x, <)

/* X(dtype, C type, sum, prod, max, min): the types computed in their own
 * width (the scans' too), then the 2-byte floats, rounded at each step. */
#define CUM_WIDE_TYPES(X)                        \
  X(F32, float, SUMF, PRODF, MAXF, MINF)         \
  X(F64, double, SUMF, PRODF, MAXF, MINF)        \
  X(I8, int8_t, SUM_I8, PROD_I8, MAXI, MINI)     \
  X(I16, int16_t, SUM_I16, PROD_I16, MAXI, MINI) \
  X(I32, int32_t, SUM_I32, PROD_I32, MAXI, MINI) \
  X(I64, int64_t, SUM_I64, PROD_I64, MAXI, MINI) \
  X(U8, uint8_t, SUM_U8, PROD_U8, MAXI, MINI)    \
  X(U32, uint32_t, SUM_U32, PROD_U32, MAXI, MINI)
#define CUM_TYPES(X)                                    \
  CUM_WIDE_TYPES(X)                                     \
  X(F16, uint16_t, SUM_F16, PROD_F16, MAX_F16, MIN_F16) \
  X(BF16, uint16_t, SUM_BF16, PROD_BF16, MAX_BF16, MIN_BF16)

/* name_rows: rows of n contiguous elements (rows of CUM_ROWS at once,
 * then one at a time); name_runs: runs of `inner` elements, step by step
 * along the axis. dir is +1 or -1, first the axis index the scan starts
 * at. */
#define CUM_FNS(name, T, COMB)                                                             \
  static void name##_rows(const T *in, T *out, long outer, long n, long first, long dir) { \
    long o = 0;                                                                            \
    for (; o + CUM_ROWS <= outer; o += CUM_ROWS) {                                         \
      const T *s = in + o * n + first;                                                     \
      T *d = out + o * n + first, acc[CUM_ROWS];                                           \
      for (int r = 0; r < CUM_ROWS; r++) d[r * n] = acc[r] = s[r * n];                     \
      for (long k = 1; k < n; k++) {                                                       \
        s += dir, d += dir;                                                                \
        for (int r = 0; r < CUM_ROWS; r++) d[r * n] = acc[r] = COMB(acc[r], s[r * n]);     \
      }                                                                                    \
    }                                                                                      \
    for (; o < outer; o++) {                                                               \
      const T *s = in + o * n + first;                                                     \
      T *d = out + o * n + first, acc = *d = *s;                                           \
      for (long k = 1; k < n; k++) s += dir, d += dir, *d = acc = COMB(acc, *s);           \
    }                                                                                      \
  }                                                                                        \
  static void name##_runs(const T *in, T *out, long outer, long n, long inner, long first, long dir) { \
    for (long o = 0; o < outer; o++) {                                                     \
      const T *s = in + (o * n + first) * inner;                                           \
      T *d = out + (o * n + first) * inner;                                                \
      for (long i = 0; i < inner; i++) d[i] = s[i];                                        \
      for (long k = 1; k < n; k++) {                                                       \
        const T *p = d;                                                                    \
        s += dir * inner, d += dir * inner;                                                \
        _Pragma("omp simd") for (long i = 0; i < inner; i++) d[i] = COMB(p[i], s[i]);      \
      }                                                                                    \
    }                                                                                      \
  }

#define DEFINE_FNS(dt, T, SUM, PROD, MAX, MIN) \
  CUM_FNS(sum_##dt, T, SUM) CUM_FNS(prod_##dt, T, PROD) CUM_FNS(max_##dt, T, MAX) CUM_FNS(min_##dt, T, MIN)
CUM_TYPES(DEFINE_FNS)
#undef DEFINE_FNS

int tj_rt_cumred_has(int dtype) {
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, SUM, PROD, MAX, MIN) case DT_##dt: return 1;
    CUM_TYPES(CASE)
#undef CASE
  default: return 0;
  }
}

/* The operation's function: rows when inner is 1, else runs. */
#define CALL(name, T)                                                   \
  do {                                                                  \
    if (inner == 1) name##_rows((const T *)in, (T *)out, outer, n, first, dir); \
    else name##_runs((const T *)in, (T *)out, outer, n, inner, first, dir);     \
  } while (0)

void tj_rt_cumred(const void *in, void *out, int dtype, int op, long outer, long n, long inner, int reverse) {
  if (outer <= 0 || n <= 0 || inner <= 0) return;
  long first = reverse ? n - 1 : 0, dir = reverse ? -1 : 1;
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, SUM, PROD, MAX, MIN)            \
  case DT_##dt:                                     \
    if (op == TJ_CUM_SUM) CALL(sum_##dt, T);        \
    else if (op == TJ_CUM_PROD) CALL(prod_##dt, T); \
    else if (op == TJ_CUM_MAX) CALL(max_##dt, T);   \
    else CALL(min_##dt, T);                         \
    break;
    CUM_TYPES(CASE)
#undef CASE
  default: break;
  }
}

/* ---- scans whose body is one cumulative step (cg_scan_step.c) ----
 *
 * Each step is the body's own operations on the carry c, in its operand
 * order (max and min pick by it among signed zeros and NaNs, add and mul
 * only among NaN payloads), so the results are the evaluator's bits: a
 * cumulative step op(c, x) or op(x, c), or the linear step c * a or a * c,
 * then + b on either side. An operand is read at p[t * t_step + i *
 * i_step] for step t and carry element i: a per-step x, a constant of the
 * carry's shape (t_step 0) or a scalar (both 0). The kind and the order
 * are constants of each inlined copy, so every loop does the body's
 * operations and nothing else on the carry's chain, as a compiled loop. */
#define SCAN_STEP(KIND, FLAGS, COMB, SUM, PROD, c, a, b)                                                  \
  ((KIND) != TJ_SCAN_LINEAR ? ((FLAGS) & TJ_SCAN_OPERAND_FIRST ? COMB(b, c) : COMB(c, b))                 \
   : (FLAGS) & TJ_SCAN_OPERAND_FIRST ? SUM(b, (FLAGS) & TJ_SCAN_CARRY_FIRST ? PROD(c, a) : PROD(a, c))   \
                                     : SUM((FLAGS) & TJ_SCAN_CARRY_FIRST ? PROD(c, a) : PROD(a, c), b))

/* name##_scan: a scan of kind KIND (COMB its cumulative operation); step
 * k runs at index t = first + k * dir. One element per step runs its
 * chain in a local; a carry of `inner` elements steps them side by side. */
#define SCAN_FNS(name, T, KIND, COMB, SUM, PROD)                                                            \
  static inline __attribute__((always_inline)) void name##_scan_as(                                         \
      const int flags, long n, long inner, long first, long dir, T *c, const T *a, const T *b,              \
      const long *st, T *yn, T *yo) {                                                                        \
    if (inner == 1) {                                                                                        \
      T acc = *c;                                                                                            \
      for (long k = 0, t = first; k < n; k++, t += dir) {                                                    \
        T old = acc;                                                                                         \
        acc = SCAN_STEP(KIND, flags, COMB, SUM, PROD, acc, a[t * st[0]], b[t * st[2]]);                      \
        if (yo) yo[t] = old;                                                                                 \
        if (yn) yn[t] = acc;                                                                                 \
      }                                                                                                      \
      *c = acc;                                                                                              \
      return;                                                                                                \
    }                                                                                                        \
    for (long k = 0, t = first; k < n; k++, t += dir) {                                                      \
      const T *at = a + t * st[0], *bt = b + t * st[2];                                                      \
      if (yo) for (long i = 0; i < inner; i++) yo[t * inner + i] = c[i];                                     \
      _Pragma("omp simd") for (long i = 0; i < inner; i++)                                                   \
        c[i] = SCAN_STEP(KIND, flags, COMB, SUM, PROD, c[i], at[i * st[1]], bt[i * st[3]]);                  \
      if (yn) for (long i = 0; i < inner; i++) yn[t * inner + i] = c[i];                                     \
    }                                                                                                        \
  }                                                                                                          \
  static void name##_scan(int flags, long n, long inner, long first, long dir, T *c, const T *a, const T *b, \
                          const long *st, T *yn, T *yo) {                                                    \
    switch (flags) {                                                                                         \
    case 0: name##_scan_as(0, n, inner, first, dir, c, a, b, st, yn, yo); break;                            \
    case 1: name##_scan_as(1, n, inner, first, dir, c, a, b, st, yn, yo); break;                            \
    case 2: name##_scan_as(2, n, inner, first, dir, c, a, b, st, yn, yo); break;                            \
    default: name##_scan_as(3, n, inner, first, dir, c, a, b, st, yn, yo); break;                           \
    }                                                                                                        \
  }

#define DEFINE_SCANS(dt, T, SUM, PROD, MAX, MIN)                                                   \
  SCAN_FNS(sum_##dt, T, TJ_CUM_SUM, SUM, SUM, PROD) SCAN_FNS(prod_##dt, T, TJ_CUM_PROD, PROD, SUM, PROD) \
  SCAN_FNS(max_##dt, T, TJ_CUM_MAX, MAX, SUM, PROD) SCAN_FNS(min_##dt, T, TJ_CUM_MIN, MIN, SUM, PROD)    \
  SCAN_FNS(linear_##dt, T, TJ_SCAN_LINEAR, SUM, SUM, PROD)
CUM_WIDE_TYPES(DEFINE_SCANS)
#undef DEFINE_SCANS

int tj_rt_scan_has(int dtype) {
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, SUM, PROD, MAX, MIN) case DT_##dt: return 1;
    CUM_WIDE_TYPES(CASE)
#undef CASE
  default: return 0;
  }
}

void tj_rt_scan(int dtype, int kind, int flags, long n, long inner, int reverse, void *carry, const void *a,
                const void *b, const long *steps, void *ys_new, void *ys_old) {
  if (n <= 0 || inner <= 0) return;
  long first = reverse ? n - 1 : 0, dir = reverse ? -1 : 1;
  flags &= kind == TJ_SCAN_LINEAR ? TJ_SCAN_OPERAND_FIRST | TJ_SCAN_CARRY_FIRST : TJ_SCAN_OPERAND_FIRST;
  switch ((tj_dtype)dtype) {
#define RUN(name, T) name##_scan(flags, n, inner, first, dir, (T *)carry, (const T *)a, (const T *)b, steps, \
                                 (T *)ys_new, (T *)ys_old)
#define CASE(dt, T, SUM, PROD, MAX, MIN)             \
  case DT_##dt:                                      \
    if (kind == TJ_SCAN_LINEAR) RUN(linear_##dt, T); \
    else if (kind == TJ_CUM_SUM) RUN(sum_##dt, T);   \
    else if (kind == TJ_CUM_PROD) RUN(prod_##dt, T); \
    else if (kind == TJ_CUM_MAX) RUN(max_##dt, T);   \
    else RUN(min_##dt, T);                           \
    break;
    CUM_WIDE_TYPES(CASE)
#undef CASE
#undef RUN
  default: break;
  }
}
