/* The pass pipeline (see pass.h): the table of passes, the walk over a
 * module's jaxprs, and the passes work, dce and fuse. */
#include "pass.h"
#include "ir_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prims.h"
#include "print.h"
#include "util.h"

typedef void pass_fn(ir_module *m, pass_facts *f);

static const struct pass_row {
  const char *name;
  pass_fn *run;
} passes[PASS_COUNT] = {
#define X(name, what) [PASS_##name] = {#name, pass_##name},
    TJ_PASSES(X)
#undef X
};

const char *tj_pass_name(int i) { return i >= 0 && i < PASS_COUNT ? passes[i].name : NULL; }

/* ---- the jaxprs of a module ---- */

/* Appends j and every jaxpr reachable from it through its equations'
 * params (parents first), each once, to out[*n]. */
static void collect(ir_module *m, ir_jaxpr *j, bool *seen, ir_jaxpr **out, uint32_t *n) {
  if (j->id >= m->njaxprs || seen[j->id]) return;
  seen[j->id] = true;
  out[(*n)++] = j;
  for (uint32_t k = 0; k < j->neqns; k++)
    for (int p = 0; p < j->eqns[k].nparams; p++) {
      const pval *v = j->eqns[k].params[p].val;
      for (int i = 0; i < ir_pval_njaxprs(v); i++) collect(m, ir_pval_jaxpr(v, i), seen, out, n);
    }
}

ir_jaxpr **pass_reachable(ir_module *m, uint32_t *n) {
  bool *seen = calloc(m->njaxprs + 1u, sizeof *seen);
  ir_jaxpr **out = malloc((m->njaxprs + 1u) * sizeof *out);
  if (!seen || !out) TJ_OOM();
  *n = 0;
  collect(m, m->top, seen, out, n);
  free(seen);
  return out;
}

/* ---- work ---- */

/* Measures every jaxpr now: work_jaxpr remembers each by id, so the
 * charges the C backend asks for later are the traced program's even
 * after dce has removed equations (the evaluator charges those too). */
void pass_work(ir_module *m, pass_facts *f) {
  uint32_t n;
  ir_jaxpr **js = pass_reachable(m, &n);
  f->work = work_new(m);
  for (uint32_t i = 0; i < n; i++) work_jaxpr(&f->work, js[i]);
  free(js);
}

/* ---- dce ---- */

/* Removes j's equations none of whose outputs j's outputs need. What is
 * never removed: j's constvars, invars and outs (its interface: a shared
 * jaxpr, a cond's branches and the top level's in[] and out[] must keep
 * theirs), and an equation with a needed output keeps all its outputs.
 * No primitive has an effect (no I/O, no callbacks; prims.def), so a dead
 * equation is removed whatever it is, a loop included: its failures (the
 * work budget, memory) are those of a run that never needed it; JAX's
 * dce_jaxpr keeps only effectful ones. needed[] is all false on entry and
 * on return. */
static void dce_jaxpr(ir_jaxpr *j, bool *needed) {
  bool *live = malloc(j->neqns + 1u);
  if (!live) TJ_OOM();
  for (uint32_t k = 0; k < j->nout; k++)
    if (!ATOM_IS_LIT(j->outs[k])) needed[ATOM_INDEX(j->outs[k])] = true;
  for (uint32_t k = j->neqns; k-- > 0;) {
    const ir_eqn *e = &j->eqns[k];
    live[k] = false;
    for (uint32_t o = 0; o < e->nout && !live[k]; o++) live[k] = needed[e->out[o]];
    for (uint32_t i = 0; live[k] && i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i])) needed[ATOM_INDEX(e->in[i])] = true;
  }
  uint32_t kept = 0;
  for (uint32_t k = 0; k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    for (uint32_t i = 0; i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i])) needed[ATOM_INDEX(e->in[i])] = false;
    for (uint32_t o = 0; o < e->nout; o++) needed[e->out[o]] = false;
    if (live[k]) j->eqns[kept++] = *e;
  }
  for (uint32_t k = 0; k < j->nout; k++)
    if (!ATOM_IS_LIT(j->outs[k])) needed[ATOM_INDEX(j->outs[k])] = false;
  j->neqns = kept;
  free(live);
}

/* Every jaxpr on its own: what its outputs need, whoever calls it (the C
 * backend removed the same equations when it emitted each jaxpr). */
void pass_dce(ir_module *m, pass_facts *f) {
  (void)f;
  uint32_t n;
  ir_jaxpr **js = pass_reachable(m, &n);
  bool *needed = calloc(m->nvars + 1u, sizeof *needed);
  if (!needed) TJ_OOM();
  for (uint32_t i = 0; i < n; i++) dce_jaxpr(js[i], needed);
  free(needed);
  free(js);
}

/* ---- fuse: a run of elementwise equations of one shape, one loop, and
 * the reductions of its values (sinks) ---- */

#define NONE UINT32_MAX   /* def[] of a variable no equation of j defines */

static bool elementwise(const ir_eqn *e) {
  return (prims[e->prim].flags & PF_ELEMENTWISE) || e->prim == P_broadcast_in_dim;
}

static bool fusible(const ir_module *m, const ir_eqn *e) { return elementwise(e) && m->vars[e->out[0]].rank > 0; }

/* Whether equation h belongs to the loop that starts at `first`. */
static bool member(const ir_module *m, const ir_jaxpr *j, uint32_t first, uint32_t h) {
  return fusible(m, &j->eqns[h]) && aval_same_shape(&m->vars[j->eqns[h].out[0]], &m->vars[j->eqns[first].out[0]]);
}

/* An equation inside a run that reads nothing the run computes (a weak
 * scalar's convert, a parameter's broadcast to [1,n], jax.random.uniform's
 * maxval - minval on [1]) runs before the run's loop rather than ending
 * the run. def[v]: the equation of j that defines v. */
static bool hoistable(const ir_module *m, const ir_jaxpr *j, const uint32_t *def, uint32_t first, uint32_t h) {
  const ir_eqn *e = &j->eqns[h];
  if (elementwise(e) && m->vars[e->out[0]].rank == 0) return true; /* reads rank-0 values only */
  bool one = (prims[e->prim].flags & PF_ELEMENTWISE) && aval_size(&m->vars[e->out[0]]) == 1;
  if (!one && e->prim != P_broadcast_in_dim && e->prim != P_reshape && e->prim != P_squeeze) return false;
  if (e->prim == P_reshape && !ir_param_is_none(e, "dimensions")) return false;
  for (uint32_t i = 0; i < e->nin; i++) {
    uint32_t d = ATOM_IS_LIT(e->in[i]) ? NONE : def[ATOM_INDEX(e->in[i])];
    if (d != NONE && d >= first && d < h && member(m, j, first, d)) return false;
  }
  return true;
}

/* The end of the run starting at fusible equation k: same-shape
 * elementwise equations, with hoistable ones between them. */
static uint32_t run_end(const ir_module *m, const ir_jaxpr *j, const uint32_t *def, uint32_t k) {
  uint32_t end = k + 1;
  while (end < j->neqns && (member(m, j, k, end) || hoistable(m, j, def, k, end))) end++;
  while (end > k + 1 && !member(m, j, k, end - 1)) end--;
  return end;
}

/* Whether equation h reduces, as a sink (pass.h), a value of the loop
 * starting at `first`: a float reduction whose operand a member computes,
 * over all axes or the trailing ones (a row of contiguous elements, the
 * order of the row kernels, lane_fold.h). */
static bool sinkable(const ir_module *m, const ir_jaxpr *j, const uint32_t *def, uint32_t first, uint32_t h) {
  const ir_eqn *e = &j->eqns[h];
  if (e->prim != P_reduce_sum && e->prim != P_reduce_prod && e->prim != P_reduce_max && e->prim != P_reduce_min)
    return false;
  if (ATOM_IS_LIT(e->in[0])) return false;
  uint32_t d = def[ATOM_INDEX(e->in[0])];
  if (d == NONE || d < first || d >= h || !member(m, j, first, d)) return false;
  const tj_aval *a = &m->vars[ATOM_INDEX(e->in[0])];
  int64_t axes[TJ_MAX_RANK];
  int naxes = ir_param_ints(e, "axes", axes, TJ_MAX_RANK);
  if ((a->dtype != DT_F32 && a->dtype != DT_F64) || naxes < 1 || naxes > a->rank) return false;
  for (int t = a->rank - naxes; t < a->rank; t++) { /* the naxes axes are the trailing ones */
    bool listed = false;
    for (int i = 0; i < naxes; i++) listed |= axes[i] == t;
    if (!listed) return false;
  }
  return true;
}

/* The end of the loop starting at `first` whose members end at `end`,
 * with its sinks (marked in p): the reductions right after the last
 * member, or after equations there that would be hoisted before it. */
static uint32_t sinks_end(const ir_module *m, const ir_jaxpr *j, const uint32_t *def, uint32_t first, uint32_t end,
                          pass_fusion *p) {
  uint32_t h = end;
  while (h < j->neqns && !sinkable(m, j, def, first, h) && hoistable(m, j, def, first, h)) h++;
  if (h == j->neqns || !sinkable(m, j, def, first, h)) return end;
  for (; h < j->neqns && sinkable(m, j, def, first, h); h++) p->lead[h] = first, p->sink[h] = true;
  return h;
}

/* j's plan into p (arrays in m's arena). def[] is all NONE on entry and
 * on return. */
static void fuse_jaxpr(ir_module *m, const ir_jaxpr *j, uint32_t *def, pass_fusion *p) {
  p->lead = ARENA_ARRAY(&m->arena, uint32_t, j->neqns + 1u);
  p->end = ARENA_ARRAY(&m->arena, uint32_t, j->neqns + 1u);
  p->sink = ARENA_ARRAY(&m->arena, bool, j->neqns + 1u);
  for (uint32_t k = 0; k < j->neqns; k++) {
    p->lead[k] = p->end[k] = PASS_UNFUSED;
    p->sink[k] = false;
    for (uint32_t o = 0; o < j->eqns[k].nout; o++) def[j->eqns[k].out[o]] = k;
  }
  for (uint32_t k = 0; k < j->neqns; k++) {
    if (!fusible(m, &j->eqns[k])) continue;
    uint32_t end = run_end(m, j, def, k);
    for (uint32_t h = k; h < end; h++)
      if (member(m, j, k, h)) p->lead[h] = k;
    end = sinks_end(m, j, def, k, end, p);
    p->end[k] = end;
    k = end - 1;
  }
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t o = 0; o < j->eqns[k].nout; o++) def[j->eqns[k].out[o]] = NONE;
}

void pass_fuse(ir_module *m, pass_facts *f) {
  uint32_t n;
  ir_jaxpr **js = pass_reachable(m, &n);
  uint32_t *def = malloc((m->nvars + 1u) * sizeof *def);
  if (!def) TJ_OOM();
  memset(def, 0xff, (m->nvars + 1u) * sizeof *def); /* NONE */
  f->njaxprs = m->njaxprs;
  f->fusion = ARENA_ARRAY(&m->arena, pass_fusion, m->njaxprs + 1u);
  for (uint32_t i = 0; i < n; i++) fuse_jaxpr(m, js[i], def, &f->fusion[js[i]->id]);
  free(def);
  free(js);
}

const pass_fusion *pass_fusion_of(const pass_facts *f, const ir_jaxpr *j) {
  if (!f->fusion || j->id >= f->njaxprs || !f->fusion[j->id].lead) return NULL;
  return &f->fusion[j->id];
}

/* ---- the pipeline ---- */

static bool check_after(const ir_module *m, const char *pass, diag_list *d) {
  if (ir_check(m, d)) return true;
  diag_note(d, "the IR was broken by pass %s", pass);
  return false;
}

static void dump(const ir_module *m, const tj_trace_opts *o, const char *pass) {
  if (!o || !o->dump || !o->dump_after || strcmp(o->dump_after, pass) != 0) return;
  char *text = print_jaxpr(m);
  o->dump(o->dump_arg, pass, text ? text : "");
  free(text);
}

ir_module *pass_pipeline(const ir_module *traced, const tj_trace_opts *o, pass_facts *f, diag_list *d) {
  *f = (pass_facts){0};
  ir_module *m = ir_clone(traced);
  for (int i = 0; i < PASS_COUNT; i++) {
    passes[i].run(m, f);
    if (TJ_CHECK_PASSES && !check_after(m, passes[i].name, d)) {
      pass_facts_free(f);
      ir_free(m);
      return NULL;
    }
    dump(m, o, passes[i].name);
  }
  return m;
}

void pass_facts_free(pass_facts *f) {
  if (f->work.known) work_free(&f->work);
  f->fusion = NULL; /* in the module's arena */
}
