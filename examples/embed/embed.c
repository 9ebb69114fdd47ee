/* libtjit from a C program: a spec held in a string, traced into a jaxpr
 * and run (compiled by libtcc) for each of its calls; a function compiled
 * once and called on the program's own arrays; and an error read back as
 * data. Build it against an installed libtjit (README, Embedding):
 *
 *   cc embed.c $(pkg-config --cflags --libs tjit) -o embed
 *
 * or with libtjit.a (-l:libtjit.a where libtjit.so is installed beside it):
 *
 *   cc embed.c $(pkg-config --cflags --static --libs tjit | sed 's/-ltjit/-l:libtjit.a/') -o embed
 *
 * (tests/cli/97-embed.bats builds it both ways and checks what it prints). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tjit.h>

/* Two calls of different lengths: each traces and compiles once. */
static const char spec_text[] =
  "{\"tjit\": 1,"
  " \"source\": \"float scale_shift(float x[n], static float a) { return x * a + 1; }\","
  " \"calls\": [{\"x\": [1.0, 2.0, 3.0], \"a\": 2.0},"
  "            {\"x\": [0.5, -1.0], \"a\": 4.0}]}";

/* A program that does not trace (x is traced: Python's `if` would need
 * its value), to show an error as the library reports it. */
static const char bad_spec_text[] =
  "{\"tjit\": 1,"
  " \"source\": \"float f(float x) { if (x > 0) return x; return -x; }\","
  " \"args\": {\"x\": 1.0}}";

/* Runs every call of the spec, printing its jaxpr and its results. */
static tj_status run_calls(tj_ctx *ctx, tj_spec *spec) {
  tj_session *session = tj_session_new();
  tj_status st = TJ_OK;
  for (int call = 0; call < tj_spec_ncalls(spec) && st == TJ_OK; call++) {
    tj_run_opts opts = tj_run_defaults();
    opts.trace.call = call;
    opts.session = session;
    tj_jaxpr *jaxpr = NULL;
    st = tj_trace(ctx, spec, &opts.trace, &jaxpr);
    if (st == TJ_OK) {
      char *listing = tj_jaxpr_text(jaxpr);
      printf("call %d: %s\n", call, listing);
      free(listing);
    }
    tj_jaxpr_free(jaxpr);
    tj_result *result = NULL;
    if (st == TJ_OK) st = tj_run(ctx, spec, &opts, &result);
    for (size_t k = 0; st == TJ_OK && k < tj_result_count(result); k++) {
      char *text = tj_result_text(result, k);
      printf("  -> %s\n", text);
      free(text);
    }
    tj_result_free(result);
  }
  tj_session_free(session);
  return st;
}

/* The compile-once API: the spec's static a fixed at 2 and x's aval
 * f32[4] (its values are not needed), compiled once, then called on the
 * program's own float arrays, as often as it likes. */
static const char fn_spec_text[] =
  "{\"tjit\": 1,"
  " \"source\": \"float scale_shift(float x[n], static float a) { return x * a + 1; }\","
  " \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [4]}, \"a\": 2.0}}";

/* Compiles scale_shift once and calls it on two arrays of the caller's. */
static tj_status call_compiled(void) {
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_fn *fn = NULL;
  tj_status st = tj_spec_load(ctx, "fn.json", fn_spec_text, strlen(fn_spec_text), &spec);
  if (st == TJ_OK && !(fn = tj_compile(ctx, spec, NULL))) st = TJ_ERR_USAGE;
  tj_buffer_desc in;
  if (st == TJ_OK && tj_fn_in(fn, 0, &in))
    printf("compiled: %d input (%s: %s[%lld]), %d output\n", tj_fn_nin(fn), in.name,
           tj_dtype_name(in.dtype), (long long)in.dims[0], tj_fn_nout(fn));
  float xs[2][4] = {{1, 2, 3, 4}, {0.5f, -1, 0, 8}}, y[4];
  int64_t dims[1] = {4};
  for (int k = 0; k < 2 && st == TJ_OK; k++) {
    tj_buffer x = {.dtype = TJ_DTYPE_F32, .rank = 1, .dims = dims, .data = xs[k]};
    tj_buffer out = {.dtype = TJ_DTYPE_F32, .rank = 1, .dims = dims, .data = y};
    st = tj_fn_call(fn, &x, 1, &out, 1);
    if (st == TJ_OK) printf("  -> %g %g %g %g\n", y[0], y[1], y[2], y[3]);
    else tj_print_diagnostics(tj_fn_diagnostics(fn), stderr);
  }
  tj_print_diagnostics(ctx, stderr);
  tj_fn_free(fn);
  tj_ctx_free(ctx);
  return st;
}

/* Loads the bad spec and prints its first diagnostic, field by field. */
static void show_error(void) {
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_jaxpr *jaxpr = NULL;
  tj_status st = tj_spec_load(ctx, "bad.json", bad_spec_text, strlen(bad_spec_text), &spec);
  if (st == TJ_OK) st = tj_trace(ctx, spec, NULL, &jaxpr);
  tj_diagnostic d;
  if (st != TJ_OK && tj_diagnostic_get(ctx, 0, &d))
    printf("status %d: %s at %s:%d:%d\n", (int)st, d.kind, d.file ? d.file : "-", d.line, d.column);
  tj_jaxpr_free(jaxpr);
  tj_ctx_free(ctx);
}

int main(void) {
  printf("libtjit %s\n", tj_version());
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_status st = tj_spec_load(ctx, "embed.json", spec_text, strlen(spec_text), &spec);
  if (st == TJ_OK) st = run_calls(ctx, spec);
  tj_print_diagnostics(ctx, stderr);
  tj_ctx_free(ctx);
  if (st == TJ_OK) st = call_compiled();
  if (st == TJ_OK) show_error();
  return st == TJ_OK ? 0 : 1;
}
