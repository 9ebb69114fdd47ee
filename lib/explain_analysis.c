/* How the traces use each argument (tjit-explain-recompile(1), "the
 * analysis"). A static argument is compared one value at a time: the base
 * signature (call 0's) is traced, and so is the base with only that
 * argument changed to each other value seen; their jaxprs are compared:
 *
 *   never named in the function's body, or every jaxpr identical: unused
 *   the same jaxpr except the values of literals:                   constant
 *   anything else (equations, shapes, params, literal types):       structural
 *
 * A signature is traced at most once, and no trace is needed for a hit. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- tracing one signature ---- */

/* A call with the key's arguments, as --args text: each value's JSON as
 * written (its span in the spec or the --what-if text). */
static char *call_json(const tj_explain_report *r, const cache_key *k) {
  tj_buf b = {0};
  bool kw = k->nargs && k->args[0].by_keyword;
  buf_putc(&b, kw ? '{' : '[');
  for (int i = 0; i < k->nargs; i++) {
    const sjson *j = k->args[i].json;
    if (i) buf_puts(&b, ", ");
    if (kw) buf_printf(&b, "\"%s\": ", k->args[i].name);
    buf_putn(&b, j->src->text + j->span.start, j->span.end - j->span.start);
  }
  buf_putc(&b, kw ? '}' : ']');
  (void)r;
  return buf_detach(&b);
}

/* Moves the diagnostics added after tail out of the context into the
 * signature, rendered: the report shows them, the command does not. */
static void take_diagnostics(tj_explain_report *r, explain_sig *sig, tj_diag *tail, int nerrors) {
  diag_list *d = &r->ctx->diags;
  tj_diag *first = tail ? tail->next : d->head;
  diag_list taken = {.arena = d->arena, .head = first, .tail = first ? d->tail : NULL};
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) TJ_OOM();
  diag_render(&taken, f);
  fclose(f);
  sig->trace_error = arena_strndup(&r->arena, len ? text : "tjit: error: the trace failed with no diagnostic\n",
                                   len ? len : strlen("tjit: error: the trace failed with no diagnostic\n"));
  free(text);
  sig->error = first;
  if (tail) tail->next = NULL;
  else d->head = NULL;
  d->tail = tail;
  d->nerrors = nerrors;
}

/* Traces signature s once; false when the trace failed or the trace limit
 * was reached (sig->traced stays 0 then). */
static bool trace_sig(tj_explain_report *r, int s) {
  explain_sig *sig = &r->sigs[s];
  if (sig->traced) return sig->traced > 0;
  if (r->ntraces >= EXPLAIN_MAX_TRACES) return false;
  r->ntraces++;
  tj_trace_opts o = tj_trace_defaults();
  o.autograph = r->keyer.autograph;
  char *json = NULL;
  if (sig->first_call >= 0) o.call = sig->first_call;
  else o.args_json = json = call_json(r, &sig->key);
  diag_list *d = &r->ctx->diags;
  tj_diag *tail = d->tail;
  int nerrors = d->nerrors;
  tj_status st = tj_trace(r->ctx, r->spec, &o, &r->sigs[s].jaxpr);
  free(json);
  sig = &r->sigs[s];
  sig->traced = st == TJ_OK ? 1 : -1;
  if (st != TJ_OK) take_diagnostics(r, sig, tail, nerrors);
  return st == TJ_OK;
}

/* ---- comparing two jaxprs ---- */

typedef enum { IR_SAME, IR_LITERALS, IR_DIFFERENT } ir_diff;

static ir_diff worse(ir_diff a, ir_diff b) { return a > b ? a : b; }

/* Equal index arrays (an empty one may be NULL). */
static bool same_vars(const uint32_t *a, const uint32_t *b, uint32_t n) {
  return n == 0 || memcmp(a, b, sizeof *a * n) == 0;
}

static ir_diff cmp_atom(const ir_module *ma, ir_atom a, const ir_module *mb, ir_atom b) {
  if (ATOM_IS_LIT(a) != ATOM_IS_LIT(b)) return IR_DIFFERENT;
  if (!ATOM_IS_LIT(a)) return a == b ? IR_SAME : IR_DIFFERENT;
  const ir_lit *x = &ma->lits[ATOM_INDEX(a)], *y = &mb->lits[ATOM_INDEX(b)];
  if (x->dtype != y->dtype || x->weak != y->weak) return IR_DIFFERENT;
  bool same = dtype_is_float(x->dtype) ? x->f == y->f : x->i == y->i;
  return same ? IR_SAME : IR_LITERALS;
}

static ir_diff cmp_jaxpr(const ir_module *ma, const ir_jaxpr *a, const ir_module *mb, const ir_jaxpr *b);

static ir_diff cmp_pval(const ir_module *ma, const pval *a, const ir_module *mb, const pval *b) {
  if (a->kind != b->kind) return IR_DIFFERENT;
  switch (a->kind) {
  case PV_NONE: return IR_SAME;
  case PV_BOOL: case PV_INT: return a->i == b->i ? IR_SAME : IR_DIFFERENT;
  case PV_FLOAT: return a->f == b->f ? IR_SAME : IR_DIFFERENT;
  case PV_DTYPE: return a->dtype == b->dtype ? IR_SAME : IR_DIFFERENT;
  case PV_NAME: return strcmp(a->s, b->s) == 0 ? IR_SAME : IR_DIFFERENT;
  case PV_JAXPR: return cmp_jaxpr(ma, a->jaxpr, mb, b->jaxpr);
  case PV_TUPLE: case PV_LIST: break;
  }
  if (a->nitems != b->nitems) return IR_DIFFERENT;
  ir_diff d = IR_SAME;
  for (int i = 0; i < a->nitems && d != IR_DIFFERENT; i++) d = worse(d, cmp_pval(ma, a->items[i], mb, b->items[i]));
  return d;
}

static ir_diff cmp_eqn(const ir_module *ma, const ir_eqn *a, const ir_module *mb, const ir_eqn *b) {
  if (a->prim != b->prim || a->nparams != b->nparams || a->nin != b->nin || a->nout != b->nout) return IR_DIFFERENT;
  if (!same_vars(a->out, b->out, a->nout)) return IR_DIFFERENT;
  ir_diff d = IR_SAME;
  for (uint32_t i = 0; i < a->nin && d != IR_DIFFERENT; i++) d = worse(d, cmp_atom(ma, a->in[i], mb, b->in[i]));
  for (uint16_t i = 0; i < a->nparams && d != IR_DIFFERENT; i++)
    d = strcmp(a->params[i].key, b->params[i].key) != 0
            ? IR_DIFFERENT
            : worse(d, cmp_pval(ma, a->params[i].val, mb, b->params[i].val));
  return d;
}

static ir_diff cmp_jaxpr(const ir_module *ma, const ir_jaxpr *a, const ir_module *mb, const ir_jaxpr *b) {
  if (a->nconst != b->nconst || a->nin != b->nin || a->neqns != b->neqns || a->nout != b->nout) return IR_DIFFERENT;
  if (!same_vars(a->constvars, b->constvars, a->nconst) || !same_vars(a->invars, b->invars, a->nin))
    return IR_DIFFERENT;
  ir_diff d = IR_SAME;
  for (uint32_t i = 0; i < a->neqns && d != IR_DIFFERENT; i++) d = worse(d, cmp_eqn(ma, &a->eqns[i], mb, &b->eqns[i]));
  for (uint32_t i = 0; i < a->nout && d != IR_DIFFERENT; i++) d = worse(d, cmp_atom(ma, a->outs[i], mb, b->outs[i]));
  return d;
}

/* Variables are numbered in the order traced, so equal programs number
 * them alike: their avals must agree one by one. */
static ir_diff cmp_module(const ir_module *a, const ir_module *b) {
  if (a->nvars != b->nvars) return IR_DIFFERENT;
  for (uint32_t i = 0; i < a->nvars; i++)
    if (!aval_equal(&a->vars[i], &b->vars[i])) return IR_DIFFERENT;
  return cmp_jaxpr(a, a->top, b, b->top);
}

/* ---- counting ---- */

static int cmp_digest(const void *pa, const void *pb) {
  const cache_digest *a = pa, *b = pb;
  if (a->hi != b->hi) return a->hi < b->hi ? -1 : 1;
  return (a->lo > b->lo) - (a->lo < b->lo);
}

static int count_distinct(cache_digest *d, int n) {
  qsort(d, (size_t)n, sizeof *d, cmp_digest);
  int k = 0;
  for (int i = 0; i < n; i++) k += i == 0 || !cache_digest_equal(d[i], d[i - 1]);
  return k;
}

/* Compilations had argument p been dropped from the key (traced false) or
 * been traced (traced true); -1 when one of its values is not an array. */
static int compiles_if(tj_explain_report *r, int p, bool traced) {
  cache_digest *d = malloc(sizeof *d * (size_t)(r->nsigs ? r->nsigs : 1));
  cache_key_arg args[TJ_MAX_PARAMS];
  tj_arena scratch = {0};
  diag_list quiet = {.arena = &scratch}; /* a value that is no array is an answer, not an error */
  int n = 0, result = 0;
  if (!d) TJ_OOM();
  for (int s = 0; s < r->nsigs && result >= 0; s++) {
    if (r->sigs[s].first_call < 0) continue;
    cache_key k = r->sigs[s].key;
    memcpy(args, k.args, sizeof *args * (size_t)k.nargs);
    k.args = args;
    args[p].is_static = false;
    args[p].digest = (cache_digest){0, 0};
    if (traced && !spec_value_aval(&quiet, r->spec, args[p].json, &args[p].aval)) result = -1;
    else if (traced) args[p].digest = cache_aval_digest(&args[p].aval);
    d[n++] = cache_key_combine(&k);
  }
  if (result >= 0) result = count_distinct(d, n);
  arena_free(&scratch);
  free(d);
  return result;
}

/* Distinct values of argument p over the compiled signatures, and a
 * signature for each of the first EXPLAIN_MAX_VALUES. */
static void collect_values(tj_explain_report *r, explain_arg *a) {
  cache_digest *d = malloc(sizeof *d * (size_t)(r->nsigs ? r->nsigs : 1));
  int n = 0;
  if (!d) TJ_OOM();
  for (int s = 0; s < r->nsigs; s++) {
    const explain_sig *sig = &r->sigs[s];
    if (sig->first_call < 0) continue;
    const cache_key_arg *v = &sig->key.args[a->param];
    d[n++] = v->digest;
    bool seen = false;
    for (int k = 0; k < a->nshown && !seen; k++)
      seen = cache_digest_equal(r->sigs[a->shown[k]].key.args[a->param].digest, v->digest);
    if (!seen && a->nshown < EXPLAIN_MAX_VALUES) a->shown[a->nshown++] = s;
    const tj_aval *first = &r->sigs[a->shown[0]].key.args[a->param].aval;
    if (a->is_static) continue;
    a->dtype_varies |= v->aval.dtype != first->dtype;
    a->shape_varies |= !aval_same_shape(&v->aval, first);
    a->weak_varies |= v->aval.weak != first->weak;
  }
  a->nvalues = count_distinct(d, n);
  free(d);
}

static int caused_by(const tj_explain_report *r, int p) {
  int n = 0;
  for (int c = 0; c < r->ncalls; c++) {
    const explain_call *ec = &r->calls[c];
    bool named = false;
    for (int k = 0; ec->compiled && k < ec->nmismatch && k < EXPLAIN_MAX_SHOWN; k++) named |= ec->mm[k].arg == p;
    n += named;
  }
  return n;
}

/* ---- classifying a static argument ---- */

static bool names_param(const node *n, name_id name) {
  if (!n) return false;
  if (n->kind == ND_IDENT && n->name == name) return true;
  const node *kids[] = {n->lhs, n->rhs, n->cond, n->then, n->els, n->init, n->inc, n->body};
  for (size_t i = 0; i < TJ_COUNT(kids); i++)
    if (names_param(kids[i], name)) return true;
  for (int i = 0; i < n->nitems; i++)
    if (names_param(n->items[i], name)) return true;
  return n->kind == ND_FUNC && n->func && names_param(n->func->body, name);
}

/* The base signature with argument p taken from signature from. */
static int variant(tj_explain_report *r, int base, int p, int from) {
  cache_key_arg args[TJ_MAX_PARAMS];
  cache_key k = r->sigs[base].key;
  memcpy(args, k.args, sizeof *args * (size_t)k.nargs);
  k.args = args;
  bool kw = args[p].by_keyword;
  args[p] = r->sigs[from].key.args[p];
  args[p].by_keyword = kw;
  k.digest = cache_key_combine(&k);
  int s = explain_find(r, k.digest);
  return s >= 0 ? s : explain_add_sig(r, &k, -1);
}

/* Compares the base's jaxpr with each variant's. */
static void compare_values(tj_explain_report *r, explain_arg *a) {
  int base = r->calls[0].sig;
  ir_diff worst = IR_SAME;
  a->error_sig = -1;
  if (!trace_sig(r, base)) { a->cls = ARG_NEEDS_TRACE; a->error_sig = base; return; }
  for (int k = 0; k < a->nshown && worst != IR_DIFFERENT; k++) {
    int v = variant(r, base, a->param, a->shown[k]);
    if (v == base) continue;
    if (!trace_sig(r, v)) { a->cls = ARG_NEEDS_TRACE; a->error_sig = v; return; }
    ir_diff d = cmp_module(r->sigs[base].jaxpr->m, r->sigs[v].jaxpr->m);
    if (d > worst) a->differs_sig = v;
    worst = worse(worst, d);
  }
  a->cls = worst == IR_DIFFERENT ? ARG_STRUCTURAL : worst == IR_LITERALS ? ARG_CONSTANT : ARG_UNUSED;
}

static void classify_static(tj_explain_report *r, explain_arg *a) {
  const ast_func *entry = r->keyer.t.entry;
  a->read = names_param(entry->body, entry->params[a->param].name);
  a->avoidable = -1;
  if (!a->read) a->cls = ARG_UNUSED;
  else if (a->nvalues < 2) a->cls = ARG_ONE_VALUE;
  else compare_values(r, a);
  if (a->cls == ARG_UNUSED) a->avoidable = r->ncompiles - compiles_if(r, a->param, false);
  if (a->cls == ARG_CONSTANT) {
    int n = compiles_if(r, a->param, true);
    a->avoidable = n < 0 ? -1 : r->ncompiles - n;
  }
}

void explain_analyse(tj_explain_report *r) {
  int n = r->keyer.nparams;
  r->nargs = n;
  r->args = ARENA_ARRAY(&r->arena, explain_arg, n ? n : 1);
  for (int p = 0; p < n; p++) {
    explain_arg *a = &r->args[p];
    a->param = p;
    a->name = r->sigs[0].key.args[p].name;
    a->is_static = r->keyer.is_static[p];
    a->cls = ARG_TRACED;
    a->error_sig = a->differs_sig = -1;
    collect_values(r, a);
    a->caused = caused_by(r, p);
    a->avoidable = -1;
    if (a->is_static) classify_static(r, a);
  }
}
