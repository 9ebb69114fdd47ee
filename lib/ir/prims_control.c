/* Shape rules of the control-flow primitives: their outputs are the
 * sub-jaxprs' outputs (scan stacks its ys along a new leading axis). */
#include "prims.h"

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

bool shape_cond(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  const pval *br = ir_param_get(e, "branches");
  int nbranches = br && br->kind == PV_TUPLE ? ir_pval_njaxprs(br) : 0;
  if (nbranches < 1) return REJECT("cond needs branches");
  tj_aval index = ir_atom_aval(m, e->in[0]);
  if (index.dtype != DT_I32 || index.rank != 0) return REJECT("cond index must be an int32 scalar");
  for (int b = 0; b < nbranches; b++) {
    const ir_jaxpr *j = ir_pval_jaxpr(br, b);
    if (j->nin != e->nin - 1 || j->nout != e->nout) return REJECT("cond branch %d does not match the operands", b);
  }
  const ir_jaxpr *j0 = ir_pval_jaxpr(br, 0);
  for (uint32_t i = 0; i < e->nout; i++) out[i] = ir_atom_aval(m, j0->outs[i]);
  return true;
}

bool shape_while(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  const ir_jaxpr *body = ir_param_jaxpr(e, "body_jaxpr"), *cond = ir_param_jaxpr(e, "cond_jaxpr");
  int64_t bn = ir_param_int(e, "body_nconsts", -1), cn = ir_param_int(e, "cond_nconsts", -1);
  if (!body || !cond || bn < 0 || cn < 0) return REJECT("while needs body_jaxpr, cond_jaxpr and their nconsts");
  int64_t ncarry = (int64_t)e->nin - bn - cn;
  if (ncarry != (int64_t)e->nout || (int64_t)body->nout != ncarry) return REJECT("while carries do not match");
  for (uint32_t i = 0; i < e->nout; i++) out[i] = ir_atom_aval(m, body->outs[i]);
  /* a batched predicate (vmap: loops.py _while_lowering's `batched`) is a
   * bool array whose shape leads every carry's: each element stops its
   * own rows */
  tj_aval p = cond->nout == 1 ? ir_atom_aval(m, cond->outs[0]) : (tj_aval){.dtype = DT_F32};
  if (cond->nout != 1 || p.dtype != DT_BOOL) return REJECT("while's cond_jaxpr must return one bool");
  for (uint32_t i = 0; p.rank && i < e->nout; i++) {
    bool prefix = out[i].rank >= p.rank;
    for (int d = 0; prefix && d < p.rank; d++) prefix = out[i].dims[d] == p.dims[d];
    if (!prefix) return REJECT("while's batched predicate must lead the shape of every carry");
  }
  return true;
}

bool shape_scan(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  const ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr");
  int64_t len = ir_param_int(e, "length", -1), ncarry = ir_param_int(e, "num_carry", -1);
  if (!body || len < 0 || ncarry < 0) return REJECT("scan needs jaxpr, length and num_carry");
  if (body->nout != e->nout) return REJECT("scan outputs do not match its jaxpr");
  for (uint32_t i = 0; i < e->nout; i++) {
    out[i] = ir_atom_aval(m, body->outs[i]);
    if ((int64_t)i < ncarry) continue;
    if (out[i].rank >= TJ_MAX_RANK) return REJECT("scan output rank too large");
    for (int d = out[i].rank; d > 0; d--) out[i].dims[d] = out[i].dims[d - 1];
    out[i].dims[0] = len;
    out[i].rank++;
  }
  return true;
}

/* platform_index: an int32 scalar (_platform_index_aval). */
bool shape_platform_index(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  (void)m;
  if (ir_platform_branch(ir_param_get(e, "platforms"), "'cpu'") < 0)
    return REJECT("platform_index has no branch for cpu");
  out[0] = aval_scalar(DT_I32, false);
  return true;
}
