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

/* The equations with sub-jaxprs that the JVP rules make whole (a jit of
 * the JVP of its body) hold primal and tangent outputs together: JAX
 * splits them with their own linearization rules (pjit.py
 * _pjit_linearize, the control-flow partial-eval rules), not yet here. */
static bool splittable(const jvp_target *t, const ir_eqn *e) {
  for (uint16_t i = 0; i < e->nparams; i++)
    if (ir_pval_njaxprs(e->params[i].val))
      return !diag_error(t->diags, t->m->src, e->span,
                         "NotImplementedError: reverse-mode differentiation of '%s' is not supported yet "
                         "(forward mode, jvp, is)", prims[e->prim].name);
  return true;
}

/* The tangent trace's auto_dce: linear equations that feed no nonzero
 * output tangent are dropped (pe.dce_jaxpr_consts). */
static void dce_linear(ir_module *m, ir_jaxpr *lin, const ir_atom *tout, uint32_t nout) {
  bool *live = zalloc(m->nvars, sizeof *live);
  for (uint32_t i = 0; i < nout; i++)
    if (tout[i] != JVP_ZERO) live[ATOM_INDEX(tout[i])] = true;
  bool *keep = zalloc(lin->neqns, sizeof *keep);
  for (uint32_t k = lin->neqns; k-- > 0;) {
    const ir_eqn *e = &lin->eqns[k];
    for (uint32_t i = 0; i < e->nout; i++) keep[k] |= live[e->out[i]];
    for (uint32_t i = 0; keep[k] && i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i])) live[ATOM_INDEX(e->in[i])] = true;
  }
  uint32_t n = 0;
  for (uint32_t k = 0; k < lin->neqns; k++)
    if (keep[k]) lin->eqns[n++] = lin->eqns[k];
  lin->neqns = n;
  free(keep);
  free(live);
}

/* Sorts the scratch jaxpr's equations into t->dst (known) and lin->lin
 * (linear), and zeroes the output tangents that are known. */
static bool split(const jvp_target *t, const ir_jaxpr *scratch, vjp_linear *lin) {
  ir_module *m = t->m;
  bool *linear = zalloc(m->nvars, sizeof *linear), ok = true;
  for (uint32_t i = 0; i < lin->nin; i++)
    if (lin->tin[i] != JVP_ZERO) linear[ATOM_INDEX(lin->tin[i])] = true;
  for (uint32_t k = 0; ok && k < scratch->neqns; k++) {
    const ir_eqn *e = &scratch->eqns[k];
    if (!reads_any(e, linear)) { move_eqn(m, t->dst, e); continue; }
    ok = splittable(t, e);
    for (uint32_t i = 0; i < e->nout; i++) linear[e->out[i]] = true;
    move_eqn(m, lin->lin, e);
  }
  for (uint32_t i = 0; i < lin->nout; i++) {
    ir_atom a = lin->tout[i];
    if (a != JVP_ZERO && (ATOM_IS_LIT(a) || !linear[ATOM_INDEX(a)])) lin->tout[i] = JVP_ZERO;
  }
  free(linear);
  return ok;
}

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
  jvp_target scratch = *t;
  scratch.dst = ir_jaxpr_new(m);
  if (!jvp_replay(&scratch, src, primals, lin->tin, out_p, lin->tout)) return false;
  if (!split(t, scratch.dst, lin)) return false;
  dce_linear(m, lin->lin, lin->tout, lin->nout);
  return true;
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
    tq q = {.t = a->t, .e = e, .ct = ct, .undef = undef, .cin = cin};
    ok = transpose_eqn(&q);
    for (uint32_t i = 0; ok && i < e->nin; i++)
      if (undef[i]) accum(a, ATOM_INDEX(e->in[i]), cin[i]);
  }
  free(undef);
  free(ct);
  return ok && !a->failed;
}

bool vjp_backward(const jvp_target *t, const vjp_linear *lin, const ir_atom *cts, tj_span span, ir_atom *grads) {
  ir_module *m = t->m;
  accums a = {t, zalloc(m->nvars, sizeof *a.ct), zalloc(m->nvars, sizeof *a.linear), m->nvars, span, false};
  for (uint32_t v = 0; v < m->nvars; v++) a.ct[v] = JVP_ZERO;
  for (uint32_t i = 0; i < lin->nin; i++)
    if (lin->tin[i] != JVP_ZERO) a.linear[ATOM_INDEX(lin->tin[i])] = true;
  for (uint32_t k = 0; k < lin->lin->neqns; k++)
    for (uint32_t i = 0; i < lin->lin->eqns[k].nout; i++) a.linear[lin->lin->eqns[k].out[i]] = true;
  for (uint32_t i = 0; i < lin->nout; i++)
    if (lin->tout[i] != JVP_ZERO) accum(&a, ATOM_INDEX(lin->tout[i]), cts[i]);
  bool ok = !a.failed;
  for (uint32_t k = lin->lin->neqns; ok && k-- > 0;) ok = transpose_one(&a, &lin->lin->eqns[k]);
  for (uint32_t i = 0; ok && i < lin->nin; i++)
    grads[i] = lin->tin[i] == JVP_ZERO ? JVP_ZERO : a.ct[ATOM_INDEX(lin->tin[i])];
  free(a.ct);
  free(a.linear);
  return ok;
}
