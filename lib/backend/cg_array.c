/* C rules of the array primitives: element moves (transpose, slices,
 * concatenate, dynamic_slice, dynamic_update_slice) as loop nests over the
 * output whose source offset is linear in the loop indices; reductions, argmax/argmin and
 * dot_general in their own loops, accumulating in the order the reference
 * evaluator does (eval_array.c); large float matrix products through BLAS;
 * scatters as a copy then the scatter runtime (scatter_rt.c) or one update per element. */
#include "codegen.h"

#include <string.h>

/* Row-major strides of an aval. */
static void strides_of(const tj_aval *a, int64_t *st) {
  int64_t s = 1;
  for (int d = a->rank - 1; d >= 0; d--) st[d] = s, s *= a->dims[d];
}

/* " + i0 * 12 + i2" for the nonzero coefficients (index names prefix+d). */
static void linear(tj_buf *b, const char *prefix, const int64_t *coef, int n) {
  for (int d = 0; d < n; d++) {
    if (!coef[d]) continue;
    if (coef[d] == 1) buf_printf(b, " + %s%d", prefix, d);
    else buf_printf(b, " + %s%d * %lld", prefix, d, (long long)coef[d]);
  }
}

/* out[c] = a[base + sum c_d * coef_d] for every coordinate c of shape o
 * (out's own, or one of its size: a reshape's transposed operand). */
static void gather_loop_over(cg *g, const tj_aval *o, uint32_t out, ir_atom a, const char *base, const int64_t *coef) {
  tj_buf off = {0}, src = {0}, dst = {0};
  buf_puts(&off, base);
  linear(&off, "i", coef, o->rank);
  int levels = o->rank ? cg_loops_begin(g, o, "i") : -1;
  cg_elem(g, a, off.data, &src);
  cg_elem(g, ATOM_VAR(out), "i", &dst);
  cg_line(g, "%s = %s;", dst.data, src.data);
  if (levels >= 0) cg_loops_end(g, levels);
  buf_free(&off), buf_free(&src), buf_free(&dst);
}

static void gather_loop(cg *g, uint32_t out, ir_atom a, const char *base, const int64_t *coef) {
  gather_loop_over(g, &g->m->vars[out], out, a, base, coef);
}

/* gather_loop of e's operand into its output from a base known now. */
static bool gather_from(cg *g, const ir_eqn *e, int64_t base, const int64_t *coef) {
  char b[32];
  snprintf(b, sizeof b, "%lld", (long long)base);
  gather_loop(g, e->out[0], e->in[0], b, coef);
  return true;
}

/* Inside a fused loop (ops given) a broadcast is its operand's element;
 * on its own (hoisted before a loop) a gather into its buffer. */
bool cg_broadcast_in_dim(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  if (ops && expr) {
    buf_puts(expr, ops[0]);
    return true;
  }
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t bdims[TJ_MAX_RANK], st[TJ_MAX_RANK], coef[TJ_MAX_RANK] = {0};
  /* a scalar's broadcast carries no params (the listing prints none) */
  if (a.rank > 0 && ir_param_ints(e, "broadcast_dimensions", bdims, TJ_MAX_RANK) != a.rank)
    return cg_fail(g, "internal error: broadcast_in_dim");
  strides_of(&a, st);
  for (int k = 0; k < a.rank; k++)
    if (a.dims[k] != 1 && bdims[k] >= 0 && bdims[k] < TJ_MAX_RANK) coef[bdims[k]] = st[k];
  return gather_from(g, e, 0, coef);
}

bool cg_transpose(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t perm[TJ_MAX_RANK], st[TJ_MAX_RANK], coef[TJ_MAX_RANK];
  if (ir_param_ints(e, "permutation", perm, TJ_MAX_RANK) != a.rank) return cg_fail(g, "internal error: transpose");
  strides_of(&a, st);
  for (int d = 0; d < a.rank; d++) coef[d] = st[perm[d]];
  return gather_from(g, e, 0, coef);
}

/* Only copies reach here: reshapes of buffers share them (codegen.c);
 * but a reshape with dimensions moves the elements: the operand
 * transposed by that permutation, written out in row-major order. */
bool cg_reshape(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  if (e->prim != P_reshape || ir_param_is_none(e, "dimensions")) {
    cg_copy(g, e->out[0], e->in[0]);
    return true;
  }
  tj_aval a = cg_aval(g, e->in[0]), t = a;
  int64_t perm[TJ_MAX_RANK], st[TJ_MAX_RANK], coef[TJ_MAX_RANK];
  if (ir_param_ints(e, "dimensions", perm, TJ_MAX_RANK) != a.rank) return cg_fail(g, "internal error: reshape");
  strides_of(&a, st);
  for (int d = 0; d < a.rank; d++) t.dims[d] = a.dims[perm[d]], coef[d] = st[perm[d]];
  gather_loop_over(g, &t, e->out[0], e->in[0], "0", coef);
  return true;
}

bool cg_slice(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t start[TJ_MAX_RANK], step[TJ_MAX_RANK], st[TJ_MAX_RANK], coef[TJ_MAX_RANK], base = 0;
  if (ir_param_ints(e, "start_indices", start, TJ_MAX_RANK) != a.rank) return cg_fail(g, "internal error: slice");
  if (ir_param_is_none(e, "strides"))
    for (int d = 0; d < a.rank; d++) step[d] = 1;
  else if (ir_param_ints(e, "strides", step, TJ_MAX_RANK) != a.rank) return cg_fail(g, "internal error: slice");
  strides_of(&a, st);
  for (int d = 0; d < a.rank; d++) base += start[d] * st[d], coef[d] = step[d] * st[d];
  return gather_from(g, e, base, coef);
}

bool cg_rev(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t dims[TJ_MAX_RANK], st[TJ_MAX_RANK], coef[TJ_MAX_RANK], base = 0;
  int n = ir_param_ints(e, "dimensions", dims, TJ_MAX_RANK);
  if (n < 0) return cg_fail(g, "internal error: rev");
  strides_of(&a, st);
  memcpy(coef, st, sizeof st);
  for (int i = 0; i < n; i++)
    if (dims[i] >= 0 && dims[i] < a.rank && coef[dims[i]] > 0)
      base += (a.dims[dims[i]] - 1) * st[dims[i]], coef[dims[i]] = -st[dims[i]];
  return gather_from(g, e, base, coef);
}

/* Start indices clamped into [0, dim - size], as XLA does. */
bool cg_dynamic_slice(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t sizes[TJ_MAX_RANK], st[TJ_MAX_RANK];
  if (ir_param_ints(e, "slice_sizes", sizes, TJ_MAX_RANK) != a.rank || e->nin != (uint32_t)a.rank + 1)
    return cg_fail(g, "internal error: dynamic_slice");
  strides_of(&a, st);
  cg_line(g, "{");
  g->indent++;
  tj_buf base = {0};
  buf_puts(&base, "0");
  for (int d = 0; d < a.rank; d++) {
    tj_buf s = {0};
    cg_elem(g, e->in[1 + d], NULL, &s);
    long long hi = (long long)(a.dims[d] - sizes[d]);
    cg_line(g, "long s%d = (long)%s;", d, s.data);
    cg_line(g, "s%d = s%d < 0 ? 0 : s%d > %lld ? %lld : s%d;", d, d, d, hi, hi, d);
    buf_printf(&base, " + s%d * %lld", d, (long long)st[d]);
    buf_free(&s);
  }
  gather_loop(g, e->out[0], e->in[0], base.data, st);
  buf_free(&base);
  g->indent--;
  cg_line(g, "}");
  return true;
}

/* A copy of the operand, then the update written at the starts clamped
 * into [0, dim - update dim], as XLA does (ev_dynamic_update_slice). */
bool cg_dynamic_update_slice(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]), u = cg_aval(g, e->in[1]);
  if (e->nin != (uint32_t)a.rank + 2 || u.rank != a.rank) return cg_fail(g, "internal error: dynamic_update_slice");
  if (a.rank == 0) { cg_copy(g, e->out[0], e->in[1]); return true; }
  int64_t st[TJ_MAX_RANK];
  strides_of(&a, st);
  cg_copy(g, e->out[0], e->in[0]);
  cg_line(g, "{");
  g->indent++;
  tj_buf off = {0}, src = {0}, dst = {0};
  buf_puts(&off, "0");
  for (int d = 0; d < a.rank; d++) {
    tj_buf s = {0};
    cg_elem(g, e->in[2 + d], NULL, &s);
    long long hi = (long long)(a.dims[d] - u.dims[d]);
    cg_line(g, "long s%d = (long)%s;", d, s.data);
    cg_line(g, "s%d = s%d < 0 ? 0 : s%d > %lld ? %lld : s%d;", d, d, d, hi, hi, d);
    buf_printf(&off, " + (s%d + i%d) * %lld", d, d, (long long)st[d]);
    buf_free(&s);
  }
  int levels = cg_loops_begin(g, &u, "i");
  cg_elem(g, e->in[1], "i", &src);
  cg_elem(g, ATOM_VAR(e->out[0]), off.data, &dst);
  cg_line(g, "%s = %s;", dst.data, src.data);
  cg_loops_end(g, levels);
  buf_free(&off), buf_free(&src), buf_free(&dst);
  g->indent--;
  cg_line(g, "}");
  return true;
}

bool cg_concatenate(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  const tj_aval *o = &g->m->vars[e->out[0]];
  int64_t dim = ir_param_int(e, "dimension", -1), st[TJ_MAX_RANK], at = 0;
  if (dim < 0 || dim >= o->rank) return cg_fail(g, "internal error: concatenate");
  strides_of(o, st);
  for (uint32_t k = 0; k < e->nin; k++) {
    tj_aval a = cg_aval(g, e->in[k]);
    tj_buf off = {0}, src = {0};
    buf_printf(&off, "%lld", (long long)(at * st[dim]));
    linear(&off, "i", st, a.rank);
    int levels = cg_loops_begin(g, &a, "i");
    cg_elem(g, e->in[k], "i", &src);
    cg_line(g, "v%u[%s] = %s;", e->out[0], off.data, src.data);
    cg_loops_end(g, levels);
    at += a.dims[dim];
    buf_free(&off), buf_free(&src);
  }
  return true;
}

/* empty2: zero, as its lowering makes it (a scalar: a C variable). */
bool cg_empty2(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  cg_line(g, "v%u = (%s)0;", e->out[0], cg_type(g->m->vars[e->out[0]].dtype));
  return true;
}

bool cg_iota(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  const tj_aval *o = &g->m->vars[e->out[0]];
  int64_t dim = ir_param_int(e, "dimension", 0);
  if (o->rank == 0 || dim < 0 || dim >= o->rank) return cg_fail(g, "internal error: iota");
  int levels = cg_loops_begin(g, o, "i");
  cg_line(g, "v%u[i] = (%s)i%lld;", e->out[0], cg_type(o->dtype), (long long)dim);
  cg_loops_end(g, levels);
  return true;
}
