/* The gather runtime the generated C calls (cg_gather.c emits the call,
 * cg_fns.def lists it). */
#ifndef TJ_GATHER_RT_H
#define TJ_GATHER_RT_H

#include <stdint.h>

/* The layout of the long array describing one gather: scalars, then
 * per-dimension tables of TJ_GATHER_SLOTS entries each. */
enum {
  TJ_GATHER_SLOTS = 8,      /* = TJ_MAX_RANK */
  GD_RANK = 0,              /* operand rank R */
  GD_ELSIZE,                /* bytes of one element */
  GD_NBATCH,                /* index vectors (product of the batch dims) */
  GD_NVEC,                  /* entries of one index vector */
  GD_FILL,                  /* 1: FILL_OR_DROP, 0: clamp the start */
  GD_NBDIMS,                /* batch dimensions (indices rank - 1) */
  GD_OP_DIMS,                                  /* [R] operand dims */
  GD_SLICE = GD_OP_DIMS + TJ_GATHER_SLOTS,     /* [R] slice sizes */
  GD_OUT_WIN = GD_SLICE + TJ_GATHER_SLOTS,     /* [R] output stride of each operand dim's offset (0: none) */
  GD_START_MAP = GD_OUT_WIN + TJ_GATHER_SLOTS, /* [NVEC] operand dim of each index vector entry */
  GD_BATCH_DIMS = GD_START_MAP + TJ_GATHER_SLOTS, /* [NBDIMS] sizes of the batch dims */
  GD_OUT_BATCH = GD_BATCH_DIMS + TJ_GATHER_SLOTS, /* [NBDIMS] output stride of each batch dim */
  GD_BATCHING = GD_OUT_BATCH + TJ_GATHER_SLOTS,   /* [R] the batch dim a batching operand dim follows, or -1 */
  GD_SIZE = GD_BATCHING + TJ_GATHER_SLOTS
};

/* out = gather(op, idx) as desc describes; idx has tj_dtype idx_dtype;
 * fill points at one element (FILL_OR_DROP), else may be NULL. */
/* Element i of an index array of dtype t as an int64 (a u64 past
 * INT64_MAX as INT64_MAX: out of bounds all the same); the scatters'
 * runtime reads its indices with it too. */
int64_t tj_rt_index_at(const void *p, int t, int64_t i);
void tj_rt_gather(const void *op, const void *idx, int idx_dtype, void *out, const long *desc, const void *fill);

#endif
