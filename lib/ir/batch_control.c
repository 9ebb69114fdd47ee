/* The batching rules of control flow (batch.def): cond, after JAX 0.10.2's
 * conditionals.py _cond_batching_rule. */
#include <stdlib.h>
#include <string.h>

#include "batch_rules.h"
#include "prims.h"
#include "util.h"

static int nbranches(bq *q) { return ir_pval_njaxprs(ir_param_get(q->e, "branches")); }

static ir_jaxpr *branch(bq *q, int b) { return ir_param_get(q->e, "branches")->items[b]->jaxpr; }

/* _bcast_select(pred, on_true, on_false) and _bcast_select_n(pred, *cases):
 * pred broadcast along its leading dimensions to the cases' rank, then
 * select_n (lax.select(p, t, f) is select_n(p, f, t)). */
static ir_atom bcast_select_n(bq *q, ir_atom pred, const ir_atom *cases, int n) {
  tj_aval p = batch_aval(q, pred), c = batch_aval(q, cases[0]);
  if (p.rank != c.rank) {
    int64_t idx[TJ_MAX_RANK];
    for (int i = 0; i < p.rank; i++) idx[i] = i;
    pred = lax_broadcast_in_dim(&q->b, pred, c.dims, c.rank, idx, 0);
  }
  ir_atom in[16] = {pred};
  memcpy(in + 1, cases, sizeof *cases * (size_t)n);
  return lax_bind(&q->b, P_select_n, in, n + 1, NULL, 0, NULL);
}

/* lax.stop_gradient(x): stop_gradient of a float, the value itself else. */
static ir_atom stop_gradient(bq *q, ir_atom x) {
  if (!dtype_is_float(batch_aval(q, x).dtype)) return x;
  return lax_bind(&q->b, P_stop_gradient, &x, 1, NULL, 0, NULL);
}

/* core.jaxpr_as_fun(j)(*in): j's equations bound again (a replay with
 * nothing mapped copies them), its outputs to out. */
static bool inline_jaxpr(bq *q, const ir_jaxpr *j, const ir_atom *in, ir_atom *out) {
  int *nm = malloc(sizeof *nm * (j->nin + j->nout + 1));
  if (!nm) TJ_OOM();
  for (uint32_t i = 0; i < j->nin; i++) nm[i] = NM;
  bool ok = batch_replay(q->bt, j, in, nm, out, nm + j->nin);
  free(nm);
  return ok;
}

/* One branch of a cond on a mapped index: its operands chosen against
 * their stop_gradient by index == b, then the branch batched on all of
 * them with every output at 0 (batch_jaxpr(..., True, True)) and inlined. */
static bool select_branch(bq *q, int b, ir_atom index, const ir_atom *ops, int nops, const int *zeros, ir_atom *outs) {
  ir_lit l = {.dtype = batch_aval(q, index).dtype, .i = b};
  ir_atom eq_in[2] = {index, ir_new_lit(q->bt->t.m, &l)};
  ir_atom pred = lax_bind(&q->b, P_eq, eq_in, 2, NULL, 0, NULL);
  ir_atom *sel = malloc(sizeof *sel * (size_t)(nops + 1));
  int *odims = malloc(sizeof *odims * (q->e->nout + 1));
  if (!sel || !odims) TJ_OOM();
  for (int i = 0; i < nops; i++) {
    ir_atom cases[2] = {stop_gradient(q, ops[i]), ops[i]};
    sel[i] = bcast_select_n(q, pred, cases, 2);
  }
  ir_jaxpr *j = q->b.failed ? NULL : batch_jaxpr_axes(q->bt, branch(q, b), zeros, zeros, q->e->span, odims);
  bool ok = j && inline_jaxpr(q, j, sel, outs);
  free(sel), free(odims);
  return ok;
}

/* A mapped index: every operand to the front (unmapped ones broadcast),
 * each branch run on its selected operands, the outputs chosen by
 * select_n on the index (_bcast_select_n). */
static void cond_to_select(bq *q) {
  int nb = nbranches(q), nops = (int)q->e->nin - 1, nout = (int)q->e->nout;
  if (nb > 15) { batch_fail(q, "NotImplementedError: vmap of a cond with more than 15 branches is not supported"); return; }
  int64_t size = batch_mapped_size(q);
  ir_atom *ops = malloc(sizeof *ops * (size_t)(nops + 1)), *outs = malloc(sizeof *outs * (size_t)(nb * nout + 1));
  int *zeros = calloc((size_t)(nops + nout + 1), sizeof *zeros);
  if (!ops || !outs || !zeros) TJ_OOM();
  ir_atom index = batch_at_front(q, q->x[0], q->d[0], size);
  for (int i = 0; i < nops; i++) ops[i] = batch_at_front(q, q->x[i + 1], q->d[i + 1], size);
  for (int b = 0; b < nb && !q->b.failed; b++)
    if (!select_branch(q, b, index, ops, nops, zeros, outs + b * nout)) q->b.failed = true;
  for (int i = 0; i < nout && !q->b.failed; i++) {
    ir_atom cases[16];
    for (int b = 0; b < nb; b++) cases[b] = outs[b * nout + i];
    q->out[i] = bcast_select_n(q, index, cases, nb), q->od[i] = 0;
  }
  free(ops), free(outs), free(zeros);
}

/* An unmapped index: mapped operands to the front, each branch batched on
 * them, an output mapped (at 0) when any branch maps it, and one cond of
 * the batched branches. */
static void cond_of_batched(bq *q) {
  int nb = nbranches(q), nops = (int)q->e->nin - 1, nout = (int)q->e->nout;
  ir_atom *in = malloc(sizeof *in * (size_t)(nops + 2));
  int *dims = malloc(sizeof *dims * (size_t)(nops + 1)), *dest = malloc(sizeof *dest * (size_t)(nout + 1));
  int *odims = malloc(sizeof *odims * (size_t)(nout + 1));
  ir_jaxpr **bs = malloc(sizeof *bs * (size_t)nb);
  if (!in || !dims || !dest || !odims || !bs) TJ_OOM();
  in[0] = q->x[0];
  for (int i = 0; i < nops; i++) {
    dims[i] = q->d[i + 1] == NM ? NM : 0;
    in[i + 1] = q->d[i + 1] == NM ? q->x[i + 1] : lax_moveaxis(&q->b, q->x[i + 1], q->d[i + 1], 0);
  }
  for (int i = 0; i < nout; i++) dest[i] = NM;
  for (int b = 0; b < nb && !q->b.failed; b++) { /* batch_jaxpr(jaxpr, ops_bat, False): which outputs are mapped */
    if (!batch_jaxpr_axes(q->bt, branch(q, b), dims, dest, q->e->span, odims)) q->b.failed = true;
    for (int i = 0; i < nout; i++) q->od[i] = (b && q->od[i] == 0) || odims[i] != NM ? 0 : NM;
  }
  for (int i = 0; i < nout; i++) dest[i] = q->od[i];
  for (int b = 0; b < nb && !q->b.failed; b++)
    if (!(bs[b] = batch_jaxpr_axes(q->bt, branch(q, b), dims, dest, q->e->span, odims))) q->b.failed = true;
  if (!q->b.failed) {
    ir_module *m = q->bt->t.m;
    pval *tuple = pv_seq(m, PV_TUPLE, nb);
    for (int b = 0; b < nb; b++) tuple->items[b] = pv_jaxpr(m, bs[b]);
    batch_rebind(q, in, "branches", tuple, NULL, q->out);
  }
  free(in), free(dims), free(dest), free(odims), free(bs);
}

/* _cond_batching_rule. */
void b_cond(bq *q) {
  if (q->d[0] != NM) cond_to_select(q);
  else cond_of_batched(q);
}
