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

size_t ir_aval_bytes(const tj_aval *a) {
  size_t n = (size_t)dtype_size(a->dtype);
  for (int d = 0; d < a->rank; d++) n *= (size_t)a->dims[d];
  return n;
}

void ir_const_set(ir_module *m, uint32_t var, const void *data) {
  size_t bytes = ir_aval_bytes(&m->vars[var]);
  void *copy = arena_alloc(&m->arena, bytes ? bytes : 1);
  if (bytes) memcpy(copy, data, bytes);
  ir_const c = {var, copy};
  ARENA_PUSH(&m->arena, m->consts, m->nconsts, m->capconsts, c);
}

const void *ir_const_data(const ir_module *m, uint32_t var) {
  for (uint32_t i = 0; i < m->nconsts; i++)
    if (m->consts[i].var == var) return m->consts[i].data;
  return NULL;
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

pval *pv_np_int64(ir_module *m, int64_t i) {
  pval *v = pv_int(m, i);
  v->s = "int64";
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

pval *pv_record(ir_module *m, const char *name, const char *const *fields, int n) {
  pval *v = pv_seq(m, PV_TUPLE, n);
  v->kind = PV_RECORD;
  v->s = name;
  v->fields = fields;
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

int64_t ir_param_int(const ir_eqn *e, const char *key, int64_t def) {
  const pval *p = ir_param_get(e, key);
  return p && p->kind == PV_INT ? p->i : def;
}

bool ir_param_bool(const ir_eqn *e, const char *key, bool def) {
  const pval *p = ir_param_get(e, key);
  return p && p->kind == PV_BOOL ? p->i != 0 : def;
}

tj_dtype ir_param_dtype(const ir_eqn *e, const char *key, tj_dtype def) {
  const pval *p = ir_param_get(e, key);
  return p && p->kind == PV_DTYPE ? p->dtype : def;
}

bool ir_param_is_none(const ir_eqn *e, const char *key) {
  const pval *p = ir_param_get(e, key);
  return !p || p->kind == PV_NONE;
}

static bool all_jaxprs(const pval *v) {
  for (int i = 0; i < v->nitems; i++)
    if (!v->items[i] || v->items[i]->kind != PV_JAXPR || !v->items[i]->jaxpr) return false;
  return true;
}

int ir_pval_njaxprs(const pval *v) {
  if (!v) return 0;
  if (v->kind == PV_JAXPR) return 1;
  return v->kind == PV_TUPLE && all_jaxprs(v) ? v->nitems : 0;
}

ir_jaxpr *ir_pval_jaxpr(const pval *v, int i) {
  return v->kind == PV_JAXPR ? v->jaxpr : v->items[i]->jaxpr;
}

const char *ir_param_name(const ir_eqn *e, const char *key) {
  const pval *p = ir_param_get(e, key);
  return p && p->kind == PV_NAME ? p->s : NULL;
}

ir_jaxpr *ir_param_jaxpr(const ir_eqn *e, const char *key) {
  const pval *p = ir_param_get(e, key);
  return p && p->kind == PV_JAXPR ? p->jaxpr : NULL;
}

int ir_pval_ints(const pval *p, int64_t *out, int max) {
  if (!p || (p->kind != PV_TUPLE && p->kind != PV_LIST) || p->nitems > max) return -1;
  for (int i = 0; i < p->nitems; i++) {
    if (!p->items[i] || p->items[i]->kind != PV_INT) return -1;
    out[i] = p->items[i]->i;
  }
  return p->nitems;
}

int ir_param_ints(const ir_eqn *e, const char *key, int64_t *out, int max) {
  return ir_pval_ints(ir_param_get(e, key), out, max);
}

bool ir_dot_dims_read(const ir_eqn *e, ir_dot_dims *d) {
  return ir_pval_dot_dims(ir_param_get(e, "dimension_numbers"), d);
}

bool ir_pval_dot_dims(const pval *p, ir_dot_dims *d) {
  if (!p || p->kind != PV_TUPLE || p->nitems != 2) return false;
  for (int i = 0; i < 2; i++)
    if (!p->items[i] || p->items[i]->kind != PV_TUPLE || p->items[i]->nitems != 2) return false;
  d->nlc = ir_pval_ints(p->items[0]->items[0], d->lc, TJ_MAX_RANK);
  d->nrc = ir_pval_ints(p->items[0]->items[1], d->rc, TJ_MAX_RANK);
  d->nlb = ir_pval_ints(p->items[1]->items[0], d->lb, TJ_MAX_RANK);
  d->nrb = ir_pval_ints(p->items[1]->items[1], d->rb, TJ_MAX_RANK);
  return d->nlc >= 0 && d->nrc >= 0 && d->nlb >= 0 && d->nrb >= 0;
}

pval *ir_dot_dims_new(ir_module *m, const ir_dot_dims *d) {
  pval *contract = pv_seq(m, PV_TUPLE, 2), *batch = pv_seq(m, PV_TUPLE, 2), *all = pv_seq(m, PV_TUPLE, 2);
  contract->items[0] = pv_ints(m, PV_LIST, d->lc, d->nlc);
  contract->items[1] = pv_ints(m, PV_LIST, d->rc, d->nrc);
  batch->items[0] = pv_ints(m, PV_LIST, d->lb, d->nlb);
  batch->items[1] = pv_ints(m, PV_LIST, d->rb, d->nrb);
  all->items[0] = contract;
  all->items[1] = batch;
  return all;
}

pval *ir_int_record_new(ir_module *m, const char *name, const char *const *fields, int n,
                        const ir_ints_in *vals) {
  pval *v = pv_record(m, name, fields, n);
  for (int i = 0; i < n; i++) v->items[i] = pv_ints(m, PV_TUPLE, vals[i].v, vals[i].n);
  return v;
}

bool ir_pval_int_record(const pval *p, const char *const *fields, int n, const ir_ints_out *vals, int nvals) {
  if (!p || p->kind != PV_RECORD || p->fields != fields || p->nitems != n || nvals > n) return false;
  bool ok = true;
  for (int i = 0; i < nvals; i++) ok &= (*vals[i].n = ir_pval_ints(p->items[i], vals[i].v, TJ_MAX_RANK)) >= 0;
  return ok;
}

/* jax._src.lax.slicing.ScatterDimensionNumbers, in its field order. */
const char *const ir_scatter_fields[IR_SCATTER_FIELDS] = {
    "update_window_dims", "inserted_window_dims", "scatter_dims_to_operand_dims", "operand_batching_dims",
    "scatter_indices_batching_dims"};

pval *ir_scatter_dims_new(ir_module *m, const ir_scatter_dims *d) {
  const ir_ints_in vals[IR_SCATTER_FIELDS] = {{d->window, d->nwindow},
                                              {d->inserted, d->ninserted},
                                              {d->to_operand, d->nto},
                                              {d->operand_batching, d->nbatching},
                                              {d->indices_batching, d->nindices_batching}};
  return ir_int_record_new(m, "ScatterDimensionNumbers", ir_scatter_fields, IR_SCATTER_FIELDS, vals);
}

bool ir_scatter_dims_read(const ir_eqn *e, ir_scatter_dims *d) {
  return ir_pval_scatter_dims(ir_param_get(e, "dimension_numbers"), d);
}

bool ir_pval_scatter_dims(const pval *p, ir_scatter_dims *d) {
  const ir_ints_out vals[] = {{d->window, &d->nwindow},
                              {d->inserted, &d->ninserted},
                              {d->to_operand, &d->nto},
                              {d->operand_batching, &d->nbatching},
                              {d->indices_batching, &d->nindices_batching}};
  return ir_pval_int_record(p, ir_scatter_fields, IR_SCATTER_FIELDS, vals, TJ_COUNT(vals));
}

/* jax._src.lax.slicing.GatherDimensionNumbers, in its field order. */
const char *const ir_gather_fields[IR_GATHER_FIELDS] = {
    "offset_dims", "collapsed_slice_dims", "start_index_map", "operand_batching_dims", "start_indices_batching_dims"};

pval *ir_gather_dims_new(ir_module *m, const ir_gather_dims *d) {
  const ir_ints_in vals[IR_GATHER_FIELDS] = {{d->offset, d->noffset},
                                             {d->collapsed, d->ncollapsed},
                                             {d->start_map, d->nstart_map},
                                             {d->operand_batching, d->nbatching},
                                             {d->indices_batching, d->nindices_batching}};
  return ir_int_record_new(m, "GatherDimensionNumbers", ir_gather_fields, IR_GATHER_FIELDS, vals);
}

bool ir_gather_dims_read(const ir_eqn *e, ir_gather_dims *d) {
  return ir_pval_gather_dims(ir_param_get(e, "dimension_numbers"), d);
}

bool ir_pval_gather_dims(const pval *p, ir_gather_dims *d) {
  const ir_ints_out vals[IR_GATHER_FIELDS] = {{d->offset, &d->noffset},
                                              {d->collapsed, &d->ncollapsed},
                                              {d->start_map, &d->nstart_map},
                                              {d->operand_batching, &d->nbatching},
                                              {d->indices_batching, &d->nindices_batching}};
  return ir_pval_int_record(p, ir_gather_fields, IR_GATHER_FIELDS, vals, IR_GATHER_FIELDS);
}

/* ---- param kinds ---- */

static const char *const kind_texts[PK_COUNT] = {
#define PARAM_KIND_TEXT(id, text) [id] = text,
    PARAM_KINDS(PARAM_KIND_TEXT)
#undef PARAM_KIND_TEXT
};

void ir_kind_text(unsigned kind, char *out, int size) {
  unsigned k = kind & PK_KIND_MASK;
  snprintf(out, (size_t)size, "%s%s", k < PK_COUNT ? kind_texts[k] : "?", kind & PK_OR_NONE ? " or None" : "");
}

static bool is_int_seq(const pval *v, pval_kind seq) {
  if (v->kind != seq) return false;
  for (int i = 0; i < v->nitems; i++)
    if (!v->items[i] || v->items[i]->kind != PV_INT) return false;
  return true;
}

/* BranchesPlatforms: per branch a tuple of platform names, or None. */
static bool is_platforms(const pval *v) {
  if (v->kind != PV_TUPLE) return false;
  for (int i = 0; i < v->nitems; i++) {
    const pval *b = v->items[i];
    if (b->kind == PV_NONE) continue;
    if (b->kind != PV_TUPLE) return false;
    for (int k = 0; k < b->nitems; k++)
      if (b->items[k]->kind != PV_NAME || !b->items[k]->s) return false;
  }
  return true;
}

int ir_platform_branch(const pval *platforms, const char *name) {
  int fallback = -1;
  for (int i = 0; platforms && i < platforms->nitems; i++) {
    const pval *b = platforms->items[i];
    if (b->kind == PV_NONE && fallback < 0) fallback = i;
    for (int k = 0; b->kind == PV_TUPLE && k < b->nitems; k++)
      if (strcmp(b->items[k]->s, name) == 0) return i;
  }
  return fallback;
}

/* A tuple of tuples of ints (their lengths are the shape rule's to judge;
 * an entry may be a list, as lax.pad keeps a padding_config's entries). */
static bool is_int_tuples(const pval *v) {
  if (v->kind != PV_TUPLE) return false;
  for (int i = 0; i < v->nitems; i++)
    if (!v->items[i] || !(is_int_seq(v->items[i], PV_TUPLE) || is_int_seq(v->items[i], PV_LIST))) return false;
  return true;
}

static bool is_bool_list(const pval *v) {
  if (v->kind != PV_LIST) return false;
  for (int i = 0; i < v->nitems; i++)
    if (!v->items[i] || v->items[i]->kind != PV_BOOL) return false;
  return true;
}

static bool is_kind(const pval *v, param_kind k) {
  ir_dot_dims dd;
  ir_scatter_dims sd;
  ir_conv_dims cd;
  ir_gather_dims gd;
  switch (k) {
  case PK_NONE: return v->kind == PV_NONE;
  case PK_BOOL: return v->kind == PV_BOOL;
  case PK_INT: return v->kind == PV_INT;
  case PK_FLOAT: return v->kind == PV_FLOAT;
  case PK_DTYPE: return v->kind == PV_DTYPE;
  case PK_NAME: return v->kind == PV_NAME && v->s;
  case PK_INTS: return is_int_seq(v, PV_TUPLE);
  case PK_INT_LIST: return is_int_seq(v, PV_LIST);
  case PK_JAXPR: return v->kind == PV_JAXPR && v->jaxpr;
  case PK_JAXPRS: return v->kind == PV_TUPLE && all_jaxprs(v);
  case PK_CONSTS: return v->kind == PV_TUPLE && v->nitems == 0;
  case PK_DOT_DIMS: return ir_pval_dot_dims(v, &dd);
  case PK_SCATTER_DIMS: return ir_pval_scatter_dims(v, &sd);
  case PK_INT_TUPLES: return is_int_tuples(v);
  case PK_CONV_DIMS: return ir_pval_conv_dims(v, &cd);
  case PK_GATHER_DIMS: return ir_pval_gather_dims(v, &gd);
  case PK_SCALAR: return v->kind == PV_INT || v->kind == PV_FLOAT || v->kind == PV_BOOL;
  case PK_PLATFORMS: return is_platforms(v);
  case PK_BOOL_LIST: return is_bool_list(v);
  case PK_COUNT: break;
  }
  return false;
}

bool ir_pval_is(const pval *v, unsigned kind) {
  if (!v) return false;
  if ((kind & PK_OR_NONE) && v->kind == PV_NONE) return true;
  return is_kind(v, (param_kind)(kind & PK_KIND_MASK));
}
