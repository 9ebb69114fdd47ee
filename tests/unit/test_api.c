/* The public API (tjit.h) as another C program would use it: specs from
 * memory, statuses, listings, diagnostics, and freeing everything. */
#include "harness.h"
#include "tjit.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Checks diagnostic i of ctx field by field. */
static void check_diagnostic(const tj_ctx *ctx, int i, tj_severity severity, const char *kind, const char *message,
                             const char *file, int line, int column) {
  tj_diagnostic d;
  CHECK(tj_diagnostic_get(ctx, i, &d) == 1);
  CHECK(d.severity == severity);
  CHECK_STR(d.kind, kind);
  CHECK_STR(d.message, message);
  if (file) CHECK_STR(d.file, file);
  else CHECK(d.file == NULL);
  CHECK(d.line == line);
  CHECK(d.column == column);
}

/* The values are those `tjit trace --format json t.json` prints for the
 * same spec in a file (kind, message, file, line, column of the error and
 * of its notes; hints are strings there). */
static void test_diagnostics_as_data(void) {
  const char *spec_text = "{\n"
                          "  \"source\": [\n"
                          "    \"float f(float x) {\",\n"
                          "    \"  if (x > 0) return x;\",\n"
                          "    \"  return -x;\",\n"
                          "    \"}\"\n"
                          "  ],\n"
                          "  \"args\": {\"x\": 1.0}\n"
                          "}\n";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec;
  tj_jaxpr *j = NULL;
  CHECK(tj_diagnostic_count(ctx) == 0);
  CHECK(tj_spec_load(ctx, "t.json", spec_text, strlen(spec_text), &spec) == TJ_OK);
  CHECK(tj_trace(ctx, spec, NULL, &j) == TJ_ERR_PROGRAM);
  CHECK(tj_diagnostic_count(ctx) == 4);
  check_diagnostic(ctx, 0, TJ_SEVERITY_ERROR, "TracerBoolConversionError",
                   "Attempted boolean conversion of traced array with shape bool[].", "t.json", 4, 12);
  check_diagnostic(ctx, 1, TJ_SEVERITY_NOTE, "TracerBoolConversionError",
                   "The error occurred while tracing the function f at t.json:3 for jit. This concrete value was not "
                   "available in Python because it depends on the value of the argument x.",
                   NULL, 0, 0);
  check_diagnostic(ctx, 2, TJ_SEVERITY_HINT, "TracerBoolConversionError",
                   "mark 'x' static (\"static_argnames\"), or use where(pred, a, b) to select between traced values, "
                   "or enable autograph (--autograph) to record the if as a cond",
                   NULL, 0, 0);
  check_diagnostic(ctx, 3, TJ_SEVERITY_NOTE, "TracerBoolConversionError",
                   "See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError", NULL, 0, 0);
  /* a front end's own error: no location, its kind from the status */
  tj_add_error(ctx, TJ_ERR_USAGE, "--repeat: not a number");
  CHECK(tj_diagnostic_count(ctx) == 5);
  check_diagnostic(ctx, 4, TJ_SEVERITY_ERROR, "usage", "--repeat: not a number", NULL, 0, 0);
  tj_diagnostic untouched = {.line = -7};
  CHECK(tj_diagnostic_get(ctx, 5, &untouched) == 0);
  CHECK(tj_diagnostic_get(ctx, -1, &untouched) == 0);
  CHECK(untouched.line == -7 && untouched.kind == NULL);
  tj_ctx_free(ctx);
}

/* A note with a location of its own (`tjit trace --format json d.json`:
 * "notes": [{"message": "first declared here", "file": "d.json", "line": 1,
 * "column": 27}]). */
static void test_diagnostic_note_location(void) {
  const char *spec_text = "{\"source\": \"float f(float x, float x) { return x; }\",\n \"args\": {\"x\": 1.0}}\n";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec;
  CHECK(tj_spec_load(ctx, "d.json", spec_text, strlen(spec_text), &spec) == TJ_ERR_PROGRAM);
  CHECK(tj_diagnostic_count(ctx) == 2);
  check_diagnostic(ctx, 0, TJ_SEVERITY_ERROR, "syntax", "duplicate parameter 'x'", "d.json", 1, 36);
  check_diagnostic(ctx, 1, TJ_SEVERITY_NOTE, "syntax", "first declared here", "d.json", 1, 27);
  tj_ctx_free(ctx);
}

/* tj_result_tree: the result's structure, each "*" the next output. */
static void test_result_tree(void) {
  const char *text = "{\"source\": \"auto f(p) { return (p, None, 2.0); }\", "
                     "\"args\": [{\"w\": 1.0, \"a\": [2, null]}]}";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_result *r = NULL;
  tj_run_opts o = tj_run_defaults();
  o.reference = 1;
  CHECK(tj_spec_load(ctx, "t.json", text, strlen(text), &spec) == TJ_OK && tj_run(ctx, spec, &o, &r) == TJ_OK);
  CHECK(r && tj_result_count(r) == 3);
  CHECK_STR(r ? tj_result_tree(r) : "", "({'a': [*, None], 'w': *}, None, *)");
  char *first = r ? tj_result_text(r, 0) : NULL; /* p['a'][0]: the first leaf in key order */
  CHECK_STR(first, "Array(2, dtype=int32, weak_type=True)");
  free(first);
  tj_result_free(r);
  tj_ctx_free(ctx);
}

/* A jaxpr listing as a spec (tj_listing_load): traced it prints back;
 * run, its constvar from args_json and its invar from fill_random, the
 * outputs are the constant's plus the random input's; compiled, the
 * constant is in the function (tj_compile), a missing value is an error. */
static void test_jaxpr_listing(void) {
  const char *text = "{ lambda a:f32[2]; b:f32[2]. let c:f32[2] = add b a in (c,) }";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_jaxpr *j = NULL;
  tj_result *r = NULL;
  CHECK(tj_listing_load(ctx, "t.jaxpr", text, strlen(text), &spec) == TJ_OK && tj_spec_is_listing(spec));
  CHECK(tj_spec_ncalls(spec) == 0);
  CHECK(tj_trace(ctx, spec, NULL, &j) == TJ_OK);
  char *back = j ? tj_jaxpr_text(j) : NULL;
  CHECK_STR(back, text);
  free(back);
  tj_jaxpr_free(j);
  tj_run_opts o = tj_run_defaults();
  o.trace.args_json = "{\"a\": [10, 20], \"b\": [1.5, 2.5]}";
  o.check = 1;
  CHECK(tj_run(ctx, spec, &o, &r) == TJ_OK);
  char *out = r ? tj_result_text(r, 0) : NULL;
  CHECK_STR(out, "Array([11.5, 22.5], dtype=float32)");
  free(out);
  tj_result_free(r);
  r = NULL;
  o.trace.args_json = "{\"a\": [10, 20]}";
  CHECK(tj_run(ctx, spec, &o, &r) == TJ_ERR_USAGE && !r);
  tj_diagnostic d;
  CHECK(tj_diagnostic_get(ctx, tj_diagnostic_count(ctx) - 1, &d) &&
        strcmp(d.message, "no value for 'b:f32[2]': give --args, --arg-npy b=FILE or --fill-random SEED") == 0);
  o.trace.fill_random = 0; /* b random: the sum is a + b, b in [0, 1) */
  o.trace.args_json = "[[10, 20], {\"dtype\": \"f32\", \"shape\": [2], \"fill\": 0}]";
  tj_fn *fn = tj_compile(ctx, spec, &o);
  CHECK(fn && tj_fn_nin(fn) == 1);
  float in[2] = {1, 2}, res[2] = {0, 0};
  int64_t dims[1] = {2};
  tj_buffer bin = {TJ_DTYPE_F32, 1, dims, NULL, in}, bout = {TJ_DTYPE_F32, 1, dims, NULL, res};
  CHECK(fn && tj_fn_call(fn, &bin, 1, &bout, 1) == TJ_OK && res[0] == 11 && res[1] == 22);
  tj_fn_free(fn);
  tj_ctx_free(ctx);
}

/* tj_library_versions: the six libraries in order, one line each, and
 * OpenBLAS not loaded by asking (dlopen RTLD_NOLOAD still finds nothing). */
static void test_library_versions(void) {
  static const char *const names[] = {"libtcc ", "Graphviz ", "OpenBLAS ", "cJSON ", "xxHash ", "libsodium "};
  char *text = tj_library_versions();
  const char *line = text;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    CHECK(line && strncmp(line, names[i], strlen(names[i])) == 0);
    line = line ? strchr(line, '\n') : NULL;
    if (line) line++;
  }
  CHECK(line && *line == '\0');
  CHECK(strstr(text, "OpenBLAS ") && strstr(text, "(not loaded; the version at build time)"));
  CHECK(!dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD));
  free(text);
}

/* A temporary file holding text; its path (static storage). */
static const char *temp_file(const char *text) {
  static char path[] = "/tmp/tjit-test-api-XXXXXX";
  strcpy(path + strlen(path) - 6, "XXXXXX");
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  CHECK(f != NULL);
  if (f) fputs(text, f), fclose(f);
  return path;
}

/* tj_spec_sniff: what a directory walk keeps and why it skips the rest. */
static void test_spec_sniff(void) {
  static const struct { const char *text; int spec; const char *why; } rows[] = {
      {"{\"source\": \"float f(float x) { return x; }\"}", 1, NULL},
      {"{\"tjit\": 1}", 1, NULL}, /* a broken spec is a spec: its errors are the loader's */
      {"{\"name\": \"package\"}", 0, "no \"tjit\", \"source\", \"source_file\" or \"function\" member"},
      {"[1, 2]", 0, "not a JSON object"},
      {"{\"source\": ", 0, "not valid JSON"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const char *path = temp_file(rows[i].text), *why = NULL;
    CHECK(tj_spec_sniff(path, &why) == rows[i].spec);
    CHECK(rows[i].spec || (why && strcmp(why, rows[i].why) == 0));
    unlink(path);
  }
  CHECK(tj_spec_sniff("/nonexistent/x.json", &(const char *){NULL}) == 1); /* the loader says why */
}

/* tj_baseline_read and tj_baseline_get: keys found whatever their order
 * in the file, a missing key -1, a malformed file TJ_ERR_USAGE at its place. */
static void test_baseline(void) {
  tj_ctx *ctx = tj_ctx_new();
  tj_baseline *b = NULL;
  const char *path = temp_file("{\"compilations\": {\"z.json::f\": 3, \"a.json::g\": 0}, \"version\": 1}");
  CHECK(tj_baseline_read(ctx, path, &b) == TJ_OK);
  CHECK(b && tj_baseline_get(b, "z.json::f") == 3 && tj_baseline_get(b, "a.json::g") == 0);
  CHECK(b && tj_baseline_get(b, "m.json::f") == -1);
  unlink(path);
  path = temp_file("{\"version\": 1, \"compilations\": {\"k\": 1.5}}");
  CHECK(tj_baseline_read(ctx, path, &b) == TJ_ERR_USAGE && b == NULL);
  tj_diagnostic d;
  CHECK(tj_diagnostic_get(ctx, 0, &d) && d.line == 1 && d.column == 38 && strcmp(d.kind, "usage") == 0);
  unlink(path);
  tj_ctx_free(ctx);
}

int main(void) {
  test_library_versions();
  test_spec_sniff();
  test_baseline();
  test_result_tree();
  test_listing();
  test_jaxpr_listing();
  test_weak_int_stays_int();
  test_concretization_status();
  test_spec_error_status();
  test_syntax_error_status();
  test_options_pick_call();
  test_many_traces_one_context();
  test_diagnostics_as_data();
  test_diagnostic_note_location();
  return HARNESS_REPORT();
}
