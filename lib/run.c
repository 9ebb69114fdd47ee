/* tj_run: trace a call, build its traced arguments' arrays, run the jaxpr
 * compiled (codegen.c + jit.c) or with the reference evaluator, hand back
 * the outputs; --check compares the two. */
#include "tjit.h"
#include "api.h"

#include "array.h"
#include "ast.h"
#include "diag.h"
#include "eval.h"
#include "ir.h"
#include "spec.h"
#include "codegen.h"
#include "jit.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tj_result {
  tj_array **outs;
  size_t n;
};

/* One compiled program per distinct generated source. */
struct tj_session {
  struct { char *source; jit_program *prog; } *progs;
  size_t n, cap;
};

tj_session *tj_session_new(void) {
  tj_session *s = calloc(1, sizeof *s);
  if (!s) TJ_OOM();
  return s;
}

void tj_session_free(tj_session *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) free(s->progs[i].source), jit_free(s->progs[i].prog);
  free(s->progs);
  free(s);
}

static jit_program *session_find(const tj_session *s, const char *source) {
  for (size_t i = 0; s && i < s->n; i++)
    if (strcmp(s->progs[i].source, source) == 0) return s->progs[i].prog;
  return NULL;
}

static void session_add(tj_session *s, const char *source, jit_program *p) {
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 8;
    s->progs = realloc(s->progs, s->cap * sizeof *s->progs);
    if (!s->progs) TJ_OOM();
  }
  s->progs[s->n].source = strdup(source);
  if (!s->progs[s->n].source) TJ_OOM();
  s->progs[s->n++].prog = p;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

tj_run_opts tj_run_defaults(void) {
  tj_run_opts o = {.trace = tj_trace_defaults(), .fill_random = -1};
  return o;
}

/* The traced arguments' arrays: each input's spec value, as the tracer
 * bound it, made an array of the input's aval. */
static bool argument_arrays(tj_ctx *ctx, tj_spec *spec, const tj_jaxpr *j, long long seed, tj_array **args) {
  const ir_module *m = j->m;
  for (uint32_t i = 0; i < m->top->nin; i++) {
    const tj_aval *aval = &m->vars[m->top->invars[i]];
    if (seed >= 0 && spec_value_is_abstract(j->invar_json[i])) {
      if (!(args[i] = array_new(aval))) {
        diag_error(&ctx->diags, NULL, span_make(0, 0), "argument %u is too large to allocate", i);
        return false;
      }
      array_fill_random(args[i], (uint64_t)seed + i);
    } else if (!spec_value_array(&ctx->diags, spec, j->invar_json[i], aval, &args[i]))
      return false;
  }
  return true;
}

static tj_result *result_new(size_t n) {
  tj_result *r = calloc(1, sizeof *r);
  if (!r || !(r->outs = calloc(n ? n : 1, sizeof *r->outs))) TJ_OOM();
  r->n = n;
  return r;
}

static tj_status run_reference(tj_ctx *ctx, const tj_jaxpr *j, tj_array **args, tj_result *res) {
  char err[512];
  if (eval_jaxpr(j->m, j->m->top, (const tj_array *const *)args, res->outs, err, sizeof err)) return TJ_OK;
  diag_error(&ctx->diags, NULL, span_make(0, 0), "%s", err);
  return TJ_ERR_PROGRAM;
}

/* Saves source where a bug report can pick it up; the path goes in the
 * diagnostic. */
static void save_failed_source(tj_ctx *ctx, const char *source, const char *why) {
  const char *dir = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/tjit-failed-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  bool saved = f && fputs(source, f) >= 0;
  if (f) saved = fclose(f) == 0 && saved;
  else if (fd >= 0) close(fd);
  diag_error(&ctx->diags, NULL, span_make(0, 0), "internal error: the generated C did not compile: %s", why);
  if (saved) diag_note(&ctx->diags, "the generated C is saved in %s; please report it", path);
}

/* The compiled program of j, from the session or freshly compiled. */
static tj_status compile(tj_ctx *ctx, const tj_jaxpr *j, const tj_run_opts *o, jit_program **out, bool *owned) {
  tj_buf src = {0};
  char err[512];
  double t0 = now_ms();
  if (!codegen_c(j->m, &src, err, sizeof err)) {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "%s", err);
    buf_free(&src);
    return TJ_ERR_INTERNAL;
  }
  double t1 = now_ms();
  *owned = false;
  jit_program *p = session_find(o->session, src.data);
  if (o->times) o->times->codegen_ms = t1 - t0, o->times->reused = p != NULL;
  if (!p && !(p = jit_compile(src.data, err, sizeof err))) save_failed_source(ctx, src.data, err);
  else if (o->session && !session_find(o->session, src.data)) session_add(o->session, src.data, p);
  else if (!o->session) *owned = true;
  if (o->times) o->times->compile_ms = now_ms() - t1;
  buf_free(&src);
  *out = p;
  return p ? TJ_OK : TJ_ERR_INTERNAL;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Runs the code o->repeat times (a benchmark's warm runs: caches, pages
 * and BLAS threads as a loop in a C program sees them); the median time. */
static int timed_runs(jit_program *p, void **in, void **out, const tj_run_opts *o) {
  int n = o->repeat > 1 ? o->repeat : 1, code = JIT_OK;
  double *ms = calloc((size_t)n, sizeof *ms);
  if (!ms) TJ_OOM();
  for (int r = 0; r < n && code == JIT_OK; r++) {
    double t0 = now_ms();
    code = jit_run(p, in, out, TJ_MAX_EVAL_STEPS);
    ms[r] = now_ms() - t0;
  }
  qsort(ms, (size_t)n, sizeof *ms, by_value);
  if (o->times) o->times->run_ms = ms[n / 2];
  free(ms);
  return code;
}

static tj_status run_compiled(tj_ctx *ctx, const tj_jaxpr *j, const tj_run_opts *o, tj_array **args,
                              tj_result *res) {
  const ir_jaxpr *top = j->m->top;
  jit_program *p;
  bool owned;
  tj_status st = compile(ctx, j, o, &p, &owned);
  if (st != TJ_OK) return st;
  void **in = calloc(top->nin + 1, sizeof *in), **out = calloc(top->nout + 1, sizeof *out);
  if (!in || !out) TJ_OOM();
  for (uint32_t i = 0; i < top->nin; i++) in[i] = args[i]->data;
  for (uint32_t k = 0; k < top->nout && st == TJ_OK; k++) {
    tj_aval a = ir_atom_aval(j->m, top->outs[k]);
    if (!(res->outs[k] = array_new(&a))) {
      diag_error(&ctx->diags, NULL, span_make(0, 0), "output %u is too large to allocate", k);
      st = TJ_ERR_PROGRAM;
    } else out[k] = res->outs[k]->data;
  }
  int code = st == TJ_OK ? timed_runs(p, in, out, o) : JIT_OK;
  if (code == JIT_STEPS)
    diag_error(&ctx->diags, NULL, span_make(0, 0),
               "too many loop iterations (limit is %lld): does a while loop ever end?", TJ_MAX_EVAL_STEPS);
  else if (code == JIT_NOMEM) diag_error(&ctx->diags, NULL, span_make(0, 0), "out of memory while running");
  if (code != JIT_OK) st = TJ_ERR_PROGRAM;
  if (owned) jit_free(p);
  free(in);
  free(out);
  return st;
}

/* --check: the compiled results against the evaluator's. */
static tj_status check_results(tj_ctx *ctx, const tj_jaxpr *j, tj_array **args, const tj_result *got) {
  tj_result *want = result_new(got->n);
  tj_status st = run_reference(ctx, j, args, want);
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

static tj_status run_traced(tj_ctx *ctx, tj_spec *spec, const tj_jaxpr *j, const tj_run_opts *o, tj_result *res) {
  const ir_module *m = j->m;
  tj_array *args[TJ_MAX_PARAMS] = {0};
  tj_status st = TJ_OK;
  if (m->top->nconst || m->top->nin > TJ_MAX_PARAMS || !argument_arrays(ctx, spec, j, o->fill_random, args)) st = TJ_ERR_USAGE;
  else if (o->reference) {
    double t0 = now_ms();
    st = run_reference(ctx, j, args, res);
    if (o->times) o->times->run_ms = now_ms() - t0;
  }
  else st = run_compiled(ctx, j, o, args, res);
  if (st == TJ_OK && o->check && !o->reference) {
    double t0 = now_ms();
    st = check_results(ctx, j, args, res);
    if (o->times) o->times->check_ms = now_ms() - t0;
  }
  for (uint32_t i = 0; i < m->top->nin && i < TJ_MAX_PARAMS; i++) array_free(args[i]);
  return st;
}

tj_status tj_run(tj_ctx *ctx, tj_spec *spec, const tj_run_opts *opts, tj_result **out) {
  tj_run_opts o = opts ? *opts : tj_run_defaults();
  *out = NULL;
  if (o.times) memset(o.times, 0, sizeof *o.times);
  tj_jaxpr *j = NULL;
  double t0 = now_ms();
  tj_status st = tj_trace(ctx, spec, &o.trace, &j);
  if (o.times) o.times->trace_ms = now_ms() - t0;
  if (st != TJ_OK) return st;
  tj_result *res = result_new(j->m->top->nout);
  st = run_traced(ctx, spec, j, &o, res);
  tj_jaxpr_free(j);
  if (st != TJ_OK) {
    tj_result_free(res);
    return st;
  }
  *out = res;
  return TJ_OK;
}

tj_status tj_emit_c(tj_ctx *ctx, tj_spec *spec, const tj_trace_opts *opts, char **out) {
  tj_jaxpr *j = NULL;
  *out = NULL;
  tj_status st = tj_trace(ctx, spec, opts, &j);
  if (st != TJ_OK) return st;
  tj_buf src = {0};
  char err[512];
  if (codegen_c(j->m, &src, err, sizeof err)) *out = buf_detach(&src);
  else {
    diag_error(&ctx->diags, NULL, span_make(0, 0), "%s", err);
    st = TJ_ERR_INTERNAL;
  }
  buf_free(&src);
  tj_jaxpr_free(j);
  return st;
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
