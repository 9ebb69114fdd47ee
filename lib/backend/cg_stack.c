/* C rules of lax.stack_p, lax.split_p, lax.unstack_p and lax.tile_p: stack and split are
 * block copies in row-major order, as eval_stack.c moves them (an operand of stack, an output of
 * split, is `outer` rows of `inner` elements below the axis). */
#include "codegen.h"

static int64_t product(const int64_t *dims, int from, int to) {
  int64_t p = 1;
  for (int d = from; d < to; d++) p *= dims[d];
  return p;
}

/* dst[o * dst_row + dst_at + j] = src[o * src_row + src_at + j] for o <
 * outer, j < inner. */
static void copy_rows(cg *g, uint32_t dst, ir_atom src, int64_t outer, int64_t inner, int64_t dst_row,
                      int64_t dst_at, int64_t src_row, int64_t src_at) {
  if (outer == 0 || inner == 0) return;
  tj_buf idx = {0}, s = {0};
  buf_printf(&idx, "o * %lld + %lld + j", (long long)src_row, (long long)src_at);
  cg_elem(g, src, idx.data, &s);
  cg_line(g, "for (long o = 0; o < %lld; o++)", (long long)outer);
  cg_line(g, "  for (long j = 0; j < %lld; j++) v%u[o * %lld + %lld + j] = %s;", (long long)inner, dst,
          (long long)dst_row, (long long)dst_at, s.data);
  buf_free(&idx), buf_free(&s);
}

bool cg_stack(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1);
  if (axis < 0 || axis > a.rank) return cg_fail(g, "internal error: stack");
  int64_t outer = product(a.dims, 0, (int)axis), inner = product(a.dims, (int)axis, a.rank);
  for (uint32_t k = 0; k < e->nin; k++)
    copy_rows(g, e->out[0], e->in[k], outer, inner, inner * e->nin, inner * k, inner, 0);
  return true;
}

bool cg_split(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1);
  if (axis < 0 || axis >= a.rank) return cg_fail(g, "internal error: split");
  int64_t outer = product(a.dims, 0, (int)axis), rest = product(a.dims, (int)axis + 1, a.rank);
  int64_t row = a.dims[axis] * rest, at = 0;
  for (uint32_t i = 0; i < e->nout; i++) {
    int64_t inner = g->m->vars[e->out[i]].dims[axis] * rest;
    copy_rows(g, e->out[i], e->in[0], outer, inner, inner, 0, row, at);
    at += inner;
  }
  return true;
}

/* unstack: split into sizes of 1 (the outputs drop the axis). */
bool cg_unstack(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  int64_t axis = ir_param_int(e, "axis", -1);
  if (axis < 0 || axis >= a.rank) return cg_fail(g, "internal error: unstack");
  int64_t outer = product(a.dims, 0, (int)axis), rest = product(a.dims, (int)axis + 1, a.rank);
  for (uint32_t i = 0; i < e->nout; i++)
    copy_rows(g, e->out[i], e->in[0], outer, rest, rest, 0, a.dims[axis] * rest, (int64_t)i * rest);
  return true;
}

/* A loop nest over the output reading the operand at each coordinate
 * modulo its dims. */
bool cg_tile(cg *g, const ir_eqn *e, const char *const *ops, tj_buf *expr) {
  (void)ops, (void)expr;
  tj_aval a = cg_aval(g, e->in[0]);
  const tj_aval *o = &g->m->vars[e->out[0]];
  if (cg_size(o) == 0) return true;
  int64_t st = 1, coef[TJ_MAX_RANK];
  for (int d = a.rank - 1; d >= 0; d--) coef[d] = st, st *= a.dims[d];
  tj_buf idx = {0}, src = {0}, dst = {0};
  buf_puts(&idx, "0");
  for (int d = 0; d < a.rank; d++)
    if (a.dims[d] > 1) buf_printf(&idx, " + i%d %% %lld * %lld", d, (long long)a.dims[d], (long long)coef[d]);
  int levels = cg_loops_begin(g, o, "i");
  cg_elem(g, e->in[0], idx.data, &src);
  cg_elem(g, ATOM_VAR(e->out[0]), "i", &dst);
  cg_line(g, "%s = %s;", dst.data, src.data);
  cg_loops_end(g, levels);
  buf_free(&idx), buf_free(&src), buf_free(&dst);
  return true;
}
