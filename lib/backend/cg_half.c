/* reduce_precision's C rule (issue 14 item 7): one element through the
 * prelude's tj_rp_<dtype> (codegen.c), XLA's ReducePrecision on the
 * element's bits in its own format, the evaluator's function
 * (half_bits.h tj_rp_bits). The half pass leaves an f16/bf16 operand in
 * its 2-byte format for it. */
#include "codegen.h"

bool cg_reduce_precision(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *out) {
  tj_dtype t = g->m->vars[e->out[0]].dtype;
  buf_printf(out, "%s(%s, %lldll, %lldll)", cg_helper(g, H_RP, t), ops[0],
             (long long)ir_param_int(e, "exponent_bits", 0), (long long)ir_param_int(e, "mantissa_bits", 0));
  return true;
}
