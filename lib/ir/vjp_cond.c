/* cond in reverse mode: conditionals.py _cond_linearize (its transpose,
 * _cond_transpose_fancy, is transpose.c's tr_cond).
 *
 * Each branch is linearized with every residual an output (allow_fwds
 * False) and the output tangents that any branch makes nonzero
 * instantiated. The branches' residuals are merged into one list of slots
 * (_merge_branch_residuals: by aval, the k-th residual of an aval in one
 * branch sharing a slot with the k-th of that aval in another), each
 * primal branch returns every slot, an empty2 where it makes none
 * (_join_cond_outputs), and each tangent branch takes every slot
 * (_join_cond_pe_staged_jaxpr_inputs). The known cond runs the primal
 * branches; the linear cond, on the index, the slots and the nonzero
 * tangents, the tangent branches. */
#include <stdlib.h>
#include <string.h>

#include "ir_build.h"
#include "prims.h"
#include "util.h"
#include "vjp_rules.h"

static void *zalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) TJ_OOM();
  return p;
}

/* A slot of the merged residuals: an aval and its occurrence among the
 * equal avals of one branch (enumerate_equal's tag). */
typedef struct slot {
  tj_aval aval;
  int nth;
} slot;

typedef struct merged {
  slot *slots;
  uint32_t n;
  uint32_t **index;     /* index[b][r]: the slot of branch b's residual r */
} merged;

static tj_aval res_aval(const ir_module *m, const lin_jaxpr *lj, uint32_t nout, uint32_t r) {
  return ir_atom_aval(m, lj->primal->outs[nout + r]);
}

/* _merge_branch_residuals: the slots in order of first appearance over
 * the branches in turn. */
static merged merge_residuals(const ir_module *m, const lin_jaxpr *lj, uint32_t nb, uint32_t nout) {
  uint32_t total = 0;
  for (uint32_t b = 0; b < nb; b++) total += lj[b].nres;
  merged g = {zalloc(total, sizeof(slot)), 0, zalloc(nb, sizeof(uint32_t *))};
  for (uint32_t b = 0; b < nb; b++) {
    g.index[b] = zalloc(lj[b].nres, sizeof(uint32_t));
    for (uint32_t r = 0; r < lj[b].nres; r++) {
      slot s = {res_aval(m, &lj[b], nout, r), 0};
      for (uint32_t q = 0; q < r; q++) {
        tj_aval a = res_aval(m, &lj[b], nout, q);
        s.nth += aval_equal(&a, &s.aval);
      }
      uint32_t k = 0;
      while (k < g.n && !(aval_equal(&g.slots[k].aval, &s.aval) && g.slots[k].nth == s.nth)) k++;
      if (k == g.n) g.slots[g.n++] = s;
      g.index[b][r] = k;
    }
  }
  return g;
}

static void merged_free(merged *g, uint32_t nb) {
  for (uint32_t b = 0; b < nb; b++) free(g->index[b]);
  free(g->index);
  free(g->slots);
}

static ir_eqn *append(const jvp_target *t, ir_jaxpr *j, int prim, const ir_atom *in, uint32_t nin,
                      const ir_param *ps, uint16_t np, const tj_aval *hint, uint32_t nout, tj_span span) {
  if (*t->neqns >= t->max_eqns) {
    diag_error(t->diags, t->m->src, span, "too many equations (limit is %u) in function '%s'", t->max_eqns,
               t->fn_name);
    return NULL;
  }
  ir_eqn_desc d = {.prim = prim, .in = in, .nin = nin, .params = ps, .nparams = np, .nout = nout, .hint = hint,
                   .span = span};
  ir_eqn *e = ir_build(t->m, j, &d, t->diags);
  if (e) (*t->neqns)++;
  return e;
}

/* ad_util.empty_like_aval: empty2 of the dtype, broadcast to the shape
 * unless a scalar (lax.broadcast to () is the operand). */
static bool empty_like(const jvp_target *t, ir_jaxpr *j, const tj_aval *a, tj_span span, ir_atom *out) {
  ir_module *m = t->m;
  ir_param ps[2] = {{"dtype", pv_dtype(m, a->dtype)}, {"memory_space", pv_name(m, "MemorySpace.Device")}};
  ir_eqn *e = append(t, j, P_empty2, NULL, 0, ps, 2, NULL, 1, span);
  if (!e) return false;
  *out = ATOM_VAR(e->out[0]);
  if (a->rank == 0) return true;
  tj_aval to = *a;
  to.weak = false;
  e = append(t, j, P_broadcast_in_dim, out, 1, NULL, 0, &to, 1, span);
  if (e) *out = ATOM_VAR(e->out[0]);
  return e != NULL;
}

/* _join_cond_outputs for branch b: the primal outputs, then every slot:
 * the branch's residual for it, else an empty (all the empties made
 * first, in slot order, as the augmented function maps empty_like_aval
 * over every slot before substituting). */
static bool join_outputs(const jvp_target *t, lin_jaxpr *lj, const merged *g, uint32_t b, uint32_t nout,
                         tj_span span) {
  ir_module *m = t->m;
  ir_jaxpr *pj = lj->primal;
  ir_atom *outs = ARENA_ARRAY(&m->arena, ir_atom, nout + g->n + 1);
  if (nout) memcpy(outs, pj->outs, sizeof *outs * nout);
  for (uint32_t s = 0; s < g->n; s++)
    if (!empty_like(t, pj, &g->slots[s].aval, span, &outs[nout + s])) return false;
  for (uint32_t r = 0; r < lj->nres; r++) outs[nout + g->index[b][r]] = pj->outs[nout + r];
  pj->outs = outs, pj->nout = nout + g->n;
  return true;
}

/* _join_cond_pe_staged_jaxpr_inputs for branch b: the tangent jaxpr's
 * residual invars moved into their slots, a fresh variable in the
 * others. */
static void join_inputs(ir_module *m, lin_jaxpr *lj, const merged *g, uint32_t b) {
  ir_jaxpr *tj = lj->tangent;
  uint32_t nt = tj->nin - lj->nres;
  uint32_t *inv = ARENA_ARRAY(&m->arena, uint32_t, g->n + nt + 1);
  for (uint32_t s = 0; s < g->n; s++) inv[s] = UINT32_MAX;
  for (uint32_t r = 0; r < lj->nres; r++) inv[g->index[b][r]] = tj->invars[r];
  for (uint32_t s = 0; s < g->n; s++)
    if (inv[s] == UINT32_MAX) inv[s] = ir_new_var(m, &g->slots[s].aval);
  if (nt) memcpy(inv + g->n, tj->invars + lj->nres, sizeof *inv * nt);
  tj->invars = inv, tj->nin = g->n + nt;
}

/* The cond's params with its branches replaced. */
static ir_param *with_branches(ir_module *m, const ir_eqn *e, ir_jaxpr **bs, uint32_t nb) {
  ir_param *ps = ARENA_ARRAY(&m->arena, ir_param, e->nparams + 1);
  pval *tuple = pv_seq(m, PV_TUPLE, (int)nb);
  for (uint32_t b = 0; b < nb; b++) tuple->items[b] = pv_jaxpr(m, bs[b]);
  for (uint16_t i = 0; i < e->nparams; i++)
    ps[i] = strcmp(e->params[i].key, "branches") == 0 ? (ir_param){e->params[i].key, tuple} : e->params[i];
  return ps;
}

/* Which outputs any branch makes nonzero (the first linearization, whose
 * jaxprs _cond_linearize then drops). */
static bool nonzero_outputs(const jvp_target *t, const ir_eqn *e, const bool *nz, bool *nz_out) {
  const pval *bv = ir_param_get(e, "branches");
  for (int b = 0; b < ir_pval_njaxprs(bv); b++) {
    lin_jaxpr lj;
    if (!vjp_linearize_jaxpr(t, ir_pval_jaxpr(bv, b), nz, NULL, false, e->span, &lj)) return false;
    for (uint32_t i = 0; i < e->nout; i++) nz_out[i] |= lj.nz_out[i];
  }
  return true;
}

static bool emit_conds(const jvp_target *t, const ir_eqn *e, lin_jaxpr *lj, const merged *g, uint32_t nb,
                       const ir_atom *p, const ir_atom *dt, const bool *nz_out, ir_atom *po, ir_atom *to) {
  ir_module *m = t->m;
  uint32_t nout = e->nout, nprim = nout + g->n;
  ir_jaxpr **bs = zalloc(nb, sizeof *bs);
  tj_aval *hint = zalloc(nprim, sizeof *hint);
  for (uint32_t b = 0; b < nb; b++) bs[b] = lj[b].primal;
  for (uint32_t k = 0; k < nprim; k++) hint[k] = ir_atom_aval(m, bs[0]->outs[k]);
  ir_eqn *pe = append(t, t->dst, P_cond, p, e->nin, with_branches(m, e, bs, nb), e->nparams, hint, nprim, e->span);
  ir_eqn *te = NULL;
  if (pe) {
    ir_atom *in = zalloc(1 + g->n + e->nin, sizeof *in);
    uint32_t n = 0;
    in[n++] = p[0];
    for (uint32_t s = 0; s < g->n; s++) in[n++] = ATOM_VAR(pe->out[nout + s]);
    for (uint32_t i = 1; i < e->nin; i++)
      if (dt[i] != JVP_ZERO) in[n++] = dt[i];
    for (uint32_t b = 0; b < nb; b++) bs[b] = lj[b].tangent;
    uint32_t nt = bs[0]->nout;
    for (uint32_t k = 0; k < nt; k++) hint[k] = ir_atom_aval(m, bs[0]->outs[k]);
    te = append(t, t->dst, P_cond, in, n, with_branches(m, e, bs, nb), e->nparams, hint, nt, e->span);
    free(in);
  }
  for (uint32_t i = 0, k = 0; te && i < nout; i++) {
    po[i] = ATOM_VAR(pe->out[i]);
    to[i] = nz_out[i] ? ATOM_VAR(te->out[k++]) : JVP_ZERO;
  }
  free(hint);
  free(bs);
  return te != NULL;
}

int vjp_linearize_cond(const jvp_target *t, const ir_eqn *e, const ir_atom *p, const ir_atom *dt, ir_atom *po,
                       ir_atom *to) {
  const pval *bv = ir_param_get(e, "branches");
  uint32_t nb = (uint32_t)ir_pval_njaxprs(bv), nops = e->nin - 1;
  bool *nz = zalloc(nops, sizeof *nz), *nz_out = zalloc(e->nout, sizeof *nz_out);
  for (uint32_t i = 0; i < nops; i++) nz[i] = dt[1 + i] != JVP_ZERO;
  lin_jaxpr *lj = zalloc(nb, sizeof *lj);
  bool ok = nonzero_outputs(t, e, nz, nz_out);
  for (uint32_t b = 0; ok && b < nb; b++)
    ok = vjp_linearize_jaxpr(t, ir_pval_jaxpr(bv, (int)b), nz, nz_out, false, e->span, &lj[b]);
  if (ok) {
    merged g = merge_residuals(t->m, lj, nb, e->nout);
    for (uint32_t b = 0; ok && b < nb; b++) ok = join_outputs(t, &lj[b], &g, b, e->nout, e->span);
    for (uint32_t b = 0; ok && b < nb; b++) join_inputs(t->m, &lj[b], &g, b);
    ok = ok && emit_conds(t, e, lj, &g, nb, p, dt, nz_out, po, to);
    merged_free(&g, nb);
  }
  free(lj);
  free(nz_out);
  free(nz);
  return ok;
}
