/* Integer-array indices, as JAX 0.10.2 records them
 * (jax/_src/numpy/indexing.py _index_to_gather and _gather): the indices
 * normalised (lt, add, select_n), the advanced ones broadcast together
 * (util._broadcast_arrays) and converted to int32, every start index a
 * piece broadcast into the index array's shape and concatenated; x[idx]
 * is then one gather (mode None: PROMISE_IN_BOUNDS, fill_value None),
 * x.at[idx].set(v) and the like one scatter (trace_index.c). Advanced
 * indices that stand apart in the index put their dimensions first. */
#include "trace_index_int.h"

#include <stdlib.h>
#include <string.h>

/* The pieces of the index array being built: (array, start_dim) pairs
 * broadcast into shape then concatenated, as _index_to_gather's
 * gather_indices and gather_indices_shape. */
typedef struct index_pieces {
  ir_atom atom[2 * TJ_MAX_RANK];
  int start[2 * TJ_MAX_RANK], n;
  int64_t shape[TJ_MAX_RANK];
  int rank;
} index_pieces;

/* normalize_indices for a traced index: select(i < 0, i + size, i) with
 * lax.add (no promotion, so no convert of a weak i). */
static bool normalize_traced(tracer *t, ix_item *it, int64_t size, tj_span span) {
  tj_aval a = t->m->vars[it->var];
  if (dtype_kindof(a.dtype) == DK_UNSIGNED) return true;
  value lt, sum, sel;
  ir_atom ins[2] = {ATOM_VAR(it->var), ix_int_lit(t, 0, a.dtype, a.weak)};
  if (!emit(t, P_lt, ins, 2, NULL, NULL, 0, span, &lt)) return false;
  ins[1] = ix_int_lit(t, size, a.dtype, false);
  if (!emit(t, P_add, ins, 2, NULL, NULL, 0, span, &sum)) return false;
  ir_atom sel_in[3] = {ATOM_VAR(lt.var), ATOM_VAR(it->var), ATOM_VAR(sum.var)};
  if (!emit(t, P_select_n, sel_in, 3, NULL, NULL, 0, span, &sel)) return false;
  it->var = sel.var;
  return true;
}

/* broadcast_in_dim of a to shape[0..rank) + trailing, a's dims at
 * start.. (no equation when nothing changes: the forwarding rule). */
static bool broadcast_piece(tracer *t, ir_atom a, int start, const int64_t *shape, int rank, tj_span span,
                            ir_atom *out) {
  tj_aval in = ir_atom_aval(t->m, a), o = in;
  int64_t dims[TJ_MAX_RANK];
  if (rank > TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
  o.rank = (uint8_t)rank;
  memcpy(o.dims, shape, sizeof *shape * (size_t)rank);
  for (int d = 0; d < in.rank; d++) dims[d] = start + d;
  if (aval_same_shape(&in, &o)) { *out = a; return true; }
  ir_param p = ix_ints_param(t, "broadcast_dimensions", dims, in.rank);
  value v;
  if (!emit(t, P_broadcast_in_dim, &a, 1, &o, &p, in.rank > 0, span, &v)) return false;
  *out = ATOM_VAR(v.var);
  return true;
}

/* The final index array: one piece gets a trailing axis (expand_dims);
 * several are broadcast to shape + (1,) and concatenated on it. */
static bool gather_indices(tracer *t, index_pieces *ps, tj_span span, value *out) {
  int64_t shape[TJ_MAX_RANK + 1];
  memcpy(shape, ps->shape, sizeof *shape * (size_t)ps->rank);
  shape[ps->rank] = 1;
  ir_atom parts[2 * TJ_MAX_RANK];
  for (int k = 0; k < ps->n; k++) {
    tj_aval a = ir_atom_aval(t->m, ps->atom[k]);
    int64_t piece[TJ_MAX_RANK + 1];
    memcpy(piece, a.dims, sizeof *piece * a.rank);
    piece[a.rank] = 1;
    if (!broadcast_piece(t, ps->atom[k], ps->n == 1 ? 0 : ps->start[k], ps->n == 1 ? piece : shape,
                         ps->n == 1 ? a.rank + 1 : ps->rank + 1, span, &parts[k]))
      return false;
    *out = value_traced(ATOM_INDEX(parts[k]));
  }
  if (ps->n == 1) return true;
  ir_param p = {"dimension", pv_int(t->m, ps->rank)};
  return emit(t, P_concatenate, parts, ps->n, NULL, &p, 1, span, out);
}

/* lax.broadcast_shapes of the advanced indices' shapes (numpy's rule). */
static bool index_shapes(tracer *t, const ir_atom *a, int n, int64_t *shape, int *rank, tj_span span) {
  *rank = 0;
  for (int k = 0; k < n; k++) *rank = ir_atom_aval(t->m, a[k]).rank > *rank ? ir_atom_aval(t->m, a[k]).rank : *rank;
  for (int d = 0; d < *rank; d++) shape[d] = 1;
  bool ok = true;
  for (int k = 0; k < n; k++) {
    tj_aval av = ir_atom_aval(t->m, a[k]);
    for (int d = 0, lead = *rank - av.rank; d < av.rank; d++) {
      int64_t *s = &shape[lead + d];
      if (*s == 1) *s = av.dims[d];
      else if (av.dims[d] != 1 && av.dims[d] != *s) ok = false;
    }
  }
  if (ok) return true;
  tj_buf b = {0};
  for (int k = 0; k < n; k++) {
    tj_aval av = ir_atom_aval(t->m, a[k]);
    buf_puts(&b, k ? ", " : "[");
    ix_tuple_text(&b, av.dims, av.rank);
  }
  tracer_error(t, span, "ValueError: Incompatible shapes for broadcasting: shapes=%s]", b.data);
  buf_free(&b);
  return false;
}

/* util._broadcast_arrays over the advanced indices, then each converted
 * to int32: the first piece(s) of the index array. */
static bool advanced_pieces(tracer *t, indexer *ix, gather_plan *g, index_pieces *ps, tj_span span) {
  ir_atom a[TJ_MAX_RANK];
  int n = 0, rank = 0, axes[TJ_MAX_RANK];
  int64_t shape[TJ_MAX_RANK];
  bool same = true;
  tj_aval first;
  for (int k = 0; k < ix->n; k++) {
    ix_item *it = &ix->items[k];
    if (it->kind != IX_INT && it->kind != IX_TRACED && it->kind != IX_ARRAY) continue;
    int64_t size = ix->x.dims[it->axis];
    a[n] = it->kind == IX_INT ? ix_int_lit(t, it->i < 0 ? it->i + size : it->i, DT_I32, true) : ATOM_VAR(it->var);
    axes[n] = it->axis;
    tj_aval av = ir_atom_aval(t->m, a[n]);
    if (!n) first = av;
    else if (!aval_same_shape(&av, &first)) same = false;
    n++;
  }
  if (!index_shapes(t, a, n, shape, &rank, span)) return false;
  if (g->slice.rank + rank > TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
  for (int k = 0; k < n; k++) {
    if (!same && !broadcast_piece(t, a[k], rank - ir_atom_aval(t->m, a[k]).rank, shape, rank, span, &a[k]))
      return false;
    value v = ATOM_IS_LIT(a[k]) ? value_int(0) : value_traced(ATOM_INDEX(a[k]));
    if (!convert(t, &v, DT_I32, false, span)) return false;
    if (v.kind == V_TRACED) a[k] = ATOM_VAR(v.var);
    ps->atom[ps->n] = a[k], ps->start[ps->n++] = ps->rank;
    g->start_map[g->nstart_map++] = axes[k];
    g->collapsed[g->ncollapsed++] = axes[k];
  }
  for (int d = 0; d < rank; d++) ps->shape[ps->rank++] = shape[d], g->slice.dims[g->slice.rank++] = shape[d];
  return true;
}

/* Whether the advanced indices stand next to each other in the index as
 * written (an ellipsis counts as one place): then their dimensions go
 * where they stand, else first. */
static bool advanced_contiguous(const indexer *ix) {
  int last = -1;
  for (int k = 0; k < ix->n; k++) {
    const ix_item *it = &ix->items[k];
    if (it->kind != IX_INT && it->kind != IX_TRACED && it->kind != IX_ARRAY) continue;
    if (last >= 0 && it->pos != last + 1) return false;
    last = it->pos;
  }
  return true;
}

/* A slice of step other than 1: start + step * iota(size), reversed for
 * a negative step (whose dimension the result reverses back), one piece
 * of the index array with a dimension of its own. */
static bool strided_piece(tracer *t, int64_t start, int64_t step, int64_t n, int *x_axis, int *y_axis, int *cy_axis,
                          gather_plan *g, index_pieces *ps, tj_span span) {
  if (ps->rank >= TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
  tj_aval o = aval_scalar(DT_I32, false);
  o.rank = 1, o.dims[0] = n;
  ir_param ps4[4] = {{"dimension", pv_int(t->m, 0)}, {"dtype", pv_dtype(t->m, DT_I32)},
                     {"shape", pv_ints(t->m, PV_TUPLE, &n, 1)}, {"sharding", pv_none(t->m)}};
  ir_atom none = 0;
  value iota, stepv = value_int(step), startv = value_int(start), idx;
  stepv.dtype = startv.dtype = DT_I32, stepv.strong = startv.strong = true; /* jnp.array(step, dtype=int32) */
  if (!emit(t, P_iota, &none, 0, &o, ps4, 4, span, &iota) || !binary_op(t, OP_MUL, stepv, iota, span, &idx) ||
      !binary_op(t, OP_ADD, startv, idx, span, &idx))
    return false;
  if (step < 0) {
    int64_t zero = 0;
    ir_atom in = ATOM_VAR(idx.var);
    ir_param p = ix_ints_param(t, "dimensions", &zero, 1);
    if (!emit(t, P_rev, &in, 1, NULL, &p, 1, span, &idx)) return false;
    g->reversed[g->nrev++] = *cy_axis;
  }
  ps->atom[ps->n] = ATOM_VAR(idx.var), ps->start[ps->n++] = ps->rank;
  ps->shape[ps->rank++] = n;
  g->gather_slice[*x_axis] = 1;
  g->start_map[g->nstart_map++] = *x_axis;
  g->collapsed[g->ncollapsed++] = (*x_axis)++;
  (*cy_axis)++, (*y_axis)++;
  return true;
}

/* A basic (not advanced) item of _index_to_gather's loop. */
static bool plan_basic(tracer *t, ix_item *it, int *x_axis, int *y_axis, int *cy_axis, gather_plan *g,
                       index_pieces *ps, int64_t size) {
  tj_span span = it->span;
  int64_t a, b, step;
  if (it->kind == IX_NONE) {
    if (g->slice.rank >= TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
    g->slice.dims[g->slice.rank++] = 1;
    g->newaxis[g->nnew++] = (*y_axis)++;
    return true;
  }
  if (it->kind == IX_INT || it->kind == IX_TRACED) {
    if (size == 0) return tracer_error(t, span, "IndexError: index is out of bounds for axis %d with size 0", *x_axis);
    if (it->kind == IX_INT) {
      ps->atom[ps->n] = ix_int_lit(t, it->i < 0 ? it->i + size : it->i, DT_I32, false);
    } else {
      value v = value_traced(it->var);
      if (!convert(t, &v, DT_I32, false, span)) return false;
      ps->atom[ps->n] = ATOM_VAR(v.var);
    }
    ps->start[ps->n++] = ps->rank;
    g->collapsed[g->ncollapsed++] = *x_axis;
    g->gather_slice[*x_axis] = 1;
    g->start_map[g->nstart_map++] = (*x_axis)++;
    return true;
  }
  if (!ix_slice_indices(it, size, &a, &b, &step)) return tracer_error(t, span, "ValueError: slice step cannot be zero");
  int64_t n = ix_slice_size(a, b, step);
  if (g->slice.rank >= TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
  g->slice.dims[g->slice.rank++] = n;
  if (step != 1) return strided_piece(t, a, step, n, x_axis, y_axis, cy_axis, g, ps, span);
  if (n != size) {
    ps->atom[ps->n] = ix_int_lit(t, a, DT_I32, false), ps->start[ps->n++] = ps->rank;
    g->start_map[g->nstart_map++] = *x_axis;
  }
  g->gather_slice[*x_axis] = n;
  g->offset[g->noffset++] = (*cy_axis)++;
  (*y_axis)++, (*x_axis)++;
  return true;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* _index_to_gather: the index array, dimension numbers and shapes of
 * x[idx] as one gather (or scatter). */
bool ix_plan_gather(tracer *t, indexer *ix, gather_plan *g) {
  tj_span span = ix->span;
  index_pieces ps = {.n = 0};
  int x_axis = 0, y_axis = 0, cy_axis = 0, first_adv = -1;
  memset(g, 0, sizeof *g);
  g->slice = aval_scalar(ix->x.dtype, ix->x.weak);
  for (int k = 0; k < ix->n; k++) { /* normalize_indices runs over all first */
    ix_item *it = &ix->items[k];
    if ((it->kind == IX_TRACED || it->kind == IX_ARRAY) && !normalize_traced(t, it, ix->x.dims[it->axis], span))
      return false;
    if (it->kind == IX_ARRAY) g->advanced = true;
  }
  for (int k = 0; g->advanced && k < ix->n; k++)
    if (first_adv < 0 && ix->items[k].kind != IX_NONE && ix->items[k].kind != IX_SLICE) first_adv = k;
  if (g->advanced && !advanced_contiguous(ix)) first_adv = 0;
  for (int k = 0; k < ix->n; k++) {
    ix_item *it = &ix->items[k];
    if (k == first_adv) {
      int before = g->slice.rank;
      if (!advanced_pieces(t, ix, g, &ps, span)) return false;
      y_axis += g->slice.rank - before, cy_axis += g->slice.rank - before;
    }
    if (g->advanced && (it->kind == IX_INT || it->kind == IX_TRACED || it->kind == IX_ARRAY)) {
      g->gather_slice[x_axis++] = 1;
      continue;
    }
    if (!plan_basic(t, it, &x_axis, &y_axis, &cy_axis, g, &ps, it->kind == IX_NONE ? 0 : ix->x.dims[x_axis]))
      return false;
  }
  qsort(g->collapsed, (size_t)g->ncollapsed, sizeof *g->collapsed, cmp_i64);
  if (ps.n == 0)
    return tracer_error(t, span, "assignment to whole axes only is not supported yet (JAX scatters with an "
                                 "empty constant index array)");
  return gather_indices(t, &ps, span, &g->indices);
}

/* ---- x[idx]: _gather ---- */

static int ix_rank(tracer *t, value x) { return t->m->vars[x.var].rank; }

/* The gather of a plan, as _gather binds it for x[idx]: mode None, so
 * PROMISE_IN_BOUNDS with no fill_value (lax.gather's default). */
static bool emit_gather(tracer *t, const gather_plan *g, value x, tj_span span, value *out) {
  ir_gather_dims d = {.noffset = g->noffset, .ncollapsed = g->ncollapsed, .nstart_map = g->nstart_map};
  memcpy(d.offset, g->offset, sizeof *g->offset * (size_t)g->noffset);
  memcpy(d.collapsed, g->collapsed, sizeof *g->collapsed * (size_t)g->ncollapsed);
  memcpy(d.start_map, g->start_map, sizeof *g->start_map * (size_t)g->nstart_map);
  ir_param ps[6] = {
      {"dimension_numbers", ir_gather_dims_new(t->m, &d)},
      {"fill_value", pv_none(t->m)},
      {"indices_are_sorted", pv_bool(t->m, !g->advanced)},
      {"mode", pv_name(t->m, "GatherScatterMode.PROMISE_IN_BOUNDS")},
      ix_ints_param(t, "slice_sizes", g->gather_slice, ix_rank(t, x)),
      {"unique_indices", pv_bool(t->m, !g->advanced)},
  };
  ir_atom ins[2] = {ATOM_VAR(x.var), ATOM_VAR(g->indices.var)};
  return emit(t, P_gather, ins, 2, NULL, ps, 6, span, out);
}

bool ix_gather_take(tracer *t, indexer *ix, value x, value *out) {
  gather_plan g;
  if (!ix_plan_gather(t, ix, &g)) return false;
  value y;
  if (aval_size(&g.slice) == 0) { /* lax.full_like(y, 0, shape=slice_shape) */
    ir_lit zero = {.dtype = ix->x.dtype, .weak = ix->x.weak};
    ir_atom z = ir_new_lit(t->m, &zero);
    return emit(t, P_broadcast_in_dim, &z, 1, &g.slice, NULL, 0, ix->span, out);
  }
  if (!emit_gather(t, &g, x, ix->span, &y)) return false;
  if (g.nrev) {
    ir_atom in = ATOM_VAR(y.var);
    ir_param p = ix_ints_param(t, "dimensions", g.reversed, g.nrev);
    if (!emit(t, P_rev, &in, 1, NULL, &p, 1, ix->span, &y)) return false;
  }
  if (g.nnew && !ix_expand_dims(t, y, g.newaxis, g.nnew, ix->span, &y)) return false;
  *out = y;
  return true;
}
