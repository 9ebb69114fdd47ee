/* C rule of lax.is_finite_p (jax.nn, issue 14 item 5). */
#include "codegen.h"

/* x - x is 0 exactly when x is finite (inf - inf and NaN give NaN): no
 * libm call, and a fused loop keeps it branch-free. */
bool cg_is_finite(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)g, (void)e;
  buf_printf(expr, "(bool)((%s) - (%s) == 0)", ops[0], ops[0]);
  return true;
}

/* ad.custom_lin_p's lowering: raise_custom_vjp_error_on_jvp. */
bool cg_custom_lin(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)e, (void)ops, (void)expr;
  return cg_fail(g, "TypeError: can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
}
