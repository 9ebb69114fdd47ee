/* The public API (tjit.h) as another C program would use it: specs from
 * memory, statuses, listings, diagnostics, and freeing everything. */
#include "harness.h"
#include "tjit.h"

#include <stdlib.h>

/* Traces spec text; returns the listing (malloc'd) or NULL, setting *st. */
static char *trace_text(const char *spec_text, tj_status *st, char **diags) {
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_jaxpr *j = NULL;
  char *text = NULL;
  *st = tj_spec_load(ctx, "t.json", spec_text, strlen(spec_text), &spec);
  if (*st == TJ_OK) *st = tj_trace(ctx, spec, NULL, &j);
  if (*st == TJ_OK) text = tj_jaxpr_text(j);
  if (diags) {
    size_t n;
    FILE *f = open_memstream(diags, &n);
    tj_print_diagnostics(ctx, f);
    fclose(f);
  }
  tj_jaxpr_free(j);
  tj_ctx_free(ctx);
  return text;
}

static void test_listing(void) {
  tj_status st;
  char *text = trace_text("{\"source\": \"float f(float x) { return x * 2; }\", \"args\": {\"x\": 3.0}}", &st, NULL);
  CHECK(st == TJ_OK);
  CHECK_STR(text, "{ lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }");
  free(text);
}

static void test_weak_int_stays_int(void) {
  tj_status st;
  char *text = trace_text("{\"source\": \"int f(int x) { return x * 2; }\", \"args\": {\"x\": 3}}", &st, NULL);
  CHECK_STR(text, "{ lambda ; a:i32[]. let b:i32[] = mul a 2:i32[] in (b,) }");
  free(text);
}

static void test_concretization_status(void) {
  tj_status st;
  char *diags = NULL;
  char *text = trace_text("{\"source\": [\"float f(float x) {\", \"  if (x > 0) return x;\", \"  return -x;\", \"}\"],"
                          " \"args\": {\"x\": 1.0}}", &st, &diags);
  CHECK(text == NULL);
  CHECK(st == TJ_ERR_PROGRAM);
  CHECK(diags && strstr(diags, "t.json:1:42: error: TracerBoolConversionError: Attempted boolean conversion of "
                        "traced array with shape bool[].") != NULL);
  CHECK(diags && strstr(diags, "because it depends on the value of the argument x.") != NULL);
  free(diags);
}

static void test_spec_error_status(void) {
  tj_status st;
  char *text = trace_text("{\"source\": \"float f(float x) { return x; }\", \"args\": {\"x\": 1.0}, "
                          "\"static_argnums\": [3]}", &st, NULL);
  CHECK(text == NULL);
  CHECK(st == TJ_ERR_USAGE);
}

static void test_syntax_error_status(void) {
  tj_status st;
  char *text = trace_text("{\"source\": \"float f(float x) { return x * ; }\", \"args\": {\"x\": 1.0}}", &st, NULL);
  CHECK(text == NULL);
  CHECK(st == TJ_ERR_PROGRAM);
}

static void test_options_pick_call(void) {
  const char *spec_text = "{\"source\": \"auto f(float x) { return x; }\", \"calls\": [{\"x\": 1.0}, {\"x\": [1.0, 2.0]}]}";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec;
  CHECK(tj_spec_load(ctx, "t.json", spec_text, strlen(spec_text), &spec) == TJ_OK);
  CHECK(tj_spec_ncalls(spec) == 2);
  tj_trace_opts o = tj_trace_defaults();
  o.call = 1;
  tj_jaxpr *j = NULL;
  CHECK(tj_trace(ctx, spec, &o, &j) == TJ_OK);
  char *text = tj_jaxpr_text(j);
  CHECK_STR(text, "{ lambda ; a:f32[2]. let  in (a,) }");
  CHECK(tj_jaxpr_neqns(j) == 0);
  free(text);
  tj_jaxpr_free(j);
  o.call = 2;
  CHECK(tj_trace(ctx, spec, &o, &j) == TJ_ERR_USAGE);
  CHECK(tj_error_count(ctx) == 1);
  tj_ctx_free(ctx);
}

static void test_many_traces_one_context(void) {
  const char *spec_text = "{\"source\": \"auto f(float x) { return sin(x) + 1; }\", \"args\": {\"x\": 1.0}}";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec;
  CHECK(tj_spec_load(ctx, "t.json", spec_text, strlen(spec_text), &spec) == TJ_OK);
  int ok = 0;
  for (int i = 0; i < 100; i++) {
    tj_jaxpr *j = NULL;
    ok += tj_trace(ctx, spec, NULL, &j) == TJ_OK && tj_jaxpr_neqns(j) == 2;
    tj_jaxpr_free(j);
  }
  CHECK(ok == 100);
  tj_ctx_free(ctx);
}

int main(void) {
  test_listing();
  test_weak_int_stays_int();
  test_concretization_status();
  test_spec_error_status();
  test_syntax_error_status();
  test_options_pick_call();
  test_many_traces_one_context();
  return HARNESS_REPORT();
}
