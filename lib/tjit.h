/* libtjit: trace functions written in tjit's C-like language into jaxprs,
 * as jax.jit does.
 *
 * Ownership: a tj_ctx owns every spec loaded through it and all its
 * diagnostics; tj_ctx_free releases them. A tj_jaxpr is the caller's, freed
 * with tj_jaxpr_free. Strings returned as char * are malloc'd: free() them.
 * No function here exits the process (but for the memory exhaustion
 * below) or keeps global state (but for what Threads lists below);
 * failures return a tj_status and leave diagnostics in the context.
 *
 * Threads: threads may call the library at once when each uses objects of
 * its own: its own tj_ctx (and the specs, jaxprs and reports made through
 * it), tj_session, tj_result, tj_cache. No object may be used by two
 * threads at once, not even through a const pointer (a tj_ctx gathers
 * diagnostics and allocates what its specs' traces need). libtcc and Graphviz keep global
 * state, so the library serialises its use of them with one process-wide
 * mutex each: compiling and loading compiled code (in tj_run) waits for
 * any other thread's, and so does the drawing in tj_graph (tracing and
 * the compiled code itself run in parallel). Those two mutexes and one
 * Graphviz context, made by the first tj_graph that lays out (SVG, PNG,
 * PDF) and kept for the process (freeing one left Graphviz 2.43's text
 * layout a dangling pointer), are the library's only global state.
 * Beyond that: the library reads the environment (TJIT_CACHE_DIR,
 * TJIT_CACHE_KEY, XDG_*, HOME, TMPDIR), so no thread may change it
 * (setenv) meanwhile; two tj_cache on one directory may look up and write
 * entries at once (as two processes may), but their tj_cache_close may
 * lose hits and misses if they overlap (the counters' fcntl lock is the
 * process's); the code of a matrix product calls OpenBLAS, thread-safe as
 * that build of it is. The fault-injection build's counters (make
 * check-oom) are global and unlocked. The library starts threads of its
 * own: a tj_session's first run whose compiled code splits a loop starts
 * tj_run_opts.threads - 1 workers (the online CPUs' count by default),
 * kept for its later runs and joined by tj_session_free; a tj_run without
 * a session starts and joins them within the call.
 *
 * Memory: the large allocations (arrays' data, the compiled code's buffers
 * and the code itself, the generated C) may fail: the call then returns
 * TJ_ERR_BUDGET with the diagnostic "out of memory: could not allocate N
 * bytes for WHAT", having freed what it allocated. The small internal ones
 * (the tracer's arena blocks, lists, names, diagnostics, the text of
 * listings and printed results) do not: when one fails the library prints
 * "tjit: FILE:LINE: out of memory" to stderr and calls abort(), the one
 * way it ends the process. libtcc's own allocations while it compiles are
 * libtcc's: 0.9.27 fails the compile with "memory full" (then reported as
 * an internal error) or, outside a compile, exits. */
#ifndef TJIT_H
#define TJIT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TJ_VERSION "0.1.0"
/* The "version" member, first in every top-level JSON document tjit
 * prints (the trace, run, check, explain-recompile and cache documents and
 * the error document): raised when a document changes incompatibly. Their
 * JSON Schemas are in docs/schemas. */
#define TJ_JSON_VERSION 1

/* Statuses double as the CLI's exit codes. */
typedef enum tj_status {
  TJ_OK = 0,
  TJ_ERR_PROGRAM = 1,   /* the user's program is wrong (trace or shape error) */
  TJ_ERR_USAGE = 2,     /* usage or spec error */
  TJ_ERR_BUDGET = 3,    /* a budget was exceeded (compilations, a run's memory or work) */
  TJ_ERR_INTERNAL = 70, /* a bug in tjit */
} tj_status;

#ifdef TJ_ALLOC_FAULTS
/* Only in the fault-injection test build (make check-oom, tests/oom/run):
 * from now on the k-th large allocation fails (0: none), and how many
 * large allocations were asked for since. */
void tj_alloc_fail_at(unsigned long k);
unsigned long tj_alloc_count(void);
#endif

typedef struct tj_ctx tj_ctx;
typedef struct tj_spec tj_spec;
typedef struct tj_jaxpr tj_jaxpr;

/* A new, empty context. */
tj_ctx *tj_ctx_new(void);
/* Confines (on nonzero) the specs loaded from now on: the files they name (source_file,
 * npy) must lie beneath the spec's directory, or loading fails. For specs
 * written by others; see tjit-spec(5), TRUST MODEL. */
void tj_ctx_confine(tj_ctx *ctx, int on);
/* Frees the context, its specs and diagnostics. */
void tj_ctx_free(tj_ctx *ctx);

/* Writes the diagnostics gathered so far (gcc shape, with carets). */
void tj_print_diagnostics(const tj_ctx *ctx, FILE *out);
/* The colours of the text forms, for a terminal: each member is the SGR
 * parameters of one element ("01;31": bold red), as gcc's GCC_COLORS
 * writes them; NULL or "" leaves that element plain. An element starts
 * with ESC [ PARAMS m ESC [ K and ends with ESC [ m ESC [ K, as gcc's do. */
typedef struct tj_colors {
  const char *error;    /* "error:" and its caret line (the span and ^~~) */
  const char *warning;  /* "warning:" and its caret line; explain-recompile's "compile"
                           and the classes whose compilations could be avoided */
  const char *note;     /* "note:" and "hint:" and a note's caret line */
  const char *locus;    /* "file:line:col:" (or "tjit:" when there is no location) */
  const char *quote;    /* a name in single quotes, 'x' (the quotes stay plain) */
  const char *hit;      /* explain-recompile's "hit" and the class "structural" */
} tj_colors;
/* gcc's default colours (error 01;31, warning 01;35, note 01;36, locus
 * 01, quote 01) and green (32) for hit. */
tj_colors tj_colors_default(void);
/* tj_print_diagnostics in colours; colors NULL: none (the same text). */
void tj_print_diagnostics_color(const tj_ctx *ctx, FILE *out, const tj_colors *colors);
/* Number of errors gathered so far. */
int tj_error_count(const tj_ctx *ctx);
/* The first error gathered so far as one JSON object (schema in tjit(1):
 * kind, message, file, line, column, notes, hints), or "null" when there
 * is none; malloc'd. */
char *tj_diagnostics_json(const tj_ctx *ctx);
/* Every error gathered so far as a GitHub workflow command line,
 * "::error file=F,line=L,col=C::MESSAGE" with its notes and hints as
 * further lines of MESSAGE; "" when there is none; malloc'd. */
char *tj_diagnostics_github(const tj_ctx *ctx);
/* The diagnostics as data, for a program that would otherwise parse the
 * text: every one gathered so far, in the order added, each error or
 * warning followed by its notes and hints (as tj_print_diagnostics writes
 * them). */
typedef enum tj_severity {
  TJ_SEVERITY_ERROR,
  TJ_SEVERITY_WARNING,
  TJ_SEVERITY_NOTE,
  TJ_SEVERITY_HINT,
} tj_severity;

typedef struct tj_diagnostic {
  tj_severity severity;
  /* The JSON form's "kind": a JAX error name ("TypeError",
   * "TracerBoolConversionError" ...) or one of "error", "usage", "io",
   * "spec", "syntax", "trace", "run", "graph", "budget", "internal"
   * (tjit(1), DIAGNOSTICS). A note or hint has its error's kind. */
  const char *kind;
  /* The JSON form's "message": an error's text without the kind's own
   * words ("TypeError: ", "internal error: "), a note's or hint's whole.
   * May hold newlines. */
  const char *message;
  const char *file;       /* where line and column are; NULL: no location */
  int line, column;       /* 1-based (columns count UTF-8 characters); 0: no location */
} tj_diagnostic;

/* Number of diagnostics gathered so far (errors, warnings, notes, hints). */
int tj_diagnostic_count(const tj_ctx *ctx);
/* Diagnostic i (0 <= i < tj_diagnostic_count) into *out and 1; else 0,
 * *out untouched. The strings are the context's: valid until
 * tj_ctx_free. */
int tj_diagnostic_get(const tj_ctx *ctx, int i, tj_diagnostic *out);
/* Adds a front end's own error (no location) so that it is reported with
 * the library's diagnostics in every format; its kind is "usage" for
 * TJ_ERR_USAGE, "internal" for TJ_ERR_INTERNAL, else "error". */
void tj_add_error(tj_ctx *ctx, tj_status status, const char *message);

/* Parses a spec held in memory; path names it in messages. */
tj_status tj_spec_load(tj_ctx *ctx, const char *path, const char *text,
                       size_t len, tj_spec **out);
/* Reads and parses a spec file ("-" reads standard input). */
tj_status tj_spec_read(tj_ctx *ctx, const char *path, tj_spec **out);
/* Whether the file at path is meant as a spec, for a walk of a directory
 * that holds JSON files of every kind: 1 for a JSON object with a "tjit",
 * "source", "source_file" or "function" member, and for a file that
 * cannot be read (loading it says why); else 0, *why (a constant string)
 * saying what it is instead ("not valid JSON", "not a JSON object" ...). */
int tj_spec_sniff(const char *path, const char **why);
/* ---- jaxpr listings: the text JAX's make_jaxpr prints, as a spec ----
 * A listing (tjit-trace(1), LISTINGS) is read as a spec without calls:
 * tj_trace of it reads it again into its jaxpr (tj_jaxpr_text prints it
 * back), and tj_graph, tj_emit_c, tj_run, tj_export and tj_compile take
 * it as they take a spec. Its variables' values (JAX prints none) come
 * from tj_trace_opts: args_json (a JSON array of one value per constvar
 * then per invar, or an object keyed by the listing's names), arg_npy and
 * fill_random; a constvar's value becomes the jaxpr's constant. Paths in
 * them are relative to the current directory. A listing that does not
 * read is TJ_ERR_PROGRAM (kind "syntax") at its line and column. */
tj_status tj_listing_load(tj_ctx *ctx, const char *path, const char *text, size_t len, tj_spec **out);
/* Reads a listing file ("-" reads standard input). tj_spec_read reads a
 * path ending in ".jaxpr" as a listing too. */
tj_status tj_listing_read(tj_ctx *ctx, const char *path, tj_spec **out);
/* Whether the spec is a listing. */
int tj_spec_is_listing(const tj_spec *spec);

/* Number of entries in the spec's "calls" (0 for a listing). */
int tj_spec_ncalls(const tj_spec *spec);
/* Whether the spec has "args" (one call of its own besides "calls"). */
int tj_spec_has_args(const tj_spec *spec);

typedef struct tj_trace_opts {
  int call;               /* index into calls; -1: "args", else calls[0] */
  const char *args_json;  /* overrides the arguments (--args); NULL: none */
  int autograph;          /* -1: as the spec says; 0 off; 1 on */
  /* A developer's view of the passes that emit-c, run and graph --fused
   * run over the traced jaxpr before the C backend (tj_pass_name): after
   * the pass named dump_after, dump gets the jaxpr's listing (valid
   * during the call). NULL: none. tj_trace runs no pass. */
  const char *dump_after;
  void (*dump)(void *arg, const char *pass, const char *listing);
  void *dump_arg;
  /* A listing's values besides args_json (a spec ignores them): .npy
   * files, narg_npy strings "NAME=FILE" (--arg-npy), and a seed (>= 0)
   * giving every variable without a value uniform random ones (variable
   * k of the invars: seed + k; constvar k: seed + invars + k); -1: none.
   * tj_run uses tj_run_opts.fill_random when that is set; tj_export's
   * @main fills a spec's abstract arguments from it too. */
  const char *const *arg_npy;
  int narg_npy;
  long long fill_random;
} tj_trace_opts;

/* The name of pass i in the order they run ("work", "dce", "fuse"), or
 * NULL past the last. */
const char *tj_pass_name(int i);

/* The default options: call -1, no --args, autograph as in the spec,
 * no .npy files, fill_random -1. */
tj_trace_opts tj_trace_defaults(void);

/* Traces the spec's function for one call. */
tj_status tj_trace(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts,
                   tj_jaxpr **out);

/* The listing exactly as JAX's make_jaxpr prints it (no final newline). */
char *tj_jaxpr_text(const tj_jaxpr *j);
/* The jaxpr as JSON (schema in tjit-trace(1); docs/schemas/trace.schema.json). */
char *tj_jaxpr_json(const tj_jaxpr *j);
/* Number of equations in the top-level jaxpr. */
size_t tj_jaxpr_neqns(const tj_jaxpr *j);
void tj_jaxpr_free(tj_jaxpr *j);

/* ---- graph: the jaxpr drawn with Graphviz (libcgraph + libgvc, in process) ----
 * Nodes are the equations (primitive and params as the listing prints
 * them), the traced inputs, one box of static arguments, the outputs and
 * the literals; an edge per variable use is labelled with its aval.
 * Sub-jaxprs (cond branches, while/scan bodies, jit) are nested clusters
 * wired from the equation's operands. The DOT text is the same bytes for
 * the same spec and options (tjit-graph(1)). */
typedef enum tj_graph_format { TJ_GRAPH_DOT, TJ_GRAPH_SVG, TJ_GRAPH_PNG, TJ_GRAPH_PDF } tj_graph_format;
/* Graphviz's name of a format ("dot", "svg", "png", "pdf"), or NULL. */
const char *tj_graph_format_name(tj_graph_format f);

/* Where the time of one tj_graph went, in milliseconds. */
typedef struct tj_graph_times {
  double trace_ms, build_ms, layout_ms, render_ms;
} tj_graph_times;

typedef struct tj_graph_opts {
  tj_trace_opts trace;      /* which call, --args, autograph */
  tj_graph_format format;
  int fused;                /* 1: clusters for the loops the C backend fuses */
  int left_to_right;        /* 1: rankdir=LR; 0: top to bottom */
  tj_graph_times *times;    /* NULL: not measured */
  /* Called, when not NULL, in the calling thread as each phase of the
   * drawing starts ("tracing", "building the graph", "laying out 3012
   * nodes", "rendering SVG"), for a front end's progress line. */
  void (*progress)(void *arg, const char *phase);
  void *progress_arg;
} tj_graph_opts;

/* The default options: tj_trace_defaults(), DOT, no fusion, top to bottom. */
tj_graph_opts tj_graph_defaults(void);
/* Traces the call and renders its graph into *out (malloc'd, *len bytes;
 * NUL-terminated too, for DOT and SVG). A graph too large to draw is
 * TJ_ERR_USAGE; a Graphviz failure TJ_ERR_INTERNAL, with a diagnostic. */
tj_status tj_graph(tj_ctx *ctx, tj_spec *spec, const tj_graph_opts *opts,
                   char **out, size_t *len);

/* Running a call: the traced arguments' values (in the jaxpr's invar
 * order) go through the jaxpr and the results come back as arrays. */
typedef struct tj_result tj_result;

/* Compiled programs kept across tj_run calls: a call whose generated C is
 * the same as an earlier one's reuses that compilation. */
typedef struct tj_session tj_session;
tj_session *tj_session_new(void);
void tj_session_free(tj_session *s);

/* Where the time of one tj_run went, in milliseconds. */
typedef struct tj_times {
  double trace_ms, codegen_ms, compile_ms, run_ms, check_ms;
  int reused;             /* 1: the compiled code came from the session */
  int cache_hit;          /* 1: the call's jit cache key found compiled code,
                             on disk (disk_hit) or in the session (reused) */
  int disk_hit;           /* 1: the compiled code came from the disk cache */
  int traced;             /* 0: a cache hit skipped trace and codegen */
  double cache_ms;        /* the lookup: key, read, verify, load */
  double blas_ms;         /* loading OpenBLAS for the code's matrix products (the
                             process's first load starts its threads): not in
                             compile_ms or cache_ms */
  int threads;            /* the most threads one of the code's loops ran on (1: none
                             was split, tj_run_opts.threads) */
} tj_times;

typedef struct tj_run_opts {
  tj_trace_opts trace;    /* which call, --args, autograph */
  int reference;          /* 1: run the reference evaluator instead of compiling */
  int check;              /* 1: also run the evaluator and compare (TJ_ERR_PROGRAM on a mismatch) */
  long long fill_random;  /* >= 0: arguments given only by dtype and shape get uniform
                             random values from this seed (argument k: seed + k) */
  tj_session *session;    /* NULL: compile every time */
  struct tj_cache *cache; /* the disk cache to use (tj_cache_open); NULL: none */
  tj_times *times;        /* NULL: not measured */
  int repeat;             /* runs of the compiled code (0 is 1); times->run_ms is their median */
  long long max_memory;   /* bytes a run may need, as estimated before it allocates anything
                             (inputs, outputs, the most temporaries live at once); 0: 3/4 of
                             physical memory (TJ_MEMORY_SHARE_*); < 0: no limit */
  long long max_work;     /* elements a run may read and write, charged at its start and per
                             loop iteration (lib/ir/work.h), compiled or evaluated; 0: TJ_MAX_WORK */
  int threads;            /* threads the compiled code's large block loops may use (the
                             session keeps them between runs); 0: the online CPUs, 1: the
                             caller's only. The results are the same bits for any count. */
} tj_run_opts;

/* The default options: tj_trace_defaults(), compiled, no check, no
 * random fill (-1). */
tj_run_opts tj_run_defaults(void);
/* Traces the call, generates C, compiles it with libtcc in memory and runs
 * it (or, with opts->reference, evaluates the jaxpr). A failure while
 * running (an argument without data, an array too large) or a --check
 * mismatch is TJ_ERR_PROGRAM with a diagnostic; a run whose estimated
 * memory is over opts->max_memory is refused before it allocates anything
 * (TJ_ERR_BUDGET, the sizes in notes), one that does more work than
 * opts->max_work (a loop that never ends) stops (TJ_ERR_BUDGET); a C
 * compile failure is TJ_ERR_INTERNAL and saves the source to a file the
 * diagnostic names. */
tj_status tj_run(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *opts,
                 tj_result **out);
/* The C source generated for a call (malloc'd in *out). */
tj_status tj_emit_c(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts,
                    char **out);
/* The same C and the fusion plan it was generated from, as the JSON
 * document of `tjit emit-c --format json` (malloc'd in *out):
 * {"version": 1, "c": SOURCE, "jaxprs": [{"jaxpr", "equations"}...],
 * "fusion": [GROUP...]}, each GROUP {"group", "jaxpr", "kind":
 * "loop"|"single", "equations", "primitives", "reductions"}
 * (tjit-emit-c(1), JSON OUTPUT). */
tj_status tj_emit_c_json(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts,
                         char **out);

/* ---- export: a call's jaxpr as MLIR text (tjit-export(1)) ----
 * TJ_EXPORT_LINALG: upstream dialects only (func, arith, math, tensor,
 * linalg): func.func @fn, the jaxpr on tensors, and func.func @main, @fn
 * called on the call's arguments (as constants) with each output printed
 * through the MLIR runner utilities' printMemrefF32/F64/I32, for
 * mlir-opt's bufferization and lowering and mlir-cpu-runner -e main. A
 * primitive (or dtype) without a rule is TJ_ERR_USAGE with the error
 * "not exportable: PRIMITIVE ...", never a partial text. */
/* TJ_EXPORT_STABLEHLO: the module JAX 0.10.2's jax.jit(f).lower(*args)
 * .as_text() prints for the same jaxpr (module @jit_NAME, func.func public
 * @main, stablehlo/chlo ops, nested jits as private functions), without
 * location info; lib/export/README.md says what else differs. generic:
 * each stablehlo/chlo op in MLIR's generic form ("stablehlo.add"(...)),
 * which mlir-opt --allow-unregistered-dialect parses (stablehlo only). */
typedef enum tj_export_dialect { TJ_EXPORT_LINALG, TJ_EXPORT_STABLEHLO } tj_export_dialect;
typedef struct tj_export_opts {
  tj_trace_opts trace;          /* which call, --args, autograph */
  tj_export_dialect dialect;
  int generic;                  /* nonzero, TJ_EXPORT_STABLEHLO: the generic op form */
} tj_export_opts;
/* The default options: tj_trace_defaults(), TJ_EXPORT_LINALG. */
tj_export_opts tj_export_defaults(void);
/* Traces the call and writes its MLIR module into *out (malloc'd). */
tj_status tj_export(tj_ctx *ctx, tj_spec *spec, const tj_export_opts *opts, char **out);

/* Number of outputs (the function's flattened return value). */
size_t tj_result_count(const tj_result *r);
/* The results' pytree structure, as JAX's PyTreeDef shows it without
 * "PyTreeDef(...)": each "*" is the next output in order, e.g. "*" (one
 * array), "(*, *)", "[*, None]", "{'b': *, 'w': *}" (keys sorted). */
const char *tj_result_tree(const tj_result *r);
/* Output k as numpy prints it, "Array(10., dtype=float32)", or as JSON
 * {"dtype": "f32", "shape": [], "data": 10.0} (malloc'd). */
char *tj_result_text(const tj_result *r, size_t k);
char *tj_result_json(const tj_result *r, size_t k);
/* Writes output k as a .npy file; on failure a diagnostic in ctx. */
tj_status tj_result_write_npy(tj_ctx *ctx, const tj_result *r, size_t k,
                              const char *path);
void tj_result_free(tj_result *r);

/* ---- compiled functions: compile once, call many times ----
 * tj_compile traces one call, runs the passes and compiles the C once, as
 * jax.jit's cache entry for one signature: the call's static arguments
 * (static_argnums/static_argnames) are fixed into the function, and its
 * traced arguments' dtypes and shapes (avals) are the only ones it takes.
 * tj_fn_call then runs the compiled code on the caller's own buffers: no
 * spec, no JSON, no copies (but for strided buffers, below).
 *
 * Threads: a tj_fn does not keep the tj_ctx or tj_spec it was compiled
 * from (either may be freed after tj_compile) and holds the compiled
 * code's buffer pool, its worker threads and the diagnostics of its last
 * call, so one tj_fn takes one call at a time; separate tj_fn's may be
 * called from separate threads at once (running compiled code takes no
 * lock; tj_compile and tj_fn_free wait on the libtcc lock, see Threads
 * above). */

/* Element types, as the library numbers them (in JSON and listings the
 * short names: "bool", "i8" ... "f32", "float0", "key<fry>"). A buffer
 * holds its elements as C holds them: bool one byte 0 or 1, bf16 and f16
 * their 16 bits, a key<fry> its two uint32 words. */
typedef enum tj_dtype_id {
  TJ_DTYPE_BOOL, TJ_DTYPE_I8, TJ_DTYPE_I16, TJ_DTYPE_I32, TJ_DTYPE_I64, TJ_DTYPE_U8, TJ_DTYPE_U32,
  TJ_DTYPE_F32, TJ_DTYPE_F64, TJ_DTYPE_U16, TJ_DTYPE_U64, TJ_DTYPE_BF16, TJ_DTYPE_F16, TJ_DTYPE_FLOAT0,
  TJ_DTYPE_KEY,
} tj_dtype_id;
/* Its short name ("f32") and its bytes per element; NULL and -1 for a
 * number that is no tj_dtype_id. */
const char *tj_dtype_name(int dtype);
int tj_dtype_size(int dtype);

typedef struct tj_fn tj_fn;

/* Compiles the call opts->trace picks (tj_trace's call and --args; the
 * arguments' values are not used, only their avals: a spec may give them
 * as {"dtype": "f32", "shape": [3]}). Of tj_run's options it reads trace,
 * threads (the function's workers, started at the first call that splits
 * a loop, kept until tj_fn_free), max_work (each call's budget) and
 * max_memory (a function whose inputs, outputs and temporaries at their
 * peak are estimated over it is refused here, as tj_run refuses a run);
 * NULL: tj_run_defaults(). NULL on failure (the trace's error, a budget,
 * a compile failure as tj_run reports them) with the diagnostics in ctx. */
tj_fn *tj_compile(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *opts);
/* Frees the function, its code, buffers and threads; NULL is fine. */
void tj_fn_free(tj_fn *fn);

/* The function's inputs (the traced arguments' leaves, in the jaxpr's
 * invar order) and outputs (the flattened result, tj_fn_tree). */
int tj_fn_nin(const tj_fn *fn);
int tj_fn_nout(const tj_fn *fn);
/* The result's pytree structure, as tj_result_tree. */
const char *tj_fn_tree(const tj_fn *fn);

/* An input's or output's aval. The pointers are the function's, valid
 * until tj_fn_free. */
typedef struct tj_buffer_desc {
  int dtype;              /* tj_dtype_id */
  int weak;               /* JAX's weak_type (it does not change the buffer) */
  int rank;
  const int64_t *dims;    /* rank of them */
  int64_t size;           /* elements: the product of dims (1 for rank 0) */
  const char *name;       /* an input's argument path, "x" or "params['w']"; outputs: NULL */
} tj_buffer_desc;
/* Input (output) i into *out and 1; 0, *out untouched, when there is none. */
int tj_fn_in(const tj_fn *fn, int i, tj_buffer_desc *out);
int tj_fn_out(const tj_fn *fn, int i, tj_buffer_desc *out);

/* One array of the caller's. */
typedef struct tj_buffer {
  int dtype;              /* tj_dtype_id */
  int rank;
  const int64_t *dims;    /* rank of them (NULL for rank 0) */
  const int64_t *strides; /* in elements, any sign; NULL: contiguous, row-major */
  void *data;             /* the element at index 0 ... 0; NULL only when empty */
} tj_buffer;

/* Runs the function on ninputs inputs into noutputs outputs, which must
 * be the function's counts, dtypes and shapes exactly (rank included):
 * else TJ_ERR_USAGE, nothing run, with a diagnostic such as "input 1 (w):
 * expected f32[64,128], got f32[64,127]". An output may not share memory
 * with an input or another output (TJ_ERR_USAGE). Contiguous buffers are
 * read and written in place; a strided input is first copied into a
 * contiguous scratch buffer and a strided output computed in one, then
 * copied out (its strides must not make two elements one). Outputs are
 * written whole, whatever they held; on failure their contents are
 * unspecified. A call over the function's max_work, or whose compiled
 * code cannot allocate its buffers, is TJ_ERR_BUDGET with tj_run's
 * diagnostic. The diagnostics of the last call are in tj_fn_diagnostics.
 * The function keeps no pointer to the buffers once the call returns. */
tj_status tj_fn_call(tj_fn *fn, const tj_buffer *inputs, int ninputs, tj_buffer *outputs, int noutputs);
/* The context holding the diagnostics of the function's last call (none
 * after a call that succeeded), for tj_print_diagnostics,
 * tj_diagnostic_get and the JSON forms; the function's, valid until its
 * next call. */
const tj_ctx *tj_fn_diagnostics(const tj_fn *fn);

/* ---- the gradient checker (tjit run --grad-check) ----
 * For one call of the function f (inputs x, outputs y): a random direction
 * v over the float inputs and random cotangents w over the float outputs
 * (integer and bool inputs are not differentiated, integer and bool
 * outputs get no cotangent), and w.J.v computed three ways, in float64:
 * by the reverse-mode program (the vjp of f, its result dotted with v), by
 * the forward-mode program (the jvp of f along v, dotted with w), and by
 * the central difference (L(x + h v) - L(x - h v)) / 2h of L = w.f, each
 * program run by the reference evaluator on f promoted to float64; and,
 * unless opts->reference, a fourth time by the reverse-mode program in
 * f's own dtypes compiled as tj_run compiles. */
typedef struct tj_grad_report {
  int ninputs, noutputs;      /* float input and output leaves checked */
  int int_inputs, int_outputs; /* integer and bool ones, skipped */
  double step;                /* h */
  double reverse, forward, central, compiled; /* w.J.v each way */
  int compiled_run;           /* 0: no compiled program (opts->reference) */
  /* |value - reverse| over the magnitude of the sum's terms, and the
   * bound each may reach (tjit-run(1), GRADIENT CHECK, says why) */
  double err_forward, err_central, err_compiled;
  double tol_forward, tol_central, tol_compiled;
  int ok_forward, ok_central, ok_compiled; /* 1: within the bound (NaN is not) */
  int resolved;               /* 0: the central difference's rounding bound
                                 is too coarse to tell a wrong gradient */
  int finite;                 /* 0: a value is infinite or NaN (a point where
                                 f or its derivative is not finite) */
  int pass;                   /* 1: every comparison within its bound; 0: FAIL */
} tj_grad_report;

/* Checks the gradient of the call opts->trace picks (tj_run's options:
 * the call, --args, fill_random for abstract arguments, max_work,
 * reference), as above: v and w drawn from seed. A call without a float
 * input or output is not checked (ninputs or noutputs 0, pass 1). TJ_OK
 * with the report, pass or fail;
 * else the error of the trace, of the arguments, of a primitive without
 * a JVP or transpose rule (TJ_ERR_PROGRAM, JAX's NotImplementedError), of
 * a function that cannot be computed in float64, or of a run. */
tj_status tj_grad_check(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *opts, unsigned long long seed,
                        tj_grad_report *out);

/* ---- the persistent cache of compiled calls (tjit-cache(1)) ---- */
typedef struct tj_cache tj_cache;

/* $TJIT_CACHE_DIR, else $XDG_CACHE_HOME/tjit, else $HOME/.cache/tjit
 * (malloc'd); NULL when none of them is set. */
char *tj_cache_default_dir(void);
/* The cache in dir (NULL: the default), created at its first write, with
 * the user's cache key (made on first use; tjit-cache(1), TRUST MODEL).
 * NULL, with an error in ctx's diagnostics saying why, when it cannot be
 * used: no directory or key file is set, the directory is not a directory
 * or not trusted (another user's, writable by others, a symbolic link), or
 * the key file is not trusted or cannot be made. The cache does not keep
 * ctx. */
tj_cache *tj_cache_open(tj_ctx *ctx, const char *dir);
/* Its directory (owned by the cache). */
const char *tj_cache_dir(const tj_cache *c);
/* Once, after a write failed and turned the cache's writes off: why
 * (owned by the cache); else NULL. Runs go on without the cache. */
const char *tj_cache_warning(tj_cache *c);
/* Adds this process's hits and misses to the directory's counters, frees. */
void tj_cache_close(tj_cache *c);

typedef struct tj_cache_stats {
  long long entries, bytes; /* entry files and their total size */
  long long hits, misses;   /* lookups by `tjit run` since the last clear */
} tj_cache_stats;
/* The stats of the cache in dir (a missing directory is an empty cache). */
tj_status tj_cache_stats_read(tj_ctx *ctx, const char *dir, tj_cache_stats *out);
/* Removes the cache's own files from dir (entries, temporary files,
 * counters) and nothing else; *removed counts the entries. */
tj_status tj_cache_clear(tj_ctx *ctx, const char *dir, long long *removed);
/* Checks each entry in dir (in name order) as a run checks it before
 * loading it: a regular file of the user's that others cannot write,
 * well formed, sealed with the user's cache key. report gets its name
 * and NULL, or why a run would refuse it (a miss, rewritten). Errors: the
 * directory or the key cannot be used. */
typedef void (*tj_cache_verdict)(const char *name, const char *why, void *arg);
tj_status tj_cache_verify(tj_ctx *ctx, const char *dir, tj_cache_verdict report, void *arg);

const char *tj_version(void);
/* The libraries the library uses and their versions, one line each,
 * "NAME VERSION" and perhaps a remark in parentheses (tjit(1), --version):
 * libtcc, Graphviz, OpenBLAS, cJSON, xxHash, libsodium. Each is asked at
 * run time where it can say (cJSON_Version, XXH_versionNumber,
 * sodium_version_string, gvcVersion, openblas_get_config when OpenBLAS is
 * already loaded), else the version seen when tjit was built. Never loads
 * OpenBLAS. malloc'd. */
char *tj_library_versions(void);
/* Edits (insertions, deletions, substitutions, adjacent swaps) between two
 * words, for "did you mean" hints; words over 64 bytes compare as far. */
int tj_edit_distance(const char *a, const char *b);

/* ---- explain-recompile: the jit cache replayed over the spec's calls ----
 * tj_explain replays "calls" in order against a jit cache keyed as JAX keys
 * it (function identity, static values by type and value, traced avals,
 * positional vs keyword) without tracing, says per call "hit" or "compile"
 * and why (the closest seen signature and each mismatch), then classifies
 * every argument from traces of the compiled signatures (tjit-explain-
 * recompile(1)). The report refers to the spec: free it before the ctx. */
typedef struct tj_explain_report tj_explain_report;

typedef struct tj_explain_opts {
  int autograph;              /* -1: as the spec says; 0 off; 1 on */
  const char *const *what_if; /* "name=JSON" each; they make one hypothetical call */
  int nwhat_if;
  int what_if_call;           /* the call it is derived from; -1: the last */
  long max_compiles;          /* the CI budget; -1: none */
} tj_explain_opts;

/* The default options: autograph as in the spec, no what-if, no budget. */
tj_explain_opts tj_explain_defaults(void);
/* Replays the calls and analyses them. A call that cannot be made (missing
 * or unknown argument, unhashable static value) or a bad --what-if is
 * TJ_ERR_USAGE with diagnostics; a trace that fails is not an error: the
 * report shows it where the analysis needed it. */
tj_status tj_explain(tj_ctx *ctx, tj_spec *spec, const tj_explain_opts *opts, tj_explain_report **out);
/* TJ_ERR_BUDGET when the compilations exceed max_compiles, else TJ_OK.
 * Over the budget, tj_explain leaves the error in the ctx's diagnostics
 * (at the first call over it) and the JSON and GitHub forms carry it. */
tj_status tj_explain_status(const tj_explain_report *r);
/* Number of compilations (distinct signatures among the calls). */
int tj_explain_compiles(const tj_explain_report *r);
/* The name of the function the calls call (the spec's "function"). */
const char *tj_explain_function(const tj_explain_report *r);
/* Adds to ctx an error of kind "budget" saying message, at the call that
 * made compilation k of r (1 <= k <= tj_explain_compiles), else at the
 * function's name: a front end's own budget (explain-recompile
 * --baseline). ctx may be another than r's, freed first (the position
 * points into r's spec). */
void tj_explain_error_at(tj_ctx *ctx, const tj_explain_report *r, int k, const char *message);
/* The report as text, as JSON (schema in tjit-explain-recompile(1);
 * docs/schemas/explain-recompile.schema.json), or as
 * GitHub workflow commands (::notice/::warning/::error); malloc'd. */
char *tj_explain_text(const tj_explain_report *r);
/* The text in colours (tjit-explain-recompile(1), --color: compile and the
 * avoidable classes in colors->warning, hit and structural in colors->hit,
 * locations, quoted names, hints); colors NULL: the same as tj_explain_text. */
char *tj_explain_text_color(const tj_explain_report *r, const tj_colors *colors);
char *tj_explain_json(const tj_explain_report *r);
char *tj_explain_github(const tj_explain_report *r);
void tj_explain_free(tj_explain_report *r);

/* ---- compile-count baselines (explain-recompile --baseline) ----
 * A committed file of the compilations each function is allowed,
 * {"version": 1, "compilations": {KEY: N, ...}} (tjit-explain-recompile(1),
 * BASELINE); the front end makes the keys and compares. */
typedef struct tj_baseline tj_baseline;
/* Reads and checks a baseline file. TJ_OK, or TJ_ERR_USAGE with a
 * diagnostic at the place in it that is wrong (or why it cannot be
 * read). The baseline is ctx's, freed with it. */
tj_status tj_baseline_read(tj_ctx *ctx, const char *path, tj_baseline **out);
/* The compilations under key, or -1 when the baseline has no such key. */
long tj_baseline_get(const tj_baseline *b, const char *key);

/* ---- SARIF 2.1.0 logs (tjit check and explain-recompile --format sarif) ----
 * A log gathers results from any number of contexts and explain-recompile
 * reports (one spec's or many specs') into one run of the tool "tjit", for
 * code scanning (GitHub's upload-sarif, IDE viewers). Each result names
 * its rule: "diagnostic/KIND" for an error or warning, KIND its JSON
 * "kind" ("spec", "TracerBoolConversionError" ...), and "recompile/..."
 * for what explain-recompile finds; the rules, their ids, names and
 * levels are listed in tjit-check(1) and tjit-explain-recompile(1).
 * Locations are the files as the diagnostics name them (the spec's path
 * as given, relative paths kept relative), lines and columns 1-based,
 * columns in Unicode code points. The log keeps no pointer to what was
 * added. */
typedef struct tj_sarif tj_sarif;

/* A new log without results. */
tj_sarif *tj_sarif_new(void);
/* Adds every error and warning gathered in ctx so far, each with its
 * notes and hints (lines of its message; a note with a location is a
 * related location too). An error with no location of its own (a file
 * that cannot be read, a usage error) points at file, the spec the
 * command was given, when file is not NULL: GitHub code scanning refuses
 * a whole log in which one result has no location. */
void tj_sarif_add_diagnostics(tj_sarif *s, const tj_ctx *ctx, const char *file);
/* Adds a report's findings: a result per compilation, per static argument
 * with a class (warnings for those that cost compilations), per traced
 * argument that caused compilations, the what-if's, and the budget's
 * error when the compilations exceed it. Every result has a location. */
void tj_sarif_add_explain(tj_sarif *s, const tj_explain_report *r);
/* Adds the results of the SARIF logs text holds (one or more, one after
 * another, as tj_sarif_text writes them: another process's, such as a
 * worker of `tjit check` over several specs), each result's ruleIndex
 * renumbered to this log's rules. TJ_OK; TJ_ERR_USAGE when text holds
 * anything else or a result whose rule is not tjit's (the results of the
 * logs before it stay added; the log refused adds none). */
tj_status tj_sarif_add_log(tj_sarif *s, const char *text);
/* Number of results added so far. */
int tj_sarif_result_count(const tj_sarif *s);
/* The log as one SARIF 2.1.0 JSON document (malloc'd). */
char *tj_sarif_text(const tj_sarif *s);
void tj_sarif_free(tj_sarif *s);

#ifdef __cplusplus
}
#endif
#endif
