/* Eval rule of lax.is_finite_p (jax.nn, issue 14 item 5): true unless the
 * element is +-inf or NaN. */
#include "eval.h"

#include <math.h>

bool ev_is_finite(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  tj_array *r = out[0] = eval_new_out(s, e, 0);
  if (!r) return false;
  for (int64_t i = 0; i < r->size; i++) array_set_i(r, i, isfinite(array_get_f(in[0], i)) != 0);
  return true;
}

/* ad.custom_lin_p's impl and lowering: raise_custom_vjp_error_on_jvp. */
bool ev_custom_lin(eval_state *s, const ir_eqn *e, const tj_array *const *in, tj_array **out) {
  (void)e, (void)in, (void)out;
  return eval_fail(s, "TypeError: can't apply forward-mode autodiff (jvp) to a custom_vjp function.");
}
