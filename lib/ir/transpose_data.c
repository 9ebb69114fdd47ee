/* The transpose rules of the data primitives' linear equations (the
 * TRANSPOSE_EXTERN rows of transpose.def): gather, the scatters, split,
 * tile, reduce_precision, reduce_window_sum and dynamic_slice, after
 * jax/_src/lax/slicing.py, lax.py and windowed_reductions.py at JAX 0.10.2.
 * transpose.c's header gives the conventions: each rule appends what the
 * JAX rule binds, in Python's evaluation order, numpy's ints printed as
 * np.int64(k). */
#include <stdlib.h>
#include <string.h>

#include "ir_build.h"
#include "prims.h"
#include "transpose.h"
#include "util.h"

#define CT (q->ct[0])

static ir_module *mod(tq *q) { return q->t->m; }
static tj_aval aval_of(tq *q, ir_atom a) { return ir_atom_aval(q->t->m, a); }
static tj_aval in_aval(tq *q, int i) { return aval_of(q, q->e->in[i]); }

static void fail(tq *q, const char *msg) {
  diag_error(q->t->diags, mod(q)->src, q->e->span, "%s", msg);
  q->failed = true;
}

/* lax.full(shape, 0, dtype): a strong literal for a scalar, else its
 * broadcast_in_dim (broadcast_dimensions=(), sharding=None: the
 * sharding of an aval outside a mesh canonicalizes to None). */
static ir_atom zeros(tq *q, tj_aval shape, tj_dtype dt) {
  shape.dtype = dt, shape.weak = false;
  ir_atom z = tq_lit(q, dt, false, 0);
  return shape.rank ? tq_build(q, P_broadcast_in_dim, &z, 1, NULL, 0, &shape) : z;
}

/* ad_util.zeros_like_aval(aval) (Zero.instantiate): the same, the
 * literal of the aval's weak type. */
static ir_atom zeros_like_aval(tq *q, tj_aval a) {
  ir_atom z = tq_lit(q, a.dtype, a.weak, 0);
  return a.rank ? tq_build(q, P_broadcast_in_dim, &z, 1, NULL, 0, &a) : z;
}

/* ---- gather and the scatters ---- */

/* The update jaxpr of a scatter-add of dt in j or below, or NULL. */
static ir_jaxpr *find_add_jaxpr(const ir_module *m, const ir_jaxpr *j, tj_dtype dt, int depth) {
  for (uint32_t k = 0; j && depth <= TJ_MAX_JAXPR_NEST && k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    for (int p = 0; p < e->nparams; p++)
      for (int i = 0; i < ir_pval_njaxprs(e->params[p].val); i++) {
        ir_jaxpr *sub = ir_pval_jaxpr(e->params[p].val, i), *found;
        if (!sub) continue;
        if (e->prim == P_scatter_add && strcmp(e->params[p].key, "update_jaxpr") == 0 && sub->nin == 2 &&
            m->vars[sub->invars[0]].dtype == dt)
          return sub;
        if ((found = find_add_jaxpr(m, sub, dt, depth + 1))) return found;
      }
  }
  return NULL;
}

/* lax._reduction_jaxpr(lax.add, dt[]): { lambda ; a:dt[] b:dt[]. let
 * c = add a b in (c,) }, one shared with a scatter-add of dt already made
 * (JAX caches it: every scatter-add of the dtype names the same jaxpr). */
static ir_jaxpr *add_jaxpr(tq *q, tj_dtype dt) {
  ir_module *m = mod(q);
  ir_jaxpr *j = find_add_jaxpr(m, q->t->dst, dt, 0);
  if (!j) j = find_add_jaxpr(m, m->top, dt, 0);
  if (j) return j;
  jvp_target t = *q->t;
  uint32_t count = 0;
  t.neqns = &count, t.max_eqns = UINT32_MAX;
  j = t.dst = ir_jaxpr_new(m);
  tq s = {.t = &t, .e = q->e};
  tj_aval a[2] = {aval_scalar(dt, false), aval_scalar(dt, false)};
  uint32_t v[2];
  ir_build_invars(m, j, a, 2, v);
  ir_atom in[2] = {ATOM_VAR(v[0]), ATOM_VAR(v[1])};
  ir_atom r = tq_build(&s, P_add, in, 2, NULL, 0, NULL);
  if (s.failed) { q->failed = true; return NULL; }
  ir_build_outs(m, j, &r, 1);
  return j;
}

/* The scatter a gather's dimension numbers mirror
 * (ScatterDimensionNumbers(update_window_dims=offset_dims, ...)); false
 * for batching dimensions, which tjit's scatters do not have. */
static bool scatter_of_gather(tq *q, const ir_gather_dims *g, ir_scatter_dims *s) {
  if (g->nbatching || g->nindices_batching) {
    fail(q, "the transpose of a gather with batching dimensions (a scatter-add with batching dimensions, as "
            "the gradient of sort or top_k over an array of rank 2 or more needs) is not supported yet");
    return false;
  }
  s->nwindow = g->noffset, s->ninserted = g->ncollapsed, s->nto = g->nstart_map;
  memcpy(s->window, g->offset, sizeof *s->window * (size_t)g->noffset);
  memcpy(s->inserted, g->collapsed, sizeof *s->inserted * (size_t)g->ncollapsed);
  memcpy(s->to_operand, g->start_map, sizeof *s->to_operand * (size_t)g->nstart_map);
  return true;
}

/* A scatter-like prim of (x, indices, updates) with these params. */
static ir_atom scatter(tq *q, int prim, ir_atom x, ir_atom idx, ir_atom upd, pval *dnums, pval *sorted, pval *mode,
                       pval *unique, ir_jaxpr *uj) {
  ir_module *m = mod(q);
  ir_param ps[6] = {{"dimension_numbers", dnums},
                    {"indices_are_sorted", sorted},
                    {"mode", mode},
                    {"unique_indices", unique},
                    {"update_consts", pv_seq(m, PV_TUPLE, 0)},
                    {"update_jaxpr", uj ? pv_jaxpr(m, uj) : pv_none(m)}};
  ir_atom in[3] = {x, idx, upd};
  return tq_build(q, prim, in, 3, ps, 6, NULL);
}

/* slicing.py _gather_transpose_rule: scatter_add(zeros, indices, t, the
 * mirrored dimension numbers, the gather's unique_indices,
 * indices_are_sorted and mode), zeros = lax.full(operand.shape, 0,
 * t.dtype). */
void tr_gather(tq *q) {
  ir_gather_dims g;
  ir_scatter_dims s;
  if (!ir_gather_dims_read(q->e, &g)) { q->failed = true; return; }
  if (!scatter_of_gather(q, &g, &s)) return;
  tj_dtype dt = aval_of(q, CT).dtype;
  ir_atom z = zeros(q, in_aval(q, 0), dt);
  ir_jaxpr *uj = add_jaxpr(q, dt);
  if (!uj || q->failed) return;
  ir_module *m = mod(q);
  const ir_eqn *e = q->e;
  q->cin[0] = scatter(q, P_scatter_add, z, e->in[1], CT, ir_scatter_dims_new(m, &s),
                      (pval *)ir_param_get(e, "indices_are_sorted"), (pval *)ir_param_get(e, "mode"),
                      (pval *)ir_param_get(e, "unique_indices"), uj);
}

/* The scatter's inverse gather, as the scatter transpose rules build it:
 * GatherDimensionNumbers(offset_dims=update_window_dims, ...), slice
 * sizes 1 at the inserted dimensions and the updates' window sizes
 * elsewhere, gather(t, indices, ..., mode=mode, fill_value=0): gather()
 * keeps that 0 under FILL_OR_DROP only, and binds indices_are_sorted and
 * unique_indices False. */
static ir_atom gather_back(tq *q, ir_atom t) {
  ir_module *m = mod(q);
  const ir_eqn *e = q->e;
  ir_scatter_dims s;
  if (!ir_scatter_dims_read(e, &s)) { q->failed = true; return t; }
  ir_gather_dims g = {.noffset = s.nwindow, .ncollapsed = s.ninserted, .nstart_map = s.nto};
  memcpy(g.offset, s.window, sizeof *g.offset * (size_t)s.nwindow);
  memcpy(g.collapsed, s.inserted, sizeof *g.collapsed * (size_t)s.ninserted);
  memcpy(g.start_map, s.to_operand, sizeof *g.start_map * (size_t)s.nto);
  tj_aval ta = aval_of(q, t), upd = in_aval(q, 2);
  int64_t sizes[TJ_MAX_RANK];
  for (int i = 0, pos = 0; i < ta.rank; i++) {
    bool inserted = false;
    for (int k = 0; k < s.ninserted; k++) inserted |= s.inserted[k] == i;
    sizes[i] = inserted || pos >= s.nwindow ? 1 : upd.dims[s.window[pos++]];
  }
  const char *mode = ir_param_name(e, "mode");
  bool fill = mode && strcmp(mode, "GatherScatterMode.FILL_OR_DROP") == 0;
  ir_param ps[6] = {{"dimension_numbers", ir_gather_dims_new(m, &g)},
                    {"fill_value", fill ? pv_int(m, 0) : pv_none(m)},
                    {"indices_are_sorted", pv_bool(m, false)},
                    {"mode", (pval *)ir_param_get(e, "mode")},
                    {"slice_sizes", pv_ints(m, PV_TUPLE, sizes, ta.rank)},
                    {"unique_indices", pv_bool(m, false)}};
  ir_atom in[2] = {t, e->in[1]};
  return tq_build(q, P_gather, in, 2, ps, 6, NULL);
}

/* slicing.py _scatter_addsub_transpose_rule: the operand's cotangent is t
 * itself; the updates' the inverse gather of t, negated for scatter-sub. */
void tr_scatter_addsub(tq *q) {
  if (q->undef[0]) q->cin[0] = CT;
  if (!q->undef[2]) return;
  ir_atom u = gather_back(q, CT);
  if (q->e->prim == P_scatter_sub) u = tq_build(q, P_neg, &u, 1, NULL, 0, NULL);
  q->cin[2] = u;
}

/* slicing.py _scatter_mul_transpose_rule: scatter_mul(t, indices,
 * updates) with the same params for the operand (scatter_mul() binds the
 * cached mul jaxpr again); for the updates, with unique indices only, the
 * inverse gather of mul(t, operand). */
void tr_scatter_mul(tq *q) {
  const ir_eqn *e = q->e;
  if (q->undef[0]) {
    ir_atom in[3] = {CT, e->in[1], e->in[2]};
    q->cin[0] = tq_build(q, P_scatter_mul, in, 3, e->params, e->nparams, NULL);
  }
  if (!q->undef[2]) return;
  if (!ir_param_bool(e, "unique_indices", false)) {
    fail(q, "NotImplementedError: scatter_mul gradients are only implemented if `unique_indices=True`");
    return;
  }
  ir_atom in[2] = {CT, e->in[0]};
  ir_atom tm = tq_build(q, P_mul, in, 2, NULL, 0, NULL);
  q->cin[2] = gather_back(q, tm);
}

/* slicing.py _scatter_transpose_rule (unique indices only): the operand's
 * cotangent is t with the updated places zeroed, scatter(t, indices,
 * lax.full(updates.shape, 0, t.dtype), unique_indices=True); the updates'
 * the inverse gather of t. scatter() binds update_jaxpr None. */
void tr_scatter(tq *q) {
  const ir_eqn *e = q->e;
  if (!ir_param_bool(e, "unique_indices", false)) {
    fail(q, "NotImplementedError: scatter transpose is only implemented where unique_indices=True");
    return;
  }
  ir_module *m = mod(q);
  if (q->undef[0]) {
    ir_atom z = zeros(q, in_aval(q, 2), aval_of(q, CT).dtype);
    q->cin[0] = scatter(q, P_scatter, CT, e->in[1], z, (pval *)ir_param_get(e, "dimension_numbers"),
                        (pval *)ir_param_get(e, "indices_are_sorted"), (pval *)ir_param_get(e, "mode"),
                        pv_bool(m, true), NULL);
  }
  if (q->undef[2]) q->cin[2] = gather_back(q, CT);
}

/* ---- split, tile, reduce_precision ---- */

/* lax.py _split_transpose_rule: the cotangents, zeros instantiated in
 * turn, concatenated along axis. */
void tr_split(tq *q) {
  const ir_eqn *e = q->e;
  ir_atom *cts = malloc(sizeof *cts * (e->nout + 1));
  if (!cts) TJ_OOM();
  for (uint32_t k = 0; k < e->nout; k++)
    cts[k] = q->ct[k] != JVP_ZERO ? q->ct[k] : zeros_like_aval(q, mod(q)->vars[e->out[k]]);
  ir_param p = {"dimension", pv_int(mod(q), ir_param_int(e, "axis", 0))};
  q->cin[0] = tq_build(q, P_concatenate, cts, (int)e->nout, &p, 1, NULL);
  free(cts);
}

/* lax.py _tile_transpose_rule: t reshaped to (reps[0], dims[0], reps[1],
 * ...) and summed over the reps' axes (0, 2, ...). */
void tr_tile(tq *q) {
  if (!q->undef[0]) return;
  tj_aval a = in_aval(q, 0);
  if (2 * a.rank > TJ_MAX_RANK) {
    fail(q, "the transpose of tile reshapes to twice the operand's rank, above tjit's rank limit");
    return;
  }
  int64_t reps[TJ_MAX_RANK], axes[TJ_MAX_RANK];
  ir_param_ints(q->e, "reps", reps, TJ_MAX_RANK);
  tj_aval r = aval_of(q, CT);
  r.rank = (uint8_t)(2 * a.rank);
  for (int i = 0; i < a.rank; i++) r.dims[2 * i] = reps[i], r.dims[2 * i + 1] = a.dims[i], axes[i] = 2 * i;
  ir_atom x = tq_reshape(q, CT, &r);
  q->cin[0] = tq_reduce_sum(q, x, axes, a.rank);
}

/* lax.py ad.deflinear(reduce_precision_p, ...): the same on t. */
void tr_reduce_precision(tq *q) {
  q->cin[0] = tq_build(q, P_reduce_precision, &CT, 1, q->e->params, q->e->nparams, NULL);
}

/* ---- reduce_window_sum ---- */

static int64_t dilate(int64_t d, int64_t r) { return d == 0 ? 0 : 1 + r * (d - 1); }

/* windowed_reductions.py _reduce_window_sum_transpose_rule: t padded by
 * convolution._conv_general_vjp_lhs_padding (numpy's ints) with interior
 * stride - 1 (Python's), then _reduce_window_sum with the window,
 * strides base_dilation, padding zeros, base_dilation ones and the same
 * window_dilation. */
void tr_reduce_window_sum(tq *q) {
  const ir_eqn *e = q->e;
  ir_module *m = mod(q);
  tj_aval a = in_aval(q, 0), c = aval_of(q, CT);
  int n = a.rank;
  int64_t win[TJ_MAX_RANK], str[TJ_MAX_RANK], base[TJ_MAX_RANK], wdil[TJ_MAX_RANK], lo[TJ_MAX_RANK],
      hi[TJ_MAX_RANK], in[TJ_MAX_RANK], ones[TJ_MAX_RANK], zero2[2] = {0, 0};
  ir_param_ints(e, "window_dimensions", win, TJ_MAX_RANK);
  ir_param_ints(e, "window_strides", str, TJ_MAX_RANK);
  ir_param_ints(e, "base_dilation", base, TJ_MAX_RANK);
  ir_param_ints(e, "window_dilation", wdil, TJ_MAX_RANK);
  const pval *pads = ir_param_get(e, "padding");
  pval *zpad = pv_seq(m, PV_TUPLE, n);
  for (int i = 0; i < n; i++) {
    int64_t p[2] = {0, 0};
    if (pads && i < pads->nitems) ir_pval_ints(pads->items[i], p, 2);
    int64_t lhs = dilate(a.dims[i], base[i]), rhs = dilate(win[i], wdil[i]), out = dilate(c.dims[i], str[i]);
    lo[i] = rhs - p[0] - 1;
    hi[i] = lhs + rhs - 1 - out - lo[i];
    in[i] = str[i] - 1;
    ones[i] = 1;
    zpad->items[i] = pv_ints(m, PV_TUPLE, zero2, 2);
  }
  ir_atom padded = tq_pad(q, CT, tq_lit(q, c.dtype, c.weak, 0), tq_pad_config(q, lo, hi, in, n, true, true, false));
  ir_param ps[5] = {{"base_dilation", pv_ints(m, PV_TUPLE, ones, n)},
                    {"padding", zpad},
                    {"window_dilation", pv_ints(m, PV_TUPLE, wdil, n)},
                    {"window_dimensions", pv_ints(m, PV_TUPLE, win, n)},
                    {"window_strides", pv_ints(m, PV_TUPLE, base, n)}};
  q->cin[0] = tq_build(q, P_reduce_window_sum, &padded, 1, ps, 5, NULL);
}

/* ---- dynamic_slice ---- */

/* slicing.py _dynamic_slice_transpose_fancy: dynamic_update_slice_p.bind(
 * zeros, t, *start_indices), zeros = lax.full(operand.shape, 0,
 * operand.dtype). */
void tr_dynamic_slice(tq *q) {
  const ir_eqn *e = q->e;
  tj_aval a = in_aval(q, 0);
  ir_atom z = zeros(q, a, a.dtype);
  ir_atom small[TJ_MAX_RANK + 2], *in = e->nin + 1 <= TJ_MAX_RANK + 2 ? small : malloc(sizeof *in * (e->nin + 1));
  if (!in) TJ_OOM();
  in[0] = z, in[1] = CT;
  for (uint32_t i = 1; i < e->nin; i++) in[1 + i] = e->in[i];
  q->cin[0] = tq_build(q, P_dynamic_update_slice, in, (int)e->nin + 1, NULL, 0, NULL);
  if (in != small) free(in);
}
