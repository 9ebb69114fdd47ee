/* More of everyday jnp (issue 14 item 6): any, all, flip, tril, triu, eye,
 * identity, roll, stack, split, array_split and linspace, as JAX 0.10.2
 * records them (jax/_src/numpy/{reductions,lax_numpy,array_creation}.py,
 * jax/_src/lax/lax.py). flip, tril, triu, roll and linspace are jits with
 * static arguments there, so they are nested jit[name=...] equations here
 * too (jnp_jit, trace.h); any and all are inline jits (nothing of their
 * own in the listing); eye, identity, stack and split are no jits at all.
 * Part of the array vocabulary (trace_array_int.h). */
#include "trace_array_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Identities in the jit cache (trace.h jnp_jit): never read or written. */
static const ast_func flip_tag, tril_tag, triu_tag, roll_tag, linspace_tag;

/* The static arguments of one call as jit's cache key holds them. */
static value key_of(tracer *t, int n, const value *items) {
  value v = {.kind = V_TUPLE, .n = n};
  v.items = ARENA_ARRAY(&t->scratch, value, n);
  memcpy(v.items, items, (size_t)n * sizeof *items);
  return v;
}

static value or_none(const value *v) { return v ? *v : value_none(); }

/* ---- any, all ---- */

/* The where= mask: a bool array (check_where). */
static bool extremum_where(tracer *t, const builtin_def *b, const value *w, tj_span span) {
  if (!ta_check_array(t, b, w, 0, span)) return false;
  tj_dtype dt = value_aval(t, w).dtype;
  if (dt == DT_BOOL) return true;
  return tracer_error(t, span,
                      "ValueError: jnp.%s: where must be None or a boolean array; got where.dtype=dtype('%s').",
                      b->name, dtype_long(dt));
}


/* jnp.any / jnp.all(a, axis=None, keepdims=False, where=None):
 * reductions.py's _reduce_any / _reduce_all, inline jits of _reduction
 * with preproc _cast_to_bool and the bitwise monoid on bool, which
 * lax.reduce binds as reduce_or / reduce_and[axes] (_get_monoid_reducer);
 * a where mask goes through the jitted _where with the identity (False
 * for any, True for all) first. */
static bool builtin_any_all(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis, *where;
  tj_span axspan, wspan, span = a->call->span;
  bool keepdims;
  *out = a->pos[0];
  if (!ta_check_array(t, b, out, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_flag(t, b, a, "keepdims", &keepdims) || !ta_get_arg(t, b, a, 99, "where", &where, &wspan) ||
      (where && !extremum_where(t, b, where, wspan)))
    return false;
  int64_t axes[TJ_MAX_RANK];
  int n;
  if (!ta_reduction_axes(t, axis, axspan, value_aval(t, out).rank, axes, &n)) return false;
  ir_atom in;
  if (!convert(t, out, DT_BOOL, false, span)) return false;
  value cxy[3] = {where ? *where : value_none(), *out, value_strong(value_bool(b->prim == P_reduce_and), DT_BOOL)};
  if (where && !where_jit(t, cxy, span, out)) return false;
  if (!own_atom(t, out, span, &in)) return false;
  ir_param p = {"axes", pv_ints(t->m, PV_TUPLE, axes, n)};
  if (!emit(t, b->prim, &in, 1, NULL, &p, 1, span, out)) return false;
  return !keepdims || ta_expand_at(t, out, axes, n, span);
}

/* ---- max, min with initial and where ---- */

/* _reduction_init_val(a, -inf) for max (+inf for min): a numpy scalar of
 * a's dtype (an integer's limit, bool's False / True). */
static value extremum_identity(int prim, tj_dtype dt) {
  bool is_max = prim == P_reduce_max;
  if (dtype_is_float(dt)) return value_strong(value_float(is_max ? -INFINITY : INFINITY), dt);
  if (dt == DT_BOOL) return value_strong(value_bool(!is_max), dt);
  int bits = 8 * dtype_size(dt);
  bool sgn = dtype_kindof(dt) == DK_SIGNED;
  int64_t lo = sgn ? (int64_t)(~0ull << (bits - 1)) : 0;
  int64_t hi = sgn ? (int64_t) ~(~0ull << (bits - 1)) : bits == 64 ? -1 : (int64_t)((1ull << bits) - 1);
  return value_strong(value_int(is_max ? lo : hi), dt);
}

/* jnp.max / jnp.min(a, axis, keepdims, initial=, where=): reductions.py
 * _reduction with has_identity False: where needs initial, masks a through
 * the jitted _where with the identity, then lax.reduce, then
 * lax.max(initial, result) (min). */
bool ta_reduce_extremum(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis, *initial, *where;
  tj_span axspan, ispan, wspan, span = a->call->span;
  bool keepdims;
  value x = a->pos[0];
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_flag(t, b, a, "keepdims", &keepdims) || !ta_get_arg(t, b, a, 99, "initial", &initial, &ispan) ||
      !ta_get_arg(t, b, a, 99, "where", &where, &wspan) || (where && !extremum_where(t, b, where, wspan)))
    return false;
  if (where && !initial)
    return tracer_error(t, wspan, "ValueError: reduction operation %s does not have an identity, so to use a where "
                        "mask one has to specify 'initial'", b->name);
  tj_aval av = value_aval(t, &x);
  int64_t axes[TJ_MAX_RANK];
  int n;
  if (!ta_reduction_axes(t, axis, axspan, av.rank, axes, &n)) return false;
  if (initial && !ta_check_array(t, b, initial, 0, ispan)) return false;
  tj_aval ia = value_aval(t, initial);
  if (ia.rank != 0) {
    tj_buf m = {0};
    buf_puts(&m, "ValueError: initial value must be a scalar. Got array of shape ");
    ta_put_dims(&m, ia.dims, ia.rank);
    return ta_raise_buf(t, ispan, &m);
  }
  value cxy[3] = {where ? *where : value_none(), x, extremum_identity(b->prim, av.dtype)};
  if (where && !where_jit(t, cxy, span, &x)) return false;
  ir_atom in[2];
  ir_param p = {"axes", pv_ints(t->m, PV_TUPLE, axes, n)};
  if (!own_atom(t, &x, span, &in[1]) || !emit(t, b->prim, &in[1], 1, NULL, &p, 1, span, out)) return false;
  value init = *initial;
  in[1] = ATOM_VAR(out->var);
  if ((init.kind == V_TRACED && !convert(t, &init, av.dtype, false, span)) ||
      !to_atom(t, &init, av.dtype, false, span, &in[0]) ||
      !emit(t, b->prim == P_reduce_max ? P_max : P_min, in, 2, NULL, NULL, 0, span, out))
    return false;
  return !keepdims || ta_expand_at(t, out, axes, n, span);
}

/* ---- flip ---- */

typedef struct {
  const int64_t *axes; /* NULL: every axis */
  int n;
  tj_span span;
} flip_opts;

/* _flip's body: lax.rev over the canonical axes (all of them for None). */
static bool flip_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const flip_opts *o = ctx;
  tj_aval a = value_aval(t, &args[0]);
  int64_t dims[TJ_MAX_RANK];
  int n = o->axes ? o->n : a.rank;
  for (int i = 0; i < n; i++)
    if (!(o->axes ? ta_canon_axis(t, o->axes[i], a.rank, o->span, &dims[i]) : (dims[i] = i, true))) return false;
  if (ta_has_dup(dims, n)) {
    tj_buf b = {0};
    buf_puts(&b, "TypeError: rev dimensions must be unique, got "); /* _rev_shape_rule */
    ta_put_dims(&b, dims, n);
    buf_putc(&b, '.');
    return ta_raise_buf(t, o->span, &b);
  }
  ir_atom in = ATOM_VAR(args[0].var);
  ir_param p = {"dimensions", pv_ints(t->m, PV_TUPLE, dims, n)};
  return emit(t, P_rev, &in, 1, NULL, &p, 1, span, out);
}

/* jnp.flip(m, axis=None): _ensure_optional_axes, then the jit _flip with
 * its static axis. */
static bool builtin_flip(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  flip_opts o = {NULL, 0, a->call->span};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &o.span))
    return false;
  if (axis && !ta_read_axes(t, axis, o.span, AX_OPTIONAL, (int64_t **)&o.axes, &o.n)) return false;
  value key = or_none(axis);
  jnp_jit_fn fn = {"_flip", &flip_tag, key_of(t, 1, &key), flip_body, &o};
  return jnp_jit(t, &fn, &a->pos[0], 1, a->call->span, out);
}

/* ---- tril, triu, eye, identity ---- */

/* i + offset (op) j over broadcasted iotas of shape (rows, cols):
 * lax._tri's ge for tril/triu, _eye's eq for eye, in int32. */
static bool diagonal_mask(tracer *t, int64_t rows, int64_t cols, int64_t offset, int op, tj_span span,
                          value *out) {
  int64_t shape[2] = {rows, cols};
  value iota[2];
  for (int d = 0; d < 2; d++) {
    ir_param ps[4] = {{"dimension", pv_int(t->m, d)}, {"dtype", pv_dtype(t->m, DT_I32)},
                      {"shape", pv_ints(t->m, PV_TUPLE, shape, 2)}, {"sharding", pv_none(t->m)}};
    ir_atom none = 0;
    if (!emit(t, P_iota, &none, 0, NULL, ps, 4, span, &iota[d])) return false;
    if (d > 0) continue;
    ir_atom in[2] = {ATOM_VAR(iota[0].var)}; /* the offset: a literal, even 0 */
    value k = value_int(offset);
    if (!to_atom(t, &k, DT_I32, false, span, &in[1]) || !emit(t, P_add, in, 2, NULL, NULL, 0, span, &iota[0]))
      return false;
  }
  ir_atom in[2] = {ATOM_VAR(iota[0].var), ATOM_VAR(iota[1].var)};
  return emit(t, op, in, 2, NULL, NULL, 0, span, out);
}

/* The static k of tril/triu as a Python int. */
typedef struct {
  int64_t k;
  bool upper;
} tri_opts;

/* tril / triu's body (lax_numpy.py): the mask of lax._tri (its convert to
 * bool is forwarded), lax.broadcast over the leading dimensions, then
 * lax.select between m and zeros_like(m). */
static bool tri_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const tri_opts *o = ctx;
  value m = args[0], mask, zeros;
  tj_aval a = value_aval(t, &m);
  int64_t rows = a.dims[a.rank - 2], cols = a.dims[a.rank - 1];
  if (!diagonal_mask(t, rows, cols, o->upper ? o->k - 1 : o->k, P_ge, span, &mask)) return false;
  tj_aval ma = value_aval(t, &mask), target = a;
  target.dtype = DT_BOOL, target.weak = false;
  if (!ta_broadcast_trailing(t, &mask, &ma, &target, span, &mask)) return false;
  if (!call_builtin_values(t, "zeros_like", &m, 1, span, &zeros)) return false;
  value on_false = o->upper ? m : zeros, on_true = o->upper ? zeros : m; /* select(which, on_true, on_false) */
  ir_atom in[3] = {ATOM_VAR(mask.var), ATOM_VAR(on_false.var), ATOM_VAR(on_true.var)};
  return emit(t, P_select_n, in, 3, NULL, NULL, 0, span, out);
}

/* jnp.tril / jnp.triu(m, k=0): jits with static k. */
static bool builtin_tri(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *k;
  tj_span kspan;
  tri_opts o = {0, strcmp(b->name, "triu") == 0};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "k", &k, &kspan))
    return false;
  if (k && !ta_index_of(t, k, kspan, &o.k)) return false;
  if (value_aval(t, &a->pos[0]).rank < 2)
    return tracer_error(t, a->pos_spans[0], "ValueError: Argument to jax.numpy.%s must be at least 2D", b->name);
  value key = or_none(k);
  jnp_jit_fn fn = {b->name, o.upper ? &triu_tag : &tril_tag, key_of(t, 1, &key), tri_body, &o};
  return jnp_jit(t, &fn, &a->pos[0], 1, a->call->span, out);
}

/* A size argument of eye: core.canonicalize_dim's static int, or its
 * _invalid_shape_error. */
static bool eye_dim(tracer *t, const value *v, tj_span span, const char *what, int64_t *out) {
  note_use(t, v->prov, USE_SHAPE);
  if (v->kind == V_INT) {
    *out = v->i;
    return true;
  }
  tj_buf b = {0};
  buf_puts(&b, "TypeError: Shapes must be 1D sequences of concrete values of integer type, got (");
  ta_put_value(t, &b, v);
  buf_printf(&b, ",). %s.", what);
  ta_raise_buf(t, span, &b);
  if (v->kind == V_TRACED) {
    diag_note(t->diags, "If using `jit`, try using `static_argnums` or applying `jit` to smaller subfunctions.");
    origin_note(t, v->var, NULL);
  }
  return false;
}

/* _eye(N, M, k, dtype): (iota0 + k == iota1).astype(dtype); k is a
 * static int here (a literal of int32), the sizes static too. */
static bool eye_of(tracer *t, const value *nv, const value *mv, const value *kv, tj_dtype dt, const tj_span *spans,
                   tj_span span, value *out) {
  int64_t n, m, k = 0;
  if (!eye_dim(t, nv, spans[0], "argument of 'N' jnp.eye()", &n) ||
      (mv && !eye_dim(t, mv, spans[1], "argument 'M' of jnp.eye()", &m)))
    return false;
  if (!mv) m = n;
  if (kv && kv->kind != V_INT) {
    tj_buf b = {0};
    buf_puts(&b, "ValueError: k must be a scalar integer; got ");
    ta_put_value(t, &b, kv);
    return ta_raise_buf(t, spans[2], &b);
  }
  if (kv) k = kv->i < INT32_MIN ? INT32_MIN : kv->i > INT32_MAX ? INT32_MAX : kv->i; /* _clip_int_to_valid_range */
  if (n < 0 || m < 0) {
    tj_buf b = {0};
    buf_puts(&b, "ValueError: negative dimensions are not allowed, got ");
    ta_put_value(t, &b, nv);
    buf_puts(&b, " and ");
    if (mv) ta_put_value(t, &b, mv);
    else buf_puts(&b, "None");
    return ta_raise_buf(t, span, &b);
  }
  tj_aval shape = {.rank = 2, .dims = {n, m}, .dtype = DT_I32};
  return ta_check_sizes(t, "iota", &shape, span) && diagonal_mask(t, n, m, k, P_eq, span, out) &&
         convert(t, out, dt, false, span);
}

bool ta_eye(tracer *t, int64_t n, tj_dtype dt, tj_span span, value *out) {
  tj_aval shape = {.rank = 2, .dims = {n, n}, .dtype = DT_I32};
  return ta_check_sizes(t, "iota", &shape, span) && diagonal_mask(t, n, n, 0, P_eq, span, out) &&
         convert(t, out, dt, false, span);
}

/* jnp.eye(N, M=None, k=0, dtype=None): float32 by default. */
static bool builtin_eye(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *mv, *kv;
  tj_span spans[3] = {a->pos_spans[0], a->call->span, a->call->span};
  bool have_dtype;
  tj_dtype dt = DT_F32;
  if (!ta_get_arg(t, b, a, 1, "M", &mv, &spans[1]) || !ta_get_arg(t, b, a, 2, "k", &kv, &spans[2]) ||
      !ta_opt_dtype(t, b, a, 3, &have_dtype, &dt))
    return false;
  return eye_of(t, &a->pos[0], mv, kv, dt, spans, a->call->span, out);
}

/* jnp.identity(n, dtype=None): eye(n, dtype=dtype). */
static bool builtin_identity(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool have_dtype;
  tj_dtype dt = DT_F32;
  tj_span spans[3] = {a->pos_spans[0], a->call->span, a->call->span};
  if (!ta_opt_dtype(t, b, a, 1, &have_dtype, &dt)) return false;
  return eye_of(t, &a->pos[0], NULL, NULL, dt, spans, a->call->span, out);
}

/* ---- roll ---- */

typedef struct {
  const int64_t *shift, *axis; /* axes canonical */
  int nshift, naxis;
} roll_opts;

/* lax.slice_in_dim(x, lo, hi, axis): a slice with unit strides. */
bool ta_slice_in_dim(tracer *t, value x, int axis, int64_t lo, int64_t hi, tj_span span, value *out) {
  tj_aval a = value_aval(t, &x);
  return emit_slice_in_dim(t, ATOM_VAR(x.var), &a, axis, lo, hi, false, span, out);
}

/* _roll_static's body: per (axis, shift) pair of np.broadcast_arrays, the
 * two slices at (-shift) % size concatenated the other way round. */
static bool roll_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const roll_opts *o = ctx;
  int n = o->naxis > o->nshift ? o->naxis : o->nshift;
  *out = args[0];
  for (int i = 0; i < n; i++) {
    int ax = (int)o->axis[o->naxis == 1 ? 0 : i];
    int64_t s = o->shift[o->nshift == 1 ? 0 : i], size = value_aval(t, out).dims[ax];
    if (size == 0) continue;
    int64_t at = ((-s) % size + size) % size;
    value part[2];
    if (!ta_slice_in_dim(t, *out, ax, at, size, span, &part[0]) || !ta_slice_in_dim(t, *out, ax, 0, at, span, &part[1]))
      return false;
    ir_atom in[2] = {ATOM_VAR(part[0].var), ATOM_VAR(part[1].var)};
    ir_param p = {"dimension", pv_int(t->m, ax)};
    if (!emit(t, P_concatenate, in, 2, NULL, &p, 1, span, out)) return false;
  }
  return true;
}

/* A tuple of ints as a static value (a key of the jit cache). */
static value int_tuple(tracer *t, const int64_t *v, int n) {
  value tuple = {.kind = V_TUPLE, .n = n, .items = ARENA_ARRAY(&t->scratch, value, n ? n : 1)};
  for (int i = 0; i < n; i++) tuple.items[i] = value_int(v[i]);
  return tuple;
}

/* np.broadcast_arrays(axis, shift) of two 1-D sequences. */
static bool roll_pairs(tracer *t, const roll_opts *o, tj_span span) {
  if (o->naxis == o->nshift || o->naxis == 1 || o->nshift == 1) return true;
  return tracer_error(t, span, "ValueError: shape mismatch: objects cannot be broadcast to a single shape.  "
                      "Mismatch is between arg 0 with shape (%d,) and arg 1 with shape (%d,).", o->naxis, o->nshift);
}

/* Whether v is traced or a sequence holding a traced value, on which
 * _ensure_index_tuple raises a TypeError (operator.index of a tracer). */
static bool has_traced(const value *v) {
  if (v->kind == V_TRACED) return true;
  for (int i = 0; v->kind == V_TUPLE && i < v->n; i++)
    if (has_traced(&v->items[i])) return true;
  return false;
}

/* jnp.roll(a, shift, axis=None): axis None rolls the flattened array and
 * reshapes it back; a static shift goes to the jit _roll_static with
 * shift and the canonical axes as its static arguments. */
static bool builtin_roll(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan, span = a->call->span;
  value x = a->pos[0];
  roll_opts o = {0};
  int64_t flat_axis = 0;
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 2, "axis", &axis, &axspan)) return false;
  tj_aval shape = value_aval(t, &x);
  bool dynamic = has_traced(&a->pos[1]); /* _ensure_index_tuple(shift) fails: _roll_dynamic */
  if (!dynamic && !ta_read_axes(t, &a->pos[1], a->pos_spans[1], AX_INDEX, (int64_t **)&o.shift, &o.nshift))
    return false;
  if (!axis) {
    o.axis = &flat_axis, o.naxis = 1;
    if (!ta_ravel(t, &x, span)) return false;
  } else if (!ta_canon_axes(t, axis, axspan, AX_INDEX, shape.rank, (int64_t **)&o.axis, &o.naxis)) {
    return false;
  }
  if (dynamic)
    return ta_roll_dynamic(t, x, a->pos[1], a->pos_spans[1], o.axis, o.naxis, span, out) &&
           (axis || ta_reshape_to(t, out, &shape, span));
  if (!roll_pairs(t, &o, span)) return false;
  value key[2] = {int_tuple(t, o.shift, o.nshift), int_tuple(t, o.axis, o.naxis)};
  jnp_jit_fn fn = {"_roll_static", &roll_tag, key_of(t, 2, key), roll_body, &o};
  return jnp_jit(t, &fn, &x, 1, span, out) && (axis || ta_reshape_to(t, out, &shape, span));
}

/* ---- stack, split, array_split ---- */

/* "(2,), (3,)": shapes as lax's stack shape rule joins them. */
static bool stack_shapes_error(tracer *t, const char *what, const value *vals, int n, tj_span span) {
  tj_buf b = {0};
  buf_puts(&b, what);
  for (int i = 0; i < n; i++) {
    tj_aval a = value_aval(t, &vals[i]);
    if (i) buf_puts(&b, ", ");
    ta_put_dims(&b, a.dims, a.rank);
  }
  buf_putc(&b, '.');
  return ta_raise_buf(t, span, &b);
}

/* The operands of jnp.stack, promoted (or converted to dtype) as
 * util.promote_dtypes / asarray(a, dtype) make them. */
static bool stack_operands(tracer *t, const builtin_def *b, const call_args *a, value **vals, tj_dtype *dt,
                           bool *weak) {
  const value *seq = &a->pos[0];
  bool have_dtype;
  if (!ta_opt_dtype(t, b, a, 2, &have_dtype, dt)) return false;
  if (seq->kind != V_TUPLE)
    return tracer_error(t, a->pos_spans[0], "stack of one array (not a tuple or list of arrays) is not supported");
  if (seq->n == 0) return tracer_error(t, a->pos_spans[0], "ValueError: Need at least one array to stack.");
  *vals = ARENA_ARRAY(&t->scratch, value, seq->n);
  for (int i = 0; i < seq->n; i++) {
    (*vals)[i] = seq->items[i];
    if (!ta_check_array(t, b, &(*vals)[i], i, a->pos_spans[0])) return false;
    if (have_dtype && !convert(t, &(*vals)[i], *dt, false, a->call->span)) return false;
  }
  *weak = false;
  return have_dtype || promote_values(t, *vals, seq->n, a->call->span, dt, weak);
}

/* jnp.stack(arrays, axis=0, dtype=None): lax.stack binds stack_p with the
 * axis canonicalized against the result's rank. */
static bool builtin_stack(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan, span = a->call->span;
  value *vals = NULL;
  tj_dtype dt = DT_F32;
  bool weak;
  int64_t ax = 0;
  if (!ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) || !stack_operands(t, b, a, &vals, &dt, &weak)) return false;
  int n = a->pos[0].n;
  tj_aval first = value_aval(t, &vals[0]);
  for (int i = 1; i < n; i++) {
    tj_aval other = value_aval(t, &vals[i]);
    if (other.rank != first.rank)
      return stack_shapes_error(t, "ValueError: Cannot stack arrays with different numbers of dimensions: got ",
                                vals, n, span);
    if (!aval_same_shape(&other, &first))
      return stack_shapes_error(t, "ValueError: All input arrays must have the same shape. Got ", vals, n, span);
  }
  if (axis && !ta_index_of(t, axis, axspan, &ax)) return false;
  if (!ta_canon_axis(t, ax, first.rank + 1, axis ? axspan : span, &ax)) return false;
  ir_atom *ins = ARENA_ARRAY(&t->scratch, ir_atom, n);
  for (int i = 0; i < n; i++)
    if (!to_atom(t, &vals[i], dt, weak, span, &ins[i])) return false;
  ir_param p = {"axis", pv_int(t->m, ax)};
  return emit(t, P_stack, ins, n, NULL, &p, 1, span, out);
}

/* _split's sizes for an int number of sections: equal parts, or for
 * array_split the first size % sections parts one longer. */
static bool section_sizes(tracer *t, bool uneven, int64_t size, int64_t sections, tj_span span, int64_t *sizes) {
  if (sections == 0) return tracer_error(t, span, "ZeroDivisionError: integer division or modulo by zero");
  int64_t part = size / sections, r = size % sections;
  if (r < 0) part -= 1, r += sections; /* Python's divmod floors */
  if (r != 0 && !uneven)
    return tracer_error(t, span, "ValueError: array split does not result in an equal division: rest is %lld",
                        (long long)r);
  if (sections < 0 || sections > TJ_MAX_SPLIT_OUTPUTS)
    return tracer_error(t, span, "split into %lld sections is not supported (at most %d)", (long long)sections,
                        TJ_MAX_SPLIT_OUTPUTS);
  for (int64_t i = 0; i < sections; i++) sizes[i] = part + (i < r);
  return true;
}

/* _split's sizes: np.diff of [0, *indices, size], or the sections'. */
static bool split_sizes(tracer *t, const builtin_def *b, const value *ios, tj_span span, int64_t size,
                        int64_t *sizes, int *n) {
  if (ios->kind == V_TUPLE) {
    if (ios->n + 1 > TJ_MAX_SPLIT_OUTPUTS)
      return tracer_error(t, span, "split into %d sections is not supported (at most %d)", ios->n + 1,
                          TJ_MAX_SPLIT_OUTPUTS);
    int64_t prev = 0, at;
    for (int i = 0; i < ios->n; i++) {
      if (!ta_index_of(t, &ios->items[i], span, &at)) return false;
      sizes[i] = at - prev, prev = at;
    }
    sizes[ios->n] = size - prev;
    *n = ios->n + 1;
    return true;
  }
  if (ios->kind == V_TRACED) {
    char context[80];
    snprintf(context, sizeof context, "in jax.numpy.%s argument 1", b->name);
    return ta_concrete_error(t, ios, span, context);
  }
  int64_t sections;
  if (!ta_index_of(t, ios, span, &sections) ||
      !section_sizes(t, strcmp(b->name, "array_split") == 0, size, sections, span, sizes))
    return false;
  *n = (int)sections;
  return true;
}

/* jnp.split / jnp.array_split(ary, indices_or_sections, axis=0): _split
 * (not a jit) binds one split_p; the parts come back as a list. */
static bool builtin_split(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan, span = a->call->span;
  value x = a->pos[0];
  int64_t ax = 0, sizes[TJ_MAX_SPLIT_OUTPUTS];
  int n = 0;
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 2, "axis", &axis, &axspan)) return false;
  if (axis && !ta_index_of(t, axis, axspan, &ax)) return false;
  tj_aval av = value_aval(t, &x);
  if (ax >= av.rank || ax < -av.rank)
    return tracer_error(t, axis ? axspan : span, "IndexError: tuple index out of range");
  if (ax < 0) ax += av.rank;
  if (!split_sizes(t, b, &a->pos[1], a->pos_spans[1], av.dims[ax], sizes, &n)) return false;
  for (int i = 0; i < n; i++)
    if (sizes[i] < 0) {
      tj_buf m = {0};
      buf_puts(&m, "ValueError: Sizes passed to split must be nonnegative, got [");
      for (int k = 0; k < n; k++) buf_printf(&m, "%snp.int64(%lld)", k ? ", " : "", (long long)sizes[k]);
      buf_putc(&m, ']');
      return ta_raise_buf(t, span, &m);
    }
  ir_atom in;
  uint32_t *outs = ARENA_ARRAY(&t->scratch, uint32_t, n ? n : 1);
  ir_param ps[2] = {{"axis", pv_int(t->m, ax)}, {"sizes", pv_ints(t->m, PV_TUPLE, sizes, n)}};
  for (int i = 0; i < n; i++) ps[1].val->items[i]->s = "int64"; /* _split's np.int64 sizes */
  if (!own_atom(t, &x, span, &in) || !emit_n(t, P_split, &in, 1, n, ps, 2, span, outs)) return false;
  *out = (value){.kind = V_TUPLE, .n = n, .list = true, .items = ARENA_ARRAY(&t->scratch, value, n ? n : 1)};
  for (int i = 0; i < n; i++) out->items[i] = value_traced(outs[i]);
  return true;
}

/* ---- linspace ---- */

typedef struct {
  int64_t num, axis; /* axis: where the new dimension goes, canonical */
  bool endpoint, have_dtype;
  tj_dtype dtype;
} linspace_opts;

/* x reshaped to shape as jnp's reshape records it. */
static bool as_shape(tracer *t, value *x, const tj_aval *shape, tj_span span) {
  tj_aval to = value_aval(t, x);
  to.rank = shape->rank;
  memcpy(to.dims, shape->dims, sizeof to.dims);
  return ta_reshape_to(t, x, &to, span);
}

/* bounds with a dimension of size n inserted at axis. */
static tj_aval with_dim(tj_aval bounds, int64_t axis, int64_t n) {
  for (int d = bounds.rank; d > axis; d--) bounds.dims[d] = bounds.dims[d - 1];
  bounds.dims[axis] = n;
  bounds.rank++;
  return bounds;
}

/* _linspace's body for num > 1 on start and stop broadcast to the bounds
 * (lo, hi): start * (1 - step) + stop * step over step = iota / div
 * reshaped to put div at axis, then stop appended along axis for endpoint.
 * delta = (stop - start) / div, which only retstep returns, is recorded
 * all the same, on the operands before their broadcast. */
static bool linspace_steps(tracer *t, const linspace_opts *o, const value *se, value lo, value hi, tj_dtype ct,
                           tj_span span, value *out) {
  int64_t div = o->endpoint ? o->num - 1 : o->num;
  tj_aval bounds = value_aval(t, &lo), shaped = with_dim(bounds, o->axis, 1), ishape = shaped;
  value delta, step, one = value_int(1), last = hi;
  value divisor = value_strong(value_float((double)div), ct);
  ir_param ps[4] = {{"dimension", pv_int(t->m, 0)}, {"dtype", pv_dtype(t->m, ct)},
                    {"shape", pv_ints(t->m, PV_TUPLE, &div, 1)}, {"sharding", pv_none(t->m)}};
  ir_atom none = 0;
  for (int d = 0; d < ishape.rank; d++) ishape.dims[d] = d == o->axis ? div : 1;
  if (!apply_binary(t, P_sub, se[1], se[0], span, &delta) || !apply_binary(t, P_div, delta, divisor, span, &delta) ||
      !emit(t, P_iota, &none, 0, NULL, ps, 4, span, &step) || !as_shape(t, &step, &ishape, span) ||
      !apply_binary(t, P_div, step, divisor, span, &step))
    return false;
  value rest, part;
  if (!as_shape(t, &lo, &shaped, span) || !apply_binary(t, P_sub, one, step, span, &rest) ||
      !apply_binary(t, P_mul, lo, rest, span, &part) || !as_shape(t, &hi, &shaped, span) ||
      !apply_binary(t, P_mul, hi, step, span, &rest) || !apply_binary(t, P_add, part, rest, span, out))
    return false;
  if (!o->endpoint) return true;
  ir_atom in[2];
  if (!ta_expand_at(t, &last, &o->axis, 1, span) || !own_atom(t, out, span, &in[0]) ||
      !own_atom(t, &last, span, &in[1]))
    return false;
  ir_param p = {"dimension", pv_int(t->m, o->axis)};
  return emit(t, P_concatenate, in, 2, NULL, &p, 1, span, out);
}

/* start and stop broadcast (util._broadcast_to) to their common shape. */
static bool linspace_bounds(tracer *t, const value *se, tj_span span, value *lo, value *hi) {
  tj_aval a = value_aval(t, &se[0]), b = value_aval(t, &se[1]), big = a.rank >= b.rank ? a : b;
  const tj_aval *small = a.rank >= b.rank ? &b : &a;
  for (int d = 0; d < small->rank; d++)
    if (small->dims[d] != 1) big.dims[big.rank - small->rank + d] = small->dims[d];
  big.dtype = a.dtype;
  big.weak = a.weak;
  if (!ta_broadcast_trailing(t, &se[0], &a, &big, span, lo)) return false;
  big.dtype = b.dtype;
  big.weak = b.weak;
  return ta_broadcast_trailing(t, &se[1], &b, &big, span, hi);
}

static bool linspace_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const linspace_opts *o = ctx;
  value se[2] = {args[0], args[1]}, lo, hi;
  tj_dtype dt = o->dtype, ct;
  bool weak;
  if (!o->have_dtype) {
    if (!promote_values(t, se, 2, span, &dt, &weak)) return false;
    dt = dtype_to_inexact(dt);
  }
  ct = dtype_to_inexact(dt);
  if (!convert(t, &se[0], ct, false, span) || !convert(t, &se[1], ct, false, span) ||
      !linspace_bounds(t, se, span, &lo, &hi))
    return false;
  tj_aval bounds = value_aval(t, &lo);
  if (o->num > 1 && !linspace_steps(t, o, se, lo, hi, ct, span, out)) return false;
  value delta;
  if (o->num == 1 && !o->endpoint && !apply_binary(t, P_sub, se[1], se[0], span, &delta)) return false;
  if (o->num == 1) *out = lo;
  tj_aval shaped = with_dim(bounds, o->axis, 1);
  if (o->num == 1 && !as_shape(t, out, &shaped, span)) return false;
  if (o->num == 0) {
    tj_aval empty = with_dim(bounds, o->axis, 0), scalar = aval_scalar(dt, false);
    empty.dtype = dt, empty.weak = false;
    value zero = value_int(0);
    return ta_broadcast_trailing(t, &zero, &scalar, &empty, span, out); /* jnp.empty: zeros */
  }
  if (dtype_is_int(dt)) { /* lax.floor of float results bound for an integer dtype */
    ir_atom in = ATOM_VAR(out->var);
    if (!emit(t, P_floor, &in, 1, NULL, NULL, 0, span, out)) return false;
  }
  return convert(t, out, dt, false, span);
}

/* lax.broadcast_shapes(start.shape, stop.shape)'s rank, JAX's error when
 * they do not broadcast. */
static bool linspace_rank(tracer *t, const call_args *a, int *rank) {
  tj_aval x = value_aval(t, &a->pos[0]), y = value_aval(t, &a->pos[1]);
  int n = x.rank < y.rank ? x.rank : y.rank;
  *rank = x.rank > y.rank ? x.rank : y.rank;
  for (int i = 1; i <= n; i++) {
    int64_t p = x.dims[x.rank - i], q = y.dims[y.rank - i];
    if (p != q && p != 1 && q != 1) {
      tj_buf m = {0};
      buf_puts(&m, "ValueError: Incompatible shapes for broadcasting: shapes=[");
      ta_put_dims(&m, x.dims, x.rank);
      buf_puts(&m, ", ");
      ta_put_dims(&m, y.dims, y.rank);
      buf_putc(&m, ']');
      return ta_raise_buf(t, a->call->span, &m);
    }
  }
  return true;
}

/* axis as _linspace places it: negative counts from the end of the
 * result; past the end list.insert appends, which only num <= 1 survives
 * (iota_shape[axis] fails otherwise). Further negative: refused. */
static bool linspace_axis(tracer *t, const call_args *a, const value *axis, tj_span span, linspace_opts *o) {
  int rank;
  if (!linspace_rank(t, a, &rank)) return false;
  if (axis && !ta_index_of(t, axis, span, &o->axis)) return false;
  if (rank + 1 > TJ_MAX_RANK)
    return tracer_error(t, a->call->span, "too many dimensions (limit is %d) in a shape", TJ_MAX_RANK);
  if (o->axis < 0) o->axis += rank + 1;
  if (o->axis < 0)
    return tracer_error(t, span, "linspace with an axis below -%d (the result's rank) is not supported", rank + 1);
  if (o->axis > rank && o->num > 1) return tracer_error(t, span, "IndexError: list assignment index out of range");
  if (o->axis > rank) o->axis = rank;
  return true;
}

/* jnp.linspace(start, stop, num=50, endpoint=True, retstep=False,
 * dtype=None, axis=0): num and axis static, start and stop the operands
 * of the jit _linspace. retstep is not taken. */
static bool builtin_linspace(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *num, *endpoint, *retstep, *axis;
  tj_span nspan, espan, rspan, aspan;
  linspace_opts o = {50, 0, true, false, DT_F32};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_check_array(t, b, &a->pos[1], 1, a->pos_spans[1]) ||
      !ta_get_arg(t, b, a, 2, "num", &num, &nspan) || !ta_get_arg(t, b, a, 3, "endpoint", &endpoint, &espan) ||
      !ta_get_arg(t, b, a, 4, "retstep", &retstep, &rspan) || !ta_opt_dtype(t, b, a, 5, &o.have_dtype, &o.dtype) ||
      !ta_get_arg(t, b, a, 6, "axis", &axis, &aspan))
    return false;
  if (num && !ta_index_of(t, num, nspan, &o.num)) return false;
  if (endpoint && !ta_get_flag(t, b, a, "endpoint", &o.endpoint) && a->npos <= 3) return false;
  if (endpoint && a->npos > 3) o.endpoint = value_truthy(endpoint);
  if (retstep && value_truthy(retstep)) return tracer_error(t, rspan, "linspace with retstep=True is not supported");
  if (o.num < 0)
    return tracer_error(t, nspan, "ValueError: Number of samples, %lld, must be non-negative.", (long long)o.num);
  if (!linspace_axis(t, a, axis, aspan, &o)) return false;
  if (o.num > TJ_MAX_ELEMENTS) return tracer_error(t, nspan, "too many elements in one array (limit is %lld)",
                                                   (long long)TJ_MAX_ELEMENTS);
  value key[4] = {value_int(o.num), value_bool(o.endpoint), o.have_dtype ? value_int(o.dtype) : value_none(),
                  value_int(o.axis)};
  jnp_jit_fn fn = {"_linspace", &linspace_tag, key_of(t, 4, key), linspace_body, &o};
  return jnp_jit(t, &fn, a->pos, 2, a->call->span, out);
}

/* ---- tile ---- */

/* jnp.tile(A, reps): reps an int or a sequence, padded with leading 1s
 * to A's rank, or A given leading size-1 dimensions (lax.expand_dims) to
 * the reps' length; then lax.tile binds tile_p. No jit. */
static bool builtin_tile(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  int64_t *raw, reps[TJ_MAX_RANK], lead[TJ_MAX_RANK];
  int n;
  *out = a->pos[0];
  if (!ta_check_array(t, b, out, 0, a->pos_spans[0]) ||
      !ta_read_axes(t, &a->pos[1], a->pos_spans[1], AX_INDEX, &raw, &n))
    return false;
  int rank = value_aval(t, out).rank, full = n > rank ? n : rank;
  if (full > TJ_MAX_RANK) return tracer_error(t, a->pos_spans[1], "too many dimensions (limit is %d) in a shape",
                                              TJ_MAX_RANK);
  for (int d = 0; d < full; d++) reps[d] = d < full - n ? 1 : raw[d - (full - n)];
  for (int d = 0; d < full - rank; d++) lead[d] = d;
  if (!ta_expand_at(t, out, lead, full - rank, a->call->span)) return false;
  tj_aval av = value_aval(t, out);
  for (int d = 0; d < full; d++)
    if (reps[d] < 0) return tracer_error(t, a->pos_spans[1], "tile with a negative repetition is not supported");
    else if (reps[d] && av.dims[d] > TJ_MAX_ELEMENTS / reps[d])
      return tracer_error(t, a->pos_spans[1], "too many elements in one array (limit is %lld)",
                          (long long)TJ_MAX_ELEMENTS);
  ir_atom in;
  ir_param p = {"reps", pv_ints(t->m, PV_TUPLE, reps, full)};
  return own_atom(t, out, a->call->span, &in) && emit(t, P_tile, &in, 1, NULL, &p, 1, a->call->span, out);
}

static const char *const kw_reduce[] = {"axis", "keepdims", "where", NULL}, *const kw_axis[] = {"axis", NULL};
static const char *const kw_k[] = {"k", NULL}, *const kw_eye[] = {"M", "k", "dtype", NULL};
static const char *const kw_dtype[] = {"dtype", NULL}, *const kw_stack[] = {"axis", "dtype", NULL};
static const char *const kw_linspace[] = {"num", "endpoint", "retstep", "dtype", "axis", NULL};

const builtin_def builtins_array_more[] = {
    {"any", builtin_any_all, 1, 2, kw_reduce, P_reduce_or},
    {"all", builtin_any_all, 1, 2, kw_reduce, P_reduce_and},
    {"flip", builtin_flip, 1, 2, kw_axis, P_rev},
    {"tril", builtin_tri, 1, 2, kw_k, P_select_n},
    {"triu", builtin_tri, 1, 2, kw_k, P_select_n},
    {"eye", builtin_eye, 1, 4, kw_eye, P_iota},
    {"identity", builtin_identity, 1, 2, kw_dtype, P_iota},
    {"roll", builtin_roll, 2, 3, kw_axis, P_concatenate},
    {"stack", builtin_stack, 1, 3, kw_stack, P_stack},
    {"linspace", builtin_linspace, 2, 7, kw_linspace, P_iota},
    {"tile", builtin_tile, 2, 2, NULL, P_tile},
    {"split", builtin_split, 2, 3, kw_axis, P_split},
    {"array_split", builtin_split, 2, 3, kw_axis, P_split},
    {NULL, NULL, 0, 0, NULL, 0},
};
