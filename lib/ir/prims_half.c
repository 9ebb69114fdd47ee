/* reduce_precision's shape rule (issue 14 item 7): lax.py's
 * _reduce_precision_shape_rule (its ValueErrors first, as
 * standard_abstract_eval runs the shape rule before the dtype rule), then
 * unop_dtype_rule on _float. */
#include "prims.h"

bool shape_reduce_precision(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  int64_t ebits = ir_param_int(e, "exponent_bits", 0), mbits = ir_param_int(e, "mantissa_bits", -1);
  if (ebits < 1)
    return shape_rule_value_error(diags, m, e, "reduce_precision: exponent_bits must be positive; got %lld",
                                  (long long)ebits);
  if (mbits < 0)
    return shape_rule_value_error(diags, m, e, "reduce_precision: mantissa_bits must be non-negative; got %lld",
                                  (long long)mbits);
  out[0] = ir_atom_aval(m, e->in[0]);
  return shape_rule_dtype_accepted(m, e, 0, out[0].dtype, diags);
}
