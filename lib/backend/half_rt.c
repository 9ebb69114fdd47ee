/* The f16/bf16 block conversions and reductions (half_rt.h). */
#include "half_rt.h"

#include <stdint.h>

#include "dtype.h"
#include "half_bits.h"
#include "limits.h"

TJ_HALF_BITS_DEFS

void tj_rt_half_block(void *dst, const void *src, int from, int to, long n) {
  if (from == DT_F32 && to == DT_F16) {
    const float *s = src;
    uint16_t *d = dst;
    for (long i = 0; i < n; i++) d[i] = tj_f16_of_f32(s[i]);
  } else if (from == DT_F32 && to == DT_BF16) {
    const float *s = src;
    uint16_t *d = dst;
    for (long i = 0; i < n; i++) d[i] = tj_bf16_of_f32(s[i]);
  } else if (from == DT_F16 && to == DT_F32) {
    const uint16_t *s = src;
    float *d = dst;
    for (long i = 0; i < n; i++) d[i] = tj_f32_of_f16(s[i]);
  } else if (from == DT_BF16 && to == DT_F32) {
    const uint16_t *s = src;
    float *d = dst;
    for (long i = 0; i < n; i++) d[i] = tj_f32_of_bf16(s[i]);
  }
}

/* ---- reduce_sum and reduce_prod (the half pass keeps them 2-byte) ---- */

/* One format's widening and rounding. */
typedef struct half_fmt {
  float (*wide)(unsigned short);
  unsigned short (*narrow)(float);
} half_fmt;

/* The elements one output combines, in row-major order of the reduced
 * coordinates (eval_array.c's reduced_walk): element k is at base +
 * sum(c_d * st_d). */
typedef struct half_walk {
  const uint16_t *in;
  half_fmt f;
  long base, dims[TJ_MAX_RANK], st[TJ_MAX_RANK];
  int n;
} half_walk;

static uint16_t walk_at(const half_walk *w, long k) {
  long idx = w->base;
  for (int d = w->n - 1; d >= 0; d--) idx += k % w->dims[d] * w->st[d], k /= w->dims[d];
  return w->in[idx];
}

static uint16_t half_add(const half_fmt *f, uint16_t a, uint16_t x) { return f->narrow(f->wide(a) + f->wide(x)); }

/* The evaluator's pairwise_sum: a sequential sum from 0 over up to 128
 * elements, halves added above that, every step rounded to the format
 * (the float32 sum of two values of either format rounded once more is
 * their rounded sum: 24 >= 2p + 2 bits). */
static uint16_t pairwise(const half_walk *w, long lo, long hi) {
  if (hi - lo <= 128) {
    uint16_t acc = 0;
    for (long k = lo; k < hi; k++) acc = half_add(&w->f, acc, walk_at(w, k));
    return acc;
  }
  long mid = lo + (hi - lo) / 2;
  return half_add(&w->f, pairwise(w, lo, mid), pairwise(w, mid, hi));
}

/* The evaluator's product: from 1 in row-major order, each step rounded. */
static uint16_t product(const half_walk *w, long n) {
  float acc = 1;
  for (long k = 0; k < n; k++) acc = w->f.wide(w->f.narrow(acc * w->f.wide(walk_at(w, k))));
  return w->f.narrow(acc);
}

static float wide16(unsigned short h) { return tj_f32_of_f16(h); }
static unsigned short narrow16(float f) { return tj_f16_of_f32(f); }
static float wide_bf16(unsigned short h) { return tj_f32_of_bf16(h); }
static unsigned short narrow_bf16(float f) { return tj_bf16_of_f32(f); }

void tj_rt_half_reduce(const void *in, void *out, int dtype, int prod, int rank, const long *dims,
                       const long *reduced) {
  half_walk w = {.in = in, .f = dtype == DT_F16 ? (half_fmt){wide16, narrow16} : (half_fmt){wide_bf16, narrow_bf16}};
  long st[TJ_MAX_RANK], kdims[TJ_MAX_RANK], kst[TJ_MAX_RANK], n = 1, nout = 1, s = 1;
  int nk = 0;
  for (int d = rank - 1; d >= 0; d--) st[d] = s, s *= dims[d];
  for (int d = 0; d < rank; d++) {
    if (reduced[d]) w.dims[w.n] = dims[d], w.st[w.n++] = st[d], n *= dims[d];
    else kdims[nk] = dims[d], kst[nk++] = st[d], nout *= dims[d];
  }
  uint16_t *r = out;
  for (long o = 0; o < nout; o++) {
    long rest = o;
    w.base = 0;
    for (int d = nk - 1; d >= 0; d--) w.base += rest % kdims[d] * kst[d], rest /= kdims[d];
    r[o] = prod ? product(&w, n) : pairwise(&w, 0, n);
  }
}
