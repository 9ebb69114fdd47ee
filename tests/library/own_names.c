/* A program that links libtjit.a and defines functions of its own named as
 * libtjit's internal ones are (the tracer's eval and emit, intern.c's
 * intern, util.c's buf_free), with other signatures: it links only if the
 * archive keeps those names local (tests/cli/97-library.bats). It then
 * traces and runs a spec through the compiled path (libtcc, the runtime,
 * a block kernel), so that the library's own eval, emit ... are the ones it
 * calls, and calls its own, which must answer for themselves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tjit.h>

int eval(const char *expression);
int emit(int code);
const char *intern(const char *name);
void buf_free(void *buffer);

static int freed;

int eval(const char *expression) { return (int)strlen(expression); }
int emit(int code) { return code * 2; }
const char *intern(const char *name) { return name[0] ? name + 1 : name; }
void buf_free(void *buffer) { free(buffer), freed++; }

static const char spec_text[] =
  "{\"source\": \"float f(float x[n]) { return sin(x) * 2 + 1; }\","
  " \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [3], \"data\": [0, 1.5707964, -1.5707964]}}}";

int main(void) {
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_jaxpr *jaxpr = NULL;
  tj_result *result = NULL;
  tj_status st = tj_spec_load(ctx, "own_names.json", spec_text, strlen(spec_text), &spec);
  if (st == TJ_OK) st = tj_trace(ctx, spec, NULL, &jaxpr);
  if (st == TJ_OK) {
    char *text = tj_jaxpr_text(jaxpr);
    printf("%s\n", text);
    free(text);
  }
  tj_run_opts opts = tj_run_defaults();
  if (st == TJ_OK) st = tj_run(ctx, spec, &opts, &result);
  if (st == TJ_OK) {
    char *text = tj_result_text(result, 0);
    printf("%s\n", text);
    free(text);
  }
  tj_print_diagnostics(ctx, stderr);
  tj_result_free(result);
  tj_jaxpr_free(jaxpr);
  tj_ctx_free(ctx);
  buf_free(malloc(1));
  printf("eval %d, emit %d, intern %s, buf_free %d\n", eval("abc"), emit(21), intern("xname"), freed);
  return st;
}
