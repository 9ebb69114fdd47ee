/* The runtime of pad and of the windowed reductions (window_rt.h). Built
 * with the block kernels' flags (-O3 -march=native, exact math: no FMA
 * contraction, no reassociation), so the loops over a contiguous run
 * vectorize while each output still combines its window in the
 * evaluator's row-major order from the identity.
 *
 * reduce_window: the trailing dimensions the window passes through
 * (window 1, stride 1, no padding, no dilation: NHWC pooling's channels)
 * become one contiguous run of `run` elements; every output position of
 * the leading dimensions combines, for each window position that lands on
 * an operand element, a whole run at once. */
#include "window_rt.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dtype.h"
#include "half_bits.h"

TJ_HALF_BITS_DEFS

/* ---- pad ---- */

/* Fills n elements of elsize bytes with *v, doubling the filled prefix. */
static void fill(char *out, const void *v, long n, int elsize) {
  size_t total = (size_t)n * (size_t)elsize, done = (size_t)elsize;
  if (!n) return;
  memcpy(out, v, (size_t)elsize);
  while (done < total) {
    size_t step = done < total - done ? done : total - done;
    memcpy(out + done, out, step);
    done += step;
  }
}

typedef struct pad_job {
  const long *in_dims, *out_dims, *lo, *interior;
  long in_st[TJ_MAX_RANK], out_st[TJ_MAX_RANK];
  int rank, elsize;
} pad_job;

/* Places the operand's slab at dimension k (offsets in elements). */
static void place(const pad_job *j, int k, const char *in, char *out) {
  long n = j->in_dims[k], step = j->interior[k] + 1, lo = j->lo[k], size = j->out_dims[k];
  long c0 = lo < 0 ? (-lo + step - 1) / step : 0; /* the first element not cut off */
  size_t es = (size_t)j->elsize;
  if (k == j->rank - 1 && step == 1) {
    long c1 = size - lo < n ? size - lo : n;
    if (c1 > c0) memcpy(out + (size_t)(lo + c0) * es, in + (size_t)c0 * es, (size_t)(c1 - c0) * es);
    return;
  }
  for (long c = c0; c < n && lo + c * step < size; c++) {
    const char *src = in + (size_t)(c * j->in_st[k]) * es;
    char *dst = out + (size_t)((lo + c * step) * j->out_st[k]) * es;
    if (k == j->rank - 1) memcpy(dst, src, es);
    else place(j, k + 1, src, dst);
  }
}

void tj_rt_pad(const void *in, const void *pad, void *out, int elsize, int rank, const long *in_dims,
               const long *out_dims, const long *lo, const long *interior) {
  pad_job j = {in_dims, out_dims, lo, interior, {0}, {0}, rank, elsize};
  long n_in = 1, n_out = 1;
  for (int k = rank - 1; k >= 0; k--) {
    j.in_st[k] = n_in, j.out_st[k] = n_out;
    n_in *= in_dims[k], n_out *= out_dims[k];
  }
  fill(out, pad, n_out, elsize);
  if (rank == 0) memcpy(out, in, (size_t)elsize);
  else if (n_in && n_out) place(&j, 0, in, out);
}

/* ---- reduce_window ---- */

/* Window positions combined per gathering (and the fast path's most). */
enum { WINDOW_BATCH = 16 };

typedef struct window_job {
  int rank;                  /* the leading dimensions the window moves in */
  long run;                  /* elements of the contiguous trailing run */
  long in_dims[TJ_MAX_RANK], out_dims[TJ_MAX_RANK];
  long dims[TJ_MAX_RANK], strides[TJ_MAX_RANK], lo[TJ_MAX_RANK], base[TJ_MAX_RANK], wdil[TJ_MAX_RANK];
  long nwin;                 /* window positions */
  /* the fast path (no base dilation, at most WINDOW_BATCH positions): each
   * position's offset in runs from the window's first element, for the
   * outputs whose whole window lies on the operand */
  int fast;
  long rel[WINDOW_BATCH];
  /* the outputs [row_lo, row_hi) along the last moving dimension have their
   * window on the operand along it (all of them when the dimension is a
   * stand-in for none) */
  long row_lo, row_hi;
} window_job;

/* The operand run under window position jc of output position oc, or -1
 * on padding or a dilation hole. No division unless a base dilation asks
 * for one. */
static long source_run(const window_job *w, const long *oc, const long *jc) {
  long off = 0;
  for (int k = 0; k < w->rank; k++) {
    long p = oc[k] * w->strides[k] + jc[k] * w->wdil[k] - w->lo[k];
    if (p < 0) return -1;
    if (w->base[k] != 1) {
      if (p % w->base[k] != 0) return -1;
      p /= w->base[k];
    }
    if (p >= w->in_dims[k]) return -1;
    off = off * w->in_dims[k] + p;
  }
  return off;
}

/* The next position of a row-major odometer over dims[0..rank). */
static void step(long *c, const long *dims, int rank) {
  for (int k = rank - 1; k >= 0 && ++c[k] == dims[k]; k--) c[k] = 0;
}

/* max/min as the evaluator's: a NaN accumulator stays; else a > x keeps a
 * and anything else (x larger, equal, or NaN) takes x, which is one
 * vmaxps/vminps (it returns its second operand on NaN or equality) and a
 * blend for the accumulator's NaN. */
#define MAXF(a, x) ((((a) > (x)) | ((a) != (a))) ? (a) : (x))
#define MINF(a, x) ((((a) < (x)) | ((a) != (a))) ? (a) : (x))
#define MAXI(a, x) ((a) > (x) ? (a) : (x))
#define MINI(a, x) ((a) < (x) ? (a) : (x))
#define SUMF(a, x) ((a) + (x))
/* FAST_ and NANQ_ of each: the float max/min without the NaN rule, one
 * vmaxps/vminps (its second operand on NaN or equality), and the test
 * that asks for the exact one; integers have no NaN. */
#define FAST_MAXF(a, x) ((a) > (x) ? (a) : (x))
#define FAST_MINF(a, x) ((a) < (x) ? (a) : (x))
#define FAST_MAXI MAXI
#define FAST_MINI MINI
#define NANQ_MAXF IS_NAN
#define NANQ_MINF IS_NAN
#define NANQ_MAXI NO_NAN
#define NANQ_MINI NO_NAN

/* The offsets of the next (up to WINDOW_BATCH) window positions of output
 * oc that land on operand elements, from position *j (jc) on; their
 * number. */
static int gather(const window_job *w, const long *oc, long *j, long *jc, long *srcs) {
  int n = 0;
  for (; *j < w->nwin && n < WINDOW_BATCH; ++*j, step(jc, w->dims, w->rank)) {
    long s = source_run(w, oc, jc);
    if (s >= 0) srcs[n++] = s * w->run;
  }
  return n;
}

/* Whether the window of the outputs oc lies on the operand along every
 * moving dimension but the last (oc's last coordinate is not read); *first:
 * the offset in runs of the window's first element for that coordinate 0
 * before low padding. */
static int inside_lead(const window_job *w, const long *oc, long *first) {
  long off = 0;
  for (int k = 0; k < w->rank - 1; k++) {
    long p = oc[k] * w->strides[k] - w->lo[k];
    if (p < 0 || p + (w->dims[k] - 1) * w->wdil[k] >= w->in_dims[k]) return 0;
    off = off * w->in_dims[k] + p;
  }
  *first = off * w->in_dims[w->rank - 1];
  return 1;
}

/* dst[c] = the combination, in order, of acc(c) with the runs at in +
 * srcs[0..4): each element's four steps in a register; nan_ (a variable
 * of the caller) |= NANQ of every element read. The run goes in chunks of
 * one 64-byte vector's elements, a loop of a constant count the compiler
 * turns into straight vector code (pooling's runs are short, a few
 * channels, so a loop of a variable count spends more on its prologue and
 * epilogue than on the work), then the rest. */
#define COMBINE4_AT(T, COMBINE, FIRST, NANQ, dst, acc)                                  \
  do {                                                                                  \
    T xa_ = a_[c], xb_ = b_[c], xc_ = c_[c], xd_ = d_[c];                               \
    nan_ |= NANQ(xa_, xb_) | NANQ(xc_, xd_);                                            \
    T t_ = FIRST(acc, xa_);                                                             \
    t_ = COMBINE(t_, xb_);                                                              \
    t_ = COMBINE(t_, xc_);                                                              \
    (dst)[c] = COMBINE(t_, xd_);                                                        \
  } while (0)
#define CHUNK(T) (64 / (long)sizeof(T))
#define COMBINE4(T, COMBINE, FIRST, NANQ, dst, in, srcs, run, acc)                      \
  do {                                                                                  \
    const T *a_ = (in) + (srcs)[0], *b_ = (in) + (srcs)[1];                             \
    const T *c_ = (in) + (srcs)[2], *d_ = (in) + (srcs)[3];                             \
    long whole_ = (run) - (run) % CHUNK(T);                                             \
    for (long c0_ = 0; c0_ < whole_; c0_ += CHUNK(T))                                   \
      _Pragma("omp simd reduction(|:nan_)") for (long c = c0_; c < c0_ + CHUNK(T); c++) \
        COMBINE4_AT(T, COMBINE, FIRST, NANQ, dst, acc);                                 \
    _Pragma("omp simd reduction(|:nan_)") for (long c = whole_; c < (run); c++)         \
      COMBINE4_AT(T, COMBINE, FIRST, NANQ, dst, acc);                                   \
  } while (0)

/* dst[c] = the identity (fresh) or dst[c], combined with the runs at
 * in + srcs[0..n) in order, four positions per pass (the first pass from
 * the identity when fresh, so a fresh run is not read; FIRST combines the
 * identity with the first position). */
#define COMBINE_RUNS(T, COMBINE, FIRST, NANQ, dst, in, srcs, n, fresh, identity, run)     \
  do {                                                                                  \
    int v_ = 0;                                                                         \
    if ((fresh) && (n) >= 4) { COMBINE4(T, COMBINE, FIRST, NANQ, dst, in, srcs, run, (identity)); v_ = 4; } \
    else if (fresh)                                                                     \
      for (long c = 0; c < (run); c++) (dst)[c] = (identity);                           \
    for (; v_ + 4 <= (n); v_ += 4) COMBINE4(T, COMBINE, COMBINE, NANQ, dst, in, (srcs) + v_, run, (dst)[c]); \
    for (; v_ < (n); v_++) {                                                            \
      const T *a_ = (in) + (srcs)[v_];                                                  \
      _Pragma("omp simd reduction(|:nan_)") for (long c = 0; c < (run); c++) {          \
        T x_ = a_[c];                                                                   \
        nan_ |= NANQ(x_, x_);                                                           \
        (dst)[c] = COMBINE((dst)[c], x_);                                               \
      }                                                                                 \
    }                                                                                   \
  } while (0)

/* max/min from their identity (-inf, the least integer ...) give the
 * element itself, NaN included: the first combination is skipped. A sum
 * adds to 0, which turns -0.0 into 0.0. */
#define TAKE_X(a, x) (x)
#define IS_NAN(x, y) __builtin_isunordered(x, y)
#define NO_NAN(x, y) 0

/* One output near the edge, combined with COMBINE: the positions that
 * land on operand elements, gathered WINDOW_BATCH at a time. */
#define EDGE_PASS(T, COMBINE, FIRST, NANQ)                                              \
  do {                                                                                  \
    long j = 0, jc[TJ_MAX_RANK] = {0}, srcs[WINDOW_BATCH];                              \
    int fresh = 1;                                                                      \
    for (int n; (n = gather(w, oc, &j, jc, srcs)) > 0; fresh = 0)                       \
      COMBINE_RUNS(T, COMBINE, FIRST, NANQ, dst, in, srcs, n, fresh, identity, w->run); \
    if (fresh)                                                                          \
      for (long c = 0; c < w->run; c++) dst[c] = identity;                              \
  } while (0)

/* The exact max/min of a window that holds a NaN is its first NaN (the
 * evaluator's accumulator keeps a NaN, and takes one it meets), FAST's
 * result otherwise: dst[c] becomes the first NaN of the runs at in +
 * srcs[0..n), if any, by a select per position from the last one, which
 * vectorizes where the exact comparisons' chain of selects does not. */
#define NAN_FIX(T, dst, in, srcs, n, run)                                               \
  for (int v_ = (n) - 1; v_ >= 0; v_--) {                                               \
    const T *a_ = (in) + (srcs)[v_];                                                    \
    for (long c = 0; c < (run); c++) (dst)[c] = a_[c] != a_[c] ? a_[c] : (dst)[c];      \
  }

/* Three functions per dtype and operation. Each output run combines its
 * window positions in row-major order from the identity: with FAST (a
 * max/min that is one instruction, for it ignores the NaN rule), then,
 * when NANQ found a NaN among the elements read (FAST is EXACT but for
 * NaN), NAN_FIX for the whole row (name_inner) or again with EXACT (one
 * output, name_edge). name_inner: the outputs of one row whose window lies
 * on the operand (the fast path), from the positions' precomputed offsets,
 * the row's windows `step` elements apart, one NaN test for the row;
 * name_edge: one output near the edge; name: row by row. */
#define WINDOW_FN(name, T, EXACT, FAST, FIRST, NANQ)                                    \
  static void name##_inner(const window_job *w, const T *in, T *restrict dst, long count, long step, T identity) { \
    long srcs[WINDOW_BATCH], run = w->run;                                              \
    int n = (int)w->nwin;                                                               \
    for (long v = 0; v < w->nwin; v++) srcs[v] = w->rel[v] * run;                       \
    int nan_ = 0;                                                                       \
    for (long o = 0; o < count; o++)                                                   \
      COMBINE_RUNS(T, FAST, FIRST, NANQ, dst + o * run, in + o * step, srcs, n, 1, identity, run); \
    if (nan_)                                                                           \
      for (long o = 0; o < count; o++) NAN_FIX(T, dst + o * run, in + o * step, srcs, n, run); \
  }                                                                                     \
  static void name##_edge(const window_job *w, const long *oc, const T *in, T *dst, T identity) { \
    int nan_ = 0;                                                                       \
    EDGE_PASS(T, FAST, FIRST, NANQ);                                                    \
    if (nan_) EDGE_PASS(T, EXACT, FIRST, NO_NAN);                                       \
  }                                                                                     \
  __attribute__((noinline)) static void name(const window_job *w, const T *in, T *out, T identity) { \
    int last = w->rank - 1;                                                             \
    long nrows = 1, oc[TJ_MAX_RANK] = {0}, first, n = w->out_dims[last], s = w->strides[last]; \
    for (int k = 0; k < last; k++) nrows *= w->out_dims[k];                             \
    for (long r = 0; r < nrows; r++, step(oc, w->out_dims, last)) {                     \
      T *row = out + r * n * w->run;                                                    \
      long lo = n, hi = n;                                                              \
      if (w->fast && w->row_lo < w->row_hi && inside_lead(w, oc, &first)) {            \
        lo = w->row_lo, hi = w->row_hi;                                                 \
        name##_inner(w, in + (first + lo * s - w->lo[last]) * w->run, row + lo * w->run, hi - lo, s * w->run, identity); \
      }                                                                                 \
      for (oc[last] = 0; oc[last] < n; oc[last]++)                                       \
        if (oc[last] < lo || oc[last] >= hi) name##_edge(w, oc, in, row + oc[last] * w->run, identity); \
      oc[last] = 0;                                                                     \
    }                                                                                   \
  }

/* Integer sums wrap: they add in the unsigned type of the same width. */
#define SUM_U8(a, x) ((uint8_t)((a) + (x)))
#define SUM_I8(a, x) ((int8_t)(uint8_t)((uint8_t)(a) + (uint8_t)(x)))
#define SUM_I16(a, x) ((int16_t)(uint16_t)((uint16_t)(a) + (uint16_t)(x)))
#define SUM_I32(a, x) ((int32_t)((uint32_t)(a) + (uint32_t)(x)))
#define SUM_I64(a, x) ((int64_t)((uint64_t)(a) + (uint64_t)(x)))
#define SUM_U32(a, x) ((uint32_t)((a) + (x)))
#define SUM_U16(a, x) ((uint16_t)((uint16_t)(a) + (uint16_t)(x)))
#define SUM_U64(a, x) ((uint64_t)((a) + (x)))

/* f16 and bf16 (the half pass keeps their reduce_window_sum, which the
 * evaluator rounds at every step): each step in float32, rounded back to
 * the format (the rounded sum: 24 >= 2p + 2 bits); max and min compare
 * the values and keep the bits, as MAXF/MINF, with no fast variant. Their
 * identities are the bits of -inf and inf. */
#define HALF_SUM(of, to, a, x) to(of(a) + of(x))
/* `|`, not `||`, as MAXF (no branch); the int cast tells clang so, since
 * each side calls a conversion (-Wbitwise-instead-of-logical). */
#define HALF_EXT(of, a, x, cmp) (((int)(of(a) cmp of(x)) | (int)(of(a) != of(a))) ? (a) : (x))
#define SUM_F16(a, x) HALF_SUM(tj_f32_of_f16, tj_f16_of_f32, a, x)
#define MAX_F16(a, x) HALF_EXT(tj_f32_of_f16, a, x, >)
#define MIN_F16(a, x) HALF_EXT(tj_f32_of_f16, a, x, <)
#define SUM_BF16(a, x) HALF_SUM(tj_f32_of_bf16, tj_bf16_of_f32, a, x)
#define MAX_BF16(a, x) HALF_EXT(tj_f32_of_bf16, a, x, >)
#define MIN_BF16(a, x) HALF_EXT(tj_f32_of_bf16, a, x, <)
#define FAST_MAX_F16 MAX_F16
#define FAST_MIN_F16 MIN_F16
#define FAST_MAX_BF16 MAX_BF16
#define FAST_MIN_BF16 MIN_BF16
#define NANQ_MAX_F16 NO_NAN
#define NANQ_MIN_F16 NO_NAN
#define NANQ_MAX_BF16 NO_NAN
#define NANQ_MIN_BF16 NO_NAN

/* X(dtype, C type, sum, max, min, least, greatest) */
#define WINDOW_TYPES(X)                                                        \
  X(F32, float, SUMF, MAXF, MINF, -INFINITY, INFINITY)                         \
  X(F64, double, SUMF, MAXF, MINF, -INFINITY, INFINITY)                        \
  X(I8, int8_t, SUM_I8, MAXI, MINI, INT8_MIN, INT8_MAX)                        \
  X(I16, int16_t, SUM_I16, MAXI, MINI, INT16_MIN, INT16_MAX)                   \
  X(I32, int32_t, SUM_I32, MAXI, MINI, INT32_MIN, INT32_MAX)                   \
  X(I64, int64_t, SUM_I64, MAXI, MINI, INT64_MIN, INT64_MAX)                   \
  X(U8, uint8_t, SUM_U8, MAXI, MINI, 0, UINT8_MAX)                             \
  X(U32, uint32_t, SUM_U32, MAXI, MINI, 0, UINT32_MAX)                         \
  X(BOOL, uint8_t, SUM_U8, MAXI, MINI, 0, 1)                                   \
  X(U16, uint16_t, SUM_U16, MAXI, MINI, 0, UINT16_MAX)                         \
  X(U64, uint64_t, SUM_U64, MAXI, MINI, 0, UINT64_MAX)                        \
  X(F16, uint16_t, SUM_F16, MAX_F16, MIN_F16, 0xfc00u, 0x7c00u)                 \
  X(BF16, uint16_t, SUM_BF16, MAX_BF16, MIN_BF16, 0xff80u, 0x7f80u)

#define DEFINE_FNS(dt, T, SUM, MAX, MIN, least, greatest) \
  WINDOW_FN(sum_##dt, T, SUM, SUM, SUM, NO_NAN) WINDOW_FN(max_##dt, T, MAX, FAST_##MAX, TAKE_X, NANQ_##MAX) \
  WINDOW_FN(min_##dt, T, MIN, FAST_##MIN, TAKE_X, NANQ_##MIN)
WINDOW_TYPES(DEFINE_FNS)
#undef DEFINE_FNS

int tj_rt_reduce_window_has(int dtype) {
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, SUM, MAX, MIN, least, greatest) case DT_##dt: return 1;
    WINDOW_TYPES(CASE)
#undef CASE
  default: return 0;
  }
}

/* Splits off the trailing dimensions the window passes through. */
static void plan(window_job *w, int rank, const long *in_dims, const long *out_dims, const long *win) {
  const long *dims = win, *strides = win + rank, *lo = win + 2 * rank, *base = win + 3 * rank, *wdil = win + 4 * rank;
  w->run = 1;
  w->rank = rank;
  while (w->rank > 0) {
    int k = w->rank - 1;
    if (dims[k] != 1 || strides[k] != 1 || lo[k] != 0 || base[k] != 1 || out_dims[k] != in_dims[k]) break;
    w->run *= in_dims[k];
    w->rank--;
  }
  if (w->rank == 0) { /* the window moves in no dimension: a stand-in of 1 */
    static const long one[5] = {1, 1, 0, 1, 1};
    w->rank = 1, in_dims = out_dims = one, dims = one, strides = one + 1, lo = one + 2, base = one + 3, wdil = one + 4;
  }
  w->nwin = 1;
  for (int k = 0; k < w->rank; k++) {
    w->in_dims[k] = in_dims[k], w->out_dims[k] = out_dims[k], w->dims[k] = dims[k];
    w->strides[k] = strides[k], w->lo[k] = lo[k], w->base[k] = base[k], w->wdil[k] = wdil[k];
    w->nwin *= dims[k];
  }
  w->fast = w->nwin <= WINDOW_BATCH;
  for (int k = 0; k < w->rank; k++) w->fast &= base[k] == 1;
  long jc[TJ_MAX_RANK] = {0};
  for (long j = 0; w->fast && j < w->nwin; j++, step(jc, w->dims, w->rank)) {
    long off = 0;
    for (int k = 0; k < w->rank; k++) off = off * w->in_dims[k] + jc[k] * w->wdil[k];
    w->rel[j] = off;
  }
  int k = w->rank - 1; /* the outputs whose window is on the operand along k */
  long s = strides[k], top = in_dims[k] - 1 - (dims[k] - 1) * wdil[k] + lo[k];
  w->row_hi = top < 0 ? 0 : top / s + 1 < out_dims[k] ? top / s + 1 : out_dims[k];
  w->row_lo = lo[k] > 0 ? (lo[k] + s - 1) / s : 0;
  if (w->row_lo > w->row_hi) w->row_lo = w->row_hi;
}

void tj_rt_reduce_window(const void *in, void *out, int dtype, int op, int rank, const long *in_dims,
                         const long *out_dims, const long *win) {
  window_job w;
  plan(&w, rank, in_dims, out_dims, win);
  for (int k = 0; k < w.rank; k++)
    if (w.out_dims[k] == 0) return;
  switch ((tj_dtype)dtype) {
#define CASE(dt, T, SUM, MAX, MIN, least, greatest)                        \
  case DT_##dt:                                                            \
    if (op == 0) sum_##dt(&w, in, out, (T)0);                              \
    else if (op == 1) max_##dt(&w, in, out, (T)(least));                  \
    else min_##dt(&w, in, out, (T)(greatest));                             \
    break;
    WINDOW_TYPES(CASE)
#undef CASE
  default: break;
  }
}

/* ---- select_and_gather_add ---- */

/* The operand offset of window position jc of output position oc, or -1
 * on padding or a dilation hole (the evaluator's window_source). */
static long select_source(int rank, const long *in_dims, const long *win, const long *oc, const long *jc) {
  const long *strides = win + rank, *lo = win + 2 * rank, *base = win + 3 * rank, *wdil = win + 4 * rank;
  long off = 0;
  for (int k = 0; k < rank; k++) {
    long p = oc[k] * strides[k] + jc[k] * wdil[k] - lo[k];
    if (p < 0 || p % base[k] != 0 || p / base[k] >= in_dims[k]) return -1;
    off = off * in_dims[k] + p / base[k];
  }
  return off;
}

#define SELECT_GATHER(name, T)                                                                                 \
  static void name(const T *t, const T *x, T *out, int ge, int rank, const long *in_dims, const long *out_dims,  \
                   const long *win) {                                                                          \
    long nout = 1, nwin = 1, oc[TJ_MAX_RANK], jc[TJ_MAX_RANK];                                                  \
    for (int k = 0; k < rank; k++) nout *= out_dims[k], nwin *= win[k];                                        \
    T init = ge ? (T)-INFINITY : (T)INFINITY;                                                                  \
    for (long o = 0; o < nout; o++) {                                                                          \
      for (long r = o, k = rank - 1; k >= 0; k--) oc[k] = r % out_dims[k], r /= out_dims[k];                   \
      T key = init, val = 0;                                                                                   \
      for (long j = 0; j < nwin; j++) {                                                                        \
        for (long r = j, k = rank - 1; k >= 0; k--) jc[k] = r % win[k], r /= win[k];                           \
        long i = select_source(rank, in_dims, win, oc, jc);                                                    \
        T kx = i >= 0 ? x[i] : init, vx = i >= 0 ? t[i] : (T)0;                                                \
        if (!(ge ? key >= kx : key <= kx)) key = kx, val = vx;                                                 \
      }                                                                                                        \
      out[o] = val;                                                                                            \
    }                                                                                                          \
  }
SELECT_GATHER(select_gather_f32, float)
SELECT_GATHER(select_gather_f64, double)
#undef SELECT_GATHER

void tj_rt_select_gather(const void *t, const void *x, void *out, int is_f64, int is_ge, int rank, const long *in_dims,
                         const long *out_dims, const long *win) {
  if (is_f64) select_gather_f64(t, x, out, is_ge, rank, in_dims, out_dims, win);
  else select_gather_f32(t, x, out, is_ge, rank, in_dims, out_dims, win);
}

/* ---- select_and_scatter_add ---- */

#define SELECT_SCATTER(name, T)                                                                                \
  static void name(const T *t, const T *x, T *out, int ge, int rank, const long *in_dims, const long *out_dims,  \
                   const long *win) {                                                                          \
    long nin = 1, nout = 1, nwin = 1, oc[TJ_MAX_RANK], jc[TJ_MAX_RANK];                                         \
    for (int k = 0; k < rank; k++) nin *= in_dims[k], nout *= out_dims[k], nwin *= win[k];                     \
    for (long i = 0; i < nin; i++) out[i] = 0;                                                                 \
    for (long o = 0; o < nout; o++) {                                                                          \
      for (long r = o, k = rank - 1; k >= 0; k--) oc[k] = r % out_dims[k], r /= out_dims[k];                   \
      long chosen = -1;                                                                                        \
      for (long j = 0; j < nwin; j++) {                                                                        \
        for (long r = j, k = rank - 1; k >= 0; k--) jc[k] = r % win[k], r /= win[k];                           \
        long i = select_source(rank, in_dims, win, oc, jc);                                                    \
        if (i < 0) continue;                                                                                   \
        if (chosen < 0 || !(ge ? x[chosen] >= x[i] : x[chosen] <= x[i])) chosen = i;                           \
      }                                                                                                        \
      if (chosen >= 0) out[chosen] = out[chosen] + t[o];                                                       \
    }                                                                                                          \
  }
SELECT_SCATTER(select_scatter_f32, float)
SELECT_SCATTER(select_scatter_f64, double)
#undef SELECT_SCATTER

void tj_rt_select_scatter(const void *t, const void *x, void *out, int is_f64, int is_ge, int rank, const long *in_dims,
                          const long *out_dims, const long *win) {
  if (is_f64) select_scatter_f64(t, x, out, is_ge, rank, in_dims, out_dims, win);
  else select_scatter_f32(t, x, out, is_ge, rank, in_dims, out_dims, win);
}
