/* Forward-mode autodiff of the data-movement primitives (issue 15): sort,
 * top_k, the scatters, the cumulative and windowed reductions,
 * reduce_prod, convolution, stack/split/tile and bitcast. Each rule
 * follows the JAX 0.10.2 rule its comment names and appends equations in
 * the order that rule binds them (jvp.c's header says how C's argument
 * order is kept out of it: no call here has two arguments that append).
 *
 * Two rules of JAX are themselves jax.jvp of a composite function
 * (loops.py _cumulative_jvp_rule: jvp of associative_scan; lax.py
 * _reduce_jvp: jvp of _reduce_tree). Tracing such a function under
 * JVPTrace binds each of its primitives through that primitive's own rule,
 * so here the composite is first built as a scratch jaxpr (never printed)
 * and then replayed through the JVP interpreter into the real one: the
 * same rules, in the same order. */
#include <stdlib.h>
#include <string.h>

#include "ir_build.h"
#include "jvp_rules.h"
#include "prims.h"
#include "util.h"

static ir_module *mod(jq *q) { return q->b.t->m; }

static ir_atom un1(jq *q, int prim, ir_atom a, const ir_param *ps, int np) { return jvp_build(q, prim, &a, 1, ps, np, NULL); }

/* ---- linear and zero rules of multi-output and variadic primitives ---- */

/* ad.linear_jvp (deflinear / deflinear2) for any number of outputs: the
 * primal, then the primitive on the tangents with zeros instantiated
 * (stack, split, tile, reduce_precision, reduce_window_sum). */
void jvp_linear_all(jq *q) {
  const ir_eqn *e = q->e;
  jvp_primal(q);
  ir_atom *ts = malloc(sizeof *ts * (e->nin + 1));
  if (!ts) TJ_OOM();
  for (uint32_t i = 0; i < e->nin; i++) ts[i] = jvp_instantiate(q, q->dt[i], q->p[i]);
  jvp_build_n(q, e->prim, ts, (int)e->nin, e->params, e->nparams, NULL, (int)e->nout, q->to);
  free(ts);
}

/* ad.defjvp_zero (bitcast_convert_type). */
void jvp_zero_data(jq *q) { jvp_primal(q); }

/* ---- convolution ---- */

/* convolution.py ad.defbilinear(conv_general_dilated_p, ...): the primal,
 * then conv(g, rhs) for a nonzero lhs tangent and conv(lhs, g) for a
 * nonzero rhs tangent, the same params, summed by add_any. */
void jvp_conv(jq *q) {
  const ir_eqn *e = q->e;
  jvp_primal(q);
  ir_atom a = JVP_ZERO, b = JVP_ZERO;
  if (q->dt[0] != JVP_ZERO) {
    ir_atom in[2] = {q->dt[0], q->p[1]};
    a = jvp_build(q, P_conv_general_dilated, in, 2, e->params, e->nparams, NULL);
  }
  if (q->dt[1] != JVP_ZERO) {
    ir_atom in[2] = {q->p[0], q->dt[1]};
    b = jvp_build(q, P_conv_general_dilated, in, 2, e->params, e->nparams, NULL);
  }
  q->to[0] = jvp_add_tangents(q, a, b);
}

/* ---- sort and top_k: a gather of the tangent at the permutation ---- */

/* slicing.gather(t, idx, dnums, slice_sizes=(1,) * rank) with mode None,
 * which gather() makes PROMISE_IN_BOUNDS with fill_value None: one
 * element per index along axis, every other dimension a batching one. */
static ir_atom gather_along(jq *q, ir_atom t, ir_atom idx, int axis, int rank) {
  ir_module *m = mod(q);
  ir_gather_dims d = {.ncollapsed = 1, .nstart_map = 1};
  d.collapsed[0] = d.start_map[0] = axis;
  int64_t ones[TJ_MAX_RANK];
  for (int i = 0; i < rank; i++) {
    ones[i] = 1;
    if (i != axis) d.operand_batching[d.nbatching++] = i, d.indices_batching[d.nindices_batching++] = i;
  }
  ir_param ps[6] = {{"dimension_numbers", ir_gather_dims_new(m, &d)},
                    {"fill_value", pv_none(m)},
                    {"indices_are_sorted", pv_bool(m, false)},
                    {"mode", pv_name(m, "GatherScatterMode.PROMISE_IN_BOUNDS")},
                    {"slice_sizes", pv_ints(m, PV_TUPLE, ones, rank)},
                    {"unique_indices", pv_bool(m, false)}};
  ir_atom in[2] = {t, idx};
  return jvp_build(q, P_gather, in, 2, ps, 6, NULL);
}

/* The gather indices of sort's and top_k's rules have one dimension more
 * than the operand: false (with the error) past tjit's rank limit. */
static bool index_rank_fits(jq *q, int rank) {
  if (rank < TJ_MAX_RANK) return true;
  q->b.failed = !diag_error(q->b.t->diags, q->b.t->m->src, q->e->span,
                          "jvp of %s needs its indices at rank %d, above tjit's limit of %d", prims[q->e->prim].name,
                          rank + 1, TJ_MAX_RANK);
  return false;
}

/* lax.py _sort_jvp: sort the operands with broadcasted_iota(uint32,
 * shape, dimension) as one more (its sorted copy is the permutation),
 * expand_dims of that permutation (a broadcast_in_dim to shape + (1,)),
 * then each nonzero tangent gathered at it. */
void jvp_sort(jq *q) {
  const ir_eqn *e = q->e;
  ir_module *m = mod(q);
  uint32_t n = e->nin;
  int dim = (int)ir_param_int(e, "dimension", 0);
  tj_aval a = jvp_aval_of(q, q->p[0]);
  if (!index_rank_fits(q, a.rank)) return;
  int64_t shape[TJ_MAX_RANK + 1], bdims[TJ_MAX_RANK];
  for (int i = 0; i < a.rank; i++) shape[i] = a.dims[i], bdims[i] = i;
  ir_param ip[4] = {{"dimension", pv_int(m, dim)}, {"dtype", pv_dtype(m, DT_U32)},
                    {"shape", pv_ints(m, PV_TUPLE, shape, a.rank)}, {"sharding", pv_none(m)}};
  ir_atom iota = jvp_build(q, P_iota, NULL, 0, ip, 4, NULL);
  ir_atom *in = malloc(sizeof *in * (2 * (size_t)n + 2)), *outs = in + n + 1;
  if (!in) TJ_OOM();
  memcpy(in, q->p, sizeof *in * n);
  in[n] = iota;
  jvp_build_n(q, P_sort, in, (int)n + 1, e->params, e->nparams, NULL, (int)n + 1, outs);
  if (q->b.failed) { free(in); return; } /* outs unset */
  memcpy(q->po, outs, sizeof *outs * n);
  tj_aval ia = a;
  ia.dtype = DT_U32, ia.weak = false, ia.dims[ia.rank++] = 1;
  ir_param bp[1] = {{"broadcast_dimensions", pv_ints(m, PV_TUPLE, bdims, a.rank)}};
  ir_atom idx = jvp_build(q, P_broadcast_in_dim, &outs[n], 1, bp, 1, &ia);
  for (uint32_t i = 0; i < n; i++)
    if (q->dt[i] != JVP_ZERO) q->to[i] = gather_along(q, q->dt[i], idx, dim, a.rank);
  free(in);
}

/* lax.py _top_k_jvp: the primal top_k, reshape of its indices to
 * shape + (1,), the tangent gathered at them; the indices' tangent is
 * zero. */
void jvp_top_k(jq *q) {
  jvp_primal(q);
  if (q->b.failed) return; /* its outputs unset */
  ir_module *m = mod(q);
  tj_aval ka = jvp_aval_of(q, q->po[1]);
  if (!index_rank_fits(q, ka.rank)) return;
  int64_t sizes[TJ_MAX_RANK + 1];
  for (int i = 0; i < ka.rank; i++) sizes[i] = ka.dims[i];
  sizes[ka.rank] = 1;
  ir_param rp[3] = {{"dimensions", pv_none(m)}, {"new_sizes", pv_ints(m, PV_TUPLE, sizes, ka.rank + 1)},
                    {"sharding", pv_none(m)}};
  ir_atom gi = un1(q, P_reshape, q->po[1], rp, 3);
  q->to[0] = gather_along(q, q->dt[0], gi, (int)ir_param_int(q->e, "axis", 0), ka.rank);
}

/* ---- composite rules: a scratch jaxpr replayed through the rules ---- */

/* A scratch jaxpr of one input of x's aval, built with q's helpers (its
 * equations not counted against the budget: the replay counts). */
typedef struct scratch {
  jvp_target t;
  uint32_t count;
  jq q;
  ir_jaxpr *j;
  ir_atom in;
} scratch;

static void scratch_open(scratch *s, jq *q, ir_atom x) {
  ir_module *m = mod(q);
  s->t = *q->b.t;
  s->count = 0;
  s->t.neqns = &s->count, s->t.max_eqns = UINT32_MAX;
  s->j = s->t.dst = ir_jaxpr_new(m);
  s->q = (jq){.b = {&s->t, q->e->span, false}, .e = q->e};
  tj_aval a = jvp_aval_of(q, x);
  uint32_t v;
  ir_build_invars(m, s->j, &a, 1, &v);
  s->in = ATOM_VAR(v);
}

/* api.jvp of the scratch function at (x, tx) from q, its output tangent
 * instantiated (jvp's instantiate=True); false on an error. */
static bool scratch_jvp(scratch *s, jq *q, ir_atom out, ir_atom x, ir_atom tx, ir_atom *po, ir_atom *to) {
  if (s->q.b.failed) return false;
  ir_build_outs(mod(q), s->j, &out, 1);
  if (!jvp_replay(q->b.t, s->j, &x, &tx, po, to)) return false;
  if (*to == JVP_ZERO) *to = jvp_full_like(q, *po, 0);
  return !q->b.failed;
}

/* slicing.slice_in_dim(x, start, limit, stride, axis): lax.slice with
 * strides always a tuple; limit None is the size, a negative one counts
 * from the end. */
static ir_atom slice_in_dim(jq *q, ir_atom x, int64_t start, int64_t limit, bool limit_none, int64_t stride,
                            int axis) {
  ir_module *m = mod(q);
  tj_aval a = jvp_aval_of(q, x);
  int64_t st[TJ_MAX_RANK], li[TJ_MAX_RANK], sd[TJ_MAX_RANK];
  for (int i = 0; i < a.rank; i++) st[i] = 0, li[i] = a.dims[i], sd[i] = 1;
  st[axis] = start;
  li[axis] = limit_none ? a.dims[axis] : limit < 0 ? limit + a.dims[axis] : limit;
  sd[axis] = stride;
  ir_param ps[3] = {{"limit_indices", pv_ints(m, PV_TUPLE, li, a.rank)},
                    {"start_indices", pv_ints(m, PV_TUPLE, st, a.rank)},
                    {"strides", pv_ints(m, PV_TUPLE, sd, a.rank)}};
  return un1(q, P_slice, x, ps, 3);
}

/* lax.pad(x, _const(x, v), config) with config (0, 0, 0) but at axis. */
static ir_atom pad_at(jq *q, ir_atom x, double v, int axis, int64_t lo, int64_t hi, int64_t interior) {
  ir_module *m = mod(q);
  tj_aval a = jvp_aval_of(q, x);
  pval *cfg = pv_seq(m, PV_TUPLE, a.rank);
  for (int i = 0; i < a.rank; i++) {
    int64_t row[3] = {i == axis ? lo : 0, i == axis ? hi : 0, i == axis ? interior : 0};
    cfg->items[i] = pv_ints(m, PV_TUPLE, row, 3);
  }
  ir_param p = {"padding_config", cfg};
  ir_atom in[2] = {x, jvp_lit(q, a.dtype, false, v)};
  return jvp_build(q, P_pad, in, 2, &p, 1, NULL);
}

static int64_t dim_of(jq *q, ir_atom x, int axis) { return jvp_aval_of(q, x).dims[axis]; }

/* loops.py _interleave(a, b, axis): a and b padded with zeros into every
 * other place, then added (or'ed for bool). */
static ir_atom interleave(jq *q, ir_atom a, ir_atom b, int axis) {
  bool same = dim_of(q, a, axis) == dim_of(q, b, axis);
  ir_atom pa = pad_at(q, a, 0, axis, 0, same ? 1 : 0, 1);
  ir_atom pb = pad_at(q, b, 0, axis, 1, same ? 0 : 1, 1);
  return jvp_bin(q, jvp_aval_of(q, a).dtype == DT_BOOL ? P_or : P_add, pa, pb);
}

/* loops.py associative_scan's _scan (one array, combine = lax.mul / max /
 * min as the binary primitive op). */
static ir_atom assoc_scan(jq *q, int op, ir_atom x, int axis, int depth) {
  int64_t n = dim_of(q, x, axis);
  if (n < 2 || depth > 64) return x;
  ir_atom lo = slice_in_dim(q, x, 0, -1, false, 2, axis);
  ir_atom hi = slice_in_dim(q, x, 1, 0, true, 2, axis);
  ir_atom odd = assoc_scan(q, op, jvp_bin(q, op, lo, hi), axis, depth + 1), even;
  if (n % 2 == 0) {
    ir_atom a = slice_in_dim(q, odd, 0, -1, false, 1, axis);
    ir_atom b = slice_in_dim(q, x, 2, 0, true, 2, axis);
    even = jvp_bin(q, op, a, b);
  } else {
    ir_atom b = slice_in_dim(q, x, 2, 0, true, 2, axis);
    even = jvp_bin(q, op, odd, b);
  }
  ir_atom first = slice_in_dim(q, x, 0, 1, false, 1, axis);
  ir_atom parts[2] = {first, even};
  ir_param cp = {"dimension", pv_int(mod(q), axis)};
  even = jvp_build(q, P_concatenate, parts, 2, &cp, 1, NULL);
  return interleave(q, even, odd, axis);
}

/* lax.rev(x, [axis]). */
static ir_atom rev_axis(jq *q, ir_atom x, int axis) {
  int64_t d = axis;
  ir_param p = {"dimensions", pv_ints(mod(q), PV_TUPLE, &d, 1)};
  return un1(q, P_rev, x, &p, 1);
}

/* loops.py _cumulative_jvp_rule: api.jvp(partial(associative_scan,
 * combine_fn, axis=axis, reverse=reverse)) with combine_fn lax.mul
 * (cumprod), lax.max (cummax), lax.min (cummin). */
void jvp_cumred(jq *q) {
  int op = q->e->prim == P_cumprod ? P_mul : q->e->prim == P_cummax ? P_max : P_min;
  int axis = (int)ir_param_int(q->e, "axis", 0);
  bool reverse = ir_param_bool(q->e, "reverse", false);
  scratch s;
  scratch_open(&s, q, q->p[0]);
  ir_atom x = s.in;
  if (reverse) x = rev_axis(&s.q, x, axis);
  x = assoc_scan(&s.q, op, x, axis, 0);
  if (reverse) x = rev_axis(&s.q, x, axis);
  if (!scratch_jvp(&s, q, x, q->p[0], q->dt[0], &q->po[0], &q->to[0])) q->b.failed = true;
}

/* lax.py _reduce_jvp's _reduce_tree on the flattened x (axis 0): halves
 * multiplied until one row is left (an odd half padded with the init
 * value 1), then squeezed; an empty axis is full(rest, 1). */
static ir_atom reduce_tree(jq *q, ir_atom x) {
  ir_module *m = mod(q);
  tj_aval a = jvp_aval_of(q, x);
  for (int guard = 0; dim_of(q, x, 0) > 1 && guard < 64; guard++) {
    int64_t n = dim_of(q, x, 0), n1 = (n + 1) / 2, n2 = n - n1;
    ir_atom x1 = slice_in_dim(q, x, 0, n1, false, 1, 0);
    ir_atom x2 = slice_in_dim(q, x, n1, 0, true, 1, 0);
    if (n2 != n1) x2 = pad_at(q, x2, 1, 0, 0, 1, 0);
    x = jvp_bin(q, P_mul, x1, x2);
  }
  if (dim_of(q, x, 0) == 0) {
    tj_aval r = a;
    r.rank--;
    memmove(r.dims, r.dims + 1, sizeof *r.dims * r.rank);
    ir_atom one = jvp_lit(q, a.dtype, false, 1);
    return r.rank ? jvp_build(q, P_broadcast_in_dim, &one, 1, NULL, 0, &r) : one;
  }
  int64_t zero = 0;
  ir_param p = {"dimensions", pv_ints(m, PV_TUPLE, &zero, 1)};
  return un1(q, P_squeeze, x, &p, 1);
}

/* lax.reshape(x, new_shape, dimensions=perm) as _reduce_jvp calls it. */
static ir_atom reshape_to(jq *q, ir_atom x, const int64_t *sizes, int rank, const int64_t *perm) {
  return lax_reshape(&q->b, x, sizes, rank, perm);
}

/* lax.py _reduce_prod_jvp_rule: _reduce_jvp(mul, [1]): the reduced axes
 * moved to the front and flattened (reshape with dimensions = axes +
 * the other axes, the primal then the tangent), then
 * api.jvp(_reduce_tree). */
void jvp_reduce_prod(jq *q) {
  int64_t axes[TJ_MAX_RANK], sizes[TJ_MAX_RANK + 1], perm[TJ_MAX_RANK];
  int nax = ir_param_ints(q->e, "axes", axes, TJ_MAX_RANK), np = 0;
  tj_aval a = jvp_aval_of(q, q->p[0]);
  bool taken[TJ_MAX_RANK] = {false};
  int64_t n = 1;
  for (int i = 0; i < nax; i++) taken[axes[i]] = true, n *= a.dims[axes[i]], perm[np++] = axes[i];
  int rank = 0;
  sizes[rank++] = n;
  for (int d = 0; d < a.rank; d++)
    if (!taken[d]) sizes[rank++] = a.dims[d], perm[np++] = d;
  ir_atom x = reshape_to(q, q->p[0], sizes, rank, perm);
  ir_atom t = reshape_to(q, q->dt[0], sizes, rank, perm);
  scratch s;
  scratch_open(&s, q, x);
  ir_atom r = reduce_tree(&s.q, s.in);
  if (!scratch_jvp(&s, q, r, x, t, &q->po[0], &q->to[0])) q->b.failed = true;
}

/* ---- scatters ---- */

/* The scatter's params with unique_indices (and update_jaxpr) replaced. */
static void scatter_params(const ir_eqn *e, ir_param *ps, int *np, pval *uj, pval *unique) {
  *np = e->nparams < 8 ? e->nparams : 8;
  for (int i = 0; i < *np; i++) {
    ps[i] = e->params[i];
    if (uj && strcmp(ps[i].key, "update_jaxpr") == 0) ps[i].val = uj;
    if (unique && strcmp(ps[i].key, "unique_indices") == 0) ps[i].val = unique;
  }
}

/* slicing.py _scatter_addsub_jvp: the primal, then the same scatter of the
 * tangents, zeros instantiated (the operand's first). */
void jvp_scatter_addsub(jq *q) {
  const ir_eqn *e = q->e;
  jvp_primal(q);
  ir_atom go = jvp_instantiate(q, q->dt[0], q->p[0]);
  ir_atom gu = jvp_instantiate(q, q->dt[2], q->p[2]);
  ir_atom in[3] = {go, q->p[1], gu};
  q->to[0] = jvp_build(q, e->prim, in, 3, e->params, e->nparams, NULL);
}

/* The update jaxpr of a scatter prim on dt in j or below (the one
 * lax._reduction_jaxpr caches), or NULL. */
static ir_jaxpr *find_update(const ir_module *m, const ir_jaxpr *j, int prim, tj_dtype dt, int depth) {
  for (uint32_t k = 0; j && depth <= TJ_MAX_JAXPR_NEST && k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    for (int p = 0; p < e->nparams; p++)
      for (int i = 0; i < ir_pval_njaxprs(e->params[p].val); i++) {
        ir_jaxpr *sub = ir_pval_jaxpr(e->params[p].val, i), *found;
        if (!sub) continue;
        if (e->prim == prim && strcmp(e->params[p].key, "update_jaxpr") == 0 && sub->nin == 2 &&
            m->vars[sub->invars[0]].dtype == dt)
          return sub;
        if ((found = find_update(m, sub, prim, dt, depth + 1))) return found;
      }
  }
  return NULL;
}

/* lax._reduction_jaxpr(lax.add, dt[]): { lambda ; a:dt[] b:dt[]. let
 * c = add a b in (c,) }, shared with any scatter-add of dt already made
 * (JAX caches it, so one object serves every scatter-add of the dtype). */
static ir_jaxpr *add_update_jaxpr(jq *q, tj_dtype dt) {
  ir_module *m = mod(q);
  ir_jaxpr *j = find_update(m, q->b.t->dst, P_scatter_add, dt, 0);
  if (!j) j = find_update(m, m->top, P_scatter_add, dt, 0);
  if (j) return j;
  scratch s;
  tj_aval a = aval_scalar(dt, false);
  s.t = *q->b.t;
  s.count = 0;
  s.t.neqns = &s.count, s.t.max_eqns = UINT32_MAX;
  j = s.t.dst = ir_jaxpr_new(m);
  s.q = (jq){.b = {&s.t, q->e->span, false}, .e = q->e};
  uint32_t v[2];
  tj_aval two[2] = {a, a};
  ir_build_invars(m, j, two, 2, v);
  ir_atom r = jvp_bin(&s.q, P_add, ATOM_VAR(v[0]), ATOM_VAR(v[1]));
  if (s.q.b.failed) { q->b.failed = true; return NULL; }
  ir_build_outs(m, j, &r, 1);
  return j;
}

/* slicing.py ad.defjvp(scatter_mul_p, lhs, None, _scatter_mul_jvp_rhs):
 * the primal; scatter_mul(g, i, y) for the operand's tangent; for the
 * updates' mul(x, scatter_add(zeros_like(x), i, g)) (unique indices
 * only, else its NotImplementedError); add_any of the two. */
void jvp_scatter_mul(jq *q) {
  const ir_eqn *e = q->e;
  bool unique = ir_param_bool(e, "unique_indices", false);
  if (q->dt[2] != JVP_ZERO && !unique) {
    q->b.failed = !diag_error(q->b.t->diags, q->b.t->m->src, e->span,
                            "NotImplementedError: scatter_mul gradients are only implemented if "
                            "`unique_indices=True`");
    return;
  }
  jvp_primal(q);
  ir_atom a = JVP_ZERO, b = JVP_ZERO;
  if (q->dt[0] != JVP_ZERO) {
    ir_atom in[3] = {q->dt[0], q->p[1], q->p[2]};
    a = jvp_build(q, P_scatter_mul, in, 3, e->params, e->nparams, NULL);
  }
  if (q->dt[2] != JVP_ZERO) {
    ir_jaxpr *uj = add_update_jaxpr(q, jvp_aval_of(q, q->p[0]).dtype);
    if (!uj) return;
    ir_param ps[8];
    int np;
    scatter_params(e, ps, &np, pv_jaxpr(mod(q), uj), NULL);
    ir_atom in[3] = {jvp_full_like(q, q->p[0], 0), q->p[1], q->dt[2]};
    ir_atom s = jvp_build(q, P_scatter_add, in, 3, ps, np, NULL);
    b = jvp_bin(q, P_mul, q->p[0], s);
  }
  q->to[0] = jvp_add_tangents(q, a, b);
}

/* lax.full(x.shape, v, dt) (lax._ones(x, dtype=dt)): a strong literal
 * for a scalar, else its broadcast_in_dim. */
static ir_atom full_dt(jq *q, ir_atom shape_of, tj_dtype dt, double v) {
  tj_aval a = jvp_aval_of(q, shape_of);
  a.dtype = dt, a.weak = false;
  ir_atom s = jvp_lit(q, dt, false, v);
  return a.rank ? jvp_build(q, P_broadcast_in_dim, &s, 1, NULL, 0, &a) : s;
}

/* lax.select(pred, on_true, on_false) = select_n(pred, on_false, on_true). */
static ir_atom select3(jq *q, ir_atom pred, ir_atom on_true, ir_atom on_false) {
  ir_atom in[3] = {pred, on_false, on_true};
  return jvp_build(q, P_select_n, in, 3, NULL, 0, NULL);
}

/* select(eq(a, b), x, _zeros(x)), b made first by the caller. */
static ir_atom keep_where_eq(jq *q, ir_atom a, ir_atom b, ir_atom x) {
  ir_atom eq = jvp_bin(q, P_eq, a, b);
  ir_atom z = jvp_full_like(q, x, 0);
  return select3(q, eq, x, z);
}

/* The gather that undoes the scatter (its dimension numbers and slice
 * sizes from the scatter's, as _scatter_jvp makes them). */
static ir_atom inverse_gather(jq *q, ir_atom from, ir_atom idx, tj_aval upd) {
  ir_module *m = mod(q);
  ir_scatter_dims sd;
  ir_gather_dims d = {0};
  if (!ir_scatter_dims_read(q->e, &sd)) { q->b.failed = true; return ATOM_VAR(0); }
  d.noffset = sd.nwindow, d.ncollapsed = sd.ninserted, d.nstart_map = sd.nto;
  d.nbatching = sd.nbatching, d.nindices_batching = sd.nindices_batching;
  memcpy(d.offset, sd.window, sizeof *d.offset * (size_t)sd.nwindow);
  memcpy(d.collapsed, sd.inserted, sizeof *d.collapsed * (size_t)sd.ninserted);
  memcpy(d.start_map, sd.to_operand, sizeof *d.start_map * (size_t)sd.nto);
  memcpy(d.operand_batching, sd.operand_batching, sizeof *d.operand_batching * (size_t)sd.nbatching);
  memcpy(d.indices_batching, sd.indices_batching, sizeof *d.indices_batching * (size_t)sd.nindices_batching);
  tj_aval a = jvp_aval_of(q, from);
  int64_t sizes[TJ_MAX_RANK];
  for (int i = 0, pos = 0; i < a.rank; i++) {
    bool inserted = false;
    for (int k = 0; k < sd.ninserted; k++) inserted |= sd.inserted[k] == i;
    for (int k = 0; k < sd.nbatching; k++) inserted |= sd.operand_batching[k] == i;
    sizes[i] = inserted ? 1 : upd.dims[sd.window[pos++]];
  }
  return lax_gather(&q->b, from, idx, ir_gather_dims_new(m, &d), sizes, a.rank, false, false,
                    pv_name(m, "GatherScatterMode.PROMISE_IN_BOUNDS"), pv_none(m));
}

/* _scatter_jvp's ids: iota(uint32, n) reshaped to the updates' shape with
 * 1 at the window dimensions, plus lax._ones(updates, dtype=uint32). */
static ir_atom update_ids(jq *q, tj_aval upd) {
  ir_module *m = mod(q);
  ir_scatter_dims sd;
  if (!ir_scatter_dims_read(q->e, &sd)) { q->b.failed = true; return ATOM_VAR(0); }
  int64_t shape[TJ_MAX_RANK], n = 1;
  for (int i = 0; i < upd.rank; i++) shape[i] = upd.dims[i];
  for (int k = 0; k < sd.nwindow; k++) shape[sd.window[k]] = 1;
  for (int i = 0; i < upd.rank; i++) n *= shape[i];
  ir_param ip[4] = {{"dimension", pv_int(m, 0)}, {"dtype", pv_dtype(m, DT_U32)},
                    {"shape", pv_ints(m, PV_TUPLE, &n, 1)}, {"sharding", pv_none(m)}};
  ir_atom iota = jvp_build(q, P_iota, NULL, 0, ip, 4, NULL);
  ir_atom r = reshape_to(q, iota, shape, upd.rank, NULL);
  ir_atom ones = full_dt(q, q->p[2], DT_U32, 1);
  return jvp_bin(q, P_add, r, ones);
}

/* slicing.py _scatter_jvp: the tangents' zeros instantiated first. With
 * unique_indices the primal scatter and the tangents' scatter. Otherwise
 * which update wins is found by scattering ids (update_ids into
 * full(operand.shape, 0, uint32)) and gathering them back; the operand,
 * updates and their tangents are masked to the winners (select of eq) and
 * scatter-added, the primal then the tangent. */
void jvp_scatter(jq *q) {
  const ir_eqn *e = q->e;
  ir_atom go = jvp_instantiate(q, q->dt[0], q->p[0]);
  ir_atom gu = jvp_instantiate(q, q->dt[2], q->p[2]);
  if (ir_param_bool(e, "unique_indices", false)) {
    jvp_primal(q);
    ir_atom in[3] = {go, q->p[1], gu};
    q->to[0] = jvp_build(q, P_scatter, in, 3, e->params, e->nparams, NULL);
    return;
  }
  ir_atom x = q->p[0], idx = q->p[1], y = q->p[2];
  tj_aval upd = jvp_aval_of(q, y);
  ir_atom ids = update_ids(q, upd);
  ir_atom zeros = full_dt(q, x, DT_U32, 0);
  ir_atom sin[3] = {zeros, idx, ids};
  ir_atom sids = jvp_build(q, P_scatter, sin, 3, e->params, e->nparams, NULL);
  ir_atom gids = inverse_gather(q, sids, idx, upd);
  ir_atom z = jvp_full_like(q, sids, 0);
  ir_atom mx = keep_where_eq(q, sids, z, x);
  ir_atom my = keep_where_eq(q, ids, gids, y);
  z = jvp_full_like(q, sids, 0);
  ir_atom mgx = keep_where_eq(q, sids, z, go);
  ir_atom mgy = keep_where_eq(q, ids, gids, gu);
  ir_jaxpr *uj = add_update_jaxpr(q, jvp_aval_of(q, x).dtype);
  if (!uj) return;
  ir_param ps[8];
  int np;
  scatter_params(e, ps, &np, pv_jaxpr(mod(q), uj), NULL);
  ir_atom pin[3] = {mx, idx, my}, tin[3] = {mgx, idx, mgy};
  q->po[0] = jvp_build(q, P_scatter_add, pin, 3, ps, np, NULL);
  q->to[0] = jvp_build(q, P_scatter_add, tin, 3, ps, np, NULL);
}

/* slicing.scatter_add(operand, indices, updates, dnums) as
 * _scatter_extremal_jvp calls it for its counts: the defaults
 * indices_are_sorted=False, unique_indices=False, mode None (which
 * scatter_add makes FILL_OR_DROP). */
static ir_atom scatter_add_default(jq *q, ir_atom x, ir_atom idx, ir_atom y, ir_jaxpr *uj) {
  ir_module *m = mod(q);
  ir_param ps[8];
  int np;
  scatter_params(q->e, ps, &np, pv_jaxpr(m, uj), pv_bool(m, false));
  for (int i = 0; i < np; i++) {
    if (strcmp(ps[i].key, "indices_are_sorted") == 0) ps[i].val = pv_bool(m, false);
    if (strcmp(ps[i].key, "mode") == 0) ps[i].val = pv_name(m, "GatherScatterMode.FILL_OR_DROP");
  }
  ir_atom in[3] = {x, idx, y};
  return jvp_build(q, P_scatter_add, in, 3, ps, np, NULL);
}

/* A weak literal v of x's dtype (a Python float meeting an array in jnp's
 * operators: 1.0 / x, x + 1, -1.0 + x). */
static ir_atom weak_const(jq *q, ir_atom x, double v) { return jvp_lit(q, jvp_aval_of(q, x).dtype, true, v); }

/* 1.0 / (n + 1) */
static ir_atom inv_plus_one(jq *q, ir_atom n) {
  ir_atom n1 = jvp_bin(q, P_add, n, weak_const(q, n, 1));
  return jvp_bin(q, P_div, weak_const(q, n, 1), n1);
}

/* slicing.py _scatter_extremal_jvp (scatter-min, scatter-max): the
 * primal; the tangents' zeros instantiated; the values before and after
 * gathered back (the inverse gather); which updates won and which places
 * kept their value (eq); how many updates won and how many referred to
 * each place (scatter-adds of ones, gathered back); the tangent is g
 * scatter-added with the updates' tangents weighted to share ties evenly,
 * the operand's tangent taken out where it lost. */
void jvp_scatter_extremal(jq *q) {
  const ir_eqn *e = q->e;
  jvp_primal(q);
  if (q->b.failed) return; /* its output unset */
  ir_atom go = jvp_instantiate(q, q->dt[0], q->p[0]);
  ir_atom gu = jvp_instantiate(q, q->dt[2], q->p[2]);
  ir_atom x = q->p[0], idx = q->p[1], y = q->p[2];
  tj_aval upd = jvp_aval_of(q, y);
  ir_jaxpr *uj = add_update_jaxpr(q, jvp_aval_of(q, x).dtype);
  if (!uj) return;
  ir_atom initial = inverse_gather(q, x, idx, upd);
  ir_atom target = inverse_gather(q, q->po[0], idx, upd);
  ir_atom won = jvp_bin(q, P_eq, y, target);
  ir_atom kept = jvp_bin(q, P_eq, initial, target);
  ir_atom z = jvp_full_like(q, x, 0);
  ir_atom ones = jvp_full_like(q, y, 1);
  ir_atom zs = jvp_full_like(q, y, 0);
  ir_atom n_upd = inverse_gather(q, scatter_add_default(q, z, idx, select3(q, won, ones, zs), uj), idx, upd);
  z = jvp_full_like(q, x, 0);
  ones = jvp_full_like(q, y, 1);
  ir_atom n_refs = inverse_gather(q, scatter_add_default(q, z, idx, ones, uj), idx, upd);
  ir_atom a = inv_plus_one(q, n_upd);
  ir_atom b = jvp_bin(q, P_div, weak_const(q, n_upd, 1), n_upd);
  ir_atom upd_norm = select3(q, kept, a, b);
  zs = jvp_full_like(q, y, 0);
  ir_atom upd_coef = select3(q, won, upd_norm, zs);
  a = inv_plus_one(q, n_upd);
  zs = jvp_full_like(q, n_upd, 0);
  ir_atom op_norm = select3(q, kept, a, zs);
  ir_atom op_coef = jvp_bin(q, P_div, jvp_bin(q, P_add, weak_const(q, op_norm, -1), op_norm), n_refs);
  ir_atom tt = inverse_gather(q, go, idx, upd);
  ir_atom t1 = jvp_bin(q, P_mul, tt, op_coef);
  ir_atom t2 = jvp_bin(q, P_mul, gu, upd_coef);
  ir_atom tu = jvp_bin(q, P_add, t1, t2);
  ir_param ps[8];
  int np;
  scatter_params(e, ps, &np, pv_jaxpr(mod(q), uj), NULL);
  ir_atom in[3] = {go, idx, tu};
  q->to[0] = jvp_build(q, P_scatter_add, in, 3, ps, np, NULL);
}

/* ---- max/min pooling ---- */

/* select_and_gather_add(t, x) with the five window params of e and
 * select_prim (ge or le) among them in its sorted place, the third. */
static ir_atom select_gather(jq *q, const ir_eqn *e, ir_atom t, ir_atom x, const char *sel) {
  ir_param ps[6];
  int np = 0;
  for (int i = 0; i < e->nparams && np < 6; i++) {
    if (np == 2) ps[np++] = (ir_param){"select_prim", pv_name(mod(q), sel)};
    ps[np++] = e->params[i];
  }
  ir_atom in[2] = {t, x};
  return jvp_build(q, P_select_and_gather_add, in, 2, ps, np, NULL);
}

/* windowed_reductions.py ad.defjvp(reduce_window_max_p / min_p,
 * _reduce_window_chooser_jvp_rule): the primal, then
 * _select_and_gather_add(g, operand, ge_p / le_p, the same window). */
void jvp_reduce_window_chooser(jq *q) {
  jvp_primal(q);
  q->to[0] = select_gather(q, q->e, q->dt[0], q->p[0], q->e->prim == P_reduce_window_max ? "ge" : "le");
}

/* windowed_reductions.py _select_and_gather_add_jvp: the primal, then
 * the same on the tangents' tangent (the operand's tangent is dropped). */
void jvp_select_and_gather_add(jq *q) {
  jvp_primal(q);
  if (q->dt[0] != JVP_ZERO) {
    ir_atom in[2] = {q->dt[0], q->p[1]};
    q->to[0] = jvp_build(q, P_select_and_gather_add, in, 2, q->e->params, q->e->nparams, NULL);
  }
}

/* ---- the primitives transposes bind (reverse mode over reverse mode) ---- */

/* windowed_reductions.py _select_and_scatter_add_jvp: the primal, then
 * the same on the source's tangent (the operand's is dropped). */
void jvp_select_and_scatter_add(jq *q) {
  jvp_primal(q);
  if (q->dt[0] != JVP_ZERO) {
    ir_atom in[2] = {q->dt[0], q->p[1]};
    q->to[0] = jvp_build(q, P_select_and_scatter_add, in, 2, q->e->params, q->e->nparams, NULL);
  }
}

/* slicing.py _dynamic_update_slice_jvp: the primal, then (unless both
 * tangents are zero) dynamic_update_slice of the instantiated tangents
 * at the same start indices. */
void jvp_dynamic_update_slice(jq *q) {
  const ir_eqn *e = q->e;
  jvp_primal(q);
  if (q->dt[0] == JVP_ZERO && q->dt[1] == JVP_ZERO) return;
  ir_atom *in = malloc(sizeof *in * (e->nin + 1));
  if (!in) TJ_OOM();
  memcpy(in, q->p, sizeof *in * e->nin);
  in[0] = jvp_instantiate(q, q->dt[0], q->p[0]);
  in[1] = jvp_instantiate(q, q->dt[1], q->p[1]);
  q->to[0] = jvp_build(q, P_dynamic_update_slice, in, (int)e->nin, NULL, 0, NULL);
  free(in);
}
