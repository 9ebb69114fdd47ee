/* The reference evaluator's interpreter: an environment of arrays indexed
 * by variable, use counts so every intermediate is freed as soon as its
 * last reader has run, and dispatch through prims[].eval. */
#include "eval.h"
#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A failure has one message, its first. */
bool eval_fail(eval_state *s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (!s->failed) diag_verror_at(s->at, s->nomem ? DIAG_KIND_BUDGET : s->at->d->kind, fmt, ap);
  va_end(ap);
  s->failed = true;
  return false;
}

bool eval_bug(eval_state *s, const char *fmt, ...) {
  tj_buf msg = {0};
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(&msg, fmt, ap);
  va_end(ap);
  if (!s->failed) diag_error_at(s->at, "internal error: %s", msg.data);
  buf_free(&msg);
  s->failed = s->internal = true;
  return false;
}

/* The failure of an array of aval that array_new could not allocate. */
static void array_failed(eval_state *s, const tj_aval *aval) {
  char text[200];
  aval_format(aval, text, sizeof text);
  if (aval_size(aval) > TJ_MAX_ELEMENTS) {
    eval_fail(s, "cannot allocate an array of %s (limit is %lld elements)", text, (long long)TJ_MAX_ELEMENTS);
    return;
  }
  s->nomem = true;
  eval_fail(s, TJ_NOMEM_FMT "an array of %s in the reference evaluator", array_bytes(aval), text);
}

tj_array *eval_new(eval_state *s, const tj_aval *aval) {
  tj_array *a = array_new(aval);
  if (!a) array_failed(s, aval);
  return a;
}

tj_array *eval_copy(eval_state *s, const tj_array *a) {
  tj_array *c = array_copy(a);
  if (!c) {
    tj_aval av = array_aval(a, false);
    array_failed(s, &av);
  }
  return c;
}

tj_array *eval_new_out(eval_state *s, const ir_eqn *e, uint32_t k) {
  return eval_new(s, &s->m->vars[e->out[k]]);
}

void eval_strides(const tj_array *a, int64_t *strides) {
  int64_t st = 1;
  for (int d = a->rank - 1; d >= 0; d--) {
    strides[d] = st;
    st *= a->dims[d];
  }
}

void eval_free_all(tj_array **out, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    array_free(out[i]);
    out[i] = NULL;
  }
}

/* A literal as a scalar array of its dtype. */
static tj_array *literal_array(eval_state *s, const ir_lit *l) {
  tj_aval av = aval_scalar(l->dtype, l->weak);
  tj_array *a = eval_new(s, &av);
  if (!a) return NULL;
  if (dtype_is_float(l->dtype)) array_set_f(a, 0, l->f);
  else array_set_i(a, 0, l->i);
  return a;
}

/* One evaluation frame: env[v] is variable v's array while it is live;
 * uses[v] counts the reads still to come (operands and outputs). Input
 * arrays are borrowed, so never freed here. */
typedef struct frame {
  tj_array **env;
  int32_t *uses;
  uint8_t *owned;
} frame;

static void drop(frame *f, uint32_t v) {
  if (--f->uses[v] > 0 || !f->owned[v]) return;
  array_free(f->env[v]);
  f->env[v] = NULL;
  f->owned[v] = 0;
}

static void frame_free(frame *f, uint32_t nvars) {
  if (f->env && f->owned)
    for (uint32_t v = 0; v < nvars; v++)
      if (f->owned[v]) array_free(f->env[v]);
  free(f->env);
  free(f->uses);
  free(f->owned);
}

static void count_uses(frame *f, const ir_jaxpr *j) {
  for (uint32_t k = 0; k < j->neqns; k++)
    for (uint32_t i = 0; i < j->eqns[k].nin; i++)
      if (!ATOM_IS_LIT(j->eqns[k].in[i])) f->uses[ATOM_INDEX(j->eqns[k].in[i])]++;
  for (uint32_t i = 0; i < j->nout; i++)
    if (!ATOM_IS_LIT(j->outs[i])) f->uses[ATOM_INDEX(j->outs[i])]++;
}

/* Runs one equation: operands from the frame (literals made on the fly),
 * outputs into it; operands whose last use this was are freed. */
static bool run_eqn(eval_state *s, frame *f, const ir_eqn *e) {
  const tj_array **in = calloc(e->nin ? e->nin : 1, sizeof *in);
  tj_array **lits = calloc(e->nin ? e->nin : 1, sizeof *lits);
  tj_array **out = calloc(e->nout ? e->nout : 1, sizeof *out);
  bool ok = in && lits && out;
  if (!ok) eval_fail(s, "out of memory");
  for (uint32_t i = 0; ok && i < e->nin; i++) {
    ir_atom a = e->in[i];
    if (ATOM_IS_LIT(a)) ok = (in[i] = lits[i] = literal_array(s, &s->m->lits[ATOM_INDEX(a)])) != NULL;
    else in[i] = f->env[ATOM_INDEX(a)];
    if (ok && !in[i]) ok = eval_bug(s, "operand %u of %s is not defined", i, prims[e->prim].name);
  }
  if (ok) ok = prims[e->prim].eval(s, e, in, out);
  for (uint32_t i = 0; i < e->nin; i++) array_free(lits[i]);
  if (ok) {
    for (uint32_t k = 0; k < e->nout; k++) {
      uint32_t v = e->out[k];
      f->env[v] = out[k], f->owned[v] = 1;
      if (f->uses[v] == 0) f->uses[v] = 1, drop(f, v); /* never read: dead at once */
    }
    for (uint32_t i = 0; i < e->nin; i++)
      if (!ATOM_IS_LIT(e->in[i])) drop(f, ATOM_INDEX(e->in[i]));
  } else if (out)
    eval_free_all(out, e->nout);
  free(in);
  free(lits);
  free(out);
  return ok;
}

/* The outputs: copies (an output may also be an input, or listed twice). */
static bool collect_outputs(eval_state *s, frame *f, const ir_jaxpr *j, tj_array **outputs) {
  for (uint32_t i = 0; i < j->nout; i++) {
    ir_atom a = j->outs[i];
    outputs[i] = ATOM_IS_LIT(a) ? literal_array(s, &s->m->lits[ATOM_INDEX(a)]) : eval_copy(s, f->env[ATOM_INDEX(a)]);
    if (!outputs[i]) {
      eval_free_all(outputs, i);
      eval_fail(s, "out of memory");
      return false;
    }
  }
  return true;
}

/* j's constvars: arrays of their values, owned by the frame (freed after
 * their last reader, as intermediates are). */
static bool bind_consts(eval_state *s, frame *f, const ir_jaxpr *j) {
  for (uint32_t i = 0; i < j->nconst; i++) {
    uint32_t v = j->constvars[i];
    const void *data = ir_const_data(s->m, v);
    if (!data) return eval_bug(s, "constvar %u has no value", i);
    tj_aval av = s->m->vars[v];
    tj_array *a = eval_new(s, &av);
    if (!a) return false;
    memcpy(a->data, data, ir_aval_bytes(&av));
    f->env[v] = a, f->owned[v] = 1;
  }
  return true;
}

bool eval_sub(eval_state *s, const ir_jaxpr *j, const tj_array *const *inputs, tj_array **outputs) {
  /* depth 0 is the top-level jaxpr: the tracer allows TJ_MAX_JAXPR_NEST below it */
  if (s->depth > TJ_MAX_JAXPR_NEST)
    return eval_fail(s, "too many nested sub-jaxprs (limit is %d) in the reference evaluator", TJ_MAX_JAXPR_NEST);
  uint32_t nv = s->m->nvars ? s->m->nvars : 1;
  frame f = {calloc(nv, sizeof *f.env), calloc(nv, sizeof *f.uses), calloc(nv, 1)};
  if (!f.env || !f.uses || !f.owned) {
    frame_free(&f, 0);
    return eval_fail(s, "out of memory");
  }
  for (uint32_t i = 0; i < j->nin; i++) f.env[j->invars[i]] = (tj_array *)inputs[i];
  count_uses(&f, j);
  if (!bind_consts(s, &f, j)) {
    frame_free(&f, s->m->nvars);
    return false;
  }
  s->depth++;
  bool ok = true;
  for (uint32_t k = 0; ok && k < j->neqns; k++) ok = run_eqn(s, &f, &j->eqns[k]);
  s->depth--;
  if (ok) ok = collect_outputs(s, &f, j, outputs);
  frame_free(&f, s->m->nvars);
  return ok;
}

bool eval_charge(eval_state *s, int64_t n) {
  if ((s->work += (unsigned long long)n) <= s->max_work) return true;
  s->over_budget = true;
  if (!s->failed) work_budget_report(s->at->d, (long long)s->max_work);
  s->failed = true;
  return false;
}

tj_status eval_jaxpr_budget(const diag_at *at, const ir_module *m, const ir_jaxpr *j,
                            const tj_array *const *inputs, tj_array **outputs, long long max_work) {
  eval_state s = {.m = m, .at = at, .works = work_new(m),
                  .max_work = (unsigned long long)(max_work > 0 ? max_work : TJ_MAX_WORK)};
  /* the run's own equations first, as compiled code charges them */
  bool ok = eval_charge(&s, work_jaxpr(&s.works, j)) && eval_sub(&s, j, inputs, outputs);
  work_free(&s.works);
  if (ok) return TJ_OK;
  return s.internal ? TJ_ERR_INTERNAL : s.over_budget || s.nomem ? TJ_ERR_BUDGET : TJ_ERR_PROGRAM;
}

tj_status eval_jaxpr(const diag_at *at, const ir_module *m, const ir_jaxpr *j, const tj_array *const *inputs,
                     tj_array **outputs) {
  return eval_jaxpr_budget(at, m, j, inputs, outputs, TJ_MAX_WORK);
}
