/* Indexing and slicing of traced arrays, and functional updates `x[i] = v`
 * (JAX's x = x.at[i].set(v)), recorded as JAX 0.10.2 records them
 * (jax/_src/numpy/indexing.py, jax/_src/ops/scatter.py, lax/slicing.py):
 *
 *  - x[idx] is rewriting_take with strategy AUTO. NDIndexer.to_static_slice
 *    comes first: static in-range integers, static slices and None become
 *    slice, rev, squeeze and expand_dims (broadcast_in_dim). When it does
 *    not apply, to_dynamic_slice: scalar integer indices (traced ones, or
 *    static ones out of range) and slices of step 1 or -1 become one
 *    dynamic_slice whose start indices lax._dynamic_slice_indices clamps
 *    (lt, add, select_n) — static ones too, since jnp.asarray has already
 *    lifted them into the trace as literals. Integer-array indices are a
 *    gather (_gather: trace_index_gather.c), and so is a traced index
 *    next to a slice whose step is not 1 or -1 (iota indices).
 *  - Out-of-range static indices are not an error: jax_check_static_indices
 *    defaults to False, so to_static_slice's IndexError is caught and the
 *    index clamps in the dynamic_slice. Only an integer index into an axis
 *    of size 0 fails ("index is out of bounds for axis 1 with size 0").
 *  - x[idx] = v, += v, -= v, *= v are .at[idx].set/add/subtract/multiply:
 *    _scatter_update. _index_to_gather normalises traced indices (lt, add,
 *    select_n), makes the scatter indices (broadcast_in_dim, concatenate),
 *    v is promoted with x and broadcast to the slice shape, and scatter /
 *    scatter-add / scatter-sub / scatter-mul is recorded; the update jaxpr
 *    of the last three is cached per dtype, as lax._reduction_jaxpr is.
 */
#include "trace_index_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

ir_atom ix_int_lit(tracer *t, int64_t i, tj_dtype dt, bool weak) {
  ir_lit lit = {.dtype = dt, .weak = weak, .i = dtype_wrap_int(i, dt)};
  return ir_new_lit(t->m, &lit);
}

ir_param ix_ints_param(tracer *t, const char *key, const int64_t *v, int n) {
  ir_param p = {key, pv_ints(t->m, PV_TUPLE, v, n)};
  return p;
}

/* JAX's repr of a tracer in messages: JitTracer(~int32[]). */
static void tracer_repr(tracer *t, uint32_t var, char *out, int size) {
  tj_aval a = t->m->vars[var];
  char s[160];
  aval_format_long(&a, s, sizeof s);
  snprintf(out, (size_t)size, "JitTracer(%s%s)", a.weak ? "~" : "", s);
}

/* Python's str() of a tuple of ints: (), (2,), (2, 3). */
void ix_tuple_text(tj_buf *b, const int64_t *v, int n) {
  buf_putc(b, '(');
  for (int i = 0; i < n; i++) buf_printf(b, i ? ", %lld" : "%lld", (long long)v[i]);
  buf_puts(b, n == 1 ? ",)" : ")");
}

/* lax.expand_dims(v, dims): a broadcast_in_dim; dims sorted, in range. */
bool ix_expand_dims(tracer *t, value v, const int64_t *dims, int n, tj_span span, value *out) {
  tj_aval a = value_aval(t, &v), o = a;
  if (a.rank + n > TJ_MAX_RANK)
    return tracer_error(t, span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
  int64_t bdims[TJ_MAX_RANK];
  o.rank = (uint8_t)(a.rank + n);
  for (int d = 0, k = 0, j = 0; d < o.rank; d++) {
    if (k < n && dims[k] == d) { o.dims[d] = 1; k++; continue; }
    bdims[j] = d;
    o.dims[d] = a.dims[j++];
  }
  ir_atom in = ATOM_VAR(v.var);
  ir_param p = ix_ints_param(t, "broadcast_dimensions", bdims, a.rank);
  return emit(t, P_broadcast_in_dim, &in, 1, &o, &p, a.rank > 0, span, out);
}

/* An equation with one traced operand and one int-tuple param. */
static bool emit_dims(tracer *t, int prim, const char *key, const int64_t *dims, int n, tj_span span,
                      value *v) {
  ir_atom in = ATOM_VAR(v->var);
  ir_param p = ix_ints_param(t, key, dims, n);
  return emit(t, prim, &in, 1, NULL, &p, 1, span, v);
}

/* ---- parsing: NDIndexer.from_raw_indices ---- */

static bool bad_index_type(tracer *t, const value *v, tj_span span) {
  tj_buf b = {0};
  value_repr(v, &b);
  if (v->kind == V_STR)
    tracer_error(t, span, "TypeError: JAX does not support string indexing; got idx=%s", b.data);
  else
    tracer_error(t, span, "IndexError: only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) "
                          "and integer or boolean arrays are valid indices. Got %s", b.data);
  buf_free(&b);
  return false;
}

/* IndexType.from_index: what kind of index v is. */
static bool classify(tracer *t, const value *v, tj_span span, ix_item *it) {
  const char *float_msg = "TypeError: Indexer must have integer or boolean type, got indexer with type %s";
  it->span = span;
  switch (v->kind) {
  case V_NONE: it->kind = IX_NONE; return true;
  case V_INT: it->kind = IX_INT; it->i = v->i; return true;
  case V_FLOAT: return tracer_error(t, span, float_msg, "float64"); /* np.dtype(float) */
  case V_BOOL:
    return tracer_error(t, span, "indexing with a static boolean is not supported yet (JAX adds a dimension)");
  case V_TUPLE:
    return tracer_error(t, span, "indexing with a sequence (advanced indexing, a gather in JAX) "
                                 "is not supported yet");
  case V_TRACED: break;
  default: return bad_index_type(t, v, span);
  }
  tj_aval a = t->m->vars[v->var];
  it->var = v->var;
  if (a.dtype == DT_BOOL) { it->kind = IX_BOOL; return true; }
  if (dtype_is_float(a.dtype)) return tracer_error(t, span, float_msg, dtype_long(a.dtype));
  it->kind = a.rank > 0 ? IX_ARRAY : IX_TRACED;
  return true;
}

/* The start, stop and step of a slice item; static ones must be integers. */
static bool eval_slice(tracer *t, scope *s, node *n, ix_item *it) {
  node *parts[3] = {n->lhs, n->rhs, n->cond};
  it->kind = IX_SLICE;
  it->span = n->span;
  for (int k = 0; k < 3; k++) {
    value *b = &it->bound[k];
    *b = value_none();
    if (parts[k] && !eval(t, s, parts[k], b)) return false;
    if (b->kind != V_NONE && b->kind != V_INT && b->kind != V_BOOL && b->kind != V_TRACED)
      return tracer_error(t, parts[k]->span,
                          "TypeError: slice indices must be integers or None or have an __index__ method");
  }
  return true;
}

static void full_slice(ix_item *it, int axis, int pos, tj_span span) {
  memset(it, 0, sizeof *it);
  it->kind = IX_SLICE;
  it->axis = axis;
  it->pos = pos;
  it->span = span;
  for (int k = 0; k < 3; k++) it->bound[k] = value_none();
}

/* The `...` at item position at (axis: the first it stands for) becomes
 * the full slices of the axes the other items leave, as JAX's
 * _parse_indices counts it (jax/_src/numpy/indexing.py). */
static void expand_ellipsis(indexer *ix, int at, int axis, int pos, int *consumed, tj_span span) {
  int fill = ix->x.rank - *consumed;
  memmove(&ix->items[at + fill], &ix->items[at], sizeof *ix->items * (size_t)(ix->n - at));
  for (int k = at + fill; k < ix->n + fill; k++) ix->items[k].axis += fill;
  for (int j = 0; j < fill; j++) full_slice(&ix->items[at + j], axis + j, pos, span);
  ix->n += fill;
  *consumed += fill;
}

/* Evaluates the items of index node n on an array of aval x, checks their
 * types and count as _parse_indices does, expands an ellipsis and appends
 * the trailing slices. */
static bool parse_indexer(tracer *t, scope *s, node *n, const tj_aval *x, indexer *ix) {
  ix->x = *x;
  ix->span = n->span;
  ix->items = ARENA_ARRAY(&t->scratch, ix_item, n->nitems + TJ_MAX_RANK);
  ix->n = 0;
  int consumed = 0, ellipsis = -1, ellipsis_axis = 0, ellipsis_pos = 0;
  node *extra_ellipsis = NULL;
  for (int k = 0; k < n->nitems; k++) {
    if (n->items[k]->kind == ND_ELLIPSIS) {
      if (ellipsis >= 0) extra_ellipsis = n->items[k];
      else ellipsis = ix->n, ellipsis_axis = consumed, ellipsis_pos = k;
      continue;
    }
    ix_item *it = &ix->items[ix->n++];
    memset(it, 0, sizeof *it);
    if (n->items[k]->kind == ND_SLICE) {
      if (!eval_slice(t, s, n->items[k], it)) return false;
    } else {
      value v;
      if (!eval(t, s, n->items[k], &v) || !classify(t, &v, n->items[k]->span, it)) return false;
      if (v.kind != V_TRACED) note_use(t, v.prov, USE_SHAPE);
    }
    for (int b = 0; b < 3; b++) note_use(t, it->bound[b].prov, USE_SHAPE); /* static indices decide the slice */
    it->axis = consumed;
    it->pos = k;
    consumed += it->kind == IX_NONE ? 0 : it->kind == IX_BOOL ? t->m->vars[it->var].rank : 1;
  }
  if (extra_ellipsis) /* _parse_indices' text, after every item's type is known */
    return tracer_error(t, extra_ellipsis->span, "IndexError: an index can only have a single ellipsis ('...')");
  if (consumed > x->rank)
    return tracer_error(t, n->span, "IndexError: Too many indices: array is %d-dimensional, but %d were indexed",
                        x->rank, consumed);
  if (ellipsis >= 0) expand_ellipsis(ix, ellipsis, ellipsis_axis, ellipsis_pos, &consumed, n->span);
  int rank = x->rank; /* of the result: integers remove an axis, None adds one */
  for (int k = 0; k < ix->n; k++)
    rank += ix->items[k].kind == IX_NONE ? 1 : ix->items[k].kind == IX_SLICE ? 0 : -1;
  if (rank > TJ_MAX_RANK) return tracer_error(t, n->span, "too many dimensions (limit is %d)", TJ_MAX_RANK);
  for (int d = consumed; d < x->rank; d++) full_slice(&ix->items[ix->n++], d, n->nitems + d, n->span);
  return true;
}

/* The errors every strategy meets before any equation: a traced boolean
 * (expand_bool_indices), then a traced slice bound (validate_slices). */
static bool check_concrete(tracer *t, const indexer *ix) {
  for (int k = 0; k < ix->n; k++)
    if (ix->items[k].kind == IX_BOOL) {
      tj_aval a = t->m->vars[ix->items[k].var];
      char s[160];
      aval_format_long(&a, s, sizeof s);
      tracer_error(t, ix->items[k].span, "NonConcreteBooleanIndexError: Array boolean indices must be concrete; got %s",
                   s);
      diag_note(t->diags, "See https://docs.jax.dev/en/latest/errors.html#jax.errors.NonConcreteBooleanIndexError");
      return false;
    }
  for (int k = 0; k < ix->n; k++) {
    const ix_item *it = &ix->items[k];
    if (it->kind != IX_SLICE) continue;
    for (int b = 0; b < 3; b++) {
      if (it->bound[b].kind != V_TRACED) continue;
      tj_buf text = {0};
      buf_puts(&text, "slice(");
      for (int c = 0; c < 3; c++) {
        char r[200];
        if (c) buf_puts(&text, ", ");
        if (it->bound[c].kind == V_TRACED) tracer_repr(t, it->bound[c].var, r, sizeof r), buf_puts(&text, r);
        else value_repr(&it->bound[c], &text);
      }
      tracer_error(t, it->span, "IndexError: Slice entries must be static integers. Got %s) at position %d",
                   text.data, k);
      buf_free(&text);
      origin_note(t, it->bound[b].var, NULL);
      return false;
    }
  }
  return true;
}

/* ---- slices: Python's slice.indices(size) ---- */

static int64_t bound_int(const value *v) { return v->i; } /* V_INT or V_BOOL */

/* slice.indices(size) of a static slice item; false when the step is 0. */
bool ix_slice_indices(const ix_item *it, int64_t size, int64_t *start, int64_t *stop, int64_t *step) {
  *step = it->bound[2].kind == V_NONE ? 1 : bound_int(&it->bound[2]);
  if (*step == 0) return false;
  int64_t lower = *step < 0 ? -1 : 0, upper = *step < 0 ? size - 1 : size;
  int64_t *ends[2] = {start, stop};
  for (int k = 0; k < 2; k++) {
    const value *b = &it->bound[k];
    if (b->kind == V_NONE) { *ends[k] = (k == 0) == (*step < 0) ? upper : lower; continue; }
    int64_t v = bound_int(b);
    if (v < 0) {
      v = v < -size ? lower : v + size;
      if (v < lower) v = lower;
    } else if (v > upper) {
      v = upper;
    }
    *ends[k] = v;
  }
  return true;
}

/* The number of elements of a canonical slice (core.canonicalize_slice). */
int64_t ix_slice_size(int64_t start, int64_t stop, int64_t step) {
  int64_t distance = step > 0 ? stop - start : start - stop;
  uint64_t gap = step > 0 ? (uint64_t)step : 0 - (uint64_t)step;
  return distance <= 0 ? 0 : (int64_t)(((uint64_t)distance - 1) / gap + 1);
}

/* ---- x[idx]: the static slice strategy ---- */

/* to_static_slice succeeds: no traced index, integers in range of axes
 * that are not empty, no zero step. */
static bool static_applies(const indexer *ix) {
  for (int k = 0; k < ix->n; k++) {
    const ix_item *it = &ix->items[k];
    int64_t size = it->axis >= 0 ? ix->x.dims[it->axis] : 0, a, b, c;
    if (it->kind == IX_TRACED || it->kind == IX_ARRAY) return false;
    if (it->kind == IX_INT && (it->i < -size || it->i >= size)) return false;
    if (it->kind == IX_SLICE && !ix_slice_indices(it, size, &a, &b, &c)) return false;
  }
  return true;
}

static bool static_slice(tracer *t, const indexer *ix, value x, value *out) {
  int64_t start[TJ_MAX_RANK], limit[TJ_MAX_RANK], strides[TJ_MAX_RANK];
  int64_t rev[TJ_MAX_RANK], squeeze[TJ_MAX_RANK], newaxis[2 * TJ_MAX_RANK];
  int nstart = 0, nrev = 0, nsqueeze = 0, nnew = 0;
  bool unit = true, trivial = true;
  for (int k = 0; k < ix->n; k++) {
    const ix_item *it = &ix->items[k];
    int64_t size = it->axis >= 0 ? ix->x.dims[it->axis] : 0, a, b, step;
    if (it->kind == IX_NONE) {
      newaxis[nnew] = nstart - nsqueeze + nnew;
      nnew++;
      continue;
    }
    if (it->kind == IX_INT) {
      a = it->i < 0 ? it->i + size : it->i;
      start[nstart] = a, limit[nstart] = a + 1, strides[nstart] = 1;
      squeeze[nsqueeze++] = it->axis;
    } else {
      ix_slice_indices(it, size, &a, &b, &step);
      if (step < 0) {
        uint64_t gap = 0 - (uint64_t)step, diff = (uint64_t)(a - b - 1 < 0 ? b + 1 - a : a - b - 1);
        int64_t first = b + 1 + (int64_t)(diff % gap); /* a, b lie in [-1, size] */
        if (first > size) first = size;
        start[nstart] = first, limit[nstart] = a + 1 > first ? a + 1 : first;
        strides[nstart] = (int64_t)(gap > INT64_MAX ? INT64_MAX : gap);
        rev[nrev++] = it->axis;
      } else {
        start[nstart] = a, limit[nstart] = b > a ? b : a, strides[nstart] = step;
      }
    }
    unit = unit && strides[nstart] == 1;
    trivial = trivial && start[nstart] == 0 && limit[nstart] == size;
    nstart++;
  }
  value v = x;
  tj_span span = ix->span;
  if (!(unit && trivial)) {
    if (!emit_slice(t, ATOM_VAR(x.var), nstart, start, limit, unit ? NULL : strides, span, &v)) return false;
  }
  if (nrev && !emit_dims(t, P_rev, "dimensions", rev, nrev, span, &v)) return false;
  if (nsqueeze && !emit_dims(t, P_squeeze, "dimensions", squeeze, nsqueeze, span, &v)) return false;
  if (nnew && !ix_expand_dims(t, v, newaxis, nnew, span, &v)) return false;
  *out = v;
  return true;
}

/* ---- x[idx]: the dynamic slice strategy ---- */

/* A start index of dynamic_slice: a variable, or a constant that is either
 * a plain Python int (a slice's start) or already a literal in the trace. */
typedef struct ix_start {
  bool traced, staged;
  int64_t i;
  uint32_t var;
  tj_dtype dt;
  bool weak;
} ix_start;

static ir_atom start_atom(tracer *t, const ix_start *st) {
  return st->traced ? ATOM_VAR(st->var) : ix_int_lit(t, st->i, st->dt, st->weak);
}

/* to_dynamic_slice applies: every slice has step None, 1 or -1 and no
 * integer index is into an empty axis. */
static bool dynamic_applies(const indexer *ix) {
  for (int k = 0; k < ix->n; k++) {
    const ix_item *it = &ix->items[k];
    if (it->kind == IX_ARRAY) return false;
    if ((it->kind == IX_INT || it->kind == IX_TRACED) && ix->x.dims[it->axis] == 0) return false;
    if (it->kind == IX_SLICE && it->bound[2].kind != V_NONE && bound_int(&it->bound[2]) != 1 &&
        bound_int(&it->bound[2]) != -1)
      return false;
  }
  return true;
}

/* lax.convert_element_type(i, int32) when there are several start indices:
 * an equation for a variable, a folded literal for a constant. */
static bool start_to_i32(tracer *t, ix_start *st, tj_span span) {
  if (!st->traced) {
    st->i = dtype_wrap_int(st->i, DT_I32), st->dt = DT_I32, st->weak = false, st->staged = true;
    return true;
  }
  value v = value_traced(st->var);
  if (!convert(t, &v, DT_I32, false, span)) return false;
  st->var = v.var, st->dt = DT_I32, st->weak = false;
  return true;
}

/* lax._dynamic_slice_indices for one start index on an axis of size d:
 * select(i < 0, i + d, i), where `+` is jnp's (a weak i is converted). */
static bool clamp_start(tracer *t, ix_start *st, int64_t d, tj_span span) {
  if (dtype_kindof(st->dt) == DK_UNSIGNED) return true;
  if (!st->traced && !st->staged) { /* a Python int: normalised statically */
    st->i = st->i < 0 ? st->i + d : st->i, st->staged = true, st->weak = false;
    return true;
  }
  value lt, sum, sel;
  ir_atom self = start_atom(t, st), ins[3] = {self, ix_int_lit(t, 0, st->dt, st->weak)};
  if (!emit(t, P_lt, ins, 2, NULL, NULL, 0, span, &lt)) return false;
  ins[0] = self;
  if (st->traced && st->weak) {
    value w = value_traced(st->var);
    if (!convert(t, &w, st->dt, false, span)) return false;
    ins[0] = ATOM_VAR(w.var);
  } else if (!st->traced) {
    ins[0] = ix_int_lit(t, st->i, st->dt, false);
  }
  ins[1] = ix_int_lit(t, d, st->dt, false);
  if (!emit(t, P_add, ins, 2, NULL, NULL, 0, span, &sum)) return false;
  ir_atom sel_in[3] = {ATOM_VAR(lt.var), start_atom(t, st), ATOM_VAR(sum.var)};
  if (!emit(t, P_select_n, sel_in, 3, NULL, NULL, 0, span, &sel)) return false;
  st->traced = true, st->var = sel.var, st->weak = t->m->vars[sel.var].weak;
  return true;
}

static bool dynamic_slice(tracer *t, const indexer *ix, value x, value *out) {
  ix_start starts[TJ_MAX_RANK];
  int64_t sizes[TJ_MAX_RANK] = {0}, rev[TJ_MAX_RANK], squeeze[TJ_MAX_RANK], newaxis[2 * TJ_MAX_RANK];
  int nstart = 0, nrev = 0, nsqueeze = 0, nnew = 0;
  tj_span span = ix->span;
  for (int k = 0; k < ix->n; k++) {
    const ix_item *it = &ix->items[k];
    ix_start *st = &starts[nstart];
    memset(st, 0, sizeof *st);
    st->dt = DT_I32, st->weak = true;
    if (it->kind == IX_NONE) {
      newaxis[nnew] = nstart - nsqueeze + nnew;
      nnew++;
      continue;
    }
    int64_t size = ix->x.dims[it->axis], a, b, step;
    if (it->kind == IX_INT) {
      if (it->i < INT32_MIN || it->i > INT32_MAX) /* jnp.asarray canonicalises it to int32 */
        return tracer_error(t, it->span, "OverflowError: Python int %lld too large to convert to int32",
                            (long long)it->i);
      st->i = it->i, st->staged = true; /* jnp.asarray lifts it into the trace */
      sizes[nstart] = 1, squeeze[nsqueeze++] = it->axis;
    } else if (it->kind == IX_TRACED) {
      tj_aval a_ = t->m->vars[it->var];
      st->traced = true, st->var = it->var, st->dt = a_.dtype, st->weak = a_.weak;
      sizes[nstart] = 1, squeeze[nsqueeze++] = it->axis;
    } else {
      ix_slice_indices(it, size, &a, &b, &step);
      if (step < 0) {
        st->i = b + 1;
        sizes[nstart] = a + 1 - st->i > 0 ? a + 1 - st->i : 0;
        rev[nrev++] = it->axis;
      } else {
        st->i = a, sizes[nstart] = b - a > 0 ? b - a : 0;
      }
    }
    nstart++;
  }
  for (int k = 0; nstart > 1 && k < nstart; k++)
    if (!start_to_i32(t, &starts[k], span)) return false;
  ir_atom ins[TJ_MAX_RANK + 1] = {ATOM_VAR(x.var)};
  for (int k = 0; k < nstart; k++) {
    if (!clamp_start(t, &starts[k], ix->x.dims[k], span)) return false;
    ins[k + 1] = start_atom(t, &starts[k]);
  }
  value v;
  ir_param p = ix_ints_param(t, "slice_sizes", sizes, nstart);
  if (!emit(t, P_dynamic_slice, ins, nstart + 1, NULL, &p, 1, span, &v)) return false;
  if (nrev && !emit_dims(t, P_rev, "dimensions", rev, nrev, span, &v)) return false;
  if (nsqueeze && !emit_dims(t, P_squeeze, "dimensions", squeeze, nsqueeze, span, &v)) return false;
  if (nnew && !ix_expand_dims(t, v, newaxis, nnew, span, &v)) return false;
  *out = v;
  return true;
}

/* What JAX's gather path does first: fail on an integer index into an
 * empty axis or a zero step; then the gather (a traced index next to a
 * slice whose step is not 1 or -1). */
static bool gather_fallback(tracer *t, indexer *ix, value x, value *out) {
  for (int k = 0; k < ix->n; k++) {
    const ix_item *it = &ix->items[k];
    if ((it->kind == IX_INT || it->kind == IX_TRACED) && ix->x.dims[it->axis] == 0)
      return tracer_error(t, it->span, "IndexError: index is out of bounds for axis %d with size 0", it->axis);
    if (it->kind == IX_SLICE && it->bound[2].kind != V_NONE && bound_int(&it->bound[2]) == 0)
      return tracer_error(t, it->span, "ValueError: slice step cannot be zero");
  }
  return ix_gather_take(t, ix, x, out);
}

/* x[i] for a 1-D, non-empty x and a traced integer scalar i: the dynamic
 * slice path (_rewriting_take's to_dynamic_slice), as searchsorted's
 * sorted_arr[mid] takes it. */
bool index_scalar_traced(tracer *t, value x, value i, tj_span span, value *out) {
  ix_item it = {.kind = IX_TRACED, .axis = 0, .var = i.var, .pos = 0, .span = span};
  indexer ix = {.items = &it, .n = 1, .x = t->m->vars[x.var], .span = span};
  return dynamic_slice(t, &ix, x, out);
}

/* x[i] for a 1-D x and a static int i in range: to_static_slice's slice
 * and squeeze (jax.random.choice's p_cuml[-1]). */
bool index_static_int(tracer *t, value x, int64_t i, tj_span span, value *out) {
  ix_item it = {.kind = IX_INT, .axis = 0, .i = i, .pos = 0, .span = span};
  indexer ix = {.items = &it, .n = 1, .x = t->m->vars[x.var], .span = span};
  if (!static_applies(&ix)) return tracer_error(t, span, "IndexError: index %lld is out of bounds for axis 0 with size %lld",
                                                (long long)i, (long long)ix.x.dims[0]);
  return static_slice(t, &ix, x, out);
}

/* x[idx] for a 1-D x and a traced integer array idx: _rewriting_take's
 * gather (searchsorted's a[sorter]). */
bool index_take_array(tracer *t, value x, value idx, tj_span span, value *out) {
  ix_item it = {.kind = IX_ARRAY, .axis = 0, .var = idx.var, .pos = 0, .span = span};
  indexer ix = {.items = &it, .n = 1, .x = t->m->vars[x.var], .span = span};
  return ix_gather_take(t, &ix, x, out);
}

/* x.at[idx].set(y) for a 1-D x and a 1-D integer array idx
 * (_scatter_update with lax.scatter; searchsorted's _rank). */
bool index_set_array(tracer *t, value x, value idx, value y, tj_span span, value *out) {
  ix_item it = {.kind = IX_ARRAY, .axis = 0, .var = idx.var, .pos = 0, .span = span};
  indexer ix = {.items = &it, .n = 1, .x = t->m->vars[x.var], .span = span};
  return ix_scatter_update(t, &ix, x, y, P_scatter, out);
}

bool index_traced(tracer *t, scope *s, node *n, value base, value *out) {
  indexer ix;
  if (!parse_indexer(t, s, n, &t->m->vars[base.var], &ix) || !check_concrete(t, &ix)) return false;
  if (static_applies(&ix)) return static_slice(t, &ix, base, out);
  if (dynamic_applies(&ix)) return dynamic_slice(t, &ix, base, out);
  for (int k = 0; k < ix.n; k++)
    if (ix.items[k].kind == IX_ARRAY) return ix_gather_take(t, &ix, base, out);
  return gather_fallback(t, &ix, base, out);
}

/* ---- x[idx] = v: _scatter_impl ---- */

/* The ScatterDimensionNumbers of a plan (no batching dimensions). */
static pval *scatter_dnums(tracer *t, const gather_plan *g) {
  ir_scatter_dims d = {.nwindow = g->noffset, .ninserted = g->ncollapsed, .nto = g->nstart_map};
  memcpy(d.window, g->offset, sizeof *g->offset * (size_t)g->noffset);
  memcpy(d.inserted, g->collapsed, sizeof *g->collapsed * (size_t)g->ncollapsed);
  memcpy(d.to_operand, g->start_map, sizeof *g->start_map * (size_t)g->nstart_map);
  return ir_scatter_dims_new(t->m, &d);
}

/* The cached update jaxpr of scatter prim on dtype dt in j or below. */
static ir_jaxpr *find_update_jaxpr(const ir_jaxpr *j, int prim, tj_dtype dt, const ir_module *m, int depth) {
  for (uint32_t k = 0; j && depth <= TJ_MAX_JAXPR_NEST && k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    for (int p = 0; p < e->nparams; p++) {
      const pval *v = e->params[p].val;
      for (int i = 0; i < ir_pval_njaxprs(v); i++) {
        ir_jaxpr *sub = ir_pval_jaxpr(v, i);
        if (!sub) continue;
        if (e->prim == prim && strcmp(e->params[p].key, "update_jaxpr") == 0 && sub->nin == 2 &&
            m->vars[sub->invars[0]].dtype == dt)
          return sub;
        ir_jaxpr *found = find_update_jaxpr(sub, prim, dt, m, depth + 1);
        if (found) return found;
      }
    }
  }
  return NULL;
}

/* lax._reduction_jaxpr(op, dt[]): { lambda ; a:dt[] b:dt[]. let c = op a b
 * in (c,) }. It is cached, so every scatter of one kind and dtype shares
 * the same jaxpr (which the printer then hoists). */
static ir_jaxpr *update_jaxpr(tracer *t, int scatter_prim, tj_dtype dt, tj_span span) {
  ir_jaxpr *j = find_update_jaxpr(t->jaxpr, scatter_prim, dt, t->m, 0);
  if (!j && t->jaxpr != t->m->top) j = find_update_jaxpr(t->m->top, scatter_prim, dt, t->m, 0);
  if (j) return j;
  int op = scatter_prim == P_scatter_add ? P_add : scatter_prim == P_scatter_sub ? P_sub
         : scatter_prim == P_scatter_min ? P_min : scatter_prim == P_scatter_max ? P_max : P_mul;
  tj_aval a = aval_scalar(dt, false);
  j = ir_jaxpr_new(t->m);
  j->invars = ARENA_ARRAY(&t->m->arena, uint32_t, 2);
  j->nin = 2;
  j->invars[0] = ir_new_var(t->m, &a), j->invars[1] = ir_new_var(t->m, &a);
  ir_jaxpr *outer = t->jaxpr;
  ir_atom ins[2] = {ATOM_VAR(j->invars[0]), ATOM_VAR(j->invars[1])};
  value r;
  t->jaxpr = j;
  bool ok = emit(t, op, ins, 2, NULL, NULL, 0, span, &r);
  t->jaxpr = outer;
  if (!ok) return NULL;
  j->outs = ARENA_ARRAY(&t->m->arena, ir_atom, 1);
  j->outs[0] = ATOM_VAR(r.var);
  j->nout = 1;
  return j;
}

/* lax.broadcast_to(y, shape) as jnp.broadcast_to calls it. */
static bool broadcast_update(tracer *t, value *y, ir_atom *atom, const tj_aval *shape, tj_span span) {
  tj_aval a = value_aval(t, y);
  if (aval_same_shape(&a, shape)) return true;
  char in[160], want[160];
  aval_format_long(&a, in, sizeof in);
  aval_format_long(shape, want, sizeof want);
  if (a.rank > shape->rank) {
    tj_buf b = {0};
    buf_puts(&b, "arr_shape=");
    ix_tuple_text(&b, a.dims, a.rank);
    buf_puts(&b, " shape=");
    ix_tuple_text(&b, shape->dims, shape->rank);
    tracer_error(t, span, "ValueError: Cannot broadcast to shape with fewer dimensions: %s", b.data);
    buf_free(&b);
    return false;
  }
  int lead = shape->rank - a.rank;
  int64_t dims[TJ_MAX_RANK];
  for (int d = 0; d < a.rank; d++) {
    if (a.dims[d] != 1 && a.dims[d] != shape->dims[lead + d])
      return tracer_error(t, span, "ValueError: Incompatible types for broadcasting: input type=%s%s and requested "
                                   "type=%s", a.weak ? "~" : "", in, want);
    dims[d] = lead + d;
  }
  tj_aval o = *shape;
  o.dtype = a.dtype, o.weak = a.weak;
  ir_param p = ix_ints_param(t, "broadcast_dimensions", dims, a.rank);
  if (!emit(t, P_broadcast_in_dim, atom, 1, &o, &p, a.rank > 0, span, y)) return false;
  *atom = ATOM_VAR(y->var);
  return true;
}

/* _scatter_update(x, idx, y, scatter_prim): the new value of x. */
bool ix_scatter_update(tracer *t, indexer *ix, value x, value y, int prim, value *out) {
  tj_span span = ix->span;
  tj_aval xa = t->m->vars[x.var], ya = value_aval(t, &y);
  /* jnp.asarray(y, dtype=x.dtype) for a Python int that fits x's dtype */
  if ((y.kind == V_INT || y.kind == V_BOOL) && dtype_is_int(xa.dtype) && dtype_wrap_int(y.i, xa.dtype) == y.i)
    ya = aval_scalar(xa.dtype, false);
  gather_plan g;
  if (!ix_plan_gather(t, ix, &g)) return false;
  if (aval_size(&g.slice) == 0) { *out = x; return true; }
  bool weak;
  tj_dtype dt = dtype_promote(xa.dtype, xa.weak, ya.dtype, ya.weak, &weak);
  value xv = x;
  ir_atom y_atom;
  if (!convert(t, &xv, dt, weak, span) || !convert(t, &y, dt, weak, span) || !to_atom(t, &y, dt, weak, span, &y_atom))
    return false;
  g.slice.dtype = dt, g.slice.weak = weak;
  if (!broadcast_update(t, &y, &y_atom, &g.slice, span)) return false;
  if (g.nnew) {
    if (!emit_dims(t, P_squeeze, "dimensions", g.newaxis, g.nnew, span, &y)) return false;
    y_atom = ATOM_VAR(y.var);
  }
  if (g.nrev) { /* slices of negative step */
    if (y.kind != V_TRACED && !own_atom(t, &y, span, &y_atom)) return false;
    if (y.kind != V_TRACED) y = value_traced(ATOM_INDEX(y_atom));
    if (!emit_dims(t, P_rev, "dimensions", g.reversed, g.nrev, span, &y)) return false;
    y_atom = ATOM_VAR(y.var);
  }
  ir_jaxpr *uj = NULL;
  if (prim != P_scatter && !(uj = update_jaxpr(t, prim, dt, span))) return false;
  ir_param ps[6] = {
      {"update_jaxpr", uj ? pv_jaxpr(t->m, uj) : pv_none(t->m)},
      {"update_consts", pv_seq(t->m, PV_TUPLE, 0)},
      {"dimension_numbers", scatter_dnums(t, &g)},
      {"indices_are_sorted", pv_bool(t->m, !g.advanced)},
      {"unique_indices", pv_bool(t->m, !g.advanced)},
      {"mode", pv_name(t->m, "GatherScatterMode.FILL_OR_DROP")},
  };
  ir_atom ins[3] = {ATOM_VAR(xv.var), ATOM_VAR(g.indices.var), y_atom};
  value r;
  if (!emit(t, prim, ins, 3, NULL, ps, 6, span, &r)) return false;
  if (!convert(t, &r, xa.dtype, xa.weak, span)) return false; /* _convert_element_type back to x's type */
  *out = r;
  return true;
}

static int scatter_prim_of(ast_op op) {
  switch (op) {
  case OP_ASSIGN: return P_scatter;
  case OP_ADD: return P_scatter_add;
  case OP_SUB: return P_scatter_sub;
  case OP_MUL: return P_scatter_mul;
  default: return -1;
  }
}

bool index_assign(tracer *t, scope *s, node *target, ast_op op, node *rhs, value *out) {
  node *base = target->lhs;
  if (is_container_target(s, target)) return container_assign(t, s, target, op, rhs, out);
  if (base->kind == ND_INDEX)
    return tracer_error(t, target->span, "assignment through a nested index is not supported: "
                                         "write x[i, j] = v for x[i][j] = v");
  if (base->kind != ND_IDENT) return tracer_error(t, base->span, "only an array variable can be assigned to by index");
  const char *name = name_str(t->prog->names, base->name);
  value *slot = scope_lookup(s, base->name);
  if (!slot) return tracer_error(t, base->span, "assignment to undeclared variable '%s'", name);
  if (slot->kind != V_TRACED)
    return tracer_error(t, target->span, "TypeError: '%s' object does not support item assignment",
                        value_type_name(slot));
  int prim = scatter_prim_of(op);
  if (prim < 0)
    return tracer_error(t, target->span, "TypeError: '%s=' on an indexed array has no .at[] equivalent here: "
                                         "use =, +=, -= or *= (x.at[idx].set/add/subtract/multiply)", op_text(op));
  indexer ix;
  value x = *slot, r, v;
  /* the index first, then the value, as x.at[idx].set(v) evaluates them */
  if (!parse_indexer(t, s, target, &t->m->vars[x.var], &ix) || !check_concrete(t, &ix) || !eval(t, s, rhs, &v))
    return false;
  if (v.kind != V_TRACED && !value_is_number(&v))
    return tracer_error(t, rhs->span, "TypeError: a %s cannot be assigned into an array", value_type_name(&v));
  if (!ix_scatter_update(t, &ix, x, v, prim, &r)) return false;
  slot = scope_lookup(s, base->name); /* evaluating the items may have grown the scope */
  *slot = r;
  *out = r;
  return true;
}

/* x.at[idx]: the index node of a method call's receiver, or NULL. */
static node *at_index(tracer *t, const node *call) {
  const node *r = call->lhs;
  if (!r || r->kind != ND_INDEX || r->lhs->kind != ND_MEMBER) return NULL;
  return strcmp(name_str(t->prog->names, r->lhs->name), "at") == 0 ? (node *)r : NULL;
}

/* The methods of _IndexUpdateRef (jax/_src/numpy/array_methods.py) that
 * lax has a scatter for, and get (rewriting_take, as x[idx]). */
static const struct {
  const char *method;
  int prim;
} at_methods[] = {
    {"set", P_scatter}, {"add", P_scatter_add}, {"subtract", P_scatter_sub}, {"multiply", P_scatter_mul},
    {"min", P_scatter_min}, {"max", P_scatter_max},
};

bool index_at_call(tracer *t, scope *s, node *call, bool *found, value *out) {
  node *ix_node = at_index(t, call);
  if (!(*found = ix_node != NULL)) return true;
  const char *name = name_str(t->prog->names, call->name);
  value x;
  if (!eval(t, s, ix_node->lhs->lhs, &x)) return false;
  if (x.kind != V_TRACED)
    return tracer_error(t, ix_node->lhs->op_span, "AttributeError: '%s' object has no attribute 'at'",
                        value_type_name(&x));
  int nargs = strcmp(name, "get") == 0 ? 0 : 1;
  if (call->nitems != nargs || (nargs && call->items[0]->kwname))
    return tracer_error(t, call->span, "TypeError: %s() takes %d positional argument%s here", name, nargs,
                        nargs == 1 ? "" : "s");
  if (!nargs) return index_traced(t, s, ix_node, x, out);
  int prim = -1;
  for (size_t i = 0; i < TJ_COUNT(at_methods); i++)
    if (strcmp(at_methods[i].method, name) == 0) prim = at_methods[i].prim;
  if (prim < 0)
    return tracer_error(t, call->op_span, "x.at[...].%s is not supported (it has set, add, subtract, multiply, min, max, get)",
                        name);
  indexer ix;
  value v;
  if (!parse_indexer(t, s, ix_node, &t->m->vars[x.var], &ix) || !check_concrete(t, &ix) || !eval(t, s, call->items[0], &v))
    return false;
  if (v.kind != V_TRACED && !value_is_number(&v))
    return tracer_error(t, call->items[0]->span, "TypeError: a %s cannot be put into an array", value_type_name(&v));
  return ix_scatter_update(t, &ix, x, v, prim, out);
}
