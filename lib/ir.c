#include "ir.h"
#include "prims.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ir_module *ir_new(const tj_source *src) {
  ir_module *m = calloc(1, sizeof *m);
  if (!m) TJ_OOM();
  m->src = src;
  m->top = ir_jaxpr_new(m);
  return m;
}

void ir_free(ir_module *m) {
  if (!m) return;
  arena_free(&m->arena);
  free(m);
}

ir_jaxpr *ir_jaxpr_new(ir_module *m) {
  ir_jaxpr *j = ARENA_NEW(&m->arena, ir_jaxpr);
  j->id = m->njaxprs++;
  return j;
}

uint32_t ir_new_var(ir_module *m, const tj_aval *aval) {
  ARENA_PUSH(&m->arena, m->vars, m->nvars, m->capvars, *aval);
  return m->nvars - 1;
}

ir_atom ir_new_lit(ir_module *m, const ir_lit *lit) {
  ARENA_PUSH(&m->arena, m->lits, m->nlits, m->caplits, *lit);
  return ATOM_LIT(m->nlits - 1);
}

tj_aval ir_atom_aval(const ir_module *m, ir_atom a) {
  if (ATOM_IS_LIT(a)) {
    const ir_lit *l = &m->lits[ATOM_INDEX(a)];
    return aval_scalar(l->dtype, l->weak);
  }
  return m->vars[ATOM_INDEX(a)];
}

ir_eqn *ir_add_eqn(ir_module *m, ir_jaxpr *j, int prim, uint32_t nin,
                   uint32_t nout, uint16_t nparams, tj_span span) {
  ir_eqn e = {0};
  e.prim = (uint16_t)prim;
  e.nin = nin;
  e.nout = nout;
  e.nparams = nparams;
  e.in = ARENA_ARRAY(&m->arena, ir_atom, nin);
  e.out = ARENA_ARRAY(&m->arena, uint32_t, nout);
  e.params = ARENA_ARRAY(&m->arena, ir_param, nparams);
  e.span = span;
  ARENA_PUSH(&m->arena, j->eqns, j->neqns, j->capeqns, e);
  return &j->eqns[j->neqns - 1];
}

static pval *pv_new(ir_module *m, pval_kind kind) {
  pval *v = ARENA_NEW(&m->arena, pval);
  v->kind = kind;
  return v;
}

pval *pv_none(ir_module *m) { return pv_new(m, PV_NONE); }

pval *pv_bool(ir_module *m, bool b) {
  pval *v = pv_new(m, PV_BOOL);
  v->i = b;
  return v;
}

pval *pv_int(ir_module *m, int64_t i) {
  pval *v = pv_new(m, PV_INT);
  v->i = i;
  return v;
}

pval *pv_float(ir_module *m, double f) {
  pval *v = pv_new(m, PV_FLOAT);
  v->f = f;
  return v;
}

pval *pv_dtype(ir_module *m, tj_dtype t) {
  pval *v = pv_new(m, PV_DTYPE);
  v->dtype = t;
  return v;
}

pval *pv_name(ir_module *m, const char *s) {
  pval *v = pv_new(m, PV_NAME);
  v->s = arena_strdup(&m->arena, s);
  return v;
}

pval *pv_seq(ir_module *m, pval_kind kind, int n) {
  pval *v = pv_new(m, kind);
  v->items = ARENA_ARRAY(&m->arena, pval *, n);
  v->nitems = n;
  return v;
}

pval *pv_ints(ir_module *m, pval_kind kind, const int64_t *vals, int n) {
  pval *v = pv_seq(m, kind, n);
  for (int i = 0; i < n; i++) v->items[i] = pv_int(m, vals[i]);
  return v;
}

pval *pv_jaxpr(ir_module *m, ir_jaxpr *j) {
  pval *v = pv_new(m, PV_JAXPR);
  v->jaxpr = j;
  return v;
}

const pval *ir_param_get(const ir_eqn *e, const char *key) {
  for (int i = 0; i < e->nparams; i++)
    if (strcmp(e->params[i].key, key) == 0) return e->params[i].val;
  return NULL;
}
