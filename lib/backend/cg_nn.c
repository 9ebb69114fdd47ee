/* C rule of lax.is_finite_p (jax.nn, issue 14 item 5). */
#include "codegen.h"

/* x - x is 0 exactly when x is finite (inf - inf and NaN give NaN): no
 * libm call, and a fused loop keeps it branch-free. */
bool cg_is_finite(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)g, (void)e;
  buf_printf(expr, "(bool)((%s) - (%s) == 0)", ops[0], ops[0]);
  return true;
}
