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

/* ---- scan ---- */

/* The scan body batched on which of its inputs are mapped (all at 0:
 * consts and carries moved there, xs mapped at 1 outside are at 0 in an
 * iteration), carries forced to 0 where `carry` says, ys at 0 where
 * mapped (batch_jaxpr(jaxpr, batched, instantiate=carry + [False] *
 * num_ys)); out_dims its outputs' dims. */
static ir_jaxpr *scan_body(bq *q, const ir_jaxpr *body, const bool *in_batched, const bool *carry, int nc, int nk,
                           int *out_dims) {
  int nin = (int)body->nin, nout = (int)body->nout;
  int *dims = malloc(sizeof *dims * (size_t)(nin + nout + 1)), *dest = dims + nin;
  if (!dims) TJ_OOM();
  for (int i = 0; i < nin; i++) dims[i] = (i >= nc && i < nc + nk ? carry[i - nc] : in_batched[i]) ? 0 : NM;
  for (int i = 0; i < nout; i++) dest[i] = i < nk && carry[i] ? 0 : NM;
  ir_jaxpr *j = batch_jaxpr_axes(q->bt, body, dims, dest, q->e->span, out_dims);
  free(dims);
  return j;
}

/* The operands as the batched scan takes them: mapped consts at 0, carries
 * batched (broadcast where only the body batches them) at 0, mapped xs
 * at 1. */
static void scan_operands(bq *q, int nc, int nk, const bool *carry, ir_atom *in) {
  for (int i = 0; i < (int)q->e->nin; i++) {
    ir_atom x = q->x[i];
    int d = q->d[i];
    if (i >= nc && i < nc + nk && carry[i - nc])
      in[i] = d == NM ? lax_broadcast_axis(&q->b, x, q->bt->size, 0) : lax_moveaxis(&q->b, x, d, 0);
    else if (d == NM) in[i] = x;
    else in[i] = lax_moveaxis(&q->b, x, d, i < nc ? 0 : 1);
  }
}

/* loops.py _scan_batching_rule: the batched carries found by a fixed
 * point (a carry is batched if its init is or the body makes it so), then
 * one scan of the body batched accordingly; carries come out at 0, ys
 * at 1. */
void b_scan(bq *q) {
  const ir_jaxpr *body = ir_param_jaxpr(q->e, "jaxpr");
  int nc = (int)ir_param_int(q->e, "num_consts", 0), nk = (int)ir_param_int(q->e, "num_carry", 0);
  if (!body) { batch_fail(q, "internal error: scan without its jaxpr"); return; }
  int nin = (int)q->e->nin, nout = (int)q->e->nout;
  bool *batched = malloc(sizeof *batched * (size_t)(nin + nk + 1)), *carry = batched + nin;
  int *odims = malloc(sizeof *odims * (size_t)(nout + 1));
  ir_atom *in = malloc(sizeof *in * (size_t)(nin + 1));
  if (!batched || !odims || !in) TJ_OOM();
  for (int i = 0; i < nin; i++) batched[i] = q->d[i] != NM;
  for (int i = 0; i < nk; i++) carry[i] = batched[nc + i];
  ir_jaxpr *j = NULL;
  for (int round = 0; round <= nk + 1; round++) {
    if (!(j = scan_body(q, body, batched, carry, nc, nk, odims))) break;
    bool changed = false;
    for (int i = 0; i < nk; i++)
      if (odims[i] != NM && !carry[i]) carry[i] = changed = true;
    if (!changed) break;
  }
  if (j) {
    scan_operands(q, nc, nk, carry, in);
    batch_rebind(q, in, "jaxpr", pv_jaxpr(q->bt->t.m, j), NULL, q->out);
    for (int i = 0; i < nout; i++) q->od[i] = i < nk ? (carry[i] ? 0 : NM) : (odims[i] != NM ? 1 : NM);
  } else {
    q->b.failed = true;
  }
  free(batched), free(odims), free(in);
}

/* ---- while ---- */

/* batch_jaxpr(j, batched, instantiate): inputs at 0 where batched; which
 * outputs come out mapped. */
static bool outputs_mapped(bq *q, const ir_jaxpr *j, const bool *in_batched, const bool *inst, bool *out) {
  int nin = (int)j->nin, nout = (int)j->nout;
  int *dims = malloc(sizeof *dims * (size_t)(nin + 2 * nout + 1)), *dest = dims + nin, *odims = dest + nout;
  if (!dims) TJ_OOM();
  for (int i = 0; i < nin; i++) dims[i] = in_batched[i] ? 0 : NM;
  for (int i = 0; i < nout; i++) dest[i] = inst && inst[i] ? 0 : NM;
  bool ok = batch_jaxpr_axes(q->bt, j, dims, dest, q->e->span, odims) != NULL;
  for (int i = 0; ok && i < nout; i++) out[i] = odims[i] != NM;
  free(dims);
  return ok;
}

/* _while_loop_batching_rule's fixed point: a carry is batched if its init
 * is or the body makes it so (the body batched on its consts' and the
 * carries' batching, the batched carries instantiated). */
static bool while_carries(bq *q, const ir_jaxpr *body, int bc, const bool *bconst, bool *carry, int nk) {
  bool *in = malloc(sizeof *in * (size_t)(bc + 2 * nk + 1)), *out = in + bc + nk;
  if (!in) TJ_OOM();
  bool ok = true;
  for (int round = 0; ok && round <= nk; round++) {
    memcpy(in, bconst, sizeof *in * (size_t)bc), memcpy(in + bc, carry, sizeof *in * (size_t)nk);
    ok = outputs_mapped(q, body, in, carry, out);
    bool changed = false;
    for (int i = 0; ok && i < nk; i++)
      if (out[i] && !carry[i]) carry[i] = changed = true;
    if (!changed) break;
  }
  free(in);
  return ok;
}

/* The while's jaxprs batched: consts at their own dims, carries at
 * carry_dims (the body's outputs there too), the predicate at pred_dest. */
static bool while_jaxprs(bq *q, const ir_jaxpr *cond, const ir_jaxpr *body, int cc, int bc, const int *carry_dims,
                         int nk, int pred_dest, ir_jaxpr **cj, ir_jaxpr **bj) {
  int *dims = malloc(sizeof *dims * (size_t)(cc + bc + 2 * nk + 2)), *odims = dims + cc + bc + nk;
  if (!dims) TJ_OOM();
  memcpy(dims, q->d + cc, sizeof *dims * (size_t)bc), memcpy(dims + bc, carry_dims, sizeof *dims * (size_t)nk);
  *bj = batch_jaxpr_axes(q->bt, body, dims, carry_dims, q->e->span, odims);
  memcpy(dims, q->d, sizeof *dims * (size_t)cc), memcpy(dims + cc, carry_dims, sizeof *dims * (size_t)nk);
  *cj = *bj ? batch_jaxpr_axes(q->bt, cond, dims, &pred_dest, q->e->span, odims) : NULL;
  free(dims);
  return *bj && *cj;
}

/* loops.py _while_loop_batching_rule: the batched carries (found by the
 * fixed point) at the predicate's rank (0 for a scalar), inits broadcast
 * or moved there, consts as they are. A mapped predicate (each example
 * stops on its own condition) batches every carry at 0 and the predicate
 * too: the while then runs while any element is true, rows whose element
 * is false keeping their values (shape_while, _while_lowering). */
void b_while(bq *q) {
  const ir_jaxpr *cond = ir_param_jaxpr(q->e, "cond_jaxpr"), *body = ir_param_jaxpr(q->e, "body_jaxpr");
  int cc = (int)ir_param_int(q->e, "cond_nconsts", 0), bc = (int)ir_param_int(q->e, "body_nconsts", 0);
  int nk = (int)q->e->nin - cc - bc;
  if (!cond || !body || nk < 0) { batch_fail(q, "internal error: while without its jaxprs"); return; }
  bool *bat = malloc(sizeof *bat * (size_t)(q->e->nin + 2)), pred;
  int *carry_dims = malloc(sizeof *carry_dims * (size_t)(nk + 1));
  ir_jaxpr *cj = NULL, *bj = NULL;
  if (!bat || !carry_dims) TJ_OOM();
  for (uint32_t i = 0; i < q->e->nin; i++) bat[i] = q->d[i] != NM;
  bool *carry = bat + cc + bc;
  bool ok = while_carries(q, body, bc, bat + cc, carry, nk);
  if (ok) { /* batch_jaxpr(cond_jaxpr, cconst_bat + carry_bat): the predicate's batching */
    memmove(bat + cc, carry, sizeof *bat * (size_t)nk);
    ok = outputs_mapped(q, cond, bat, NULL, &pred);
    memmove(carry, bat + cc, sizeof *bat * (size_t)nk);
  }
  int rank = ok && !pred ? ir_atom_aval(q->bt->t.m, cond->outs[0]).rank : 0;
  for (int i = 0; ok && i < nk; i++) carry_dims[i] = carry[i] || pred ? rank : NM;
  if (ok && while_jaxprs(q, cond, body, cc, bc, carry_dims, nk, pred ? 0 : NM, &cj, &bj)) {
    ir_atom *in = malloc(sizeof *in * (q->e->nin + 1));
    if (!in) TJ_OOM();
    memcpy(in, q->x, sizeof *in * (size_t)(cc + bc));
    for (int i = 0; i < nk; i++) {
      ir_atom x = q->x[cc + bc + i];
      int old = q->d[cc + bc + i];
      in[cc + bc + i] = old == NM ? (carry_dims[i] == NM ? x : lax_broadcast_axis(&q->b, x, q->bt->size, carry_dims[i]))
                                  : lax_moveaxis(&q->b, x, old, carry_dims[i]);
      q->od[i] = carry_dims[i];
    }
    ir_module *m = q->bt->t.m;
    ir_param ps[4];
    for (int i = 0; i < q->e->nparams && i < 4; i++) {
      ps[i] = q->e->params[i];
      if (strcmp(ps[i].key, "cond_jaxpr") == 0) ps[i].val = pv_jaxpr(m, cj);
      if (strcmp(ps[i].key, "body_jaxpr") == 0) ps[i].val = pv_jaxpr(m, bj);
    }
    lax_bind_n(&q->b, P_while, in, (int)q->e->nin, ps, q->e->nparams < 4 ? q->e->nparams : 4, NULL, nk, q->out);
    free(in);
  } else if (ok) {
    q->b.failed = true;
  }
  free(bat), free(carry_dims);
}
