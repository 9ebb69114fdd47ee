/* The compiler against the reference evaluator (tj_run's --check):
 *  1. every runnable spec in tests/cases and examples/ (abstract arguments
 *     get seeded random values), compiled and compared;
 *  2. randomized programs over every elementwise operator and dtype, with
 *     equal, broadcast and scalar operand shapes, every cast, the
 *     reductions and shape primitives, also on empty, unit and rank-3
 *     shapes and on chains large enough for the block kernels.
 * Integers (random over the dtype's whole range: overflow, division by
 * zero and wild shift amounts included) must agree exactly; floats within
 * array_agree's bound. Run from the source root. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tjit.h"
#include "util.h"

static int skipped;

/* Runs one call of spec text with --check; 1 agreed, 0 disagreed or
 * failed, -1 not runnable (a trace error the case expects). */
static int check_spec(const char *name, const char *text, size_t len, const tj_trace_opts *topts) {
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_jaxpr *j = NULL;
  int verdict = -1;
  /* a float0 argument (jvp-float0-*) traces but never runs (values.c) */
  if (strstr(text, "\"float0\"")) { tj_ctx_free(ctx); return -1; }
  if (tj_spec_load(ctx, name, text, len, &spec) == TJ_OK && tj_trace(ctx, spec, topts, &j) == TJ_OK) {
    /* jvp of a custom_vjp function traces custom_lin, which JAX cannot lower
     * either (99-custom-ad.bats checks that error): not runnable */
    char *listing = tj_jaxpr_text(j);
    bool lin = listing && strstr(listing, "custom_lin[");
    free(listing);
    tj_jaxpr_free(j);
    if (lin) {
      tj_ctx_free(ctx);
      return -1;
    }
    tj_run_opts o = tj_run_defaults();
    o.trace = *topts;
    o.check = 1;
    o.fill_random = 7;
    tj_result *r = NULL;
    tj_status st = tj_run(ctx, spec, &o, &r);
    tj_result_free(r);
    verdict = st == TJ_OK;
    if (!verdict) {
      fprintf(stderr, "%s: compiled run failed (status %d):\n", name, st);
      tj_print_diagnostics(ctx, stderr);
    }
  }
  tj_ctx_free(ctx);
  return verdict;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  tj_buf b = {0};
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_putn(&b, chunk, n);
  fclose(f);
  *len = b.len;
  if (!b.data) buf_puts(&b, "");
  return buf_detach(&b);
}

/* The trace options of a case's NAME.args ("trace @ --autograph ..."), or
 * false when the case is not a plain trace of one call. */
static bool case_opts(const char *dir, const char *base, tj_trace_opts *o, char *argbuf, size_t argsize) {
  char path[512];
  size_t len;
  *o = tj_trace_defaults();
  snprintf(path, sizeof path, "%s/%s.args", dir, base);
  char *text = slurp(path, &len);
  if (!text) return true;
  bool ok = true;
  char *save = NULL, *w = strtok_r(text, " \t\n", &save);
  if (!w || strcmp(w, "trace") != 0) ok = false;
  while (ok && (w = strtok_r(NULL, " \t\n", &save))) {
    if (strcmp(w, "@") == 0) continue;
    if (strcmp(w, "--autograph") == 0) o->autograph = 1;
    else if (strcmp(w, "--no-autograph") == 0) o->autograph = 0;
    else if (strcmp(w, "--call") == 0 && (w = strtok_r(NULL, " \t\n", &save))) o->call = atoi(w);
    else if (strcmp(w, "--args") == 0 && (w = strtok_r(NULL, "\n", &save))) {
      snprintf(argbuf, argsize, "%s", w);
      o->args_json = argbuf;
    } else ok = false;
  }
  free(text);
  return ok;
}

static void check_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) { fprintf(stderr, "cannot open %s (run from the source root)\n", dir); CHECK(0); return; }
  struct dirent *ent;
  while ((ent = readdir(d))) {
    size_t n = strlen(ent->d_name);
    if (n < 6 || strcmp(ent->d_name + n - 5, ".json") != 0) continue;
    char base[256], path[512], argbuf[4096];
    snprintf(base, sizeof base, "%.*s", (int)(n - 5), ent->d_name);
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    tj_trace_opts o;
    size_t len;
    char *text;
    if (!case_opts(dir, base, &o, argbuf, sizeof argbuf) || !(text = slurp(path, &len))) { skipped++; continue; }
    int v = check_spec(path, text, len, &o);
    if (v < 0) skipped++;
    else CHECK(v == 1);
    free(text);
  }
  closedir(d);
}

/* ---- randomized programs ---- */

static const char *const dtypes[] = {"bool", "i8", "i16", "i32", "i64", "u8", "u32", "f32", "f64"};
enum { D_BOOL, D_I8, D_I16, D_I32, D_I64, D_U8, D_U32, D_F32, D_F64 };
static bool is_float(int t) { return t >= D_F32; }
static bool is_int(int t) { return t > D_BOOL && t < D_F32; }

/* The JSON shape of a type written like "f32[3,4]" ("[]" for a scalar). */
static const char *json_shape(const char *type) { return strchr(type, '[') ? strchr(type, '[') : "[]"; }

/* Checks `return EXPR;` over parameters x and y of the given types. */
static void check_expr(const char *xt, const char *yt, const char *expr) {
  char text[2048], name[600];
  int xn = (int)strcspn(xt, "["), yn = (int)strcspn(yt, "[");
  snprintf(text, sizeof text,
           "{\"source\": \"auto f(%s x, %s y) { return %s; }\", "
           "\"args\": {\"x\": {\"dtype\": \"%.*s\", \"shape\": %s}, \"y\": {\"dtype\": \"%.*s\", \"shape\": %s}}}",
           xt, yt, expr, xn, xt, json_shape(xt), yn, yt, json_shape(yt));
  snprintf(name, sizeof name, "<%s %s: %s>", xt, yt, expr);
  tj_trace_opts o = tj_trace_defaults();
  int v = check_spec(name, text, strlen(text), &o);
  if (v < 0) fprintf(stderr, "%s: does not trace\n", name);
  CHECK(v == 1);
}

static void typed(char *out, size_t size, int t, const char *shape) {
  snprintf(out, size, "%s%s", dtypes[t], shape);
}

static void check_elementwise(void) {
  static const char *const shapes[][2] = {{"[3,4]", "[3,4]"}, {"[3,4]", "[4]"}, {"[3,4]", ""}, {"[3,4]", "[1,4]"}};
  static const char *const any_ops[] = {"x == y", "x != y", "x < y", "x <= y", "x > y", "x >= y",
                                        "maximum(x, y)", "minimum(x, y)", "where(x > y, x, y)"};
  static const char *const num_ops[] = {"x + y", "x - y", "x * y", "-x", "abs(x)", "sign(x)", "x * x * x"};
  static const char *const int_ops[] = {"x / y", "x % y", "x & y", "x | y", "x ^ y", "~x", "x << y", "x >> y"};
  static const char *const float_ops[] = {
      "x / y", "x % y", "pow(x, y)", "sin(x)", "cos(x)", "tan(x)", "asin(x)", "acos(x)", "atan(x)", "tanh(x)",
      "exp(x)", "exp2(x)", "log(x)", "log1p(x)", "expm1(x)", "sqrt(x)", "rsqrt(x)", "floor(x)", "ceil(x)",
      "round(x)", "logistic(x)", "erf(x)", "clamp(minimum(x, y), x * 2, maximum(x, y))", "sin(x) * 2 + exp(-x * x)"};
  char xt[32], yt[32];
  for (int t = 0; t < 9; t++)
    for (size_t s = 0; s < TJ_COUNT(shapes); s++) {
      typed(xt, sizeof xt, t, shapes[s][0]), typed(yt, sizeof yt, t, shapes[s][1]);
      for (size_t k = 0; k < TJ_COUNT(any_ops); k++) check_expr(xt, yt, any_ops[k]);
      for (size_t k = 0; t != D_BOOL && k < TJ_COUNT(num_ops); k++) check_expr(xt, yt, num_ops[k]);
      for (size_t k = 0; is_int(t) && k < TJ_COUNT(int_ops); k++) check_expr(xt, yt, int_ops[k]);
      for (size_t k = 0; is_float(t) && k < TJ_COUNT(float_ops); k++) check_expr(xt, yt, float_ops[k]);
    }
}

static void check_casts(void) {
  char xt[32], expr[64];
  for (int from = 0; from < 9; from++)
    for (int to = 0; to < 9; to++) {
      typed(xt, sizeof xt, from, "[3,4]");
      snprintf(expr, sizeof expr, "astype(x * 100, %s)", dtypes[to]);
      if (from == D_BOOL) snprintf(expr, sizeof expr, "astype(x, %s)", dtypes[to]);
      check_expr(xt, "f32", expr);
    }
}

static void check_arrays(void) {
  static const char *const ops[] = {
      "sum(x)", "sum(x, 0)", "sum(x, 1)", "max(x, 0)", "min(x, 1)", "prod(x, 1)", "mean(x, 0)", "argmax(x, 1)",
      "argmin(x, 0)", "max(x)", "transpose(x)", "reshape(x, (4, 3))", "reshape(x, (12,))", "x[1:3]",
      "x[::-1]", "x[:, 1]", "x[1]", "x[2, 3]", "concatenate((x, x), 1)", "matmul(x, transpose(x))",
      "dot(transpose(x), x)", "expand_dims(x, 0)", "broadcast_to(x[0], (5, 4))", "x[0:3:2, ::-2]",
      "sum(x * y, 1) + max(x)", "x - mean(x, 1, keepdims=true)"};
  static const int types[] = {D_I32, D_F32, D_F64, D_U8, D_I64};
  char xt[32];
  for (size_t t = 0; t < TJ_COUNT(types); t++)
    for (size_t k = 0; k < TJ_COUNT(ops); k++) {
      typed(xt, sizeof xt, types[t], "[3,4]");
      check_expr(xt, xt, ops[k]);
    }
}

/* Chains over more elements than one block (1024) and not a multiple of
 * it: the code generator runs them through the block kernels (cg_block.c)
 * where every equation has one, and its own loops otherwise (i64, u8);
 * operands broadcast along the last axis make it loop over rows. */
static void check_blocks(void) {
  static const char *const shapes[][2] = {{"[5,1001]", "[5,1001]"}, {"[5,1001]", ""}, {"", "[5,1001]"},
                                          {"[5,1001]", "[1001]"}, {"[5,1001]", "[5,1]"}, {"[5,1]", "[5,1001]"},
                                          {"[3,4,400]", "[4,1]"}, {"[3,4,400]", "[3,1,400]"},
                                          {"[3,4,400]", "[3,4,1]"}, {"[2,3,2100]", "[2100]"}};
  static const char *const ops[] = {
      "x + y", "x - y", "x * y", "-x + y", "abs(x) * y", "maximum(x, y) - minimum(x, y)", "(x + y) * (x - y) + x * 3",
      "where(x > y, x, y) + 1", "astype(x > y, i32) * 3 + astype(x, i32)", "x * astype(y >= x, f32) - y",
      "sum(x * y)", "sum(x + y, 0)", "sum(x - y, 1)", "max(x * y, 1)", "min(x + y, 0)"};
  static const char *const float_ops[] = {
      "x / y", "pow(abs(x), y)", "sin(x) * 2 + exp(-x * x)", "sqrt(abs(x)) + rsqrt(abs(y) + 1)",
      "tanh(x) + logistic(y) - erf(x * y)", "log(abs(x) + 1) + log1p(abs(y)) + expm1(x)",
      "floor(x) + ceil(y) + round(x * y) + sign(x)", "cos(x) + tan(y) + atan(x) + asin(y / 2) + acos(x / 2)",
      "exp2(x) * (x / (abs(y) + 1))", "prod(x * y + 1, 1)", "mean(x * y, 0)"};
  static const int types[] = {D_F32, D_F64, D_I32, D_I64};
  char xt[32], yt[32];
  for (size_t t = 0; t < TJ_COUNT(types); t++)
    for (size_t s = 0; s < TJ_COUNT(shapes); s++) {
      typed(xt, sizeof xt, types[t], shapes[s][0]), typed(yt, sizeof yt, types[t], shapes[s][1]);
      for (size_t k = 0; k < TJ_COUNT(ops); k++) check_expr(xt, yt, ops[k]);
      for (size_t k = 0; is_float(types[t]) && k < TJ_COUNT(float_ops); k++) check_expr(xt, yt, float_ops[k]);
    }
}

/* Shapes with a zero or one dimension and rank 3, where loop bounds and
 * strides go wrong first. */
static void check_shapes(void) {
  static const char *const shapes[] = {"[0,4]", "[4,0]", "[1,1]", "[7,1]", "[2,3,5]", "[1]"};
  static const char *const ops[] = {"sum(x)", "sum(x, 0)", "x * 2 + y", "x[::-1]", "transpose(x)",
                                    "concatenate((x, x), 0)", "prod(x, 0)", "mean(x, 0)", "x - y[0]"};
  static const int types[] = {D_F32, D_I32, D_U8};
  char xt[32];
  for (size_t t = 0; t < TJ_COUNT(types); t++)
    for (size_t s = 0; s < TJ_COUNT(shapes); s++)
      for (size_t k = 0; k < TJ_COUNT(ops); k++) {
        typed(xt, sizeof xt, types[t], shapes[s]);
        if (strcmp(ops[k], "x - y[0]") == 0 && strstr(shapes[s], "[0")) continue; /* y[0] is out of range */
        check_expr(xt, xt, ops[k]);
      }
}

int main(void) {
  check_dir("tests/cases");
  check_dir("examples");
  check_elementwise();
  check_casts();
  check_arrays();
  check_blocks();
  check_shapes();
  fprintf(stderr, "(%d specs not runnable: expected trace errors or other commands)\n", skipped);
  return HARNESS_REPORT();
}
