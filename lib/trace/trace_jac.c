/* jacfwd, jacrev and hessian (issue 16) as jax/_src/api.py builds them
 * from vmap and the autodiff transformations, so their listings are what
 * make_jaxpr records for them:
 *  - jacfwd(f)(*args): _std_basis of the differentiated arguments (jnp.eye,
 *    unravelled into their shapes), then vmap(pushfwd, out_axes=(None, -1))
 *    of pushfwd = _jvp(f_partial, dyn_args, basis), then each output's
 *    jacobian unravelled along its last axis into the arguments' tree
 *    (_jacfwd_unravel);
 *  - jacrev(f)(*args): vjp(f_partial, *dyn_args), vmap(pullback) of
 *    _std_basis of the output, each argument's jacobian unravelled along its
 *    first axis into the output's tree (_jacrev_unravel), and the two trees
 *    transposed (output outermost);
 *  - hessian(f) = jacfwd(jacrev(f)) (made in trace_grad.c).
 * Every unravel splits (lax.split, which always binds), reshapes
 * (lax.reshape, nothing for a non-scalar keeping its shape) and converts
 * (_possible_downcast's convert_element_type): in _std_basis its sharding's
 * spec, P(arr_s[:axis], *spec, arr_s[axis+1:]) with two lists, is one entry
 * longer than the array's rank, so it never equals the operand's and the
 * equation is always bound; in the two unravels the spec is the operand's,
 * so the equation is forwarded away (_convert_elt_type_fwd_rule) when dtype
 * and weak type already agree. */
#include <string.h>

#include "trace_array_int.h"
#include "trace_body.h"
#include "trace_tree.h"

/* api_util._ensure_inbounds of argnums (argnums_partial2). */
static bool check_argnums(tracer *t, const struct ad_fn *g, int nargs, tj_span span) {
  for (int i = 0; i < g->nargnums; i++)
    if (g->argnums[i] >= nargs)
      return tracer_error(t, span,
                          "ValueError: Positional argument indices, e.g. for `static_argnums`, must have value "
                          "greater than or equal to -len(args) and less than len(args), but got value %lld for "
                          "len(args) == %d.",
                          (long long)g->argnums[i], nargs);
  return true;
}

static value dyn_args(tracer *t, const struct ad_fn *g, const value *args) {
  value dyn = {.kind = V_TUPLE, .n = g->nargnums, .items = ARENA_ARRAY(&t->scratch, value, g->nargnums)};
  for (int i = 0; i < g->nargnums; i++) dyn.items[i] = args[g->argnums[i]];
  return dyn;
}

/* _check_input_dtype_jacfwd(holomorphic, x). */
static bool check_input_fwd(tracer *t, const value *leaf, bool holomorphic, tj_span span) {
  tj_aval a = value_aval(t, leaf);
  if (a.dtype == DT_KEY) return tracer_error(t, span, "TypeError: jacfwd with input element type key<fry>");
  if (holomorphic) /* tjit has no complex dtypes */
    return tracer_error(t, span, "TypeError: jacfwd with holomorphic=True requires inputs with complex dtype, but got %s.",
                        dtype_long(a.dtype));
  if (dtype_is_float(a.dtype)) return true;
  return tracer_error(t, span,
                      "TypeError: jacfwd requires real-valued inputs (input dtype that is a sub-dtype of np.floating), "
                      "but got %s. For holomorphic differentiation, pass holomorphic=True. For differentiation of "
                      "non-holomorphic functions involving complex inputs or integer inputs, use jax.jvp directly.",
                      dtype_long(a.dtype));
}

/* _check_output_dtype_revderiv("jacrev", holomorphic=False, x). */
static bool check_output_rev(tracer *t, const value *leaf, tj_span span) {
  tj_aval a = value_aval(t, leaf);
  if (a.dtype == DT_KEY) return tracer_error(t, span, "TypeError: jacrev with output element type key<fry>");
  if (dtype_is_float(a.dtype)) return true;
  return tracer_error(t, span,
                      "TypeError: jacrev requires real-valued outputs (output dtype that is a sub-dtype of "
                      "np.floating), but got %s. For differentiation of functions with integer outputs, use "
                      "jax.vjp directly.",
                      dtype_long(a.dtype));
}

/* lax.split(x, sizes, axis), the sizes np.int64 as jnp.split's _split
 * makes them (np.diff of the split points). */
static bool split_parts(tracer *t, value x, const int64_t *sizes, int n, int axis, tj_span span, value *parts) {
  ir_atom in;
  uint32_t *outs = ARENA_ARRAY(&t->scratch, uint32_t, n);
  ir_param ps[2] = {{"axis", pv_int(t->m, axis)}, {"sizes", pv_ints(t->m, PV_TUPLE, sizes, n)}};
  for (int i = 0; i < n; i++) ps[1].val->items[i]->s = "int64";
  if (!own_atom(t, &x, span, &in) || !emit_n(t, P_split, &in, 1, n, ps, 2, span, outs)) return false;
  for (int i = 0; i < n; i++) parts[i] = value_traced(outs[i]);
  return true;
}

/* _possible_downcast's convert_element_type to (dt, weak): always bound
 * when its sharding cannot equal the operand's (bound), else forwarded
 * away when nothing changes. */
static bool downcast(tracer *t, value *x, tj_dtype dt, bool weak, bool bound, tj_span span) {
  if (!bound) return convert(t, x, dt, weak, span);
  ir_atom in;
  ir_param ps[2] = {{"new_dtype", pv_dtype(t->m, dt)}, {"weak_type", pv_bool(t->m, weak)}};
  return own_atom(t, x, span, &in) && emit(t, P_convert_element_type, &in, 1, NULL, ps, 2, span, x);
}

/* _unravel_array_into_pytree(pytree, axis, example, arr): arr split along
 * axis into one part per leaf of pytree (l: its leaves, flattened once by
 * the caller), each reshaped to the leaf's shape in place of that axis and
 * cast to example's dtype (the leaf's when example is NULL); *out has
 * pytree's structure. */
static bool unravel(tracer *t, const value *pytree, const leaves *l, int axis, const value *example, value arr,
                    bool bound, tj_span span, value *out) {
  if (l->n == 0)
    return tracer_error(t, span, "ValueError: a jacobian needs at least one array argument and output (api.py "
                                 "_unravel_array_into_pytree zips the parts with the leaves)");
  tj_aval a = value_aval(t, &arr);
  int64_t *sizes = ARENA_ARRAY(&t->scratch, int64_t, l->n);
  value *parts = ARENA_ARRAY(&t->scratch, value, l->n);
  for (int i = 0; i < l->n; i++) {
    tj_aval la = value_aval(t, &l->v[i]);
    sizes[i] = aval_size(&la);
  }
  if (!split_parts(t, arr, sizes, l->n, axis, span, parts)) return false;
  for (int i = 0; i < l->n; i++) {
    tj_aval la = value_aval(t, &l->v[i]), shape = a, ex = example ? value_aval(t, example) : la;
    if (a.rank - 1 + la.rank > TJ_MAX_RANK)
      return tracer_error(t, span, "a jacobian of rank %d: tjit's arrays have at most %d axes", a.rank - 1 + la.rank,
                          TJ_MAX_RANK);
    shape.rank = (uint8_t)(a.rank - 1 + la.rank);
    memcpy(shape.dims + axis, la.dims, sizeof *la.dims * la.rank);
    memcpy(shape.dims + axis + la.rank, a.dims + axis + 1, sizeof *a.dims * (size_t)(a.rank - axis - 1));
    if (!ta_reshape_to(t, &parts[i], &shape, span) || !downcast(t, &parts[i], ex.dtype, ex.weak, bound, span))
      return false;
  }
  int k = 0;
  *out = tree_unflatten(t, pytree, parts, &k);
  return true;
}

/* _std_basis(pytree): jnp.eye of the leaves' total size in their result
 * type, unravelled along axis 1 into the tree. */
static bool std_basis(tracer *t, const value *pytree, tj_span span, value *out) {
  leaves l = {0};
  if (!tree_flatten(t, pytree, &l, span, "jacobian tree")) return false;
  int64_t n = 0;
  for (int i = 0; i < l.n; i++) {
    tj_aval a = value_aval(t, &l.v[i]);
    n += aval_size(&a);
  }
  tj_dtype dt = DT_F32;
  bool weak;
  if (l.n) values_result_type(t, l.v, l.n, &dt, &weak);
  value eye;
  return ta_eye(t, n, dt, span, &eye) && unravel(t, pytree, &l, 1, NULL, eye, true, span, out);
}

/* tree_map(f, tree, jac) where jac's leaves line up with tree's: each
 * leaf of jac replaced by unravel(of, axis, example: tree's leaf, leaf);
 * axis -1 is the leaf's last. */
static bool unravel_each(tracer *t, const value *tree, const value *jac, const value *of, int axis, tj_span span,
                         value *out) {
  leaves lt = {0}, lj = {0}, lo = {0};
  if (!tree_flatten(t, tree, &lt, span, "jacobian tree") || !tree_flatten(t, jac, &lj, span, "jacobian tree") ||
      !tree_flatten(t, of, &lo, span, "jacobian tree"))
    return false;
  value *vals = ARENA_ARRAY(&t->scratch, value, lt.n + 1);
  for (int i = 0; i < lt.n && i < lj.n; i++) {
    int ax = axis < 0 ? value_aval(t, &lj.v[i]).rank - 1 : axis;
    if (!unravel(t, of, &lo, ax, &lt.v[i], lj.v[i], false, span, &vals[i])) return false;
  }
  int k = 0;
  *out = tree_unflatten(t, tree, vals, &k);
  return true;
}

/* (jac, aux) when has_aux. */
static bool with_aux(tracer *t, const struct ad_fn *g, value *jac, const value *aux) {
  if (!g->has_aux) return true;
  value *pair = ARENA_ARRAY(&t->scratch, value, 2);
  pair[0] = *jac, pair[1] = *aux;
  *jac = (value){.kind = V_TUPLE, .items = pair, .n = 2};
  return true;
}

/* ---- jacfwd ---- */

typedef struct fwd_ctx {
  partial_args pa;
  value dyn;
} fwd_ctx;

/* pushfwd(basis) = _jvp(f_partial, dyn_args, basis). */
static bool pushfwd(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  (void)nargs;
  const fwd_ctx *c = ctx;
  body_info info = {"jvp", &c->pa.g->fn, NULL, 0};
  return ad_jvp(t, ad_call_partial, &c->pa, &info, &c->dyn, &args[0], c->pa.g->has_aux, call, result);
}

static bool jacfwd_call(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, value *out) {
  tj_span span = call->span;
  if (!check_argnums(t, g, nargs, span)) return false;
  fwd_ctx c = {{g, args, nargs}, dyn_args(t, g, args)};
  leaves lp = {0};
  if (!tree_flatten(t, &c.dyn, &lp, span, "jacfwd arguments")) return false;
  for (int i = 0; i < lp.n; i++)
    if (!check_input_fwd(t, &lp.v[i], g->holomorphic, span)) return false;
  value basis, res, axes[3] = {value_none(), value_int(-1), value_none()};
  value out_axes = {.kind = V_TUPLE, .items = axes, .n = g->has_aux ? 3 : 2};
  if (!std_basis(t, &c.dyn, span, &basis) || !vmap_native(t, pushfwd, &c, out_axes, call, &basis, 1, &res))
    return false;
  const value *example = g->argnums_tuple ? &c.dyn : &c.dyn.items[0];
  return unravel_each(t, &res.items[0], &res.items[1], example, -1, span, out) && with_aux(t, g, out, &res.items[2]);
}

/* ---- jacrev ---- */

static bool call_pullback(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  return call_function_value(t, ctx, call, args, nargs, result);
}

/* tree_transpose(outer, inner, x): x, an outer tree of inner trees,
 * turned into an inner tree of outer trees (no equations). */
static bool tree_transpose(tracer *t, const value *outer, const value *inner, const value *x, tj_span span,
                           value *out) {
  leaves lo = {0}, li = {0}, lx = {0};
  if (!tree_flatten(t, outer, &lo, span, "jacobian tree") || !tree_flatten(t, inner, &li, span, "jacobian tree") ||
      !tree_flatten(t, x, &lx, span, "jacobian tree"))
    return false;
  value *cols = ARENA_ARRAY(&t->scratch, value, li.n + 1), *row = ARENA_ARRAY(&t->scratch, value, lo.n + 1);
  for (int i = 0; i < li.n; i++) {
    for (int o = 0; o < lo.n; o++) row[o] = lx.v[o * li.n + i];
    int k = 0;
    cols[i] = tree_unflatten(t, outer, row, &k);
  }
  int k = 0;
  *out = tree_unflatten(t, inner, cols, &k);
  return true;
}

static bool jacrev_call(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, value *out) {
  tj_span span = call->span;
  if (!check_argnums(t, g, nargs, span)) return false;
  value dyn = dyn_args(t, g, args), y, pullback, basis, jac, jac_tree, aux = {0};
  leaves lp = {0}, ly = {0};
  if (!tree_flatten(t, &dyn, &lp, span, "jacrev arguments")) return false;
  for (int i = 0; i < lp.n; i++)
    if (!ad_check_input(t, "jacrev", &lp.v[i], g->holomorphic, g->allow_int, span)) return false;
  if (!ad_vjp_partial(t, g, call, args, nargs, &dyn, &y, &pullback, &aux) ||
      !tree_flatten(t, &y, &ly, span, "jacrev outputs"))
    return false;
  for (int i = 0; i < ly.n; i++)
    if (!check_output_rev(t, &ly.v[i], span)) return false;
  if (!std_basis(t, &y, span, &basis) ||
      !vmap_native(t, call_pullback, &pullback, value_int(0), call, &basis, 1, &jac))
    return false;
  const value *example = g->argnums_tuple ? &dyn : &dyn.items[0];
  if (!g->argnums_tuple) jac = jac.items[0];
  return unravel_each(t, example, &jac, &y, 0, span, &jac_tree) &&
         tree_transpose(t, example, &y, &jac_tree, span, out) && with_aux(t, g, out, &aux);
}

bool jac_call(tracer *t, const struct ad_fn *g, node *call, value *args, int nargs, value *out) {
  return g->kind == AD_JACFWD ? jacfwd_call(t, g, call, args, nargs, out) : jacrev_call(t, g, call, args, nargs, out);
}
