/* C rule of lax.sort_p: one call of the runtime's stable sort (radix or merge)
 * (sort_rt.c) with the operands, the outputs, their dtypes and a scratch
 * buffer; the order is the evaluator's (eval_sort.c). */
#include "codegen.h"

bool cg_sort(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t dim = ir_param_int(e, "dimension", -1), nkeys = ir_param_int(e, "num_keys", 0);
  if (dim < 0 || dim >= a.rank || nkeys < 1 || nkeys > (int64_t)e->nin) return cg_fail(g, "internal error: sort");
  int64_t outer = 1, inner = 1, n = a.dims[dim];
  for (int d = 0; d < dim; d++) outer *= a.dims[d];
  for (int d = dim + 1; d < a.rank; d++) inner *= a.dims[d];
  uint32_t id = cg_fresh(g);
  tj_buf ins = {0}, outs = {0}, types = {0};
  for (uint32_t i = 0; i < e->nin; i++) {
    tj_buf p = {0}, q = {0};
    cg_ptr(g, e->in[i], &p), cg_ptr(g, ATOM_VAR(e->out[i]), &q);
    buf_printf(&ins, "%s(const void *)%s", i ? ", " : "", p.data);
    buf_printf(&outs, "%s(void *)%s", i ? ", " : "", q.data);
    buf_printf(&types, "%s%d", i ? ", " : "", (int)cg_aval(g, e->in[i]).dtype);
    buf_free(&p), buf_free(&q);
  }
  cg_frame(g, 20 * (uint64_t)e->nin); /* the argument arrays */
  cg_line(g, "{ const void *si%u[] = {%s}; void *so%u[] = {%s}; int st%u[] = {%s};", id, ins.data, id, outs.data,
          id, types.data);
  cg_line(g, "  void *ss%u = %s(rt, %lld);", id, cg_fn(g, "tj_rt_alloc"), (long long)(32 * n + 32));
  cg_line(g, "  %s(si%u, so%u, st%u, %u, %lld, %lld, %lld, %lld, ss%u);", cg_fn(g, "tj_rt_sort"), id, id, id,
          e->nin, (long long)nkeys, (long long)outer, (long long)n, (long long)inner, id);
  cg_line(g, "  %s(rt, ss%u); }", cg_fn(g, "tj_rt_free"), id);
  buf_free(&ins), buf_free(&outs), buf_free(&types);
  return true;
}

/* lax.top_k_p: one call of sort_rt.c's k-heap selection. */
bool cg_top_k(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1), k = ir_param_int(e, "k", -1);
  if (axis < 0 || axis >= a.rank || k < 0 || k > a.dims[axis]) return cg_fail(g, "internal error: top_k");
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= a.dims[d];
  for (int d = axis + 1; d < a.rank; d++) inner *= a.dims[d];
  uint32_t id = cg_fresh(g);
  tj_buf in = {0}, v = {0}, ix = {0};
  cg_ptr(g, e->in[0], &in), cg_ptr(g, ATOM_VAR(e->out[0]), &v), cg_ptr(g, ATOM_VAR(e->out[1]), &ix);
  cg_line(g, "{ void *ts%u = %s(rt, %lld);", id, cg_fn(g, "tj_rt_alloc"), (long long)(16 * k + 16));
  cg_line(g, "  %s((const void *)%s, (void *)%s, (int *)%s, %d, %lld, %lld, %lld, %lld, ts%u);",
          cg_fn(g, "tj_rt_top_k"), in.data, v.data, ix.data, (int)a.dtype, (long long)outer,
          (long long)a.dims[axis], (long long)inner, (long long)k, id);
  cg_line(g, "  %s(rt, ts%u); }", cg_fn(g, "tj_rt_free"), id);
  buf_free(&in), buf_free(&v), buf_free(&ix);
  return true;
}
