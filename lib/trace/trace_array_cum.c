/* Cumulative reductions. jnp.cumsum / jnp.cumprod (jax/_src/numpy/
 * reductions.py, _cumulative_reduction) are jits with static axis and
 * dtype: a nested jit[name=cumsum] whose body flattens for axis None (or a
 * scalar), converts to the computation dtype, binds the primitive and
 * converts to the result dtype. lax.cumsum / cumprod / cummax / cummin
 * (jax/_src/lax/control_flow/loops.py) bind cumsum[axis reverse] directly;
 * tjit spells the first two lax_cumsum and lax_cumprod, as jnp's names are
 * taken, and cummax / cummin plainly (jnp has neither). jnp.diff (lax_numpy.py)
 * is here too: a jit of slices and subtractions. */
#include "trace_array_int.h"

#include <string.h>

/* The primitive's params as lax.cumsum binds them: axis=int, reverse=bool. */
static bool bind_cumred(tracer *t, int prim, value *x, int64_t axis, bool reverse, tj_span span) {
  ir_atom in;
  if (!own_atom(t, x, span, &in)) return false;
  ir_param ps[2] = {{"axis", pv_int(t->m, axis)}, {"reverse", pv_bool(t->m, reverse)}};
  return emit(t, prim, &in, 1, NULL, ps, 2, span, x);
}

/* The static options of one jnp call. */
typedef struct {
  int prim; /* P_cumsum or P_cumprod */
  bool has_axis, has_dtype;
  bool promote; /* promote_integers (_cumsum_with_promotion) */
  int64_t axis;
  tj_dtype dtype;
  tj_span axis_span;
} cum_opts;

/* _cumulative_reduction's body, on the jit's argument x. */
static bool cum_body(tracer *t, int prim, const cum_opts *o, value *x, tj_span span) {
  tj_aval a = value_aval(t, x);
  if ((!o->has_axis || a.rank == 0) && !ta_ravel(t, x, span)) return false;
  a = value_aval(t, x);
  int64_t axis;
  if (!ta_canon_axis(t, o->has_axis ? o->axis : 0, a.rank, o->axis_span, &axis)) return false;
  tj_dtype result = o->has_dtype                           ? o->dtype
                    : o->promote || a.dtype == DT_BOOL ? ta_promote_integer(a.dtype)
                                                       : a.dtype;
  tj_dtype compute = result;
  if (o->has_dtype && o->dtype == DT_BOOL) { /* counts of nonzeros: [-1, 1] must not cancel */
    if (a.dtype != DT_BOOL && !apply_binary(t, P_ne, *x, value_int(0), span, x)) return false;
    compute = ta_promote_integer(DT_BOOL);
  }
  return convert(t, x, compute, false, span) && bind_cumred(t, prim, x, axis, false, span) &&
         convert(t, x, result, false, span);
}

/* Identities in the jit cache (trace.h jnp_jit): never read or written. */
static const ast_func jnp_cum_tag, diff_tag, cumulative_sum_tag;

/* The static arguments of one call as jit's cache key holds them. */
static value key_of(tracer *t, int n, const value *items) {
  value v = {.kind = V_TUPLE, .n = n};
  v.items = ARENA_ARRAY(&t->scratch, value, n);
  memcpy(v.items, items, (size_t)n * sizeof *items);
  return v;
}

static bool cum_jit_body(tracer *t, const void *ctx, value *args, tj_span span, value *out) {
  const cum_opts *o = ctx;
  *out = args[0];
  return cum_body(t, o->prim, o, out, span);
}

/* jnp.cumsum(a, axis=None, dtype=None) and jnp.cumprod: a jit[name=...]
 * of one operand (axis and dtype are static, so not operands). */
static bool builtin_jnp_cum(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  cum_opts o = {0};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) ||
      !ta_get_arg(t, b, a, 1, "axis", &axis, &o.axis_span) || !ta_opt_dtype(t, b, a, 2, &o.has_dtype, &o.dtype))
    return false;
  o.has_axis = axis != NULL;
  if (axis && !ta_index_of(t, axis, o.axis_span, &o.axis)) return false;
  value key[3] = {value_int(b->prim), axis ? *axis : value_none(), o.has_dtype ? value_int(o.dtype) : value_none()};
  o.prim = b->prim;
  jnp_jit_fn fn = {b->name, &jnp_cum_tag, key_of(t, 3, key), cum_jit_body, &o};
  return jnp_jit(t, &fn, &a->pos[0], 1, a->call->span, out);
}

/* jnp.diff's static options, and which of prepend and append (the jit's
 * operands after a) were given. */
typedef struct {
  int64_t n, axis;
  tj_span axis_span;
  bool prepend, append;
} diff_opts;

/* x[lo:hi] along axis (the others whole) as jnp's static indexing records
 * it: one slice, nothing when it takes the whole array. */
static bool slice_axis(tracer *t, value x, int axis, int64_t lo, int64_t hi, tj_span span, value *out) {
  tj_aval a = value_aval(t, &x);
  *out = x;
  if (lo == 0 && hi == a.dims[axis]) return true;
  ir_atom in;
  return own_atom(t, &x, span, &in) && emit_slice_in_dim(t, in, &a, axis, lo, hi, true, span, out);
}

/* prepend and append joined to x along the axis: a scalar one broadcast
 * to x's shape with the axis 1 (jnp.broadcast_to), then jnp.concatenate
 * (which promotes). */
static bool diff_combine(tracer *t, const diff_opts *o, value *args, int64_t axis, tj_span span, value *x) {
  value parts[3];
  int n = 0, k = 1;
  tj_aval shape = value_aval(t, x);
  shape.dims[axis] = 1;
  for (int side = 0; side < 2; side++) {
    if (side == 1) parts[n++] = *x;
    if (!(side ? o->append : o->prepend)) continue;
    value v = args[k++];
    tj_aval va = value_aval(t, &v), target = shape;
    target.dtype = va.dtype, target.weak = va.weak;
    if (va.rank == 0 && !ta_broadcast_trailing(t, &v, &va, &target, span, &v)) return false;
    parts[n++] = v;
  }
  if (n == 1) return true;
  value cargs[2] = {{.kind = V_TUPLE, .n = n, .list = true, .items = parts}, value_int(axis)};
  return call_builtin_values(t, "concatenate", cargs, 2, span, x);
}

/* lax_numpy.py diff's body: prepend and append joined, then n times
 * op(arr[1:], arr[:-1]) along the axis, op ne for booleans, else sub. */
static bool diff_body(tracer *t, const void *ctx, value *args, tj_span span, value *x) {
  const diff_opts *o = ctx;
  *x = args[0];
  tj_aval a = value_aval(t, x);
  int64_t axis;
  if (o->n == 0) return true; /* the operand as it is, axis unchecked */
  if (!ta_canon_axis(t, o->axis, a.rank, o->axis_span, &axis) || !diff_combine(t, o, args, axis, span, x))
    return false;
  a = value_aval(t, x);
  for (int64_t k = 0; k < o->n; k++) {
    int64_t size = value_aval(t, x).dims[axis];
    value hi, lo;
    if (!slice_axis(t, *x, (int)axis, size > 1 ? 1 : size, size, span, &hi) ||
        !slice_axis(t, *x, (int)axis, 0, size > 1 ? size - 1 : 0, span, &lo) ||
        !apply_binary(t, a.dtype == DT_BOOL ? P_ne : P_sub, hi, lo, span, x))
      return false;
  }
  return true;
}

/* A prepend or append argument: absent or None, or an array-like. */
static bool diff_operand(tracer *t, const builtin_def *b, const call_args *a, int i, const char *kw, bool *given,
                         value *out) {
  const value *v;
  tj_span span;
  if (!ta_get_arg(t, b, a, i, kw, &v, &span)) return false;
  *given = v && v->kind != V_NONE;
  if (*given) *out = *v;
  return !*given || ta_check_array(t, b, v, i, span);
}

/* jnp.diff(a, n=1, axis=-1, prepend=None, append=None): a jit with static
 * n and axis; a, and prepend and append when given, are its operands. */
static bool builtin_diff(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *nv, *axis;
  tj_span nspan;
  diff_opts o = {1, -1, a->call->span, false, false};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "n", &nv, &nspan) ||
      !ta_get_arg(t, b, a, 2, "axis", &axis, &o.axis_span))
    return false;
  if ((nv && !ta_index_of(t, nv, nspan, &o.n)) || (axis && !ta_index_of(t, axis, o.axis_span, &o.axis))) return false;
  if (o.n < 0) return tracer_error(t, nspan, "ValueError: order must be non-negative but got %lld", (long long)o.n);
  if (o.n > 0 && value_aval(t, &a->pos[0]).rank == 0) {
    tj_buf r = {0};
    ta_put_value(t, &r, &a->pos[0]);
    tracer_error(t, a->call->span, "ValueError: diff requires input that is at least one dimensional; got %s", r.data);
    buf_free(&r);
    return false;
  }
  value ops[3] = {a->pos[0]};
  int nops = 1;
  if (!diff_operand(t, b, a, 3, "prepend", &o.prepend, &ops[nops])) return false;
  nops += o.prepend;
  if (!diff_operand(t, b, a, 4, "append", &o.append, &ops[nops])) return false;
  nops += o.append;
  value key[2] = {nv ? *nv : value_none(), axis ? *axis : value_none()};
  jnp_jit_fn fn = {b->name, &diff_tag, key_of(t, 2, key), diff_body, &o};
  return jnp_jit(t, &fn, ops, nops, a->call->span, out);
}

/* lax.cumsum(operand, axis=0, reverse=False) and its siblings: one
 * equation. _cumred_shape_rule's ValueErrors come first (as the builtins
 * check user input, the shape rule only guards ir_check), then its
 * dtype rule's TypeError for bool, from the shape rule. */
static bool builtin_lax_cum(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan;
  bool reverse;
  int64_t ax = 0;
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_flag(t, b, a, "reverse", &reverse))
    return false;
  if (axis && !ta_index_of(t, axis, axspan, &ax)) return false;
  tj_aval av = value_aval(t, &a->pos[0]);
  tj_buf shape = {0};
  if (ax < 0) return tracer_error(t, axspan, "ValueError: XLA operations do not allow negative axes");
  if (ax >= av.rank) {
    ta_put_dims(&shape, av.dims, av.rank);
    tracer_error(t, axspan, "ValueError: axis %lld is out of bounds for array of shape %s", (long long)ax, shape.data);
    buf_free(&shape);
    return false;
  }
  *out = a->pos[0];
  return bind_cumred(t, b->prim, out, ax, reverse, a->call->span);
}

/* jnp.cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False)
 * (reductions.py): no jit itself; the jit _cumsum_with_promotion (narrow
 * integers sum in the default width) with the canonical axis, then for
 * include_initial a lax.full of zeros concatenated in front. */
static bool builtin_cumulative_sum(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis = call_kwarg(a, "axis", NULL);
  cum_opts o = {.prim = P_cumsum, .has_axis = true, .promote = true, .axis_span = a->call->span};
  bool initial;
  tj_span span = a->call->span;
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) || !ta_opt_dtype(t, b, a, 99, &o.has_dtype, &o.dtype) ||
      !ta_get_flag(t, b, a, "include_initial", &initial))
    return false;
  tj_aval av = value_aval(t, &a->pos[0]);
  if (av.rank == 0)
    return tracer_error(t, span, "ValueError: The input must be non-scalar to take a cumulative sum, however a "
                        "scalar value or scalar array was given.");
  if (axis && axis->kind != V_NONE) {
    call_kwarg(a, "axis", &o.axis_span);
    if (!ta_index_of(t, axis, o.axis_span, &o.axis) || !ta_canon_axis(t, o.axis, av.rank, o.axis_span, &o.axis))
      return false;
  } else if (av.rank > 1) {
    return tracer_error(t, span, "ValueError: The input array has rank %d, however axis was not set to an explicit "
                        "value. The axis argument is only optional for one-dimensional arrays.", av.rank);
  }
  value key[2] = {value_int(o.axis), o.has_dtype ? value_int(o.dtype) : value_none()};
  jnp_jit_fn fn = {"_cumsum_with_promotion", &cumulative_sum_tag, key_of(t, 2, key), cum_jit_body, &o};
  if (!jnp_jit(t, &fn, &a->pos[0], 1, span, out)) return false;
  if (!initial) return true;
  tj_aval zeros = value_aval(t, out), scalar = aval_scalar(zeros.dtype, false);
  zeros.dims[o.axis] = 1, zeros.weak = false;
  value z, zero = value_int(0);
  ir_atom in[2];
  if (!ta_broadcast_trailing(t, &zero, &scalar, &zeros, span, &z) || !own_atom(t, &z, span, &in[0]) ||
      !own_atom(t, out, span, &in[1]))
    return false;
  ir_param p = {"dimension", pv_int(t->m, o.axis)};
  return emit(t, P_concatenate, in, 2, NULL, &p, 1, span, out);
}

static const char *const kw_jnp[] = {"axis", "dtype", NULL}, *const kw_lax[] = {"axis", "reverse", NULL};
static const char *const kw_diff[] = {"n", "axis", "prepend", "append", NULL};
static const char *const kw_cumulative[] = {"axis", "dtype", "include_initial", NULL};

const builtin_def builtins_cumulative[] = {
    {"cumsum", builtin_jnp_cum, 1, 3, kw_jnp, P_cumsum},
    {"cumprod", builtin_jnp_cum, 1, 3, kw_jnp, P_cumprod},
    {"lax_cumsum", builtin_lax_cum, 1, 2, kw_lax, P_cumsum},
    {"lax_cumprod", builtin_lax_cum, 1, 2, kw_lax, P_cumprod},
    {"cummax", builtin_lax_cum, 1, 2, kw_lax, P_cummax},
    {"cummin", builtin_lax_cum, 1, 2, kw_lax, P_cummin},
    {"diff", builtin_diff, 1, 5, kw_diff, P_sub},
    {"cumulative_sum", builtin_cumulative_sum, 1, 1, kw_cumulative, P_cumsum},
    {NULL, NULL, 0, 0, NULL, 0},
};
