/* The batching rules of convolution and of max/min pooling's derivatives
 * (batch.def), after JAX 0.10.2's convolution.py
 * _conv_general_dilated_batch_rule (the batch folded into the lhs batch or
 * feature dimension, or the rhs output features, by _reshape_axis_into,
 * and unfolded from the output by _reshape_axis_out_of) and
 * windowed_reductions.py _select_and_gather_add_batching_rule and
 * _select_and_scatter_add_batch_rule (a window of 1 over a leading batch
 * axis). */
#include <string.h>

#include "batch_rules.h"
#include "conv.h"
#include "prims.h"
#include "util.h"

/* convolution.py _reshape_axis_into(src, dst, x): src moved to dst
 * (counted without src) and merged into the dimension there:
 * lax.reshape(x, new_shape, perm), dimensions=None for the identity. */
static ir_atom reshape_axis_into(bq *q, int src, int dst, ir_atom x) {
  tj_aval a = batch_aval(q, x);
  int64_t perm[TJ_MAX_RANK], shape[TJ_MAX_RANK];
  int n = 0;
  for (int i = 0; i < a.rank; i++)
    if (i != src) perm[n] = i, shape[n++] = a.dims[i];
  memmove(perm + dst + 1, perm + dst, sizeof *perm * (size_t)(n - dst)); /* perm.insert(dst, src) */
  perm[dst] = src;
  shape[dst] *= a.dims[src];
  return lax_reshape(&q->b, x, shape, n, perm);
}

/* convolution.py _reshape_axis_out_of(src, size1, x): dimension src split
 * into (size1, size2). */
static ir_atom reshape_axis_out_of(bq *q, int src, int64_t size1, ir_atom x) {
  tj_aval a = batch_aval(q, x);
  int64_t shape[TJ_MAX_RANK];
  for (int i = 0, k = 0; i < a.rank; i++) {
    if (i != src) { shape[k++] = a.dims[i]; continue; }
    shape[k++] = size1, shape[k++] = size1 ? a.dims[i] / size1 : 0;
  }
  return lax_reshape(&q->b, x, shape, a.rank + 1, NULL);
}

/* conv_general_dilated(lhs, rhs, ...) as the rule calls it: the
 * equation's params with the group counts given; padding as a tuple of
 * (lo, hi) pairs made Python ints (operator.index), as the wrapper makes
 * any padding that is not a string. */
static ir_atom conv(bq *q, ir_atom lhs, ir_atom rhs, int64_t fgc, int64_t bgc) {
  ir_module *m = q->bt->t.m;
  const ir_eqn *e = q->e;
  ir_param ps[16];
  int np = e->nparams < 16 ? e->nparams : 16;
  int64_t lo[TJ_MAX_RANK], hi[TJ_MAX_RANK];
  for (int i = 0; i < np; i++) {
    ps[i] = e->params[i];
    if (strcmp(ps[i].key, "feature_group_count") == 0) ps[i].val = pv_int(m, fgc);
    if (strcmp(ps[i].key, "batch_group_count") == 0) ps[i].val = pv_int(m, bgc);
    int n = strcmp(ps[i].key, "padding") == 0 ? ir_pval_padding(ps[i].val, lo, hi, TJ_MAX_RANK) : -1;
    if (n >= 0) ps[i].val = ir_padding_new(m, lo, hi, n);
  }
  ir_atom in[2] = {lhs, rhs};
  return lax_bind(&q->b, P_conv_general_dilated, in, 2, ps, np, NULL);
}

/* A batch of size 0: lax.full((0,) + shape, 0) of the output's dtype
 * (reshapes into the batch or feature dimension would not work). */
static void empty_batch(bq *q) {
  tj_aval a = q->bt->t.m->vars[q->e->out[0]];
  memmove(a.dims + 1, a.dims, sizeof *a.dims * a.rank);
  a.dims[0] = 0, a.rank++, a.weak = false;
  q->out[0] = lax_full(&q->b, &a, 0), q->od[0] = 0;
}

/* Both operands mapped: the batch folded into the lhs batch dimension
 * (batch groups) or its feature dimension (feature groups, multiplied by
 * the batch) and into the rhs output features; unfolded from the output
 * features. */
static void both_mapped(bq *q, const tj_conv *c, int64_t size) {
  const int64_t *ls = c->dn.spec[0], *rs = c->dn.spec[1], *os = c->dn.spec[2];
  int64_t fgc = c->feature_groups, bgc = c->batch_groups;
  ir_atom lhs;
  if (bgc > 1) lhs = reshape_axis_into(q, q->d[0], (int)ls[0], q->x[0]), bgc *= size;
  else lhs = reshape_axis_into(q, q->d[0], (int)ls[1], q->x[0]), fgc *= size;
  ir_atom rhs = reshape_axis_into(q, q->d[1], (int)rs[0], q->x[1]);
  ir_atom out = conv(q, lhs, rhs, fgc, bgc);
  q->out[0] = reshape_axis_out_of(q, (int)os[1], size, out), q->od[0] = (int)os[1];
}

/* The lhs mapped: the batch folded into the lhs batch dimension; with
 * batch groups, inside each group (the groups factored out first, put
 * back after). */
static void lhs_mapped(bq *q, const tj_conv *c, int64_t size) {
  int lbd = q->d[0], n0 = (int)c->dn.spec[0][0], o0 = (int)c->dn.spec[2][0];
  ir_atom lhs = q->x[0];
  if (c->batch_groups == 1) {
    lhs = reshape_axis_into(q, lbd, n0, lhs);
  } else {
    lhs = reshape_axis_out_of(q, n0 + (lbd <= n0), c->batch_groups, lhs);
    lhs = reshape_axis_into(q, lbd + (n0 < lbd), n0 + 1, lhs);
    lhs = reshape_axis_into(q, n0, n0, lhs);
  }
  ir_atom out = conv(q, lhs, q->x[1], c->feature_groups, c->batch_groups);
  q->out[0] = reshape_axis_out_of(q, o0, size, out), q->od[0] = o0;
}

/* The rhs mapped: the batch folded into the rhs output features; with
 * groups, inside each group, and the output's features regrouped. */
static void rhs_mapped(bq *q, const tj_conv *c, int64_t size) {
  int rbd = q->d[1], o0 = (int)c->dn.spec[1][0], f = (int)c->dn.spec[2][1];
  ir_atom rhs = q->x[1];
  if (c->feature_groups == 1 && c->batch_groups == 1) {
    rhs = reshape_axis_into(q, rbd, o0, rhs);
    ir_atom out = conv(q, q->x[0], rhs, 1, 1);
    q->out[0] = reshape_axis_out_of(q, f, size, out), q->od[0] = f;
    return;
  }
  int64_t groups = c->feature_groups > 1 ? c->feature_groups : c->batch_groups;
  rhs = reshape_axis_out_of(q, o0 + (rbd <= o0), groups, rhs);
  rhs = reshape_axis_into(q, rbd + (o0 < rbd), o0 + 1, rhs);
  rhs = reshape_axis_into(q, o0, o0, rhs);
  ir_atom out = conv(q, q->x[0], rhs, c->feature_groups, c->batch_groups);
  out = reshape_axis_out_of(q, f, groups, out);
  out = reshape_axis_out_of(q, f + 1, size, out);
  q->out[0] = reshape_axis_into(q, f, f + 1, out), q->od[0] = f;
}

void b_conv(bq *q) {
  tj_conv c;
  if (!conv_read(q->e, &c)) { batch_fail(q, "internal error: conv_general_dilated without its params"); return; }
  int64_t size = batch_mapped_size(q);
  if (size == 0) empty_batch(q);
  else if (q->d[0] != NM && q->d[1] != NM) both_mapped(q, &c, size);
  else if (q->d[0] != NM) lhs_mapped(q, &c, size);
  else rhs_mapped(q, &c, size);
}

/* ---- max/min pooling's derivatives ---- */

/* Both operands' batch dimensions to the front (bdim_at_front), every
 * window param a tuple with a leading 1 ((0, 0) for padding), the result
 * at 0: _select_and_gather_add_batching_rule and
 * _select_and_scatter_add_batch_rule alike. */
void b_select_and_window(bq *q) {
  ir_module *m = q->bt->t.m;
  int64_t size = batch_mapped_size(q), none[2] = {0, 0};
  ir_atom in[2] = {batch_at_front(q, q->x[0], q->d[0], size), batch_at_front(q, q->x[1], q->d[1], size)};
  ir_param ps[8];
  int np = q->e->nparams < 8 ? q->e->nparams : 8;
  for (int i = 0; i < np; i++) {
    ps[i] = q->e->params[i];
    const pval *p = ps[i].val;
    if (p->kind != PV_TUPLE) continue;
    bool pad = strcmp(ps[i].key, "padding") == 0;
    pval *r = pv_seq(m, PV_TUPLE, p->nitems + 1);
    r->items[0] = pad ? pv_ints(m, PV_TUPLE, none, 2) : pv_int(m, 1);
    for (int k = 0; k < p->nitems; k++) r->items[k + 1] = p->items[k];
    ps[i].val = r;
  }
  q->out[0] = lax_bind(&q->b, q->e->prim, in, 2, ps, np, NULL);
  q->od[0] = 0;
}
