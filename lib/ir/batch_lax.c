/* The batching rules of the lax operations that are not elementwise
 * (batch.def): select_n, clamp, reductions, shape operations, dot_general,
 * slice, rev and pad, each after the JAX 0.10.2 function it names. */
#include <stdlib.h>
#include <string.h>

#include "batch_rules.h"
#include "prims.h"
#include "util.h"

static int rank_of(bq *q, ir_atom a) { return batch_aval(q, a).rank; }

/* _select_batch_rule (which, *cases): the special cases that need no
 * transposes, else everything mapped to the front and a per-example
 * scalar `which` broadcast over the cases' shape. */
static bool select_same_dims(bq *q, int n) {
  ir_atom which = q->x[0];
  int wd = q->d[0];
  bool all_at_wd = true, cases_mapped = true, same_case_dims = true, same_shapes = true;
  tj_aval c0 = batch_aval(q, q->x[1]);
  for (int i = 1; i < n; i++) {
    tj_aval c = batch_aval(q, q->x[i]);
    all_at_wd &= q->d[i] == wd, cases_mapped &= q->d[i] != NM, same_case_dims &= q->d[i] == q->d[1];
    same_shapes &= aval_same_shape(&c, &c0);
  }
  tj_aval w = batch_aval(q, which);
  if (all_at_wd) {
    ir_atom in[8];
    memcpy(in, q->x, sizeof *in * (size_t)n);
    int64_t dims[1] = {wd};
    if (!aval_same_shape(&w, &c0)) in[0] = lax_broadcast_in_dim(&q->b, which, c0.dims, c0.rank, dims, 0);
    batch_rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = wd;
    return true;
  }
  if (w.rank != 0 || !cases_mapped || (!same_case_dims && !same_shapes)) return false;
  ir_atom in[8];
  memcpy(in, q->x, sizeof *in * (size_t)n);
  for (int i = 2; !same_case_dims && i < n; i++) in[i] = lax_moveaxis(&q->b, q->x[i], q->d[i], q->d[1]);
  batch_rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = q->d[1];
  return true;
}

void b_select_n(bq *q) {
  int n = (int)q->e->nin;
  if (n > 8) { q->b.failed = !diag_error(q->bt->t.diags, q->bt->t.m->src, q->e->span, "select_n of more than 7 cases under vmap is not supported"); return; }
  if (select_same_dims(q, n)) return;
  int64_t size = batch_mapped_size(q);
  ir_atom in[8];
  in[0] = rank_of(q, q->x[0]) ? batch_at_front(q, q->x[0], q->d[0], size) : q->x[0];
  bool all_scalar = true;
  for (int i = 1; i < n; i++) all_scalar &= rank_of(q, q->x[i]) == 0;
  for (int i = 1; i < n; i++) in[i] = all_scalar ? q->x[i] : batch_at_front(q, q->x[i], q->d[i], size);
  tj_aval w = batch_aval(q, in[0]), c0 = batch_aval(q, in[1]);
  int64_t zero[1] = {0};
  if (w.rank > 0 && w.rank < c0.rank) in[0] = lax_broadcast_in_dim(&q->b, in[0], c0.dims, c0.rank, zero, 0);
  if (w.rank > c0.rank)
    for (int i = 1; i < n; i++) in[i] = lax_broadcast_in_dim(&q->b, in[i], w.dims, w.rank, NULL, 0);
  batch_rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = 0;
}

/* lax.broadcast(x, shape) of a scalar x. */
static ir_atom broadcast_scalar(bq *q, ir_atom x, const tj_aval *to) {
  return lax_broadcast_in_dim(&q->b, x, to->dims, to->rank, NULL, 0);
}

/* _clamp_batch_rule(min, x, max). */
void b_clamp(bq *q) {
  ir_atom lo = q->x[0], x = q->x[1], hi = q->x[2];
  int dl = q->d[0], dx = q->d[1], dh = q->d[2];
  tj_aval al = batch_aval(q, lo), ax = batch_aval(q, x), ah = batch_aval(q, hi);
  if (dl == dx && dx == dh) {
    bool fits = (aval_same_shape(&al, &ax) && aval_same_shape(&ax, &ah)) || (al.rank == 0 && ah.rank == 0);
    if (!fits && al.rank == 1 && ah.rank == 1) {
      int64_t dlo[1] = {dl}, dhi[1] = {dh};
      lo = lax_broadcast_in_dim(&q->b, lo, ax.dims, ax.rank, dlo, 0);
      hi = lax_broadcast_in_dim(&q->b, hi, ax.dims, ax.rank, dhi, 0);
      fits = true;
    }
    if (fits) {
      ir_atom in[3] = {lo, x, hi};
      batch_rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = dx;
      return;
    }
  } else if (al.rank == 0 && ah.rank == 0 && dx != NM) {
    batch_rebind(q, q->x, NULL, NULL, NULL, q->out), q->od[0] = dx;
    return;
  }
  int64_t size = batch_mapped_size(q), zero[1] = {0};
  if (al.rank) lo = batch_at_front(q, lo, dl, size);
  if (ah.rank) hi = batch_at_front(q, hi, dh, size);
  if (ax.rank) x = batch_at_front(q, x, dx, size);
  ax = batch_aval(q, x), al = batch_aval(q, lo), ah = batch_aval(q, hi);
  if (al.rank == 0 && ax.rank > 0) lo = broadcast_scalar(q, lo, &ax);
  if (ah.rank == 0 && ax.rank > 0) hi = broadcast_scalar(q, hi, &ax);
  al = batch_aval(q, lo), ah = batch_aval(q, hi);
  if (al.rank > 0 && al.rank < ax.rank) lo = lax_broadcast_in_dim(&q->b, lo, ax.dims, ax.rank, zero, 0);
  if (ah.rank > 0 && ah.rank < ax.rank) hi = lax_broadcast_in_dim(&q->b, hi, ax.dims, ax.rank, zero, 0);
  al = batch_aval(q, lo);
  if (al.rank > ax.rank) x = broadcast_scalar(q, x, &al);
  ir_atom in[3] = {lo, x, hi};
  batch_rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = 0;
}

/* ---- reductions ---- */

/* reducer_batcher: the reduced axes past the batch dimension shift by
 * one (np.where: numpy ints); the result's batch dimension is where the
 * batch dimension lands among the kept axes. */
void b_reducer(bq *q) {
  int64_t axes[TJ_MAX_RANK];
  int n = ir_param_ints(q->e, "axes", axes, TJ_MAX_RANK), bd = q->d[0], rank = rank_of(q, q->x[0]), out = 0;
  bool reduced[TJ_MAX_RANK + 1] = {0};
  for (int i = 0; i < n; i++) axes[i] += axes[i] >= bd, reduced[axes[i]] = true;
  for (int k = 0; k < bd && k < rank; k++) out += !reduced[k];
  batch_rebind(q, q->x, "axes", lax_ints(&q->b, axes, n, ~0ull), NULL, q->out);
  q->od[0] = out;
}

/* _cumred_batch_rule: the axis past the batch dimension shifts by one. */
void b_cumulative(bq *q) {
  int64_t axis = ir_param_int(q->e, "axis", 0);
  int bd = q->d[0];
  batch_rebind(q, q->x, "axis", pv_int(q->bt->t.m, axis < bd ? axis : axis + 1), NULL, q->out);
  q->od[0] = bd;
}

/* ---- shapes ---- */

/* _broadcast_in_dim_batch_rule: the operand's batch dimension to the
 * front, broadcast_dimensions (0,) + tuple(np.add(1, dims)). */
void b_broadcast_in_dim(bq *q) {
  ir_atom x = lax_moveaxis(&q->b, q->x[0], q->d[0], 0);
  int64_t dims[TJ_MAX_RANK + 1], shape[TJ_MAX_RANK + 1];
  int n = ir_param_ints(q->e, "broadcast_dimensions", dims + 1, TJ_MAX_RANK);
  if (n < 0) n = 0;
  dims[0] = 0;
  for (int i = 1; i <= n; i++) dims[i] += 1;
  tj_aval r = q->bt->t.m->vars[q->e->out[0]];
  shape[0] = batch_aval(q, x).dims[0];
  for (int i = 0; i < r.rank; i++) shape[i + 1] = r.dims[i];
  q->out[0] = lax_broadcast_in_dim(&q->b, x, shape, r.rank + 1, dims, ~1ull);
  q->od[0] = 0;
}

/* _reshape_batch_rule: the batch dimension to the front, kept there. */
void b_reshape(bq *q) {
  ir_atom x = lax_moveaxis(&q->b, q->x[0], q->d[0], 0);
  int64_t sizes[TJ_MAX_RANK + 1], dims[TJ_MAX_RANK + 1];
  int n = ir_param_ints(q->e, "new_sizes", sizes + 1, TJ_MAX_RANK);
  int nd = ir_param_ints(q->e, "dimensions", dims + 1, TJ_MAX_RANK);
  sizes[0] = batch_aval(q, x).dims[0], dims[0] = 0;
  for (int i = 1; i <= nd; i++) dims[i] += 1;
  q->out[0] = lax_reshape(&q->b, x, sizes, n + 1, nd >= 0 ? dims : NULL);
  q->od[0] = 0;
}

/* _transpose_batch_rule: perm (bdim,) + the permutation shifted past it. */
void b_transpose(bq *q) {
  int64_t perm[TJ_MAX_RANK + 1];
  int n = ir_param_ints(q->e, "permutation", perm + 1, TJ_MAX_RANK), bd = q->d[0];
  perm[0] = bd;
  for (int i = 1; i <= n; i++) perm[i] += perm[i] >= bd;
  q->out[0] = lax_transpose(&q->b, q->x[0], perm);
  q->od[0] = 0;
}

/* _squeeze_batch_rule: the batch dimension to the front, the squeezed
 * dimensions past it. */
void b_squeeze(bq *q) {
  ir_atom x = lax_moveaxis(&q->b, q->x[0], q->d[0], 0);
  int64_t dims[TJ_MAX_RANK];
  int n = ir_param_ints(q->e, "dimensions", dims, TJ_MAX_RANK);
  for (int i = 0; i < n; i++) dims[i] += 1;
  q->out[0] = lax_squeeze(&q->b, x, dims, n);
  q->od[0] = 0;
}

/* _concatenate_batch_rule: mapped operands' batch dimensions to the
 * front, unmapped ones broadcast there (lax.broadcast), joined along
 * dimension + 1. */
void b_concatenate(bq *q) {
  uint32_t n = q->e->nin;
  int64_t size = batch_mapped_size(q);
  ir_atom *in = malloc(sizeof *in * n);
  if (!in) TJ_OOM();
  for (uint32_t i = 0; i < n; i++)
    in[i] = q->d[i] != NM ? lax_moveaxis(&q->b, q->x[i], q->d[i], 0) : lax_broadcast_lead(&q->b, q->x[i], size);
  int64_t dim = ir_param_int(q->e, "dimension", 0);
  if (n == 1) q->out[0] = in[0];
  else batch_rebind(q, in, "dimension", pv_int(q->bt->t.m, dim + 1), NULL, q->out);
  q->od[0] = 0;
  free(in);
}

/* ---- dot_general ---- */

/* bump_dims(dims, b): each dimension at or past b one further. */
static void bump(int64_t *dims, int n, int b) {
  for (int i = 0; i < n; i++) dims[i] += dims[i] >= b;
}

static bool contains(const int64_t *v, int n, int64_t x) {
  for (int i = 0; i < n; i++)
    if (v[i] == x) return true;
  return false;
}

/* The tensor (free) dimensions of a side of rank `rank` before `before`. */
static int free_dims_before(int rank, const int64_t *batch, int nb, const int64_t *contract, int nc, int before) {
  int k = 0;
  for (int d = 0; d < rank; d++) k += !contains(batch, nb, d) && !contains(contract, nc, d) && d < before;
  return k;
}

/* _dot_general_batch_dim_nums: both mapped, the mapped dimensions become a
 * new leading batch dimension; one mapped, an extra tensor dimension of
 * that side, the result's batch dimension where it lands. */
void b_dot_general(bq *q) {
  ir_dot_dims d;
  if (!ir_dot_dims_read(q->e, &d)) {
    q->b.failed = !diag_error(q->bt->t.diags, q->bt->t.m->src, q->e->span, "internal error: dot_general without its dimension numbers");
    return;
  }
  int lbd = q->d[0], rbd = q->d[1], out;
  int lrank = rank_of(q, q->x[0]);
  if (lbd != NM && rbd != NM) {
    bump(d.lb, d.nlb, lbd), bump(d.rb, d.nrb, rbd), bump(d.lc, d.nlc, lbd), bump(d.rc, d.nrc, rbd);
    memmove(d.lb + 1, d.lb, sizeof *d.lb * (size_t)d.nlb), d.lb[0] = lbd, d.nlb++;
    memmove(d.rb + 1, d.rb, sizeof *d.rb * (size_t)d.nrb), d.rb[0] = rbd, d.nrb++;
    out = 0;
  } else if (lbd != NM) {
    out = d.nlb + free_dims_before(lrank, d.lb, d.nlb, d.lc, d.nlc, lbd);
    bump(d.lb, d.nlb, lbd), bump(d.lc, d.nlc, lbd);
  } else {
    out = lrank - d.nlc + free_dims_before(rank_of(q, q->x[1]), d.rb, d.nrb, d.rc, d.nrc, rbd);
    bump(d.rb, d.nrb, rbd), bump(d.rc, d.nrc, rbd);
  }
  batch_rebind(q, q->x, "dimension_numbers", ir_dot_dims_new(q->bt->t.m, &d), NULL, q->out);
  q->od[0] = out;
}

/* ---- slicing and padding ---- */

/* A copy of the tuple p with item v inserted at index at (list.insert). */
static pval *insert_item(ir_module *m, const pval *p, int at, pval *v) {
  pval *r = pv_seq(m, PV_TUPLE, p->nitems + 1);
  for (int i = 0, k = 0; i <= p->nitems; i++) r->items[i] = i == at ? v : p->items[k++];
  return r;
}

/* _slice_batching_rule: the batch dimension sliced whole (start 0, limit
 * its size, stride 1), kept where it is. */
void b_slice(bq *q) {
  ir_module *m = q->bt->t.m;
  int bd = q->d[0];
  const pval *start = ir_param_get(q->e, "start_indices"), *limit = ir_param_get(q->e, "limit_indices");
  const pval *strides = ir_param_get(q->e, "strides");
  ir_param ps[3] = {{"start_indices", insert_item(m, start, bd, pv_int(m, 0))},
                    {"limit_indices", insert_item(m, limit, bd, pv_int(m, batch_aval(q, q->x[0]).dims[bd]))},
                    {"strides", strides->kind == PV_NONE ? pv_none(m) : insert_item(m, strides, bd, pv_int(m, 1))}};
  q->out[0] = lax_bind(&q->b, P_slice, q->x, 1, ps, 3, NULL);
  q->od[0] = bd;
}

/* _rev_batch_rule: the reversed dimensions past the batch dimension shift. */
void b_rev(bq *q) {
  int64_t dims[TJ_MAX_RANK];
  int n = ir_param_ints(q->e, "dimensions", dims, TJ_MAX_RANK), bd = q->d[0];
  for (int i = 0; i < n; i++) dims[i] += dims[i] >= bd;
  batch_rebind(q, q->x, "dimensions", lax_ints(&q->b, dims, n, 0), NULL, q->out);
  q->od[0] = bd;
}

/* _pad_batch_rule: an unmapped operand broadcast along a new leading axis
 * (lax.broadcast), (0, 0, 0) inserted in padding_config (a list: the
 * tuple JAX binds) at the operand's batch dimension. A mapped padding
 * value (a vector at 0) cannot be one scalar: the operand padded with
 * _zero, a mask (full_like(operand, True) padded with False) and the
 * padding values broadcast along the batch dimension, then
 * select(mask, x, broadcasted_padding), select_n(mask, padding, x). */
void b_pad(bq *q) {
  ir_module *m = q->bt->t.m;
  ir_atom x = q->x[0], pv = q->x[1];
  int bd = q->d[0];
  if (bd == NM) x = lax_broadcast_lead(&q->b, x, batch_aval(q, pv).dims[q->d[1]]), bd = 0;
  int64_t zeros[3] = {0, 0, 0};
  pval *cfg = insert_item(m, ir_param_get(q->e, "padding_config"), bd, pv_ints(m, PV_TUPLE, zeros, 3));
  ir_param ps[1] = {{"padding_config", cfg}};
  q->od[0] = bd;
  if (q->d[1] == NM) {
    ir_atom in[2] = {x, pv};
    q->out[0] = lax_bind(&q->b, P_pad, in, 2, ps, 1, NULL);
    return;
  }
  tj_aval a = batch_aval(q, x), mask_aval = a;
  ir_atom in[2] = {x, lax_lit(&q->b, a.dtype, a.weak, 0)};
  ir_atom padded = lax_bind(&q->b, P_pad, in, 2, ps, 1, NULL);
  mask_aval.dtype = DT_BOOL, mask_aval.weak = false;
  ir_atom min[2] = {lax_full(&q->b, &mask_aval, 1), lax_lit(&q->b, DT_BOOL, false, 0)};
  ir_atom mask = lax_bind(&q->b, P_pad, min, 2, ps, 1, NULL);
  tj_aval pa = batch_aval(q, padded);
  int64_t dims[1] = {bd};
  ir_atom bpad = lax_broadcast_in_dim(&q->b, pv, pa.dims, pa.rank, dims, 0);
  ir_atom sel[3] = {mask, bpad, padded};
  q->out[0] = lax_bind(&q->b, P_select_n, sel, 3, NULL, 0, NULL);
}

/* ---- sorting, stacking, splitting, tiling ---- */

/* _sort_batch_rule: every operand at the first mapped operand's batch
 * dimension (an unmapped one broadcast there, dims as ints), the sorted
 * dimension past it shifted. */
void b_sort(bq *q) {
  uint32_t n = q->e->nin, first = 0;
  while (q->d[first] == NM) first++;
  int bd = q->d[first];
  tj_aval proto = batch_aval(q, q->x[first]);
  ir_atom *in = malloc(sizeof *in * n);
  if (!in) TJ_OOM();
  for (uint32_t i = 0; i < n; i++) {
    if (q->d[i] != NM) { in[i] = lax_moveaxis(&q->b, q->x[i], q->d[i], bd); continue; }
    int64_t dims[TJ_MAX_RANK];
    for (int k = 0, j = 0; k < proto.rank; k++)
      if (k != bd) dims[j++] = k;
    in[i] = lax_broadcast_in_dim(&q->b, q->x[i], proto.dims, proto.rank, dims, 0);
  }
  int64_t dim = ir_param_int(q->e, "dimension", 0);
  batch_rebind(q, in, "dimension", pv_int(q->bt->t.m, dim + (bd <= dim)), NULL, q->out);
  for (uint32_t i = 0; i < q->e->nout; i++) q->od[i] = bd;
  free(in);
}

/* _stack_batch_rule: operands mapped alike stack around their batch
 * dimension; else all to the front (unmapped ones lax.broadcast), axis + 1. */
void b_stack(bq *q) {
  uint32_t n = q->e->nin;
  int bd = q->d[0];
  bool alike = bd != NM;
  for (uint32_t i = 1; i < n; i++) alike &= q->d[i] == bd;
  int64_t axis = ir_param_int(q->e, "axis", 0);
  if (alike) {
    batch_rebind(q, q->x, "axis", pv_int(q->bt->t.m, axis <= bd ? axis : axis + 1), NULL, q->out);
    q->od[0] = axis <= bd ? bd + 1 : bd;
    return;
  }
  int64_t size = batch_mapped_size(q);
  ir_atom *in = malloc(sizeof *in * n);
  if (!in) TJ_OOM();
  for (uint32_t i = 0; i < n; i++)
    in[i] = q->d[i] != NM ? lax_moveaxis(&q->b, q->x[i], q->d[i], 0) : lax_broadcast_lead(&q->b, q->x[i], size);
  batch_rebind(q, in, "axis", pv_int(q->bt->t.m, axis + 1), NULL, q->out);
  q->od[0] = 0;
  free(in);
}

/* _unstack_batch_rule: unstacked around the batch dimension. */
void b_unstack(bq *q) {
  int64_t axis = ir_param_int(q->e, "axis", 0);
  int bd = q->d[0];
  batch_rebind(q, q->x, "axis", pv_int(q->bt->t.m, axis < bd ? axis : axis + 1), NULL, q->out);
  for (uint32_t i = 0; i < q->e->nout; i++) q->od[i] = axis < bd ? bd - 1 : bd;
}

/* _split_batch_rule: split along the axis past the batch dimension. */
void b_split(bq *q) {
  int64_t axis = ir_param_int(q->e, "axis", 0);
  int bd = q->d[0];
  batch_rebind(q, q->x, "axis", pv_int(q->bt->t.m, axis >= bd ? axis + 1 : axis), NULL, q->out);
  for (uint32_t i = 0; i < q->e->nout; i++) q->od[i] = bd;
}

/* _tile_batch_rule: a repetition of 1 inserted at the batch dimension. */
void b_tile(bq *q) {
  ir_module *m = q->bt->t.m;
  batch_rebind(q, q->x, "reps", insert_item(m, ir_param_get(q->e, "reps"), q->d[0], pv_int(m, 1)), NULL, q->out);
  q->od[0] = q->d[0];
}

/* ---- windowed reductions ---- */

/* windowed_reductions.py _reduce_window_batch_rule: a window of 1 (stride
 * 1, no padding, no dilation) inserted at the batch dimension. */
void b_reduce_window(bq *q) {
  ir_module *m = q->bt->t.m;
  int bd = q->d[0];
  int64_t none[2] = {0, 0};
  ir_param ps[8];
  int np = q->e->nparams < 8 ? q->e->nparams : 8;
  for (int i = 0; i < np; i++) {
    ps[i] = q->e->params[i];
    if (ps[i].val->kind != PV_TUPLE) continue;
    bool pad = strcmp(ps[i].key, "padding") == 0;
    ps[i].val = insert_item(m, ps[i].val, bd, pad ? pv_ints(m, PV_TUPLE, none, 2) : pv_int(m, 1));
  }
  q->out[0] = lax_bind(&q->b, q->e->prim, q->x, 1, ps, np, NULL);
  q->od[0] = bd;
}

/* _top_k_batch_rule: the axis past the batch dimension shifts; both
 * results keep the batch dimension. */
void b_top_k(bq *q) {
  int64_t axis = ir_param_int(q->e, "axis", 0);
  int bd = q->d[0];
  batch_rebind(q, q->x, "axis", pv_int(q->bt->t.m, bd <= axis ? axis + 1 : axis), NULL, q->out);
  for (uint32_t i = 0; i < q->e->nout; i++) q->od[i] = bd;
}
