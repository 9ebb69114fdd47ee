/* Jaxpr listings as specs (issue 20): the text JAX's make_jaxpr prints,
 * read back by lib/front/jaxpr_read.c, wherever tjit takes a spec. A
 * listing has no calls and no argument values (JAX prints neither), so
 * "tracing" one parses it again into a fresh module and gives each of its
 * variables (constvars, then invars) the value the options name: --args
 * (a JSON array in that order, or an object by the listing's names),
 * --arg-npy NAME=FILE, or --fill-random's seed. A constvar's value
 * becomes the module's constant data (what JAX closed over); an invar's
 * is its tj_jaxpr.invar_json, read by tj_run and tj_export as a spec's
 * argument is. */
#include "tjit.h"
#include "api.h"

#include "alloc.h"
#include "array.h"
#include "jaxpr_read.h"
#include "json_scan.h"
#include "limits.h"
#include "spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool api_is_listing_path(const char *path) {
  size_t n = strlen(path);
  return n > 6 && strcmp(path + n - 6, ".jaxpr") == 0;
}

int tj_spec_is_listing(const tj_spec *spec) { return spec->listing; }

tj_status tj_listing_load(tj_ctx *ctx, const char *path, const char *text, size_t len, tj_spec **out) {
  diag_set_kind(&ctx->diags, DIAG_KIND_SPEC);
  if (len > TJ_MAX_SOURCE_BYTES) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "%s: listing is too large (limit is %d bytes)", path,
               TJ_MAX_SOURCE_BYTES);
    return TJ_ERR_USAGE;
  }
  tj_spec *spec = ARENA_NEW(&ctx->arena, tj_spec);
  spec->listing = true;
  spec->dir = "."; /* the values' files are the command line's: relative to the current directory */
  source_init(&ctx->arena, &spec->code, arena_strdup(&ctx->arena, path), text, (uint32_t)len);
  spec->file = spec->code;
  jaxpr_listing l;
  diag_set_kind(&ctx->diags, DIAG_KIND_SYNTAX); /* read now, so that a bad listing fails as a source does */
  if (!jaxpr_read(&ctx->diags, &spec->code, &l)) return TJ_ERR_PROGRAM;
  ir_free(l.m);
  *out = spec;
  return TJ_OK;
}

tj_status tj_listing_read(tj_ctx *ctx, const char *path, tj_spec **out) {
  size_t len;
  char *text = api_read_file(ctx, path, &len);
  if (!text) return TJ_ERR_USAGE;
  return tj_listing_load(ctx, strcmp(path, "-") == 0 ? "<stdin>" : path, text, len, out);
}

/* ---- the variables' values ---- */

/* One listing being given its values. */
typedef struct listing_values {
  tj_ctx *ctx;
  const tj_spec *spec;
  jaxpr_listing l;
  uint32_t nconst, nin, n;      /* constvars, invars, both */
  const char *names[2 * TJ_MAX_INPUTS];
  tj_aval avals[2 * TJ_MAX_INPUTS];
  const sjson *given[2 * TJ_MAX_INPUTS]; /* as written: --args or --arg-npy; NULL: none */
  const char *given_by[2 * TJ_MAX_INPUTS];
  const sjson *given_at[2 * TJ_MAX_INPUTS]; /* where its errors point: the value, or --arg-npy's FILE */
} listing_values;

/* A usage error without a place (a value missing, a name unknown). */
static tj_status usage(listing_values *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static tj_status usage(listing_values *v, const char *fmt, ...) {
  char message[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  diag_set_kind(&v->ctx->diags, DIAG_KIND_USAGE);
  diag_error(&v->ctx->diags, NULL, span_make(0, 0), "%s", message);
  return TJ_ERR_USAGE;
}

/* "b:f32[3]", as the listing declares variable i. */
static const char *declared(listing_values *v, uint32_t i) {
  char aval[160];
  aval_format(&v->avals[i], aval, sizeof aval);
  return arena_printf(&v->ctx->arena, "%s:%s", v->names[i], aval);
}

static int find_name(const listing_values *v, const char *name, size_t len) {
  for (uint32_t i = 0; i < v->n; i++)
    if (strlen(v->names[i]) == len && memcmp(v->names[i], name, len) == 0) return (int)i;
  return -1;
}

/* Every variable's name, for a message: "a, b, c". */
static const char *all_names(listing_values *v) {
  tj_buf b = {0};
  for (uint32_t i = 0; i < v->n; i++) buf_printf(&b, "%s%s", i ? ", " : "", v->names[i]);
  const char *s = arena_strdup(&v->ctx->arena, b.data ? b.data : "none");
  buf_free(&b);
  return s;
}

/* Records variable i's value, given by the option by; at is where an
 * error about it points. A second value for i is an error there. */
static bool give(listing_values *v, int i, const sjson *value, const char *by, const sjson *at) {
  if (v->given[i])
    return json_error(&v->ctx->diags, at, at->span, "'%s' is given twice: by %s and by %s", v->names[i],
                      v->given_by[i], by);
  v->given[i] = value, v->given_by[i] = by, v->given_at[i] = at;
  return true;
}

/* --args: an array of every variable's value in order, or an object by
 * the listing's names. */
static tj_status read_args(listing_values *v, const char *text) {
  spec_call call;
  diag_list *d = &v->ctx->diags;
  diag_set_kind(d, DIAG_KIND_SPEC);
  if (!spec_parse_call(&v->ctx->arena, d, "--args", text, (uint32_t)strlen(text), &call)) return TJ_ERR_USAGE;
  if (!call.by_keyword && call.n != v->n) {
    json_error(d, call.json, call.json->span, "the listing takes %u value%s (%u constvar%s, then %u invar%s: %s), found %u",
               v->n, v->n == 1 ? "" : "s", v->nconst, v->nconst == 1 ? "" : "s", v->nin, v->nin == 1 ? "" : "s",
               all_names(v), call.n);
    return TJ_ERR_USAGE;
  }
  for (uint32_t k = 0; k < call.n; k++) {
    int i = call.by_keyword ? find_name(v, call.names[k], strlen(call.names[k])) : (int)k;
    if (i < 0) {
      json_error(d, call.json, call.name_spans[k], "the listing has no variable '%s' (its variables: %s)",
                 call.names[k], all_names(v));
      return TJ_ERR_USAGE;
    }
    if (!give(v, i, call.values[k], "--args", call.values[k])) return TJ_ERR_USAGE;
  }
  return TJ_OK;
}


/* A JSON object made here, as spec.c's readers need one (a json_parse
 * node); path names it in messages. */
static const sjson *made_object(listing_values *v, const char *text, const char *path) {
  tj_arena *a = &v->ctx->arena;
  tj_source *src = ARENA_NEW(a, tj_source);
  source_init(a, src, "<listing>", text, (uint32_t)strlen(text));
  return json_parse(a, &v->ctx->diags, src, path);
}

/* --arg-npy NAME=FILE: {"npy": FILE} for NAME, FILE's span in a source
 * "--arg-npy" holding the option's value, where its errors point. */
static tj_status read_npy_arg(listing_values *v, const char *arg) {
  tj_arena *a = &v->ctx->arena;
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1])
    return usage(v, "invalid --arg-npy '%s' (expected NAME=FILE, NAME a variable of the listing)", arg);
  int i = find_name(v, arg, (size_t)(eq - arg));
  if (i < 0)
    return usage(v, "--arg-npy: the listing has no variable '%s' (its variables: %s)",
                 arena_strndup(a, arg, (size_t)(eq - arg)), all_names(v));
  tj_source *src = ARENA_NEW(a, tj_source);
  uint32_t len = (uint32_t)strlen(arg), at = (uint32_t)(eq + 1 - arg);
  source_init(a, src, "--arg-npy", arena_strdup(a, arg), len);
  const char *path = arena_printf(a, "--arg-npy %s", v->names[i]);
  diag_set_kind(&v->ctx->diags, DIAG_KIND_SPEC);
  const sjson *obj = made_object(v, "{\"npy\": \"\"}", path);
  sjson *file = ARENA_NEW(a, sjson);
  if (!obj) return TJ_ERR_INTERNAL;
  *file = (sjson){.kind = SJ_STRING, .s = src->text + at, .slen = len - at, .src = src, .span = span_make(at, len),
                  .path = path};
  obj->items[0] = file;
  return give(v, i, obj, "--arg-npy", file) ? TJ_OK : TJ_ERR_USAGE;
}

/* "[3, 4]": a shape as JSON. */
static const char *shape_json(listing_values *v, const tj_aval *aval) {
  tj_buf b = {0};
  buf_putc(&b, '[');
  for (int k = 0; k < aval->rank; k++) buf_printf(&b, "%s%lld", k ? ", " : "", (long long)aval->dims[k]);
  buf_putc(&b, ']');
  const char *s = arena_strdup(&v->ctx->arena, b.data);
  buf_free(&b);
  return s;
}

/* Variable i's given value as a spec value of exactly its aval: an array
 * object ({"dtype", "shape", "data"}, {"npy"} ...) as written, whose dtype
 * and shape must be the variable's; a number, bool or nested list as the
 * "data" of such an object of the variable's dtype and shape (a Python
 * value made an array as jnp.asarray(x, dtype) makes it, where it fits:
 * 1 for f32, not 1.5 for i32). NULL after an error. */
static const sjson *checked_value(listing_values *v, uint32_t i) {
  diag_list *d = &v->ctx->diags;
  const sjson *x = v->given[i];
  tj_aval got, want = v->avals[i];
  char have[160];
  if (!spec_value_aval(d, v->spec, x, &got)) return NULL;
  if (x->kind != SJ_OBJECT && want.dtype != DT_KEY && want.dtype != DT_FLOAT0 && aval_same_shape(&got, &want)) {
    const char *text = arena_printf(&v->ctx->arena, "{\"dtype\": \"%s\", \"shape\": %s, \"data\": 0}",
                                    dtype_short(want.dtype), shape_json(v, &want));
    const sjson *typed = made_object(v, text, x->path);
    if (!typed) return NULL;
    typed->items[2] = (sjson *)x; /* read only from here on */
    if (!spec_value_aval(d, v->spec, typed, &got)) return NULL; /* each element fits the dtype */
    x = typed;
  }
  if (got.dtype == want.dtype && aval_same_shape(&got, &want)) return x;
  aval_format_long(&got, have, sizeof have);
  json_error(d, v->given_at[i], v->given_at[i]->span, "value is %s, but the listing declares '%s'", have,
             declared(v, i));
  return NULL;
}

/* Writes a's elements into constvar var's data (jaxpr_read left zeros). */
static void set_const(ir_module *m, uint32_t var, const tj_array *a) {
  for (uint32_t c = 0; c < m->nconsts; c++)
    if (m->consts[c].var == var) {
      memcpy((void *)m->consts[c].data, a->data, ir_aval_bytes(&m->vars[var]));
      return;
    }
  ir_const_set(m, var, a->data);
}

/* Constvar k's value: the one given, else random from seed + nin + k. */
static tj_status const_value(listing_values *v, uint32_t k, const sjson *x, long long seed) {
  tj_array *a = NULL;
  diag_list *d = &v->ctx->diags;
  if (x && !spec_value_array(d, v->spec, x, &v->avals[k], &a))
    return diag_last_is_budget(d) ? TJ_ERR_BUDGET : TJ_ERR_USAGE;
  if (!x && v->avals[k].dtype == DT_FLOAT0) return TJ_OK; /* zeros: no array of it to fill */
  if (!x && !(a = array_new(&v->avals[k]))) {
    diag_out_of_memory(d, TJ_NOMEM_FMT "constvar '%s'", array_bytes(&v->avals[k]), v->names[k]);
    return TJ_ERR_BUDGET;
  }
  if (!x) array_fill_random(a, (uint64_t)seed + v->nin + k);
  set_const(v->l.m, v->l.m->top->constvars[k], a);
  array_free(a);
  return TJ_OK;
}

/* Variable i's value settled: checked, a constvar's written into the
 * module, an invar's left in json[i - nconst] for the run (an abstract
 * {} when none is given: filled from the seed, or never read). */
static tj_status settle(listing_values *v, uint32_t i, long long seed, listing_need need, const sjson **json) {
  bool is_const = i < v->nconst;
  const sjson *x = NULL;
  diag_set_kind(&v->ctx->diags, DIAG_KIND_SPEC);
  if (v->given[i] && !(x = checked_value(v, i))) return TJ_ERR_USAGE;
  if (!x && seed < 0 && need >= (is_const ? LISTING_NEED_CONSTS : LISTING_NEED_ALL)) {
    return usage(v, "no value for '%s': give --args, --arg-npy %s=FILE or --fill-random SEED", declared(v, i),
                 v->names[i]);
  }
  if (is_const) return x || seed >= 0 ? const_value(v, i, x, seed) : TJ_OK;
  json[i - v->nconst] = x ? x : made_object(v, "{}", v->names[i]);
  return json[i - v->nconst] ? TJ_OK : TJ_ERR_INTERNAL;
}

/* The result's structure: the listing shows only a flat tuple of outputs. */
static const char *out_tree(ir_module *m) {
  uint32_t n = m->top->nout;
  if (n == 1) return "*";
  char *s = arena_alloc(&m->arena, 3 * (size_t)n + 3), *p = s;
  *p++ = '(';
  for (uint32_t k = 0; k < n; k++) p += sprintf(p, k + 1 < n ? "*, " : "*");
  strcpy(p, ")");
  return s;
}

/* The listing's variables, its limits checked. */
static tj_status listing_variables(listing_values *v) {
  const ir_jaxpr *top = v->l.m->top;
  v->nconst = top->nconst, v->nin = top->nin, v->n = top->nconst + top->nin;
  if (v->nin > TJ_MAX_INPUTS || v->nconst > TJ_MAX_INPUTS) {
    diag_set_kind(&v->ctx->diags, DIAG_KIND_USAGE);
    diag_error(&v->ctx->diags, NULL, span_make(0, 0), "the listing has %u constvars and %u invars (limit is %d each)",
               v->nconst, v->nin, TJ_MAX_INPUTS);
    return TJ_ERR_USAGE;
  }
  for (uint32_t i = 0; i < v->n; i++) {
    bool c = i < v->nconst;
    v->names[i] = c ? v->l.const_names[i] : v->l.in_names[i - v->nconst];
    v->avals[i] = v->l.m->vars[c ? top->constvars[i] : top->invars[i - v->nconst]];
  }
  return TJ_OK;
}

static tj_jaxpr *listing_jaxpr(listing_values *v, const sjson **json) {
  tj_jaxpr *j = calloc(1, sizeof *j);
  if (!j) TJ_OOM();
  j->m = v->l.m;
  j->invar_json = json;
  j->out_tree = out_tree(v->l.m);
  j->invar_names = v->l.in_names;
  return j;
}

tj_status api_listing_trace(tj_ctx *ctx, const tj_spec *spec, const tj_trace_opts *o, long long seed,
                            listing_need need, tj_jaxpr **out) {
  listing_values *v = calloc(1, sizeof *v);
  if (!v) TJ_OOM();
  v->ctx = ctx, v->spec = spec;
  diag_set_kind(&ctx->diags, DIAG_KIND_SYNTAX);
  if (!jaxpr_read(&ctx->diags, &spec->code, &v->l)) { /* it read when loaded: the text is the same */
    free(v);
    return TJ_ERR_PROGRAM;
  }
  tj_status st = listing_variables(v);
  if (st == TJ_OK && o->args_json) st = read_args(v, o->args_json);
  for (int k = 0; st == TJ_OK && k < o->narg_npy; k++) st = read_npy_arg(v, o->arg_npy[k]);
  const sjson **json = ARENA_ARRAY(&v->l.m->arena, const sjson *, v->nin + 1);
  for (uint32_t i = 0; st == TJ_OK && i < v->n; i++) st = settle(v, i, seed, need, json);
  if (st == TJ_OK) *out = listing_jaxpr(v, json);
  else ir_free(v->l.m);
  free(v);
  return st;
}

tj_status api_trace_needing(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, listing_need need,
                            tj_jaxpr **out) {
  if (!spec->listing) return tj_trace(ctx, spec, opts, out);
  tj_trace_opts o = opts ? *opts : tj_trace_defaults();
  return api_listing_trace(ctx, spec, &o, o.fill_random, need, out);
}
