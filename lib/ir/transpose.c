/* The transpose rules of the linear primitives (transpose.def), after
 * jax/_src/lax/lax.py, slicing.py and loops.py at JAX 0.10.2.
 *
 * As in jvp.c, a rule appends equations in the order Python evaluates the
 * JAX rule's calls, including the calls whose results JAX then drops (the
 * neg(t) of sub's rule for a known subtrahend): make_jaxpr keeps them, so
 * the listing shows them. Where the JAX rule builds a param from numpy
 * (np.delete, np.subtract) its ints are numpy's and print as np.int64(k)
 * (pv_np_int64), as str() of the param tuple shows them under numpy 2.
 * The lax wrappers' shortcuts are kept: lax.reshape and lax.transpose
 * return an operand already of the result's form, lax.broadcast_in_dim
 * only a scalar broadcast to a scalar. */
#include "transpose.h"
#include "vjp.h"
#include "vjp_rules.h"

#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "ir_build.h"
#include "prims.h"
#include "util.h"

typedef void (*tr_rule)(tq *q);

#define TRANSPOSE(id, rule) static void rule(tq *q);
#define TRANSPOSE_EXTERN(id, rule)
#include "transpose.def"
#undef TRANSPOSE
#undef TRANSPOSE_EXTERN

static const tr_rule tr_rules[P_COUNT] = {
#define TRANSPOSE(id, rule) [P_##id] = rule,
#define TRANSPOSE_EXTERN(id, rule) [P_##id] = rule,
#include "transpose.def"
#undef TRANSPOSE
#undef TRANSPOSE_EXTERN
};

bool vjp_has_transpose(int prim) { return prim >= 0 && prim < P_COUNT && tr_rules[prim] != NULL; }

bool transpose_eqn(tq *q) {
  const jvp_target *t = q->b.t;
  if (!tr_rules[q->e->prim])
    return diag_error(t->diags, t->m->src, q->e->span,
                      "NotImplementedError: Transpose rule (for reverse-mode differentiation) for '%s' not "
                      "implemented", prims[q->e->prim].name);
  tr_rules[q->e->prim](q);
  return !q->b.failed;
}

/* ---- appending equations: lax's wrappers (lax_build.h) on q's builder ---- */

static ir_atom build_n(tq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint,
                       int nout, ir_atom *outs) {
  return lax_bind_n(&q->b, prim, in, nin, ps, np, hint, nout, outs);
}

static ir_atom build(tq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint) {
  return lax_bind(&q->b, prim, in, nin, ps, np, hint);
}

static ir_atom un(tq *q, int prim, ir_atom a) { return build(q, prim, &a, 1, NULL, 0, NULL); }

static ir_atom bin(tq *q, int prim, ir_atom a, ir_atom b) {
  ir_atom in[2] = {a, b};
  return build(q, prim, in, 2, NULL, 0, NULL);
}

static ir_module *mod(tq *q) { return q->b.t->m; }
static tj_aval aval_of(tq *q, ir_atom a) { return lax_aval(&q->b, a); }
/* The aval of operand i (an undefined primal's is its variable's). */
static tj_aval in_aval(tq *q, int i) { return aval_of(q, q->e->in[i]); }

static ir_atom lit(tq *q, tj_dtype dt, bool weak, double v) { return lax_lit(&q->b, dt, weak, v); }

/* A tuple of ints, numpy's (np.int64) where np_ints says. */
static pval *ints(tq *q, const int64_t *v, int n, bool np_ints) { return lax_ints(&q->b, v, n, np_ints ? ~0ull : 0); }

static ir_atom reduce_sum(tq *q, ir_atom x, const int64_t *axes, int n) {
  return lax_reduce_sum(&q->b, x, axes, n, 0);
}

static ir_atom reshape(tq *q, ir_atom x, const tj_aval *to) { return lax_reshape(&q->b, x, to->dims, to->rank, NULL); }

/* lax.broadcast_in_dim to the shape of `to` (its dims: n of them, x's
 * rank), forwarded when x has that shape already
 * (_broadcast_in_dim_fwd_rule). */
static ir_atom broadcast_in_dim(tq *q, ir_atom x, const tj_aval *to, const int64_t *dims, int n, bool np_ints) {
  (void)n;
  return lax_broadcast_in_dim(&q->b, x, to->dims, to->rank, dims, np_ints ? ~0ull : 0);
}

static ir_atom expand_dims(tq *q, ir_atom x, const int64_t *dims, int n) { return lax_expand_dims(&q->b, x, dims, n); }

static ir_atom transpose(tq *q, ir_atom x, const int64_t *perm, int n) {
  (void)n;
  return lax_transpose(&q->b, x, perm);
}

static ir_atom full_like(tq *q, ir_atom x, double v) { return lax_full_like(&q->b, x, v); }

/* lax.py _unbroadcast(aval, x): the sum of x over the axes broadcast to
 * reach it from aval. */
static ir_atom unbroadcast(tq *q, const tj_aval *to, ir_atom x) {
  tj_aval a = aval_of(q, x);
  if (aval_same_shape(&a, to)) return x;
  int64_t dims[TJ_MAX_RANK];
  int n = 0;
  if (to->rank == 0) {
    for (int i = 0; i < a.rank; i++) dims[n++] = i;
    return reduce_sum(q, x, dims, n);
  }
  for (int i = 0; i < a.rank && i < to->rank; i++)
    if (a.dims[i] != to->dims[i]) dims[n++] = i;
  if (n) x = reduce_sum(q, x, dims, n);
  return reshape(q, x, to);
}

/* ---- elementwise ---- */

#define CT (q->ct[0])

static void tr_neg(tq *q) { q->cin[0] = un(q, P_neg, CT); }
static void tr_copy(tq *q) { q->cin[0] = un(q, P_copy, CT); }

/* lax.py _add_transpose: both operands' cotangents, a known one's too. */
static void tr_add(tq *q) {
  tj_aval x = in_aval(q, 0), y = in_aval(q, 1);
  q->cin[0] = unbroadcast(q, &x, CT);
  q->cin[1] = unbroadcast(q, &y, CT);
}

/* lax.py _sub_transpose: [_unbroadcast(x, t), _unbroadcast(y, neg(t))]. */
static void tr_sub(tq *q) {
  tj_aval x = in_aval(q, 0), y = in_aval(q, 1);
  q->cin[0] = unbroadcast(q, &x, CT);
  ir_atom n = un(q, P_neg, CT);
  q->cin[1] = unbroadcast(q, &y, n);
}

/* ad_util: deflinear2(add_jaxvals_p, lambda t, *args: (t, t)). */
static void tr_add_any(tq *q) { q->cin[0] = q->cin[1] = CT; }

/* lax.py _mul_transpose_left/right (defbilinear): the cotangent times the
 * known operand, in the operands' order, unbroadcast. */
static void tr_mul(tq *q) {
  int lin = q->undef[0] ? 0 : 1;
  tj_aval a = in_aval(q, lin);
  ir_atom g = lin == 0 ? bin(q, P_mul, CT, q->e->in[1]) : bin(q, P_mul, q->e->in[0], CT);
  q->cin[lin] = unbroadcast(q, &a, g);
}

/* lax.py _div_transpose_rule: _unbroadcast(x, div(ct, y)). */
static void tr_div(tq *q) {
  if (q->undef[1]) {
    q->b.failed = !diag_error(q->b.t->diags, mod(q)->src, q->e->span, "RuntimeError: nonlinear div can't be transposed");
    return;
  }
  tj_aval x = in_aval(q, 0);
  ir_atom d = bin(q, P_div, CT, q->e->in[1]);
  q->cin[0] = unbroadcast(q, &x, d);
}

/* lax.py _convert_element_type_transpose_rule: back to the operand's
 * dtype and weak type. The trace records no equation when the cotangent
 * already has them (pe.forwarding_rules: _convert_elt_type_fwd_rule) and
 * folds a literal cotangent into a literal (_convert_elt_type_folding_rule). */
static void tr_convert(tq *q) {
  tj_aval a = in_aval(q, 0), c = aval_of(q, CT);
  if (c.dtype == a.dtype && c.weak == a.weak) { q->cin[0] = CT; return; }
  if (ATOM_IS_LIT(CT)) {
    const ir_lit *l = &mod(q)->lits[ATOM_INDEX(CT)];
    q->cin[0] = lit(q, a.dtype, a.weak, dtype_is_float(l->dtype) ? l->f : (double)l->i);
    return;
  }
  ir_param ps[2] = {{"new_dtype", pv_dtype(mod(q), a.dtype)}, {"weak_type", pv_bool(mod(q), a.weak)}};
  q->cin[0] = build(q, P_convert_element_type, &CT, 1, ps, 2, NULL);
}

/* ---- reductions and shapes ---- */

/* lax.py _reduce_sum_transpose_rule: broadcast_in_dim of the cotangent
 * back, broadcast_dimensions=tuple(np.delete(np.arange(n), axes)). */
static void tr_reduce_sum(tq *q) {
  tj_aval a = in_aval(q, 0);
  int64_t axes[TJ_MAX_RANK], dims[TJ_MAX_RANK];
  int nax = ir_param_ints(q->e, "axes", axes, TJ_MAX_RANK), n = 0;
  for (int i = 0; i < a.rank; i++) {
    bool reduced = false;
    for (int k = 0; k < nax; k++) reduced |= axes[k] == i;
    if (!reduced) dims[n++] = i;
  }
  q->cin[0] = broadcast_in_dim(q, CT, &a, dims, n, true);
}

/* lax.py _broadcast_in_dim_transpose_rule: the sum over the broadcast
 * axes, then expand_dims at the operand's unit dimensions. A known
 * operand (a literal) gets nothing. */
static void tr_broadcast_in_dim(tq *q) {
  if (!q->undef[0]) return;
  tj_aval a = in_aval(q, 0), out = mod(q)->vars[q->e->out[0]];
  int64_t bd[TJ_MAX_RANK], unit[TJ_MAX_RANK], axes[TJ_MAX_RANK];
  int nbd = ir_param_get(q->e, "broadcast_dimensions") ? ir_param_ints(q->e, "broadcast_dimensions", bd, TJ_MAX_RANK)
                                                       : 0;
  int nunit = 0, nax = 0;
  bool kept[TJ_MAX_RANK] = {0};
  for (int i = 0; i < a.rank; i++)
    if (a.dims[i] == 1) unit[nunit++] = i;
  for (int i = 0; i < nbd; i++)
    if (a.dims[i] != 1) kept[bd[i]] = true;
  for (int i = 0; i < out.rank; i++)
    if (!kept[i]) axes[nax++] = i;
  ir_atom s = reduce_sum(q, CT, axes, nax);
  q->cin[0] = expand_dims(q, s, unit, nunit);
}

/* lax.py _reshape_transpose_rule: back to the operand's shape; with
 * dimensions (reduce_prod's JVP binds a permutation) the operand's
 * dimensions in that order, then transposed by argsort(dimensions). */
static void tr_reshape(tq *q) {
  tj_aval a = in_aval(q, 0);
  int64_t dims[TJ_MAX_RANK], inv[TJ_MAX_RANK];
  int n = ir_param_is_none(q->e, "dimensions") ? -1 : ir_param_ints(q->e, "dimensions", dims, TJ_MAX_RANK);
  if (n < 0) { q->cin[0] = reshape(q, CT, &a); return; }
  tj_aval permuted = a;
  for (int i = 0; i < n; i++) permuted.dims[i] = a.dims[dims[i]], inv[dims[i]] = i;
  ir_atom r = reshape(q, CT, &permuted);
  q->cin[0] = transpose(q, r, inv, n);
}

/* lax.py _squeeze_transpose_rule: expand_dims(t, dimensions). */
static void tr_squeeze(tq *q) {
  int64_t dims[TJ_MAX_RANK];
  int n = ir_param_ints(q->e, "dimensions", dims, TJ_MAX_RANK);
  q->cin[0] = expand_dims(q, CT, dims, n < 0 ? 0 : n);
}

/* transpose(t, np.argsort(permutation)). */
static void tr_transpose(tq *q) {
  int64_t perm[TJ_MAX_RANK], inv[TJ_MAX_RANK];
  int n = ir_param_ints(q->e, "permutation", perm, TJ_MAX_RANK);
  for (int i = 0; i < n; i++) inv[perm[i]] = i;
  q->cin[0] = transpose(q, CT, inv, n);
}

/* rev(t, dimensions). */
static void tr_rev(tq *q) {
  q->cin[0] = build(q, P_rev, &CT, 1, q->e->params, q->e->nparams, NULL);
}

/* loops.py _cumsum_transpose_rule: cumsum(t, axis, reverse=not reverse). */
static void tr_cumsum(tq *q) {
  ir_param ps[2] = {{"axis", pv_int(mod(q), ir_param_int(q->e, "axis", 0))},
                    {"reverse", pv_bool(mod(q), !ir_param_bool(q->e, "reverse", false))}};
  q->cin[0] = build(q, P_cumsum, &CT, 1, ps, 2, NULL);
}

/* lax.py _select_transpose_rule: zeros = full_like(ct, 0), then per
 * linear case the cotangent where which selects it, else zeros. */
static void tr_select_n(tq *q) {
  ir_atom zeros = full_like(q, CT, 0), which = q->e->in[0];
  tj_aval w = aval_of(q, which);
  uint32_t ncase = q->e->nin - 1;
  for (uint32_t i = 0; i < ncase; i++) {
    if (!q->undef[1 + i]) continue;
    ir_atom pred = which;
    if (w.dtype != DT_BOOL) pred = bin(q, P_eq, which, lit(q, w.dtype, false, (double)i));
    bool picks_ct = w.dtype == DT_BOOL ? i == 0 : false;
    ir_atom in[3] = {pred, picks_ct ? CT : zeros, picks_ct ? zeros : CT};
    q->cin[1 + i] = build(q, P_select_n, in, 3, NULL, 0, NULL);
  }
}

/* lax.py _concatenate_transpose_rule: split(ct, sizes, axis=dimension),
 * one equation whatever the operands. */
static void tr_concatenate(tq *q) {
  int64_t dim = ir_param_int(q->e, "dimension", 0);
  uint32_t n = q->e->nin;
  int64_t *sizes = malloc(sizeof *sizes * n);
  ir_atom *outs = malloc(sizeof *outs * n);
  tj_aval *hint = malloc(sizeof *hint * n);
  if (!sizes || !outs || !hint) TJ_OOM();
  for (uint32_t i = 0; i < n; i++) {
    hint[i] = in_aval(q, (int)i);
    sizes[i] = hint[i].dims[dim];
    hint[i].weak = aval_of(q, CT).weak;
  }
  ir_param ps[2] = {{"axis", pv_int(mod(q), dim)}, {"sizes", ints(q, sizes, (int)n, false)}};
  build_n(q, P_split, &CT, 1, ps, 2, hint, (int)n, outs);
  for (uint32_t i = 0; i < n && !q->b.failed; i++)
    if (q->undef[i]) q->cin[i] = outs[i];
  free(hint);
  free(outs);
  free(sizes);
}

/* A padding_config of (lo, hi, interior) triples, each element numpy's or
 * Python's int as np_lo/np_hi/np_in say. */
static pval *pad_config(tq *q, const int64_t *lo, const int64_t *hi, const int64_t *in, int n, bool np_lo, bool np_hi,
                        bool np_in) {
  ir_module *m = mod(q);
  pval *cfg = pv_seq(m, PV_TUPLE, n);
  for (int i = 0; i < n; i++) {
    pval *t = pv_seq(m, PV_TUPLE, 3);
    t->items[0] = np_lo ? pv_np_int64(m, lo[i]) : pv_int(m, lo[i]);
    t->items[1] = np_hi ? pv_np_int64(m, hi[i]) : pv_int(m, hi[i]);
    t->items[2] = np_in ? pv_np_int64(m, in[i]) : pv_int(m, in[i]);
    cfg->items[i] = t;
  }
  return cfg;
}

static ir_atom pad(tq *q, ir_atom x, ir_atom value, pval *config) {
  ir_atom in[2] = {x, value};
  ir_param ps[1] = {{"padding_config", config}};
  return build(q, P_pad, in, 2, ps, 1, NULL);
}

/* slicing.py _slice_transpose_fancy: the cotangent padded with zeros back
 * to the operand's shape (strided: interior padding stride - 1). */
static void tr_slice(tq *q) {
  tj_aval a = in_aval(q, 0), c = aval_of(q, CT);
  int64_t start[TJ_MAX_RANK], limit[TJ_MAX_RANK], strides[TJ_MAX_RANK], hi[TJ_MAX_RANK], in[TJ_MAX_RANK];
  ir_param_ints(q->e, "start_indices", start, TJ_MAX_RANK);
  ir_param_ints(q->e, "limit_indices", limit, TJ_MAX_RANK);
  bool strided = !ir_param_is_none(q->e, "strides") && ir_param_ints(q->e, "strides", strides, TJ_MAX_RANK) == a.rank;
  bool all_one = true;
  for (int i = 0; strided && i < a.rank; i++) all_one &= strides[i] == 1;
  for (int i = 0; i < a.rank; i++) {
    int64_t real = limit[i];
    if (strided && !all_one) real = start[i] + (c.dims[i] == 0 ? 0 : 1 + (c.dims[i] - 1) * strides[i]);
    hi[i] = a.dims[i] - real;
    in[i] = strided && !all_one ? strides[i] - 1 : 0;
  }
  ir_atom zero = lit(q, c.dtype, false, 0);
  q->cin[0] = pad(q, CT, zero, pad_config(q, start, hi, in, a.rank, false, true, strided && !all_one));
}

/* lax.py _pad_transpose: the operand's cotangent unpadded (a pad by the
 * negated widths, then a slice with stride interior + 1); the padding
 * value's the sum of the cotangent less the operand's. */
static void tr_pad(tq *q) {
  const pval *cfg = ir_param_get(q->e, "padding_config");
  tj_aval c = aval_of(q, CT);
  int n = cfg ? cfg->nitems : 0;
  int64_t lo[TJ_MAX_RANK], hi[TJ_MAX_RANK], in[TJ_MAX_RANK], zero[TJ_MAX_RANK] = {0}, step[TJ_MAX_RANK];
  for (int i = 0; i < n && i < TJ_MAX_RANK; i++) {
    int64_t v[3];
    ir_pval_ints(cfg->items[i], v, 3);
    lo[i] = -v[0], hi[i] = -v[1], in[i] = 0, step[i] = v[2] + 1;
  }
  ir_atom op = JVP_ZERO;
  if (q->undef[0]) {
    ir_atom unpadded = pad(q, CT, lit(q, c.dtype, false, 0), pad_config(q, lo, hi, in, n, true, true, true));
    tj_aval u = aval_of(q, unpadded);
    ir_param ps[3] = {{"start_indices", ints(q, zero, n, true)},
                      {"limit_indices", ints(q, u.dims, u.rank, false)},
                      {"strides", ints(q, step, n, true)}};
    op = q->cin[0] = build(q, P_slice, &unpadded, 1, ps, 3, NULL);
  }
  if (q->undef[1]) {
    int64_t all[TJ_MAX_RANK];
    for (int i = 0; i < c.rank; i++) all[i] = i;
    ir_atom total_t = reduce_sum(q, CT, all, c.rank);
    tj_aval o = aval_of(q, op);
    ir_atom total_op = reduce_sum(q, op, all, o.rank);
    q->cin[1] = bin(q, P_sub, total_t, total_op);
  }
}

/* ---- dot_general ---- */

/* lax.py _dot_general_transpose_lhs (swap_ans for the rhs rule): the
 * cotangent contracted with the known operand over its kept dimensions,
 * transposed back into the linear operand's order, converted to its
 * dtype when preferred_element_type made them differ. */
static ir_atom dot_transpose(tq *q, int x, const ir_dot_dims *d, bool swap_ans) {
  const int64_t *xc = swap_ans ? d->rc : d->lc, *yc = swap_ans ? d->lc : d->rc;
  const int64_t *xb = swap_ans ? d->rb : d->lb, *yb = swap_ans ? d->lb : d->rb;
  int nc = d->nlc, nb = d->nlb;
  tj_aval xa = in_aval(q, x), ya = in_aval(q, 1 - x);
  int64_t x_kept[TJ_MAX_RANK], y_kept[TJ_MAX_RANK];
  int nxk = 0, nyk = 0;
  for (int i = 0; i < xa.rank; i++) {
    bool used = false;
    for (int k = 0; k < nc; k++) used |= xc[k] == i;
    for (int k = 0; k < nb; k++) used |= xb[k] == i;
    if (!used) x_kept[nxk++] = i;
  }
  for (int i = 0; i < ya.rank; i++) {
    bool used = false;
    for (int k = 0; k < nc; k++) used |= yc[k] == i;
    for (int k = 0; k < nb; k++) used |= yb[k] == i;
    if (!used) y_kept[nyk++] = i;
  }
  /* ranges_like: the answer's batch dims, then x's kept then y's (or y's
   * then x's when swapped); ans_y the range of y's kept ones */
  int64_t ans_batch[TJ_MAX_RANK], ans_y[TJ_MAX_RANK];
  for (int i = 0; i < nb; i++) ans_batch[i] = i;
  for (int i = 0; i < nyk; i++) ans_y[i] = nb + (swap_ans ? 0 : nxk) + i;
  /* x_contract sorted by y_contract, then out_axes = argsort(x_batch +
   * x_kept + that) */
  int64_t order[TJ_MAX_RANK], unsorted[TJ_MAX_RANK], out_axes[TJ_MAX_RANK];
  for (int i = 0; i < nc; i++) order[i] = i;
  for (int i = 1; i < nc; i++)
    for (int k = i; k > 0 && yc[order[k - 1]] > yc[order[k]]; k--) {
      int64_t s = order[k];
      order[k] = order[k - 1], order[k - 1] = s;
    }
  int nu = 0;
  for (int i = 0; i < nb; i++) unsorted[nu++] = xb[i];
  for (int i = 0; i < nxk; i++) unsorted[nu++] = x_kept[i];
  for (int i = 0; i < nc; i++) unsorted[nu++] = xc[order[i]];
  for (int i = 0; i < nu; i++) out_axes[unsorted[i]] = i;
  ir_dot_dims nd = {.nlc = nyk, .nrc = nyk, .nlb = nb, .nrb = nb};
  memcpy(nd.lc, ans_y, sizeof *ans_y * (size_t)nyk);
  memcpy(nd.rc, y_kept, sizeof *y_kept * (size_t)nyk);
  memcpy(nd.lb, ans_batch, sizeof *ans_batch * (size_t)nb);
  memcpy(nd.rb, yb, sizeof *yb * (size_t)nb);
  ir_param ps[3] = {{"dimension_numbers", ir_dot_dims_new(mod(q), &nd)}};
  int np = 1;
  const pval *prec = ir_param_get(q->e, "precision"), *pref = ir_param_get(q->e, "preferred_element_type");
  if (prec) ps[np++] = (ir_param){"precision", (pval *)prec};
  if (pref) ps[np++] = (ir_param){"preferred_element_type", (pval *)pref};
  ir_atom in[2] = {CT, q->e->in[1 - x]};
  ir_atom out = build(q, P_dot_general, in, 2, ps, np, NULL);
  ir_atom x_bar = transpose(q, out, out_axes, nu);
  tj_aval b = aval_of(q, x_bar);
  if (b.dtype == xa.dtype) return x_bar;
  ir_param cps[2] = {{"new_dtype", pv_dtype(mod(q), xa.dtype)}, {"weak_type", pv_bool(mod(q), xa.weak)}};
  return build(q, P_convert_element_type, &x_bar, 1, cps, 2, NULL);
}

static void tr_dot_general(tq *q) {
  ir_dot_dims d;
  if (!ir_dot_dims_read(q->e, &d)) { q->b.failed = true; return; }
  int x = q->undef[0] ? 0 : 1;
  q->cin[x] = dot_transpose(q, x, &d, x == 1);
}

/* ---- jit ---- */

/* A copy of body with fresh invars (its equations reading them), so that
 * the transposed jaxpr, which takes the known ones as its own invars,
 * names nothing another printed jaxpr also names. */
static ir_jaxpr *fresh_copy(ir_module *m, const ir_jaxpr *body) {
  ir_jaxpr *c = ir_jaxpr_new(m);
  uint32_t *map = malloc(sizeof *map * (m->nvars + body->nin + 1));
  if (!map) TJ_OOM();
  for (uint32_t v = 0; v < m->nvars + body->nin + 1; v++) map[v] = UINT32_MAX;
  c->constvars = body->constvars, c->nconst = body->nconst;
  c->invars = ARENA_ARRAY(&m->arena, uint32_t, body->nin + 1);
  for (uint32_t i = 0; i < body->nin; i++) {
    tj_aval a = m->vars[body->invars[i]];
    map[body->invars[i]] = c->invars[c->nin++] = ir_new_var(m, &a);
  }
  for (uint32_t k = 0; k < body->neqns; k++) {
    const ir_eqn *e = &body->eqns[k];
    ir_eqn *n = ir_add_eqn(m, c, e->prim, e->nin, e->nout, e->nparams, e->span);
    for (uint32_t i = 0; i < e->nin; i++) {
      ir_atom a = e->in[i];
      n->in[i] = !ATOM_IS_LIT(a) && map[ATOM_INDEX(a)] != UINT32_MAX ? ATOM_VAR(map[ATOM_INDEX(a)]) : a;
    }
    memcpy(n->out, e->out, sizeof *n->out * e->nout);
    if (e->nparams) memcpy(n->params, e->params, sizeof *n->params * e->nparams);
  }
  c->outs = ARENA_ARRAY(&m->arena, ir_atom, body->nout + 1);
  for (uint32_t i = 0; i < body->nout; i++) {
    ir_atom a = body->outs[i];
    c->outs[i] = !ATOM_IS_LIT(a) && map[ATOM_INDEX(a)] != UINT32_MAX ? ATOM_VAR(map[ATOM_INDEX(a)]) : a;
  }
  c->nout = body->nout;
  free(map);
  return c;
}

/* _transpose_jaxpr_fancy (pjit.py's, and conditionals.py's of a branch):
 * the known operands and the nonzero cotangents of q's equation in, the
 * body's backward pass, the linear operands' cotangents out, zeros
 * instantiated where inst says (NULL: nowhere); nz[i] whether operand i's
 * is there. undef and the body's invars line up (a cond's operands after
 * its index). */
static ir_jaxpr *transpose_branch(tq *q, const ir_jaxpr *branch, const bool *undef, const bool *inst, bool *nz) {
  ir_module *m = mod(q);
  ir_jaxpr *body = fresh_copy(m, branch), *tj = ir_jaxpr_new(m);
  uint32_t nops = branch->nin, nout = branch->nout;
  vjp_linear lin = {.lin = body, .nin = nops, .nout = nout};
  lin.tin = ARENA_ARRAY(&m->arena, ir_atom, nops + 1);
  lin.tout = ARENA_ARRAY(&m->arena, ir_atom, nout + 1);
  ir_atom *cts = ARENA_ARRAY(&m->arena, ir_atom, nout + 1), *g = ARENA_ARRAY(&m->arena, ir_atom, nops + 1);
  tj->invars = ARENA_ARRAY(&m->arena, uint32_t, nops + nout + 1);
  for (uint32_t i = 0; i < nops; i++) {
    lin.tin[i] = undef[i] ? ATOM_VAR(body->invars[i]) : JVP_ZERO;
    if (!undef[i]) tj->invars[tj->nin++] = body->invars[i];
  }
  for (uint32_t k = 0; k < nout; k++) {
    lin.tout[k] = ATOM_IS_LIT(body->outs[k]) ? JVP_ZERO : body->outs[k];
    cts[k] = JVP_ZERO;
    if (q->ct[k] == JVP_ZERO) continue;
    tj_aval a = aval_of(q, q->ct[k]);
    tj->invars[tj->nin++] = ir_new_var(m, &a);
    cts[k] = ATOM_VAR(tj->invars[tj->nin - 1]);
  }
  jvp_target inner = *q->b.t;
  inner.dst = tj;
  if (!vjp_backward(&inner, &lin, cts, q->e->span, g)) return NULL;
  tj->outs = ARENA_ARRAY(&m->arena, ir_atom, nops + 1);
  for (uint32_t i = 0; i < nops; i++) {
    nz[i] = false;
    if (!undef[i]) continue;
    if (g[i] == JVP_ZERO && inst && inst[i]) {
      tj_aval a = m->vars[body->invars[i]];
      if (!jvp_zeros(&inner, &a, q->e->span, &g[i])) return NULL;
    }
    if ((nz[i] = g[i] != JVP_ZERO)) tj->outs[tj->nout++] = g[i];
  }
  return tj;
}

/* A jit body's transpose for one pattern of linear operands and nonzero
 * cotangents (_transpose_jaxpr_fancy's cache key): the jaxpr, and which
 * linear operands it returns a cotangent for. */
typedef struct jit_transposed {
  ir_jaxpr *tj;
  bool *gives;
} jit_transposed;

/* pjit.py _pjit_transpose_fancy: a jit (of the same name) of the body's
 * transpose on the known operands and the nonzero cotangents, shared per
 * (body, pattern) as the transposed jaxpr is. */
static void tr_jit(tq *q) {
  ir_module *m = mod(q);
  const ir_jaxpr *src = ir_param_jaxpr(q->e, "jaxpr");
  uint32_t nin = q->e->nin, nout = q->e->nout;
  bool *pat = malloc(sizeof *pat * (nin + nout + 1));
  ir_atom *outer = malloc(sizeof *outer * (nin + nout + 1));
  if (!pat || !outer) TJ_OOM();
  for (uint32_t i = 0; i < nin; i++) pat[i] = q->undef[i];
  for (uint32_t k = 0; k < nout; k++) pat[nin + k] = q->ct[k] != JVP_ZERO;
  jit_transposed *r = vjp_memo_find(q->b.t, MEMO_TRANSPOSE_JIT, src, pat, nin + nout);
  if (!r) {
    r = ARENA_NEW(&m->arena, jit_transposed);
    r->gives = ARENA_ARRAY(&m->arena, bool, nin + 1);
    if ((r->tj = transpose_branch(q, src, q->undef, NULL, r->gives)))
      vjp_memo_add(q->b.t, MEMO_TRANSPOSE_JIT, src, pat, nin + nout, r);
    else
      q->b.failed = true, r = NULL;
  }
  uint32_t nouter = 0;
  for (uint32_t i = 0; i < nin; i++)
    if (!q->undef[i]) outer[nouter++] = q->e->in[i];
  for (uint32_t k = 0; k < nout; k++)
    if (q->ct[k] != JVP_ZERO) outer[nouter++] = q->ct[k];
  uint32_t nres = r ? r->tj->nout : 0;
  tj_aval *hint = malloc(sizeof *hint * (nres + 1));
  ir_atom *res = malloc(sizeof *res * (nres + 1));
  if (!hint || !res) TJ_OOM();
  for (uint32_t k = 0; k < nres; k++) hint[k] = aval_of(q, r->tj->outs[k]);
  if (r) {
    ir_param ps[2] = {{"name", (pval *)ir_param_get(q->e, "name")}, {"jaxpr", pv_jaxpr(m, r->tj)}};
    build_n(q, P_jit, outer, (int)nouter, ps, 2, hint, (int)nres, res);
  }
  for (uint32_t i = 0, k = 0; r && !q->b.failed && i < nin; i++)
    if (r->gives[i]) q->cin[i] = res[k++];
  free(res);
  free(hint);
  free(outer);
  free(pat);
}

/* ---- cond ---- */

/* conditionals.py _cond_transpose_fancy: each branch transposed once to
 * learn which cotangents any branch makes nonzero, then again with those
 * instantiated; a cond of the transposed branches on the index, the
 * known operands and the nonzero cotangents. */
static void tr_cond(tq *q) {
  ir_module *m = mod(q);
  const pval *bv = ir_param_get(q->e, "branches");
  uint32_t nb = (uint32_t)ir_pval_njaxprs(bv), nops = q->e->nin - 1;
  const bool *undef = q->undef + 1;
  bool *nz = calloc(nops + 1, sizeof *nz), *out_nz = calloc(nops + 1, sizeof *out_nz);
  ir_jaxpr **tb = calloc(nb + 1, sizeof *tb);
  ir_atom *in = malloc(sizeof *in * (q->e->nin + q->e->nout + 1)), *res = malloc(sizeof *res * (nops + 1));
  tj_aval *hint = malloc(sizeof *hint * (nops + 1));
  if (!nz || !out_nz || !tb || !in || !res || !hint) TJ_OOM();
  for (uint32_t b = 0; !q->b.failed && b < nb; b++) {
    q->b.failed = !transpose_branch(q, ir_pval_jaxpr(bv, (int)b), undef, NULL, nz);
    for (uint32_t i = 0; i < nops; i++) out_nz[i] |= nz[i];
  }
  for (uint32_t b = 0; !q->b.failed && b < nb; b++)
    q->b.failed = !(tb[b] = transpose_branch(q, ir_pval_jaxpr(bv, (int)b), undef, out_nz, nz));
  if (!q->b.failed) {
    uint32_t n = 0;
    in[n++] = q->e->in[0];
    for (uint32_t i = 0; i < nops; i++)
      if (!undef[i]) in[n++] = q->e->in[1 + i];
    for (uint32_t k = 0; k < q->e->nout; k++)
      if (q->ct[k] != JVP_ZERO) in[n++] = q->ct[k];
    for (uint32_t k = 0; k < tb[0]->nout; k++) hint[k] = aval_of(q, tb[0]->outs[k]);
    ir_param *ps = ARENA_ARRAY(&m->arena, ir_param, q->e->nparams + 1);
    pval *tuple = pv_seq(m, PV_TUPLE, (int)nb);
    for (uint32_t b = 0; b < nb; b++) tuple->items[b] = pv_jaxpr(m, tb[b]);
    for (uint16_t i = 0; i < q->e->nparams; i++)
      ps[i] = strcmp(q->e->params[i].key, "branches") == 0 ? (ir_param){"branches", tuple} : q->e->params[i];
    build_n(q, P_cond, in, (int)n, ps, q->e->nparams, hint, (int)tb[0]->nout, res);
    for (uint32_t i = 0, k = 0; !q->b.failed && i < nops; i++)
      if (out_nz[i]) q->cin[1 + i] = res[k++];
  }
  free(hint);
  free(res);
  free(in);
  free(tb);
  free(out_nz);
  free(nz);
}

/* ---- scan ---- */

/* A scan being transposed (_scan_transpose_fancy): its operands are the
 * intensive residuals (nires), the linear consts (nlc), the carries, the
 * linear xs (nlx), then the extensive residuals. */
typedef struct scan_tr {
  uint32_t nc, ncarry, nires, nlc, nlx, nys;
} scan_tr;

/* _transpose_scan_jaxpr_fancy: [ires, ct consts, ct carries, nonzero ct
 * ys, eres] -> [ct consts, ct carries, ct xs], the body's backward pass
 * with the consts' accumulators started at their carried cotangents and
 * every result instantiated. */
static ir_jaxpr *transpose_scan_body(tq *q, const scan_tr *st, const ir_jaxpr *src) {
  ir_module *m = mod(q);
  ir_jaxpr *body = fresh_copy(m, src), *tj = ir_jaxpr_new(m);
  uint32_t nops = src->nin, nout = src->nout, nlin = st->nlc + st->ncarry + st->nlx;
  vjp_linear lin = {.lin = body, .nin = nops, .nout = nout};
  lin.tin = ARENA_ARRAY(&m->arena, ir_atom, nops + 1);
  lin.tout = ARENA_ARRAY(&m->arena, ir_atom, nout + 1);
  ir_atom *cts = ARENA_ARRAY(&m->arena, ir_atom, nout + 1), *seeds = ARENA_ARRAY(&m->arena, ir_atom, nops + 1);
  ir_atom *g = ARENA_ARRAY(&m->arena, ir_atom, nops + 1);
  tj->invars = ARENA_ARRAY(&m->arena, uint32_t, nops + nout + st->nlc + 1);
  for (uint32_t i = 0; i < nops; i++) {
    bool linear = i >= st->nires && i < st->nires + nlin;
    lin.tin[i] = linear ? ATOM_VAR(body->invars[i]) : JVP_ZERO;
    seeds[i] = JVP_ZERO;
    if (i < st->nires) tj->invars[tj->nin++] = body->invars[i];
  }
  for (uint32_t i = st->nires; i < st->nires + st->nlc; i++) {
    tj_aval a = m->vars[body->invars[i]];
    seeds[i] = ATOM_VAR(tj->invars[tj->nin++] = ir_new_var(m, &a));
  }
  for (uint32_t k = 0; k < nout; k++) {
    lin.tout[k] = ATOM_IS_LIT(body->outs[k]) ? JVP_ZERO : body->outs[k];
    cts[k] = JVP_ZERO;
    if (k >= st->ncarry && q->ct[k] == JVP_ZERO) continue;
    tj_aval a = aval_of(q, body->outs[k]);
    cts[k] = ATOM_VAR(tj->invars[tj->nin++] = ir_new_var(m, &a));
  }
  for (uint32_t i = st->nires + nlin; i < nops; i++) tj->invars[tj->nin++] = body->invars[i];
  jvp_target inner = *q->b.t;
  inner.dst = tj;
  if (!vjp_backward_seeded(&inner, &lin, cts, seeds, q->e->span, g)) return NULL;
  tj->outs = ARENA_ARRAY(&m->arena, ir_atom, nlin + 1);
  for (uint32_t i = st->nires; i < st->nires + nlin; i++) {
    tj_aval a = m->vars[body->invars[i]];
    if (g[i] == JVP_ZERO && !jvp_zeros(&inner, &a, q->e->span, &g[i])) return NULL;
    tj->outs[tj->nout++] = g[i];
  }
  return tj;
}

static uint32_t count_undef(const tq *q, uint32_t from, uint32_t to) {
  uint32_t n = 0;
  for (uint32_t i = from; i < to; i++) n += q->undef[i];
  return n;
}

/* The scan's operands: ires, the consts' zero cotangents, the carries'
 * cotangents (zeros instantiated), the nonzero ys' cotangents, eres. */
static uint32_t scan_operands(tq *q, const scan_tr *st, ir_atom *in) {
  uint32_t n = 0, ncarry = st->ncarry, nlin_end = st->nc + ncarry + st->nlx;
  ir_atom *ctc = in + st->nires + st->nlc;
  for (uint32_t k = 0; k < ncarry; k++) { /* ct_carry = map(instantiate_zeros, ct_carry) */
    tj_aval a = aval_of(q, ATOM_VAR(q->e->out[k]));
    ctc[k] = q->ct[k];
    if (ctc[k] == JVP_ZERO && !jvp_zeros(q->b.t, &a, q->e->span, &ctc[k])) q->b.failed = true;
  }
  for (uint32_t i = 0; i < st->nires; i++) in[n++] = q->e->in[i];
  for (uint32_t i = st->nires; i < st->nc; i++) { /* ct_immut_consts: zeros_like_aval */
    tj_aval a = in_aval(q, (int)i);
    if (!jvp_zeros(q->b.t, &a, q->e->span, &in[n++])) q->b.failed = true;
  }
  n += ncarry;
  for (uint32_t k = ncarry; k < q->e->nout; k++)
    if (q->ct[k] != JVP_ZERO) in[n++] = q->ct[k];
  for (uint32_t i = nlin_end; i < q->e->nin; i++) in[n++] = q->e->in[i];
  return n;
}

/* loops.py _scan_transpose_fancy: a scan the other way round of the
 * body's transpose, the consts' cotangents and the carries' as its
 * carries, the ys' cotangents and the extensive residuals as its xs; its
 * outputs the linear consts', carries' and xs' cotangents. */
static void tr_scan(tq *q) {
  ir_module *m = mod(q);
  const ir_jaxpr *body = ir_param_jaxpr(q->e, "jaxpr");
  scan_tr st = {(uint32_t)ir_param_int(q->e, "num_consts", 0), (uint32_t)ir_param_int(q->e, "num_carry", 0), 0, 0,
                0, 0};
  st.nlc = count_undef(q, 0, st.nc), st.nires = st.nc - st.nlc;
  st.nlx = count_undef(q, st.nc + st.ncarry, q->e->nin), st.nys = q->e->nout - st.ncarry;
  ir_atom *in = calloc(q->e->nin + q->e->nout + 1, sizeof *in), *res = calloc(q->e->nin + 1, sizeof *res);
  if (!in || !res) TJ_OOM();
  uint32_t n = scan_operands(q, &st, in);
  ir_jaxpr *tb = q->b.failed ? NULL : transpose_scan_body(q, &st, body);
  if (!tb) q->b.failed = true;
  ir_param *ps = ARENA_ARRAY(&m->arena, ir_param, q->e->nparams + 1);
  for (uint16_t i = 0; tb && i < q->e->nparams; i++) {
    ps[i] = q->e->params[i];
    if (strcmp(ps[i].key, "jaxpr") == 0) ps[i].val = pv_jaxpr(m, tb);
    else if (strcmp(ps[i].key, "num_consts") == 0) ps[i].val = pv_int(m, st.nires);
    else if (strcmp(ps[i].key, "num_carry") == 0) ps[i].val = pv_int(m, st.nlc + st.ncarry);
    else if (strcmp(ps[i].key, "reverse") == 0) ps[i].val = pv_bool(m, !ir_param_bool(q->e, "reverse", false));
  }
  if (tb) build_n(q, P_scan, in, (int)n, ps, q->e->nparams, NULL, (int)tb->nout, res);
  for (uint32_t i = 0; tb && !q->b.failed && i < tb->nout; i++) {
    uint32_t op = st.nires + i;
    if (op < q->e->nin && q->undef[op]) q->cin[op] = res[i];
  }
  free(res);
  free(in);
}

/* ---- the helpers the rules in other files share (transpose.h) ---- */

ir_atom tq_build_n(tq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint,
                   int nout, ir_atom *outs) {
  return build_n(q, prim, in, nin, ps, np, hint, nout, outs);
}
ir_atom tq_build(tq *q, int prim, const ir_atom *in, int nin, const ir_param *ps, int np, const tj_aval *hint) {
  return build(q, prim, in, nin, ps, np, hint);
}
ir_atom tq_lit(tq *q, tj_dtype dt, bool weak, double v) { return lit(q, dt, weak, v); }
pval *tq_ints(tq *q, const int64_t *v, int n, bool np_ints) { return ints(q, v, n, np_ints); }
ir_atom tq_reduce_sum(tq *q, ir_atom x, const int64_t *axes, int n) { return reduce_sum(q, x, axes, n); }
ir_atom tq_reshape(tq *q, ir_atom x, const tj_aval *to) { return reshape(q, x, to); }
pval *tq_pad_config(tq *q, const int64_t *lo, const int64_t *hi, const int64_t *in, int n, bool np_lo, bool np_hi,
                    bool np_in) {
  return pad_config(q, lo, hi, in, n, np_lo, np_hi, np_in);
}
ir_atom tq_pad(tq *q, ir_atom x, ir_atom value, pval *config) { return pad(q, x, value, config); }
