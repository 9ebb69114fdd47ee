/* Shape rules of the control-flow primitives: their outputs are the
 * sub-jaxprs' outputs (scan stacks its ys along a new leading axis). */
#include "prims.h"

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

static const ir_jaxpr *jaxpr_param(const ir_eqn *e, const char *key) {
  const pval *p = ir_param_get(e, key);
  return p && p->kind == PV_JAXPR ? p->jaxpr : NULL;
}

bool shape_cond(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  const pval *br = ir_param_get(e, "branches");
  if (!br || br->kind != PV_TUPLE || br->nitems < 1) return REJECT("cond needs branches");
  tj_aval index = ir_atom_aval(m, e->in[0]);
  if (index.dtype != DT_I32 || index.rank != 0) return REJECT("cond index must be an int32 scalar");
  for (int b = 0; b < br->nitems; b++) {
    const ir_jaxpr *j = br->items[b]->jaxpr;
    if (j->nin != e->nin - 1 || j->nout != e->nout) return REJECT("cond branch %d does not match the operands", b);
  }
  const ir_jaxpr *j0 = br->items[0]->jaxpr;
  for (uint32_t i = 0; i < e->nout; i++) out[i] = ir_atom_aval(m, j0->outs[i]);
  return true;
}

bool shape_while(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  const ir_jaxpr *body = jaxpr_param(e, "body_jaxpr"), *cond = jaxpr_param(e, "cond_jaxpr");
  const pval *bn = ir_param_get(e, "body_nconsts"), *cn = ir_param_get(e, "cond_nconsts");
  if (!body || !cond || !bn || !cn) return REJECT("while needs body_jaxpr, cond_jaxpr and their nconsts");
  int64_t ncarry = (int64_t)e->nin - bn->i - cn->i;
  if (ncarry != (int64_t)e->nout || (int64_t)body->nout != ncarry) return REJECT("while carries do not match");
  for (uint32_t i = 0; i < e->nout; i++) out[i] = ir_atom_aval(m, body->outs[i]);
  return true;
}

bool shape_scan(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  const ir_jaxpr *body = jaxpr_param(e, "jaxpr");
  const pval *len = ir_param_get(e, "length"), *nc = ir_param_get(e, "num_carry");
  if (!body || !len || !nc) return REJECT("scan needs jaxpr, length and num_carry");
  if (body->nout != e->nout) return REJECT("scan outputs do not match its jaxpr");
  for (uint32_t i = 0; i < e->nout; i++) {
    out[i] = ir_atom_aval(m, body->outs[i]);
    if ((int64_t)i < nc->i) continue;
    if (out[i].rank >= TJ_MAX_RANK) return REJECT("scan output rank too large");
    for (int d = out[i].rank; d > 0; d--) out[i].dims[d] = out[i].dims[d - 1];
    out[i].dims[0] = len->i;
    out[i].rank++;
  }
  return true;
}
