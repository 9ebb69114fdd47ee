/* Rules of the primitives jax.nn brings (issue 14 item 5): the body of a
 * call primitive, and lax.is_finite_p's shape rule. */
#include "prims.h"

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

const ir_jaxpr *call_body(const ir_eqn *e) {
  if (e->prim == P_jit) return ir_param_jaxpr(e, "jaxpr");
  if (e->prim == P_custom_jvp_call || e->prim == P_custom_vjp_call) return ir_param_jaxpr(e, "call_jaxpr");
  return NULL;
}

/* lax.py is_finite_p = unop(_fixed_dtype(np.bool_), _float, 'is_finite'):
 * the operand's shape, bool, and unop's message for another dtype. */
bool shape_is_finite(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]);
  if (!shape_rule_dtype_accepted(m, e, 0, a.dtype, diags)) return false;
  out[0] = a;
  out[0].dtype = DT_BOOL;
  out[0].weak = false;
  return true;
}

/* ad.custom_lin_p's abstract eval is its out_avals param (the tangent
 * types of the custom_vjp function's outputs), which tjit does not keep:
 * the builder's hint gives them (jvp_custom.c), ir_check the equation's. */
bool shape_custom_lin(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  (void)m, (void)e, (void)out, (void)diags;
  return true;
}

bool custom_lin_refused(const ir_jaxpr *j, diag_list *d, const tj_source *src) {
  for (uint32_t k = 0; k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    if (e->prim == P_custom_lin) {
      diag_error(d, src, e->span, "TypeError: can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
      return true;
    }
    for (int p = 0; p < e->nparams; p++)
      for (int i = 0; i < ir_pval_njaxprs(e->params[p].val); i++)
        if (custom_lin_refused(ir_pval_jaxpr(e->params[p].val, i), d, src)) return true;
  }
  return false;
}
