/* C rules of lax.pad_p, reduce_window_{sum,max,min}_p and the select_and_
 * {gather,scatter}_add of their gradients: one call of
 * the runtime (window_rt.c, built with the block kernels' flags) with the
 * shapes and the window as local arrays; the results are the evaluator's
 * (eval_window.c) bit for bit. */
#include "codegen.h"

#include <string.h>

#include "prims_window.h"
#include "window_rt.h"

/* `long name[] = {v0, v1};` (a 0 for rank 0: C has no empty array). */
static void long_array(tj_buf *b, const char *name, uint32_t id, const int64_t *v, int n) {
  buf_printf(b, " long %s%u[] = {", name, id);
  for (int i = 0; i < n; i++) buf_printf(b, i ? ", %lld" : "%lld", (long long)v[i]);
  buf_puts(b, n ? "};" : "0};");
}

bool cg_pad(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]), r = cg_aval(g, ATOM_VAR(e->out[0]));
  pad_spec p;
  if (!pad_spec_read(e, a.rank, &p)) return cg_fail(g, "internal error: pad without its padding_config");
  uint32_t id = cg_fresh(g);
  tj_buf decl = {0}, in = {0}, out = {0}, pv = {0};
  cg_ptr(g, e->in[0], &in), cg_ptr(g, ATOM_VAR(e->out[0]), &out), cg_elem(g, e->in[1], NULL, &pv);
  long_array(&decl, "pi", id, a.dims, a.rank), long_array(&decl, "po", id, r.dims, r.rank);
  long_array(&decl, "pl", id, p.lo, a.rank), long_array(&decl, "pn", id, p.interior, a.rank);
  cg_frame(g, 32 * (uint64_t)(a.rank + 1)); /* the four arrays */
  cg_line(g, "{%s %s pv%u = %s;", decl.data, cg_type(a.dtype), id, pv.data);
  cg_line(g, "  %s((const void *)%s, &pv%u, (void *)%s, %d, %d, pi%u, po%u, pl%u, pn%u); }", cg_fn(g, "tj_rt_pad"),
          in.data, id, out.data, dtype_size(a.dtype), a.rank, id, id, id, id);
  buf_free(&decl), buf_free(&in), buf_free(&out), buf_free(&pv);
  return true;
}

/* The window as the runtime takes it: dims, strides, low padding, base and
 * window dilations, rank entries each. */
static void window_flat(const window_spec *w, int rank, int64_t *win) {
  for (int k = 0; k < rank; k++) {
    win[k] = w->dims[k], win[rank + k] = w->strides[k], win[2 * rank + k] = w->lo[k];
    win[3 * rank + k] = w->base[k], win[4 * rank + k] = w->wdil[k];
  }
}

bool cg_reduce_window(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]), r = cg_aval(g, ATOM_VAR(e->out[0]));
  window_spec w;
  if (!window_spec_read(e, a.rank, &w)) return cg_fail(g, "internal error: %s without its window", prims[e->prim].name);
  if (!tj_rt_reduce_window_has(a.dtype))
    return cg_fail(g, "internal error: %s of %s has no C rule", prims[e->prim].name, dtype_short(a.dtype));
  int64_t win[5 * TJ_MAX_RANK];
  window_flat(&w, a.rank, win);
  uint32_t id = cg_fresh(g);
  int op = e->prim == P_reduce_window_sum ? 0 : e->prim == P_reduce_window_max ? 1 : 2;
  tj_buf decl = {0}, in = {0}, out = {0};
  cg_ptr(g, e->in[0], &in), cg_ptr(g, ATOM_VAR(e->out[0]), &out);
  long_array(&decl, "wi", id, a.dims, a.rank), long_array(&decl, "wo", id, r.dims, r.rank);
  long_array(&decl, "ww", id, win, 5 * a.rank);
  cg_frame(g, 56 * (uint64_t)(a.rank + 1)); /* the three arrays */
  cg_line(g, "{%s", decl.data);
  cg_line(g, "  %s((const void *)%s, (void *)%s, %d, %d, %d, wi%u, wo%u, ww%u); }", cg_fn(g, "tj_rt_reduce_window"),
          in.data, out.data, (int)a.dtype, op, a.rank, id, id, id);
  buf_free(&decl), buf_free(&in), buf_free(&out);
  return true;
}

/* select_and_gather_add(t, x) and select_and_scatter_add(t, x): one call of
 * the runtime function FN (window_rt.c) on operands whose shape is a's,
 * writing an array of out_dims, the window as reduce_window passes it. */
static bool cg_select_window(cg *g, const ir_eqn *e, const window_spec *w, tj_aval a, const int64_t *out_dims,
                             const char *fn) {
  if (a.dtype != DT_F32 && a.dtype != DT_F64)
    return cg_fail(g, "internal error: %s of %s has no C rule", prims[e->prim].name, dtype_short(a.dtype));
  const char *sel = ir_param_name(e, "select_prim");
  int64_t win[5 * TJ_MAX_RANK];
  window_flat(w, a.rank, win);
  uint32_t id = cg_fresh(g);
  tj_buf decl = {0}, tin = {0}, xin = {0}, out = {0};
  cg_ptr(g, e->in[0], &tin), cg_ptr(g, e->in[1], &xin), cg_ptr(g, ATOM_VAR(e->out[0]), &out);
  long_array(&decl, "si", id, a.dims, a.rank), long_array(&decl, "so", id, out_dims, a.rank);
  long_array(&decl, "sw", id, win, 5 * a.rank);
  cg_frame(g, 56 * (uint64_t)(a.rank + 1)); /* the three arrays */
  cg_line(g, "{%s", decl.data);
  cg_line(g, "  %s((const void *)%s, (const void *)%s, (void *)%s, %d, %d, %d, si%u, so%u, sw%u); }", cg_fn(g, fn),
          tin.data, xin.data, out.data, a.dtype == DT_F64, sel && strcmp(sel, "ge") == 0, a.rank, id, id, id);
  buf_free(&decl), buf_free(&tin), buf_free(&xin), buf_free(&out);
  return true;
}

/* select_and_gather_add: the result has the window's output shape. */
bool cg_select_and_gather_add(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[1]), r = cg_aval(g, ATOM_VAR(e->out[0]));
  window_spec w;
  if (!window_spec_read(e, a.rank, &w)) return cg_fail(g, "internal error: select_and_gather_add without its window");
  return cg_select_window(g, e, &w, a, r.dims, "tj_rt_select_gather");
}

/* select_and_scatter_add: the result has the operand's shape (dilations 1). */
bool cg_select_and_scatter_add(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval t = cg_aval(g, e->in[0]), a = cg_aval(g, e->in[1]);
  window_spec w;
  if (!select_scatter_spec_read(e, a.rank, &w))
    return cg_fail(g, "internal error: select_and_scatter_add without its window");
  return cg_select_window(g, e, &w, a, t.dims, "tj_rt_select_scatter");
}
