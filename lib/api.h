/* The public types' insides, shared by the files that implement tjit.h
 * (api.c, run.c). */
#ifndef TJ_API_H
#define TJ_API_H
#include <stdbool.h>

#include "arena.h"
#include "diag.h"
#include "ir.h"
#include "tjit.h"

struct tj_ctx {
  tj_arena arena;           /* specs, sources, ASTs, diagnostics */
  diag_list diags;
  bool confine;             /* tj_ctx_confine */
};

struct tj_jaxpr {
  ir_module *m;
  const struct sjson **invar_json; /* each top-level input's value in the spec */
  /* Every parameter of the entry function (in m's arena; the values point
   * into the spec): its name, value and whether it is static. */
  const char **param_names;
  const struct sjson **param_json;
  const bool *param_static;
  int nparams;
};

/* The spec's entry function ("function", or the only one), with api.c's
 * messages when there is none; for the jit cache key (cache_key.c). */
struct ast_func *api_find_entry(tj_ctx *ctx, tj_spec *spec);

/* tj_trace that also records how the trace used each static parameter of
 * the entry (static_use: TJ_MAX_PARAMS entries of trace.h's USE_* bits,
 * filled as far as the trace got, also when it fails; for
 * explain-recompile) and, in *work when work is not NULL, the equations it
 * recorded plus the statements it ran, also when it fails. */
tj_status api_trace_uses(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, tj_jaxpr **out,
                         uint8_t *static_use, uint64_t *work);

/* The call opts pick (--args parsed into arena, with errors in d). */
struct spec_call;
const struct spec_call *api_pick_call(tj_arena *a, diag_list *d, tj_spec *spec, const tj_trace_opts *o,
                                      struct spec_call *scratch);

#endif
