/* Cumulative reductions. jnp.cumsum / jnp.cumprod (jax/_src/numpy/
 * reductions.py, _cumulative_reduction) are jits with static axis and
 * dtype: a nested jit[name=cumsum] whose body flattens for axis None (or a
 * scalar), converts to the computation dtype, binds the primitive and
 * converts to the result dtype. lax.cumsum / cumprod / cummax / cummin
 * (jax/_src/lax/control_flow/loops.py) bind cumsum[axis reverse] directly;
 * tjit spells the first two lax_cumsum and lax_cumprod, as jnp's names are
 * taken, and cummax / cummin plainly (jnp has neither). */
#include "trace_array_int.h"

/* The primitive's params as lax.cumsum binds them: axis=int, reverse=bool. */
static bool bind_cumred(tracer *t, int prim, value *x, int64_t axis, bool reverse, tj_span span) {
  ir_atom in;
  if (!own_atom(t, x, span, &in)) return false;
  ir_param ps[2] = {{"axis", pv_int(t->m, axis)}, {"reverse", pv_bool(t->m, reverse)}};
  return emit(t, prim, &in, 1, NULL, ps, 2, span, x);
}

/* The static options of one jnp call. */
typedef struct {
  bool has_axis, has_dtype;
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
  tj_dtype result = o->has_dtype ? o->dtype : a.dtype == DT_BOOL ? ta_promote_integer(a.dtype) : a.dtype;
  tj_dtype compute = result;
  if (o->has_dtype && o->dtype == DT_BOOL) { /* counts of nonzeros: [-1, 1] must not cancel */
    if (a.dtype != DT_BOOL && !apply_binary(t, P_ne, *x, value_int(0), span, x)) return false;
    compute = ta_promote_integer(DT_BOOL);
  }
  return convert(t, x, compute, false, span) && bind_cumred(t, prim, x, axis, false, span) &&
         convert(t, x, result, false, span);
}

/* jnp.cumsum(a, axis=None, dtype=None) and jnp.cumprod: a jit[name=...]
 * of one operand (axis and dtype are static, so not operands). */
static bool builtin_jnp_cum(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span span = a->call->span;
  cum_opts o = {0};
  if (!ta_check_array(t, b, &a->pos[0], 0, a->pos_spans[0]) ||
      !ta_get_arg(t, b, a, 1, "axis", &axis, &o.axis_span) || !ta_opt_dtype(t, b, a, 2, &o.has_dtype, &o.dtype))
    return false;
  o.has_axis = axis != NULL;
  if (axis && !ta_index_of(t, axis, o.axis_span, &o.axis)) return false;
  tj_aval av = value_aval(t, &a->pos[0]);
  ir_atom outer_in;
  if (!own_atom(t, &a->pos[0], span, &outer_in)) return false;
  trace_frame f = {0};
  if (!frame_push(t, &f, span)) return false;
  uint32_t arg = ir_new_var(t->m, &av);
  ir_jaxpr *inner = f.jaxpr;
  value x = value_traced(arg);
  bool ok = cum_body(t, b->prim, &o, &x, span);
  frame_seal(t, &f, &arg, 1);
  frame_pop(t);
  if (!ok) return false;
  inner->outs = ARENA_ARRAY(&t->m->arena, ir_atom, 1);
  inner->outs[0] = ATOM_VAR(x.var);
  inner->nout = 1;
  ir_param ps[2] = {{"name", pv_name(t->m, b->name)}, {"jaxpr", pv_jaxpr(t->m, inner)}};
  return emit(t, P_jit, &outer_in, 1, NULL, ps, 2, span, out);
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

static const char *const kw_jnp[] = {"axis", "dtype", NULL}, *const kw_lax[] = {"axis", "reverse", NULL};

const builtin_def builtins_cumulative[] = {
    {"cumsum", builtin_jnp_cum, 1, 3, kw_jnp, P_cumsum},
    {"cumprod", builtin_jnp_cum, 1, 3, kw_jnp, P_cumprod},
    {"lax_cumsum", builtin_lax_cum, 1, 2, kw_lax, P_cumsum},
    {"lax_cumprod", builtin_lax_cum, 1, 2, kw_lax, P_cumprod},
    {"cummax", builtin_lax_cum, 1, 2, kw_lax, P_cummax},
    {"cummin", builtin_lax_cum, 1, 2, kw_lax, P_cummin},
    {NULL, NULL, 0, 0, NULL, 0},
};
