/* How the traces use each argument (tjit-explain-recompile(1), "the
 * analysis"). Every compiled signature is traced once, and the tracer
 * records what it did with each static parameter and with anything
 * computed from it (trace.h's USE_* bits); a static argument's class is
 * the union over those traces:
 *
 *   decided control flow, a shape, an axis, an index, a dtype or a call: structural
 *   otherwise, became a literal value in an equation:                    constant
 *   otherwise (never read; never named in the body needs no trace):     unused
 *
 * No trace is needed for a hit, and none when no static argument is read
 * with two values or more. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "trace.h"
#include "util.h"

/* ---- tracing one signature ---- */

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
  diag_render(&taken, f, NULL);
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

/* Traces compiled signature s once, recording its uses of the static
 * parameters; false when the trace failed or the trace limit was reached
 * (sig->traced stays 0 then). */
static bool trace_sig(tj_explain_report *r, int s) {
  explain_sig *sig = &r->sigs[s];
  if (sig->traced) return sig->traced > 0;
  if (r->ntraces >= EXPLAIN_MAX_TRACES || r->trace_work >= EXPLAIN_MAX_TRACE_WORK) return false;
  r->ntraces++;
  tj_trace_opts o = tj_trace_defaults();
  o.autograph = r->keyer.autograph;
  o.call = sig->first_call;
  sig->use = ARENA_ARRAY(&r->arena, uint8_t, TJ_MAX_PARAMS);
  memset(sig->use, 0, TJ_MAX_PARAMS);
  diag_list *d = &r->ctx->diags;
  tj_diag *tail = d->tail;
  int nerrors = d->nerrors;
  tj_jaxpr *jaxpr = NULL;
  uint64_t work = 0;
  tj_status st = api_trace_uses(r->ctx, r->spec, &o, &jaxpr, sig->use, &work);
  r->trace_work += work;
  tj_jaxpr_free(jaxpr); /* only its uses are kept */
  sig->traced = st == TJ_OK ? 1 : -1;
  if (st != TJ_OK) take_diagnostics(r, sig, tail, nerrors);
  return st == TJ_OK;
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
    if (args[p].omitted) { /* no argument to drop or trace: the key stays */
      d[n++] = k.digest;
      continue;
    }
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
    const cache_key_arg *f = &r->sigs[a->shown[0]].key.args[a->param];
    const tj_aval *first = &f->aval;
    if (a->is_static || v->omitted || f->omitted) continue; /* a left-out one has no aval */
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

/* The union of what the traces of every compiled signature did with
 * static argument a: structural as soon as one decided something with it
 * (a partial trace's decision counts: it was made); else not classified
 * when a trace failed or was not made, since the rest of it might have;
 * else constant or unused. */
static void classify_by_uses(tj_explain_report *r, explain_arg *a) {
  bool missing = false;
  for (int s = 0; s < r->nsigs; s++) {
    explain_sig *sig = &r->sigs[s];
    if (sig->first_call < 0) continue;
    bool ok = trace_sig(r, s);
    if (!ok && sig->traced < 0 && a->error_sig < 0) a->error_sig = s;
    missing |= !ok;
    if (!sig->use) continue;
    if ((sig->use[a->param] & USE_DECIDED) && a->decided_sig < 0) a->decided_sig = s;
    a->use |= sig->use[a->param];
  }
  if (a->use & USE_DECIDED) a->cls = ARG_STRUCTURAL, a->error_sig = -1;
  else if (missing) a->cls = ARG_NEEDS_TRACE;
  else a->cls = a->use & USE_LITERAL ? ARG_CONSTANT : ARG_UNUSED;
}

static void classify_static(tj_explain_report *r, explain_arg *a) {
  const ast_func *entry = r->binder.entry;
  a->read = names_param(entry->body, entry->params[a->param].name);
  a->avoidable = -1;
  if (!a->read) a->cls = ARG_UNUSED;
  else if (a->nvalues < 2) a->cls = ARG_ONE_VALUE;
  else classify_by_uses(r, a);
  if (a->cls == ARG_UNUSED) a->avoidable = r->ncompiles - compiles_if(r, a->param, false);
  if (a->cls == ARG_CONSTANT) {
    int n = compiles_if(r, a->param, true);
    a->avoidable = n < 0 ? -1 : r->ncompiles - n;
  }
}

void explain_analyse(tj_explain_report *r) {
  int n = r->binder.nparams;
  r->nargs = n;
  r->args = ARENA_ARRAY(&r->arena, explain_arg, n ? n : 1);
  for (int p = 0; p < n; p++) {
    explain_arg *a = &r->args[p];
    a->param = p;
    a->name = r->sigs[0].key.args[p].name;
    a->is_static = r->binder.is_static[p];
    a->cls = ARG_TRACED;
    a->error_sig = a->decided_sig = -1;
    collect_values(r, a);
    a->caused = caused_by(r, p);
    a->avoidable = -1;
    if (a->is_static) classify_static(r, a);
  }
}
