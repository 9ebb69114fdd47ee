/* The JVP rules of the control-flow primitives (rows JVP_EXTERN of
 * jvp.def): cond (lax.cond and lax.switch), while and scan, after JAX
 * 0.10.2's jax/_src/lax/control_flow/conditionals.py _cond_jvp and
 * loops.py _while_loop_jvp and _scan_jvp.
 *
 * Each differentiates its sub-jaxprs with ad.jvp_jaxpr (jvp_jaxpr_inst:
 * the primals then the nonzero tangents in, the primal outputs then the
 * nonzero output tangents out) and binds the primitive once more on the
 * primals and the nonzero tangents. The sub-jaxprs are made on a trace of
 * their own, so nothing is appended to the destination before the final
 * bind except the carries' zeros that a loop instantiates.
 *
 * The loops find which carries have nonzero tangents by a fixed point:
 * a carry whose initial tangent is zero may get a nonzero one from the
 * body; the body is differentiated again until the pattern stops growing
 * (at most one round per carry, and one more). The jaxprs of the rounds
 * before the last are made and dropped, as JAX's are (its cache keeps
 * them; here they stay unreferenced in the module's arena).
 *
 * JAX rewrites the binders of the differentiated body in place of a copy
 * (ad.rearrange_binders, the while's augmented cond_jaxpr): a new Jaxpr
 * object over the same equations and variables. The same here: a new
 * ir_jaxpr whose equations are those of the one it rearranges. */
#include <stdlib.h>
#include <string.h>

#include "jvp_rules.h"
#include "prims.h"
#include "util.h"

/* Scratch for one rule: bools and atoms, freed at the end. */
static void *scratch(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) TJ_OOM();
  return p;
}

static bool nonzero(ir_atom tangent) { return tangent != JVP_ZERO; }

static int count_true(const bool *b, uint32_t n) {
  int c = 0;
  for (uint32_t i = 0; i < n; i++) c += b[i];
  return c;
}

/* e's params with the values of keys[0..n) replaced by vals, into ps
 * (room for e->nparams); their number. */
static int params_with(const ir_eqn *e, const char *const *keys, pval *const *vals, int n, ir_param *ps) {
  for (int i = 0; i < e->nparams; i++) {
    ps[i] = e->params[i];
    for (int k = 0; k < n; k++)
      if (strcmp(ps[i].key, keys[k]) == 0) ps[i].val = vals[k];
  }
  return e->nparams;
}

/* ad.rearrange_binders' _perm: lst is the primals (in groups of pc[0..n)
 * elements) then the tangents (groups of tc[0..n)); out interleaves them
 * group by group: primals 0, tangents 0, primals 1, tangents 1, ... */
static void perm(const ir_atom *lst, const int *pc, const int *tc, int n, ir_atom *out) {
  int np = 0, k = 0;
  for (int g = 0; g < n; g++) np += pc[g];
  const ir_atom *p = lst, *t = lst + np;
  for (int g = 0; g < n; g++) {
    for (int i = 0; i < pc[g]; i++) out[k++] = *p++;
    for (int i = 0; i < tc[g]; i++) out[k++] = *t++;
  }
}

/* ad.rearrange_binders(j, primals_in, tangents_in, primals_out,
 * tangents_out): a new jaxpr over j's equations, its invars and outvars
 * permuted by _perm. */
static ir_jaxpr *rearrange_binders(ir_module *m, const ir_jaxpr *j, const int *pin, const int *tin, int nin_groups,
                                   const int *pout, const int *tout, int nout_groups) {
  ir_jaxpr *r = ir_jaxpr_new(m);
  uint32_t id = r->id;
  *r = *j;
  r->id = id, r->capeqns = r->neqns; /* an append copies, never writes into j's */
  ir_atom *in = ARENA_ARRAY(&m->arena, ir_atom, 2 * (size_t)j->nin + 1), *pin_atoms = in + j->nin;
  for (uint32_t i = 0; i < j->nin; i++) in[i] = ATOM_VAR(j->invars[i]);
  perm(in, pin, tin, nin_groups, pin_atoms);
  r->invars = ARENA_ARRAY(&m->arena, uint32_t, j->nin + 1);
  for (uint32_t i = 0; i < j->nin; i++) r->invars[i] = ATOM_INDEX(pin_atoms[i]);
  r->outs = ARENA_ARRAY(&m->arena, ir_atom, j->nout + 1);
  perm(j->outs, pout, tout, nout_groups, r->outs);
  return r;
}

/* The rule's bind: prim on ins with params, nout outputs to outs. */
static bool bind(jq *q, int prim, const ir_atom *ins, int nin, const ir_param *ps, int np, int nout, ir_atom *outs) {
  jvp_build_n(q, prim, ins, nin, ps, np, NULL, nout, outs);
  return !q->b.failed;
}

/* ---- cond ---- */

/* conditionals.py _cond_jvp: each branch differentiated with the
 * operands' nonzero pattern (the index has none); an output's tangent is
 * nonzero when any branch's is (out_nz), the branches made again with
 * instantiate=out_nz so that they agree; cond bound on the index, the
 * operands and the nonzero operand tangents, the other params as they
 * were; its outputs the primal outputs, then the out_nz tangents. */
void jvp_cond(jq *q) {
  const ir_eqn *e = q->e;
  ir_module *m = q->b.t->m;
  const pval *br = ir_param_get(e, "branches");
  int nb = ir_pval_njaxprs(br);
  uint32_t nops = e->nin - 1, nout = e->nout;
  bool *ops_nz = scratch(nops + 2 * (size_t)nout, sizeof *ops_nz), *out_nz = ops_nz + nops, *nz = out_nz + nout;
  ir_atom *ins = scratch(2 * (size_t)e->nin + 2 * (size_t)nout, sizeof *ins), *outs = ins + 2 * e->nin;
  ir_param *ps = scratch(e->nparams, sizeof *ps);
  for (uint32_t i = 0; i < nops; i++) ops_nz[i] = nonzero(q->dt[1 + i]);
  for (int b = 0; b < nb && !q->b.failed; b++) {
    q->b.failed = !jvp_jaxpr(q->b.t, ir_pval_jaxpr(br, b), ops_nz, nz);
    for (uint32_t i = 0; i < nout; i++) out_nz[i] |= nz[i];
  }
  pval *branches = pv_seq(m, PV_TUPLE, nb);
  for (int b = 0; b < nb && !q->b.failed; b++) {
    ir_jaxpr *j = jvp_jaxpr_inst(q->b.t, ir_pval_jaxpr(br, b), ops_nz, out_nz, e->span, nz);
    q->b.failed = !j;
    branches->items[b] = j ? pv_jaxpr(m, j) : NULL;
  }
  int nin = 0;
  for (uint32_t i = 0; i < e->nin; i++) ins[nin++] = q->p[i];
  for (uint32_t i = 0; i < nops; i++)
    if (ops_nz[i]) ins[nin++] = q->dt[1 + i];
  static const char *const keys[] = {"branches"};
  int np = params_with(e, keys, &branches, 1, ps);
  if (!q->b.failed && bind(q, P_cond, ins, nin, ps, np, (int)nout + count_true(out_nz, nout), outs))
    for (uint32_t i = 0, k = nout; i < nout; i++) {
      q->po[i] = outs[i];
      q->to[i] = out_nz[i] ? outs[k++] : JVP_ZERO;
    }
  free(ops_nz);
  free(ins);
  free(ps);
}

/* ---- the loops' fixed point ---- */

/* The carries' nonzero pattern (carry_nz, starting from the initial
 * tangents') grown until the body's output tangents add none:
 * ad.jvp_jaxpr(body, consts_nz + carry_nz + xs_nz, instantiate=carry_nz
 * + [False] * num_ys) each round. in_nz holds consts_nz, carry_nz, xs_nz
 * (updated in place); *out_nz the last round's output pattern. The last
 * round's jaxpr, or NULL on an error. */
static ir_jaxpr *carry_fixed_point(jq *q, const ir_jaxpr *body, uint32_t nconsts, uint32_t ncarry, bool *in_nz,
                                   bool *out_nz) {
  bool *carry_nz = in_nz + nconsts, *inst = scratch(body->nout, sizeof *inst);
  ir_jaxpr *j = NULL;
  bool done = false;
  for (uint32_t round = 0; round < 1 + ncarry && !done; round++) {
    memcpy(inst, carry_nz, sizeof *inst * ncarry);
    j = jvp_jaxpr_inst(q->b.t, body, in_nz, inst, q->e->span, out_nz);
    done = !j || memcmp(out_nz, carry_nz, sizeof *out_nz * ncarry) == 0;
    for (uint32_t i = 0; i < ncarry; i++) carry_nz[i] |= out_nz[i];
  }
  free(inst);
  if (!done) /* each round adds a carry, so JAX asserts this cannot happen */
    diag_error(q->b.t->diags, q->b.t->m->src, q->e->span, "AssertionError: Fixpoint not reached");
  return done ? j : NULL;
}

/* The loop's operands from p[from] on, in groups of n[0..ngroups)
 * operands: each group's primals, then its tangents where nz (indexed
 * from p[from]) says, a symbolic zero instantiated (tangents =
 * [ad.instantiate_zeros(t) if nz else t ...], appended in operand order);
 * dots[g] counts group g's tangents. Appended to ins at *k. */
static bool grouped_operands(jq *q, uint32_t from, const uint32_t *n, int ngroups, const bool *nz, ir_atom *ins,
                             int *k, int *dots) {
  uint32_t at = 0;
  for (int g = 0; g < ngroups; at += n[g++]) {
    for (uint32_t i = 0; i < n[g]; i++) ins[(*k)++] = q->p[from + at + i];
    dots[g] = 0;
    for (uint32_t i = at; i < at + n[g]; i++) {
      ir_atom t = q->dt[from + i];
      tj_aval a = ir_atom_aval(q->b.t->m, q->p[from + i]);
      if (!nz[i]) continue;
      if (t == JVP_ZERO && !jvp_zeros(q->b.t, &a, q->e->span, &t)) return false;
      ins[(*k)++] = t, dots[g]++;
    }
  }
  return true;
}

/* ---- while ---- */

/* while's cond_jaxpr with invars for the carries' tangents appended
 * (_while_loop_jvp's cond_jaxpr_augmented; its equations unchanged). */
static ir_jaxpr *augmented_cond(jq *q, const ir_jaxpr *cj, const ir_atom *tangents, int n) {
  ir_module *m = q->b.t->m;
  ir_jaxpr *r = ir_jaxpr_new(m);
  uint32_t id = r->id;
  *r = *cj;
  r->id = id, r->capeqns = r->neqns;
  r->invars = ARENA_ARRAY(&m->arena, uint32_t, cj->nin + (uint32_t)n + 1);
  if (cj->nin) memcpy(r->invars, cj->invars, sizeof *r->invars * cj->nin);
  for (int i = 0; i < n; i++) {
    tj_aval a = ir_atom_aval(m, tangents[i]);
    r->invars[r->nin++] = ir_new_var(m, &a);
  }
  return r;
}

/* loops.py _while_loop_jvp: the carries' fixed point over the body (its
 * consts' tangents as they are), the zero initial tangents of the nonzero
 * carries instantiated; while bound on cond consts, body consts, their
 * nonzero tangents, the carries and their nonzero tangents, with
 * body_nconsts counting the consts' tangents, the body rearranged to
 * (consts, consts_dot, carry, carry_dot) -> (carry, carry_dot) and the
 * cond taking (and ignoring) the carries' tangents. The cond consts'
 * tangents are dropped. */
void jvp_while(jq *q) {
  const ir_eqn *e = q->e;
  ir_module *m = q->b.t->m;
  const ir_jaxpr *body = ir_param_jaxpr(e, "body_jaxpr"), *cj = ir_param_jaxpr(e, "cond_jaxpr");
  uint32_t cn = (uint32_t)ir_param_int(e, "cond_nconsts", 0), bn = (uint32_t)ir_param_int(e, "body_nconsts", 0);
  uint32_t ncarry = e->nin - cn - bn;
  bool *body_nz = scratch(2 * (size_t)(bn + ncarry), sizeof *body_nz), *out_nz = body_nz + bn + ncarry;
  ir_atom *ins = scratch(2 * (size_t)e->nin + 2 * (size_t)ncarry, sizeof *ins), *outs = ins + 2 * e->nin;
  ir_param *ps = scratch(e->nparams, sizeof *ps);
  for (uint32_t i = 0; i < bn + ncarry; i++) body_nz[i] = nonzero(q->dt[cn + i]);
  ir_jaxpr *jv = carry_fixed_point(q, body, bn, ncarry, body_nz, out_nz);
  int k = 0, dots[2];
  uint32_t n[2] = {bn, ncarry};
  for (uint32_t i = 0; i < cn; i++) ins[k++] = q->p[i];
  bool ok = jv && grouped_operands(q, cn, n, 2, body_nz, ins, &k, dots);
  if (ok) {
    int pin[2] = {(int)bn, (int)ncarry}, pout[1] = {(int)ncarry}, tout[1] = {dots[1]};
    ir_jaxpr *rb = rearrange_binders(m, jv, pin, dots, 2, pout, tout, 1);
    ir_jaxpr *rc = augmented_cond(q, cj, ins + k - dots[1], dots[1]);
    static const char *const keys[] = {"cond_jaxpr", "body_nconsts", "body_jaxpr"};
    pval *vals[3] = {pv_jaxpr(m, rc), pv_int(m, (int64_t)bn + dots[0]), pv_jaxpr(m, rb)};
    int np = params_with(e, keys, vals, 3, ps);
    ok = bind(q, P_while, ins, k, ps, np, (int)ncarry + dots[1], outs);
  }
  for (uint32_t i = 0, t = ncarry; ok && i < ncarry; i++) {
    q->po[i] = outs[i];
    q->to[i] = out_nz[i] ? outs[t++] : JVP_ZERO;
  }
  q->b.failed |= !ok;
  free(body_nz);
  free(ins);
  free(ps);
}

/* ---- scan ---- */

/* loops.py _scan_jvp: the carries' fixed point over the body (the ys'
 * tangents not instantiated), the zero initial tangents of the nonzero
 * carries instantiated; scan bound on consts, consts_dot, init, init_dot,
 * xs, xs_dot with num_consts and num_carry counting the tangents, length,
 * reverse and unroll as they were, and the body rearranged to (consts,
 * consts_dot, carry, carry_dot, xs, xs_dot) -> (carry, carry_dot, ys,
 * ys_dot); the outputs in that order. */
void jvp_scan(jq *q) {
  const ir_eqn *e = q->e;
  ir_module *m = q->b.t->m;
  const ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr");
  uint32_t nc = (uint32_t)ir_param_int(e, "num_consts", 0), ncarry = (uint32_t)ir_param_int(e, "num_carry", 0);
  uint32_t nxs = e->nin - nc - ncarry, nys = e->nout - ncarry;
  bool *in_nz = scratch((size_t)e->nin + e->nout, sizeof *in_nz), *out_nz = in_nz + e->nin;
  ir_atom *ins = scratch(2 * (size_t)e->nin + 2 * (size_t)e->nout, sizeof *ins), *outs = ins + 2 * e->nin;
  ir_param *ps = scratch(e->nparams, sizeof *ps);
  for (uint32_t i = 0; i < e->nin; i++) in_nz[i] = nonzero(q->dt[i]);
  ir_jaxpr *jv = carry_fixed_point(q, body, nc, ncarry, in_nz, out_nz);
  int k = 0, dots[3];
  uint32_t n[3] = {nc, ncarry, nxs};
  bool ok = jv && grouped_operands(q, 0, n, 3, in_nz, ins, &k, dots);
  int nys_dot = ok ? count_true(out_nz, e->nout) - dots[1] : 0;
  if (ok) {
    int pin[3] = {(int)nc, (int)ncarry, (int)nxs}, pout[2] = {(int)ncarry, (int)nys}, tout[2] = {dots[1], nys_dot};
    ir_jaxpr *r = rearrange_binders(m, jv, pin, dots, 3, pout, tout, 2);
    static const char *const keys[] = {"jaxpr", "num_consts", "num_carry"};
    pval *vals[3] = {pv_jaxpr(m, r), pv_int(m, (int64_t)nc + dots[0]), pv_int(m, (int64_t)ncarry + dots[1])};
    int np = params_with(e, keys, vals, 3, ps);
    ok = bind(q, P_scan, ins, k, ps, np, (int)e->nout + dots[1] + nys_dot, outs);
  }
  /* carry, carry_dot, ys, ys_dot */
  for (uint32_t i = 0, t = ncarry; ok && i < ncarry; i++) {
    q->po[i] = outs[i];
    q->to[i] = out_nz[i] ? outs[t++] : JVP_ZERO;
  }
  for (uint32_t i = 0, y = ncarry + (uint32_t)dots[1], t = y + nys; ok && i < nys; i++) {
    q->po[ncarry + i] = outs[y + i];
    q->to[ncarry + i] = out_nz[ncarry + i] ? outs[t++] : JVP_ZERO;
  }
  q->b.failed |= !ok;
  free(in_nz);
  free(ins);
  free(ps);
}
