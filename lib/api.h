/* The public types' insides, shared by the files that implement tjit.h
 * (api.c, run.c, fn.c, grad_check.c). */
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
  const char *out_tree;            /* the result's structure (trace_tree.h's tree_def_text) */
  const char **invar_names;        /* each top-level input's name: "x", "params['w']" */
  /* Every parameter of the entry function (in m's arena; the values point
   * into the spec): its name, value and whether it is static. */
  const char **param_names;
  const struct sjson **param_json;
  const bool *param_static;
  const char **param_default; /* a left-out parameter's default, its repr (param_json NULL) */
  int nparams;
};

/* tj_trace that also records how the trace used each static parameter of
 * the entry (static_use: TJ_MAX_PARAMS entries of trace.h's USE_* bits,
 * filled as far as the trace got, also when it fails; for
 * explain-recompile) and, in *work when work is not NULL, the equations it
 * recorded plus the statements it ran, also when it fails. */
tj_status api_trace_uses(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, tj_jaxpr **out,
                         uint8_t *static_use, uint64_t *work);

/* Reads a whole file (or stdin for "-") into the context's arena, at
 * most a little over TJ_MAX_SPEC_BYTES (the caller refuses more); NULL
 * with an "io" diagnostic when it cannot be read. */
char *api_read_file(tj_ctx *ctx, const char *path, size_t *len);

/* The call opts pick, bound to the entry's parameters (bind.c): the
 * first stage after parsing, whose result the cache key and the trace
 * both read. The bound call lives in a; TJ_ERR_USAGE with the spec's
 * diagnostics when the call cannot be made. */
struct bound_call;
tj_status api_bind(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, tj_arena *a, struct bound_call *out);
/* api_trace_uses of a bound call (autograph: -1 as the spec says). */
tj_status api_trace_bound(tj_ctx *ctx, const tj_spec *spec, const struct bound_call *bc, int autograph,
                          tj_jaxpr **out, uint8_t *static_use, uint64_t *work);

/* Reads a whole file (or stdin for "-") into the context's arena, at
 * most a little over TJ_MAX_SPEC_BYTES (the caller refuses more); NULL
 * with an "io" diagnostic when it cannot be read. */
char *api_read_file(tj_ctx *ctx, const char *path, size_t *len);

/* The call opts pick (--args parsed into arena, with errors in d). */
struct spec_call;
const struct spec_call *api_pick_call(tj_arena *a, diag_list *d, tj_spec *spec, const tj_trace_opts *o,
                                      struct spec_call *scratch);

/* ---- jaxpr listings as specs (api_listing.c) ---- */
/* Whether path names a listing by its ending, ".jaxpr". */
bool api_is_listing_path(const char *path);
/* What a listing's variables must be given values for (the values given
 * are checked either way): nothing (trace, graph, check), the constvars,
 * which the C embeds (emit-c, tj_compile), or every variable (a run, an
 * export's @main). */
typedef enum { LISTING_NEED_NONE, LISTING_NEED_CONSTS, LISTING_NEED_ALL } listing_need;
/* The listing spec's jaxpr: its text read again into a fresh module, its
 * variables given the values o names (args_json, arg_npy) or, past those,
 * random ones from seed (>= 0; -1: none): each constvar's in the module's
 * constant data, each invar's in invar_json (an abstract {} for one
 * without). TJ_ERR_USAGE for a value that is wrong or missing. */
tj_status api_listing_trace(tj_ctx *ctx, const tj_spec *spec, const tj_trace_opts *o, long long seed,
                            listing_need need, tj_jaxpr **out);
/* tj_trace, but for a listing with its values as need says (seed: opts'
 * fill_random). */
tj_status api_trace_needing(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, listing_need need,
                            tj_jaxpr **out);

/* run.c's steps that the gradient checker (grad_check.c) shares. */
struct sjson;
struct tj_array;
/* The arrays of n traced arguments from their spec values (json) as
 * avals: an abstract value filled from seed (argument k: seed + k) when
 * seed >= 0. TJ_ERR_USAGE for a bad value, TJ_ERR_BUDGET when memory runs
 * out; args[0..n) are the caller's to free either way. */
tj_status run_argument_arrays(tj_ctx *ctx, const tj_spec *spec, uint32_t n, const struct sjson *const *json,
                              const tj_aval *avals, long long seed, struct tj_array **args);
/* m's top jaxpr compiled (the pass pipeline, C, libtcc in memory: no
 * session, no disk cache) and run once on args (its invars' arrays),
 * within o->max_work; outs[0..nout) receive new arrays, the caller's. */
tj_status run_module(tj_ctx *ctx, const ir_module *m, const tj_run_opts *o, struct tj_array **args,
                     struct tj_array **outs);

/* run.c's steps that compiled functions (fn.c, tj_compile) share. */
struct jit_program;
struct mem_estimate;
/* m's top jaxpr through the pass pipeline to C, compiled by libtcc in
 * memory; NULL with the status in *st (a compile failure saves the C to
 * a file the diagnostic names, as tj_run does). */
struct jit_program *run_compile_module(tj_ctx *ctx, const ir_module *m, const tj_trace_opts *o, tj_status *st);
/* The budget of a run (tj_run_opts.max_work, 0: TJ_MAX_WORK). */
long long run_max_work(const tj_run_opts *o);
/* tj_run's refusal of a call whose estimated memory (inputs ins, m's
 * outputs, its temporaries: *mem) is over o->max_memory. */
tj_status run_check_memory(tj_ctx *ctx, const tj_run_opts *o, const ir_module *m, const tj_aval *ins,
                           struct mem_estimate *mem);
/* The diagnostic and status of a run of p that ended with jit.h's code
 * (TJ_OK for JIT_OK); budget is the run's max_work. */
tj_status run_report_failure(tj_ctx *ctx, int code, const struct jit_program *p, long long budget);

#endif
