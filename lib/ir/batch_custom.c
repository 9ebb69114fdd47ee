/* The batching rules of the custom-derivative calls (batch.def), after
 * JAX 0.10.2's batching.py BatchTrace.process_custom_jvp_call and
 * process_custom_vjp_call: the function is batched as a jit body is
 * (batch_subtrace: outputs left where its rules put them) and the call
 * recorded again with it; the user's rules, which JAX runs only when the
 * batched program is differentiated, are batched too and kept on their
 * params (never printed: the listing names them as before), so that a
 * later jvp or grad replays the batched rules (jvp_custom.c,
 * transpose_custom.c) as JAX runs its batched subfuns. */
#include <stdlib.h>
#include <string.h>

#include "batch_rules.h"
#include "prims.h"
#include "util.h"

/* A copy of a rule's name param carrying the batched rule j. */
static pval *rule_with(ir_module *m, const pval *rule, ir_jaxpr *j) {
  pval *r = ARENA_NEW(&m->arena, pval);
  *r = *rule;
  r->jaxpr = j;
  return r;
}

/* A copy of a rule's name param without a jaxpr, the error msg deferred
 * on it (items[0]) as trace_custom.c defers a rule's: reported where the
 * rule is run (jvp_custom_rule_missing). */
static pval *rule_deferred(ir_module *m, const pval *rule, const char *msg) {
  pval *r = rule_with(m, rule, NULL);
  r->items = ARENA_ARRAY(&m->arena, pval *, 1);
  r->items[0] = pv_name(m, msg), r->nitems = 1;
  return r;
}

/* batch_jaxpr_match of a user's rule into *out: the rule's param with the
 * batched jaxpr, or, when batching it fails, with the error taken back
 * from the diagnostics and deferred: JAX batches a rule only when the
 * batched program is differentiated, so vmap alone never fails on it.
 * False when it failed. */
static bool batch_rule(bq *q, const pval *rule, const int *in, const int *dest, bool sum_match, int *dims,
                       pval **out) {
  ir_module *m = q->bt->t.m;
  diag_list *d = q->bt->t.diags;
  tj_diag *tail = d->tail;
  int nerrors = d->nerrors;
  ir_jaxpr *j = batch_jaxpr_match(q->bt, rule->jaxpr, in, dest, sum_match, q->e->span, dims);
  if (j) { *out = rule_with(m, rule, j); return true; }
  tj_diag *first = tail ? tail->next : d->head;
  *out = rule_deferred(m, rule, arena_strdup(&m->arena, first && first->msg ? first->msg : "error"));
  if (tail) tail->next = NULL;
  else d->head = NULL;
  d->tail = tail, d->nerrors = nerrors;
  return false;
}

/* The equation rebound on its operands with the params named in keys
 * (n of them) replaced by vals. */
static void rebind(bq *q, const char *const *keys, pval *const *vals, int n) {
  const ir_eqn *e = q->e;
  ir_param *ps = ARENA_ARRAY(&q->bt->t.m->arena, ir_param, e->nparams + 1);
  for (int i = 0; i < e->nparams; i++) {
    ps[i] = e->params[i];
    for (int k = 0; k < n; k++)
      if (strcmp(ps[i].key, keys[k]) == 0) ps[i].val = vals[k];
  }
  lax_bind_n(&q->b, e->prim, q->x, (int)e->nin, ps, e->nparams, NULL, (int)e->nout, q->out);
}

static uint32_t num_consts(const ir_eqn *e) {
  const pval *nc = ir_param_get(e, "num_consts");
  return nc && nc->kind == PV_INT ? (uint32_t)nc->i : 0;
}

/* process_custom_jvp_call: fun batched (batch_subtrace), and the user's
 * rule (primals then tangents, batched alike: in_dims * 2) by
 * batch_custom_jvp_subtrace, whose primal and tangent outputs it moves to
 * their merged dimension (_merge_bdims, matchaxis). JAX's batched call
 * takes its outputs' dims from fun when it is staged (merge_linear_aux:
 * fun ran first), so the rule's outputs go to fun's: the same dims
 * wherever JAX's two agree; a rule output mapped where fun's is not is
 * an error deferred to where the rule runs (batch_rule). Built-in rules (relu's, logaddexp's: names only) need no
 * batching. */
void b_custom_jvp_call(bq *q) {
  const ir_eqn *e = q->e;
  const ir_jaxpr *body = ir_param_jaxpr(e, "call_jaxpr");
  if (!body) { batch_fail(q, "internal error: custom_jvp_call without its call_jaxpr"); return; }
  ir_module *m = q->bt->t.m;
  ir_jaxpr *j = batch_jaxpr_axes(q->bt, body, q->d, NULL, e->span, q->od);
  if (!j) { q->b.failed = true; return; }
  const char *keys[2] = {"call_jaxpr", "jvp"};
  pval *vals[2] = {pv_jaxpr(m, j), NULL};
  const pval *rule = ir_param_get(e, "jvp");
  if (!rule || !rule->jaxpr) { rebind(q, keys, vals, 1); return; }
  uint32_t nin = e->nin, nconst = num_consts(e), nargs = nin - nconst, nout = e->nout;
  if (rule->jaxpr->nin != nin + nargs || rule->jaxpr->nout != 2 * nout) {
    batch_fail(q, "internal error: custom_jvp rule of the wrong arity");
    return;
  }
  int *in = ARENA_ARRAY(&m->arena, int, nin + nargs + 1), *dest = ARENA_ARRAY(&m->arena, int, 2 * nout + 1);
  for (uint32_t i = 0; i < nin; i++) in[i] = q->d[i];
  for (uint32_t i = 0; i < nargs; i++) in[nin + i] = q->d[nconst + i];
  for (uint32_t i = 0; i < nout; i++) dest[i] = dest[nout + i] = q->od[i];
  int *rdims = ARENA_ARRAY(&m->arena, int, rule->jaxpr->nout + 1);
  batch_rule(q, rule, in, dest, false, rdims, &vals[1]);
  rebind(q, keys, vals, 2);
}

/* process_custom_vjp_call: fun and fwd batched on the operands' dims
 * (batch_subtrace; fwd's primal outputs moved to fun's dims, as the
 * staged call's are fun's, its residuals left), bwd by
 * batch_custom_vjp_bwd on the residuals' and the output cotangents' dims,
 * each cotangent it gives matched to its argument's dim, summed over the
 * batch where the argument is unmapped (_match_axes_and_sum). */
void b_custom_vjp_call(bq *q) {
  const ir_eqn *e = q->e;
  const ir_jaxpr *body = ir_param_jaxpr(e, "call_jaxpr");
  const pval *fwd = ir_param_get(e, "fwd"), *bwd = ir_param_get(e, "bwd");
  if (!body || !fwd || !bwd) { batch_fail(q, "internal error: custom_vjp_call without its params"); return; }
  ir_module *m = q->bt->t.m;
  ir_jaxpr *j = batch_jaxpr_axes(q->bt, body, q->d, NULL, e->span, q->od);
  if (!j) { q->b.failed = true; return; }
  const char *keys[3] = {"call_jaxpr", "fwd", "bwd"};
  pval *vals[3] = {pv_jaxpr(m, j), NULL, NULL};
  if (!fwd->jaxpr || !bwd->jaxpr) { rebind(q, keys, vals, 1); return; } /* the rules' error comes when run */
  uint32_t nconst = num_consts(e), nout = e->nout, nres = fwd->jaxpr->nout - nout;
  int ngiven = 0;
  for (int k = 0; k < bwd->nitems; k++) ngiven += bwd->items[k]->i != 0;
  if (fwd->jaxpr->nin != e->nin || fwd->jaxpr->nout < nout || bwd->jaxpr->nin != nres + nout ||
      bwd->jaxpr->nout != (uint32_t)ngiven || (uint32_t)bwd->nitems != e->nin - nconst) {
    batch_fail(q, "internal error: custom_vjp rules of the wrong arity");
    return;
  }
  int *fdest = ARENA_ARRAY(&m->arena, int, fwd->jaxpr->nout + 1), *fdims = ARENA_ARRAY(&m->arena, int, fwd->jaxpr->nout + 1);
  for (uint32_t i = 0; i < fwd->jaxpr->nout; i++) fdest[i] = i < nout ? q->od[i] : BATCH_LEFT;
  if (!batch_rule(q, fwd, q->d, fdest, false, fdims, &vals[1])) {
    vals[2] = rule_deferred(m, bwd, vals[1]->items[0]->s); /* bwd's dims come from fwd's */
    rebind(q, keys, vals, 3);
    return;
  }
  int *bin = ARENA_ARRAY(&m->arena, int, nres + nout + 1), *bdest = ARENA_ARRAY(&m->arena, int, bwd->nitems + 1);
  for (uint32_t i = 0; i < nres; i++) bin[i] = fdims[nout + i];
  for (uint32_t i = 0; i < nout; i++) bin[nres + i] = q->od[i];
  for (int k = 0, given = 0; k < bwd->nitems; k++)
    if (bwd->items[k]->i) bdest[given++] = q->d[nconst + (uint32_t)k];
  int *bdims = ARENA_ARRAY(&m->arena, int, bwd->jaxpr->nout + 1);
  batch_rule(q, bwd, bin, bdest, true, bdims, &vals[2]);
  rebind(q, keys, vals, 3);
}
