/* tjit explain-recompile: the jit cache replayed over the spec's calls
 * (keys only, as JAX forms them before tracing), the closest seen
 * signature of every compilation, the CI budget and the what-if call. */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "json_scan.h"
#include "util.h"

tj_explain_opts tj_explain_defaults(void) {
  tj_explain_opts o = {.autograph = -1, .what_if_call = -1, .max_compiles = -1};
  return o;
}

void explain_call_pos(const explain_call *c, uint32_t *line, uint32_t *col) {
  *line = c->line;
  *col = c->col;
}

/* ---- the seen signatures, indexed by digest ---- */

static bool sig_digest_eq(const void *ctx, uint32_t i, const void *key) {
  return cache_digest_equal(((const tj_explain_report *)ctx)->sigs[i].key.digest,
                            *(const cache_digest *)key);
}

int explain_find(const tj_explain_report *r, cache_digest d) {
  uint32_t i = hashmap_find(&r->sig_index, d.lo, sig_digest_eq, r, &d);
  return i == HASHMAP_NONE ? -1 : (int)i;
}

int explain_add_sig(tj_explain_report *r, const cache_key *key, int first_call) {
  explain_sig s = {.key = *key, .first_call = first_call, .last_use = first_call};
  s.key.args = ARENA_ARRAY(&r->arena, cache_key_arg, key->nargs ? key->nargs : 1);
  memcpy(s.key.args, key->args, sizeof *key->args * (size_t)key->nargs);
  ARENA_PUSH(&r->arena, r->sigs, r->nsigs, r->capsigs, s);
  /* lookup adds only digests it did not find: each is indexed once */
  if (hashmap_add(&r->sig_index, key->digest.lo, sig_digest_eq, r, &key->digest,
                  (uint32_t)r->nsigs - 1) != HASHMAP_NONE)
    TJ_BUG("explain_add_sig: a signature seen before");
  return r->nsigs - 1;
}

/* The closest compiled signature: fewest mismatches, ties to the one used
 * most recently; among the EXPLAIN_MAX_CLOSEST compiled last. */
static int closest_sig(const tj_explain_report *r, const cache_key *key) {
  int best = -1, best_dist = 0, looked = 0;
  for (int i = r->nsigs - 1; i >= 0 && looked < EXPLAIN_MAX_CLOSEST; i--) {
    const explain_sig *s = &r->sigs[i];
    if (s->first_call < 0) continue;
    looked++;
    int d = cache_key_distance(key, &s->key);
    if (best < 0 || d < best_dist || (d == best_dist && s->last_use > r->sigs[best].last_use))
      best = i, best_dist = d;
  }
  return best;
}

/* Looks the key up: a hit, or a compilation with the closest signature's
 * mismatches. record: add it to the cache (a real call, not the what-if). */
static void lookup(tj_explain_report *r, const cache_key *key, int call, bool record, explain_call *out) {
  int sig = explain_find(r, key->digest);
  if (sig >= 0 && r->sigs[sig].first_call >= 0) {
    out->sig = sig;
    if (record) r->sigs[sig].last_use = call;
    return;
  }
  out->compiled = true;
  out->closest = closest_sig(r, key);
  if (out->closest >= 0)
    out->nmismatch = cache_key_diff(key, &r->sigs[out->closest].key, out->mm, EXPLAIN_MAX_SHOWN);
  out->sig = -1;
  if (!record) return;
  if (sig >= 0) { /* a variant made earlier becomes a compiled signature */
    r->sigs[sig].first_call = r->sigs[sig].last_use = call;
    out->sig = sig;
  } else {
    out->sig = explain_add_sig(r, key, call);
  }
}

/* The key of a call, bound first (false with the binding's diagnostic);
 * key's args hold TJ_MAX_PARAMS. */
static bool key_of_call(tj_explain_report *r, const spec_call *call, cache_key *key) {
  tj_arena scratch = {0}; /* the bound call: the key keeps none of it */
  bound_call bc;
  bool ok = bind_call(&r->binder, &scratch, call, &bc);
  if (ok) cache_key_for_call(&r->keyer, &bc, key);
  arena_free(&scratch);
  return ok;
}

static bool replay(tj_explain_report *r) {
  tj_spec *spec = r->spec;
  cache_key_arg args[TJ_MAX_PARAMS];
  r->ncalls = (int)spec->ncalls;
  r->calls = ARENA_ARRAY(&r->arena, explain_call, r->ncalls ? r->ncalls : 1);
  for (int c = 0; c < r->ncalls; c++) {
    cache_key key = {.args = args};
    if (!key_of_call(r, &spec->calls[c], &key)) return false;
    explain_call *ec = &r->calls[c];
    ec->json = spec->calls[c].json;
    source_position(ec->json->src, ec->json->span.start, &ec->line, &ec->col);
    lookup(r, &key, c, true, ec);
    if (!ec->compiled) continue;
    r->ncompiles++;
    ec->over_budget = r->max_compiles >= 0 && r->ncompiles > r->max_compiles;
  }
  return true;
}

/* ---- what-if: a call derived from a given one with some arguments changed ---- */

static bool what_if_error(tj_explain_report *r, const char *fmt, const char *a, const char *b) {
  return diag_error(&r->ctx->diags, NULL, span_make(0, 0), fmt, a, b);
}

/* One "name=JSON": the parameter's index and the parsed value. */
static bool parse_what_if(tj_explain_report *r, const char *text, int *param, const sjson **out) {
  const char *eq = strchr(text, '=');
  if (!eq || eq == text)
    return what_if_error(r, "--what-if '%s': expected NAME=VALUE, such as threshold=1.0%s", text, "");
  size_t n = (size_t)(eq - text);
  ast_func *entry = r->binder.entry;
  const char *names[TJ_MAX_PARAMS];
  *param = -1;
  for (int i = 0; i < entry->nparams; i++) {
    names[i] = name_str(r->spec->program->names, entry->params[i].name);
    if (strlen(names[i]) == n && memcmp(names[i], text, n) == 0) *param = i;
  }
  if (*param < 0) {
    const char *name = arena_strndup(&r->ctx->arena, text, n);
    what_if_error(r, "--what-if: '%s' is not a parameter of %s", name, r->function);
    const char *hint = suggest_word(name, n, names, (size_t)entry->nparams);
    if (hint) diag_hint(&r->ctx->diags, "did you mean '%s'?", hint);
    return false;
  }
  tj_source *src = ARENA_NEW(&r->ctx->arena, tj_source);
  const char *json = eq + 1;
  source_init(&r->ctx->arena, src, "--what-if", arena_strdup(&r->ctx->arena, json), (uint32_t)strlen(json));
  *out = json_parse(&r->ctx->arena, &r->ctx->diags, src, arena_printf(&r->ctx->arena, "--what-if %.*s", (int)n, text));
  if (!*out) diag_hint(&r->ctx->diags, "the value is JSON: quote a string, as in mode='\"fast\"'");
  return *out != NULL;
}

/* A call of vals (parameter order; NULL for one left out) in base's
 * style, by keyword when a left-out parameter comes before a given one. */
static bool rebuild_call(tj_explain_report *r, const spec_call *base, const sjson **vals, spec_call *out) {
  int n = r->binder.nparams, k = 0;
  bool gap = false, by_keyword = base->by_keyword;
  for (int i = 0; i < n; i++) gap |= !vals[i], by_keyword |= gap && vals[i];
  *out = (spec_call){.by_keyword = by_keyword, .values = ARENA_ARRAY(&r->ctx->arena, sjson *, n ? n : 1),
                     .json = base->json};
  out->names = ARENA_ARRAY(&r->ctx->arena, const char *, n ? n : 1);
  for (int i = 0; i < n; i++) {
    if (!vals[i]) continue;
    out->names[k] = name_str(r->spec->program->names, r->binder.entry->params[i].name);
    out->values[k++] = (sjson *)vals[i];
  }
  out->n = (uint32_t)k;
  if (!by_keyword) out->names = NULL;
  return true;
}

/* The base call with the --what-if values in place, as a call of the same
 * style (positional or by keyword). */
static bool what_if_call(tj_explain_report *r, const tj_explain_opts *o, const spec_call *base, spec_call *out) {
  int n = r->binder.nparams;
  const sjson **vals = ARENA_ARRAY(&r->ctx->arena, const sjson *, n ? n : 1);
  if (!bind_match(&r->binder, base, vals)) return false;
  tj_buf text = {0};
  for (int k = 0; k < o->nwhat_if; k++) {
    int p = -1;
    const sjson *v = NULL;
    if (!parse_what_if(r, o->what_if[k], &p, &v)) { buf_free(&text); return false; }
    vals[p] = v;
    buf_printf(&text, "%s%s", k ? ", " : "", o->what_if[k]);
  }
  r->what_if_text = arena_strdup(&r->arena, text.data ? text.data : "");
  buf_free(&text);
  return rebuild_call(r, base, vals, out);
}

static bool what_if(tj_explain_report *r, const tj_explain_opts *o) {
  if (o->nwhat_if <= 0) return true;
  diag_set_kind(&r->ctx->diags, DIAG_KIND_USAGE);
  int base = o->what_if_call < 0 ? r->ncalls - 1 : o->what_if_call;
  if (base >= r->ncalls)
    return diag_error(&r->ctx->diags, NULL, span_make(0, 0), "--call %d: the spec has %d call%s", base, r->ncalls,
                      r->ncalls == 1 ? "" : "s");
  spec_call call;
  cache_key_arg args[TJ_MAX_PARAMS];
  cache_key key = {.args = args};
  if (!what_if_call(r, o, &r->spec->calls[base], &call) || !key_of_call(r, &call, &key)) return false;
  r->has_what_if = true;
  r->what_if_base = base;
  r->what_if.json = r->spec->calls[base].json;
  r->what_if.line = r->calls[base].line;
  r->what_if.col = r->calls[base].col;
  lookup(r, &key, r->ncalls, false, &r->what_if);
  if (r->what_if.compiled) r->what_if.sig = explain_add_sig(r, &key, -1);
  return true;
}

/* Over the budget: one error, at the first call over it (the report's
 * formats show it; the text form leaves it to the diagnostics). */
static void budget_error(tj_explain_report *r) {
  diag_list *d = &r->ctx->diags;
  tj_buf over = {0};
  int first = -1, n = 0;
  for (int c = 0; c < r->ncalls; c++) {
    if (!r->calls[c].over_budget) continue;
    if (first < 0) first = c;
    buf_printf(&over, "%s%d", n++ ? ", " : "", c);
  }
  const sjson *at = r->calls[first].json;
  diag_set_kind(d, DIAG_KIND_BUDGET);
  diag_error(d, at->src, at->span, "%d compilations exceed --max-compiles %ld: call %d is compilation %ld",
             r->ncompiles, r->max_compiles, first, r->max_compiles + 1);
  if (n > 1) diag_note(d, "the calls over the budget: %s", over.data);
  buf_free(&over);
}

/* ---- the API ---- */

tj_status tj_explain(tj_ctx *ctx, tj_spec *spec, const tj_explain_opts *opts, tj_explain_report **out) {
  tj_explain_opts o = opts ? *opts : tj_explain_defaults();
  *out = NULL;
  diag_set_kind(&ctx->diags, DIAG_KIND_SPEC);
  if (spec->listing) {
    diag_set_kind(&ctx->diags, DIAG_KIND_USAGE);
    diag_error(&ctx->diags, NULL, span_make(0, 0),
               "%s is a jaxpr listing: it has no calls to replay (explain-recompile takes a spec, tjit-spec(5))",
               spec->file.name);
    return TJ_ERR_USAGE;
  }
  if (!spec->ncalls) {
    diag_error(&ctx->diags, &spec->file, span_make(0, 0), "the spec has no \"calls\" to replay");
    return TJ_ERR_USAGE;
  }
  tj_explain_report *r = calloc(1, sizeof *r);
  if (!r) TJ_OOM();
  r->ctx = ctx;
  r->spec = spec;
  r->max_compiles = o.max_compiles;
  bool ok = binder_init(&r->binder, &ctx->diags, spec);
  if (ok) {
    cache_keyer_init(&r->keyer, spec, r->binder.entry, o.autograph);
    r->function = name_str(spec->program->names, r->binder.entry->name);
    r->function_span = r->binder.entry->name_span;
    ok = replay(r) && what_if(r, &o);
  }
  if (!ok) { /* a call that cannot be made, with tjit check's diagnostic and status (bind.c) */
    tj_explain_free(r);
    return TJ_ERR_USAGE;
  }
  explain_analyse(r);
  if (tj_explain_status(r) != TJ_OK) budget_error(r);
  *out = r;
  return TJ_OK;
}

tj_status tj_explain_status(const tj_explain_report *r) {
  return r->max_compiles >= 0 && r->ncompiles > r->max_compiles ? TJ_ERR_BUDGET : TJ_OK;
}

int tj_explain_compiles(const tj_explain_report *r) { return r->ncompiles; }

const char *tj_explain_function(const tj_explain_report *r) { return r->function; }

/* The call that made compilation k (1-based), or NULL. */
static const explain_call *compiling_call(const tj_explain_report *r, int k) {
  for (int c = 0, n = 0; c < r->ncalls; c++)
    if (r->calls[c].compiled && ++n == k) return &r->calls[c];
  return NULL;
}

void tj_explain_error_at(tj_ctx *ctx, const tj_explain_report *r, int k, const char *message) {
  const explain_call *c = compiling_call(r, k);
  diag_kind before = diag_set_kind(&ctx->diags, DIAG_KIND_BUDGET);
  if (c) diag_error(&ctx->diags, c->json->src, c->json->span, "%s", message);
  else diag_error(&ctx->diags, &r->spec->code, r->function_span, "%s", message);
  diag_set_kind(&ctx->diags, before);
}

void tj_explain_free(tj_explain_report *r) {
  if (!r) return;
  hashmap_free(&r->sig_index);
  arena_free(&r->arena);
  free(r);
}
