/* Shape rule of lax.sort_p (jax/_src/lax/lax.py _sort_abstract_eval):
 * every operand has the first one's shape; each output is its operand's
 * aval. */
#include "prims.h"
#include "util.h"

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

/* "(3,) (4,)": the operands' shapes as _sort_abstract_eval joins them. */

bool shape_sort(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  if (e->nin < 1 || e->nout != e->nin) return REJECT("Sort requires at least one operand");
  tj_aval a = ir_atom_aval(m, e->in[0]);
  int64_t dim = ir_param_int(e, "dimension", -1), keys = ir_param_int(e, "num_keys", 0);
  for (uint32_t i = 1; i < e->nin; i++) {
    tj_aval b = ir_atom_aval(m, e->in[i]);
    bool same = b.rank == a.rank;
    for (int d = 0; same && d < a.rank; d++) same = b.dims[d] == a.dims[d];
    if (!same)
      return REJECT("Arguments to sort must have equal shapes, got: %s", shape_rule_operand_shapes(diags, m, e, " "));
  }
  if (dim < 0 || dim >= a.rank) return REJECT("sort dimension %lld out of range", (long long)dim);
  if (keys < 1 || keys > (int64_t)e->nin) return REJECT("sort num_keys %lld out of range", (long long)keys);
  for (uint32_t i = 0; i < e->nin; i++) out[i] = ir_atom_aval(m, e->in[i]);
  return true;
}

/* jax/_src/lax/lax.py _top_k_abstract_eval: the axis shrinks to k; the
 * indices are int32. */
bool shape_top_k(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1), k = ir_param_int(e, "k", -1);
  if (e->nout != 2) return REJECT("top_k has two outputs");
  if (k < 0) return REJECT("k argument to top_k must be nonnegative, got %lld", (long long)k);
  if (a.rank == 0) return REJECT("top_k operand must have >= 1 dimension, got ()");
  if (axis < 0 || axis >= a.rank) return REJECT("axis argument out of range: axis=%lld", (long long)axis);
  if (a.dims[axis] < k) return REJECT("k argument to top_k must be no larger than size along axis");
  out[0] = a;
  out[0].dims[axis] = k;
  out[1] = out[0];
  out[1].dtype = DT_I32;
  out[1].weak = false;
  return true;
}
