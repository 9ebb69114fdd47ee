/* tj_run: trace a call, build its traced arguments' arrays, evaluate the
 * jaxpr with the reference evaluator, hand back the outputs. */
#include "tjit.h"
#include "api.h"

#include "array.h"
#include "ast.h"
#include "diag.h"
#include "eval.h"
#include "ir.h"
#include "spec.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The context and jaxpr as api.c defines them (compatible definitions,
 * C11 6.2.7). TODO(lead): move both into an internal api.h. */

struct tj_result {
  tj_array **outs;
  size_t n;
};

tj_run_opts tj_run_defaults(void) {
  tj_run_opts o = {.trace = tj_trace_defaults(), .reference = 0};
  return o;
}

/* The call tj_trace traced (its pick_call, without the messages: the trace
 * already reported any problem). */
static const spec_call *traced_call(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *o, spec_call *scratch) {
  if (o->args_json)
    return spec_parse_call(&ctx->arena, &ctx->diags, "--args", o->args_json, (uint32_t)strlen(o->args_json),
                           scratch) ? scratch : NULL;
  if (o->call >= 0) return (uint32_t)o->call < spec->ncalls ? &spec->calls[o->call] : NULL;
  if (spec->has_args) return &spec->args;
  return spec->ncalls ? &spec->calls[0] : NULL;
}

static const ast_func *entry_func(const tj_spec *spec) {
  const ast_program *p = spec->program;
  if (spec->function)
    return ast_find_func(p, intern(p->names, spec->function, (uint32_t)strlen(spec->function)));
  return p->nfuncs == 1 ? p->funcs[0] : NULL;
}

/* The JSON value of each traced parameter, in parameter order (= the
 * jaxpr's invar order): the call's values by parameter, less the static
 * ones (declared `static`, static_argnums, static_argnames), as the tracer
 * binds them. Returns how many, or -1. */
static int traced_values(const tj_spec *spec, const spec_call *call, const sjson **vals) {
  const ast_func *f = entry_func(spec);
  if (!f || f->nparams > TJ_MAX_PARAMS) return -1;
  int n = f->nparams, k = 0;
  const sjson *by_param[TJ_MAX_PARAMS] = {0};
  bool is_static[TJ_MAX_PARAMS];
  for (int i = 0; i < n; i++) is_static[i] = f->params[i].is_static;
  for (uint32_t i = 0; spec->static_argnums && i < spec->static_argnums->n; i++) {
    int64_t v = spec->static_argnums->items[i]->i;
    if (v < 0) v += n;
    if (v >= 0 && v < n) is_static[v] = true;
  }
  for (int i = 0; i < n; i++) {
    const char *name = name_str(spec->program->names, f->params[i].name);
    for (uint32_t j = 0; spec->static_argnames && j < spec->static_argnames->n; j++)
      if (strcmp(spec->static_argnames->items[j]->s, name) == 0) is_static[i] = true;
    if (!call->by_keyword) by_param[i] = (uint32_t)i < call->n ? call->values[i] : NULL;
    for (uint32_t j = 0; call->by_keyword && j < call->n; j++)
      if (strcmp(call->names[j], name) == 0) by_param[i] = call->values[j];
  }
  for (int i = 0; i < n; i++)
    if (!is_static[i]) {
      if (!by_param[i]) return -1;
      vals[k++] = by_param[i];
    }
  return k;
}

/* The traced arguments' arrays, of the invars' avals. */
static bool argument_arrays(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *o, const ir_module *m,
                            tj_array **args) {
  spec_call scratch;
  const spec_call *call = traced_call(ctx, spec, o, &scratch);
  const sjson *vals[TJ_MAX_PARAMS];
  int n = call ? traced_values(spec, call, vals) : -1;
  if (n != (int)m->top->nin) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "internal error: the call's arguments do not match the jaxpr");
    return false;
  }
  for (int i = 0; i < n; i++)
    if (!spec_value_array(&ctx->diags, spec, vals[i], &m->vars[m->top->invars[i]], &args[i])) return false;
  return true;
}

static tj_status run_reference(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *o, const ir_module *m,
                               tj_result *res) {
  tj_array *args[TJ_MAX_PARAMS] = {0};
  tj_status st = TJ_OK;
  char err[512];
  res->n = m->top->nout;
  res->outs = calloc(res->n ? res->n : 1, sizeof *res->outs);
  if (!res->outs) TJ_OOM();
  if (m->top->nconst || !argument_arrays(ctx, spec, o, m, args)) st = TJ_ERR_USAGE;
  else if (!eval_jaxpr(m, m->top, (const tj_array *const *)args, res->outs, err, sizeof err)) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "%s", err);
    st = TJ_ERR_PROGRAM;
  }
  for (uint32_t i = 0; i < m->top->nin; i++) array_free(args[i]);
  return st;
}

tj_status tj_run(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *opts, tj_result **out) {
  tj_run_opts o = opts ? *opts : tj_run_defaults();
  *out = NULL;
  if (!o.reference) {
    diag_error(&ctx->diags, NULL, span_make(0, 0),
               "the compiler is not implemented yet; --reference runs the reference evaluator");
    return TJ_ERR_USAGE;
  }
  tj_jaxpr *j = NULL;
  tj_status st = tj_trace(ctx, spec, &o.trace, &j);
  if (st != TJ_OK) return st;
  tj_result *res = calloc(1, sizeof *res);
  if (!res) TJ_OOM();
  st = run_reference(ctx, spec, &o.trace, j->m, res);
  tj_jaxpr_free(j);
  if (st != TJ_OK) {
    tj_result_free(res);
    return st;
  }
  *out = res;
  return TJ_OK;
}

size_t tj_result_count(const tj_result *r) { return r->n; }

static char *format_with(const tj_result *r, size_t k, void (*fmt)(const tj_array *, tj_buf *)) {
  if (k >= r->n) return NULL;
  tj_buf b = {0};
  fmt(r->outs[k], &b);
  if (!b.data) buf_puts(&b, "");
  return b.data;
}

char *tj_result_text(const tj_result *r, size_t k) { return format_with(r, k, array_format_text); }
char *tj_result_json(const tj_result *r, size_t k) { return format_with(r, k, array_format_json); }

tj_status tj_result_write_npy(tj_ctx *ctx, const tj_result *r, size_t k, const char *path) {
  char err[512];
  if (k >= r->n) return TJ_ERR_INTERNAL;
  if (npy_write(path, r->outs[k], err, sizeof err)) return TJ_OK;
  diag_error(&ctx->diags, NULL, span_make(0, 0), "%s", err);
  return TJ_ERR_USAGE;
}

void tj_result_free(tj_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) array_free(r->outs[i]);
  free(r->outs);
  free(r);
}
