/* jax.nn (issue 14 item 5), as JAX 0.10.2 records it (jax/_src/nn/
 * functions.py): most activations are @jit functions, so a nested
 * jit[name=...]; relu and relu6 are custom_jvp functions of a jit, and
 * jnp.logaddexp (softplus's) calls lax's custom_jvp logaddexp
 * (jax/_src/lax/other.py), recorded as custom_jvp_call[name call_jaxpr
 * jvp symbolic_zeros] (custom_derivatives.py _custom_jvp_call_pp_rule).
 * sigmoid is a jit(inline=True), gelu and softmax are no jits at all.
 * logsumexp is jax/_src/ops/special.py's (jax.nn's and jax.scipy's), and
 * the primitives is_finite and stop_gradient come with their lax and jnp
 * builtins. The language has no modules: jax.nn.relu is `relu`. */
#include "half.h"
#include "trace_array_int.h"

#include <math.h>
#include <string.h>

/* ---- custom_jvp_call ---- */

/* A custom_jvp function: its primal's name, its jvp rule's function name
 * (what the listing prints as jvp=), and the primal body. */
typedef struct custom_jvp_fn {
  const char *name, *jvp;
  jnp_jit_body body;
  const void *ctx;
} custom_jvp_fn;

/* DynamicJaxprTrace.process_custom_jvp_call: the body traced afresh on each
 * call (no cache: each call makes its own closed jaxpr), then one
 * custom_jvp_call equation whose call_jaxpr it is. The jvp rule stays a
 * name (autodiff reads the rule from it). */
static bool custom_jvp(tracer *t, const custom_jvp_fn *fn, const value *vals, int n, tj_span span, value *out) {
  ir_atom outer_in[JNP_JIT_MAX_ARGS], res;
  tj_aval avals[JNP_JIT_MAX_ARGS];
  if (n > JNP_JIT_MAX_ARGS) return tracer_error(t, span, "internal error: %s takes %d arguments", fn->name, n);
  for (int i = 0; i < n; i++) {
    avals[i] = value_aval(t, &vals[i]);
    if (!own_atom(t, &vals[i], span, &outer_in[i])) return false;
  }
  trace_frame f = {0};
  if (!frame_push(t, &f, span)) return false;
  uint32_t args[JNP_JIT_MAX_ARGS];
  value v[JNP_JIT_MAX_ARGS], result;
  for (int i = 0; i < n; i++) v[i] = value_traced(args[i] = ir_new_var(t->m, &avals[i]));
  ir_jaxpr *inner = f.jaxpr;
  bool ok = fn->body(t, fn->ctx, v, span, &result) && own_atom(t, &result, span, &res);
  frame_seal(t, &f, args, n);
  frame_pop(t);
  if (!ok) return false;
  if (f.nconst) return tracer_error(t, span, "internal error: %s captured values", fn->name);
  inner->outs = ARENA_ARRAY(&t->m->arena, ir_atom, 1);
  inner->outs[0] = res;
  inner->nout = 1;
  ir_param ps[4] = {{"name", pv_name(t->m, fn->name)}, {"call_jaxpr", pv_jaxpr(t->m, inner)},
                    {"jvp", pv_name(t->m, fn->jvp)}, {"symbolic_zeros", pv_bool(t->m, false)}};
  return emit(t, P_custom_jvp_call, outer_in, n, NULL, ps, 4, span, out);
}

/* ---- small helpers ---- */

/* A lax operation on operands as they are. */
static bool lax_op(tracer *t, int prim, const value *v, int n, tj_span span, value *out) {
  ir_atom in[3];
  for (int i = 0; i < n; i++)
    if (!own_atom(t, &v[i], span, &in[i])) return false;
  return emit(t, prim, in, n, NULL, NULL, 0, span, out);
}

static bool lax1(tracer *t, int prim, value x, tj_span span, value *out) { return lax_op(t, prim, &x, 1, span, out); }

static bool lax2(tracer *t, int prim, value a, value b, tj_span span, value *out) {
  value v[2] = {a, b};
  return lax_op(t, prim, v, 2, span, out);
}

/* A jnp function of the language's builtins (its promotion included). */
static bool jnp1(tracer *t, const char *name, value x, tj_span span, value *out) {
  return call_builtin_values(t, name, &x, 1, span, out);
}

/* promote_args_inexact of one operand: integers and bool become inexact. */
static bool inexact1(tracer *t, value *x, tj_span span) {
  tj_aval a = value_aval(t, x);
  return dtype_is_float(a.dtype) || convert(t, x, dtype_to_inexact(a.dtype), a.weak, span);
}

/* lax._convert_element_type(x, dt, weak) of promote_dtypes_inexact: a
 * static number becomes a constant of that type (a Python float when weak). */
static bool promoted_to(tracer *t, value *v, tj_dtype dt, bool weak, tj_span span) {
  if (v->kind == V_TRACED) return convert(t, v, dt, weak, span);
  if (!weak) return cast_static(t, v, dt, span);
  if (v->kind != V_FLOAT) *v = (value){.kind = V_FLOAT, .f = (double)v->i, .prov = v->prov};
  return true;
}

/* promote_args_inexact of two operands (logaddexp's, logsumexp's a and
 * b): one dtype, made inexact (dtype_to_inexact), then the ranks padded. */
static bool promote_pair_inexact(tracer *t, value *v, tj_span span) {
  tj_dtype dt;
  bool weak;
  if (!promote_values(t, v, 2, span, &dt, &weak)) return false;
  dt = dtype_to_inexact(dt);
  for (int i = 0; i < 2; i++)
    if (!promoted_to(t, &v[i], dt, weak, span)) return false;
  return promote_ranks(t, v, 2, dt, weak, span);
}

/* A numpy scalar of dtype dt (np.sqrt(0.5).astype(x.dtype)): strong. */
static value np_scalar(double c, tj_dtype dt) {
  return value_strong(value_float(tj_round_to_float(dt, c)), dt);
}

/* Identities in the jit cache (trace.h jnp_jit): never read or written. */
static const ast_func relu_tag, relu6_tag, silu_tag, softplus_tag, log_sigmoid_tag, elu_tag, leaky_tag,
    log_softmax_tag, one_hot_tag;

static bool helper_jit(tracer *t, const ast_func *tag, const char *name, value statics, const value *vals, int n,
                       jnp_jit_body body, const void *ctx, tj_span span, value *out) {
  jnp_jit_fn fn = {name, tag, statics, body, ctx};
  return jnp_jit(t, &fn, vals, n, span, out);
}

static value no_statics(void) { return (value){.kind = V_TUPLE}; }

/* ---- relu, relu6 ---- */

static bool relu_jit_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  return apply_binary(t, P_max, v[0], value_int(0), span, out); /* jnp.maximum(x, 0) */
}

static bool relu6_jit_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  value m;
  return apply_binary(t, P_max, v[0], value_int(0), span, &m) &&
         apply_binary(t, P_min, m, value_float(6.0), span, out); /* jnp.minimum(jnp.maximum(x, 0), 6.) */
}

/* The custom_jvp's body: the @jit function under it. */
static bool relu_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  bool six = ctx != NULL;
  return helper_jit(t, six ? &relu6_tag : &relu_tag, six ? "relu6" : "relu", no_statics(), v, 1,
                    six ? relu6_jit_body : relu_jit_body, NULL, span, out);
}

/* relu.defjvps(lambda g, ans, x: ...): defjvps' rule is its inner `jvp`. */
static bool builtin_relu(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool six = b->prim == P_min;
  custom_jvp_fn fn = {six ? "relu6" : "relu", "jvp", relu_body, six ? b : NULL};
  return custom_jvp(t, &fn, &a->pos[0], 1, a->call->span, out);
}

/* ---- sigmoid, silu, logaddexp, softplus, log_sigmoid ---- */

/* jax.nn.sigmoid: lax.logistic, inlined; no promotion (lax's dtype rule). */
static bool builtin_sigmoid(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return lax1(t, P_logistic, a->pos[0], a->call->span, out);
}

static bool silu_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  value s;
  return lax1(t, P_logistic, v[0], span, &s) && apply_binary(t, P_mul, v[0], s, span, out);
}

static bool builtin_silu(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b; /* swish = silu: one function, named silu */
  return helper_jit(t, &silu_tag, "silu", no_statics(), &a->pos[0], 1, silu_body, NULL, a->call->span, out);
}

/* lax/other.py logaddexp (real floating): amax + log1p(exp(-|x1 - x2|)),
 * or x1 + x2 where the difference is NaN (NaNs, infinities of one sign). */
static bool logaddexp_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  value amax, delta, isnan, sum, d;
  if (!lax2(t, P_max, v[0], v[1], span, &amax) || !lax2(t, P_sub, v[0], v[1], span, &delta) ||
      !lax2(t, P_ne, delta, delta, span, &isnan) || !lax2(t, P_add, v[0], v[1], span, &sum) ||
      !lax1(t, P_abs, delta, span, &d) || !lax1(t, P_neg, d, span, &d) || !lax1(t, P_exp, d, span, &d) ||
      !lax1(t, P_log1p, d, span, &d) || !lax2(t, P_add, amax, d, span, &d))
    return false;
  value sel[3] = {isnan, d, sum}; /* lax.select(p, t, f) is select_n(p, f, t) */
  return lax_op(t, P_select_n, sel, 3, span, out);
}

/* jnp.logaddexp: promote_args_inexact, then lax's custom_jvp logaddexp. */
static bool trace_logaddexp(tracer *t, value x1, value x2, tj_span span, value *out) {
  value v[2] = {x1, x2};
  if (!promote_pair_inexact(t, v, span)) return false;
  custom_jvp_fn fn = {"logaddexp", "_logaddexp_jvp", logaddexp_body, NULL};
  return custom_jvp(t, &fn, v, 2, span, out);
}

static bool builtin_logaddexp(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return trace_logaddexp(t, a->pos[0], a->pos[1], a->call->span, out);
}

static bool softplus_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  return trace_logaddexp(t, v[0], value_int(0), span, out);
}

static bool softplus_jit(tracer *t, value x, tj_span span, value *out) {
  return helper_jit(t, &softplus_tag, "softplus", no_statics(), &x, 1, softplus_body, NULL, span, out);
}

static bool builtin_softplus(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return softplus_jit(t, a->pos[0], a->call->span, out);
}

/* -softplus(-x) */
static bool log_sigmoid_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  (void)ctx;
  value n;
  return lax1(t, P_neg, v[0], span, &n) && softplus_jit(t, n, span, &n) && lax1(t, P_neg, n, span, out);
}

static bool builtin_log_sigmoid(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  return helper_jit(t, &log_sigmoid_tag, "log_sigmoid", no_statics(), &a->pos[0], 1, log_sigmoid_body, NULL,
                    a->call->span, out);
}

/* ---- elu, leaky_relu: jits whose second argument, when given, is an operand ---- */

/* jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0., x))) */
static bool elu_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  value alpha = ctx ? v[1] : value_float(1.0), c1, c2, w, e;
  if (!apply_binary(t, P_gt, v[0], value_int(0), span, &c1) || !apply_binary(t, P_gt, v[0], value_int(0), span, &c2) ||
      !where_jit(t, (value[3]){c2, value_float(0.0), v[0]}, span, &w) || !jnp1(t, "expm1", w, span, &e) ||
      !apply_binary(t, P_mul, alpha, e, span, &e))
    return false;
  return where_jit(t, (value[3]){c1, v[0], e}, span, out);
}

/* jnp.where(x >= 0, x, negative_slope * x) */
static bool leaky_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  value slope = ctx ? v[1] : value_float(1e-2), c, m;
  return apply_binary(t, P_ge, v[0], value_int(0), span, &c) && apply_binary(t, P_mul, slope, v[0], span, &m) &&
         where_jit(t, (value[3]){c, v[0], m}, span, out);
}

static bool builtin_elu_like(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  bool elu = b->prim == P_expm1;
  const value *second;
  tj_span sspan;
  if (!ta_get_arg(t, b, a, 1, elu ? "alpha" : "negative_slope", &second, &sspan)) return false;
  value v[2] = {a->pos[0], second ? *second : value_none()};
  return helper_jit(t, elu ? &elu_tag : &leaky_tag, b->name, no_statics(), v, second ? 2 : 1,
                    elu ? elu_body : leaky_body, second, a->call->span, out);
}

/* ---- gelu: no jit (functions.py: "this jit was found to change numerics") ---- */

/* x * 0.5 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x ** 3))) */
static bool gelu_tanh(tracer *t, value x, tj_dtype dt, tj_span span, value *out) {
  value p, c;
  return trace_power(t, x, value_int(3), span, &p) && apply_binary(t, P_mul, value_float(0.044715), p, span, &p) &&
         apply_binary(t, P_add, x, p, span, &p) &&
         apply_binary(t, P_mul, np_scalar(sqrt(2 / 3.14159265358979323846), dt), p, span, &p) && jnp1(t, "tanh", p, span, &p) &&
         apply_binary(t, P_add, value_float(1.0), p, span, &c) && apply_binary(t, P_mul, value_float(0.5), c, span, &c) &&
         apply_binary(t, P_mul, x, c, span, out);
}

/* jnp.array(0.5 * x * lax.erfc(-x * sqrt(0.5)), dtype=x.dtype): the copy is jnp.array's */
static bool gelu_erfc(tracer *t, value x, tj_dtype dt, tj_span span, value *out) {
  value h, n;
  return apply_binary(t, P_mul, value_float(0.5), x, span, &h) && lax1(t, P_neg, x, span, &n) &&
         apply_binary(t, P_mul, n, np_scalar(sqrt(0.5), dt), span, &n) && lax1(t, P_erfc, n, span, &n) &&
         apply_binary(t, P_mul, h, n, span, &h) && lax1(t, P_copy, h, span, out);
}

static bool builtin_gelu(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *approx;
  tj_span aspan;
  bool approximate = true;
  if (!ta_get_arg(t, b, a, 1, "approximate", &approx, &aspan)) return false;
  if (!approx && (a->npos > 1 || call_kwarg(a, "approximate", NULL))) approximate = false; /* None */
  if (approx) { /* Python's truth of a static value: `if approximate:` */
    if (approx->kind == V_TRACED) return concretization_error(t, ERR_BOOL, approx, aspan, NULL);
    approximate = value_truthy(approx);
    note_use(t, approx->prov, USE_CONTROL);
  }
  value x = a->pos[0];
  if (!inexact1(t, &x, a->call->span)) return false;
  tj_dtype dt = value_aval(t, &x).dtype;
  return approximate ? gelu_tanh(t, x, dt, a->call->span, out) : gelu_erfc(t, x, dt, a->call->span, out);
}

/* ---- softmax, log_softmax, logsumexp ---- */

/* The reduction axes (canonical, distinct) of an axis argument; None: all. */
typedef struct {
  int64_t axes[TJ_MAX_RANK];
  int n;
  bool where; /* log_softmax's jit: its second operand is the where mask */
} axes_set;

static bool read_axes(tracer *t, const value *axis, tj_span span, int rank, axes_set *out) {
  out->n = 0;
  out->where = false;
  if (!axis || axis->kind == V_NONE) {
    for (int d = 0; d < rank; d++) out->axes[out->n++] = d;
    return true;
  }
  int64_t *axes;
  if (!ta_canon_axes(t, axis, span, AX_OPTIONAL, rank, &axes, &out->n)) return false;
  if (ta_has_dup(axes, out->n)) {
    tj_buf b = {0};
    buf_puts(&b, "ValueError: duplicate value in 'axis': ");
    ta_put_value(t, &b, axis);
    return ta_raise_buf(t, span, &b);
  }
  memcpy(out->axes, axes, sizeof *axes * (size_t)out->n);
  return true;
}

/* jnp.where(where, x, fill): the jitted _where; fill a Python number (a
 * weak operand) or a numpy scalar of x's dtype (strong). */
static bool where_fill(tracer *t, const value *where, value x, value fill, tj_span span, value *out) {
  return where_jit(t, (value[3]){*where, x, fill}, span, out);
}

/* _reduction_init_val: the identity as a numpy scalar of x's dtype. */
static value init_val(tracer *t, value x, double c) {
  tj_dtype dt = value_aval(t, &x).dtype;
  return value_strong(value_float(tj_round_to_float(dt, c)), dt);
}

/* reductions.py _reduction of max with initial=-inf: where masks with
 * the identity first (_where(where, a, init_val)), then reduce_max, then
 * lax.max(initial, result) (XLA's init value must be the identity, so the
 * user's initial comes after), then keepdims' expand_dims. */
static bool max_initial(tracer *t, value x, const axes_set *ax, const value *where, bool keepdims, tj_span span,
                        value *out) {
  ir_atom in[2];
  tj_dtype dt = value_aval(t, &x).dtype;
  ir_param p = {"axes", pv_ints(t->m, PV_TUPLE, ax->axes, ax->n)};
  value ninf = init_val(t, x, -INFINITY);
  if ((where && !where_fill(t, where, x, ninf, span, &x)) || !own_atom(t, &x, span, &in[0]) ||
      !emit(t, P_reduce_max, in, 1, NULL, &p, 1, span, out) || !to_atom(t, &ninf, dt, false, span, &in[0]))
    return false;
  in[1] = ATOM_VAR(out->var);
  return emit(t, P_max, in, 2, NULL, NULL, 0, span, out) && (!keepdims || ta_expand_at(t, out, ax->axes, ax->n, span));
}

/* jnp.sum(x, axis, where=..., keepdims=...) */
static bool sum_axes(tracer *t, value x, const axes_set *ax, const value *where, bool keepdims, tj_span span,
                     value *out) {
  ir_atom in;
  ir_param ps[2] = {{"axes", pv_ints(t->m, PV_TUPLE, ax->axes, ax->n)}, {"out_sharding", pv_none(t->m)}};
  return (!where || where_fill(t, where, x, init_val(t, x, 0), span, &x)) && own_atom(t, &x, span, &in) &&
         emit(t, P_reduce_sum, &in, 1, NULL, ps, 2, span, out) &&
         (!keepdims || ta_expand_at(t, out, ax->axes, ax->n, span));
}

/* softmax's and log_softmax's input: float (integers would meet jnp.max's
 * initial=-inf converted to an integer, which tjit does not model). */
static bool float_input(tracer *t, const char *fn, value x, tj_span span) {
  tj_aval a = value_aval(t, &x);
  if (dtype_is_float(a.dtype)) return true;
  return tracer_error(t, span, "tjit: %s takes a floating-point array, got %s (convert it with astype)", fn,
                      dtype_long(a.dtype));
}

/* The where= mask: a bool array (jnp's check_where would convert another
 * dtype with a DeprecationWarning; tjit asks for bool). */
static bool read_where(tracer *t, const builtin_def *b, const call_args *a, int pos, const value **where) {
  tj_span span;
  if (!ta_get_arg(t, b, a, pos, "where", where, &span)) return false;
  if (!*where || value_aval(t, *where).dtype == DT_BOOL) return true;
  return tracer_error(t, span, "tjit: %s's where must be a bool array, got %s", b->name,
                      dtype_long(value_aval(t, *where).dtype));
}

/* functions.py _softmax_deprecated (config softmax_custom_jvp is False):
 * exp(x - stop_gradient(max)) / sum, not a jit; with where, the masked
 * max and sum, x_safe = where(where, x, -inf) and zeros outside. */
static bool softmax_of(tracer *t, value x, const axes_set *ax, const value *where, tj_span span, value *out) {
  value m, u, s;
  if (!max_initial(t, x, ax, where, true, span, &m) ||
      (where && !where_fill(t, where, x, value_float(-INFINITY), span, &x)) ||
      !lax1(t, P_stop_gradient, m, span, &m) || !apply_binary(t, P_sub, x, m, span, &u) ||
      !jnp1(t, "exp", u, span, &u) || !sum_axes(t, u, ax, where, true, span, &s) ||
      !apply_binary(t, P_div, u, s, span, out))
    return false;
  return !where || where_fill(t, where, *out, value_int(0), span, out);
}

/* log_softmax: shifted - log(sum(exp(shifted))), shifted = x_safe -
 * stop_gradient(max); with where (the jit's second operand), -inf outside. */
static bool log_softmax_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const axes_set *ax = ctx;
  const value *where = ax->where ? &v[1] : NULL;
  value m, x = v[0], sh, e;
  if (!max_initial(t, x, ax, where, true, span, &m) ||
      (where && !where_fill(t, where, x, value_float(-INFINITY), span, &x)) ||
      !lax1(t, P_stop_gradient, m, span, &m) || !apply_binary(t, P_sub, x, m, span, &sh) ||
      !jnp1(t, "exp", sh, span, &e) || !sum_axes(t, e, ax, where, true, span, &e) || !jnp1(t, "log", e, span, &e) ||
      !apply_binary(t, P_sub, sh, e, span, out))
    return false;
  return !where || where_fill(t, where, *out, value_float(-INFINITY), span, out);
}

static bool builtin_softmax(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis, *where;
  tj_span axspan;
  value minus1 = value_int(-1), x = a->pos[0];
  axes_set ax;
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !read_where(t, b, a, 2, &where) || !float_input(t, b->name, x, a->call->span))
    return false;
  if (!axis) axis = &minus1, axspan = a->call->span;
  if (!read_axes(t, axis, axspan, value_aval(t, &x).rank, &ax)) return false;
  if (b->prim == P_exp) return softmax_of(t, x, &ax, where, a->call->span, out);
  value statics = {.kind = V_TUPLE, .n = 1, .items = ARENA_ARRAY(&t->scratch, value, 1)};
  statics.items[0] = *axis; /* @jit(static_argnames=("axis",)); where is an operand */
  value ops[2] = {x, where ? *where : value_none()};
  ax.where = where != NULL;
  return helper_jit(t, &log_softmax_tag, "log_softmax", statics, ops, where ? 2 : 1, log_softmax_body, &ax,
                    a->call->span, out);
}

/* lax.full_like(x, 0): a constant for a scalar, else a broadcast. */
static bool zeros_like(tracer *t, value x, tj_span span, value *out) {
  tj_aval a = value_aval(t, &x), s = aval_scalar(a.dtype, false);
  value zero = value_strong(value_int(0), a.dtype);
  if (a.rank == 0) return *out = zero, true;
  return cast_static(t, &zero, a.dtype, span) && ta_broadcast_trailing(t, &zero, &s, &a, span, out);
}

/* ops/special.py logsumexp's options. */
typedef struct {
  axes_set ax;
  const value *where, *b; /* NULL when not given */
  bool keepdims, return_sign;
} lse_opts;

/* sumexp's log plus the max; with b (and no return_sign) NaN where the
 * sum is negative: jnp.where(sign < 0, jnp.array(nan, dtype), out). */
static bool lse_finish(tracer *t, const lse_opts *o, value s, value amax, tj_span span, value *out) {
  value sign, neg, vs[2];
  if (!lax1(t, P_sign, s, span, &sign) || !lax1(t, P_abs, s, span, &s) || !lax1(t, P_log, s, span, &s) ||
      !lax2(t, P_add, s, amax, span, out))
    return false;
  if (o->return_sign) {
    vs[0] = *out, vs[1] = sign;
    value *items = ARENA_ARRAY(&t->scratch, value, 2);
    memcpy(items, vs, sizeof vs);
    *out = (value){.kind = V_TUPLE, .n = 2, .items = items};
    return true;
  }
  return !o->b || (apply_binary(t, P_lt, sign, value_int(0), span, &neg) &&
                   where_fill(t, &neg, init_val(t, s, NAN), *out, span, out));
}

/* ops/special.py logsumexp: the max made finite and stopped, exp of the
 * shifted input (times b) summed, its log plus the max; the sign is
 * recorded though unused without b, as JAX records it. where masks the
 * input with 0 first, then the max and the sum; b masks with -inf where it
 * is 0. */
static bool logsumexp_of(tracer *t, value x, const lse_opts *o, tj_span span, value *out) {
  value amax, fin, zeros, wide, e, s, bv[2] = {x, o->b ? *o->b : value_none()}, nz;
  const axes_set *ax = &o->ax;
  if (o->b) { /* promote_args_inexact("logsumexp", a, b); jnp.where(b != 0, a, -inf) */
    if (!promote_pair_inexact(t, bv, span) || !apply_binary(t, P_ne, bv[1], value_int(0), span, &nz) ||
        !where_fill(t, &nz, bv[0], value_float(-INFINITY), span, &x))
      return false;
  } else if (!inexact1(t, &x, span))
    return false;
  if (!max_initial(t, x, ax, o->where, o->keepdims, span, &amax) || !lax1(t, P_is_finite, amax, span, &fin) ||
      !zeros_like(t, amax, span, &zeros) || !lax_op(t, P_select_n, (value[3]){fin, zeros, amax}, 3, span, &amax) ||
      !lax1(t, P_stop_gradient, amax, span, &amax))
    return false;
  wide = amax;
  return (o->keepdims || ta_expand_at(t, &wide, ax->axes, ax->n, span)) && lax2(t, P_sub, x, wide, span, &e) &&
         lax1(t, P_exp, e, span, &e) && (!o->b || lax2(t, P_mul, e, bv[1], span, &e)) &&
         sum_axes(t, e, ax, o->where, o->keepdims, span, &s) && lse_finish(t, o, s, amax, span, out);
}

/* logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None) */
static bool builtin_logsumexp(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *axis;
  tj_span axspan, bspan;
  lse_opts o = {0};
  value x = a->pos[0];
  if (!ta_check_array(t, b, &x, 0, a->pos_spans[0]) || !ta_get_arg(t, b, a, 1, "axis", &axis, &axspan) ||
      !ta_get_arg(t, b, a, 2, "b", &o.b, &bspan) || !ta_get_flag(t, b, a, "keepdims", &o.keepdims) ||
      !ta_get_flag(t, b, a, "return_sign", &o.return_sign) || !read_where(t, b, a, 99, &o.where) ||
      (o.where && !where_fill(t, o.where, x, value_int(0), a->call->span, &x)))
    return false;
  tj_aval av = value_aval(t, &x);
  if (o.b) { /* the rank a has after promote_args_inexact's _promote_shapes */
    tj_aval bav = value_aval(t, o.b);
    if (bav.rank > av.rank) av.rank = bav.rank;
  }
  if (!read_axes(t, axis, axspan, av.rank, &o.ax)) return false;
  return logsumexp_of(t, x, &o, a->call->span, out);
}

/* ---- one_hot ---- */

typedef struct {
  int64_t num_classes, axis;
  tj_dtype dtype;
  tj_span axis_span;
} one_hot_opts;

/* functions.py _one_hot: expand_dims(x, axis) == broadcasted_iota(x.dtype,
 * [1, ..., num_classes, ..., 1], axis), as dtype. */
static bool one_hot_body(tracer *t, const void *ctx, value *v, tj_span span, value *out) {
  const one_hot_opts *o = ctx;
  tj_aval a = value_aval(t, &v[0]);
  int64_t pos, shape[TJ_MAX_RANK];
  if (!ta_canon_axis(t, o->axis, a.rank + 1, o->axis_span, &pos)) return false;
  if (a.rank + 1 > TJ_MAX_RANK) return tracer_error(t, span, "too many dimensions (limit is %d) in a shape", TJ_MAX_RANK);
  for (int d = 0; d <= a.rank; d++) shape[d] = d == pos ? o->num_classes : 1;
  value lhs = v[0], rhs;
  ir_param ps[4] = {{"dimension", pv_int(t->m, pos)}, {"dtype", pv_dtype(t->m, a.dtype)},
                    {"shape", pv_ints(t->m, PV_TUPLE, shape, a.rank + 1)}, {"sharding", pv_none(t->m)}};
  ir_atom none = 0; /* no operands, but emit copies from a valid pointer */
  return ta_expand_at(t, &lhs, &pos, 1, span) && emit(t, P_iota, &none, 0, NULL, ps, 4, span, &rhs) &&
         apply_binary(t, P_eq, lhs, rhs, span, out) && convert(t, out, o->dtype, false, span);
}

static bool builtin_one_hot(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  const value *nc, *axis;
  tj_span ncspan;
  one_hot_opts o = {0, -1, DT_F32, a->call->span};
  bool have_dtype;
  if (!ta_get_arg(t, b, a, 1, "num_classes", &nc, &ncspan) || !ta_opt_dtype(t, b, a, 99, &have_dtype, &o.dtype) ||
      !ta_get_arg(t, b, a, 99, "axis", &axis, &o.axis_span))
    return false;
  if (!nc) return tracer_error(t, a->call->span, "TypeError: one_hot() missing 1 required positional argument: 'num_classes'");
  if (nc->kind == V_TRACED) /* core.concrete_dim_or_error's context */
    return ta_concrete_error(t, nc, ncspan, "The error arose in jax.nn.one_hot argument `num_classes`.");
  if (!ta_index_of(t, nc, ncspan, &o.num_classes) || (axis && !ta_index_of(t, axis, o.axis_span, &o.axis))) return false;
  if (o.num_classes < 0)
    return tracer_error(t, ncspan, "TypeError: Shapes must be 1D sequences of concrete values of integer type, "
                        "got (%lld,).", (long long)o.num_classes);
  value key[3] = {value_int(o.num_classes), value_int(o.dtype), value_int(o.axis)};
  value statics = {.kind = V_TUPLE, .n = 3, .items = ARENA_ARRAY(&t->scratch, value, 3)};
  memcpy(statics.items, key, sizeof key);
  return helper_jit(t, &one_hot_tag, "_one_hot", statics, &a->pos[0], 1, one_hot_body, &o, a->call->span, out);
}

/* ---- is_finite, isfinite, stop_gradient ---- */

/* lax.is_finite and lax.stop_gradient: the primitive on the operand. */
static bool builtin_lax_unary(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  return lax1(t, b->prim, a->pos[0], a->call->span, out);
}

/* jax.scipy.special.erfc: promote_args_inexact, then lax.erfc. */
static bool builtin_erfc(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value x = a->pos[0];
  return inexact1(t, &x, a->call->span) && lax1(t, b->prim, x, a->call->span, out);
}

/* jnp.isfinite (jit inline): is_finite for floats, else full_like(x, True). */
static bool builtin_isfinite(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  value x = a->pos[0];
  tj_aval av = value_aval(t, &x);
  if (dtype_is_float(av.dtype)) return lax1(t, P_is_finite, x, a->call->span, out);
  (void)b;
  tj_aval s = aval_scalar(DT_BOOL, false);
  value yes = value_strong(value_bool(true), DT_BOOL);
  if (av.rank == 0) return *out = yes, true;
  av.dtype = DT_BOOL, av.weak = false;
  return ta_broadcast_trailing(t, &yes, &s, &av, a->call->span, out);
}

static const char *const kw_alpha[] = {"alpha", NULL}, *const kw_slope[] = {"negative_slope", NULL};
static const char *const kw_gelu[] = {"approximate", NULL}, *const kw_axis[] = {"axis", "where", NULL};
static const char *const kw_lse[] = {"axis", "b", "keepdims", "return_sign", "where", NULL};
static const char *const kw_one_hot[] = {"num_classes", "dtype", "axis", NULL};

/* The prim column tells apart the builtins that share a function. */
const builtin_def builtins_nn[] = {
    {"relu", builtin_relu, 1, 1, NULL, P_max},
    {"relu6", builtin_relu, 1, 1, NULL, P_min},
    {"sigmoid", builtin_sigmoid, 1, 1, NULL, P_logistic},
    {"silu", builtin_silu, 1, 1, NULL, P_mul},
    {"swish", builtin_silu, 1, 1, NULL, P_mul},
    {"softplus", builtin_softplus, 1, 1, NULL, P_log1p},
    {"log_sigmoid", builtin_log_sigmoid, 1, 1, NULL, P_neg},
    {"logaddexp", builtin_logaddexp, 2, 2, NULL, P_log1p},
    {"elu", builtin_elu_like, 1, 2, kw_alpha, P_expm1},
    {"leaky_relu", builtin_elu_like, 1, 2, kw_slope, P_ge},
    {"gelu", builtin_gelu, 1, 2, kw_gelu, P_tanh},
    {"softmax", builtin_softmax, 1, 3, kw_axis, P_exp},
    {"log_softmax", builtin_softmax, 1, 3, kw_axis, P_log},
    {"logsumexp", builtin_logsumexp, 1, 3, kw_lse, P_log},
    {"one_hot", builtin_one_hot, 1, 2, kw_one_hot, P_eq},
    {"is_finite", builtin_lax_unary, 1, 1, NULL, P_is_finite},
    {"isfinite", builtin_isfinite, 1, 1, NULL, P_is_finite},
    {"stop_gradient", builtin_lax_unary, 1, 1, NULL, P_stop_gradient},
    {"erfc", builtin_erfc, 1, 1, NULL, P_erfc},
    {NULL, NULL, 0, 0, NULL, 0},
};
