/* Batching as a jaxpr transformation (batch.h): the interpreter, batched
 * jaxprs (jit bodies, cond branches), and the rules of the elementwise
 * families, of jit and of linalg's primitives (expand_dims_batcher),
 * each after the JAX 0.10.2 function it names, appending what that
 * function binds. The other rules (batch.def) are in batch_lax.c,
 * batch_control.c, batch_gather.c, batch_conv.c and batch_custom.c. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "batch_rules.h"
#include "ir_build.h"
#include "prims.h"
#include "util.h"

typedef void (*batch_rule)(bq *q);

static const batch_rule rows[P_COUNT] = {
#define BATCH(id, rule) [P_##id] = rule,
#include "batch.def"
#undef BATCH
};


/* A row of batch.def, else the elementwise family's rule, else NULL. */
static batch_rule rule_of(int prim) {
  if (rows[prim]) return rows[prim];
  if (!(prims[prim].flags & PF_ELEMENTWISE)) return NULL;
  return prims[prim].nin == 1 ? b_vectorized : prims[prim].nin == 2 ? b_broadcasting : NULL;
}

bool batch_has_rule(int prim) { return prim >= 0 && prim < P_COUNT && rule_of(prim) != NULL; }

/* ---- what the rules share ---- */

tj_aval batch_aval(bq *q, ir_atom a) { return lax_aval(&q->b, a); }
static tj_aval aval_of(bq *q, ir_atom a) { return lax_aval(&q->b, a); }
static int rank_of(bq *q, ir_atom a) { return aval_of(q, a).rank; }

void batch_fail(bq *q, const char *msg) {
  q->b.failed = !diag_error(q->bt->t.diags, q->bt->t.m->src, q->e->span, "%s", msg);
}

ir_atom batch_rebind(bq *q, const ir_atom *in, const char *key, pval *val, const tj_aval *hint, ir_atom *outs) {
  const ir_eqn *e = q->e;
  ir_param ps[32];
  int np = e->nparams < 32 ? e->nparams : 32;
  for (int i = 0; i < np; i++) {
    ps[i] = e->params[i];
    if (key && strcmp(ps[i].key, key) == 0) ps[i].val = val;
  }
  return lax_bind_n(&q->b, e->prim, in, (int)e->nin, ps, np, hint, (int)e->nout, outs);
}

ir_atom batch_at_front(bq *q, ir_atom x, int d, int64_t size) {
  return d == NM ? lax_broadcast_axis(&q->b, x, size, 0) : lax_moveaxis(&q->b, x, d, 0);
}

int64_t batch_mapped_size(bq *q) {
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
  batch_rebind(q, q->x, NULL, NULL, e->nout ? hint : NULL, q->out);
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

/* ---- batched jaxprs (jit bodies, cond branches) ---- */

/* Where a batched jaxpr's outputs go: left where the rules put them
 * (out_dest NULL), zero_if_mapped (out_dest 0 or NM, _batch_jaxpr2's),
 * exactly out_dest (matchaxis), or exactly with a mapped output for an
 * unmapped destination summed (_match_axes_and_sum). */
enum { OUT_LEFT, OUT_ZERO_IF_MAPPED, OUT_EXACT, OUT_EXACT_SUM };

/* A batched jaxpr, keyed by its source, the in_dims, the out_dest and mode
 * and the axis size (one jit body vmapped at two sizes is batched twice). */
typedef struct batch_memo {
  const ir_jaxpr *src;
  int64_t size;
  int *in_dims, *out_dest, *out_dims;
  int mode;
  ir_jaxpr *out;
  struct batch_memo *next;
} batch_memo;

static batch_memo *memo_find(const batch_target *bt, const ir_jaxpr *src, const int *in_dims, const int *out_dest,
                             int mode) {
  for (batch_memo *c = bt->memo ? *bt->memo : NULL; c; c = c->next)
    if (c->src == src && c->size == bt->size && memcmp(c->in_dims, in_dims, sizeof *in_dims * src->nin) == 0 && c->mode == mode &&
        (!out_dest || memcmp(c->out_dest, out_dest, sizeof *out_dest * src->nout) == 0))
      return c;
  return NULL;
}

/* core.unmapped_aval: the mapped axis inserted at its dimension. */
static tj_aval unmapped_aval(const batch_target *bt, tj_aval a, int d) {
  if (d == NM) return a;
  memmove(a.dims + d + 1, a.dims + d, sizeof *a.dims * (size_t)(a.rank - d));
  a.dims[d] = bt->size, a.rank++;
  return a;
}

/* lax.convert_element_type(x, dt): x itself when already dt and strongly
 * typed (_convert_element_type's shortcut). */
static ir_atom convert_to(lax_b *b, ir_atom x, tj_dtype dt) {
  tj_aval a = lax_aval(b, x);
  if (a.dtype == dt && !a.weak) return x;
  ir_param ps[2] = {{"new_dtype", pv_dtype(b->t->m, dt)}, {"weak_type", pv_bool(b->t->m, false)}};
  return lax_bind(b, P_convert_element_type, &x, 1, ps, 2, NULL);
}

/* x.sum(src): jnp.sum (an inline jit), reductions.py _reduction: x
 * converted to the computation dtype (float32 for float16 and bfloat16,
 * _upcast_f16), lax.reduce's reduce_sum over the Python int axis src,
 * converted back to x's dtype. */
static bool sum_axis(const batch_target *bt, tj_span span, ir_atom x, int src, ir_atom *out) {
  lax_b b = {&bt->t, span, false};
  tj_dtype dt = lax_aval(&b, x).dtype;
  int64_t axes[1] = {src};
  ir_atom r = lax_reduce_sum(&b, convert_to(&b, x, dt == DT_F16 || dt == DT_BF16 ? DT_F32 : dt), axes, 1, 0);
  *out = convert_to(&b, r, dt);
  return !b.failed;
}

/* Output x at dimension src moved to where mode and dst say; *dim is
 * where it ends. */
static bool place_out(const batch_target *bt, tj_span span, int mode, ir_atom *x, int src, int dst, int *dim) {
  if (mode == OUT_ZERO_IF_MAPPED && dst == NM && src != NM) dst = 0;
  if (mode == OUT_LEFT || dst == BATCH_LEFT || (mode == OUT_ZERO_IF_MAPPED && dst == NM)) {
    *dim = src;
    return true;
  }
  *dim = dst;
  if (dst != NM || src == NM) return batch_match_axis(bt, span, *x, src, dst, x);
  if (mode == OUT_EXACT_SUM) return sum_axis(bt, span, *x, src, x);
  diag_error(bt->t.diags, bt->t.m->src, span,
             "NotImplementedError: vmap of a custom rule whose output is batched where the function's output is "
             "not is not supported");
  return false;
}

/* The batched jaxpr's body: src replayed on new invars, each output
 * placed as mode says. */
static bool batch_into(const batch_target *bt, ir_jaxpr *j, const ir_jaxpr *src, const int *in_dims,
                       const int *out_dest, int mode, tj_span span, int *out_dims) {
  ir_module *m = bt->t.m;
  tj_aval *avals = ARENA_ARRAY(&m->arena, tj_aval, src->nin + 1);
  ir_atom *ins = ARENA_ARRAY(&m->arena, ir_atom, src->nin + 1), *outs = ARENA_ARRAY(&m->arena, ir_atom, src->nout + 1);
  uint32_t *vars = ARENA_ARRAY(&m->arena, uint32_t, src->nin + 1);
  for (uint32_t i = 0; i < src->nin; i++) avals[i] = unmapped_aval(bt, m->vars[src->invars[i]], in_dims[i]);
  ir_build_invars(m, j, avals, src->nin, vars);
  for (uint32_t i = 0; i < src->nin; i++) ins[i] = ATOM_VAR(vars[i]);
  batch_target inner = *bt;
  inner.t.dst = j;
  if (!batch_replay(&inner, src, ins, in_dims, outs, out_dims)) return false;
  for (uint32_t i = 0; i < src->nout; i++)
    if (!place_out(&inner, span, mode, &outs[i], out_dims[i], out_dest ? out_dest[i] : NM, &out_dims[i])) return false;
  ir_build_outs(m, j, outs, src->nout);
  return true;
}

static ir_jaxpr *batch_jaxpr_mode(const batch_target *bt, const ir_jaxpr *src, const int *in_dims,
                                  const int *out_dest, int mode, tj_span span, int *out_dims) {
  batch_memo *c = memo_find(bt, src, in_dims, out_dest, mode);
  if (c) {
    memcpy(out_dims, c->out_dims, sizeof *out_dims * src->nout);
    return c->out;
  }
  ir_module *m = bt->t.m;
  ir_jaxpr *j = ir_jaxpr_new(m);
  j->constvars = src->constvars, j->nconst = src->nconst;
  if (!batch_into(bt, j, src, in_dims, out_dest, mode, span, out_dims)) return NULL;
  c = ARENA_NEW(&m->arena, batch_memo);
  *c = (batch_memo){src, bt->size, ARENA_ARRAY(&m->arena, int, src->nin + 1), ARENA_ARRAY(&m->arena, int, src->nout + 1),
                    ARENA_ARRAY(&m->arena, int, src->nout + 1), mode, j, NULL};
  memcpy(c->in_dims, in_dims, sizeof *in_dims * src->nin);
  if (out_dest) memcpy(c->out_dest, out_dest, sizeof *out_dest * src->nout);
  memcpy(c->out_dims, out_dims, sizeof *out_dims * src->nout);
  if (bt->memo) c->next = *bt->memo, *bt->memo = c;
  return j;
}

ir_jaxpr *batch_jaxpr_axes(const batch_target *bt, const ir_jaxpr *src, const int *in_dims, const int *out_dest,
                           tj_span span, int *out_dims) {
  return batch_jaxpr_mode(bt, src, in_dims, out_dest, out_dest ? OUT_ZERO_IF_MAPPED : OUT_LEFT, span, out_dims);
}

ir_jaxpr *batch_jaxpr_match(const batch_target *bt, const ir_jaxpr *src, const int *in_dims, const int *out_dest,
                            bool sum_match, tj_span span, int *out_dims) {
  return batch_jaxpr_mode(bt, src, in_dims, out_dest, sum_match ? OUT_EXACT_SUM : OUT_EXACT, span, out_dims);
}

/* _pjit_batcher: the body batched on the operands' dimensions
 * (_batch_jaxpr2: outputs left where its rules put them), one jit
 * equation of it (its name kept). */
void b_jit(bq *q) {
  const ir_jaxpr *body = ir_param_jaxpr(q->e, "jaxpr");
  if (!body) { batch_fail(q, "internal error: jit without its jaxpr"); return; }
  ir_jaxpr *j = batch_jaxpr_axes(q->bt, body, q->d, NULL, q->e->span, q->od);
  if (!j) { q->b.failed = true; return; }
  batch_rebind(q, q->x, "jaxpr", pv_jaxpr(q->bt->t.m, j), NULL, q->out);
}

/* ---- elementwise ---- */

/* Every output at batch dimension d (a primitive with many results). */
static void all_at(bq *q, int d) {
  for (uint32_t i = 0; i < q->e->nout; i++) q->od[i] = d;
}

/* vectorized_batcher: the operand's batch dimension is the result's. */
void b_vectorized(bq *q) {
  batch_rebind(q, q->x, NULL, NULL, NULL, q->out);
  all_at(q, q->d[0]);
}

/* broadcast_batcher: operands of one shape mapped along one dimension,
 * or scalars, bind as they are; else every non-scalar operand's batch
 * dimension moves to the front (an unmapped one gets a size-1 axis there,
 * lax's broadcasting does the rest) and a lower-rank mapped operand gets
 * trailing size-1 axes (_handle_scalar_broadcasting). */
void b_broadcasting(bq *q) {
  uint32_t n = q->e->nin, first = 0;
  while (q->d[first] == NM) first++;
  tj_aval s = aval_of(q, q->x[first]);
  int dim = q->d[first];
  bool agree = true;
  for (uint32_t i = 0; i < n; i++) {
    tj_aval a = aval_of(q, q->x[i]);
    if (a.rank) agree &= aval_same_shape(&a, &s) && q->d[i] == dim;
  }
  if (agree) { batch_rebind(q, q->x, NULL, NULL, NULL, q->out), all_at(q, dim); return; }
  ir_atom args[8];
  int nd = 0;
  for (uint32_t i = 0; i < n && i < 8; i++) {
    args[i] = rank_of(q, q->x[i]) ? batch_at_front(q, q->x[i], q->d[i], 1) : q->x[i];
    if (rank_of(q, args[i]) > nd) nd = rank_of(q, args[i]);
  }
  for (uint32_t i = 0; i < n && i < 8; i++) {
    int r = rank_of(q, args[i]);
    if (q->d[i] == NM || r == nd) continue;
    int64_t dims[TJ_MAX_RANK];
    for (int k = r; k < nd; k++) dims[k - r] = k;
    args[i] = lax_expand_dims(&q->b, args[i], dims, nd - r);
  }
  batch_rebind(q, args, NULL, NULL, NULL, q->out);
  all_at(q, 0);
}

/* add_batched (add_any, ad's add_jaxvals): an unmapped operand broadcast
 * along the other's batch dimension, or the first moved to the second's. */
void b_add_any(bq *q) {
  ir_atom x = q->x[0], y = q->x[1];
  int bx = q->d[0], by = q->d[1];
  if (bx == NM) x = lax_broadcast_axis(&q->b, x, aval_of(q, y).dims[by], by);
  else if (by == NM) y = lax_broadcast_axis(&q->b, y, aval_of(q, x).dims[bx], bx);
  else x = lax_moveaxis(&q->b, x, bx, by);
  ir_atom in[2] = {x, y};
  batch_rebind(q, in, NULL, NULL, NULL, q->out);
  q->od[0] = by != NM ? by : bx;
}


/* random_wrap_batch_rule: the batch dimension to the front (the key data's
 * trailing axis stays last). */
void b_random_wrap(bq *q) {
  ir_atom x = batch_at_front(q, q->x[0], q->d[0], 1);
  batch_rebind(q, &x, NULL, NULL, NULL, q->out);
  q->od[0] = 0;
}

/* batching.expand_dims_batcher (linalg_primitive's rule, svd's): every
 * operand's batch dimension to the front (an unmapped one broadcast
 * there), the primitive bound as it was, every output at 0. */
void b_expand_dims(bq *q) {
  uint32_t n = q->e->nin;
  int64_t size = batch_mapped_size(q);
  ir_atom *in = malloc(sizeof *in * (n ? n : 1));
  if (!in) TJ_OOM();
  for (uint32_t i = 0; i < n; i++) in[i] = batch_at_front(q, q->x[i], q->d[i], size);
  batch_rebind(q, in, NULL, NULL, NULL, q->out);
  all_at(q, 0);
  free(in);
}
