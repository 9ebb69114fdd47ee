/* The indexing vocabulary's private interface, shared by trace_index.c
 * (parsing x[...], the slice strategies, the scatters) and
 * trace_index_gather.c (_index_to_gather and _gather: integer-array
 * indices), and by trace_diag.c (jnp.diagonal's gather, jnp.repeat's
 * scatters); by no one else. The names carry the ix_ prefix. */
#ifndef TJ_TRACE_INDEX_INT_H
#define TJ_TRACE_INDEX_INT_H
#include "prims.h"
#include "trace.h"
#include "util.h"

typedef enum { IX_INT, IX_TRACED, IX_SLICE, IX_NONE, IX_BOOL, IX_ARRAY } ix_kind;

/* One index item, as NDIndexer's ParsedIndex. */
typedef struct ix_item {
  ix_kind kind;
  int axis;            /* the first axis of x it consumes (-1: none) */
  int64_t i;           /* IX_INT */
  uint32_t var;        /* IX_TRACED (a scalar integer), IX_ARRAY (an integer array), IX_BOOL */
  int pos;             /* its place in the index as written (`...` one place) */
  value bound[3];      /* IX_SLICE: start, stop, step (V_NONE when omitted) */
  tj_span span;
} ix_item;

/* The items of x[...] after parsing, with the implicit trailing full
 * slices of expand_ellipses appended. */
typedef struct indexer {
  ix_item *items;
  int n;
  tj_aval x;
  tj_span span;        /* the whole index expression */
} indexer;


typedef struct gather_plan {
  value indices;                       /* i32[..., n]: the gather/scatter indices */
  int64_t offset[TJ_MAX_RANK], collapsed[TJ_MAX_RANK], start_map[TJ_MAX_RANK];
  int noffset, ncollapsed, nstart_map;
  tj_aval slice;                       /* slice_shape: what x[idx] is, what v is broadcast to */
  int64_t gather_slice[TJ_MAX_RANK];   /* gather_slice_shape: one per axis of x */
  int64_t newaxis[TJ_MAX_RANK];
  int nnew;
  int64_t reversed[TJ_MAX_RANK];       /* reversed_y_dims: slices of negative step */
  int nrev;
  bool advanced;                       /* integer arrays among the indices */
} gather_plan;

/* ---- helpers (trace_index.c) ---- */
ir_atom ix_int_lit(tracer *t, int64_t i, tj_dtype dt, bool weak);
ir_param ix_ints_param(tracer *t, const char *key, const int64_t *v, int n);
/* Python's str() of a tuple of ints: (), (2,), (2, 3). */
void ix_tuple_text(tj_buf *b, const int64_t *v, int n);
/* lax.expand_dims(v, dims): a broadcast_in_dim; dims sorted, in range. */
bool ix_expand_dims(tracer *t, value v, const int64_t *dims, int n, tj_span span, value *out);
/* slice.indices(size) of a static slice item; false when the step is 0. */
bool ix_slice_indices(const ix_item *it, int64_t size, int64_t *start, int64_t *stop, int64_t *step);
/* The number of elements of a canonical slice (core.canonicalize_slice). */
int64_t ix_slice_size(int64_t start, int64_t stop, int64_t step);

/* _scatter_update(x, idx, y, scatter_prim): x.at[idx].set(y) and the
 * other scatters (trace_index.c). */
bool ix_scatter_update(tracer *t, indexer *ix, value x, value y, int prim, value *out);

/* ---- integer-array indices (trace_index_gather.c) ---- */
/* _index_to_gather: the index array, dimension numbers and shapes of
 * x[idx] as one gather or scatter. */
bool ix_plan_gather(tracer *t, indexer *ix, gather_plan *g);
/* x[idx] with integer arrays among the indices: _gather. */
bool ix_gather_take(tracer *t, indexer *ix, value x, value *out);

#endif
