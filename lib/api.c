/* The public API (tjit.h): contexts, specs, tracing, listings. */
#include "tjit.h"
#include "api.h"

#include "ast.h"
#include "bind.h"
#include "diag.h"
#include "ir.h"
#include "limits.h"
#include "print.h"
#include "sarif.h"
#include "spec.h"
#include "trace.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


tj_ctx *tj_ctx_new(void) {
  tj_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) TJ_OOM();
  ctx->diags.arena = &ctx->arena;
  return ctx;
}

void tj_ctx_confine(tj_ctx *ctx, int on) { ctx->confine = on != 0; }

void tj_ctx_free(tj_ctx *ctx) {
  if (!ctx) return;
  arena_free(&ctx->arena);
  free(ctx);
}

void tj_print_diagnostics(const tj_ctx *ctx, FILE *out) { diag_render(&ctx->diags, out, NULL); }
void tj_print_diagnostics_color(const tj_ctx *ctx, FILE *out, const tj_colors *colors) {
  diag_render(&ctx->diags, out, colors);
}
int tj_error_count(const tj_ctx *ctx) { return ctx->diags.nerrors; }
int tj_diagnostic_count(const tj_ctx *ctx) { return diag_count(&ctx->diags); }
int tj_diagnostic_get(const tj_ctx *ctx, int i, tj_diagnostic *out) { return diag_get(&ctx->diags, i, out); }

char *tj_diagnostics_json(const tj_ctx *ctx) {
  tj_buf b = {0};
  diag_render_json(&ctx->diags, &b);
  return buf_detach(&b);
}

void tj_sarif_add_diagnostics(tj_sarif *s, const tj_ctx *ctx, const char *file) {
  sarif_add_diags(s, &ctx->diags, file);
}

char *tj_diagnostics_github(const tj_ctx *ctx) {
  tj_buf b = {0};
  diag_render_github(&ctx->diags, &b);
  buf_puts(&b, "");  /* "" rather than NULL when there is no error */
  return buf_detach(&b);
}

void tj_add_error(tj_ctx *ctx, tj_status status, const char *message) {
  diag_kind kind = status == TJ_ERR_USAGE ? DIAG_KIND_USAGE : status == TJ_ERR_INTERNAL ? DIAG_KIND_INTERNAL
                                                                                         : DIAG_KIND_ERROR;
  diag_kind before = diag_set_kind(&ctx->diags, kind);
  diag_error(&ctx->diags, NULL, span_make(0, 0), "%s", message);
  diag_set_kind(&ctx->diags, before);
}
const char *tj_version(void) { return TJ_VERSION; }
int tj_edit_distance(const char *a, const char *b) { return edit_distance(a, strlen(a), b, strlen(b)); }
int tj_spec_ncalls(const tj_spec *spec) { return (int)spec->ncalls; }
int tj_spec_has_args(const tj_spec *spec) { return spec->has_args; }

tj_status tj_spec_load(tj_ctx *ctx, const char *path, const char *text, size_t len,
                       tj_spec **out) {
  diag_set_kind(&ctx->diags, DIAG_KIND_SPEC);
  if (len > TJ_MAX_SPEC_BYTES) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "%s: spec is too large (limit is %d bytes)", path,
               TJ_MAX_SPEC_BYTES);
    return TJ_ERR_USAGE;
  }
  tj_spec *spec = ARENA_NEW(&ctx->arena, tj_spec);
  if (!spec_load(&ctx->arena, &ctx->diags, path, text, (uint32_t)len, ctx->confine, spec)) return TJ_ERR_USAGE;
  spec->program = ARENA_NEW(&ctx->arena, ast_program);
  diag_set_kind(&ctx->diags, DIAG_KIND_SYNTAX);
  if (!parse_program(&ctx->arena, &spec->code, &ctx->diags, spec->program)) return TJ_ERR_PROGRAM;
  *out = spec;
  return TJ_OK;
}

char *api_read_file(tj_ctx *ctx, const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  diag_set_kind(&ctx->diags, DIAG_KIND_IO);
  if (!f) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  tj_buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= TJ_MAX_SPEC_BYTES) buf_putn(&b, chunk, n);
  bool failed = ferror(f);
  if (f != stdin) fclose(f);
  if (failed) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "cannot read '%s': %s", path, strerror(errno));
    buf_free(&b);
    return NULL;
  }
  char *text = arena_strndup(&ctx->arena, b.data ? b.data : "", b.len);
  *len = b.len;
  buf_free(&b);
  return text;
}

tj_status tj_spec_read(tj_ctx *ctx, const char *path, tj_spec **out) {
  if (api_is_listing_path(path)) return tj_listing_read(ctx, path, out);
  size_t len;
  char *text = api_read_file(ctx, path, &len);
  if (!text) return TJ_ERR_USAGE;
  return tj_spec_load(ctx, strcmp(path, "-") == 0 ? "<stdin>" : path, text, len, out);
}

int tj_spec_sniff(const char *path, const char **why) {
  tj_ctx *ctx = tj_ctx_new(); /* of its own: a file that is no spec is no error */
  size_t len;
  char *text = api_read_file(ctx, path, &len);
  int spec = 1; /* unreadable: the loader says why, as for any spec */
  if (text && len > TJ_MAX_SPEC_BYTES) spec = 0, *why = "larger than a spec may be";
  else if (text) spec = spec_sniff(&ctx->arena, path, text, (uint32_t)len, why);
  tj_ctx_free(ctx);
  return spec;
}

tj_trace_opts tj_trace_defaults(void) {
  tj_trace_opts o = {.call = -1, .args_json = NULL, .autograph = -1, .fill_random = -1};
  return o;
}

/* The call to trace: --args, --call N, "args", or calls[0]. */
const spec_call *api_pick_call(tj_arena *a, diag_list *d, tj_spec *spec, const tj_trace_opts *o, spec_call *scratch) {
  if (o->args_json)
    return spec_parse_call(a, d, "--args", o->args_json, (uint32_t)strlen(o->args_json),
                           scratch) ? scratch : NULL;
  if (o->call >= 0) {
    if ((uint32_t)o->call < spec->ncalls) return &spec->calls[o->call];
    diag_set_kind(d, DIAG_KIND_USAGE);
    diag_error(d, NULL, span_make(0, 0), "--call %d: the spec has %u call%s", o->call, spec->ncalls,
               spec->ncalls == 1 ? "" : "s");
    return NULL;
  }
  if (spec->has_args) return &spec->args;
  if (spec->ncalls) return &spec->calls[0];
  diag_error(d, &spec->file, span_make(0, 0), "the spec has neither \"args\" nor \"calls\" to trace with");
  return NULL;
}

tj_status tj_trace(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, tj_jaxpr **out) {
  return api_trace_uses(ctx, spec, opts, out, NULL, NULL);
}

tj_status api_bind(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, tj_arena *a, bound_call *out) {
  tj_trace_opts o = opts ? *opts : tj_trace_defaults();
  spec_call scratch;
  binder b;
  diag_set_kind(&ctx->diags, DIAG_KIND_SPEC);
  const spec_call *call = api_pick_call(&ctx->arena, &ctx->diags, spec, &o, &scratch);
  if (!call || !binder_init(&b, &ctx->diags, spec) || !bind_call(&b, a, call, out)) return TJ_ERR_USAGE;
  return TJ_OK;
}

tj_status api_trace_uses(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, tj_jaxpr **out,
                         uint8_t *static_use, uint64_t *work) {
  tj_arena a = {0};
  bound_call bc;
  if (work) *work = 0;
  if (spec->listing) { /* no call to bind: its text read again, its values as given */
    tj_trace_opts o = opts ? *opts : tj_trace_defaults();
    return api_listing_trace(ctx, spec, &o, o.fill_random, LISTING_NEED_NONE, out);
  }
  tj_status st = api_bind(ctx, spec, opts, &a, &bc);
  if (st == TJ_OK) st = api_trace_bound(ctx, spec, &bc, opts ? opts->autograph : -1, out, static_use, work);
  arena_free(&a);
  return st;
}

tj_status api_trace_bound(tj_ctx *ctx, const tj_spec *spec, const bound_call *bc, int autograph, tj_jaxpr **out,
                          uint8_t *static_use, uint64_t *work) {
  diag_set_kind(&ctx->diags, DIAG_KIND_TRACE);
  tracer t = {.diags = &ctx->diags, .src = &spec->code, .prog = spec->program, .static_use = static_use};
  t.autograph = autograph < 0 ? spec->autograph : autograph;
  t.m = ir_new(&spec->code);
  trace_frame top = {.jaxpr = t.m->top};
  t.frame = &top;
  t.jaxpr = t.m->top;
  bool ok = trace_function(&t, bc);
  if (work) *work = t.neqns + t.steps;
  arena_free(&t.scratch);
  if (ok && !ir_check(t.m, &ctx->diags)) {
    ir_free(t.m);
    return TJ_ERR_INTERNAL;
  }
  if (!ok) {
    ir_free(t.m);
    return TJ_ERR_PROGRAM; /* the call's own errors were bind.c's */
  }
  *out = malloc(sizeof **out);
  if (!*out) TJ_OOM();
  (*out)->m = t.m;
  (*out)->invar_json = t.invar_json;
  (*out)->out_tree = t.out_tree;
  (*out)->invar_names = t.invar_names;
  (*out)->param_names = t.param_names;
  (*out)->param_json = t.param_json;
  (*out)->param_static = t.param_static;
  (*out)->param_default = t.param_default;
  (*out)->nparams = t.nparams;
  return TJ_OK;
}

char *tj_jaxpr_text(const tj_jaxpr *j) { return print_jaxpr(j->m); }
char *tj_jaxpr_json(const tj_jaxpr *j) { return print_jaxpr_json(j->m); }
size_t tj_jaxpr_neqns(const tj_jaxpr *j) { return j->m->top->neqns; }

void tj_jaxpr_free(tj_jaxpr *j) {
  if (!j) return;
  ir_free(j->m);
  free(j);
}
