/* Shape rules of lax.stack_p, lax.split_p, lax.unstack_p and lax.tile_p
 * (jax/_src/lax/lax.py _stack_shape_rule, _split_shape_rule,
 * _tile_abstract_eval): stack inserts an axis of the operand count, split
 * cuts one axis into the given sizes, tile multiplies each dimension. */
#include "prims.h"
#include "limits.h"
#include "util.h"

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)
#define TUPLE(v, n) shape_rule_tuple(diags, (v), (n))

/* "(2,), (3,)": the operands' shapes as _stack_shape_rule joins them. */

bool shape_stack(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  if (e->nin < 1) return REJECT("stack expects at least one operand, got 0.");
  tj_aval first = ir_atom_aval(m, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1);
  out[0] = first;
  for (uint32_t i = 1; i < e->nin; i++) {
    tj_aval b = ir_atom_aval(m, e->in[i]);
    if (b.rank != first.rank)
      return REJECT("Cannot stack arrays with different numbers of dimensions: got %s.",
                    shape_rule_operand_shapes(diags, m, e, ", "));
    if (!aval_same_shape(&b, &first))
      return REJECT("All input arrays must have the same shape. Got %s.", shape_rule_operand_shapes(diags, m, e, ", "));
    if (b.dtype != first.dtype)
      return REJECT("stack requires arguments to have the same dtypes, got %s, %s.", dtype_long(first.dtype),
                    dtype_long(b.dtype));
    out[0].weak = out[0].weak && b.weak;
  }
  if (axis < 0 || axis > first.rank || first.rank + 1 > TJ_MAX_RANK)
    return REJECT("stack axis %lld out of range for operands of rank %d", (long long)axis, first.rank);
  if ((int64_t)e->nin * aval_size(&first) > TJ_MAX_ELEMENTS) return REJECT("stack result too large");
  out[0].rank = (uint8_t)(first.rank + 1);
  for (int d = first.rank; d > axis; d--) out[0].dims[d] = first.dims[d - 1];
  out[0].dims[axis] = e->nin;
  return true;
}

bool shape_split(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1), sizes[TJ_MAX_SPLIT_OUTPUTS], total = 0;
  int n = ir_param_ints(e, "sizes", sizes, TJ_MAX_SPLIT_OUTPUTS);
  if (n < 0 || (uint32_t)n != e->nout) return REJECT("split has one output per size");
  if (axis < 0 || axis >= a.rank) return REJECT("split axis %lld out of range", (long long)axis);
  for (int i = 0; i < n; i++)
    if (sizes[i] < 0) return REJECT("Sizes passed to split must be nonnegative, got %s", TUPLE(sizes, n));
  for (int i = 0; i < n; i++) total += sizes[i];
  if (total != a.dims[axis])
    return REJECT("Sum of sizes %lld must be equal to dimension %lld of the operand shape %s", (long long)total,
                  (long long)axis, TUPLE(a.dims, a.rank));
  for (int i = 0; i < n; i++) {
    out[i] = a;
    out[i].dims[axis] = sizes[i];
  }
  return true;
}

/* lax.py _unstack_shape_rule: a scalar is refused; one output per index
 * along axis, of the operand's shape without it. */
bool shape_unstack(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1);
  if (a.rank == 0)
    return REJECT("unstack requires arrays with rank > 0, however a scalar array of shape () was passed.");
  if (axis < 0 || axis >= a.rank) return REJECT("unstack axis %lld out of range", (long long)axis);
  if ((int64_t)e->nout != a.dims[axis]) return REJECT("unstack has one output per index along its axis");
  for (uint32_t i = 0; i < e->nout; i++) {
    out[i] = a;
    out[i].rank = (uint8_t)(a.rank - 1);
    for (int d = (int)axis; d < out[i].rank; d++) out[i].dims[d] = a.dims[d + 1];
  }
  return true;
}

bool shape_tile(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]);
  int64_t reps[TJ_MAX_RANK + 1], size = 1;
  int n = ir_param_ints(e, "reps", reps, TJ_MAX_RANK + 1);
  if (n != a.rank)
    return REJECT("reps length must be equal to the ndim of x, got len(reps)=%d and x.ndim=%d.", n, a.rank);
  out[0] = a;
  for (int d = 0; d < n; d++) {
    if (reps[d] < 0) return REJECT("tile reps must be nonnegative, got %s", TUPLE(reps, n));
    if (__builtin_mul_overflow(a.dims[d], reps[d], &out[0].dims[d]) ||
        __builtin_mul_overflow(size, out[0].dims[d], &size) || size > TJ_MAX_ELEMENTS)
      return REJECT("tile result too large");
  }
  return true;
}
