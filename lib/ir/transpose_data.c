/* The transpose rules of the data primitives' linear equations (the
 * TRANSPOSE_EXTERN rows of transpose.def): gather, the scatters, split,
 * stack, tile, reduce_precision, reduce_window_sum, dynamic_slice,
 * conv_general_dilated and select_and_gather_add, after
 * jax/_src/lax/slicing.py, lax.py, convolution.py and
 * windowed_reductions.py at JAX 0.10.2. transpose.c's header gives the
 * conventions: each rule appends what the JAX rule binds, in Python's
 * evaluation order, numpy's ints printed as np.int64(k). Three rules bind
 * primitives only a transpose makes: dynamic_update_slice, unstack and
 * select_and_scatter_add. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "ir_build.h"
#include "print.h"
#include "prims.h"
#include "transpose.h"
#include "util.h"

#define CT (q->ct[0])

static ir_module *mod(tq *q) { return q->b.t->m; }
static tj_aval aval_of(tq *q, ir_atom a) { return lax_aval(&q->b, a); }
static tj_aval in_aval(tq *q, int i) { return aval_of(q, q->e->in[i]); }

static void fail(tq *q, const char *msg) {
  diag_error(q->b.t->diags, mod(q)->src, q->e->span, "%s", msg);
  q->b.failed = true;
}

/* lax.full(shape, 0, dtype): a strong literal for a scalar, else its
 * broadcast_in_dim (broadcast_dimensions=(), sharding=None: the
 * sharding of an aval outside a mesh canonicalizes to None). */
static ir_atom zeros(tq *q, tj_aval shape, tj_dtype dt) {
  shape.dtype = dt, shape.weak = false;
  return lax_full(&q->b, &shape, 0);
}

/* ad_util.zeros_like_aval(aval) (Zero.instantiate): the same, the
 * literal of the aval's weak type. */
static ir_atom zeros_like_aval(tq *q, tj_aval a) { return lax_full(&q->b, &a, 0); }

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
  ir_jaxpr *j = find_add_jaxpr(m, q->b.t->dst, dt, 0);
  if (!j) j = find_add_jaxpr(m, m->top, dt, 0);
  if (j) return j;
  jvp_target t = *q->b.t;
  uint32_t count = 0;
  t.neqns = &count, t.max_eqns = UINT32_MAX;
  j = t.dst = ir_jaxpr_new(m);
  tq s = {.b = {&t, q->e->span, false}, .e = q->e};
  tj_aval a[2] = {aval_scalar(dt, false), aval_scalar(dt, false)};
  uint32_t v[2];
  ir_build_invars(m, j, a, 2, v);
  ir_atom in[2] = {ATOM_VAR(v[0]), ATOM_VAR(v[1])};
  ir_atom r = tq_build(&s, P_add, in, 2, NULL, 0, NULL);
  if (s.b.failed) { q->b.failed = true; return NULL; }
  ir_build_outs(m, j, &r, 1);
  return j;
}

/* The scatter a gather's dimension numbers mirror
 * (ScatterDimensionNumbers(update_window_dims=offset_dims, ...)). */
static void scatter_of_gather(const ir_gather_dims *g, ir_scatter_dims *s) {
  *s = (ir_scatter_dims){.nwindow = g->noffset, .ninserted = g->ncollapsed, .nto = g->nstart_map,
                         .nbatching = g->nbatching, .nindices_batching = g->nindices_batching};
  memcpy(s->window, g->offset, sizeof *s->window * (size_t)g->noffset);
  memcpy(s->inserted, g->collapsed, sizeof *s->inserted * (size_t)g->ncollapsed);
  memcpy(s->to_operand, g->start_map, sizeof *s->to_operand * (size_t)g->nstart_map);
  memcpy(s->operand_batching, g->operand_batching, sizeof *s->operand_batching * (size_t)g->nbatching);
  memcpy(s->indices_batching, g->indices_batching, sizeof *s->indices_batching * (size_t)g->nindices_batching);
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
  if (!ir_gather_dims_read(q->e, &g)) { q->b.failed = true; return; }
  scatter_of_gather(&g, &s);
  tj_dtype dt = aval_of(q, CT).dtype;
  ir_atom z = zeros(q, in_aval(q, 0), dt);
  ir_jaxpr *uj = add_jaxpr(q, dt);
  if (!uj || q->b.failed) return;
  ir_module *m = mod(q);
  const ir_eqn *e = q->e;
  q->cin[0] = scatter(q, P_scatter_add, z, e->in[1], CT, ir_scatter_dims_new(m, &s),
                      (pval *)ir_param_get(e, "indices_are_sorted"), (pval *)ir_param_get(e, "mode"),
                      (pval *)ir_param_get(e, "unique_indices"), uj);
}

/* The scatter's inverse gather, as the scatter transpose rules build it:
 * GatherDimensionNumbers(offset_dims=update_window_dims, ...), slice
 * sizes 1 at the inserted and operand batching dimensions and the updates' window sizes
 * elsewhere, gather(t, indices, ..., mode=mode, fill_value=0): gather()
 * keeps that 0 under FILL_OR_DROP only, and binds indices_are_sorted and
 * unique_indices False. */
static ir_atom gather_back(tq *q, ir_atom t) {
  ir_module *m = mod(q);
  const ir_eqn *e = q->e;
  ir_scatter_dims s;
  if (!ir_scatter_dims_read(e, &s)) { q->b.failed = true; return t; }
  ir_gather_dims g = {.noffset = s.nwindow, .ncollapsed = s.ninserted, .nstart_map = s.nto,
                      .nbatching = s.nbatching, .nindices_batching = s.nindices_batching};
  memcpy(g.offset, s.window, sizeof *g.offset * (size_t)s.nwindow);
  memcpy(g.collapsed, s.inserted, sizeof *g.collapsed * (size_t)s.ninserted);
  memcpy(g.start_map, s.to_operand, sizeof *g.start_map * (size_t)s.nto);
  memcpy(g.operand_batching, s.operand_batching, sizeof *g.operand_batching * (size_t)s.nbatching);
  memcpy(g.indices_batching, s.indices_batching, sizeof *g.indices_batching * (size_t)s.nindices_batching);
  tj_aval ta = aval_of(q, t), upd = in_aval(q, 2);
  int64_t sizes[TJ_MAX_RANK];
  for (int i = 0, pos = 0; i < ta.rank; i++) {
    bool inserted = false;
    for (int k = 0; k < s.ninserted; k++) inserted |= s.inserted[k] == i;
    for (int k = 0; k < s.nbatching; k++) inserted |= s.operand_batching[k] == i;
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

/* ---- conv_general_dilated (convolution.py ad.defbilinear) ---- */

/* lax.reshape(x, sizes, dimensions=perm) (perm NULL: None). */
static ir_atom reshape_dims(tq *q, ir_atom x, const int64_t *sizes, int rank, const int64_t *perm) {
  return lax_reshape(&q->b, x, sizes, rank, perm);
}

/* convolution.py _reshape_axis_out_of(src, size1, x): dimension src split
 * into (size1, rest). */
static ir_atom axis_out_of(tq *q, int src, int64_t size1, ir_atom x) {
  tj_aval a = aval_of(q, x);
  int64_t sizes[TJ_MAX_RANK + 1];
  int n = 0;
  for (int i = 0; i < a.rank; i++) {
    if (i == src) sizes[n++] = size1, sizes[n++] = a.dims[i] / size1;
    else sizes[n++] = a.dims[i];
  }
  return reshape_dims(q, x, sizes, n, NULL);
}

/* convolution.py _reshape_axis_into(src, dst, x): dimension src merged
 * into dst (numbered without src), as lax.reshape(x, new_shape, perm). */
static ir_atom axis_into(tq *q, int src, int dst, ir_atom x) {
  tj_aval a = aval_of(q, x);
  int64_t perm[TJ_MAX_RANK], sizes[TJ_MAX_RANK];
  int n = 0, ns = 0;
  for (int i = 0; i < a.rank; i++)
    if (i != src) perm[n++] = i, sizes[ns++] = a.dims[i];
  memmove(perm + dst + 1, perm + dst, sizeof *perm * (size_t)(n - dst));
  perm[dst] = src;
  sizes[dst] *= a.dims[src];
  return reshape_dims(q, x, sizes, ns, perm);
}

/* conv_general_dilated(x, y, ...) as the transposes call it: the wrapper
 * makes each padding pair Python ints (operator.index), out_sharding
 * None (the aval's sharding outside a mesh), and passes precision and
 * preferred_element_type on. */
static ir_atom conv(tq *q, ir_atom x, ir_atom y, const int64_t *strides, const int64_t *lo, const int64_t *hi,
                    const int64_t *lhs_dil, const int64_t *rhs_dil, const ir_conv_dims *dn, int64_t fg, int64_t bg,
                    int ns) {
  ir_module *m = mod(q);
  const ir_eqn *e = q->e;
  ir_param ps[10] = {{"batch_group_count", pv_int(m, bg)},
                     {"dimension_numbers", ir_conv_dims_new(m, dn)},
                     {"feature_group_count", pv_int(m, fg)},
                     {"lhs_dilation", pv_ints(m, PV_TUPLE, lhs_dil, ns)},
                     {"out_sharding", pv_none(m)},
                     {"padding", ir_padding_new(m, lo, hi, ns)},
                     {"precision", (pval *)ir_param_get(e, "precision")},
                     {"preferred_element_type", (pval *)ir_param_get(e, "preferred_element_type")},
                     {"rhs_dilation", pv_ints(m, PV_TUPLE, rhs_dil, ns)},
                     {"window_strides", pv_ints(m, PV_TUPLE, strides, ns)}};
  ir_atom in[2] = {x, y};
  return tq_build(q, P_conv_general_dilated, in, 2, ps, 10, NULL);
}

/* lax.convert_element_type(x, dt) when x is not of dt already. */
static ir_atom convert_to(tq *q, ir_atom x, tj_aval to) {
  tj_aval a = aval_of(q, x);
  if (a.dtype == to.dtype) return x;
  ir_param ps[2] = {{"new_dtype", pv_dtype(mod(q), to.dtype)}, {"weak_type", pv_bool(mod(q), false)}};
  return tq_build(q, P_convert_element_type, &x, 1, ps, 2, NULL);
}

/* The spatial sizes of a at spec[2..]. */
static void spatial(const tj_aval *a, const int64_t *spec, int ns, int64_t *out) {
  for (int i = 0; i < ns; i++) out[i] = a->dims[spec[2 + i]];
}

/* (spec[1], spec[0]) + spec[2:] (_conv_spec_transpose). */
static void spec_transpose(const int64_t *spec, int n, int64_t *out) {
  memcpy(out, spec, sizeof *out * (size_t)n);
  out[0] = spec[1], out[1] = spec[0];
}

/* convolution.py _conv_general_dilated_transpose_lhs: the cotangent
 * convolved with the spatially reversed kernel (its feature dims swapped,
 * groups moved into the output features), strides and lhs dilation
 * exchanged, padded by _conv_general_vjp_lhs_padding. */
static ir_atom conv_lhs(tq *q, const tj_conv *c) {
  const ir_conv_dims *dn = &c->dn;
  int n = dn->rank, ns = n - 2;
  const int64_t *ls = dn->spec[0], *rs = dn->spec[1], *os = dn->spec[2];
  tj_aval lhs = in_aval(q, 0), rhs_a = in_aval(q, 1), g = aval_of(q, CT);
  ir_atom rhs = q->e->in[1];
  int64_t fg = c->feature_groups, bg = c->batch_groups;
  if (fg > 1) {
    rhs = axis_out_of(q, (int)rs[0], fg, rhs);
    rhs = axis_into(q, (int)rs[0], (int)rs[1], rhs);
  } else if (bg > 1) {
    rhs = axis_out_of(q, (int)rs[0], bg, rhs);
    rhs = axis_into(q, (int)rs[0], (int)rs[1], rhs);
    fg = bg;
  }
  ir_conv_dims t = {.rank = n};
  memcpy(t.spec[0], os, sizeof *os * (size_t)n);
  spec_transpose(rs, n, t.spec[1]);
  memcpy(t.spec[2], ls, sizeof *ls * (size_t)n);
  int64_t in[TJ_MAX_RANK], win[TJ_MAX_RANK], out[TJ_MAX_RANK], lo[TJ_MAX_RANK], hi[TJ_MAX_RANK], sd[TJ_MAX_RANK];
  spatial(&lhs, ls, ns, in), spatial(&rhs_a, rs, ns, win), spatial(&g, os, ns, out);
  for (int i = 0; i < ns; i++) {
    int64_t ld = dilate(in[i], c->lhs_dil[i]), rd = dilate(win[i], c->rhs_dil[i]), od = dilate(out[i], c->strides[i]);
    lo[i] = rd - c->pad_lo[i] - 1;
    hi[i] = ld + rd - 1 - od - lo[i];
    sd[i] = rs[2 + i];
  }
  ir_param rp = {"dimensions", pv_ints(mod(q), PV_TUPLE, sd, ns)};
  ir_atom revd = tq_build(q, P_rev, &rhs, 1, &rp, 1, NULL);
  revd = convert_to(q, revd, g);
  ir_atom r = conv(q, CT, revd, c->lhs_dil, lo, hi, c->strides, c->rhs_dil, &t, fg, 1, ns);
  r = convert_to(q, r, lhs);
  if (bg > 1) {
    r = axis_out_of(q, (int)ls[1], bg, r);
    r = axis_into(q, (int)ls[1], (int)ls[0], r);
  }
  return r;
}

/* convolution.py _conv_general_dilated_transpose_rhs: the known lhs
 * convolved with the cotangent as kernel (each spec's feature dims
 * swapped; feature groups become batch groups and back), strides and rhs
 * dilation exchanged, padded by _conv_general_vjp_rhs_padding; an empty
 * cotangent gives a zero. */
static ir_atom conv_rhs(tq *q, const tj_conv *c) {
  const ir_conv_dims *dn = &c->dn;
  int n = dn->rank, ns = n - 2;
  const int64_t *ls = dn->spec[0], *rs = dn->spec[1], *os = dn->spec[2];
  tj_aval lhs = in_aval(q, 0), rhs = in_aval(q, 1), g = aval_of(q, CT);
  if (aval_size(&g) == 0) return JVP_ZERO;
  int64_t fg = c->feature_groups, bg = c->batch_groups;
  if (bg > 1) fg = bg, bg = 1;
  else if (fg > 1) bg = fg, fg = 1;
  ir_conv_dims t = {.rank = n};
  spec_transpose(ls, n, t.spec[0]);
  spec_transpose(os, n, t.spec[1]);
  spec_transpose(rs, n, t.spec[2]);
  int64_t in[TJ_MAX_RANK], win[TJ_MAX_RANK], out[TJ_MAX_RANK], lo[TJ_MAX_RANK], hi[TJ_MAX_RANK];
  spatial(&lhs, ls, ns, in), spatial(&rhs, rs, ns, win), spatial(&g, os, ns, out);
  for (int i = 0; i < ns; i++) {
    int64_t ld = dilate(in[i], c->lhs_dil[i]), rd = dilate(win[i], c->rhs_dil[i]), od = dilate(out[i], c->strides[i]);
    lo[i] = c->pad_lo[i];
    hi[i] = (od - ld) + (rd - c->pad_lo[i] - 1);
  }
  ir_atom x = convert_to(q, q->e->in[0], g);
  ir_atom r = conv(q, x, CT, c->rhs_dil, lo, hi, c->lhs_dil, c->strides, &t, fg, bg, ns);
  return convert_to(q, r, rhs);
}

void tr_conv_general_dilated(tq *q) {
  tj_conv c;
  if (!conv_read(q->e, &c)) { q->b.failed = true; return; }
  if (q->undef[0] && q->undef[1]) {
    fail(q, "conv_general_dilated with both operands linear cannot be transposed");
    return;
  }
  if (q->undef[0]) q->cin[0] = conv_lhs(q, &c);
  else q->cin[1] = conv_rhs(q, &c);
}

/* ---- select_and_gather_add (max/min pooling's tangent) ---- */

/* windowed_reductions.py _select_and_gather_add_transpose: a window
 * dilation is its NotImplementedError; a base dilation pads the operand
 * with select's identity (-inf for ge, inf for le) into the holes first
 * and slices the result back with the dilation as strides; between them
 * _select_and_scatter_add(t, operand, select_prim, window_dimensions,
 * window_strides, padding). */
void tr_select_and_gather_add(tq *q) {
  const ir_eqn *e = q->e;
  ir_module *m = mod(q);
  if (!q->undef[0] || q->undef[1]) {
    fail(q, "select_and_gather_add is linear in its tangents only");
    return;
  }
  tj_aval x = in_aval(q, 1);
  int n = x.rank;
  int64_t wdil[TJ_MAX_RANK], base[TJ_MAX_RANK], zero[TJ_MAX_RANK] = {0}, holes[TJ_MAX_RANK];
  ir_param_ints(e, "window_dilation", wdil, TJ_MAX_RANK);
  ir_param_ints(e, "base_dilation", base, TJ_MAX_RANK);
  bool dilated = false, has_base = false;
  for (int i = 0; i < n; i++) dilated |= wdil[i] != 1, has_base |= base[i] != 1, holes[i] = base[i] - 1;
  if (dilated) {
    tj_buf b = {0};
    print_param_value(m, ir_param_get(e, "window_dilation"), &b);
    diag_error(q->b.t->diags, m->src, e->span,
               "NotImplementedError: VJP not implemented for select_and_gather (MaxPool) with window dilation, got "
               "window_dilation=%s.", b.data ? b.data : "");
    q->b.failed = true;
    buf_free(&b);
    return;
  }
  const char *sel = ir_param_name(e, "select_prim");
  bool ge = sel && strcmp(sel, "ge") == 0;
  ir_atom operand = e->in[1];
  if (has_base) {
    ir_atom ident = tq_lit(q, x.dtype, false, ge ? -INFINITY : INFINITY);
    operand = tq_pad(q, operand, ident, tq_pad_config(q, zero, zero, holes, n, false, false, false));
  }
  ir_param ps[4] = {{"padding", (pval *)ir_param_get(e, "padding")},
                    {"select_prim", (pval *)ir_param_get(e, "select_prim")},
                    {"window_dimensions", (pval *)ir_param_get(e, "window_dimensions")},
                    {"window_strides", (pval *)ir_param_get(e, "window_strides")}};
  ir_atom in[2] = {CT, operand};
  ir_atom r = tq_build(q, P_select_and_scatter_add, in, 2, ps, 4, NULL);
  if (has_base) {
    tj_aval ra = aval_of(q, r);
    ir_param sp[3] = {{"limit_indices", pv_ints(m, PV_TUPLE, ra.dims, n)},
                      {"start_indices", pv_ints(m, PV_TUPLE, zero, n)},
                      {"strides", pv_ints(m, PV_TUPLE, base, n)}};
    r = tq_build(q, P_slice, &r, 1, sp, 3, NULL);
  }
  q->cin[0] = r;
}

/* ---- stack ---- */

/* lax.py _stack_transpose_rule: unstack_p.bind(ct, axis=axis), one
 * output per operand (a known operand's dropped). */
void tr_stack(tq *q) {
  const ir_eqn *e = q->e;
  uint32_t n = e->nin;
  ir_atom *outs = malloc(sizeof *outs * (n + 1));
  tj_aval *hint = malloc(sizeof *hint * (n + 1));
  if (!outs || !hint) TJ_OOM();
  tj_aval c = aval_of(q, CT);
  for (uint32_t i = 0; i < n; i++) {
    hint[i] = in_aval(q, (int)i);
    hint[i].dtype = c.dtype, hint[i].weak = c.weak;
  }
  ir_param p = {"axis", (pval *)ir_param_get(e, "axis")};
  tq_build_n(q, P_unstack, &CT, 1, &p, 1, hint, (int)n, outs);
  for (uint32_t i = 0; i < n && !q->b.failed; i++)
    if (q->undef[i]) q->cin[i] = outs[i];
  free(hint);
  free(outs);
}

/* ---- the primitives the transposes above bind (reverse over reverse) ---- */

/* slicing.py _dynamic_update_slice_transpose_rule: zeros =
 * lax._zeros(t, shape=update's) (full_like: t's dtype and weak type);
 * the operand's cotangent dynamic_update_slice(t, zeros, *starts), the
 * update's dynamic_slice(t, *starts, slice_sizes=update's shape). */
void tr_dynamic_update_slice(tq *q) {
  const ir_eqn *e = q->e;
  tj_aval u = in_aval(q, 1), c = aval_of(q, CT);
  u.dtype = c.dtype, u.weak = c.weak;
  ir_atom z = zeros_like_aval(q, u);
  ir_atom *in = malloc(sizeof *in * (e->nin + 1));
  if (!in) TJ_OOM();
  memcpy(in, e->in, sizeof *in * e->nin);
  in[0] = CT, in[1] = z;
  if (q->undef[0]) q->cin[0] = tq_build(q, P_dynamic_update_slice, in, (int)e->nin, NULL, 0, NULL);
  if (q->undef[1]) {
    in[1] = CT;
    ir_param p = {"slice_sizes", pv_ints(mod(q), PV_TUPLE, u.dims, u.rank)};
    q->cin[1] = tq_build(q, P_dynamic_slice, in + 1, (int)e->nin - 1, &p, 1, NULL);
  }
  free(in);
}

/* lax.py _unstack_transpose_rule: the cotangents, zeros instantiated in
 * turn, stacked along axis. */
void tr_unstack(tq *q) {
  const ir_eqn *e = q->e;
  ir_atom *cts = malloc(sizeof *cts * (e->nout + 1));
  if (!cts) TJ_OOM();
  for (uint32_t k = 0; k < e->nout; k++)
    cts[k] = q->ct[k] != JVP_ZERO ? q->ct[k] : zeros_like_aval(q, mod(q)->vars[e->out[k]]);
  ir_param p = {"axis", (pval *)ir_param_get(e, "axis")};
  q->cin[0] = tq_build(q, P_stack, cts, (int)e->nout, &p, 1, NULL);
  free(cts);
}

/* windowed_reductions.py _select_and_scatter_add_transpose:
 * _select_and_gather_add(t, operand, select_prim, window_dimensions,
 * window_strides, padding, ones, ones). */
void tr_select_and_scatter_add(tq *q) {
  const ir_eqn *e = q->e;
  ir_module *m = mod(q);
  if (!q->undef[0] || q->undef[1]) {
    fail(q, "select_and_scatter_add is linear in its source only");
    return;
  }
  int n = in_aval(q, 1).rank;
  int64_t ones[TJ_MAX_RANK];
  for (int i = 0; i < n; i++) ones[i] = 1;
  ir_param ps[6] = {{"base_dilation", pv_ints(m, PV_TUPLE, ones, n)},
                    {"padding", (pval *)ir_param_get(e, "padding")},
                    {"select_prim", (pval *)ir_param_get(e, "select_prim")},
                    {"window_dilation", pv_ints(m, PV_TUPLE, ones, n)},
                    {"window_dimensions", (pval *)ir_param_get(e, "window_dimensions")},
                    {"window_strides", (pval *)ir_param_get(e, "window_strides")}};
  ir_atom in[2] = {CT, e->in[1]};
  q->cin[0] = tq_build(q, P_select_and_gather_add, in, 2, ps, 6, NULL);
}
