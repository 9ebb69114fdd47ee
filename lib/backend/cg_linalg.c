/* C rule of lax.linalg.svd_p: one call of the runtime's Jacobi SVD
 * (linalg_rt.c) over the batch, with a scratch buffer; the results are
 * the evaluator's (eval_linalg.c), the same algorithm. */
#include "codegen.h"
#include "linalg_rt.h"

bool cg_svd(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  bool uv = ir_param_bool(e, "compute_uv", true), full = ir_param_bool(e, "full_matrices", true);
  if (a.rank < 2 || e->nout != (uv ? 3u : 1u)) return cg_fail(g, "internal error: svd");
  if (a.dtype != DT_F32 && a.dtype != DT_F64) return cg_fail(g, "svd of %s has no C rule", dtype_long(a.dtype));
  int64_t batch = 1, m = a.dims[a.rank - 2], n = a.dims[a.rank - 1], lo, hi;
  for (int d = 0; d < a.rank - 2; d++) batch *= a.dims[d];
  if (!svd_subset(e, m < n ? m : n, &lo, &hi)) return cg_fail(g, "internal error: svd's subset_by_index");
  uint32_t id = cg_fresh(g);
  tj_buf in = {0}, s = {0}, u = {0}, vt = {0};
  cg_ptr(g, e->in[0], &in), cg_ptr(g, ATOM_VAR(e->out[0]), &s);
  if (uv) cg_ptr(g, ATOM_VAR(e->out[1]), &u), cg_ptr(g, ATOM_VAR(e->out[2]), &vt);
  long scratch = tj_rt_svd_scratch((long)m, (long)n, full, uv);
  cg_line(g, "{ void *vs%u = %s(rt, %lld);", id, cg_fn(g, "tj_rt_alloc"), (long long)scratch * 8);
  cg_line(g, "  %s((const void *)%s, (void *)%s, (void *)%s, (void *)%s, %d, %lld, %lld, %lld, %d, %d, %lld, %lld, vs%u);",
          cg_fn(g, "tj_rt_svd"), in.data, s.data, uv ? u.data : "0", uv ? vt.data : "0", (int)a.dtype,
          (long long)batch, (long long)m, (long long)n, (int)full, (int)uv, (long long)lo, (long long)hi, id);
  cg_line(g, "  %s(rt, vs%u); }", cg_fn(g, "tj_rt_free"), id);
  buf_free(&in), buf_free(&s), buf_free(&u), buf_free(&vt);
  return true;
}
