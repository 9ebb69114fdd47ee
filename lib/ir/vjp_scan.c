/* scan in reverse mode: loops.py _scan_linearize (its transpose,
 * _scan_transpose_fancy, is transpose.c's tr_scan).
 *
 * The body is linearized (ad.linearize_jaxpr) with the carries' nonzero
 * tangents found by a fixed point, the carries' output tangents
 * instantiated, residuals forwarded from the consts and the xs but never
 * from the carries. The residuals that the body computes from the consts
 * alone are hoisted out of the loop (_scan_known_hoisting: the primal
 * body partially evaluated with the consts known, its known equations
 * bound where the scan is). The known scan runs the primal body on the
 * consts it still needs, the carries and the xs, and stacks the other
 * residuals as extra ys; the linear scan runs the tangent body on the
 * intensive residuals, the nonzero tangents and the stacked residuals
 * (pe.move_binders_to_back). */
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

/* One scan being linearized. */
typedef struct sl {
  const jvp_target *t;
  const ir_eqn *e;
  const ir_atom *p, *dt;
  uint32_t nc, ncarry, nxs;
  bool *nzs;       /* per operand: a nonzero tangent (the carries' after the fixed point) */
  lin_jaxpr lj;
} sl;

static ir_eqn *append(const jvp_target *t, int prim, const ir_atom *in, uint32_t nin, const ir_param *ps, uint16_t np,
                      uint32_t nout, tj_span span) {
  if (*t->neqns >= t->max_eqns) {
    diag_error(t->diags, t->m->src, span, "too many equations (limit is %u) in function '%s'", t->max_eqns,
               t->fn_name);
    return NULL;
  }
  ir_eqn_desc d = {.prim = prim, .in = in, .nin = nin, .params = ps, .nparams = np, .nout = nout, .span = span};
  ir_eqn *e = ir_build(t->m, t->dst, &d, t->diags);
  if (e) (*t->neqns)++;
  return e;
}

/* _scan_linearize's fixed point: the body linearized with nzs (consts,
 * carries, xs), the carries' output tangents instantiated, until the
 * carries' nonzero pattern stops growing. */
static bool fixed_point(sl *s) {
  const ir_jaxpr *body = ir_param_jaxpr(s->e, "jaxpr");
  uint32_t nin = s->e->nin, nys = s->e->nout - s->ncarry;
  bool *fwds = zalloc(nin, sizeof *fwds), *inst = zalloc(s->ncarry + nys, sizeof *inst), ok = true;
  for (uint32_t i = 0; i < nin; i++) /* never from a carry, nor a literal (numpy's array) */
    fwds[i] = (i < s->nc || i >= s->nc + s->ncarry) && !ATOM_IS_LIT(s->p[i]);
  for (uint32_t round = 0; ok && round <= s->ncarry; round++) {
    memcpy(inst, s->nzs + s->nc, sizeof *inst * s->ncarry);
    ok = vjp_linearize_jaxpr_fwds(s->t, body, s->nzs, inst, fwds, s->e->span, &s->lj);
    bool grew = false;
    for (uint32_t k = 0; ok && k < s->ncarry; k++)
      if (s->lj.nz_out[k] && !s->nzs[s->nc + k]) s->nzs[s->nc + k] = grew = true;
    if (!grew) break;
  }
  free(inst);
  free(fwds);
  return ok;
}

/* _scan_known_hoisting's partial evaluation: known[v] the outer atom a
 * variable of the primal body is known as (JVP_ZERO: unknown). */
typedef struct hoist {
  ir_atom *known;
  ir_atom *consts;    /* the outer atoms of the new body's const binders */
  uint32_t *binders;  /* and the binders */
  uint32_t nconsts;
} hoist;

/* The const binder of the known value k (pe's new_instantiated_const,
 * deduplicated by value; a literal stays one), made on first request:
 * order_consts requests them in tracers_to_jaxpr's order. */
static ir_atom stage_const(ir_module *m, hoist *h, ir_atom k) {
  if (ATOM_IS_LIT(k)) return k;
  for (uint32_t i = 0; i < h->nconsts; i++)
    if (h->consts[i] == k) return ATOM_VAR(h->binders[i]);
  tj_aval av = ir_atom_aval(m, k);
  h->consts[h->nconsts] = k;
  h->binders[h->nconsts] = ir_new_var(m, &av);
  return ATOM_VAR(h->binders[h->nconsts++]);
}

/* The new body's atom for the primal body's a. */
static ir_atom staged(ir_module *m, hoist *h, ir_atom a) {
  if (ATOM_IS_LIT(a) || h->known[ATOM_INDEX(a)] == JVP_ZERO) return a;
  return stage_const(m, h, h->known[ATOM_INDEX(a)]);
}

static bool all_known(const hoist *h, const ir_eqn *e) {
  for (uint32_t i = 0; i < e->nin; i++)
    if (!ATOM_IS_LIT(e->in[i]) && h->known[ATOM_INDEX(e->in[i])] == JVP_ZERO) return false;
  return true;
}

/* A known equation bound where the scan is, on the outer atoms. */
static bool bind_known(const jvp_target *t, hoist *h, const ir_eqn *e) {
  if (*t->neqns >= t->max_eqns)
    return diag_error(t->diags, t->m->src, e->span, "too many equations (limit is %u) in function '%s'",
                      t->max_eqns, t->fn_name);
  ir_eqn *c = ir_add_eqn(t->m, t->dst, e->prim, e->nin, e->nout, e->nparams, e->span);
  (*t->neqns)++;
  for (uint32_t i = 0; i < e->nin; i++)
    c->in[i] = ATOM_IS_LIT(e->in[i]) ? e->in[i] : h->known[ATOM_INDEX(e->in[i])];
  memcpy(c->out, e->out, sizeof *c->out * e->nout);
  if (e->nparams) memcpy(c->params, e->params, sizeof *c->params * e->nparams);
  for (uint32_t i = 0; i < e->nout; i++) h->known[e->out[i]] = ATOM_VAR(e->out[i]);
  return true;
}

/* An unknown equation staged into the new body, its known operands as
 * const binders. */
static void stage_unknown(ir_module *m, hoist *h, ir_jaxpr *nb, const ir_eqn *e) {
  ir_eqn *c = ir_add_eqn(m, nb, e->prim, e->nin, e->nout, e->nparams, e->span);
  for (uint32_t i = 0; i < e->nin; i++) c->in[i] = staged(m, h, e->in[i]);
  memcpy(c->out, e->out, sizeof *c->out * e->nout);
  if (e->nparams) memcpy(c->params, e->params, sizeof *c->params * e->nparams);
}

/* ---- the order of the new body's const binders ---- */

/* pe.tracers_to_jaxpr names the consts in the order of
 * util.toposort (jaxlib's topological_sort over the tracers' parents,
 * from the unknown invars and outputs), a tracer per use of a known value
 * (JaxprTrace.instantiate_const), the first use of each value naming it.
 * A node is such a tracer: an unknown invar, an output of an unknown
 * equation (its parents the equation's operands' tracers), or a use of a
 * known value (konst, no parents). Literals are leaves and leave the
 * order of the others as it is: they are not nodes here. */
typedef struct tgraph {
  uint32_t n, *np, **parents;
  ir_atom *konst;
  uint32_t *node_of;   /* per variable of the primal body: its node, or UINT32_MAX */
} tgraph;

static uint32_t node_new(tgraph *g, ir_atom konst, uint32_t *parents, uint32_t np) {
  g->konst[g->n] = konst, g->parents[g->n] = parents, g->np[g->n] = np;
  return g->n++;
}

/* The tracer of operand a as an unknown equation or an output sees it:
 * its variable's node, a fresh use of a known value, or none (a literal:
 * UINT32_MAX). */
static uint32_t operand_node(tgraph *g, const hoist *h, ir_atom a) {
  if (ATOM_IS_LIT(a)) return UINT32_MAX;
  ir_atom k = h->known[ATOM_INDEX(a)];
  if (k == JVP_ZERO) return g->node_of[ATOM_INDEX(a)];
  return ATOM_IS_LIT(k) ? UINT32_MAX : node_new(g, k, NULL, 0);
}

static bool unknown_eqn(const hoist *h, const ir_eqn *e) { return e->nout && h->known[e->out[0]] == JVP_ZERO; }

/* An unknown equation's outputs: nodes sharing its operands' tracers as
 * parents (the recipe's in_tracers). */
static void graph_eqn(ir_module *m, tgraph *g, const hoist *h, const ir_eqn *e) {
  uint32_t *ps = ARENA_ARRAY(&m->arena, uint32_t, e->nin + 1), np = 0;
  for (uint32_t i = 0; i < e->nin; i++) {
    uint32_t p = operand_node(g, h, e->in[i]);
    if (p != UINT32_MAX) ps[np++] = p;
  }
  for (uint32_t i = 0; i < e->nout; i++) g->node_of[e->out[i]] = node_new(g, JVP_ZERO, ps, np);
}

/* jaxlib's TopologicalSort (a direct conversion of util.toposort's Python):
 * the nodes reachable from ends[0..ne) in order, parents first. */
static uint32_t toposort(const tgraph *g, const uint32_t *ends, uint32_t ne, uint32_t *sorted) {
  size_t edges = ne + g->n;
  for (uint32_t v = 0; v < g->n; v++) edges += g->np[v];
  uint32_t *count = zalloc(g->n, sizeof *count), *stack = zalloc(edges, sizeof *stack), sp = 0, n = 0;
  for (uint32_t i = 0; i < ne; i++) stack[sp++] = ends[i];
  while (sp) {
    uint32_t v = stack[--sp];
    if (count[v]++ == 0)
      for (uint32_t k = 0; k < g->np[v]; k++) stack[sp++] = g->parents[v][k];
  }
  for (uint32_t i = 0; i < ne; i++) count[ends[i]]--;
  for (uint32_t i = 0; i < ne; i++)
    if (count[ends[i]] == 0) stack[sp++] = ends[i];
  while (sp) {
    uint32_t v = stack[--sp];
    sorted[n++] = v;
    for (uint32_t k = 0; k < g->np[v]; k++) {
      uint32_t p = g->parents[v][k];
      if (count[p] == 1) stack[sp++] = p;
      else count[p]--;
    }
  }
  for (uint32_t i = 0; i < n / 2; i++) { uint32_t t = sorted[i]; sorted[i] = sorted[n - 1 - i], sorted[n - 1 - i] = t; }
  free(stack);
  free(count);
  return n;
}

/* The end nodes: the unknown invars, then the unknown outputs (a known
 * primal output instantiated: a use of its value), each once. */
static uint32_t end_nodes(tgraph *g, const hoist *h, const ir_jaxpr *pj, uint32_t nc, uint32_t nprim, uint32_t *ends) {
  uint32_t ne = 0;
  for (uint32_t i = nc; i < pj->nin; i++) ends[ne++] = g->node_of[pj->invars[i]];
  for (uint32_t k = 0; k < pj->nout; k++) {
    ir_atom a = pj->outs[k];
    bool known = ATOM_IS_LIT(a) || h->known[ATOM_INDEX(a)] != JVP_ZERO;
    if (known && k >= nprim) continue;
    uint32_t v = operand_node(g, h, a), d = 0;
    while (v != UINT32_MAX && d < ne && ends[d] != v) d++;
    if (v != UINT32_MAX && d == ne) ends[ne++] = v;
  }
  return ne;
}

/* The const binders, in tracers_to_jaxpr's order, appended to h. */
static void order_consts(ir_module *m, hoist *h, const ir_jaxpr *pj, uint32_t nc, uint32_t nprim) {
  uint32_t cap = pj->nin + pj->nout + 1;
  for (uint32_t k = 0; k < pj->neqns; k++) cap += pj->eqns[k].nin + pj->eqns[k].nout;
  tgraph g = {0, zalloc(cap, sizeof(uint32_t)), zalloc(cap, sizeof(uint32_t *)), zalloc(cap, sizeof(ir_atom)),
              zalloc(m->nvars, sizeof(uint32_t))};
  for (uint32_t i = nc; i < pj->nin; i++) g.node_of[pj->invars[i]] = node_new(&g, JVP_ZERO, NULL, 0);
  for (uint32_t k = 0; k < pj->neqns; k++)
    if (unknown_eqn(h, &pj->eqns[k])) graph_eqn(m, &g, h, &pj->eqns[k]);
  uint32_t *ends = zalloc(cap, sizeof *ends), *sorted = zalloc(cap, sizeof *sorted);
  uint32_t n = toposort(&g, ends, end_nodes(&g, h, pj, nc, nprim, ends), sorted);
  for (uint32_t i = 0; i < n; i++)
    if (g.konst[sorted[i]] != JVP_ZERO) (void)stage_const(m, h, g.konst[sorted[i]]);
  free(sorted), free(ends), free(g.np), free(g.parents), free(g.konst), free(g.node_of);
}

/* _scan_known_hoisting: the primal body [consts, carries, xs] ->
 * [primal outputs, residuals] partially evaluated with the consts known
 * as the outer operands p[0..nc). The new body takes [const binders,
 * carries, xs] and returns the primal outputs (a known one instantiated)
 * and the residuals not known; hoisted[r] says which residual is known,
 * hres[r] its outer atom. */
static ir_jaxpr *known_hoisting(sl *s, hoist *h, bool *hoisted, ir_atom *hres) {
  ir_module *m = s->t->m;
  const ir_jaxpr *pj = s->lj.primal;
  ir_jaxpr *nb = ir_jaxpr_new(m);
  uint32_t nprim = s->e->nout;
  for (uint32_t i = 0; i < s->nc; i++) h->known[pj->invars[i]] = s->p[i];
  for (uint32_t k = 0; k < pj->neqns; k++)
    if (all_known(h, &pj->eqns[k]) && !bind_known(s->t, h, &pj->eqns[k])) return NULL;
  order_consts(m, h, pj, s->nc, nprim);
  for (uint32_t k = 0; k < pj->neqns; k++)
    if (unknown_eqn(h, &pj->eqns[k])) stage_unknown(m, h, nb, &pj->eqns[k]);
  nb->outs = ARENA_ARRAY(&m->arena, ir_atom, pj->nout + 1);
  for (uint32_t k = 0; k < pj->nout; k++) {
    ir_atom a = pj->outs[k];
    bool known = ATOM_IS_LIT(a) || h->known[ATOM_INDEX(a)] != JVP_ZERO;
    if (k >= nprim && (hoisted[k - nprim] = known)) {
      hres[k - nprim] = ATOM_IS_LIT(a) ? a : h->known[ATOM_INDEX(a)];
      continue;
    }
    nb->outs[nb->nout++] = staged(m, h, a);
  }
  nb->invars = ARENA_ARRAY(&m->arena, uint32_t, h->nconsts + pj->nin + 1);
  if (h->nconsts) memcpy(nb->invars, h->binders, sizeof *nb->invars * h->nconsts);
  if (pj->nin > s->nc) memcpy(nb->invars + h->nconsts, pj->invars + s->nc, sizeof *nb->invars * (pj->nin - s->nc));
  nb->nin = h->nconsts + pj->nin - s->nc;
  return nb;
}

/* pe.move_binders_to_back: a new jaxpr over tj's equations whose invars
 * are those not moved, then the moved ones, each group in order. */
static ir_jaxpr *move_binders_to_back(ir_module *m, const ir_jaxpr *tj, const bool *to_move) {
  ir_jaxpr *r = ir_jaxpr_new(m);
  uint32_t id = r->id;
  *r = *tj;
  r->id = id, r->capeqns = r->neqns;
  r->invars = ARENA_ARRAY(&m->arena, uint32_t, tj->nin + 1);
  r->nin = 0;
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t i = 0; i < tj->nin; i++)
      if (to_move[i] == (pass == 1)) r->invars[r->nin++] = tj->invars[i];
  return r;
}

/* e's params with jaxpr, num_consts and num_carry replaced. */
static ir_param *scan_params(ir_module *m, const ir_eqn *e, ir_jaxpr *body, uint32_t nconsts, uint32_t ncarry) {
  ir_param *ps = ARENA_ARRAY(&m->arena, ir_param, e->nparams + 1);
  for (uint16_t i = 0; i < e->nparams; i++) {
    ps[i] = e->params[i];
    if (strcmp(ps[i].key, "jaxpr") == 0) ps[i].val = pv_jaxpr(m, body);
    else if (strcmp(ps[i].key, "num_consts") == 0) ps[i].val = pv_int(m, nconsts);
    else if (strcmp(ps[i].key, "num_carry") == 0) ps[i].val = pv_int(m, ncarry);
  }
  return ps;
}

/* The known scan: the hoisted body on its consts, the carries and the xs;
 * its outputs the primal outputs (to po), then the stacked residuals (to
 * ext). */
static bool primal_scan(sl *s, const hoist *h, ir_jaxpr *nb, ir_atom *po, ir_atom *ext) {
  ir_module *m = s->t->m;
  uint32_t nops = h->nconsts + s->e->nin - s->nc;
  ir_atom *in = zalloc(nops, sizeof *in);
  memcpy(in, h->consts, sizeof *in * h->nconsts);
  memcpy(in + h->nconsts, s->p + s->nc, sizeof *in * (s->e->nin - s->nc));
  ir_param *ps = scan_params(m, s->e, nb, h->nconsts, s->ncarry);
  ir_eqn *pe = nb->nout ? append(s->t, P_scan, in, nops, ps, s->e->nparams, nb->nout, s->e->span) : NULL;
  free(in);
  if (nb->nout && !pe) return false;
  for (uint32_t k = 0; k < nb->nout; k++) {
    if (k < s->e->nout) po[k] = ATOM_VAR(pe->out[k]);
    else ext[k - s->e->nout] = ATOM_VAR(pe->out[k]);
  }
  return true;
}

/* tangent_fun: the linear scan on the intensive residuals, the nonzero
 * tangents (a carry's zero instantiated in the tangent trace) and the
 * extensive residuals; its outputs the nonzero output tangents. */
static bool tangent_scan(sl *s, ir_jaxpr *tb, const ir_atom *res, const bool *to_move, ir_atom *to) {
  ir_module *m = s->t->m;
  uint32_t nres = s->lj.nres, nin = s->e->nin, n = 0, nint = 0, nzc = 0, nzk = 0;
  ir_atom *in = zalloc(nres + nin, sizeof *in);
  for (uint32_t r = 0; r < nres; r++)
    if (!to_move[r]) in[n++] = res[r], nint++;
  for (uint32_t i = 0; i < nin; i++) {
    if (!s->nzs[i]) continue;
    ir_atom d = s->dt[i];
    tj_aval a = ir_atom_aval(m, s->p[i]);
    if (d == JVP_ZERO && !jvp_zeros(s->t, &a, s->e->span, &d)) { free(in); return false; }
    if (s->dt[i] == JVP_ZERO) vjp_force_linear(s->t, d);
    in[n++] = d;
    nzc += i < s->nc, nzk += i >= s->nc && i < s->nc + s->ncarry;
  }
  for (uint32_t r = 0; r < nres; r++)
    if (to_move[r]) in[n++] = res[r];
  ir_param *ps = scan_params(m, s->e, tb, nint + nzc, nzk);
  ir_eqn *te = append(s->t, P_scan, in, n, ps, s->e->nparams, tb->nout, s->e->span);
  free(in);
  for (uint32_t i = 0, k = 0; te && i < s->e->nout; i++) to[i] = s->lj.nz_out[i] ? ATOM_VAR(te->out[k++]) : JVP_ZERO;
  return te != NULL;
}

/* The residuals in the tangent body's order (subs_list of in_fwd_res over
 * merge_lists(which_hoisted, ext_res, hoisted_res)), and which of them
 * move to the back (res_to_move: stacked, or forwarded from an xs). */
static void residual_atoms(const sl *s, const bool *hoisted, const ir_atom *hres, const ir_atom *ext, ir_atom *res,
                           bool *to_move) {
  for (uint32_t r = 0, k = 0, x = 0; r < s->lj.nres; r++) {
    int32_t f = s->lj.res_fwd[r];
    if (f >= 0) {
      res[r] = s->p[f];
      to_move[r] = (uint32_t)f >= s->nc + s->ncarry;
    } else {
      to_move[r] = !hoisted[k];
      res[r] = hoisted[k] ? hres[k] : ext[x++];
      k++;
    }
  }
}

static bool linearize(sl *s, ir_atom *po, ir_atom *to) {
  ir_module *m = s->t->m;
  uint32_t nres = s->lj.nres, nv = m->nvars;
  hoist h = {zalloc(nv, sizeof *h.known), zalloc(nv, sizeof *h.consts), zalloc(nv, sizeof *h.binders), 0};
  for (uint32_t v = 0; v < nv; v++) h.known[v] = JVP_ZERO;
  bool *hoisted = zalloc(nres, sizeof *hoisted), *to_move = zalloc(nres + s->lj.tangent->nin, sizeof *to_move);
  ir_atom *hres = zalloc(nres, sizeof *hres), *ext = zalloc(nres, sizeof *ext), *res = zalloc(nres, sizeof *res);
  ir_jaxpr *nb = known_hoisting(s, &h, hoisted, hres);
  bool ok = nb && primal_scan(s, &h, nb, po, ext);
  if (ok) {
    residual_atoms(s, hoisted, hres, ext, res, to_move);
    ok = tangent_scan(s, move_binders_to_back(m, s->lj.tangent, to_move), res, to_move, to);
  }
  free(res), free(ext), free(hres), free(to_move), free(hoisted);
  free(h.known), free(h.consts), free(h.binders);
  return ok;
}

int vjp_linearize_scan(const jvp_target *t, const ir_eqn *e, const ir_atom *p, const ir_atom *dt, ir_atom *po,
                       ir_atom *to) {
  sl s = {.t = t, .e = e, .p = p, .dt = dt};
  s.nc = (uint32_t)ir_param_int(e, "num_consts", 0);
  s.ncarry = (uint32_t)ir_param_int(e, "num_carry", 0);
  s.nxs = e->nin - s.nc - s.ncarry;
  s.nzs = zalloc(e->nin, sizeof *s.nzs);
  for (uint32_t i = 0; i < e->nin; i++) s.nzs[i] = dt[i] != JVP_ZERO;
  bool ok = fixed_point(&s) && linearize(&s, po, to);
  free(s.nzs);
  return ok;
}
