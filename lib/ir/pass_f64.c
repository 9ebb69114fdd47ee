/* The f64 promotion (pass_f64): a copy of a traced program computing in
 * float64 wherever it computed in float32, float16 or bfloat16, for the
 * gradient checker (tjit run --grad-check), whose finite differences need
 * float64's 2^-52 to resolve a derivative to 1e-6 (in float32 the
 * rounding term eps |L| / h alone is about 0.1 |L| at h = 1e-6).
 *
 * Why promote the IR rather than evaluate an f32 program in double: the
 * reference evaluator rounds every value to its aval's dtype (that is
 * its job), so the dtypes themselves must change. A module keeps every
 * aval, literal and constant in flat tables (ir.h), so the pass is three
 * loops over them plus a walk over the params, where a dtype can also
 * live: convert_element_type's new_dtype, dot_general's
 * preferred_element_type, iota's dtype ... (any PV_DTYPE, at any depth).
 * Integer and bool values are left alone: the program is the same
 * function of its inputs, computed more precisely. Whether the result is
 * well typed is the shape rules' to say (ir_check): bitcast_convert_type
 * of an f32 to an i32 is not, once the f32 is an f64. */
#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "ir_build.h"
#include "pass.h"
#include "util.h"

static bool promoted(tj_dtype t) { return dtype_is_float(t) && t != DT_F64; }

/* Element i of a constant of float dtype t, widened exactly. */
static double const_elem(const void *data, tj_dtype t, int64_t i) {
  switch (t) {
  case DT_F32: { float f; memcpy(&f, (const char *)data + 4 * i, 4); return f; }
  case DT_F16: { uint16_t h; memcpy(&h, (const char *)data + 2 * i, 2); return tj_f16_to_f32(h); }
  case DT_BF16: { uint16_t h; memcpy(&h, (const char *)data + 2 * i, 2); return tj_bf16_to_f32(h); }
  default: { double d; memcpy(&d, (const char *)data + 8 * i, 8); return d; }
  }
}

/* A constvar's data widened to f64 (before its aval changes). */
static void promote_const(ir_module *m, ir_const *c) {
  const tj_aval *a = &m->vars[c->var];
  if (!promoted(a->dtype)) return;
  int64_t n = 1;
  for (int d = 0; d < a->rank; d++) n *= a->dims[d];
  double *wide = arena_alloc(&m->arena, sizeof *wide * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) wide[i] = const_elem(c->data, a->dtype, i);
  c->data = wide;
}

static void promote_pval(pval *v) {
  if (v->kind == PV_DTYPE && promoted(v->dtype)) v->dtype = DT_F64;
  for (int i = 0; i < v->nitems; i++) promote_pval(v->items[i]);
}

/* The params of j's equations, and of the jaxprs they hold: sub-jaxprs
 * and the custom rules a PV_NAME carries (trace_custom.c), which no pass
 * reaches but autodiff replays. Each jaxpr once (seen, by id). */
static void promote_jaxpr_params(ir_jaxpr *j, bool *seen) {
  if (seen[j->id]) return;
  seen[j->id] = true;
  for (uint32_t e = 0; e < j->neqns; e++)
    for (uint16_t p = 0; p < j->eqns[e].nparams; p++) {
      pval *v = j->eqns[e].params[p].val;
      promote_pval(v);
      if ((v->kind == PV_JAXPR || v->kind == PV_NAME) && v->jaxpr) promote_jaxpr_params(v->jaxpr, seen);
      for (int i = 0; v->kind == PV_TUPLE && i < v->nitems; i++)
        if (v->items[i]->kind == PV_JAXPR && v->items[i]->jaxpr) promote_jaxpr_params(v->items[i]->jaxpr, seen);
    }
}

static void promote_params(ir_module *m) {
  bool *seen = calloc(m->njaxprs + 1u, sizeof *seen);
  if (!seen) TJ_OOM();
  promote_jaxpr_params(m->top, seen);
  free(seen);
}

/* The message of the last diagnostic of d without ir_check's "internal
 * error: " (here the program is not wrong: float64 cannot compute it). */
static const char *last_message(const diag_list *d) {
  const char *msg = d->tail && d->tail->msg ? d->tail->msg : "";
  const char *prefix = "internal error: ";
  return strncmp(msg, prefix, strlen(prefix)) == 0 ? msg + strlen(prefix) : msg;
}

ir_module *pass_f64(const ir_module *src, diag_list *d) {
  ir_module *m = ir_clone(src);
  for (uint32_t i = 0; i < m->nconsts; i++) promote_const(m, &m->consts[i]);
  for (uint32_t v = 0; v < m->nvars; v++)
    if (promoted(m->vars[v].dtype)) m->vars[v].dtype = DT_F64;
  for (uint32_t l = 0; l < m->nlits; l++)
    if (promoted(m->lits[l].dtype)) m->lits[l].dtype = DT_F64;
  promote_params(m);
  tj_arena scratch = {0};
  diag_list why = {.arena = &scratch};
  bool ok = ir_check(m, &why);
  if (!ok) {
    const tj_diag *at = why.tail; /* the equation ir_check stopped at */
    diag_error(d, at ? at->src : NULL, at ? at->span : span_make(0, 0),
               "the function cannot be computed in float64, as the gradient check needs");
    diag_note(d, "promoted to float64, %s", last_message(&why));
    ir_free(m);
    m = NULL;
  }
  arena_free(&scratch);
  return m;
}
