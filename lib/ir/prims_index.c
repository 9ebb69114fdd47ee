/* Shape rules of the index primitives (rows in prims.def): slice, squeeze,
 * rev, dynamic_slice, dynamic_update_slice, concatenate and the scatters, as lax's shape rules
 * check them (jax/_src/lax/slicing.py, lax.py). */
#include "prims.h"

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

static tj_aval operand(const ir_module *m, const ir_eqn *e, uint32_t i) {
  return ir_atom_aval(m, e->in[i]);
}

/* A tuple param of n ints into out (n <= TJ_MAX_RANK); false if missing. */
static bool int_tuple(const ir_eqn *e, const char *key, int64_t *out, int *n) {
  int got = ir_param_ints(e, key, out, TJ_MAX_RANK);
  if (got < 0) return false;
  *n = got;
  return true;
}

bool shape_slice(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t start[TJ_MAX_RANK], limit[TJ_MAX_RANK], strides[TJ_MAX_RANK];
  int ns, nl, nst = a.rank;
  bool unit_strides = ir_param_is_none(e, "strides");
  if (!int_tuple(e, "start_indices", start, &ns) || !int_tuple(e, "limit_indices", limit, &nl) ||
      (!unit_strides && !int_tuple(e, "strides", strides, &nst)))
    return REJECT("slice needs start_indices, limit_indices and strides");
  if (ns != a.rank || nl != a.rank || nst != a.rank)
    return REJECT("slice start_indices, limit_indices and strides must have one entry per dimension");
  out[0] = a;
  for (int d = 0; d < a.rank; d++) {
    int64_t stride = unit_strides ? 1 : strides[d];
    if (start[d] < 0 || limit[d] < start[d] || limit[d] > a.dims[d] || stride < 1)
      return REJECT("slice indices out of range for dimension %d", d);
    out[0].dims[d] = limit[d] == start[d] ? 0 : (limit[d] - start[d] - 1) / stride + 1;
  }
  return true;
}


bool shape_rev(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t dims[TJ_MAX_RANK];
  int n;
  if (!int_tuple(e, "dimensions", dims, &n)) return REJECT("rev needs dimensions");
  for (int i = 0; i < n; i++)
    if (dims[i] < 0 || dims[i] >= a.rank) return REJECT("rev dimensions out of range");
  out[0] = a;
  return true;
}

/* The start indices are scalars of one integer dtype (lax's rule). */
bool shape_dynamic_slice(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0);
  int64_t sizes[TJ_MAX_RANK];
  int n;
  if (!int_tuple(e, "slice_sizes", sizes, &n)) return REJECT("dynamic_slice needs slice_sizes");
  if (e->nin != (uint32_t)a.rank + 1 || n != a.rank)
    return REJECT("dynamic_slice needs one start index and one slice size per dimension");
  for (uint32_t i = 1; i < e->nin; i++) {
    tj_aval s = operand(m, e, i), s0 = operand(m, e, 1);
    if (s.rank != 0 || !dtype_is_int(s.dtype) || s.dtype != s0.dtype)
      return REJECT("index arguments to dynamic_slice must be integers of the same type");
  }
  out[0] = a;
  for (int d = 0; d < a.rank; d++) {
    if (sizes[d] < 0 || sizes[d] > a.dims[d])
      return REJECT("slice slice_sizes must be less than or equal to operand shape");
    out[0].dims[d] = sizes[d];
  }
  return true;
}


/* slicing.py _dynamic_update_slice_shape_rule and _dtype_rule. */
bool shape_dynamic_update_slice(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  if (e->nin < 2) return REJECT("dynamic_update_slice needs an operand and an update");
  tj_aval a = operand(m, e, 0), u = operand(m, e, 1);
  if (a.rank != u.rank)
    return REJECT("dynamic_update_slice update must have the same rank as operand, got update rank %d for operand "
                  "rank %d.", u.rank, a.rank);
  if ((uint32_t)a.rank + 2 != e->nin)
    return REJECT("dynamic_update_slice start_indices must have length equal to the rank of operand");
  for (int d = 0; d < a.rank; d++)
    if (u.dims[d] > a.dims[d])
      return REJECT("dynamic_update_slice update shape must be smaller than operand shape");
  if (u.dtype != a.dtype)
    return REJECT("dynamic_update_slice requires arguments to have the same dtypes, got %s, %s.",
                  dtype_long(a.dtype), dtype_long(u.dtype));
  for (uint32_t i = 2; i < e->nin; i++) {
    tj_aval s = operand(m, e, i), s0 = operand(m, e, 2);
    if (s.rank != 0) return REJECT("start_indices arguments to dynamic_update_slice must be scalars");
    if (!dtype_is_int(s.dtype) || s.dtype != s0.dtype)
      return REJECT("index arguments to dynamic_update_slice must be integers of the same type");
  }
  out[0] = a;
  return true;
}

/* scatter*(operand, indices, updates): the result has the operand's aval;
 * updates have its dtype and the indices are integers. */
bool shape_scatter(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = operand(m, e, 0), idx = operand(m, e, 1), upd = operand(m, e, 2);
  if (!dtype_is_int(idx.dtype) || idx.rank < 1)
    return REJECT("%s indices must be an integer array", prims[e->prim].name);
  if (upd.dtype != a.dtype)
    return REJECT("lax.scatter requires arguments to have the same dtypes, got %s, %s.", /* _scatter_dtype_rule */
                  dtype_long(a.dtype), dtype_long(upd.dtype));
  bool numeric = e->prim == P_scatter_add || e->prim == P_scatter_sub || e->prim == P_scatter_mul;
  if (numeric && a.dtype == DT_BOOL)
    return REJECT("%s does not accept dtype bool", prims[e->prim].name);
  if (!ir_param_get(e, "dimension_numbers")) return REJECT("%s needs dimension_numbers", prims[e->prim].name);
  out[0] = a;
  return true;
}
