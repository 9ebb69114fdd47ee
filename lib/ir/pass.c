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
 * elementwise equations, with hoistable ones between them; an equation
 * already taken as a sink of an earlier loop (moved there) is passed
 * over. */
static uint32_t run_end(const ir_module *m, const ir_jaxpr *j, const uint32_t *def, const bool *taken, uint32_t k) {
  uint32_t end = k + 1;
  while (end < j->neqns && (taken[end] || member(m, j, k, end) || hoistable(m, j, def, k, end))) end++;
  while (end > k + 1 && (taken[end - 1] || !member(m, j, k, end - 1))) end--;
  return end;
}

static bool is_reduction(const ir_eqn *e) {
  return e->prim == P_reduce_sum || e->prim == P_reduce_prod || e->prim == P_reduce_max || e->prim == P_reduce_min;
}

/* Whether reduction e can be a sink (pass.h) once its operand is a loop's
 * value: float, over all axes or the trailing ones (a row of contiguous
 * elements, the order of the row kernels, lane_fold.h). */
static bool sinkable(const ir_module *m, const ir_eqn *e) {
  if (!is_reduction(e) || ATOM_IS_LIT(e->in[0])) return false;
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

/* The planning state of one jaxpr: readers[v] the first sinkable
 * reduction of v (by index), next[r] the following one; a loop's sinks
 * (a list through sinks/snext per lead); taken: moved to a loop. */
typedef struct fuse_state {
  uint32_t *def, *readers;  /* per module variable, NONE outside the jaxpr */
  uint32_t *next, *sinks, *snext;
  bool *taken;
} fuse_state;

static int by_index(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

/* The reductions anywhere after loop k (members [k, end)) of a value it
 * computes: its sinks, in their order, listed in st and marked in p (at
 * their present indices; fuse_order moves them). A reduction reads only
 * its operand, so it may run as soon as the loop makes it. */
static void take_sinks(const ir_jaxpr *j, fuse_state *st, pass_fusion *p, uint32_t k, uint32_t end) {
  uint32_t n = 0, *found = NULL;
  for (uint32_t h = k; h < end; h++)
    for (uint32_t r = p->lead[h] == k ? st->readers[j->eqns[h].out[0]] : NONE; r != NONE; r = st->next[r])
      if (!st->taken[r]) {
        if (!found && !(found = malloc((j->neqns + 1u) * sizeof *found))) TJ_OOM();
        found[n++] = r, st->taken[r] = true;
      }
  if (n > 1) qsort(found, n, sizeof *found, by_index);
  for (uint32_t i = n; i-- > 0;) {
    p->lead[found[i]] = k, p->sink[found[i]] = true;
    st->snext[found[i]] = st->sinks[k], st->sinks[k] = found[i];
  }
  free(found);
}

/* Puts each loop's sinks right after its last member and renumbers p:
 * the equations keep their order otherwise, and every value is still
 * made before it is read (a sink reads one member's value). */
static void fuse_order(ir_module *m, ir_jaxpr *j, fuse_state *st, pass_fusion *p) {
  uint32_t n = j->neqns, w = 0, loop = NONE;
  ir_eqn *old = malloc((n + 1u) * sizeof *old);
  uint32_t *pos = malloc((n + 1u) * sizeof *pos), *last = malloc((n + 1u) * sizeof *last);
  if (!old || !pos || !last) TJ_OOM();
  if (n) memcpy(old, j->eqns, n * sizeof *old); /* an empty jaxpr's eqns is NULL */
  for (uint32_t h = 0; h < n; h++) {
    if (st->taken[h]) continue;
    if (p->lead[h] == h) loop = h;
    j->eqns[w] = old[h], pos[h] = w++;
    if (loop != NONE && h + 1 == p->end[loop]) { /* the loop's last member: its sinks follow */
      for (uint32_t r = st->sinks[loop]; r != NONE; r = st->snext[r]) j->eqns[w] = old[r], pos[r] = w++;
      last[loop] = w, loop = NONE;
    }
  }
  uint32_t *lead = ARENA_ARRAY(&m->arena, uint32_t, n + 1u), *end = ARENA_ARRAY(&m->arena, uint32_t, n + 1u);
  bool *sink = ARENA_ARRAY(&m->arena, bool, n + 1u);
  for (uint32_t h = 0; h < n; h++) {
    lead[pos[h]] = p->lead[h] == NONE ? PASS_UNFUSED : pos[p->lead[h]];
    end[pos[h]] = p->lead[h] == h ? last[h] : PASS_UNFUSED;
    sink[pos[h]] = p->sink[h];
  }
  p->lead = lead, p->end = end, p->sink = sink;
  free(old), free(pos), free(last);
}

/* j's plan into p (arrays in m's arena), j's equations reordered so each
 * loop's sinks follow it. st's per-variable arrays are all NONE on entry
 * and on return. */
static void fuse_jaxpr(ir_module *m, ir_jaxpr *j, fuse_state *st, pass_fusion *p) {
  uint32_t n = j->neqns;
  p->lead = malloc((n + 1u) * sizeof *p->lead), p->end = malloc((n + 1u) * sizeof *p->end);
  p->sink = calloc(n + 1u, sizeof *p->sink);
  st->next = malloc((n + 1u) * sizeof *st->next), st->sinks = malloc((n + 1u) * sizeof *st->sinks);
  st->snext = malloc((n + 1u) * sizeof *st->snext), st->taken = calloc(n + 1u, sizeof *st->taken);
  if (!p->lead || !p->end || !p->sink || !st->next || !st->sinks || !st->snext || !st->taken) TJ_OOM();
  for (uint32_t k = n; k-- > 0;) { /* readers' lists in increasing order */
    const ir_eqn *e = &j->eqns[k];
    p->lead[k] = p->end[k] = st->sinks[k] = NONE;
    for (uint32_t o = 0; o < e->nout; o++) st->def[e->out[o]] = k;
    if (sinkable(m, e)) st->next[k] = st->readers[ATOM_INDEX(e->in[0])], st->readers[ATOM_INDEX(e->in[0])] = k;
  }
  for (uint32_t k = 0; k < n; k++) {
    if (st->taken[k] || !fusible(m, &j->eqns[k])) continue;
    uint32_t end = run_end(m, j, st->def, st->taken, k);
    for (uint32_t h = k; h < end; h++)
      if (!st->taken[h] && member(m, j, k, h)) p->lead[h] = k;
    take_sinks(j, st, p, k, end);
    p->end[k] = end;
    k = end - 1;
  }
  for (uint32_t k = 0; k < n; k++) {
    const ir_eqn *e = &j->eqns[k];
    for (uint32_t o = 0; o < e->nout; o++) st->def[e->out[o]] = NONE;
    if (sinkable(m, e)) st->readers[ATOM_INDEX(e->in[0])] = NONE;
  }
  uint32_t *lead = p->lead, *end = p->end;
  bool *sink = p->sink;
  fuse_order(m, j, st, p);
  free(lead), free(end), free(sink);
  free(st->next), free(st->sinks), free(st->snext), free(st->taken);
}

void pass_fuse(ir_module *m, pass_facts *f) {
  uint32_t n;
  ir_jaxpr **js = pass_reachable(m, &n);
  fuse_state st = {.def = malloc((m->nvars + 1u) * sizeof *st.def),
                   .readers = malloc((m->nvars + 1u) * sizeof *st.readers)};
  if (!st.def || !st.readers) TJ_OOM();
  memset(st.def, 0xff, (m->nvars + 1u) * sizeof *st.def); /* NONE */
  memset(st.readers, 0xff, (m->nvars + 1u) * sizeof *st.readers);
  f->njaxprs = m->njaxprs;
  f->fusion = ARENA_ARRAY(&m->arena, pass_fusion, m->njaxprs + 1u);
  for (uint32_t i = 0; i < n; i++) fuse_jaxpr(m, js[i], &st, &f->fusion[js[i]->id]);
  free(st.def), free(st.readers);
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
