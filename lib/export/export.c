/* tj_export: trace one call and write its jaxpr as MLIR text (export.h's
 * writers), with the call's argument values for the runnable @main. */
#include <stdlib.h>

#include "api.h"
#include "array.h"
#include "ast.h"
#include "spec.h"
#include "export.h"

tj_export_opts tj_export_defaults(void) {
  tj_export_opts o = {.trace = tj_trace_defaults(), .dialect = TJ_EXPORT_LINALG};
  return o;
}

/* fill_random (>= 0): the seed of the arguments given by dtype and shape
 * alone (a listing's: every invar without a value). */
static tj_status export_traced(tj_ctx *ctx, tj_spec *spec, const tj_jaxpr *j, long long fill_random, tj_buf *text) {
  const ir_module *m = j->m;
  tj_array *args[TJ_MAX_INPUTS] = {0};
  tj_aval avals[TJ_MAX_INPUTS];
  uint32_t n = m->top->nin;
  if (n > TJ_MAX_INPUTS) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "not exportable: more than %d inputs", TJ_MAX_INPUTS);
    return TJ_ERR_USAGE;
  }
  for (uint32_t i = 0; i < n; i++) avals[i] = m->vars[m->top->invars[i]];
  diag_set_kind(&ctx->diags, DIAG_KIND_SPEC); /* the arguments' values */
  tj_status st = run_argument_arrays(ctx, spec, n, j->invar_json, avals, fill_random, args);
  diag_set_kind(&ctx->diags, DIAG_KIND_ERROR);
  if (st == TJ_OK && !export_mlir_linalg(&ctx->diags, m, args, text)) st = TJ_ERR_USAGE;
  for (uint32_t i = 0; i < n; i++) array_free(args[i]);
  return st;
}

/* The entry function's name (bind.c's find_entry: "function", or the
 * only one), for StableHLO's module @jit_NAME. */
static const char *entry_name(const tj_spec *spec) {
  const ast_program *p = spec->program;
  if (spec->function) return spec->function;
  return p && p->nfuncs == 1 ? name_str(p->names, p->funcs[0]->name) : "";
}

tj_status tj_export(tj_ctx *ctx, tj_spec *spec, const tj_export_opts *opts, char **out) {
  tj_export_opts o = opts ? *opts : tj_export_defaults();
  tj_jaxpr *j = NULL;
  *out = NULL;
  if (o.dialect != TJ_EXPORT_LINALG && o.dialect != TJ_EXPORT_STABLEHLO) {
    tj_add_error(ctx, TJ_ERR_USAGE, "tj_export: unknown dialect");
    return TJ_ERR_USAGE;
  }
  tj_status st = api_trace_needing(ctx, spec, &o.trace, LISTING_NEED_ALL, &j); /* @main runs on the values */
  if (st != TJ_OK) return st;
  tj_buf text = {0};
  if (o.dialect == TJ_EXPORT_STABLEHLO)
    st = export_mlir_stablehlo(&ctx->diags, j->m, entry_name(spec), j->out_tree, o.generic != 0, &text) ? TJ_OK : TJ_ERR_USAGE;
  else st = export_traced(ctx, spec, j, o.trace.fill_random, &text);
  if (st == TJ_OK) *out = buf_detach(&text);
  buf_free(&text);
  tj_jaxpr_free(j);
  return st;
}
