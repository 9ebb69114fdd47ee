/* The params of pad and of the windowed reductions read into plain
 * arrays, shared by their shape rule (prims_window.c), eval rule
 * (eval_window.c) and C rule (cg_window.c). */
#ifndef TJ_PRIMS_WINDOW_H
#define TJ_PRIMS_WINDOW_H
#include <stdbool.h>
#include <stdint.h>

#include "ir.h"
#include "limits.h"

/* pad's padding_config: (low, high, interior) per dimension. */
typedef struct pad_spec {
  int rank;
  int64_t lo[TJ_MAX_RANK], hi[TJ_MAX_RANK], interior[TJ_MAX_RANK];
} pad_spec;

/* A windowed reduction's params, one entry per operand dimension. */
typedef struct window_spec {
  int rank;
  int64_t dims[TJ_MAX_RANK], strides[TJ_MAX_RANK], lo[TJ_MAX_RANK], hi[TJ_MAX_RANK];
  int64_t base[TJ_MAX_RANK], wdil[TJ_MAX_RANK]; /* base_dilation, window_dilation */
} window_spec;

/* False when a param is missing, malformed or not of rank entries (the
 * shape rule has reported why; a checked module reads without fail). */
bool pad_spec_read(const ir_eqn *e, int rank, pad_spec *p);
bool window_spec_read(const ir_eqn *e, int rank, window_spec *w);
/* select_and_scatter_add's window: no dilations (base and window 1). */
bool select_scatter_spec_read(const ir_eqn *e, int rank, window_spec *w);

/* core.dilate_dim: max(0, 1 + dilation * (d - 1)). */
int64_t window_dilate(int64_t d, int64_t dilation);
/* Output extent of dimension k of a windowed reduction of an operand
 * dimension of size d (reduce_window_shape_tuple). */
int64_t window_out_dim(const window_spec *w, int k, int64_t d);

#endif
