/* Diagonals, trace, repeat and roll by a traced shift (issue 14 item 6),
 * as JAX 0.10.2 records them (jax/_src/numpy/lax_numpy.py: diag, _diag,
 * diagonal, trace, repeat, _roll_dynamic; jax/_src/lax/slicing.py).
 * Part of the array vocabulary (trace_array_int.h). */
#include "trace_array_int.h"
#include "trace_index_int.h"

#include <string.h>

/* Identities in the jit cache (trace.h jnp_jit): never read or written. */
static const ast_func roll_dynamic_tag;

/* A strongly typed int32 literal operand (np.int32(i), jnp.array(i, int32)). */
static bool i32_atom(tracer *t, int64_t i, tj_span span, ir_atom *out) {
  value v = value_strong(value_int(i), DT_I32);
  return to_atom(t, &v, DT_I32, false, span, out);
}

/* prim(a, b) on two atoms, literal or not: lax binds it even when both are
 * constants, so it is an equation of its own. */
static bool emit2(tracer *t, int prim, ir_atom a, ir_atom b, tj_span span, value *out) {
  ir_atom in[2] = {a, b};
  return emit(t, prim, in, 2, NULL, NULL, 0, span, out);
}

/* ---- roll with a traced shift ---- */

typedef struct {
  const int64_t *axes;
  int naxes;
} roll_dynamic_opts;

/* One (shift, axis) pair of _roll_dynamic's loop: the shift modulo the
 * size (ufuncs.remainder, a jit), the array concatenated with itself, and
 * lax.dynamic_slice_in_dim at size - shift, which _dynamic_slice_indices
 * wraps when negative (the other axes start at literal zeros). */
static bool roll_one(tracer *t, value *a, value x, int ax, tj_span span) {
  tj_aval av = value_aval(t, a);
  int64_t size = av.dims[ax];
  ir_atom size_lit, one;
  value m, both[2], cat, start, neg, wrapped;
  if (!convert(t, &x, DT_I32, false, span) || !i32_atom(t, size, span, &size_lit) || !i32_atom(t, 1, span, &one) ||
      !emit2(t, P_max, size_lit, one, span, &m))
    return false;
  both[0] = x, both[1] = m;
  if (!call_builtin_values(t, "remainder", both, 2, span, &x)) return false;
  ir_atom in[TJ_MAX_RANK + 1] = {ATOM_VAR(a->var), ATOM_VAR(a->var)};
  ir_param p = {"dimension", pv_int(t->m, ax)};
  if (!emit(t, P_concatenate, in, 2, NULL, &p, 1, span, &cat) ||
      !emit2(t, P_sub, size_lit, ATOM_VAR(x.var), span, &start))
    return false;
  ir_atom zero;
  if (!i32_atom(t, 0, span, &zero) || !emit2(t, P_lt, ATOM_VAR(start.var), zero, span, &neg) ||
      !emit2(t, P_add, ATOM_VAR(start.var), size_lit, span, &wrapped))
    return false;
  ir_atom sel[3] = {ATOM_VAR(neg.var), ATOM_VAR(start.var), ATOM_VAR(wrapped.var)};
  if (!emit(t, P_select_n, sel, 3, NULL, NULL, 0, span, &start)) return false;
  in[0] = ATOM_VAR(cat.var);
  for (int d = 0; d < av.rank; d++) in[1 + d] = d == ax ? ATOM_VAR(start.var) : zero;
  ir_param sizes = {"slice_sizes", pv_ints(t->m, PV_TUPLE, av.dims, av.rank)};
  return emit(t, P_dynamic_slice, in, av.rank + 1, NULL, &sizes, 1, span, a);
}

/* lax.broadcast_shapes(shift.shape, np.shape(axis)) as _roll_dynamic
 * needs it: the shift's length when it is 1-D and broadcasts with the
 * axes, JAX's errors otherwise (a 2-D result is "not 1D"). */
static bool roll_shift_length(tracer *t, tj_aval sa, int naxes, tj_span span, int64_t *len) {
  int64_t last = sa.rank ? sa.dims[sa.rank - 1] : 1;
  if (last != naxes && last != 1 && naxes != 1) {
    tj_buf b = {0};
    int64_t ax = naxes;
    buf_puts(&b, "ValueError: Incompatible shapes for broadcasting: shapes=[");
    ta_put_dims(&b, sa.dims, sa.rank);
    buf_puts(&b, ", ");
    ta_put_dims(&b, &ax, 1);
    buf_puts(&b, "]");
    return ta_raise_buf(t, span, &b);
  }
  if (sa.rank > 1)
    return tracer_error(t, span, "ValueError: 'shift' and 'axis' arguments to roll must be scalars or 1D arrays");
  *len = last == 1 ? naxes : last;
  return true;
}

/* _roll_dynamic's body: the shift broadcast to b_shape and taken apart
 * element by element (iterating an array: slice and squeeze), one
 * roll_one per element with the axis np.broadcast_to repeats. */
static bool roll_dynamic_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const roll_dynamic_opts *o = ctx;
  value shift = args[1];
  tj_aval sa = value_aval(t, &shift);
  int64_t n = 0;
  if (!roll_shift_length(t, sa, o->naxes, span, &n)) return false;
  tj_aval b = {.rank = 1, .dims = {n}, .dtype = sa.dtype, .weak = sa.weak};
  *out = args[0];
  if (!ta_broadcast_trailing(t, &shift, &sa, &b, span, &shift)) return false;
  for (int64_t k = 0; k < n; k++) {
    value x;
    int64_t first = 0;
    if (!ta_slice_in_dim(t, shift, 0, k, k + 1, span, &x) || !ta_squeeze_dims(t, &x, &first, 1, span) ||
        !roll_one(t, out, x, (int)o->axes[o->naxes == 1 ? 0 : k], span))
      return false;
  }
  return true;
}

/* jnp.roll(a, shift, axis) with a traced shift (a traced array, or a
 * sequence holding a traced value, which asarray stacks): the jit
 * _roll_dynamic with the axes static. */
bool ta_roll_dynamic(tracer *t, value x, value shift, tj_span sspan, const int64_t *axes, int naxes, tj_span span,
                     value *out) {
  if (shift.kind == V_TUPLE && !call_builtin_values(t, "array", &shift, 1, sspan, &shift)) return false;
  tj_aval sa = value_aval(t, &shift);
  if (!dtype_is_int(sa.dtype) && sa.dtype != DT_BOOL && !dtype_is_float(sa.dtype))
    return tracer_error(t, sspan, "roll with a shift of dtype %s is not supported", dtype_long(sa.dtype));
  value key = {.kind = V_TUPLE, .n = naxes, .items = ARENA_ARRAY(&t->scratch, value, naxes ? naxes : 1)};
  for (int i = 0; i < naxes; i++) key.items[i] = value_int(axes[i]);
  roll_dynamic_opts o = {axes, naxes};
  value args[2] = {x, shift};
  jnp_jit_fn fn = {"_roll_dynamic", &roll_dynamic_tag, key, roll_dynamic_body, &o};
  return jnp_jit(t, &fn, args, 2, span, out);
}

/* ---- the eye mask of diag and trace ---- */

/* _eye(rows, cols, k, bool): i + k == j over broadcasted iotas in k's
 * dtype (int32 for a Python int, a literal even when 0; the traced k of
 * jnp.trace's jit otherwise). astype(bool) of the bool result is nothing. */
static bool eye_mask(tracer *t, int64_t rows, int64_t cols, value k, tj_span span, value *out) {
  tj_dtype dt = k.kind == V_TRACED ? value_aval(t, &k).dtype : DT_I32;
  int64_t shape[2] = {rows, cols};
  value iota[2];
  tj_aval want = {.rank = 2, .dims = {rows, cols}, .dtype = dt};
  if (!ta_check_sizes(t, "iota", &want, span)) return false;
  for (int d = 0; d < 2; d++) {
    ir_param ps[4] = {{"dimension", pv_int(t->m, d)}, {"dtype", pv_dtype(t->m, dt)},
                      {"shape", pv_ints(t->m, PV_TUPLE, shape, 2)}, {"sharding", pv_none(t->m)}};
    ir_atom none = 0;
    if (!emit(t, P_iota, &none, 0, NULL, ps, 4, span, &iota[d])) return false;
  }
  ir_atom kat;
  if (!to_atom(t, &k, dt, false, span, &kat) || !emit2(t, P_add, ATOM_VAR(iota[0].var), kat, span, &iota[0]))
    return false;
  return emit2(t, P_eq, ATOM_VAR(iota[0].var), ATOM_VAR(iota[1].var), span, out);
}

/* A scalar zero of dtype dt, as a literal operand (lax.full_like(x, 0,
 * shape=()), folded). */
static value zero_of(tj_dtype dt) {
  value z = dt == DT_BOOL ? value_bool(false) : dtype_is_float(dt) ? value_float(0) : value_int(0);
  return value_strong(z, dt);
}

/* ---- diag ---- */

typedef struct {
  int64_t k;
  tj_span span;
} diag_opts;

/* _diag of a vector: lax.pad with zeros to n = size + |k|, then
 * where(eye(n, k=k, dtype=bool), v[:, None], 0) (the jitted _where). */
static bool diag_vector(tracer *t, const diag_opts *o, value v, tj_span span, value *out) {
  tj_aval av = value_aval(t, &v);
  int64_t k = o->k, lo = k < 0 ? -k : 0, hi = k > 0 ? k : 0, n = av.dims[0] + lo + hi;
  value zero = zero_of(av.dtype), mask;
  ir_atom in[2] = {ATOM_VAR(v.var)};
  int64_t cfg[3] = {lo, hi, 0}, at = 1;
  pval *pc = pv_seq(t->m, PV_TUPLE, 1);
  pc->items[0] = pv_ints(t->m, PV_TUPLE, cfg, 3);
  ir_param p = {"padding_config", pc};
  if (!to_atom(t, &zero, av.dtype, false, span, &in[1]) || !emit(t, P_pad, in, 2, NULL, &p, 1, span, &v) ||
      !eye_mask(t, n, n, value_int(k), span, &mask) || !ta_expand_at(t, &v, &at, 1, span))
    return false;
  value cxy[3] = {mask, v, zero};
  return where_jit(t, cxy, span, out);
}

static bool diagonal_of(tracer *t, value a, int64_t offset, int64_t axis1, int64_t axis2, tj_span span,
                        value *out);

/* _diag's body (a jit with k static). */
static bool diag_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const diag_opts *o = ctx;
  int rank = value_aval(t, &args[0]).rank;
  if (rank == 1) return diag_vector(t, o, args[0], span, out);
  if (rank == 2) return diagonal_of(t, args[0], o->k, 0, 1, span, out);
  return tracer_error(t, o->span, "ValueError: diag input must be 1d or 2d");
}

static const ast_func diag_tag;

/* jnp.diag(v, k=0): operator.index(k), then the jit _diag. */
static bool builtin_diag(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *k;
  tj_span kspan;
  diag_opts o = {0, a->pos_spans[0]};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "k", &k, &kspan) ||
      (k && !ta_index_of(t, k, kspan, &o.k)))
    return false;
  value key = {.kind = V_TUPLE, .n = 1, .items = ARENA_ARRAY(&t->scratch, value, 1)};
  key.items[0] = value_int(o.k);
  jnp_jit_fn fn = {"_diag", &diag_tag, key, diag_body, &o};
  return jnp_jit(t, &fn, &a->pos[0], 1, a->call->span, out);
}

/* ---- diagonal ---- */

/* _moveaxis(a, (axis1, axis2), (-2, -1)) (an inline jit): lax.transpose
 * by the permutation that moves the two axes last (nothing when it is the
 * identity). */
static bool move_last_two(tracer *t, value *a, int64_t ax1, int64_t ax2, tj_span span) {
  int rank = value_aval(t, a).rank, n = 0;
  int64_t perm[TJ_MAX_RANK];
  for (int d = 0; d < rank; d++)
    if (d != ax1 && d != ax2) perm[n++] = d;
  perm[n++] = ax1, perm[n++] = ax2;
  if (ax1 == ax2) {
    tj_buf b = {0};
    tj_aval av = value_aval(t, a);
    buf_puts(&b, "TypeError: transpose permutation isn't a permutation of operand dimensions, got permutation ");
    ta_put_dims(&b, perm, n);
    buf_puts(&b, " for operand shape ");
    ta_put_dims(&b, av.dims, av.rank);
    buf_putc(&b, '.');
    return ta_raise_buf(t, span, &b);
  }
  return ta_transpose_by(t, a, perm, rank, span);
}

/* jnp.arange(lo, lo + n): an iota, plus lo when lo is not 0. */
static bool arange_from(tracer *t, int64_t lo, int64_t n, tj_span span, value *out) {
  value args[2] = {value_int(lo), value_int(lo + n)};
  return call_builtin_values(t, "arange", lo ? args : &args[1], lo ? 2 : 1, span, out);
}

/* _default_diag: the two axes moved last, then a[..., i, j] with i =
 * arange(size), j = arange(|offset|, |offset| + size) (j, i for a
 * negative offset): a gather with two integer arrays. */
static bool default_diag(tracer *t, value a, int64_t offset, int64_t ax1, int64_t ax2, tj_span span, value *out) {
  tj_aval shape = value_aval(t, &a);
  if (!move_last_two(t, &a, ax1, ax2, span)) return false;
  int64_t r = shape.dims[ax1] + (offset < 0 ? offset : 0), c = shape.dims[ax2] - (offset > 0 ? offset : 0);
  int64_t size = r < c ? r : c, abs_off = offset < 0 ? -offset : offset;
  if (size < 0) size = 0;
  value i, j;
  if (!arange_from(t, 0, size, span, &i) || !arange_from(t, abs_off, size, span, &j)) return false;
  indexer ix = {.n = shape.rank, .x = value_aval(t, &a), .span = span};
  ix.items = ARENA_ARRAY(&t->scratch, ix_item, shape.rank);
  memset(ix.items, 0, (size_t)shape.rank * sizeof *ix.items);
  for (int d = 0; d < shape.rank; d++) {
    ix_item *it = &ix.items[d];
    it->axis = d, it->span = span, it->pos = d < shape.rank - 2 ? 0 : d - (shape.rank - 2) + 1;
    if (d < shape.rank - 2) {
      it->kind = IX_SLICE, it->bound[0] = it->bound[1] = it->bound[2] = value_none();
    } else {
      bool first = d == shape.rank - 2;
      it->kind = IX_ARRAY, it->var = (first == (offset >= 0) ? i : j).var;
    }
  }
  return ix_gather_take(t, &ix, a, out);
}

typedef struct {
  int64_t offset, axis1, axis2;
  tj_span span;
} diagonal_opts;

/* _default_diag as a branch of platform_dependent (ctx: the options). */
static bool default_branch(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  const diagonal_opts *o = ctx;
  (void)nargs;
  int64_t ax1 = o->axis1 < 0 ? o->axis1 + 2 : o->axis1, ax2 = o->axis2 < 0 ? o->axis2 + 2 : o->axis2; /* 2-D */
  return default_diag(t, args[0], o->offset, ax1, ax2, call->span, result);
}

/* _mosaic_diag (ctx: the eye it closes over): lax.reduce of eye * a with
 * add over axis 0, which binds reduce_sum. */
static bool mosaic_branch(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  const value *eye = ctx;
  value prod;
  int64_t first = 0;
  (void)nargs;
  if (!emit2(t, P_mul, ATOM_VAR(eye->var), ATOM_VAR(args[0].var), call->span, &prod)) return false;
  ir_atom in = ATOM_VAR(prod.var);
  ir_param ps[2] = {{"axes", pv_ints(t->m, PV_TUPLE, &first, 1)}, {"out_sharding", pv_none(t->m)}};
  return emit(t, P_reduce_sum, &in, 1, NULL, ps, 2, call->span, result);
}

/* diagonal of a square, non-bool matrix with offset 0: eye(n, dtype=a.dtype),
 * then control_flow.platform_dependent(a, default=_default_diag,
 * mosaic=_mosaic_diag): platform_index and a cond of the two branches
 * (mosaic first), branches_platforms=(('mosaic',), None). */
static bool platform_diag(tracer *t, value a, const diagonal_opts *o, tj_span span, value *out) {
  tj_aval av = value_aval(t, &a);
  value eye;
  if (!eye_mask(t, av.dims[0], av.dims[0], value_int(0), span, &eye) || !convert(t, &eye, av.dtype, false, span))
    return false;
  pval *platforms = pv_seq(t->m, PV_TUPLE, 2), *mosaic = pv_seq(t->m, PV_TUPLE, 1);
  mosaic->items[0] = pv_name(t->m, "'mosaic'");
  platforms->items[0] = mosaic, platforms->items[1] = pv_none(t->m);
  body_fn fns[2] = {mosaic_branch, default_branch};
  const void *ctxs[2] = {&eye, o};
  node at = {.span = span};
  return record_platform_dependent(t, fns, ctxs, 2, platforms, &a, 1, &at, out);
}

/* diagonal's body (a jit with offset, axis1 and axis2 static). */
static bool diagonal_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const diagonal_opts *o = ctx;
  tj_aval av = value_aval(t, &args[0]);
  if (av.rank < 2)
    return tracer_error(t, o->span, "ValueError: diagonal requires an array of at least two dimensions.");
  int64_t ax1, ax2;
  if (!ta_canon_axis(t, o->axis1, av.rank, o->span, &ax1) || !ta_canon_axis(t, o->axis2, av.rank, o->span, &ax2))
    return false;
  if (av.dims[0] != av.dims[1] || av.rank != 2 || o->offset != 0 || av.dtype == DT_BOOL)
    return default_diag(t, args[0], o->offset, ax1, ax2, span, out);
  return platform_diag(t, args[0], o, span, out);
}

static const ast_func diagonal_tag;

static bool diagonal_jit(tracer *t, const diagonal_opts *o, value a, tj_span span, value *out) {
  value key = {.kind = V_TUPLE, .n = 3, .items = ARENA_ARRAY(&t->scratch, value, 3)};
  key.items[0] = value_int(o->offset), key.items[1] = value_int(o->axis1), key.items[2] = value_int(o->axis2);
  jnp_jit_fn fn = {"diagonal", &diagonal_tag, key, diagonal_body, o};
  return jnp_jit(t, &fn, &a, 1, span, out);
}

/* _diag of a matrix: diagonal(v, offset=k), a jit of its own. */
static bool diagonal_of(tracer *t, value a, int64_t offset, int64_t axis1, int64_t axis2, tj_span span,
                        value *out) {
  diagonal_opts o = {offset, axis1, axis2, span};
  return diagonal_jit(t, &o, a, span, out);
}

/* jnp.diagonal(a, offset=0, axis1=0, axis2=1). */
static bool builtin_diagonal(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *v[3];
  tj_span spans[3];
  static const char *names[3] = {"offset", "axis1", "axis2"};
  diagonal_opts o = {0, 0, 1, a->pos_spans[0]};
  int64_t *dst[3] = {&o.offset, &o.axis1, &o.axis2};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0])) return false;
  for (int i = 0; i < 3; i++)
    if (!ta_get_arg(t, b, a, i + 1, names[i], &v[i], &spans[i]) || (v[i] && !ta_index_of(t, v[i], spans[i], dst[i])))
      return false;
  return diagonal_jit(t, &o, a->pos[0], a->call->span, out);
}

/* ---- trace ---- */

typedef struct {
  int64_t axis1, axis2;
  bool have_dtype, have_offset;
  tj_dtype dtype;
  tj_span span;
} trace_opts;

/* trace's body (a jit with axis1, axis2 and dtype static; offset is an
 * argument, traced, unless it was not given): the axes moved last, the
 * entries off the eye(n, m, k=offset, dtype=bool) diagonal zeroed through
 * the jitted _where, then jnp.sum over the last two axes. */
static bool trace_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const trace_opts *o = ctx;
  value a = args[0], offset = o->have_offset ? args[1] : value_int(0), mask, zeros;
  tj_aval av = value_aval(t, &a);
  int64_t ax1, ax2;
  if (!ta_canon_axis(t, o->axis1, av.rank, o->span, &ax1) || !ta_canon_axis(t, o->axis2, av.rank, o->span, &ax2))
    return false;
  if (ax1 == ax2)
    return tracer_error(t, o->span, "ValueError: axis1 and axis2 can not be same. axis1=%lld and axis2=%lld",
                        (long long)o->axis1, (long long)o->axis2);
  if (offset.kind == V_TRACED && (value_aval(t, &offset).rank != 0 || !dtype_is_int(value_aval(t, &offset).dtype))) {
    tj_buf b = {0};
    buf_puts(&b, "ValueError: k must be a scalar integer; got ");
    ta_put_value(t, &b, &offset);
    return ta_raise_buf(t, o->span, &b);
  }
  if (!move_last_two(t, &a, ax1, ax2, span) || !eye_mask(t, av.dims[ax1], av.dims[ax2], offset, span, &mask) ||
      !call_builtin_values(t, "zeros_like", &a, 1, span, &zeros))
    return false;
  value cxy[3] = {mask, a, zeros};
  if (!where_jit(t, cxy, span, &a)) return false;
  int64_t last[2] = {-2, -1};
  static const char *const kw[2] = {"axis", "dtype"};
  value kv[2] = {{.kind = V_TUPLE, .n = 2, .items = ARENA_ARRAY(&t->scratch, value, 2)},
                 o->have_dtype ? (value){.kind = V_DTYPE, .dtype = o->dtype} : value_none()};
  for (int i = 0; i < 2; i++) kv[0].items[i] = value_int(last[i]);
  return call_builtin_kw(t, "sum", &a, 1, kw, kv, 2, span, out);
}

static const ast_func trace_tag;

/* jnp.trace(a, offset=0, axis1=0, axis2=1, dtype=None). */
static bool builtin_trace(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *offset, *v[2];
  tj_span ospan, spans[2];
  static const char *names[2] = {"axis1", "axis2"};
  trace_opts o = {0, 1, false, false, DT_F32, a->call->span};
  int64_t *dst[2] = {&o.axis1, &o.axis2};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "offset", &offset, &ospan))
    return false;
  for (int i = 0; i < 2; i++)
    if (!ta_get_arg(t, b, a, i + 2, names[i], &v[i], &spans[i]) || (v[i] && !ta_index_of(t, v[i], spans[i], dst[i])))
      return false;
  if (!ta_opt_dtype(t, b, a, 4, &o.have_dtype, &o.dtype)) return false;
  o.have_offset = offset != NULL;
  value key = {.kind = V_TUPLE, .n = 3, .items = ARENA_ARRAY(&t->scratch, value, 3)};
  key.items[0] = value_int(o.axis1), key.items[1] = value_int(o.axis2);
  key.items[2] = o.have_dtype ? value_int(o.dtype) : value_none();
  value args[2] = {a->pos[0], offset ? *offset : value_int(0)};
  jnp_jit_fn fn = {"trace", &trace_tag, key, trace_body, &o};
  return jnp_jit(t, &fn, args, offset ? 2 : 1, a->call->span, out);
}

/* ---- repeat ---- */

/* _repeat's fast path for a scalar repeats: a new axis of size repeats
 * after the axis (lax.broadcast_in_dim), merged into it by a reshape. */
static bool repeat_scalar(tracer *t, value *x, int64_t axis, int64_t reps, tj_span span) {
  tj_aval av = value_aval(t, x), aux = av, res = av;
  if (av.rank + 1 > TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d) in a shape", TJ_MAX_RANK);
  int64_t dims[TJ_MAX_RANK];
  aux.rank = (uint8_t)(av.rank + 1);
  for (int d = 0, k = 0; d < aux.rank; d++) {
    aux.dims[d] = d == axis + 1 ? reps : av.dims[k];
    if (d != axis + 1) dims[k++] = d;
  }
  res.dims[axis] = av.dims[axis] * reps;
  if (!ta_check_sizes(t, "repeat", &aux, span)) return false;
  ir_atom in = ATOM_VAR(x->var);
  ir_param p = {"broadcast_dimensions", pv_ints(t->m, PV_TUPLE, dims, av.rank)}; /* shape: the hint */
  return emit(t, P_broadcast_in_dim, &in, 1, &aux, &p, 1, span, x) && ta_reshape_to(t, x, &res, span);
}

/* x.at[idx].set(v) / .add(v) with one index on axis 0 (an int, or an
 * integer array when idx is traced), as _IndexUpdateRef binds it. */
static bool scatter_at(tracer *t, value x, value idx, value v, int prim, tj_span span, value *out) {
  ix_item it = {.kind = idx.kind == V_TRACED ? IX_ARRAY : IX_INT, .axis = 0, .i = idx.i, .var = idx.var, .span = span};
  indexer ix = {.items = &it, .n = 1, .x = value_aval(t, &x), .span = span};
  return ix_scatter_update(t, &ix, x, v, prim, out);
}

/* _repeat's general path on repeats (an int32 vector, one per element of
 * the axis): exclusive = roll(repeats, 1).at[0].set(0), the cumsum of it
 * scatter-added (1) into zeros of total, its cumsum less 1, then take. */
static bool repeat_general(tracer *t, value *x, int64_t axis, value reps, int64_t total, tj_span span) {
  value two[2] = {reps, value_int(1)}, r, ind, zeros;
  if (!call_builtin_values(t, "roll", two, 2, span, &r) ||
      !scatter_at(t, r, value_int(0), value_int(0), P_scatter, span, &r) ||
      !call_builtin_values(t, "cumsum", &r, 1, span, &ind))
    return false;
  value shape = {.kind = V_TUPLE, .n = 1, .list = true, .items = ARENA_ARRAY(&t->scratch, value, 1)};
  shape.items[0] = value_int(total);
  static const char *const kw_dtype[] = {"dtype"}, *const kw_axis[] = {"axis"};
  value i32 = {.kind = V_DTYPE, .dtype = DT_I32}, ax = value_int(axis);
  if (!call_builtin_kw(t, "zeros", &shape, 1, kw_dtype, &i32, 1, span, &zeros) ||
      !scatter_at(t, zeros, ind, value_int(1), P_scatter_add, span, &r) ||
      !call_builtin_values(t, "cumsum", &r, 1, span, &r) || !apply_binary(t, P_sub, r, value_int(1), span, &r))
    return false;
  value args[2] = {*x, r};
  return call_builtin_kw(t, "take", args, 2, kw_axis, &ax, 1, span, x);
}

/* np.broadcast_to(np.ravel(repeats), [n]) of a static sequence: numpy's
 * error when its length is neither 1 nor n. */
static bool repeat_seq_fits(tracer *t, const value *reps, int64_t n, tj_span span) {
  if (reps->n == 1 || reps->n == n) return true;
  return tracer_error(t, span, "ValueError: operands could not be broadcast together with remapped shapes "
                      "[original->remapped]: (%d,)  and requested shape (%lld,)", reps->n, (long long)n);
}

/* The repeats of _repeat's general path as a traced int32 vector of the
 * axis' size n: a static sequence is numpy's (np.broadcast_to(np.ravel),
 * a constant once roll lifts it); with total_repeat_length given,
 * jnp.ravel and broadcast_to of it (a tuple made a constant first). */
static bool repeat_vector(tracer *t, const value *reps, bool total_given, int64_t n, tj_span span, value *out) {
  if (reps->kind == V_TUPLE && !total_given) {
    value seq = {.kind = V_TUPLE, .n = (int)n, .list = true, .items = ARENA_ARRAY(&t->scratch, value, n ? n : 1)};
    for (int64_t i = 0; i < n; i++) seq.items[i] = reps->items[reps->n == 1 ? 0 : i];
    return call_builtin_values(t, "array", &seq, 1, span, out);
  }
  *out = *reps;
  if (reps->kind == V_TUPLE && !call_builtin_values(t, "array", reps, 1, span, out)) return false;
  tj_aval ra = value_aval(t, out), target = {.rank = 1, .dims = {n}, .dtype = ra.dtype, .weak = ra.weak};
  if (!dtype_is_int(ra.dtype)) return tracer_error(t, span, "repeat with repeats of dtype %s is not supported",
                                                   dtype_long(ra.dtype));
  if (!ta_ravel(t, out, span)) return false;
  ra = value_aval(t, out);
  if (n < 0) return true; /* a scalar a: ravel only */
  if (ra.dims[0] != 1 && ra.dims[0] != n)
    return tracer_error(t, span, "ValueError: Incompatible shapes for broadcasting: (%lld,) and requested shape (%lld,)",
                        (long long)ra.dims[0], (long long)n);
  return ta_broadcast_trailing(t, out, &ra, &target, span, out);
}

/* _repeat's special case of total_repeat_length 0:
 * reshape(array([], dtype=arr.dtype), result_shape), a constant. */
static bool repeat_to_empty(tracer *t, value *x, int64_t axis, tj_span span) {
  tj_aval av = value_aval(t, x);
  value shape = {.kind = V_TUPLE, .n = av.rank, .items = ARENA_ARRAY(&t->scratch, value, av.rank)};
  for (int d = 0; d < av.rank; d++) shape.items[d] = value_int(d == axis ? 0 : av.dims[d]);
  value empty = {.kind = V_TUPLE, .n = 0, .list = true, .items = NULL}, e;
  static const char *const kw_dtype[] = {"dtype"};
  value dt = {.kind = V_DTYPE, .dtype = av.dtype};
  if (!call_builtin_kw(t, "array", &empty, 1, kw_dtype, &dt, 1, span, &e)) return false;
  value args[2] = {e, shape};
  return call_builtin_values(t, "reshape", args, 2, span, x);
}

/* The repeats and the spans of jnp.repeat's arguments. */
typedef struct {
  const value *reps, *total;
  tj_span rspan, tspan, span;
} repeat_args;

/* _repeat of a scalar a (an axis given: axis None ravels): repeats
 * raveled (jnp.ravel with total_repeat_length, numpy's without), and
 * full([total], a) when it holds one element, JAX's ValueError if not. */
static bool repeat_of_scalar(tracer *t, const repeat_args *r, value *x) {
  int64_t total = 0, len = 1;
  if (r->total) {
    value rv;
    if (r->reps->kind != V_TUPLE && r->reps->kind != V_TRACED)
      return tracer_error(t, r->rspan, "repeat with this repeats is not supported");
    if (!ta_index_of(t, r->total, r->tspan, &total) || !repeat_vector(t, r->reps, true, -1, r->rspan, &rv)) return false;
    len = value_aval(t, &rv).dims[0];
  } else if (r->reps->kind == V_TUPLE) {
    len = r->reps->n;
    if (len == 1 && !ta_index_of(t, &r->reps->items[0], r->rspan, &total)) return false;
  } else if (!ta_index_of(t, r->reps, r->rspan, &total)) {
    return false;
  }
  if (len != 1)
    return tracer_error(t, r->span, "ValueError: `repeat` with a scalar parameter `a` is only implemented for "
                        "scalar values of the parameter `repeats`.");
  value shape = {.kind = V_TUPLE, .n = 1, .list = true, .items = ARENA_ARRAY(&t->scratch, value, 1)};
  shape.items[0] = value_int(total);
  value args[2] = {shape, *x};
  return call_builtin_values(t, "full", args, 2, r->span, x);
}

/* _repeat's general path (a static sequence, or total_repeat_length
 * given): the repeats as a vector, then a total of 0 is an empty
 * constant, an empty axis the array itself, the scatter and take else. */
static bool repeat_general_path(tracer *t, const repeat_args *r, int64_t ax, value *x) {
  tj_aval av = value_aval(t, x);
  int64_t sum = 0, n;
  const value *reps = r->reps;
  if (r->total && !ta_index_of(t, r->total, r->tspan, &sum)) return false;
  if (reps->kind != V_TUPLE && reps->kind != V_TRACED)
    return tracer_error(t, r->rspan, "repeat with this repeats is not supported");
  if (!r->total && !repeat_seq_fits(t, reps, av.dims[ax], r->rspan)) return false;
  for (int i = 0; !r->total && i < reps->n; i++) {
    if (!ta_index_of(t, &reps->items[i], r->rspan, &n)) return false;
    sum += reps->n == 1 ? n * av.dims[ax] : n;
  }
  value rv;
  if (r->total && !repeat_vector(t, reps, true, av.dims[ax], r->rspan, &rv)) return false;
  if (sum == 0) return repeat_to_empty(t, x, ax, r->span);
  if (av.dims[ax] == 0) return true;
  if (sum < 0) return tracer_error(t, r->total ? r->tspan : r->rspan, "ValueError: negative dimensions are not allowed");
  return (r->total || repeat_vector(t, reps, false, av.dims[ax], r->rspan, &rv)) &&
         repeat_general(t, x, ax, rv, sum, r->span);
}

/* jnp.repeat(a, repeats, axis=None, total_repeat_length=None) (no jit):
 * axis None ravels a first. repeats must be static without
 * total_repeat_length (JAX's concretization error); a static scalar takes
 * the fast path of a broadcast and a reshape. */
static bool builtin_repeat(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan;
  repeat_args r = {.reps = &a->pos[1], .rspan = a->pos_spans[1], .span = a->call->span};
  *out = a->pos[0];
  if (!ta_check_array(t, b, out, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 2, "axis", &axis, &axspan) ||
      !ta_get_arg(t, b, a, 99, "total_repeat_length", &r.total, &r.tspan))
    return false;
  if (r.reps->kind != V_TRACED && r.reps->kind != V_TUPLE && !ta_check_array(t, b, r.reps, 1, r.rspan)) return false;
  int64_t ax = 0, n;
  if (!axis && !ta_ravel(t, out, r.span)) return false;
  if (axis && !ta_index_of(t, axis, axspan, &ax)) return false;
  if (!r.total && r.reps->kind == V_TRACED)
    return ta_concrete_error(t, r.reps, r.rspan, "When jit-compiling jnp.repeat, the total number of repeats "
                             "must be static. To fix this, either specify a static value for `repeats`, or pass a "
                             "static value to `total_repeat_length`.");
  tj_aval av = value_aval(t, out);
  if (av.rank == 0) return repeat_of_scalar(t, &r, out);
  if (!ta_canon_axis(t, ax, av.rank, axis ? axspan : r.span, &ax)) return false;
  if (!r.total && r.reps->kind == V_INT) {
    if (!ta_index_of(t, r.reps, r.rspan, &n)) return false;
    if (n < 0) return tracer_error(t, r.rspan, "ValueError: negative dimensions are not allowed");
    return repeat_scalar(t, out, ax, n, r.span);
  }
  return repeat_general_path(t, &r, ax, out);
}

static const char *const kw_diag[] = {"k", NULL}, *const kw_diagonal[] = {"offset", "axis1", "axis2", NULL};
static const char *const kw_trace[] = {"offset", "axis1", "axis2", "dtype", NULL};
static const char *const kw_repeat[] = {"axis", "total_repeat_length", NULL};

const builtin_def builtins_diag[] = {
    {"diag", builtin_diag, 1, 2, kw_diag, P_pad},
    {"diagonal", builtin_diagonal, 1, 4, kw_diagonal, P_gather},
    {"trace", builtin_trace, 1, 5, kw_trace, P_reduce_sum},
    {"repeat", builtin_repeat, 2, 3, kw_repeat, P_broadcast_in_dim},
    {NULL, NULL, 0, 0, NULL, 0},
};
