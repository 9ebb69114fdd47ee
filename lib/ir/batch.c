/* Batching as a jaxpr transformation (batch.h): the interpreter, then one
 * rule per primitive or family (batch.def), each after the JAX 0.10.2
 * function it names, appending what that function binds. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "ir_build.h"
#include "lax_build.h"
#include "prims.h"
#include "util.h"

#define NM BATCH_NOT_MAPPED

/* One equation being replayed: its operands x with batch dims d; the
 * rule fills the outputs' atoms out and dims od. */
typedef struct bq {
  lax_b b;
  const batch_target *bt;
  const ir_eqn *e;
  const ir_atom *x;
  const int *d;
  ir_atom *out;
  int *od;
} bq;

typedef void (*batch_rule)(bq *q);

#define BATCH(id, rule) static void rule(bq *q);
#include "batch.def"
#undef BATCH

static const batch_rule rows[P_COUNT] = {
#define BATCH(id, rule) [P_##id] = rule,
#include "batch.def"
#undef BATCH
};

static void b_vectorized(bq *q);
static void b_broadcasting(bq *q);

/* A row of batch.def, else the elementwise family's rule, else NULL. */
static batch_rule rule_of(int prim) {
  if (rows[prim]) return rows[prim];
  if (!(prims[prim].flags & PF_ELEMENTWISE)) return NULL;
  return prims[prim].nin == 1 ? b_vectorized : prims[prim].nin == 2 ? b_broadcasting : NULL;
}

bool batch_has_rule(int prim) { return prim >= 0 && prim < P_COUNT && rule_of(prim) != NULL; }

/* ---- what the rules share ---- */

static tj_aval aval_of(bq *q, ir_atom a) { return lax_aval(&q->b, a); }
static int rank_of(bq *q, ir_atom a) { return aval_of(q, a).rank; }

/* The equation's primitive on new operands with its own params, or with
 * one param's value replaced (key NULL: none); hint as lax_bind's. */
static ir_atom rebind(bq *q, const ir_atom *in, const char *key, pval *val, const tj_aval *hint, ir_atom *outs) {
  const ir_eqn *e = q->e;
  ir_param ps[32];
  int np = e->nparams < 32 ? e->nparams : 32;
  for (int i = 0; i < np; i++) {
    ps[i] = e->params[i];
    if (key && strcmp(ps[i].key, key) == 0) ps[i].val = val;
  }
  return lax_bind_n(&q->b, e->prim, in, (int)e->nin, ps, np, hint, (int)e->nout, outs);
}

/* batching.bdim_at_front(x, d, size). */
static ir_atom bdim_at_front(bq *q, ir_atom x, int d, int64_t size) {
  return d == NM ? lax_broadcast_axis(&q->b, x, size, 0) : lax_moveaxis(&q->b, x, d, 0);
}

/* The size of the first mapped operand's batch dimension. */
static int64_t mapped_size(bq *q) {
  for (uint32_t i = 0; i < q->e->nin; i++)
    if (q->d[i] != NM) return aval_of(q, q->x[i]).dims[q->d[i]];
  return q->bt->size;
}

/* ---- the interpreter ---- */

typedef struct env {
  ir_atom *a;
  int *d;
} env;

static void read_in(const env *v, ir_atom a, ir_atom *x, int *d) {
  if (ATOM_IS_LIT(a)) { *x = a, *d = NM; return; }
  *x = v->a[ATOM_INDEX(a)], *d = v->d[ATOM_INDEX(a)];
}

/* All operands unmapped: the equation as it was, its outputs' avals the
 * hint (broadcast_in_dim's shape). */
static void unmapped(bq *q) {
  const ir_eqn *e = q->e;
  tj_aval small[8], *hint = e->nout <= 8 ? small : malloc(sizeof *hint * e->nout);
  if (!hint) TJ_OOM();
  for (uint32_t i = 0; i < e->nout; i++) hint[i] = q->bt->t.m->vars[e->out[i]], q->od[i] = NM;
  rebind(q, q->x, NULL, NULL, e->nout ? hint : NULL, q->out);
  if (hint != small) free(hint);
}

/* BatchTrace.process_primitive: unmapped operands bind the primitive as
 * it was (the trace below records it); else the rule, or JAX's
 * NotImplementedError. */
static bool replay_eqn(const batch_target *bt, const env *v, const ir_eqn *e) {
  uint32_t n = e->nin ? e->nin : 1, no = e->nout ? e->nout : 1;
  ir_atom *xs = malloc(sizeof *xs * (n + no));
  int *ds = malloc(sizeof *ds * (n + no));
  if (!xs || !ds) TJ_OOM();
  bq q = {.b = {&bt->t, e->span, false}, .bt = bt, .e = e, .x = xs, .d = ds, .out = xs + n, .od = ds + n};
  bool any = false;
  for (uint32_t i = 0; i < e->nin; i++) {
    read_in(v, e->in[i], &xs[i], &ds[i]);
    any |= ds[i] != NM;
  }
  batch_rule rule = rule_of(e->prim);
  if (!any) {
    unmapped(&q);
  } else if (rule) {
    rule(&q);
  } else {
    q.b.failed = !diag_error(bt->t.diags, bt->t.m->src, e->span,
                             "NotImplementedError: Batching rule for '%s' not implemented", prims[e->prim].name);
    diag_note(bt->t.diags, "JAX batches '%s'; tjit has no batching rule for it yet", prims[e->prim].name);
  }
  for (uint32_t i = 0; !q.b.failed && i < e->nout; i++) v->a[e->out[i]] = q.out[i], v->d[e->out[i]] = q.od[i];
  free(xs);
  free(ds);
  return !q.b.failed;
}

bool batch_replay(const batch_target *bt, const ir_jaxpr *src, const ir_atom *in, const int *in_dims, ir_atom *out,
                  int *out_dims) {
  uint32_t nvars = bt->t.m->nvars ? bt->t.m->nvars : 1;
  env v = {calloc(nvars, sizeof *v.a), calloc(nvars, sizeof *v.d)};
  if (!v.a || !v.d) TJ_OOM();
  for (uint32_t i = 0; i < src->nconst; i++) v.a[src->constvars[i]] = ATOM_VAR(src->constvars[i]), v.d[src->constvars[i]] = NM;
  for (uint32_t i = 0; i < src->nin; i++) v.a[src->invars[i]] = in[i], v.d[src->invars[i]] = in_dims[i];
  bool ok = true;
  for (uint32_t i = 0; ok && i < src->neqns; i++) ok = replay_eqn(bt, &v, &src->eqns[i]);
  for (uint32_t i = 0; ok && i < src->nout; i++) read_in(&v, src->outs[i], &out[i], &out_dims[i]);
  free(v.a);
  free(v.d);
  return ok;
}

bool batch_match_axis(const batch_target *bt, tj_span span, ir_atom x, int src, int dst, ir_atom *out) {
  lax_b b = {&bt->t, span, false};
  if (src == dst) *out = x;
  else if (src == NM) *out = lax_broadcast_axis(&b, x, bt->size, dst);
  else *out = lax_moveaxis(&b, x, src, dst);
  return !b.failed;
}

/* ---- elementwise ---- */

/* vectorized_batcher: the operand's batch dimension is the result's. */
static void b_vectorized(bq *q) {
  rebind(q, q->x, NULL, NULL, NULL, q->out);
  q->od[0] = q->d[0];
}

/* broadcast_batcher: operands of one shape mapped along one dimension,
 * or scalars, bind as they are; else every non-scalar operand's batch
 * dimension moves to the front (an unmapped one gets a size-1 axis there,
 * lax's broadcasting does the rest) and a lower-rank mapped operand gets
 * trailing size-1 axes (_handle_scalar_broadcasting). */
static void b_broadcasting(bq *q) {
  uint32_t n = q->e->nin, first = 0;
  while (q->d[first] == NM) first++;
  tj_aval s = aval_of(q, q->x[first]);
  int dim = q->d[first];
  bool agree = true;
  for (uint32_t i = 0; i < n; i++) {
    tj_aval a = aval_of(q, q->x[i]);
    if (a.rank) agree &= aval_same_shape(&a, &s) && q->d[i] == dim;
  }
  if (agree) { rebind(q, q->x, NULL, NULL, NULL, q->out), q->od[0] = dim; return; }
  ir_atom args[8];
  int nd = 0;
  for (uint32_t i = 0; i < n && i < 8; i++) {
    args[i] = rank_of(q, q->x[i]) ? bdim_at_front(q, q->x[i], q->d[i], 1) : q->x[i];
    if (rank_of(q, args[i]) > nd) nd = rank_of(q, args[i]);
  }
  for (uint32_t i = 0; i < n && i < 8; i++) {
    int r = rank_of(q, args[i]);
    if (q->d[i] == NM || r == nd) continue;
    int64_t dims[TJ_MAX_RANK];
    for (int k = r; k < nd; k++) dims[k - r] = k;
    args[i] = lax_expand_dims(&q->b, args[i], dims, nd - r);
  }
  rebind(q, args, NULL, NULL, NULL, q->out);
  q->od[0] = 0;
}

/* add_batched (add_any, ad's add_jaxvals): an unmapped operand broadcast
 * along the other's batch dimension, or the first moved to the second's. */
static void b_add_any(bq *q) {
  ir_atom x = q->x[0], y = q->x[1];
  int bx = q->d[0], by = q->d[1];
  if (bx == NM) x = lax_broadcast_axis(&q->b, x, aval_of(q, y).dims[by], by);
  else if (by == NM) y = lax_broadcast_axis(&q->b, y, aval_of(q, x).dims[bx], bx);
  else x = lax_moveaxis(&q->b, x, bx, by);
  ir_atom in[2] = {x, y};
  rebind(q, in, NULL, NULL, NULL, q->out);
  q->od[0] = by != NM ? by : bx;
}

/* _select_batch_rule (which, *cases): the special cases that need no
 * transposes, else everything mapped to the front and a per-example
 * scalar `which` broadcast over the cases' shape. */
static bool select_same_dims(bq *q, int n) {
  ir_atom which = q->x[0];
  int wd = q->d[0];
  bool all_at_wd = true, cases_mapped = true, same_case_dims = true, same_shapes = true;
  tj_aval c0 = aval_of(q, q->x[1]);
  for (int i = 1; i < n; i++) {
    tj_aval c = aval_of(q, q->x[i]);
    all_at_wd &= q->d[i] == wd, cases_mapped &= q->d[i] != NM, same_case_dims &= q->d[i] == q->d[1];
    same_shapes &= aval_same_shape(&c, &c0);
  }
  tj_aval w = aval_of(q, which);
  if (all_at_wd) {
    ir_atom in[8];
    memcpy(in, q->x, sizeof *in * (size_t)n);
    int64_t dims[1] = {wd};
    if (!aval_same_shape(&w, &c0)) in[0] = lax_broadcast_in_dim(&q->b, which, c0.dims, c0.rank, dims, 0);
    rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = wd;
    return true;
  }
  if (w.rank != 0 || !cases_mapped || (!same_case_dims && !same_shapes)) return false;
  ir_atom in[8];
  memcpy(in, q->x, sizeof *in * (size_t)n);
  for (int i = 2; !same_case_dims && i < n; i++) in[i] = lax_moveaxis(&q->b, q->x[i], q->d[i], q->d[1]);
  rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = q->d[1];
  return true;
}

static void b_select_n(bq *q) {
  int n = (int)q->e->nin;
  if (n > 8) { q->b.failed = !diag_error(q->bt->t.diags, q->bt->t.m->src, q->e->span, "select_n of more than 7 cases under vmap is not supported"); return; }
  if (select_same_dims(q, n)) return;
  int64_t size = mapped_size(q);
  ir_atom in[8];
  in[0] = rank_of(q, q->x[0]) ? bdim_at_front(q, q->x[0], q->d[0], size) : q->x[0];
  bool all_scalar = true;
  for (int i = 1; i < n; i++) all_scalar &= rank_of(q, q->x[i]) == 0;
  for (int i = 1; i < n; i++) in[i] = all_scalar ? q->x[i] : bdim_at_front(q, q->x[i], q->d[i], size);
  tj_aval w = aval_of(q, in[0]), c0 = aval_of(q, in[1]);
  int64_t zero[1] = {0};
  if (w.rank > 0 && w.rank < c0.rank) in[0] = lax_broadcast_in_dim(&q->b, in[0], c0.dims, c0.rank, zero, 0);
  if (w.rank > c0.rank)
    for (int i = 1; i < n; i++) in[i] = lax_broadcast_in_dim(&q->b, in[i], w.dims, w.rank, NULL, 0);
  rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = 0;
}

/* lax.broadcast(x, shape) of a scalar x. */
static ir_atom broadcast_scalar(bq *q, ir_atom x, const tj_aval *to) {
  return lax_broadcast_in_dim(&q->b, x, to->dims, to->rank, NULL, 0);
}

/* _clamp_batch_rule(min, x, max). */
static void b_clamp(bq *q) {
  ir_atom lo = q->x[0], x = q->x[1], hi = q->x[2];
  int dl = q->d[0], dx = q->d[1], dh = q->d[2];
  tj_aval al = aval_of(q, lo), ax = aval_of(q, x), ah = aval_of(q, hi);
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
      rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = dx;
      return;
    }
  } else if (al.rank == 0 && ah.rank == 0 && dx != NM) {
    rebind(q, q->x, NULL, NULL, NULL, q->out), q->od[0] = dx;
    return;
  }
  int64_t size = mapped_size(q), zero[1] = {0};
  if (al.rank) lo = bdim_at_front(q, lo, dl, size);
  if (ah.rank) hi = bdim_at_front(q, hi, dh, size);
  if (ax.rank) x = bdim_at_front(q, x, dx, size);
  ax = aval_of(q, x), al = aval_of(q, lo), ah = aval_of(q, hi);
  if (al.rank == 0 && ax.rank > 0) lo = broadcast_scalar(q, lo, &ax);
  if (ah.rank == 0 && ax.rank > 0) hi = broadcast_scalar(q, hi, &ax);
  al = aval_of(q, lo), ah = aval_of(q, hi);
  if (al.rank > 0 && al.rank < ax.rank) lo = lax_broadcast_in_dim(&q->b, lo, ax.dims, ax.rank, zero, 0);
  if (ah.rank > 0 && ah.rank < ax.rank) hi = lax_broadcast_in_dim(&q->b, hi, ax.dims, ax.rank, zero, 0);
  al = aval_of(q, lo);
  if (al.rank > ax.rank) x = broadcast_scalar(q, x, &al);
  ir_atom in[3] = {lo, x, hi};
  rebind(q, in, NULL, NULL, NULL, q->out), q->od[0] = 0;
}

/* ---- reductions ---- */

/* reducer_batcher: the reduced axes past the batch dimension shift by
 * one (np.where: numpy ints); the result's batch dimension is where the
 * batch dimension lands among the kept axes. */
static void b_reducer(bq *q) {
  int64_t axes[TJ_MAX_RANK];
  int n = ir_param_ints(q->e, "axes", axes, TJ_MAX_RANK), bd = q->d[0], rank = rank_of(q, q->x[0]), out = 0;
  bool reduced[TJ_MAX_RANK + 1] = {0};
  for (int i = 0; i < n; i++) axes[i] += axes[i] >= bd, reduced[axes[i]] = true;
  for (int k = 0; k < bd && k < rank; k++) out += !reduced[k];
  rebind(q, q->x, "axes", lax_ints(&q->b, axes, n, ~0ull), NULL, q->out);
  q->od[0] = out;
}

/* _cumred_batch_rule: the axis past the batch dimension shifts by one. */
static void b_cumulative(bq *q) {
  int64_t axis = ir_param_int(q->e, "axis", 0);
  int bd = q->d[0];
  rebind(q, q->x, "axis", pv_int(q->bt->t.m, axis < bd ? axis : axis + 1), NULL, q->out);
  q->od[0] = bd;
}

/* ---- shapes ---- */

/* _broadcast_in_dim_batch_rule: the operand's batch dimension to the
 * front, broadcast_dimensions (0,) + tuple(np.add(1, dims)). */
static void b_broadcast_in_dim(bq *q) {
  ir_atom x = lax_moveaxis(&q->b, q->x[0], q->d[0], 0);
  int64_t dims[TJ_MAX_RANK + 1], shape[TJ_MAX_RANK + 1];
  int n = ir_param_ints(q->e, "broadcast_dimensions", dims + 1, TJ_MAX_RANK);
  if (n < 0) n = 0;
  dims[0] = 0;
  for (int i = 1; i <= n; i++) dims[i] += 1;
  tj_aval r = q->bt->t.m->vars[q->e->out[0]];
  shape[0] = aval_of(q, x).dims[0];
  for (int i = 0; i < r.rank; i++) shape[i + 1] = r.dims[i];
  q->out[0] = lax_broadcast_in_dim(&q->b, x, shape, r.rank + 1, dims, ~1ull);
  q->od[0] = 0;
}

/* _reshape_batch_rule: the batch dimension to the front, kept there. */
static void b_reshape(bq *q) {
  ir_atom x = lax_moveaxis(&q->b, q->x[0], q->d[0], 0);
  int64_t sizes[TJ_MAX_RANK + 1], dims[TJ_MAX_RANK + 1];
  int n = ir_param_ints(q->e, "new_sizes", sizes + 1, TJ_MAX_RANK);
  int nd = ir_param_ints(q->e, "dimensions", dims + 1, TJ_MAX_RANK);
  sizes[0] = aval_of(q, x).dims[0], dims[0] = 0;
  for (int i = 1; i <= nd; i++) dims[i] += 1;
  q->out[0] = lax_reshape(&q->b, x, sizes, n + 1, nd >= 0 ? dims : NULL);
  q->od[0] = 0;
}

/* _transpose_batch_rule: perm (bdim,) + the permutation shifted past it. */
static void b_transpose(bq *q) {
  int64_t perm[TJ_MAX_RANK + 1];
  int n = ir_param_ints(q->e, "permutation", perm + 1, TJ_MAX_RANK), bd = q->d[0];
  perm[0] = bd;
  for (int i = 1; i <= n; i++) perm[i] += perm[i] >= bd;
  q->out[0] = lax_transpose(&q->b, q->x[0], perm);
  q->od[0] = 0;
}

/* _squeeze_batch_rule: the batch dimension to the front, the squeezed
 * dimensions past it. */
static void b_squeeze(bq *q) {
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
static void b_concatenate(bq *q) {
  uint32_t n = q->e->nin;
  int64_t size = mapped_size(q);
  ir_atom *in = malloc(sizeof *in * n);
  if (!in) TJ_OOM();
  for (uint32_t i = 0; i < n; i++)
    in[i] = q->d[i] != NM ? lax_moveaxis(&q->b, q->x[i], q->d[i], 0) : lax_broadcast_lead(&q->b, q->x[i], size);
  int64_t dim = ir_param_int(q->e, "dimension", 0);
  if (n == 1) q->out[0] = in[0];
  else rebind(q, in, "dimension", pv_int(q->bt->t.m, dim + 1), NULL, q->out);
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
static void b_dot_general(bq *q) {
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
  rebind(q, q->x, "dimension_numbers", ir_dot_dims_new(q->bt->t.m, &d), NULL, q->out);
  q->od[0] = out;
}

/* ---- jit ---- */

typedef struct batch_memo {
  const ir_jaxpr *src;
  int *in_dims, *out_dims;
  ir_jaxpr *out;
  struct batch_memo *next;
} batch_memo;

static batch_memo *memo_find(const batch_target *bt, const ir_jaxpr *src, const int *dims) {
  for (batch_memo *c = bt->memo ? *bt->memo : NULL; c; c = c->next)
    if (c->src == src && memcmp(c->in_dims, dims, sizeof *dims * src->nin) == 0) return c;
  return NULL;
}

/* batching._batch_jaxpr2: src traced anew on its operands' batched avals
 * (core.unmapped_aval: the axis inserted at its dimension), the outputs
 * left where the body's rules put their batch dimensions. */
static batch_memo *batch_body(const batch_target *bt, const ir_jaxpr *src, const int *dims) {
  batch_memo *c = memo_find(bt, src, dims);
  if (c) return c;
  ir_module *m = bt->t.m;
  ir_jaxpr *j = ir_jaxpr_new(m);
  j->constvars = src->constvars, j->nconst = src->nconst;
  tj_aval *avals = ARENA_ARRAY(&m->arena, tj_aval, src->nin + 1);
  ir_atom *ins = ARENA_ARRAY(&m->arena, ir_atom, src->nin + 1);
  uint32_t *vars = ARENA_ARRAY(&m->arena, uint32_t, src->nin + 1);
  for (uint32_t i = 0; i < src->nin; i++) {
    tj_aval a = m->vars[src->invars[i]];
    if (dims[i] != NM) {
      memmove(a.dims + dims[i] + 1, a.dims + dims[i], sizeof *a.dims * (size_t)(a.rank - dims[i]));
      a.dims[dims[i]] = bt->size, a.rank++;
    }
    avals[i] = a;
  }
  ir_build_invars(m, j, avals, src->nin, vars);
  for (uint32_t i = 0; i < src->nin; i++) ins[i] = ATOM_VAR(vars[i]);
  batch_target inner = *bt;
  inner.t.dst = j;
  c = ARENA_NEW(&m->arena, batch_memo);
  *c = (batch_memo){src, ARENA_ARRAY(&m->arena, int, src->nin + 1), ARENA_ARRAY(&m->arena, int, src->nout + 1), j,
                    NULL};
  memcpy(c->in_dims, dims, sizeof *dims * src->nin);
  ir_atom *outs = ARENA_ARRAY(&m->arena, ir_atom, src->nout + 1);
  if (!batch_replay(&inner, src, ins, dims, outs, c->out_dims)) return NULL;
  ir_build_outs(m, j, outs, src->nout);
  if (bt->memo) c->next = *bt->memo, *bt->memo = c;
  return c;
}

/* _pjit_batcher: the body batched on the operands' dimensions, one jit
 * equation of it (its name kept), the outputs' dimensions the body's. */
static void b_jit(bq *q) {
  const ir_jaxpr *body = ir_param_jaxpr(q->e, "jaxpr");
  if (!body) {
    q->b.failed = !diag_error(q->bt->t.diags, q->bt->t.m->src, q->e->span, "internal error: jit without its jaxpr");
    return;
  }
  batch_memo *c = batch_body(q->bt, body, q->d);
  if (!c) { q->b.failed = true; return; }
  rebind(q, q->x, "jaxpr", pv_jaxpr(q->bt->t.m, c->out), NULL, q->out);
  memcpy(q->od, c->out_dims, sizeof *q->od * body->nout);
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
static void b_slice(bq *q) {
  ir_module *m = q->bt->t.m;
  int bd = q->d[0];
  const pval *start = ir_param_get(q->e, "start_indices"), *limit = ir_param_get(q->e, "limit_indices");
  const pval *strides = ir_param_get(q->e, "strides");
  ir_param ps[3] = {{"start_indices", insert_item(m, start, bd, pv_int(m, 0))},
                    {"limit_indices", insert_item(m, limit, bd, pv_int(m, aval_of(q, q->x[0]).dims[bd]))},
                    {"strides", strides->kind == PV_NONE ? pv_none(m) : insert_item(m, strides, bd, pv_int(m, 1))}};
  q->out[0] = lax_bind(&q->b, P_slice, q->x, 1, ps, 3, NULL);
  q->od[0] = bd;
}

/* _rev_batch_rule: the reversed dimensions past the batch dimension shift. */
static void b_rev(bq *q) {
  int64_t dims[TJ_MAX_RANK];
  int n = ir_param_ints(q->e, "dimensions", dims, TJ_MAX_RANK), bd = q->d[0];
  for (int i = 0; i < n; i++) dims[i] += dims[i] >= bd;
  rebind(q, q->x, "dimensions", lax_ints(&q->b, dims, n, 0), NULL, q->out);
  q->od[0] = bd;
}

/* _pad_batch_rule with an unmapped padding value: (0, 0, 0) inserted at
 * the operand's batch dimension. A mapped padding value (a select of two
 * pads in JAX) is not batched yet. */
static void b_pad(bq *q) {
  ir_module *m = q->bt->t.m;
  if (q->d[1] != NM) {
    q->b.failed = !diag_error(q->bt->t.diags, m->src, q->e->span,
                              "NotImplementedError: vmap of pad with a batched padding value is not supported yet");
    return;
  }
  int64_t zeros[3] = {0, 0, 0};
  pval *cfg = insert_item(m, ir_param_get(q->e, "padding_config"), q->d[0], pv_ints(m, PV_TUPLE, zeros, 3));
  rebind(q, q->x, "padding_config", cfg, NULL, q->out);
  q->od[0] = q->d[0];
}
