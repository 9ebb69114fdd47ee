/* Reverse mode: ad.linearize as a split of the JVP, and ad.backward_pass3.
 *
 * Why a split of the JVP rather than a second set of linearize rules: JAX
 * 0.10's LinearizeTrace runs each primitive's JVP rule under a partial
 * evaluator (ad.linearize_from_jvp): an equation the rule binds on known
 * values only (the primal, and what the tangent needs from the primals:
 * the cos x of sin's rule) is recorded at once in the enclosing trace; one
 * that reads a tangent goes to the linear jaxpr. Replaying the function
 * through the JVP rules (jvp.c) into a scratch jaxpr yields the same
 * equations in the same order, so sorting each into known or linear by
 * whether it reads a tangent is that partial evaluation. A tangent that a
 * rule computes from known values only is a zero, as linearize_from_jvp
 * makes it. */
#include "vjp.h"
#include "vjp_rules.h"

#include <stdlib.h>
#include <string.h>

#include "ir_build.h"
#include "prims.h"
#include "transpose.h"
#include "util.h"

static void *zalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) TJ_OOM();
  return p;
}

/* Appends a copy of e to j (its operands, outputs and params shared). */
static void move_eqn(ir_module *m, ir_jaxpr *j, const ir_eqn *e) {
  ir_eqn *c = ir_add_eqn(m, j, e->prim, e->nin, e->nout, e->nparams, e->span);
  memcpy(c->in, e->in, sizeof *c->in * e->nin);
  memcpy(c->out, e->out, sizeof *c->out * e->nout);
  if (e->nparams) memcpy(c->params, e->params, sizeof *c->params * e->nparams);
}

static bool reads_any(const ir_eqn *e, const bool *marked) {
  for (uint32_t i = 0; i < e->nin; i++)
    if (!ATOM_IS_LIT(e->in[i]) && marked[ATOM_INDEX(e->in[i])]) return true;
  return false;
}

/* The equations with sub-jaxprs that the JVP rules would make whole,
 * with primal and tangent outputs together: JAX splits them with their
 * linearization rules. A jit, a cond and a scan are split by theirs
 * (linearize_jit, vjp_linearize_cond, vjp_linearize_scan), their tangent
 * halves linear. */
static bool splittable(const jvp_target *t, const ir_eqn *e) {
  if (e->prim == P_jit || e->prim == P_cond || e->prim == P_scan) return true;
  if (e->prim == P_while) /* loops.py _while_transpose_error, raised when the backward pass meets it */
    return diag_error(t->diags, t->m->src, e->span,
                       "ValueError: Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop "
                       "with dynamic start/stop values. Try using lax.scan, or using fori_loop with static "
                       "start/stop.");
  for (uint16_t i = 0; i < e->nparams; i++) /* a scatter's update_jaxpr is no body: its transpose rule is plain */
    if (ir_pval_njaxprs(e->params[i].val) && strcmp(e->params[i].key, "update_jaxpr") != 0)
      return diag_error(t->diags, t->m->src, e->span,
                         "NotImplementedError: reverse-mode differentiation of '%s' is not supported yet "
                         "(forward mode, jvp, is)", prims[e->prim].name);
  return true;
}

/* ---- dead code: pe.dce_jaxpr with pjit.py's dce_jaxpr_pjit_rule ---- */

static ir_jaxpr *dce_body(ir_module *m, const ir_jaxpr *body, const bool *used_out, const bool *inst, bool *used_in,
                         bool *changed);

/* e with only the operands used_in and the outputs used_out, its params
 * keys[0..n) replaced by vals. */
static ir_eqn pruned_eqn(ir_module *m, const ir_eqn *e, const bool *used_in, const bool *used_out,
                         const char *const *keys, pval *const *vals, int n) {
  ir_eqn c = *e;
  c.in = ARENA_ARRAY(&m->arena, ir_atom, e->nin + 1);
  c.out = ARENA_ARRAY(&m->arena, uint32_t, e->nout + 1);
  c.params = ARENA_ARRAY(&m->arena, ir_param, e->nparams + 1);
  c.nin = c.nout = 0;
  for (uint32_t i = 0; i < e->nin; i++)
    if (used_in[i]) c.in[c.nin++] = e->in[i];
  for (uint32_t i = 0; i < e->nout; i++)
    if (used_out[i]) c.out[c.nout++] = e->out[i];
  for (uint16_t k = 0; k < e->nparams; k++) {
    c.params[k] = e->params[k];
    for (int j = 0; j < n; j++)
      if (strcmp(e->params[k].key, keys[j]) == 0) c.params[k].val = vals[j];
  }
  return c;
}

/* dce_jaxpr_pjit_rule for a jit equation some of whose outputs are used
 * (used_out): its body pruned to those outputs and to the inputs they
 * need (_dce_jaxpr_pjit), the equation to match; e itself when that
 * changes nothing (*changed then untouched). Marks the operands used in
 * live[]. */
static ir_eqn dce_jit(ir_module *m, const ir_eqn *e, const bool *used_out, bool *live, bool *changed) {
  ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr");
  bool *used_in = zalloc(e->nin, sizeof *used_in), sub_changed = false;
  ir_jaxpr *sub = dce_body(m, body, used_out, NULL, used_in, &sub_changed);
  ir_eqn c = *e;
  if (sub_changed) {
    static const char *const key[1] = {"jaxpr"};
    pval *val[1] = {pv_jaxpr(m, sub)};
    *changed = true;
    c = pruned_eqn(m, e, used_in, used_out, key, val, 1);
  }
  for (uint32_t i = 0; i < e->nin; i++)
    if (used_in[i] && !ATOM_IS_LIT(e->in[i])) live[ATOM_INDEX(e->in[i])] = true;
  free(used_in);
  return c;
}

/* loops.py _scan_dce_rule for a scan some of whose outputs are used
 * (used_out, updated): the carries kept by a fixed point (a carry whose
 * input the kept body reads stays an output too), the body pruned with
 * the kept carries' invars instantiated; e itself when nothing changes.
 * Marks the operands used in live[]. */
static ir_eqn dce_scan(ir_module *m, const ir_eqn *e, bool *used_out, bool *live, bool *changed) {
  ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr"), *sub = NULL;
  uint32_t nc = (uint32_t)ir_param_int(e, "num_consts", 0), ncarry = (uint32_t)ir_param_int(e, "num_carry", 0);
  bool *inst = zalloc(e->nin, sizeof *inst), *used_in = zalloc(e->nin, sizeof *used_in), sub_changed = false;
  for (uint32_t round = 0; round <= ncarry; round++) {
    for (uint32_t k = 0; k < ncarry; k++) inst[nc + k] = used_out[k];
    sub_changed = false;
    sub = dce_body(m, body, used_out, inst, used_in, &sub_changed);
    bool grew = false;
    for (uint32_t k = 0; k < ncarry; k++)
      if (used_in[nc + k] && !used_out[k]) used_out[k] = grew = true;
    if (!grew) break;
  }
  ir_eqn c = *e;
  if (sub_changed) {
    int64_t uc = 0, uk = 0;
    for (uint32_t i = 0; i < nc + ncarry; i++) *(i < nc ? &uc : &uk) += used_in[i];
    static const char *const keys[] = {"jaxpr", "num_consts", "num_carry"};
    pval *vals[3] = {pv_jaxpr(m, sub), pv_int(m, uc), pv_int(m, uk)};
    c = pruned_eqn(m, e, used_in, used_out, keys, vals, 3);
    *changed = true;
  }
  for (uint32_t i = 0; i < e->nin; i++)
    if (used_in[i] && !ATOM_IS_LIT(e->in[i])) live[ATOM_INDEX(e->in[i])] = true;
  free(used_in);
  free(inst);
  return c;
}

/* Drops, last to first, the equations of j none of whose outputs is live
 * (live[]: the variables used after them, updated with what the kept ones
 * read); a jit equation keeps only its live outputs (dce_jit). Sets
 * *changed when it drops or prunes one. */
static void dce_eqns(ir_module *m, ir_jaxpr *j, bool *live, bool *changed) {
  bool *keep = zalloc(j->neqns, sizeof *keep);
  for (uint32_t k = j->neqns; k-- > 0;) {
    ir_eqn *e = &j->eqns[k];
    bool *used = zalloc(e->nout, sizeof *used);
    for (uint32_t i = 0; i < e->nout; i++) keep[k] |= used[i] = live[e->out[i]];
    if (keep[k] && e->prim == P_jit) *e = dce_jit(m, e, used, live, changed);
    else if (keep[k] && e->prim == P_scan) *e = dce_scan(m, e, used, live, changed);
    else
      for (uint32_t i = 0; keep[k] && i < e->nin; i++)
        if (!ATOM_IS_LIT(e->in[i])) live[ATOM_INDEX(e->in[i])] = true;
    free(used);
  }
  uint32_t n = 0;
  for (uint32_t k = 0; k < j->neqns; k++)
    if (keep[k]) j->eqns[n++] = j->eqns[k];
  *changed |= n != j->neqns;
  j->neqns = n;
  free(keep);
}

/* pe.dce_jaxpr(body, used_out, instantiate=inst): a copy of body with
 * the used outputs, the equations they need and the invars those read
 * (used_in[i] says which), and invar i where inst[i] (inst NULL: none). */
static ir_jaxpr *dce_body(ir_module *m, const ir_jaxpr *body, const bool *used_out, const bool *inst, bool *used_in,
                         bool *changed) {
  ir_jaxpr *c = ir_jaxpr_new(m);
  bool *live = zalloc(m->nvars, sizeof *live);
  c->constvars = body->constvars, c->nconst = body->nconst;
  c->eqns = ARENA_ARRAY(&m->arena, ir_eqn, body->neqns + 1);
  if (body->neqns) memcpy(c->eqns, body->eqns, sizeof *c->eqns * body->neqns); /* NULL when empty */
  c->neqns = c->capeqns = body->neqns;
  c->outs = ARENA_ARRAY(&m->arena, ir_atom, body->nout + 1);
  for (uint32_t i = 0; i < body->nout; i++) {
    if (!used_out[i]) { *changed = true; continue; }
    c->outs[c->nout++] = body->outs[i];
    if (!ATOM_IS_LIT(body->outs[i])) live[ATOM_INDEX(body->outs[i])] = true;
  }
  dce_eqns(m, c, live, changed);
  c->invars = ARENA_ARRAY(&m->arena, uint32_t, body->nin + 1);
  for (uint32_t i = 0; i < body->nin; i++)
    if ((used_in[i] = live[body->invars[i]] || (inst && inst[i]))) c->invars[c->nin++] = body->invars[i];
  *changed |= c->nin != body->nin;
  free(live);
  return c;
}

/* The tangent trace's auto_dce and ad.linearize's pe.dce_jaxpr_consts:
 * linear equations that feed no nonzero output tangent are dropped, and
 * a jit equation keeps only its outputs that do (dce_jit: the jit's
 * residuals that then feed nothing stop being residuals). */
static void dce_linear(ir_module *m, ir_jaxpr *lin, const ir_atom *tout, uint32_t nout) {
  bool *live = zalloc(m->nvars, sizeof *live);
  for (uint32_t i = 0; i < nout; i++)
    if (tout[i] != JVP_ZERO) live[ATOM_INDEX(tout[i])] = true;
  bool changed = false;
  dce_eqns(m, lin, live, &changed);
  free(live);
}

/* Sorts the scratch jaxpr's equations into t->dst (known) and lin->lin
 * (linear), and zeroes the output tangents that are known. */
static bool split(const jvp_target *t, const ir_jaxpr *scratch, const vjp_forced *forced, vjp_linear *lin) {
  ir_module *m = t->m;
  bool *linear = zalloc(m->nvars, sizeof *linear), *force = zalloc(m->nvars, sizeof *force), ok = true;
  for (uint32_t i = 0; i < lin->nin; i++)
    if (lin->tin[i] != JVP_ZERO) linear[ATOM_INDEX(lin->tin[i])] = true;
  for (uint32_t i = 0; i < forced->n; i++) force[forced->vars[i]] = true;
  for (uint32_t k = 0; ok && k < scratch->neqns; k++) {
    const ir_eqn *e = &scratch->eqns[k];
    if (!reads_any(e, linear) && !(e->nout && force[e->out[0]])) { move_eqn(m, t->dst, e); continue; }
    ok = splittable(t, e);
    for (uint32_t i = 0; i < e->nout; i++) linear[e->out[i]] = true;
    move_eqn(m, lin->lin, e);
  }
  for (uint32_t i = 0; i < lin->nout; i++) {
    ir_atom a = lin->tout[i];
    if (a != JVP_ZERO && (ATOM_IS_LIT(a) || !linear[ATOM_INDEX(a)])) lin->tout[i] = JVP_ZERO;
  }
  free(force);
  free(linear);
  return ok;
}

void vjp_force_linear(const jvp_target *t, ir_atom a) {
  vjp_forced *f = t->forced;
  if (!f || ATOM_IS_LIT(a)) return;
  if (f->n == f->cap) {
    f->cap = f->cap ? 2 * f->cap : 8;
    f->vars = realloc(f->vars, sizeof *f->vars * f->cap);
    if (!f->vars) TJ_OOM();
  }
  f->vars[f->n++] = ATOM_INDEX(a);
}

static int linearize_jit(const jvp_target *t, const ir_eqn *e, const ir_atom *p, const ir_atom *dt, ir_atom *po,
                         ir_atom *to);

bool vjp_linearize(const jvp_target *t, const ir_jaxpr *src, const ir_atom *primals, const bool *nonzero,
                   ir_atom *out_p, vjp_linear *lin) {
  ir_module *m = t->m;
  *lin = (vjp_linear){.lin = ir_jaxpr_new(m), .nin = src->nin, .nout = src->nout};
  lin->tin = ARENA_ARRAY(&m->arena, ir_atom, src->nin + 1);
  lin->tout = ARENA_ARRAY(&m->arena, ir_atom, src->nout + 1);
  for (uint32_t i = 0; i < src->nin; i++) {
    tj_aval a = ir_atom_aval(m, primals[i]);
    lin->tin[i] = nonzero[i] ? ATOM_VAR(ir_new_var(m, &a)) : JVP_ZERO;
  }
  vjp_forced forced = {0};
  jvp_target scratch = *t;
  scratch.dst = ir_jaxpr_new(m);
  scratch.hook = linearize_jit;
  scratch.forced = &forced;
  bool ok = jvp_replay(&scratch, src, primals, lin->tin, out_p, lin->tout) && split(t, scratch.dst, &forced, lin);
  free(forced.vars);
  if (ok) dce_linear(m, lin->lin, lin->tout, lin->nout);
  return ok;
}

/* ---- the backward pass ---- */

typedef struct accums {
  const jvp_target *t;
  ir_atom *ct;       /* per variable of the linear jaxpr: its cotangent so far */
  bool *linear;      /* per variable: defined by the linear jaxpr */
  uint32_t nvars;    /* variables at the start (later ones are cotangents) */
  tj_span span;
  bool failed;
} accums;

/* ValAccum.accum: add_tangents(val, x), add_any of two nonzero. */
static void accum(accums *a, uint32_t var, ir_atom x) {
  if (x == JVP_ZERO || a->failed) return;
  if (a->ct[var] == JVP_ZERO) { a->ct[var] = x; return; }
  ir_atom in[2] = {a->ct[var], x};
  ir_eqn_desc d = {.prim = P_add_any, .in = in, .nin = 2, .nout = 1, .span = a->span};
  ir_eqn *e = ir_build(a->t->m, a->t->dst, &d, a->t->diags);
  if (!e) { a->failed = true; return; }
  (*a->t->neqns)++;
  a->ct[var] = ATOM_VAR(e->out[0]);
}

/* One linear equation: its outputs' cotangents popped, its rule run, its
 * linear operands' cotangents accumulated. */
static bool transpose_one(accums *a, const ir_eqn *e) {
  uint32_t n = e->nin ? e->nin : 1, no = e->nout ? e->nout : 1;
  ir_atom *ct = zalloc(no + n, sizeof *ct), *cin = ct + no;
  bool *undef = zalloc(n, sizeof *undef), any = false, ok = true;
  for (uint32_t i = 0; i < e->nout; i++) {
    ct[i] = a->ct[e->out[i]];
    a->ct[e->out[i]] = JVP_ZERO;
    any |= ct[i] != JVP_ZERO;
  }
  for (uint32_t i = 0; i < e->nin; i++) {
    undef[i] = !ATOM_IS_LIT(e->in[i]) && ATOM_INDEX(e->in[i]) < a->nvars && a->linear[ATOM_INDEX(e->in[i])];
    cin[i] = JVP_ZERO;
  }
  if (any) {  /* a zero cotangent transposes to zeros, with no equations */
    tq q = {.b = {a->t, e->span, false}, .e = e, .ct = ct, .undef = undef, .cin = cin};
    ok = transpose_eqn(&q);
    for (uint32_t i = 0; ok && i < e->nin; i++)
      if (undef[i]) accum(a, ATOM_INDEX(e->in[i]), cin[i]);
  }
  free(undef);
  free(ct);
  return ok && !a->failed;
}

/* backward_pass3's forward sweep: an equation that reads no linear
 * variable (the zeros a scan's linearization instantiates) is bound
 * again, in order, before any is transposed; the others are marked
 * linear, their outputs too. Returns whether each equation is linear. */
static bool *forward_sweep(accums *a, const ir_jaxpr *lin) {
  bool *is_lin = zalloc(lin->neqns, sizeof *is_lin);
  for (uint32_t k = 0; k < lin->neqns; k++) {
    const ir_eqn *e = &lin->eqns[k];
    if (!(is_lin[k] = reads_any(e, a->linear))) {
      if (*a->t->neqns >= a->t->max_eqns) {
        a->failed = !diag_error(a->t->diags, a->t->m->src, e->span, "too many equations (limit is %u) in "
                                "function '%s'", a->t->max_eqns, a->t->fn_name);
        break;
      }
      move_eqn(a->t->m, a->t->dst, e);
      (*a->t->neqns)++;
      continue;
    }
    for (uint32_t i = 0; i < e->nout; i++) a->linear[e->out[i]] = true;
  }
  return is_lin;
}

bool vjp_backward(const jvp_target *t, const vjp_linear *lin, const ir_atom *cts, tj_span span, ir_atom *grads) {
  return vjp_backward_seeded(t, lin, cts, NULL, span, grads);
}

bool vjp_backward_seeded(const jvp_target *t, const vjp_linear *lin, const ir_atom *cts, const ir_atom *seeds,
                         tj_span span, ir_atom *grads) {
  ir_module *m = t->m;
  accums a = {t, zalloc(m->nvars, sizeof *a.ct), zalloc(m->nvars, sizeof *a.linear), m->nvars, span, false};
  for (uint32_t v = 0; v < m->nvars; v++) a.ct[v] = JVP_ZERO;
  for (uint32_t i = 0; i < lin->nin; i++)
    if (lin->tin[i] != JVP_ZERO) {
      a.linear[ATOM_INDEX(lin->tin[i])] = true;
      if (seeds) a.ct[ATOM_INDEX(lin->tin[i])] = seeds[i];
    }
  bool *is_lin = forward_sweep(&a, lin->lin);
  for (uint32_t i = 0; i < lin->nout; i++)
    if (lin->tout[i] != JVP_ZERO) accum(&a, ATOM_INDEX(lin->tout[i]), cts[i]);
  bool ok = !a.failed;
  for (uint32_t k = lin->lin->neqns; ok && k-- > 0;)
    if (is_lin[k]) ok = transpose_one(&a, &lin->lin->eqns[k]);
  free(is_lin);
  for (uint32_t i = 0; ok && i < lin->nin; i++)
    grads[i] = lin->tin[i] == JVP_ZERO ? JVP_ZERO : a.ct[ATOM_INDEX(lin->tin[i])];
  free(a.ct);
  free(a.linear);
  return ok;
}

/* ---- jit: pjit.py _pjit_linearize over ad.linearize_jaxpr ---- */

/* The known variables the linear equations read, in the order they first
 * read them: the tangent trace's consts. */
static uint32_t residuals(ir_module *m, const vjp_linear *lin, uint32_t *res) {
  bool *linear = zalloc(m->nvars, sizeof *linear), *seen = zalloc(m->nvars, sizeof *seen);
  for (uint32_t i = 0; i < lin->nin; i++)
    if (lin->tin[i] != JVP_ZERO) linear[ATOM_INDEX(lin->tin[i])] = true;
  uint32_t n = 0;
  for (uint32_t k = 0; k < lin->lin->neqns; k++) {
    const ir_eqn *e = &lin->lin->eqns[k];
    for (uint32_t i = 0; i < e->nin; i++) {
      if (ATOM_IS_LIT(e->in[i])) continue;
      uint32_t v = ATOM_INDEX(e->in[i]);
      if (!linear[v] && !seen[v]) seen[v] = true, res[n++] = v;
    }
    for (uint32_t i = 0; i < e->nout; i++) linear[e->out[i]] = true;
  }
  free(seen);
  free(linear);
  return n;
}

/* pe.dce_jaxpr with every output used (linearize_jaxpr's _dce_consts of
 * the primal jaxpr): the equations none of whose outputs reaches one
 * dropped, jit equations pruned to their used outputs. */
static void dce_all_outputs(ir_module *m, ir_jaxpr *j) {
  bool *live = zalloc(m->nvars, sizeof *live);
  for (uint32_t i = 0; i < j->nout; i++)
    if (!ATOM_IS_LIT(j->outs[i])) live[ATOM_INDEX(j->outs[i])] = true;
  bool changed = false;
  dce_eqns(m, j, live, &changed);
  free(live);
}

static ir_atom renamed(const uint32_t *map, ir_atom a) {
  return !ATOM_IS_LIT(a) && map[ATOM_INDEX(a)] != UINT32_MAX ? ATOM_VAR(map[ATOM_INDEX(a)]) : a;
}

/* A copy of src's equations into j, each operand that map[] renames (a
 * variable index; UINT32_MAX: kept) replaced. */
static void copy_renamed(ir_module *m, ir_jaxpr *j, const ir_jaxpr *src, const uint32_t *map) {
  for (uint32_t k = 0; k < src->neqns; k++) {
    const ir_eqn *e = &src->eqns[k];
    ir_eqn *c = ir_add_eqn(m, j, e->prim, e->nin, e->nout, e->nparams, e->span);
    for (uint32_t i = 0; i < e->nin; i++) c->in[i] = renamed(map, e->in[i]);
    memcpy(c->out, e->out, sizeof *c->out * e->nout);
    if (e->nparams) memcpy(c->params, e->params, sizeof *c->params * e->nparams);
  }
}

/* The tangent jaxpr: fresh invars for the residuals, then the nonzero
 * tangents; the linear equations reading the fresh residuals; outputs
 * tout's nonzero ones (a residual output renamed too). */
static ir_jaxpr *tangent_jaxpr(ir_module *m, const vjp_linear *lin, const ir_atom *tout, const uint32_t *res,
                               uint32_t nres) {
  ir_jaxpr *tj = ir_jaxpr_new(m);
  uint32_t *map = malloc(sizeof *map * (m->nvars + nres + 1));
  if (!map) TJ_OOM();
  for (uint32_t v = 0; v < m->nvars + nres + 1; v++) map[v] = UINT32_MAX;
  uint32_t nt = 0;
  for (uint32_t i = 0; i < lin->nin; i++) nt += lin->tin[i] != JVP_ZERO;
  tj->invars = ARENA_ARRAY(&m->arena, uint32_t, nres + nt + 1);
  for (uint32_t r = 0; r < nres; r++) {
    tj_aval a = m->vars[res[r]];
    map[res[r]] = tj->invars[tj->nin++] = ir_new_var(m, &a);
  }
  for (uint32_t i = 0; i < lin->nin; i++)
    if (lin->tin[i] != JVP_ZERO) tj->invars[tj->nin++] = ATOM_INDEX(lin->tin[i]);
  copy_renamed(m, tj, lin->lin, map);
  ir_atom *outs = ARENA_ARRAY(&m->arena, ir_atom, lin->nout + 1);
  uint32_t n = 0;
  for (uint32_t i = 0; i < lin->nout; i++)
    if (tout[i] != JVP_ZERO) outs[n++] = renamed(map, tout[i]);
  tj->outs = outs, tj->nout = n;
  free(map);
  return tj;
}

vjp_linear vjp_linear_captured(ir_module *m, const vjp_linear *lin, ir_atom (*capture)(void *ctx, uint32_t var),
                               void *ctx) {
  uint32_t *res = malloc(sizeof *res * (m->nvars + 1)), *map = malloc(sizeof *map * (m->nvars + 1));
  if (!res || !map) TJ_OOM();
  for (uint32_t v = 0; v < m->nvars; v++) map[v] = UINT32_MAX;
  uint32_t nres = residuals(m, lin, res);
  for (uint32_t r = 0; r < nres; r++) map[res[r]] = ATOM_INDEX(capture(ctx, res[r]));
  vjp_linear out = *lin;
  out.lin = ir_jaxpr_new(m);
  copy_renamed(m, out.lin, lin->lin, map);
  free(res);
  free(map);
  return out;
}

/* _linearize_jaxpr's instantiate_zeros of the output tangents asked for:
 * the zeros are bound on known values, so LinearizeTrace records them in
 * the primal jaxpr and, a scalar's being a literal, the others become
 * residuals after those the linear equations read. */
static bool instantiate_outputs(const jvp_target *t, ir_jaxpr *pj, const bool *inst, ir_atom *tout, uint32_t nout,
                                tj_span span, uint32_t *res, uint32_t *nres) {
  jvp_target at = *t;
  at.dst = pj;
  for (uint32_t i = 0; inst && i < nout; i++) {
    if (!inst[i] || tout[i] != JVP_ZERO) continue;
    tj_aval a = ir_atom_aval(t->m, pj->outs[i]);
    if (!jvp_zeros(&at, &a, span, &tout[i])) return false;
    if (!ATOM_IS_LIT(tout[i])) res[(*nres)++] = ATOM_INDEX(tout[i]);
  }
  return true;
}

bool vjp_linearize_jaxpr(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, const bool *instantiate,
                         bool allow_fwds, tj_span span, lin_jaxpr *out) {
  bool *fwds = zalloc(src->nin, sizeof *fwds);
  for (uint32_t i = 0; i < src->nin; i++) fwds[i] = allow_fwds;
  bool ok = vjp_linearize_jaxpr_fwds(t, src, nonzero, instantiate, fwds, span, out);
  free(fwds);
  return ok;
}

bool vjp_linearize_jaxpr_fwds(const jvp_target *t, const ir_jaxpr *src, const bool *nonzero, const bool *instantiate,
                              const bool *allow_fwds, tj_span span, lin_jaxpr *out) {
  ir_module *m = t->m;
  ir_jaxpr *pj = ir_jaxpr_new(m);
  pj->constvars = src->constvars, pj->nconst = src->nconst;
  pj->invars = ARENA_ARRAY(&m->arena, uint32_t, src->nin + 1);
  ir_atom *pin = ARENA_ARRAY(&m->arena, ir_atom, src->nin + 1);
  for (uint32_t i = 0; i < src->nin; i++) {
    tj_aval a = m->vars[src->invars[i]];
    pj->invars[pj->nin++] = ir_new_var(m, &a);
    pin[i] = ATOM_VAR(pj->invars[i]);
  }
  jvp_target inner = *t;
  inner.dst = pj;
  vjp_linear lin;
  ir_atom *op = ARENA_ARRAY(&m->arena, ir_atom, src->nout + 1);
  if (!vjp_linearize(&inner, src, pin, nonzero, op, &lin)) return false;
  pj->outs = op, pj->nout = src->nout;
  ir_atom *tout = ARENA_ARRAY(&m->arena, ir_atom, src->nout + 1);
  memcpy(tout, lin.tout, sizeof *tout * src->nout);
  uint32_t *res = zalloc(m->nvars + src->nout + 1, sizeof *res), nres = residuals(m, &lin, res);
  bool ok = instantiate_outputs(t, pj, instantiate, tout, src->nout, span, res, &nres);
  out->nres = nres;
  out->res_fwd = ARENA_ARRAY(&m->arena, int32_t, nres + 1);
  ir_atom *outs = ARENA_ARRAY(&m->arena, ir_atom, src->nout + nres + 1);
  memcpy(outs, op, sizeof *outs * src->nout);
  uint32_t n = src->nout;
  for (uint32_t r = 0; ok && r < nres; r++) {
    out->res_fwd[r] = -1; /* a constvar (a hoisted array) is output: the caller has no variable of it */
    for (uint32_t i = 0; i < src->nin; i++)
      if (allow_fwds[i] && pj->invars[i] == res[r]) out->res_fwd[r] = (int32_t)i;
    if (out->res_fwd[r] < 0) outs[n++] = ATOM_VAR(res[r]);
  }
  pj->outs = outs, pj->nout = n;
  if (ok) {
    dce_all_outputs(m, pj);
    out->primal = pj;
    out->tangent = tangent_jaxpr(m, &lin, tout, res, nres);
    out->nz_out = ARENA_ARRAY(&m->arena, bool, src->nout + 1);
    for (uint32_t i = 0; i < src->nout; i++) out->nz_out[i] = tout[i] != JVP_ZERO;
  }
  free(res);
  return ok;
}

static ir_eqn *jit_eqn(const jvp_target *t, const ir_eqn *e, ir_jaxpr *body, const ir_atom *in, uint32_t nin) {
  ir_module *m = t->m;
  tj_aval *hint = zalloc(body->nout, sizeof *hint);
  for (uint32_t i = 0; i < body->nout; i++) hint[i] = ir_atom_aval(m, body->outs[i]);
  ir_param ps[2] = {{"name", (pval *)ir_param_get(e, "name")}, {"jaxpr", pv_jaxpr(m, body)}};
  ir_eqn_desc d = {.prim = P_jit, .in = in, .nin = nin, .params = ps, .nparams = 2, .nout = body->nout,
                   .hint = hint, .span = e->span};
  ir_eqn *r = *t->neqns < t->max_eqns ? ir_build(m, t->dst, &d, t->diags) : NULL;
  if (r) (*t->neqns)++;
  else if (*t->neqns >= t->max_eqns)
    diag_error(t->diags, m->src, e->span, "too many equations (limit is %u) in function '%s'", t->max_eqns, t->fn_name);
  free(hint);
  return r;
}

/* _pjit_linearize's pruning of the primal jit's outputs: the primal
 * outputs that are its inputs (in_fwd), the residuals that are primal
 * outputs (out_fwd). keep[] says which outputs stay; fwd[] where the
 * others come from (an input index, or nout + the primal output). */
static void prune_forwarded(ir_jaxpr *pj, uint32_t nout, bool *keep, int64_t *fwd) {
  for (uint32_t k = 0; k < pj->nout; k++) {
    keep[k] = true, fwd[k] = -1;
    ir_atom a = pj->outs[k];
    if (ATOM_IS_LIT(a)) continue;
    if (k < nout) {
      for (uint32_t i = 0; i < pj->nin; i++)
        if (pj->invars[i] == ATOM_INDEX(a)) keep[k] = false, fwd[k] = i;
    } else {
      for (uint32_t i = 0; i < nout; i++) /* the last such output, as idx_map keeps it */
        if (keep[i] && pj->outs[i] == a) keep[k] = false, fwd[k] = pj->nin + i;
    }
  }
  uint32_t n = 0;
  for (uint32_t k = 0; k < pj->nout; k++)
    if (keep[k]) pj->outs[n++] = pj->outs[k];
  pj->nout = n;
}

/* ---- the memo of jit bodies' linearizations and transposes ---- */

typedef struct vjp_memo {
  int kind;
  const ir_jaxpr *src;
  bool *pat;
  uint32_t n;
  void *value;
  struct vjp_memo *next;
} vjp_memo;

void *vjp_memo_find(const jvp_target *t, int kind, const ir_jaxpr *src, const bool *pat, uint32_t n) {
  for (const vjp_memo *c = t->vjp_memo ? *t->vjp_memo : NULL; c; c = c->next)
    if (c->kind == kind && c->src == src && c->n == n && memcmp(c->pat, pat, sizeof *pat * n) == 0) return c->value;
  return NULL;
}

void vjp_memo_add(const jvp_target *t, int kind, const ir_jaxpr *src, const bool *pat, uint32_t n, void *value) {
  if (!t->vjp_memo) return;
  vjp_memo *c = ARENA_NEW(&t->m->arena, vjp_memo);
  bool *copy = ARENA_ARRAY(&t->m->arena, bool, n + 1);
  memcpy(copy, pat, sizeof *pat * n);
  *c = (vjp_memo){kind, src, copy, n, value, *t->vjp_memo};
  *t->vjp_memo = c;
}

/* A jit body's linearization with _pjit_linearize's pruning: shared per
 * (body, nonzero tangents), as linearize_jaxpr's and
 * prune_closed_jaxpr_outputs' caches share them. */
typedef struct jit_lin {
  lin_jaxpr lj;
  bool *keep;
  int64_t *fwd;
  uint32_t nall;
} jit_lin;

static jit_lin *jit_linearization(const jvp_target *t, const ir_eqn *e, const ir_atom *dt) {
  ir_jaxpr *body = ir_param_jaxpr(e, "jaxpr");
  bool *nz = zalloc(e->nin, sizeof *nz);
  for (uint32_t i = 0; i < e->nin; i++) nz[i] = dt[i] != JVP_ZERO;
  jit_lin *jl = vjp_memo_find(t, MEMO_LINEARIZE_JIT, body, nz, e->nin);
  if (!jl) {
    jl = ARENA_NEW(&t->m->arena, jit_lin);
    if (vjp_linearize_jaxpr(t, body, nz, NULL, true, e->span, &jl->lj)) {
      jl->nall = jl->lj.primal->nout;
      jl->keep = ARENA_ARRAY(&t->m->arena, bool, jl->nall + 1);
      jl->fwd = ARENA_ARRAY(&t->m->arena, int64_t, jl->nall + 1);
      prune_forwarded(jl->lj.primal, body->nout, jl->keep, jl->fwd);
      vjp_memo_add(t, MEMO_LINEARIZE_JIT, body, nz, e->nin, jl);
    } else {
      jl = NULL;
    }
  }
  free(nz);
  return jl;
}

/* The jit's linearization rule: a jit of the primal jaxpr on the primals,
 * recorded as known, and a jit of the tangent jaxpr on the residuals and
 * the nonzero tangents, linear. */
static int linearize_jit(const jvp_target *t, const ir_eqn *e, const ir_atom *p, const ir_atom *dt, ir_atom *po,
                         ir_atom *to) {
  if (e->prim == P_cond) return vjp_linearize_cond(t, e, p, dt, po, to);
  if (e->prim == P_scan) return vjp_linearize_scan(t, e, p, dt, po, to);
  if (e->prim != P_jit) return -1;
  const jit_lin *jl = jit_linearization(t, e, dt);
  if (!jl) return 0;
  const lin_jaxpr *lj = &jl->lj;
  uint32_t nout = ir_param_jaxpr(e, "jaxpr")->nout, nall = jl->nall, npin = lj->primal->nin;
  ir_atom *all = zalloc(nall + lj->nres, sizeof *all);
  ir_eqn *pe = jit_eqn(t, e, lj->primal, p, e->nin);
  bool ok = pe != NULL;
  for (uint32_t k = 0, j = 0; ok && k < nall; k++) all[k] = jl->keep[k] ? ATOM_VAR(pe->out[j++]) : JVP_ZERO;
  for (uint32_t k = 0; ok && k < nall; k++)
    if (!jl->keep[k]) all[k] = jl->fwd[k] < (int64_t)npin ? p[jl->fwd[k]] : all[jl->fwd[k] - npin];
  /* the residuals, in the tangent jaxpr's order: forwarded inputs, or the
   * primal jit's residual outputs in turn */
  ir_atom *in = zalloc(lj->nres + e->nin, sizeof *in);
  uint32_t nin = 0, next = nout;
  for (uint32_t r = 0; ok && r < lj->nres; r++)
    in[nin++] = lj->res_fwd[r] >= 0 ? p[lj->res_fwd[r]] : all[next++];
  for (uint32_t i = 0; i < e->nin; i++)
    if (dt[i] != JVP_ZERO) in[nin++] = dt[i];
  ir_eqn *te = ok ? jit_eqn(t, e, lj->tangent, in, nin) : NULL;
  ok = te != NULL;
  for (uint32_t i = 0, j = 0; ok && i < nout; i++) {
    po[i] = all[i];
    to[i] = lj->nz_out[i] ? ATOM_VAR(te->out[j++]) : JVP_ZERO;
  }
  free(in);
  free(all);
  return ok;
}

/* ---- api.py _lift_linearized: the linear equations on new tangents ---- */

bool vjp_apply_linear(const jvp_target *t, const vjp_linear *lin, const ir_atom *tangents, ir_atom *outs) {
  ir_module *m = t->m;
  uint32_t nvars = m->nvars;
  uint32_t *map = malloc(sizeof *map * (nvars + 1));
  if (!map) TJ_OOM();
  for (uint32_t v = 0; v < nvars; v++) map[v] = UINT32_MAX;
  bool ok = true;
  for (uint32_t i = 0; i < lin->nin; i++)
    if (lin->tin[i] != JVP_ZERO && !ATOM_IS_LIT(tangents[i])) map[ATOM_INDEX(lin->tin[i])] = ATOM_INDEX(tangents[i]);
  for (uint32_t k = 0; ok && k < lin->lin->neqns; k++) {
    const ir_eqn *e = &lin->lin->eqns[k];
    if (*t->neqns >= t->max_eqns) {
      ok = diag_error(t->diags, m->src, e->span, "too many equations (limit is %u) in function '%s'", t->max_eqns,
                      t->fn_name);
      break;
    }
    ir_eqn *c = ir_add_eqn(m, t->dst, e->prim, e->nin, e->nout, e->nparams, e->span);
    (*t->neqns)++;
    for (uint32_t i = 0; i < e->nin; i++) {
      ir_atom a = e->in[i];
      c->in[i] = !ATOM_IS_LIT(a) && ATOM_INDEX(a) < nvars && map[ATOM_INDEX(a)] != UINT32_MAX
                     ? ATOM_VAR(map[ATOM_INDEX(a)])
                     : a;
      for (uint32_t j = 0; j < lin->nin; j++) /* a literal tangent stands for its variable */
        if (a == lin->tin[j] && ATOM_IS_LIT(tangents[j])) c->in[i] = tangents[j];
    }
    for (uint32_t i = 0; i < e->nout; i++) {
      tj_aval av = m->vars[e->out[i]];
      c->out[i] = ir_new_var(m, &av);
      if (e->out[i] < nvars) map[e->out[i]] = c->out[i];
    }
    if (e->nparams) memcpy(c->params, e->params, sizeof *c->params * e->nparams);
  }
  for (uint32_t i = 0; ok && i < lin->nout; i++) {
    ir_atom a = lin->tout[i];
    outs[i] = a == JVP_ZERO ? JVP_ZERO
              : ATOM_INDEX(a) < nvars && map[ATOM_INDEX(a)] != UINT32_MAX ? ATOM_VAR(map[ATOM_INDEX(a)]) : a;
    for (uint32_t j = 0; j < lin->nin; j++)
      if (a != JVP_ZERO && a == lin->tin[j]) outs[i] = tangents[j];
  }
  free(map);
  return ok;
}
