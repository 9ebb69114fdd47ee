/* The JVP of a user's custom_jvp function (ad.py
 * JVPTrace.process_custom_jvp_call, symbolic_zeros=False): with a nonzero
 * tangent the rule runs on the trace below in place of the equation, the
 * zero tangents of the arguments instantiated first (instantiate_zeros).
 * The rule was traced where the function was called (trace_custom.c)
 * into a jaxpr taking the equation's operands (its num_consts captured
 * values, then the arguments) and one tangent per argument, returning the
 * primal outputs then the tangent outputs; replaying it with every tangent
 * a symbolic zero appends its equations as the rule binds them, so the
 * listing is the rule's (its call of the function a custom_jvp_call of
 * its own). Reverse mode gets the same equations through vjp.c's
 * linearization, as LinearizeTrace.process_custom_jvp_call's
 * linearize_from_jvp partially evaluates the rule. */
#include "jvp_rules.h"

#include <stdlib.h>
#include <string.h>

#include "ir_build.h"

#include "prims.h"
#include "util.h"

/* A replayed rule's own calls of custom functions get call_jaxprs of
 * their own (a copy with fresh variables, replayed with zero tangents),
 * as JAX's rule retraces the function each time it runs: a rule replayed
 * twice (a jit body differentiated twice) prints two jaxprs, not one
 * shared. j's equations from `from` on; their params arrays are copied. */
void jvp_custom_fresh_calls(const jvp_target *t, ir_jaxpr *j, uint32_t from) {
  ir_module *m = t->m;
  for (uint32_t k = from; k < j->neqns; k++) {
    ir_eqn *e = &j->eqns[k];
    if (e->prim != P_custom_jvp_call && e->prim != P_custom_vjp_call) continue;
    const ir_jaxpr *src = ir_param_jaxpr(e, "call_jaxpr");
    if (!src) continue;
    ir_jaxpr *nj = ir_jaxpr_new(m);
    nj->constvars = src->constvars, nj->nconst = src->nconst;
    nj->invars = ARENA_ARRAY(&m->arena, uint32_t, src->nin + 1);
    ir_atom *buf = ARENA_ARRAY(&m->arena, ir_atom, 2 * src->nin + 2 * src->nout + 1);
    ir_atom *ins = buf, *zs = ins + src->nin, *op = zs + src->nin, *ot = op + src->nout;
    for (uint32_t i = 0; i < src->nin; i++) {
      nj->invars[nj->nin++] = ir_new_var(m, &m->vars[src->invars[i]]);
      ins[i] = ATOM_VAR(nj->invars[i]), zs[i] = JVP_ZERO;
    }
    jvp_target inner = *t;
    inner.dst = nj;
    if (!jvp_replay(&inner, src, ins, zs, op, ot)) continue; /* the error is reported */
    ir_build_outs(m, nj, op, src->nout);
    jvp_custom_fresh_calls(t, nj, 0);
    ir_param *ps = ARENA_ARRAY(&m->arena, ir_param, e->nparams + 1);
    for (uint16_t p = 0; p < e->nparams; p++) {
      ps[p] = e->params[p];
      if (strcmp(ps[p].key, "call_jaxpr") == 0) ps[p].val = pv_jaxpr(m, nj);
    }
    e->params = ps;
  }
}

/* A rule's param without its jaxpr: the error trace_custom.c deferred to
 * where JAX runs the rule (items[0]), reported at e's span. */
bool jvp_custom_rule_missing(const jvp_target *t, const ir_eqn *e, const pval *v) {
  if (v && v->jaxpr) return false;
  const char *msg = v && v->nitems == 1 && v->items[0]->kind == PV_NAME ? v->items[0]->s : NULL;
  diag_error(t->diags, t->m->src, e->span, "%s", msg ? msg : "internal error: a custom rule is missing");
  return true;
}

bool jvp_custom_user_rule(jq *q) {
  const ir_eqn *e = q->e;
  const pval *v = ir_param_get(e, "jvp");
  if (!v || v->kind != PV_NAME || (!v->jaxpr && !v->nitems)) return false; /* relu's, logaddexp's */
  if (jvp_custom_rule_missing(q->b.t, e, v)) {
    q->b.failed = true;
    return true;
  }
  const ir_jaxpr *rule = v->jaxpr;
  const pval *nc = ir_param_get(e, "num_consts");
  uint32_t nconst = nc && nc->kind == PV_INT ? (uint32_t)nc->i : 0, nargs = e->nin - nconst, nout = e->nout;
  if (rule->nin != e->nin + nargs || rule->nout != 2 * nout) TJ_BUG("custom_jvp rule of the wrong arity");
  for (uint32_t i = 0; i < nconst; i++)
    if (q->dt[i] != JVP_ZERO) {
      q->b.failed = !diag_error(q->b.t->diags, q->b.t->m->src, e->span,
                              "a custom_jvp function that closes over a value being differentiated cannot be "
                              "differentiated: pass the value as an argument");
      return true;
    }
  ir_atom *ins = malloc(sizeof *ins * 2 * (rule->nin + rule->nout + 1));
  if (!ins) TJ_OOM();
  ir_atom *zs = ins + rule->nin, *op = zs + rule->nin, *ot = op + rule->nout;
  for (uint32_t i = 0; i < e->nin; i++) ins[i] = q->p[i];
  for (uint32_t i = 0; i < nargs; i++) ins[e->nin + i] = jvp_instantiate(q, q->dt[nconst + i], q->p[nconst + i]);
  for (uint32_t i = 0; i < rule->nin; i++) zs[i] = JVP_ZERO;
  uint32_t from = q->b.t->dst->neqns;
  if (q->b.failed || !jvp_replay(q->b.t, rule, ins, zs, op, ot)) q->b.failed = true;
  else jvp_custom_fresh_calls(q->b.t, q->b.t->dst, from);
  for (uint32_t i = 0; !q->b.failed && i < nout; i++) q->po[i] = op[i], q->to[i] = op[nout + i];
  free(ins);
  return true;
}

/* ad.py JVPTrace / LinearizeTrace.process_custom_vjp_call: the fwd rule
 * run on the trace below (its equations here, the primal outputs and the
 * residuals its outputs), then custom_lin_p bound on the residuals and the
 * nonzero tangents: the linear part, which the transpose turns into the
 * bwd rule's equations (transpose_custom.c). A tangent of a captured value
 * is lift_fwd's CustomVJPException. */
void jvp_custom_vjp_call(jq *q) {
  const ir_eqn *e = q->e;
  pval *bwd = (pval *)ir_param_get(e, "bwd");
  const pval *fv = ir_param_get(e, "fwd");
  const ir_jaxpr *fwd = fv && fv->kind == PV_NAME ? fv->jaxpr : NULL;
  const pval *nc = ir_param_get(e, "num_consts");
  uint32_t nconst = nc && nc->kind == PV_INT ? (uint32_t)nc->i : 0, nargs = e->nin - nconst, nout = e->nout;
  if (jvp_custom_rule_missing(q->b.t, e, fv)) {
    q->b.failed = true;
    return;
  }
  const char *err = NULL;
  for (uint32_t i = 0; !err && i < nconst; i++)
    if (q->dt[i] != JVP_ZERO)
      err = "Detected differentiation of a custom_vjp function with respect to a closed-over value. That isn't "
            "supported because the custom VJP rule only specifies how to differentiate the custom_vjp function "
            "with respect to explicit input parameters. Try passing the closed-over value into the custom_vjp "
            "function as an argument, and adapting the custom_vjp fwd and bwd rules.";
  if (err) {
    q->b.failed = !diag_error(q->b.t->diags, q->b.t->m->src, e->span, "%s", err);
    return;
  }
  uint32_t nres = fwd->nout - nout;
  ir_atom *buf = malloc(sizeof *buf * (2 * e->nin + 2 * fwd->nout + nres + nargs + 1));
  if (!buf) TJ_OOM();
  ir_atom *zs = buf, *op = zs + e->nin, *ot = op + fwd->nout, *lin = ot + fwd->nout;
  for (uint32_t i = 0; i < e->nin; i++) zs[i] = JVP_ZERO;
  uint32_t from = q->b.t->dst->neqns;
  if (!jvp_replay(q->b.t, fwd, q->p, zs, op, ot)) q->b.failed = true;
  else jvp_custom_fresh_calls(q->b.t, q->b.t->dst, from);
  ir_module *m = q->b.t->m;
  pval *in_zeros = pv_seq(m, PV_LIST, (int)nargs);
  uint32_t nlin = 0;
  for (uint32_t i = 0; i < nres; i++) lin[nlin++] = op[nout + i];
  for (uint32_t i = 0; i < nargs; i++) {
    bool zero = q->dt[nconst + i] == JVP_ZERO;
    in_zeros->items[i] = pv_bool(m, zero);
    if (!zero) lin[nlin++] = q->dt[nconst + i];
  }
  ir_param ps[4] = {{"bwd", bwd}, {"in_zeros", in_zeros}, {"num_res", pv_int(m, nres)},
                    {"symbolic_zeros", pv_bool(m, false)}};
  tj_aval *hint = ARENA_ARRAY(&m->arena, tj_aval, nout + 1);
  for (uint32_t i = 0; i < nout; i++) hint[i] = m->vars[e->out[i]]; /* to_tangent_aval of the outputs */
  if (!q->b.failed) jvp_build_n(q, P_custom_lin, lin, (int)nlin, ps, 4, hint, (int)nout, q->to);
  for (uint32_t i = 0; !q->b.failed && i < nout; i++) q->po[i] = op[i];
  free(buf);
}
