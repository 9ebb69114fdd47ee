/* Autodiff builtins (issue 15): jvp(f, primals, tangents) as jax.jvp
 * (jax/_src/api.py jvp, _jvp). f is traced on the primals' avals into a
 * jaxpr of its own (trace_with), which the JVP interpreter (lib/ir/jvp.c)
 * replays into the current jaxpr, primal and tangent equations
 * interleaved as JAX's JVPTrace records them; the sub-jaxpr itself is
 * never referenced. The result is (primals_out, tangents_out), zero output
 * tangents instantiated (ad.jvp's instantiate=True). */
#include "jvp.h"
#include "vjp.h"
#include "prims.h"
#include "trace.h"
#include "trace_body.h"
#include "trace_tree.h"
#include "util.h"

/* f(*primals): a function declared jit stays one jit equation (jax.jvp of
 * a jitted function differentiates its pjit, pjit.py _pjit_jvp), as
 * tree_map calls it. */
static bool call_fn(tracer *t, const void *ctx, node *call, value *args, int nargs, value *result) {
  return call_function_value(t, ctx, call, args, nargs, result);
}

/* str(dtype) as JAX's messages print it: numpy's for float0 is its
 * structured form. */
static const char *jax_dtype_str(tj_dtype t) {
  return t == DT_FLOAT0 ? "[('float0', 'V')]" : dtype_long(t);
}

/* api.py _jvp's checks of one primal leaf and its tangent: the tangent's
 * dtype is core.primal_dtype_to_tangent_dtype of the primal's (float0
 * for an integer or bool primal). */
static bool check_pair(tracer *t, const value *p, const value *tv, tj_span span) {
  tj_aval a = value_aval(t, p), b = value_aval(t, tv);
  tj_dtype want = dtype_is_float(a.dtype) ? a.dtype : DT_FLOAT0;
  if (b.dtype != want)
    return tracer_error(t, span,
                        "TypeError: primal and tangent arguments to jax.jvp do not match; dtypes must be equal, or "
                        "in case of int/bool primal dtype the tangent dtype must be float0.Got primal dtype %s and "
                        "so expected tangent dtype %s, but got tangent dtype %s instead.",
                        jax_dtype_str(a.dtype), jax_dtype_str(want), jax_dtype_str(b.dtype));
  if (!aval_same_shape(&a, &b))
    return tracer_error(t, span,
                        "ValueError: jvp called with different primal and tangent shapes;Got primal shape %s "
                        "and tangent shape as %s",
                        jax_shape_tuple(t, &a), jax_shape_tuple(t, &b));
  return true;
}

/* type(v).__name__: a traced value is make_jaxpr's DynamicJaxprTracer. */
static const char *py_type_name(const value *v) {
  return v->kind == V_TRACED ? "DynamicJaxprTracer" : value_type_name(v);
}

/* api.py jvp's and _jvp's checks of the arguments as a whole. */
static bool check_args(tracer *t, const call_args *a) {
  const value *ps = &a->pos[1], *ts = &a->pos[2];
  if (a->pos[0].kind != V_FUNC)
    return tracer_error(t, a->pos_spans[0], "TypeError: Expected a callable value, got %s",
                        jax_tracer_repr(t, &a->pos[0]));
  if (ps->kind != V_TUPLE || ts->kind != V_TUPLE)
    return tracer_error(t, a->call->span,
                        "TypeError: primal and tangent arguments to jax.jvp must be tuples or lists; found %s and %s.",
                        py_type_name(ps), py_type_name(ts));
  if (tree_same_structure(ps, ts)) return true;
  tj_buf pt = {0}, tt = {0};
  tree_def_text(t, ps, &pt);
  tree_def_text(t, ts, &tt);
  tracer_error(t, a->call->span,
               "TypeError: primal and tangent arguments to jax.jvp must have the same tree structure; primals "
               "have tree structure PyTreeDef(%s) whereas tangents have tree structure PyTreeDef(%s).",
               pt.data, tt.data);
  buf_free(&pt);
  buf_free(&tt);
  return false;
}

jvp_target ad_target(tracer *t) {
  return (jvp_target){t->m, t->jaxpr, t->diags, &t->neqns, TJ_MAX_EQNS, name_str(t->prog->names, t->entry->name),
                      &t->jvp_memo, NULL, &t->vjp_memo, NULL};
}

bool ad_leaf_atom(tracer *t, const value *v, tj_span span, ir_atom *out) {
  if (v->kind == V_TRACED) { *out = frame_atom(t, v->var); return true; }
  return own_atom(t, v, span, out);
}

value ad_atom_value(tracer *t, ir_atom a) {
  if (!ATOM_IS_LIT(a)) return value_traced(ATOM_INDEX(a));
  const ir_lit *l = &t->m->lits[ATOM_INDEX(a)];
  value v = dtype_is_float(l->dtype) ? value_float(l->f) : l->dtype == DT_BOOL ? value_bool(l->i) : value_int(l->i);
  return l->weak ? v : value_strong(v, l->dtype);
}

/* ad.jvp maps a float0 tangent to a symbolic zero (p2tz): it stays an
 * unused input of the jaxpr and adds no equation. */
static bool tangent_atom(tracer *t, const value *v, tj_span span, ir_atom *out) {
  if (value_aval(t, v).dtype == DT_FLOAT0) { *out = JVP_ZERO; return true; }
  return ad_leaf_atom(t, v, span, out);
}

/* ad.jvp's instantiate_zeros of the output tangents left symbolic. */
static bool instantiate_outputs(tracer *t, const jvp_target *tg, const ir_atom *op, ir_atom *ot, int n,
                                tj_span span) {
  for (int i = 0; i < n; i++) {
    if (ot[i] != JVP_ZERO) continue;
    tj_aval a = ir_atom_aval(t->m, op[i]);
    if (!dtype_is_float(a.dtype))
      return tracer_error(t, span, "jvp of a function with an integer, bool or float0 output is not supported: "
                                   "its tangent is float0 zeros (ad.instantiate_zeros), which tjit does not make yet");
    if (!jvp_zeros(tg, &a, span, &ot[i])) return false;
  }
  return true;
}

/* Python's `ans, aux = ans` (ad.jvp with has_aux): a tuple of two. */
static bool aux_pair(tracer *t, const value *r, tj_span span) {
  if (r->kind == V_TUPLE && r->n == 2) return true;
  if (r->kind == V_TUPLE && r->n > 2) return tracer_error(t, span, "ValueError: too many values to unpack (expected 2)");
  if (r->kind == V_TUPLE)
    return tracer_error(t, span, "ValueError: not enough values to unpack (expected 2, got %d)", r->n);
  return tracer_error(t, span, "has_aux=True: the function must return a pair (output, aux), got %s",
                      jax_tracer_repr(t, r));
}

/* The traced body replayed through the JVP rules; *out its two trees,
 * (primals, tangents), or with has_aux the output's two and the aux's
 * primals (ad.jvp: aux's tracers stripped, its tangents never
 * instantiated). */
static bool replay_body(tracer *t, const body *bd, const leaves *lp, const leaves *lt, bool has_aux, tj_span span,
                        value *out) {
  int nin = bd->nconst + lp->n, nout = (int)bd->jaxpr->nout, ninst = nout;
  if (has_aux) {
    leaves la = {0};
    if (!aux_pair(t, &bd->result, span) || !tree_flatten(t, &bd->result.items[0], &la, span, "jvp outputs"))
      return false;
    ninst = la.n;
  }
  ir_atom *pin = ARENA_ARRAY(&t->scratch, ir_atom, 2 * nin + 1), *tin = pin + nin;
  for (int i = 0; i < bd->nconst; i++) pin[i] = frame_atom(t, bd->outer[i]), tin[i] = JVP_ZERO;
  for (int i = 0; i < lp->n; i++)
    if (!ad_leaf_atom(t, &lp->v[i], span, &pin[bd->nconst + i]) || !tangent_atom(t, &lt->v[i], span, &tin[bd->nconst + i]))
      return false;
  jvp_target tg = ad_target(t);
  ir_atom *op = ARENA_ARRAY(&t->scratch, ir_atom, 2 * nout + 1), *ot = op + nout;
  if (!jvp_replay(&tg, bd->jaxpr, pin, tin, op, ot) || !instantiate_outputs(t, &tg, op, ot, ninst, span)) return false;
  value *vals = ARENA_ARRAY(&t->scratch, value, 2 * nout + 1);
  for (int i = 0; i < nout; i++) vals[i] = ad_atom_value(t, op[i]), vals[nout + i] = ad_atom_value(t, ot[i]);
  value *trees = ARENA_ARRAY(&t->scratch, value, 3);
  int k = 0;
  trees[0] = tree_unflatten(t, &bd->result, vals, &k);
  k = nout;
  if (!has_aux) {
    trees[1] = tree_unflatten(t, &bd->result, vals, &k);
    *out = (value){.kind = V_TUPLE, .items = trees, .n = 2};
    return true;
  }
  trees[1] = tree_unflatten(t, &bd->result.items[0], vals, &k);
  trees[2] = trees[0].items[1], trees[0] = trees[0].items[0];
  *out = (value){.kind = V_TUPLE, .items = trees, .n = 3};
  return true;
}

bool ad_jvp(tracer *t, body_fn fn, const void *ctx, const body_info *info, const value *primals,
            const value *tangents, bool has_aux, node *call, value *out) {
  tj_span span = call->span;
  leaves lp = {0}, lt = {0};
  if (!tree_flatten(t, primals, &lp, span, "jvp primals") || !tree_flatten(t, tangents, &lt, span, "jvp tangents"))
    return false;
  for (int i = 0; i < lp.n; i++)
    if (!check_pair(t, &lp.v[i], &lt.v[i], span)) return false;
  body bd = {0};
  if (!trace_with(t, fn, ctx, primals->items, primals->n, NULL, info, call, &bd)) return false;
  return replay_body(t, &bd, &lp, &lt, has_aux, span, out);
}

/* jvp(f, primals, tangents) */
static bool builtin_jvp(tracer *t, const builtin_def *b, const call_args *a, value *out) {
  (void)b;
  if (!check_args(t, a)) return false;
  body_info info = {"jvp", &a->pos[0], NULL, 0};
  return ad_jvp(t, call_fn, &a->pos[0], &info, &a->pos[1], &a->pos[2], false, a->call, out);
}

const builtin_def builtins_ad[] = {
    {"jvp", builtin_jvp, 3, 3, NULL, 0},
    {NULL, NULL, 0, 0, NULL, 0},
};
