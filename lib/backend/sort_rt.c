/* The runtime of the sort C rule (cg_sort.c): the generated code calls
 * tj_rt_sort, compiled with tjit at -O2, rather than carrying a sort of its
 * own through libtcc. Each slice's keys become unsigned integers in
 * lax.sort's order: floats canonicalized as _canonicalize_float_for_sort
 * does (-0.0 as 0.0, every NaN as +NaN) then in XLA's total order (the
 * sign-flip bit trick), so NaNs come last and tie. They are sorted as (key,
 * position) pairs by a stable bottom-up merge sort; ties on the first key
 * fall to the next keys, read by position. A long slice with one key takes
 * a stable radix sort of the same pairs instead: the same order. */
#include "sort_rt.h"

#include <stdint.h>
#include <string.h>

#include "dtype.h"

typedef struct sort_pair { uint64_t key; int64_t pos; } sort_pair;

/* Element i of a buffer of dtype t as an order-preserving unsigned key;
 * canon: floats canonicalized as lax.sort does (top_k does not). */
static uint64_t any_key(const void *p, int t, int64_t i, int canon) {
  switch ((tj_dtype)t) {
  case DT_BOOL: case DT_U8: return ((const uint8_t *)p)[i];
  case DT_U32: return ((const uint32_t *)p)[i];
  case DT_U16: return ((const uint16_t *)p)[i];
  case DT_U64: return ((const uint64_t *)p)[i];
  case DT_I8: return (uint64_t)(int64_t)((const int8_t *)p)[i] ^ (UINT64_C(1) << 63);
  case DT_I16: return (uint64_t)(int64_t)((const int16_t *)p)[i] ^ (UINT64_C(1) << 63);
  case DT_I32: return (uint64_t)(int64_t)((const int32_t *)p)[i] ^ (UINT64_C(1) << 63);
  case DT_I64: return (uint64_t)((const int64_t *)p)[i] ^ (UINT64_C(1) << 63);
  case DT_F32: {
    uint32_t b;
    memcpy(&b, (const char *)p + 4 * i, 4);
    if (canon && (b & UINT32_C(0x7fffffff)) > UINT32_C(0x7f800000)) b = UINT32_C(0x7fc00000); /* NaN: +NaN */
    if (canon && b == UINT32_C(0x80000000)) b = 0;                                             /* -0.0: 0.0 */
    return b >> 31 ? (uint32_t)~b : b | UINT32_C(0x80000000);
  }
  case DT_F64: {
    uint64_t b;
    memcpy(&b, (const char *)p + 8 * i, 8);
    if (canon && (b & ~(UINT64_C(1) << 63)) > UINT64_C(0x7ff0000000000000)) b = UINT64_C(0x7ff8000000000000);
    if (canon && b == UINT64_C(1) << 63) b = 0;
    return b >> 63 ? ~b : b | (UINT64_C(1) << 63);
  }
  default: return 0;
  }
}

static uint64_t ordered_key(const void *p, int t, int64_t i) { return any_key(p, t, i, 1); }

typedef struct sort_job {
  const void *const *ins;
  const int *dtypes;
  int nkeys;
  int64_t base, stride;
} sort_job;

/* a before b? Ties on the first key compare the next keys. */
static int before(const sort_job *j, const sort_pair *a, const sort_pair *b) {
  if (a->key != b->key) return a->key < b->key;
  for (int k = 1; k < j->nkeys; k++) {
    uint64_t x = ordered_key(j->ins[k], j->dtypes[k], j->base + a->pos * j->stride);
    uint64_t y = ordered_key(j->ins[k], j->dtypes[k], j->base + b->pos * j->stride);
    if (x != y) return x < y;
  }
  return 0;
}

/* Stable insertion sort of runs of 16, then merges of doubling width
 * between a and b; returns the buffer holding the result. */
static sort_pair *merge_sort(const sort_job *j, sort_pair *a, sort_pair *b, int64_t n) {
  for (int64_t s = 0; s < n; s += 16) {
    int64_t e = s + 16 < n ? s + 16 : n;
    for (int64_t i = s + 1; i < e; i++) {
      sort_pair x = a[i];
      int64_t k = i;
      for (; k > s && before(j, &x, &a[k - 1]); k--) a[k] = a[k - 1];
      a[k] = x;
    }
  }
  for (int64_t w = 16; w < n; w *= 2) {
    for (int64_t s = 0; s < n; s += 2 * w) {
      int64_t m = s + w < n ? s + w : n, e = s + 2 * w < n ? s + 2 * w : n, i = s, k = m, o = s;
      while (i < m && k < e) b[o++] = before(j, &a[k], &a[i]) ? a[k++] : a[i++];
      while (i < m) b[o++] = a[i++];
      while (k < e) b[o++] = a[k++];
    }
    sort_pair *t = a;
    a = b, b = t;
  }
  return a;
}

/* Slices at least this long with one key take the radix sort: below it
 * the 8 x 256 counts cost more than the merges they save. */
enum { RADIX_MIN = 256 };

/* Stable LSD radix sort of the n pairs at a by key, a byte at a time,
 * between a and b; a byte every key shares costs no pass (an f32 key's
 * upper four). Equal keys keep their order, as the merge sort's do. Returns
 * the buffer holding the result. */
static sort_pair *radix_sort(sort_pair *a, sort_pair *b, int64_t n) {
  int64_t count[8][256] = {{0}};
  for (int64_t m = 0; m < n; m++)
    for (int d = 0; d < 8; d++) count[d][(a[m].key >> (8 * d)) & 255]++;
  for (int d = 0; d < 8; d++) {
    int64_t *c = count[d], sum = 0;
    if (c[(a[0].key >> (8 * d)) & 255] == n) continue;
    for (int v = 0; v < 256; v++) {
      int64_t here = c[v];
      c[v] = sum, sum += here;
    }
    for (int64_t m = 0; m < n; m++) b[c[(a[m].key >> (8 * d)) & 255]++] = a[m];
    sort_pair *t = a;
    a = b, b = t;
  }
  return a;
}

void tj_rt_sort(const void *const *ins, void *const *outs, const int *dtypes, int nops, int nkeys, long outer,
                long n, long inner, void *scratch) {
  sort_pair *pa = scratch, *pb = pa + n;
  sort_job j = {ins, dtypes, nkeys, 0, inner};
  for (long o = 0; o < outer; o++)
    for (long in = 0; in < inner; in++) {
      j.base = (int64_t)o * n * inner + in;
      for (int64_t m = 0; m < n; m++) pa[m] = (sort_pair){ordered_key(ins[0], dtypes[0], j.base + m * inner), m};
      sort_pair *r = nkeys == 1 && n >= RADIX_MIN ? radix_sort(pa, pb, n) : merge_sort(&j, pa, pb, n);
      for (int k = 0; k < nops; k++) {
        int sz = dtype_size((tj_dtype)dtypes[k]);
        const char *src = ins[k];
        char *dst = outs[k];
        for (int64_t m = 0; m < n; m++)
          memcpy(dst + (j.base + m * inner) * sz, src + (j.base + r[m].pos * inner) * sz, (size_t)sz);
      }
    }
}

/* ---- top_k: a heap of the k best so far, its worst at the root ---- */

/* a worse than b: a smaller key, or an equal one at a higher position. */
static int worse(const sort_pair *a, const sort_pair *b) {
  return a->key != b->key ? a->key < b->key : a->pos > b->pos;
}

static void sift_down(sort_pair *h, int64_t n, int64_t i) {
  for (;;) {
    int64_t w = i, l = 2 * i + 1, r = l + 1;
    if (l < n && worse(&h[l], &h[w])) w = l;
    if (r < n && worse(&h[r], &h[w])) w = r;
    if (w == i) return;
    sort_pair t = h[i];
    h[i] = h[w], h[w] = t, i = w;
  }
}

/* The heap h of *size of at most k pairs takes p if p beats its worst. */
static void offer(sort_pair *h, int64_t *size, long k, sort_pair p) {
  if (*size < k) {
    int64_t i = (*size)++;
    h[i] = p;
    for (; i > 0 && worse(&h[i], &h[(i - 1) / 2]); i = (i - 1) / 2) {
      sort_pair x = h[i];
      h[i] = h[(i - 1) / 2], h[(i - 1) / 2] = x;
    }
  } else if (k && p.key > h[0].key) { /* a later equal value is worse: positions only grow */
    h[0] = p;
    sift_down(h, *size, 0);
  }
}

/* The f32 bits b as any_key's key without a branch (-(b >> 31) is all ones
 * for a negative b), so that a loop over a block vectorizes. */
static inline uint32_t f32_bits_key(uint32_t b) { return b ^ (-(b >> 31) | UINT32_C(0x80000000)); }

enum { TOP_BLOCK = 64 };

/* Does any of the TOP_BLOCK f32 values at x have a key above thr? Most
 * blocks of a long slice hold nothing better than the heap's worst: one
 * vectorized pass rejects them. */
static int block_beats(const float *x, uint32_t thr) {
  uint32_t any = 0;
  for (int i = 0; i < TOP_BLOCK; i++) {
    uint32_t b;
    memcpy(&b, x + i, 4);
    any |= f32_bits_key(b) > thr;
  }
  return any != 0;
}

/* select_top for a contiguous f32 slice x of n: whole blocks that cannot
 * enter a full heap are skipped; the rest offered one by one. */
static void select_top_f32(const float *x, long n, long k, sort_pair *h, int64_t *size) {
  for (int64_t m = 0; m < n;) {
    int64_t e = m + TOP_BLOCK < n ? m + TOP_BLOCK : n;
    if (*size == k && k && e - m == TOP_BLOCK && !block_beats(x + m, (uint32_t)h[0].key)) {
      m = e;
      continue;
    }
    for (; m < e; m++) {
      uint32_t b;
      memcpy(&b, x + m, 4);
      offer(h, size, k, (sort_pair){f32_bits_key(b), m});
    }
  }
}

/* The k best (key, position) pairs of one slice, best first, into h. */
static void select_top(const void *in, int t, int64_t base, long n, long inner, long k, sort_pair *h) {
  int64_t size = 0;
  if (t == DT_F32 && inner == 1)
    select_top_f32((const float *)in + base, n, k, h, &size);
  else
    for (int64_t m = 0; m < n; m++) offer(h, &size, k, (sort_pair){any_key(in, t, base + m * inner, 0), m});
  for (int64_t e = size - 1; e > 0; e--) { /* heap sort: the worst to the end */
    sort_pair x = h[0];
    h[0] = h[e], h[e] = x;
    sift_down(h, e, 0);
  }
}

void tj_rt_top_k(const void *in, void *vals, int *idx, int dtype, long outer, long n, long inner, long k,
                 void *scratch) {
  sort_pair *h = scratch;
  int sz = dtype_size((tj_dtype)dtype);
  for (long o = 0; o < outer; o++)
    for (long i = 0; i < inner; i++) {
      int64_t base = (int64_t)o * n * inner + i, ob = (int64_t)o * k * inner + i;
      select_top(in, dtype, base, n, inner, k, h);
      for (long m = 0; m < k; m++) {
        memcpy((char *)vals + (ob + m * inner) * sz, (const char *)in + (base + h[m].pos * inner) * sz, (size_t)sz);
        idx[ob + m * inner] = (int)h[m].pos;
      }
    }
}
