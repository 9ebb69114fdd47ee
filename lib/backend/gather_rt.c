/* The runtime of the gather C rule (cg_gather.c), compiled with tjit at
 * -O2: one pass over the index vectors, each copying its slice with
 * memcpy of the longest run that is contiguous in both the operand and
 * the output (a whole row for an embedding lookup), in the evaluator's
 * semantics (eval_gather.c): the start clamped into bounds, or for
 * FILL_OR_DROP the fill value over a slice not wholly inside. */
#include "gather_rt.h"

#include <stdint.h>
#include <string.h>

#include "dtype.h"

int64_t tj_rt_index_at(const void *p, int t, int64_t i) {
  switch ((tj_dtype)t) {
  case DT_I8: return ((const int8_t *)p)[i];
  case DT_I16: return ((const int16_t *)p)[i];
  case DT_I32: return ((const int32_t *)p)[i];
  case DT_U8: return ((const uint8_t *)p)[i];
  case DT_U32: return ((const uint32_t *)p)[i];
  case DT_U16: return ((const uint16_t *)p)[i];
  case DT_U64: { /* past INT64_MAX: out of bounds all the same */
    uint64_t u = ((const uint64_t *)p)[i];
    return u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
  }
  default: return ((const int64_t *)p)[i];
  }
}

/* How the slice is walked: outer dims [0, nouter) element by element,
 * then a run of `run` elements contiguous on both sides. */
typedef struct walk {
  const long *d;
  int nouter;
  long run;
  long src_stride[TJ_GATHER_SLOTS];
} walk;

static void plan_walk(const long *d, walk *w) {
  int r = (int)d[GD_RANK];
  long s = 1;
  for (int k = r - 1; k >= 0; k--) w->src_stride[k] = s, s *= d[GD_OP_DIMS + k];
  w->d = d;
  w->nouter = r;
  w->run = 1;
  /* a dim joins the run while its output stride continues the run's */
  while (w->nouter > 0) {
    int k = w->nouter - 1;
    long sl = d[GD_SLICE + k];
    bool joins = sl == 1 || (d[GD_OUT_WIN + k] == w->run && w->src_stride[k] == w->run);
    if (!joins) break;
    w->run *= sl;
    w->nouter--;
    if (sl != d[GD_OP_DIMS + k]) break; /* a partial dim ends the contiguity */
  }
}

/* Copies (or fills, when src is NULL) the slice at src into dst. */
static void copy_slice(const walk *w, const char *src, char *dst, const void *fill) {
  const long *d = w->d;
  long es = d[GD_ELSIZE], c[TJ_GATHER_SLOTS] = {0};
  for (;;) {
    long so = 0, doff = 0;
    for (int k = 0; k < w->nouter; k++) so += c[k] * w->src_stride[k], doff += c[k] * d[GD_OUT_WIN + k];
    if (src) memcpy(dst + doff * es, src + so * es, (size_t)(w->run * es));
    else
      for (long i = 0; i < w->run; i++) memcpy(dst + (doff + i) * es, fill, (size_t)es);
    int k = w->nouter - 1;
    while (k >= 0 && ++c[k] == d[GD_SLICE + k]) c[k--] = 0;
    if (k < 0) return;
  }
}

/* The start of slice b in the operand (elements), or -1 to fill it. */
static long slice_start(const walk *w, const void *idx, int idt, long b, const long *bc) {
  const long *d = w->d;
  long nvec = d[GD_NVEC], at = 0;
  for (int k = 0; k < d[GD_RANK]; k++)
    if (d[GD_BATCHING + k] >= 0) at += bc[d[GD_BATCHING + k]] * w->src_stride[k];
  for (long i = 0; i < nvec; i++) {
    int dim = (int)d[GD_START_MAP + i];
    long hi = d[GD_OP_DIMS + dim] - d[GD_SLICE + dim], s = (long)tj_rt_index_at(idx, idt, b * nvec + i);
    if (s < 0 || s > hi) {
      if (d[GD_FILL]) return -1;
      s = s < 0 ? 0 : hi;
    }
    at += s * w->src_stride[dim];
  }
  return at;
}

void tj_rt_gather(const void *op, const void *idx, int idx_dtype, void *out, const long *desc, const void *fill) {
  for (int k = 0; k < desc[GD_RANK]; k++)
    if (desc[GD_SLICE + k] == 0) return; /* an empty output */
  walk w;
  plan_walk(desc, &w);
  long es = desc[GD_ELSIZE], bc[TJ_GATHER_SLOTS] = {0}, nb = desc[GD_NBDIMS];
  for (long b = 0; b < desc[GD_NBATCH]; b++) {
    long base = 0;
    for (int k = 0; k < nb; k++) base += bc[k] * desc[GD_OUT_BATCH + k];
    long at = slice_start(&w, idx, idx_dtype, b, bc);
    char *dst = (char *)out + base * es;
    if (at < 0) copy_slice(&w, NULL, dst, fill);
    else copy_slice(&w, (const char *)op + at * es, dst, NULL);
    for (int k = (int)nb - 1; k >= 0 && ++bc[k] == desc[GD_BATCH_DIMS + k]; k--) bc[k] = 0;
  }
}
