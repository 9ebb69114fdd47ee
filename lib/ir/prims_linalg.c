/* Shape and dtype rules of the linear algebra primitives (issue 14 item 6,
 * the matrix 2-norms of jnp.linalg.norm): lax.linalg.svd_p, built by
 * linalg_primitive (jax/_src/lax/linalg.py) from _svd_shape_rule,
 * _svd_dtype_rule and naryop_dtype_rule's check of (_float | _complex). */
#include "prims.h"

/* A shape rule's type error (the rule's m, e and diags in scope). */
#define REJECT(...) shape_rule_error(diags, m, e, __VA_ARGS__)

/* Outputs (s, u, vt) as svd_p returns them (lax.linalg.svd reorders them
 * to (u, s, vt)): s of k = min(m, n) per matrix, u m x m or m x k, vt
 * n x n or k x n, the batch dimensions in front. */
/* subset_by_index's [lo, hi) of k singular values (None: all of them);
 * false when it is no pair of ints within 0 <= lo <= hi <= k (tjit records
 * no other). */
bool svd_subset(const ir_eqn *e, int64_t k, int64_t *lo, int64_t *hi) {
  int64_t v[2];
  *lo = 0, *hi = k;
  if (ir_param_is_none(e, "subset_by_index")) return true;
  if (ir_param_ints(e, "subset_by_index", v, 2) != 2 || v[0] < 0 || v[0] > v[1] || v[1] > k) return false;
  *lo = v[0], *hi = v[1];
  return true;
}

bool shape_svd(const ir_module *m, const ir_eqn *e, tj_aval *out, diag_list *diags) {
  tj_aval a = ir_atom_aval(m, e->in[0]);
  bool uv = ir_param_bool(e, "compute_uv", true), full = ir_param_bool(e, "full_matrices", true);
  if (!dtype_is_float(a.dtype))
    return REJECT("svd does not accept dtype %s at position 0. Accepted dtypes at position 0 are subtypes of "
                  "floating, complexfloating.", dtype_long(a.dtype));
  if (a.rank < 2)
    return REJECT("Input 0 to svd must have rank at least 2, but got shape=%s", shape_rule_tuple(diags, a.dims, a.rank));
  if (e->nout != (uv ? 3u : 1u)) return REJECT("svd has %d outputs with compute_uv=%s", uv ? 3 : 1, uv ? "True" : "False");
  int b = a.rank - 2;
  int64_t rows = a.dims[b], cols = a.dims[b + 1], k = rows < cols ? rows : cols, lo, hi;
  bool read = svd_subset(e, k, &lo, &hi);
  if (full && (!read || lo != 0 || hi != k)) /* _svd_shape_rule: subset_by_index != (0, rank) */
    return shape_rule_value_error(diags, m, e, "full_matrices and subset_by_index cannot both be set");
  if (!read)
    return REJECT("svd's subset_by_index must be a pair (start, end) with 0 <= start <= end <= %lld", (long long)k);
  k = hi - lo;
  out[0] = a;
  out[0].rank = (uint8_t)(b + 1), out[0].dims[b] = k; /* weak as the operand (_standard_weak_type_rule) */
  if (!uv) return true;
  out[1] = a, out[2] = a;
  out[1].dims[b] = rows, out[1].dims[b + 1] = full ? rows : k;
  out[2].dims[b] = full ? cols : k, out[2].dims[b + 1] = cols;
  return true;
}
