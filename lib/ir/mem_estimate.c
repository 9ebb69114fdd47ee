/* The memory estimate of a run (see mem_estimate.h): a liveness walk over
 * the jaxpr, in the evaluator's order, that adds each equation's outputs
 * when it runs and frees a temporary after its last reader. */
#include "mem_estimate.h"

#include <stdio.h>
#include <stdlib.h>

#include "prims.h"
#include "util.h"

#define NOT_TEMP UINT32_MAX /* an input, an output, or not in this jaxpr */

uint64_t mem_bytes(const tj_aval *a) { return (uint64_t)aval_size(a) * (uint64_t)dtype_size(a->dtype); }

void mem_format(uint64_t bytes, char *out, int outsize) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  double v = (double)bytes;
  while (v >= 1024 && u < 5) v /= 1024, u++;
  if (u == 0) snprintf(out, (size_t)outsize, "%llu B", (unsigned long long)bytes);
  else snprintf(out, (size_t)outsize, "%.1f %s", v, units[u]);
}

typedef struct walker {
  const ir_module *m;
  uint32_t *last;         /* per variable: the index of its last reader, or NOT_TEMP */
  mem_estimate *est;
  uint64_t *held;         /* per jaxpr id: sub_bytes + 1, or 0 before it is walked */
} walker;

/* Keeps a among the largest temporaries named in a refusal. */
static void note_big(mem_estimate *est, const tj_aval *a) {
  uint64_t b = mem_bytes(a);
  uint32_t i = est->nbig < MEM_NAMED ? est->nbig++ : MEM_NAMED;
  if (i == MEM_NAMED) {
    if (b <= mem_bytes(&est->big[MEM_NAMED - 1])) return;
    i = MEM_NAMED - 1;
  }
  for (; i > 0 && mem_bytes(&est->big[i - 1]) < b; i--) est->big[i] = est->big[i - 1];
  est->big[i] = *a;
}

static uint64_t atom_bytes(const ir_module *m, ir_atom a) {
  tj_aval av = ir_atom_aval(m, a);
  return mem_bytes(&av);
}

static uint64_t temps_peak(walker *w, const ir_jaxpr *j);

/* A sub-jaxpr's inputs, outputs and temporaries: what it holds while the
 * equation that runs it does. Walked once per distinct jaxpr: a jit shared
 * at every level of a deep nesting is used 2^depth times. */
static uint64_t sub_bytes(walker *w, const ir_jaxpr *s) {
  if (s->id < w->m->njaxprs && w->held[s->id]) return w->held[s->id] - 1;
  uint64_t n = temps_peak(w, s);
  for (uint32_t i = 0; i < s->nconst; i++) n += mem_bytes(&w->m->vars[s->constvars[i]]);
  for (uint32_t i = 0; i < s->nin; i++) n += mem_bytes(&w->m->vars[s->invars[i]]);
  for (uint32_t i = 0; i < s->nout; i++) n += atom_bytes(w->m, s->outs[i]);
  if (s->id < w->m->njaxprs) w->held[s->id] = n + 1;
  return n;
}

/* The most any one of e's sub-jaxprs holds (a cond runs one branch, a
 * while its cond or its body at a time). */
static uint64_t subs_peak(walker *w, const ir_eqn *e) {
  uint64_t most = 0;
  for (int p = 0; p < e->nparams; p++) {
    const pval *v = e->params[p].val;
    uint64_t n = 0;
    for (int i = 0; i < ir_pval_njaxprs(v); i++) {
      uint64_t b = sub_bytes(w, ir_pval_jaxpr(v, i));
      n = b > n ? b : n;
    }
    most = n > most ? n : most;
  }
  return most;
}

/* Sets last[] for j's temporaries: the variables its equations define,
 * but not its outputs, which the caller counts. */
static void mark_last_uses(walker *w, const ir_jaxpr *j) {
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t o = 0; o < j->eqns[k].nout; o++) w->last[j->eqns[k].out[o]] = k;
  for (uint32_t i = 0; i < j->nout; i++)
    if (!ATOM_IS_LIT(j->outs[i])) w->last[ATOM_INDEX(j->outs[i])] = NOT_TEMP;
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t i = 0; i < j->eqns[k].nin; i++) {
      ir_atom a = j->eqns[k].in[i];
      if (!ATOM_IS_LIT(a) && w->last[ATOM_INDEX(a)] != NOT_TEMP) w->last[ATOM_INDEX(a)] = k;
    }
}

/* Frees v after equation k when k was its last reader (once: the mark
 * goes). */
static uint64_t freed_after(walker *w, uint32_t v, uint32_t k) {
  if (w->last[v] != k) return 0;
  w->last[v] = NOT_TEMP;
  return mem_bytes(&w->m->vars[v]);
}

static uint64_t temps_peak(walker *w, const ir_jaxpr *j) {
  mark_last_uses(w, j);
  uint64_t live = 0, peak = 0;
  for (uint32_t k = 0; k < j->neqns; k++) {
    const ir_eqn *e = &j->eqns[k];
    uint64_t outs = 0;
    for (uint32_t o = 0; o < e->nout; o++)
      if (w->last[e->out[o]] != NOT_TEMP) {
        outs += mem_bytes(&w->m->vars[e->out[o]]);
        note_big(w->est, &w->m->vars[e->out[o]]);
      }
    uint64_t now = live + outs + subs_peak(w, e);
    peak = now > peak ? now : peak;
    live += outs;
    for (uint32_t i = 0; i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i])) live -= freed_after(w, ATOM_INDEX(e->in[i]), k);
    for (uint32_t o = 0; o < e->nout; o++) live -= freed_after(w, e->out[o], k); /* never read */
  }
  return peak;
}

void mem_estimate_jaxpr(const ir_module *m, const ir_jaxpr *j, mem_estimate *out) {
  *out = (mem_estimate){0};
  walker w = {m, malloc((m->nvars ? m->nvars : 1) * sizeof(uint32_t)), out, calloc(m->njaxprs + 1u, sizeof(uint64_t))};
  if (!w.last || !w.held) TJ_OOM();
  for (uint32_t v = 0; v < m->nvars; v++) w.last[v] = NOT_TEMP;
  out->temps = temps_peak(&w, j);
  free(w.last), free(w.held);
}
