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

/* The traced arguments' arrays: each input's spec value, as the tracer
 * bound it, made an array of the input's aval. */
static bool argument_arrays(tj_ctx *ctx, tj_spec *spec, const tj_jaxpr *j, tj_array **args) {
  const ir_module *m = j->m;
  for (uint32_t i = 0; i < m->top->nin; i++)
    if (!spec_value_array(&ctx->diags, spec, j->invar_json[i], &m->vars[m->top->invars[i]], &args[i])) return false;
  return true;
}

static tj_status run_reference(tj_ctx *ctx, tj_spec *spec, const tj_jaxpr *j, tj_result *res) {
  const ir_module *m = j->m;
  tj_array *args[TJ_MAX_PARAMS] = {0};
  tj_status st = TJ_OK;
  char err[512];
  res->n = m->top->nout;
  res->outs = calloc(res->n ? res->n : 1, sizeof *res->outs);
  if (!res->outs) TJ_OOM();
  if (m->top->nconst || !argument_arrays(ctx, spec, j, args)) st = TJ_ERR_USAGE;
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
  st = run_reference(ctx, spec, j, res);
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
