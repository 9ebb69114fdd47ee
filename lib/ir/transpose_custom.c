/* The transpose of ad.custom_lin_p (ad.py _custom_lin_transpose): the
 * output cotangents instantiated (symbolic_zeros=False), then the user's
 * bwd rule run on the residuals and them. The rule was traced where the
 * custom_vjp function was called (trace_custom.c) into a jaxpr of the
 * residuals and the cotangents returning one cotangent per argument leaf
 * the rule gave (its None's leave none: the bwd param's items say which,
 * _flatten_bwd's Zero); replaying it with zero tangents appends its
 * equations as bwd binds them. The nonzero inputs' cotangents are those
 * of the linear operands (in_zeros); the residuals get none. */
#include "transpose.h"

#include "jvp_rules.h"

#include <stdlib.h>

#include "prims.h"
#include "util.h"

void tr_custom_lin(tq *q) {
  const ir_eqn *e = q->e;
  const pval *b = ir_param_get(e, "bwd"), *z = ir_param_get(e, "in_zeros"), *nr = ir_param_get(e, "num_res");
  if (jvp_custom_rule_missing(q->b.t, e, b)) {
    q->b.failed = true;
    return;
  }
  const ir_jaxpr *bwd = b->jaxpr;
  if (!z || !nr || nr->kind != PV_INT) TJ_BUG("custom_lin without its params");
  uint32_t nres = (uint32_t)nr->i, nout = e->nout;
  ir_atom *buf = malloc(sizeof *buf * (2 * bwd->nin + 2 * bwd->nout + 1));
  if (!buf) TJ_OOM();
  ir_atom *ins = buf, *zs = ins + bwd->nin, *op = zs + bwd->nin, *ot = op + bwd->nout;
  for (uint32_t i = 0; i < nres; i++) ins[i] = e->in[i];
  for (uint32_t i = 0; i < nout; i++) {
    ins[nres + i] = q->ct[i];
    tj_aval a = q->b.t->m->vars[e->out[i]];
    if (q->ct[i] == JVP_ZERO && !jvp_zeros(q->b.t, &a, e->span, &ins[nres + i])) q->b.failed = true;
  }
  for (uint32_t i = 0; i < bwd->nin; i++) zs[i] = JVP_ZERO;
  uint32_t from = q->b.t->dst->neqns;
  if (!q->b.failed && !jvp_replay(q->b.t, bwd, ins, zs, op, ot)) q->b.failed = true;
  if (!q->b.failed) jvp_custom_fresh_calls(q->b.t, q->b.t->dst, from);
  for (uint32_t i = 0; i < e->nin; i++) q->cin[i] = JVP_ZERO;
  for (int k = 0, given = 0, lin = (int)nres; !q->b.failed && k < z->nitems; k++) {
    ir_atom ct = b->items[k]->i ? op[given++] : JVP_ZERO;
    if (!z->items[k]->i) q->cin[lin++] = ct;
  }
  free(buf);
}
