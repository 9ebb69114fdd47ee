/* tj_run: trace a call, build its traced arguments' arrays, run the jaxpr
 * compiled (codegen.c + jit.c) or with the reference evaluator, hand back
 * the outputs; --check compares the two. */
#include "tjit.h"
#include "api.h"

#include "alloc.h"
#include "array.h"
#include "ast.h"
#include "bind.h"
#include "diag.h"
#include "eval.h"
#include "ir.h"
#include "spec.h"
#include "cache_key.h"
#include "codegen.h"
#include "diskcache.h"
#include "jit.h"
#include "limits.h"
#include "mem_estimate.h"
#include "par_rt.h"
#include "pass.h"
#include "util.h"
#include "work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A malloc'd copy of n bytes of s (NULL stays NULL). */
static char *copy_text(const char *s, size_t n) {
  if (!s) return NULL;
  char *c = malloc(n + 1);
  if (!c) TJ_OOM();
  memcpy(c, s, n);
  c[n] = 0;
  return c;
}
#define tj_strndup copy_text
#define tj_strdup(s) ((s) ? copy_text((s), strlen(s)) : NULL)

struct tj_result {
  tj_array **outs;
  bool *weak;              /* each output's weak type, which repr() shows */
  size_t n;
  char *tree;              /* their pytree structure (tj_result_tree) */
};

/* The programs compiled or loaded so far, found by their generated source
 * or by the disk cache entry of a call (a hit skips codegen too). */
typedef struct session_prog {
  char *source;            /* NULL: loaded from the disk cache */
  jit_program *prog;
  unsigned needs;          /* JIT_NEEDS_* */
  tj_buf object;           /* its object file, when made for the disk cache */
  tj_aval *outs;           /* the outputs' avals */
  uint32_t nout;
  mem_estimate mem;        /* its temporaries, for a hit's memory check */
} session_prog;

struct tj_session {
  session_prog *progs;
  size_t n, cap;
  struct { cache_digest entry; size_t prog; char *tree; } *keys; /* tree: the call's result structure */
  size_t nkeys, capkeys;
  tj_par *par;             /* the threads of its runs (par_rt.h), made at the first run */
};

tj_session *tj_session_new(void) {
  tj_session *s = calloc(1, sizeof *s);
  if (!s) TJ_OOM();
  return s;
}

void tj_session_free(tj_session *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) {
    session_prog *p = &s->progs[i];
    free(p->source), jit_free(p->prog), buf_free(&p->object), free(p->outs);
  }
  free(s->progs);
  for (size_t i = 0; i < s->nkeys; i++) free(s->keys[i].tree);
  free(s->keys);
  par_free(s->par);
  free(s);
}

/* The session's threads for a run asking for `threads` (0: the online
 * CPUs); made again when a run asks for another count. */
static tj_par *session_par(tj_session *s, int threads) {
  int n = threads > 0 ? threads : par_online_cpus();
  if (s->par && par_threads(s->par) != n) par_free(s->par), s->par = NULL;
  if (!s->par) s->par = par_new(n);
  return s->par;
}

static long session_by_source(const tj_session *s, const char *source) {
  for (size_t i = 0; i < s->n; i++)
    if (s->progs[i].source && strcmp(s->progs[i].source, source) == 0) return (long)i;
  return -1;
}

static long session_key_index(const tj_session *s, cache_digest entry) {
  for (size_t i = 0; i < s->nkeys; i++)
    if (cache_digest_equal(s->keys[i].entry, entry)) return (long)i;
  return -1;
}

static long session_by_key(const tj_session *s, cache_digest entry) {
  long i = session_key_index(s, entry);
  return i < 0 ? -1 : (long)s->keys[i].prog;
}

/* Adds p (the session owns it, and source, outs and object from now on). */
static long session_add(tj_session *s, session_prog p) {
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 8;
    s->progs = realloc(s->progs, s->cap * sizeof *s->progs);
    if (!s->progs) TJ_OOM();
  }
  s->progs[s->n] = p;
  return (long)s->n++;
}

/* The program of a key and the result structure of its calls (the key
 * holds the arguments' structures, which decide the result's). */
static void session_key(tj_session *s, cache_digest entry, long prog, const char *tree) {
  if (session_by_key(s, entry) >= 0) return;
  if (s->nkeys == s->capkeys) {
    s->capkeys = s->capkeys ? 2 * s->capkeys : 8;
    s->keys = realloc(s->keys, s->capkeys * sizeof *s->keys);
    if (!s->keys) TJ_OOM();
  }
  s->keys[s->nkeys].entry = entry;
  s->keys[s->nkeys].tree = tj_strdup(tree);
  s->keys[s->nkeys++].prog = (size_t)prog;
}

tj_run_opts tj_run_defaults(void) {
  tj_run_opts o = {.trace = tj_trace_defaults(), .fill_random = -1};
  return o;
}

/* The traced arguments' arrays: each input's spec value, as bind.c bound
 * it (through the trace's inputs, or a hit's key), made an array of its aval.
 * TJ_ERR_USAGE for a bad value, TJ_ERR_BUDGET when memory runs out. */
tj_status run_argument_arrays(tj_ctx *ctx, const tj_spec *spec, uint32_t n, const sjson *const *json,
                              const tj_aval *avals, long long seed, tj_array **args) {
  for (uint32_t i = 0; i < n; i++) {
    bool random = seed >= 0 && spec_value_is_abstract(json[i]);
    if (random && avals[i].dtype == DT_FLOAT0) { /* no array of it to fill; values.c refuses a given value */
      diag_error(&ctx->diags, NULL, span_make(0, 0), "argument %u is float0: it can be traced but not run", i);
      return TJ_ERR_USAGE;
    }
    if (random) {
      if (!(args[i] = array_new(&avals[i]))) {
        diag_out_of_memory(&ctx->diags, TJ_NOMEM_FMT "argument %u", array_bytes(&avals[i]), i);
        return TJ_ERR_BUDGET;
      }
      array_fill_random(args[i], (uint64_t)seed + i);
    } else if (!spec_value_array(&ctx->diags, spec, json[i], &avals[i], &args[i]))
      return diag_last_is_budget(&ctx->diags) ? TJ_ERR_BUDGET : TJ_ERR_USAGE;
  }
  return TJ_OK;
}

static tj_result *result_new(size_t n, const char *tree) {
  tj_result *r = calloc(1, sizeof *r);
  if (!r || !(r->outs = calloc(n ? n : 1, sizeof *r->outs)) || !(r->weak = calloc(n ? n : 1, sizeof *r->weak)))
    TJ_OOM();
  r->n = n;
  r->tree = tj_strdup(tree ? tree : "*");
  return r;
}

/* The budget of a run (tj_run_opts.max_work). */
long long run_max_work(const tj_run_opts *o) {
  if (o->max_work <= 0) return TJ_MAX_WORK;
  return o->max_work < TJ_WORK_SATURATED ? o->max_work : TJ_WORK_SATURATED; /* the total cannot wrap */
}

static tj_status run_reference(tj_ctx *ctx, const tj_jaxpr *j, const tj_run_opts *o, tj_array **args,
                               tj_result *res) {
  diag_at at = {&ctx->diags, NULL, span_make(0, 0), NULL};
  return eval_jaxpr_budget(&at, j->m, j->m->top, (const tj_array *const *)args, res->outs, run_max_work(o));
}

/* Saves source where a bug report can pick it up; the path goes in the
 * diagnostic. */
static void save_failed_source(tj_ctx *ctx, const char *source) {
  const char *dir = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/tjit-failed-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  bool saved = f && fputs(source, f) >= 0;
  if (f) saved = fclose(f) == 0 && saved;
  else if (fd >= 0) close(fd);
  if (saved) diag_note(&ctx->diags, "the generated C is saved in %s; please report it", path);
}

/* ---- the disk cache (diskcache.h) ---- */

/* One call as the disk cache sees it: its entry and, from its jit cache
 * key, its traced arguments, which on a hit stand in for the trace's. */
typedef struct disk_call {
  bool keyed;              /* false: no cache (or --reference) */
  cache_digest entry;
  uint32_t nin;            /* the traced arguments' leaves */
  const sjson *in_json[TJ_MAX_INPUTS];
  tj_aval in_avals[TJ_MAX_INPUTS];
  char *tree;              /* on a hit: the result structure of the key's calls */
} disk_call;

/* Keys the bound call as explain-recompile does (the same bound call the
 * trace reads, so nothing can fail here). */
static void key_call(const tj_spec *spec, const bound_call *bc, int autograph, disk_call *dc) {
  cache_keyer k;
  cache_key_arg args[TJ_MAX_PARAMS];
  cache_key key = {.args = args};
  cache_keyer_init(&k, spec, bc->entry, autograph);
  cache_key_for_call(&k, bc, &key);
  for (int i = 0; i < bc->nargs; i++)
    for (int l = 0; !bc->args[i].is_static && l < bc->args[i].nleaves; l++) {
      dc->in_json[dc->nin] = bc->args[i].leaf_json[l];
      dc->in_avals[dc->nin++] = bc->args[i].leaf_avals[l];
    }
  dc->entry = dc_entry_digest(key.digest);
  dc->keyed = true;
}

static bool same_avals(const tj_aval *a, const tj_aval *b, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (a[i].dtype != b[i].dtype || a[i].weak != b[i].weak || !aval_same_shape(&a[i], &b[i])) return false;
  return true;
}

/* The program of a verified entry, or NULL: an entry that does not load
 * is a miss (which rewrites it), not an error. */
static jit_program *load_quietly(const dc_entry *e) {
  tj_arena scratch = {0};
  diag_list dropped = {.arena = &scratch};
  diag_at at = {&dropped, NULL, span_make(0, 0), NULL};
  jit_program *p = jit_load_object(&at, e->object, e->object_len, e->needs);
  arena_free(&scratch);
  return p;
}

/* The call's entry from the disk, loaded into the session; -1: a miss
 * (none, or one that fails verification: the miss rewrites it). */
static long disk_lookup(tj_cache *cache, tj_session *s, disk_call *dc) {
  tj_buf data = {0};
  dc_entry e = {0};
  char why[256];
  long found = -1;
  if (dc_read(cache, dc->entry, &data) && dc_decode(dc->entry, dc_cache_key(cache), data.data, data.len, &e, why, sizeof why) &&
      e.nin == dc->nin && same_avals(e.ins, dc->in_avals, dc->nin)) {
    jit_program *p = load_quietly(&e);
    if (p) {
      found = session_add(s, (session_prog){.prog = p, .needs = e.needs, .outs = e.outs, .nout = e.nout,
                                            .mem = e.mem});
      e.outs = NULL; /* the session's now */
      dc->tree = tj_strndup(e.tree, e.tree_len);
    }
  }
  dc_entry_free(&e);
  buf_free(&data);
  return found;
}

/* The program of a call whose key is known, from the session or the disk;
 * -1 when it must be compiled. */
static long cached_program(const tj_run_opts *o, tj_session *s, disk_call *dc) {
  long i = session_by_key(s, dc->entry);
  if (i >= 0) {
    dc->tree = tj_strdup(s->keys[session_key_index(s, dc->entry)].tree);
    if (o->times) o->times->reused = 1;
  } else { /* the directory's counters count what it was asked */
    if ((i = disk_lookup(o->cache, s, dc)) >= 0) session_key(s, dc->entry, i, dc->tree);
    dc_count(o->cache, i >= 0);
    if (o->times) o->times->disk_hit = i >= 0;
  }
  if (o->times) o->times->cache_hit = i >= 0;
  return i;
}

/* Writes the call's entry for a program compiled to an object. */
static void disk_store(tj_cache *cache, const disk_call *dc, const session_prog *p, const char *tree) {
  if (!p->object.len) return;
  dc_entry e = {.needs = p->needs, .nin = dc->nin, .nout = p->nout, .ins = (tj_aval *)dc->in_avals, .outs = p->outs,
                .object = p->object.data, .object_len = p->object.len, .mem = p->mem, .tree = tree,
                .tree_len = (uint32_t)strlen(tree)};
  tj_buf data = {0};
  dc_encode(dc->entry, dc_cache_key(cache), &e, &data);
  dc_write(cache, dc->entry, &data);
  buf_free(&data);
}

/* ---- compiling ---- */

/* Compiles source: through an object file when it will be stored (the
 * code run is then the code a later hit loads), else in memory. The
 * object is a saving only: when it fails, its errors are dropped and the
 * source compiled in memory reports its own. */
static jit_program *build(tj_ctx *ctx, const char *source, unsigned needs, bool for_disk, tj_buf *object) {
  jit_program *p = NULL;
  if (for_disk) {
    tj_arena scratch = {0};
    diag_list dropped = {.arena = &scratch};
    diag_at at = {&dropped, NULL, span_make(0, 0), NULL};
    if (jit_compile_object(&at, source, object)) p = jit_load_object(&at, object->data, object->len, needs);
    arena_free(&scratch);
  }
  if (!p) {
    buf_free(object); /* and the code runs uncached */
    diag_at at = {&ctx->diags, NULL, span_make(0, 0), "internal error: the generated C did not compile"};
    p = jit_compile(&at, source);
  }
  return p;
}

/* The C of j's program into src, or an error: a program over the
 * backend's limits is refused as a budget, anything else is a bug (a
 * primitive the backend cannot emit, a pass that broke the IR). The pass
 * pipeline runs first, over j's module in place: from then on j is the
 * program the C computes (the evaluator of --check runs that). */
/* The C of m into src; with plan, the fuse pass's plan as JSON too
 * (pass_fusion_json), for emit-c --format json. */
static tj_status generate(tj_ctx *ctx, const ir_module *m, const tj_trace_opts *o, tj_buf *src, tj_buf *plan) {
  if (custom_lin_refused(m->top, &ctx->diags, m->src)) return TJ_ERR_PROGRAM; /* as JAX's lowering */
  if (codegen_takes_float0(m)) {
    diag_error(&ctx->diags, NULL, span_make(0, 0),
               "a function with float0 arguments can be traced but not compiled: float0 has no C type");
    return TJ_ERR_USAGE;
  }
  pass_facts facts;
  ir_module *lowered = pass_pipeline(m, o, &facts, &ctx->diags);
  if (!lowered) return TJ_ERR_INTERNAL;
  diag_at at = {&ctx->diags, NULL, span_make(0, 0), NULL};
  cg_result r = codegen_c(&at, lowered, &facts, src);
  if (plan && r == CG_DONE) pass_fusion_json(lowered, &facts, plan);
  pass_facts_free(&facts);
  ir_free(lowered);
  if (r == CG_DONE) return TJ_OK;
  buf_free(src);
  return r == CG_CANNOT ? TJ_ERR_INTERNAL : TJ_ERR_BUDGET;
}

/* The program of j: from the session by its source, else compiled (and
 * stored in the disk cache when dc is keyed). Its index, or -1 with the
 * status in *st. */
static long compile(tj_ctx *ctx, const tj_jaxpr *j, const tj_run_opts *o, tj_session *s, const disk_call *dc,
                    const mem_estimate *mem, tj_status *st) {
  tj_buf src = {0};
  double t0 = now_ms();
  if ((*st = generate(ctx, j->m, &o->trace, &src, NULL)) != TJ_OK) return -1;
  *st = TJ_ERR_INTERNAL; /* unless compiled below */
  double t1 = now_ms();
  long i = session_by_source(s, src.data);
  if (o->times) o->times->codegen_ms = t1 - t0, o->times->reused = i >= 0;
  if (i < 0) {
    session_prog p = {.needs = jit_source_needs(src.data), .nout = j->m->top->nout, .mem = *mem};
    if (!(p.prog = build(ctx, src.data, p.needs, dc->keyed, &p.object))) {
      if (diag_last_is_budget(&ctx->diags)) *st = TJ_ERR_BUDGET;
      else save_failed_source(ctx, src.data);
    }
    else {
      p.outs = malloc(sizeof *p.outs * (p.nout ? p.nout : 1));
      if (!p.outs) TJ_OOM();
      for (uint32_t k = 0; k < p.nout; k++) p.outs[k] = ir_atom_aval(j->m, j->m->top->outs[k]);
      p.source = buf_detach(&src);
      i = session_add(s, p);
    }
  }
  if (i >= 0 && dc->keyed) {
    session_key(s, dc->entry, i, j->out_tree);
    disk_store(o->cache, dc, &s->progs[i], j->out_tree);
  }
  if (o->times) {
    o->times->blas_ms = i >= 0 && !o->times->reused ? jit_blas_load_ms(s->progs[i].prog) : 0;
    o->times->compile_ms = now_ms() - t1 - o->times->blas_ms;
  }
  buf_free(&src);
  return i;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Runs the code o->repeat times (a benchmark's warm runs: caches, pages
 * and BLAS threads as a loop in a C program sees them); the median time.
 * With more than one, an untimed run comes first: the first run also
 * faults in the outputs' fresh pages, which no steady state pays. */
static int timed_runs(jit_program *p, tj_par *par, void **in, void **out, const tj_run_opts *o) {
  int n = o->repeat > 1 ? o->repeat : 1, code = JIT_OK;
  double *ms = calloc((size_t)n, sizeof *ms);
  if (!ms) TJ_OOM();
  if (n > 1) code = jit_run_par(p, par, in, out, run_max_work(o));
  for (int r = 0; r < n && code == JIT_OK; r++) {
    double t0 = now_ms();
    code = jit_run_par(p, par, in, out, run_max_work(o));
    ms[r] = now_ms() - t0;
  }
  qsort(ms, (size_t)n, sizeof *ms, by_value);
  int threads = par_most_parts(par);
  if (o->times) o->times->run_ms = ms[n / 2], o->times->threads = threads;
  free(ms);
  return code;
}

tj_status run_report_failure(tj_ctx *ctx, int code, const jit_program *p, long long budget) {
  if (code == JIT_OVERRUN) {
    diag_error(&ctx->diags, NULL, span_make(0, 0),
               "internal error: the compiled code wrote past the end of a buffer (a bug in tjit's C generator)");
    return TJ_ERR_INTERNAL;
  } else if (code == JIT_WORK) {
    work_budget_report(&ctx->diags, budget);
    return TJ_ERR_BUDGET;
  } else if (code == JIT_NOMEM) {
    diag_out_of_memory(&ctx->diags, TJ_NOMEM_FMT "a buffer of the compiled code", jit_nomem_bytes(p));
    return TJ_ERR_BUDGET;
  }
  return code == JIT_OK ? TJ_OK : TJ_ERR_PROGRAM;
}

/* Runs program p on args into res (outputs allocated from p's avals), on
 * par's threads (NULL: the caller's only). */
static tj_status run_program(tj_ctx *ctx, const session_prog *p, tj_par *par, uint32_t nin, tj_array **args,
                             const tj_run_opts *o, tj_result *res) {
  tj_status st = TJ_OK;
  void **in = calloc(nin + 1, sizeof *in), **out = calloc(p->nout + 1, sizeof *out);
  if (!in || !out) TJ_OOM();
  for (uint32_t i = 0; i < nin; i++) in[i] = args[i]->data;
  for (uint32_t k = 0; k < p->nout && st == TJ_OK; k++) {
    if (!(res->outs[k] = array_new(&p->outs[k]))) {
      diag_out_of_memory(&ctx->diags, TJ_NOMEM_FMT "output %u", array_bytes(&p->outs[k]), k);
      st = TJ_ERR_BUDGET;
    } else out[k] = res->outs[k]->data;
  }
  int code = st == TJ_OK ? timed_runs(p->prog, par, in, out, o) : JIT_OK;
  /* nothing ran (and some outputs are NULL) when an allocation failed */
  for (uint32_t k = 0; k < p->nout && code == JIT_OK && st == TJ_OK; k++)
    if (!jit_guard_intact(out[k], (size_t)res->outs[k]->size * (size_t)dtype_size(res->outs[k]->dtype)))
      code = JIT_OVERRUN;
  if (st == TJ_OK) st = run_report_failure(ctx, code, p->prog, run_max_work(o));
  free(in);
  free(out);
  return st;
}

/* --check: the compiled results against the evaluator's. */
static tj_status check_results(tj_ctx *ctx, const tj_jaxpr *j, const tj_run_opts *o, tj_array **args,
                               const tj_result *got) {
  tj_result *want = result_new(got->n, got->tree);
  tj_status st = run_reference(ctx, j, o, args, want);
  for (size_t k = 0; k < got->n && st == TJ_OK; k++) {
    char why[256];
    if (!array_agree(got->outs[k], want->outs[k], why, sizeof why)) {
      diag_error(&ctx->diags, NULL, span_make(0, 0),
                 "--check: output %zu of the compiled code differs from the reference evaluator: %s", k, why);
      st = TJ_ERR_PROGRAM;
    }
  }
  tj_result_free(want);
  return st;
}

jit_program *run_compile_module(tj_ctx *ctx, const ir_module *m, const tj_trace_opts *o, tj_status *st) {
  tj_buf src = {0}, object = {0};
  if ((*st = generate(ctx, m, o, &src, NULL)) != TJ_OK) return NULL;
  jit_program *p = build(ctx, src.data, jit_source_needs(src.data), false, &object);
  if (!p) {
    if (diag_last_is_budget(&ctx->diags)) *st = TJ_ERR_BUDGET;
    else save_failed_source(ctx, src.data), *st = TJ_ERR_INTERNAL;
  }
  buf_free(&src);
  return p;
}

tj_status run_module(tj_ctx *ctx, const ir_module *m, const tj_run_opts *o, tj_array **args, tj_array **outs) {
  tj_status st;
  session_prog p = {.nout = m->top->nout};
  if (!(p.prog = run_compile_module(ctx, m, &o->trace, &st))) return st;
  p.outs = malloc(sizeof *p.outs * (p.nout ? p.nout : 1));
  if (!p.outs) TJ_OOM();
  for (uint32_t k = 0; k < p.nout; k++) p.outs[k] = ir_atom_aval(m, m->top->outs[k]);
  tj_result *res = result_new(p.nout, NULL);
  tj_run_opts once = *o;
  once.repeat = 1, once.times = NULL;
  st = run_program(ctx, &p, NULL, m->top->nin, args, &once, res);
  for (uint32_t k = 0; k < p.nout; k++) {
    outs[k] = st == TJ_OK ? res->outs[k] : NULL;
    if (st != TJ_OK) array_free(res->outs[k]);
    res->outs[k] = NULL;
  }
  tj_result_free(res);
  jit_free(p.prog);
  free(p.outs);
  return st;
}

static void free_args(tj_array **args, uint32_t n) {
  for (uint32_t i = 0; i < n && i < TJ_MAX_INPUTS; i++) array_free(args[i]);
}

/* ---- the memory a run needs ---- */

/* The default limit: a share of physical memory; 0 when unknown. */
static uint64_t default_max_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return (uint64_t)pages * (uint64_t)page / TJ_MEMORY_SHARE_DEN * TJ_MEMORY_SHARE_NUM;
}

static uint64_t avals_bytes(const tj_aval *a, uint32_t n) {
  uint64_t b = 0;
  for (uint32_t i = 0; i < n; i++) b += mem_bytes(&a[i]);
  return b;
}

/* One array named in a refusal: "output 0 f32[20000,20000] 1.5 GiB". */
typedef struct named_array {
  const char *what;
  int index;               /* -1: none (a temporary) */
  tj_aval aval;
} named_array;

static void offer(named_array *top, int *n, named_array a) {
  if (*n == MEM_NAMED && mem_bytes(&top[MEM_NAMED - 1].aval) >= mem_bytes(&a.aval)) return;
  int i = *n < MEM_NAMED ? (*n)++ : MEM_NAMED - 1;
  for (; i > 0 && mem_bytes(&top[i - 1].aval) < mem_bytes(&a.aval); i--) top[i] = top[i - 1];
  top[i] = a;
}

/* The note naming the largest arrays of the run, largest first. */
static void note_largest(tj_ctx *ctx, const tj_aval *ins, uint32_t nin, const tj_aval *outs, uint32_t nout,
                         const mem_estimate *mem) {
  named_array top[MEM_NAMED];
  int n = 0;
  for (uint32_t i = 0; i < nin; i++) offer(top, &n, (named_array){"input", (int)i, ins[i]});
  for (uint32_t i = 0; i < nout; i++) offer(top, &n, (named_array){"output", (int)i, outs[i]});
  for (uint32_t i = 0; i < mem->nbig; i++) offer(top, &n, (named_array){"a temporary", -1, mem->big[i]});
  tj_buf b = {0};
  for (int i = 0; i < n; i++) {
    char aval[200], size[32];
    aval_format(&top[i].aval, aval, sizeof aval);
    mem_format(mem_bytes(&top[i].aval), size, sizeof size);
    buf_printf(&b, "%s%s", i ? ", " : "", top[i].what);
    if (top[i].index >= 0) buf_printf(&b, " %d", top[i].index);
    buf_printf(&b, " %s (%s)", aval, size);
  }
  if (n) diag_note(&ctx->diags, "the largest arrays: %s", b.data);
  buf_free(&b);
}

/* Refuses (TJ_ERR_BUDGET) a run whose estimated memory is over the limit:
 * its inputs, its outputs (twice with --check: the compiled results stay
 * while the evaluator makes its own) and its temporaries at their peak. */
static tj_status check_memory(tj_ctx *ctx, const tj_run_opts *o, const tj_aval *ins, uint32_t nin,
                              const tj_aval *outs, uint32_t nout, const mem_estimate *mem) {
  if (o->max_memory < 0) return TJ_OK;
  uint64_t limit = o->max_memory > 0 ? (uint64_t)o->max_memory : default_max_memory();
  uint64_t in = avals_bytes(ins, nin), out = avals_bytes(outs, nout);
  bool twice = o->check && !o->reference;
  uint64_t need = in + (twice ? 2 : 1) * out + mem->temps;
  if (limit == 0 || need <= limit) return TJ_OK;
  char need_s[32], limit_s[32], in_s[32], out_s[32], temps_s[32];
  mem_format(need, need_s, sizeof need_s), mem_format(limit, limit_s, sizeof limit_s);
  mem_format(in, in_s, sizeof in_s), mem_format(out, out_s, sizeof out_s);
  mem_format(mem->temps, temps_s, sizeof temps_s);
  char why[64] = "--max-memory";
  if (o->max_memory == 0)
    snprintf(why, sizeof why, "%d/%d of physical memory; --max-memory sets another", TJ_MEMORY_SHARE_NUM,
             TJ_MEMORY_SHARE_DEN);
  diag_set_kind(&ctx->diags, DIAG_KIND_BUDGET);
  diag_error(&ctx->diags, NULL, span_make(0, 0),
             "the run needs an estimated %s (%llu bytes) of memory, over the limit of %s (%llu bytes; %s)", need_s,
             (unsigned long long)need, limit_s, (unsigned long long)limit, why);
  diag_note(&ctx->diags, "inputs %s, outputs %s%s, temporaries at their peak %s", in_s, out_s,
            twice ? " twice (--check keeps both results)" : "", temps_s);
  note_largest(ctx, ins, nin, outs, nout, mem);
  return TJ_ERR_BUDGET;
}

/* The memory check of a traced call; mem receives its estimate. */
tj_status run_check_memory(tj_ctx *ctx, const tj_run_opts *o, const ir_module *m, const tj_aval *ins,
                           mem_estimate *mem) {
  mem_estimate_jaxpr(m, m->top, mem);
  tj_aval *outs = malloc(sizeof *outs * (m->top->nout ? m->top->nout : 1));
  if (!outs) TJ_OOM();
  for (uint32_t k = 0; k < m->top->nout; k++) outs[k] = ir_atom_aval(m, m->top->outs[k]);
  tj_status st = check_memory(ctx, o, ins, m->top->nin, outs, m->top->nout, mem);
  free(outs);
  return st;
}

/* Runs the traced jaxpr: evaluated, or compiled (program prog when a
 * cache hit found it already, else compiled now). */
static tj_status run_traced(tj_ctx *ctx, tj_spec *spec, const tj_jaxpr *j, const tj_run_opts *o, tj_session *s,
                            const disk_call *dc, long prog, tj_result *res) {
  const ir_module *m = j->m;
  tj_array *args[TJ_MAX_INPUTS] = {0};
  tj_aval avals[TJ_MAX_INPUTS];
  mem_estimate mem;
  if (m->top->nin > TJ_MAX_INPUTS) return TJ_ERR_USAGE;
  for (uint32_t i = 0; i < m->top->nin; i++) avals[i] = m->vars[m->top->invars[i]];
  tj_status st = run_check_memory(ctx, o, m, avals, &mem);
  diag_set_kind(&ctx->diags, DIAG_KIND_SPEC); /* the arguments' values */
  if (st == TJ_OK) st = run_argument_arrays(ctx, spec, m->top->nin, j->invar_json, avals, o->fill_random, args);
  if (st != TJ_OK) { /* nothing runs */
  } else if (diag_set_kind(&ctx->diags, DIAG_KIND_RUN), o->reference) {
    double t0 = now_ms();
    st = run_reference(ctx, j, o, args, res);
    if (o->times) o->times->run_ms = now_ms() - t0;
  } else {
    if (prog < 0) prog = compile(ctx, j, o, s, dc, &mem, &st);
    if (prog >= 0) st = run_program(ctx, &s->progs[prog], session_par(s, o->threads), m->top->nin, args, o, res);
  }
  if (st == TJ_OK && o->check && !o->reference) {
    double t0 = now_ms();
    st = check_results(ctx, j, o, args, res);
    if (o->times) o->times->check_ms = now_ms() - t0;
  }
  free_args(args, m->top->nin);
  return st;
}

/* A cache hit without --check: no trace, the key's arguments. */
static tj_status run_hit(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *o, tj_session *s, const session_prog *p,
                         const disk_call *dc, tj_result **out) {
  tj_array *args[TJ_MAX_INPUTS] = {0};
  tj_status st = check_memory(ctx, o, dc->in_avals, dc->nin, p->outs, p->nout, &p->mem);
  *out = result_new(p->nout, dc->tree);
  for (uint32_t k = 0; k < p->nout; k++) (*out)->weak[k] = p->outs[k].weak;
  if (st == TJ_OK) {
    diag_set_kind(&ctx->diags, DIAG_KIND_SPEC);
    st = run_argument_arrays(ctx, spec, dc->nin, dc->in_json, dc->in_avals, o->fill_random, args);
    if (st == TJ_OK)
      diag_set_kind(&ctx->diags, DIAG_KIND_RUN), st = run_program(ctx, p, session_par(s, o->threads), dc->nin, args, o, *out);
  }
  free_args(args, dc->nin);
  return st;
}

static tj_status trace_and_run(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *o, tj_session *s, const bound_call *bc,
                               const disk_call *dc, long prog, tj_result **out) {
  tj_jaxpr *j = NULL;
  double t0 = now_ms();
  tj_status st = api_trace_bound(ctx, spec, bc, o->trace.autograph, &j, NULL, NULL);
  if (o->times) o->times->trace_ms = now_ms() - t0, o->times->traced = 1;
  if (st != TJ_OK) return st;
  *out = result_new(j->m->top->nout, j->out_tree);
  for (uint32_t k = 0; k < j->m->top->nout; k++) (*out)->weak[k] = ir_atom_aval(j->m, j->m->top->outs[k]).weak;
  st = run_traced(ctx, spec, j, o, s, dc, prog, *out);
  tj_jaxpr_free(j);
  return st;
}

/* A bound call: keyed and looked up in the caches, then run from the
 * program found, or traced (from the same bound call) and run. */
static tj_status run_bound(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *o, const bound_call *bc, tj_result **out) {
  tj_session *s = o->session ? o->session : tj_session_new();
  disk_call dc = {0};
  long prog = -1;
  tj_result *res = NULL;
  if (o->cache && !o->reference) {
    double t0 = now_ms();
    key_call(spec, bc, o->trace.autograph, &dc);
    prog = cached_program(o, s, &dc);
    if (o->times) o->times->cache_ms = now_ms() - t0;
    if (o->times && o->times->disk_hit) /* the load dlopened OpenBLAS: said apart */
      o->times->cache_ms -= o->times->blas_ms = jit_blas_load_ms(s->progs[prog].prog);
  }
  tj_status st = prog >= 0 && !o->check ? run_hit(ctx, spec, o, s, &s->progs[prog], &dc, &res)
                                        : trace_and_run(ctx, spec, o, s, bc, &dc, prog, &res);
  if (!o->session) tj_session_free(s);
  free(dc.tree);
  if (st != TJ_OK) {
    tj_result_free(res);
    return st;
  }
  *out = res;
  return TJ_OK;
}

/* A listing (api_listing.c): no call to bind and no key (nor disk cache:
 * its whole text would be the key); its jaxpr, given its values, runs as
 * a traced call's does. --fill-random's seed fills its variables given
 * none, constvars too. */
static tj_status run_listing(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *o, tj_result **out) {
  tj_run_opts ro = *o;
  tj_jaxpr *j = NULL;
  disk_call dc = {0};
  if (ro.fill_random < 0) ro.fill_random = ro.trace.fill_random;
  double t0 = now_ms();
  tj_status st = api_listing_trace(ctx, spec, &ro.trace, ro.fill_random, LISTING_NEED_ALL, &j);
  if (ro.times) ro.times->trace_ms = now_ms() - t0, ro.times->traced = 1;
  if (st != TJ_OK) return st;
  tj_session *s = ro.session ? ro.session : tj_session_new();
  tj_result *res = result_new(j->m->top->nout, j->out_tree);
  for (uint32_t k = 0; k < j->m->top->nout; k++) res->weak[k] = ir_atom_aval(j->m, j->m->top->outs[k]).weak;
  st = run_traced(ctx, spec, j, &ro, s, &dc, -1, res);
  tj_jaxpr_free(j);
  if (!ro.session) tj_session_free(s);
  if (st == TJ_OK) *out = res;
  else tj_result_free(res);
  return st;
}

/* spec -> parse (tj_spec_load) -> bind -> key -> {hit | trace} -> run. */
tj_status tj_run(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *opts, tj_result **out) {
  tj_run_opts o = opts ? *opts : tj_run_defaults();
  tj_arena a = {0};
  bound_call bc;
  *out = NULL;
  if (o.times) memset(o.times, 0, sizeof *o.times);
  if (spec->listing) return run_listing(ctx, spec, &o, out);
  tj_status st = api_bind(ctx, spec, &o.trace, &a, &bc);
  if (st == TJ_OK) st = run_bound(ctx, spec, &o, &bc, out);
  arena_free(&a);
  return st;
}

tj_status tj_emit_c(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, char **out) {
  tj_jaxpr *j = NULL;
  *out = NULL;
  tj_status st = api_trace_needing(ctx, spec, opts, LISTING_NEED_CONSTS, &j); /* a listing's constvars are in the C */
  if (st != TJ_OK) return st;
  tj_buf src = {0};
  if ((st = generate(ctx, j->m, opts, &src, NULL)) == TJ_OK) *out = buf_detach(&src);
  buf_free(&src);
  tj_jaxpr_free(j);
  return st;
}

/* {"version": 1, "c": C, "jaxprs": [...], "fusion": PLAN}: the same C as
 * tj_emit_c, and the plan it was generated from (pass_fusion_json). */
tj_status tj_emit_c_json(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, char **out) {
  tj_jaxpr *j = NULL;
  *out = NULL;
  tj_status st = api_trace_needing(ctx, spec, opts, LISTING_NEED_CONSTS, &j); /* a listing's constvars are in the C */
  if (st != TJ_OK) return st;
  tj_buf src = {0}, plan = {0}, doc = {0};
  if ((st = generate(ctx, j->m, opts, &src, &plan)) == TJ_OK) {
    buf_puts(&doc, "{\"version\": 1, \"c\": ");
    buf_put_json_string(&doc, src.data ? src.data : "", src.len);
    buf_puts(&doc, ", ");
    buf_putn(&doc, plan.data, plan.len); /* pass_fusion_json wrote it: never empty */
    buf_putc(&doc, '}');
    *out = buf_detach(&doc);
  }
  buf_free(&src), buf_free(&plan), buf_free(&doc);
  tj_jaxpr_free(j);
  return st;
}

size_t tj_result_count(const tj_result *r) { return r->n; }
const char *tj_result_tree(const tj_result *r) { return r->tree; }

static char *format_with(const tj_result *r, size_t k, void (*fmt)(const tj_array *, bool, tj_buf *)) {
  if (k >= r->n) return NULL;
  tj_buf b = {0};
  fmt(r->outs[k], r->weak[k], &b);
  if (!b.data) buf_puts(&b, "");
  return b.data;
}

static void format_json(const tj_array *a, bool weak, tj_buf *out) { (void)weak, array_format_json(a, out); }

/* repr(jax.Array) adds ", weak_type=True" for a weak one (jax/_src/array.py
 * ArrayImpl.__repr__). */
char *tj_result_text(const tj_result *r, size_t k) { return format_with(r, k, array_format_text_weak); }
char *tj_result_json(const tj_result *r, size_t k) { return format_with(r, k, format_json); }

tj_status tj_result_write_npy(tj_ctx *ctx, const tj_result *r, size_t k, const char *path) {
  if (k >= r->n) return TJ_ERR_INTERNAL;
  diag_kind before = diag_set_kind(&ctx->diags, DIAG_KIND_IO);
  diag_at nowhere = {&ctx->diags, NULL, span_make(0, 0), NULL};
  if (!npy_write(&nowhere, path, r->outs[k])) return TJ_ERR_USAGE;
  diag_set_kind(&ctx->diags, before);
  return TJ_OK;
}

void tj_result_free(tj_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) array_free(r->outs[i]);
  free(r->outs);
  free(r->weak);
  free(r->tree);
  free(r);
}
