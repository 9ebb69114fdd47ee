/* What the tracer records about each static parameter (trace.h's USE_*
 * bits, which explain-recompile classifies by): a decision, a literal, or
 * nothing, for the parameter's value and for values computed from it. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "limits.h"
#include "trace.h"
#include "tjit.h"

typedef struct use_case {
  const char *source;   /* the function; no double quotes */
  const char *call;     /* one call, as JSON */
  int param;            /* the static parameter looked at */
  uint8_t want;         /* its USE_* bits */
} use_case;

#define L USE_LITERAL
#define C USE_CONTROL
#define S USE_SHAPE

static const use_case cases[] = {
    /* literals, also through arithmetic, casts, tuples and user functions */
    {"float f(float x, static float s) { return x * s; }", "[1.0, 2.0]", 1, L},
    {"float f(float x, static float s) { return x * -s + (float)(s * 2.0); }", "[1.0, 2.0]", 1, L},
    {"float f(float x, static t) { return x * t[1]; }", "[1.0, [1.0, 2.0]]", 1, L},
    {"float g(float v, float c) { return v * c; } float f(float x, static float s) { return g(x, s); }",
     "[1.0, 2.0]", 1, L},
    {"float f(float x, static float s) { return s; }", "[1.0, 2.0]", 1, L},
    {"float f(float x, static bool s) { return where(s, x, 0.0); }", "[1.0, true]", 1, L},
    {"auto f(float x, static bool s) { auto a(auto v) { return v; } return cond(s, a, a, x); }", "[1.0, true]", 1,
     L},
    {"auto f(f32[2] x, static float s) { return full((2,), s) + x; }", "[[1.0, 2.0], 2.0]", 1, L},
    {"auto f(float x, static float s) { return pow(x, s); }", "[1.0, 2.0]", 1, L},
    /* never read */
    {"float f(float x, static float s) { float u = s * 2.0; return x; }", "[1.0, 2.0]", 1, 0},
    {"float f(float x, static int n, static float s) { float y = x; for (int i = 0; i < n; i++) y = y * s; return y; }",
     "[1.0, 0, 2.0]", 2, 0},
    /* control flow */
    {"float f(float x, static int n, static float s) { float y = x; for (int i = 0; i < n; i++) y = y * s; return y; }",
     "[1.0, 2, 2.0]", 1, C},
    {"float f(float x, static float s) { if (s > 0.0) return x; return x * 2.0; }", "[1.0, 1.0]", 1, C},
    {"float f(float x, static float s) { return s > 0.0 ? x : x * 2.0; }", "[1.0, 1.0]", 1, C},
    {"float f(float x, static bool s) { if (true && s) return x; return x * 2.0; }", "[1.0, true]", 1, C},
    {"float f(float x, static bool s) { if (false || !s) return x; return x * 2.0; }", "[1.0, true]", 1, C},
    {"float f(float x, static int s) { int k = 0; while (k < s * 2) k++; return x; }", "[1.0, 2]", 1, C},
    {"auto f(float x, static int s) { auto b(auto i, auto v) { return v * 2.0; } return fori_loop(0, s, b, x); }",
     "[1.0, 3]", 1, C},
    {"auto f(float x, static int s) { auto b(auto i, auto v) { return v * 2.0; } return fori_loop(s, 5, b, x); }",
     "[1.0, 3]", 1, C | L},
    /* shapes, axes, indices, dtypes, parameters */
    {"auto f(float x, static int s) { return sum(zeros(s)) + x; }", "[1.0, 3]", 1, S},
    {"auto f(float x, static int s) { int m = (int)(s * 2.5); return sum(zeros((m, 2))) + x; }", "[1.0, 3]", 1, S},
    {"auto f(f32[6] x, static int s) { return reshape(x, (s, 3)); }", "[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2]", 1, S},
    {"auto f(f32[2, 3] x, static int s) { return sum(x, axis=s); }", "[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], 1]", 1, S},
    {"auto f(f32[2, 3] x, static bool s) { return sum(x, axis=0, keepdims=s); }", "[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], true]",
     1, S},
    {"auto f(f32[3] x, static int s) { return x[s]; }", "[[1.0, 2.0, 3.0], 1]", 1, S},
    {"auto f(f32[3] x, static int s) { return x[0:s]; }", "[[1.0, 2.0, 3.0], 2]", 1, S},
    {"auto f(f32[3] x, static int s) { x[s] = 0.0; return x; }", "[[1.0, 2.0, 3.0], 2]", 1, S},
    {"float f(float x, static t, static int i) { return x * t[i]; }", "[1.0, [1.0, 2.0], 1]", 2, S},
    {"auto f(float x, static s) { return astype(x, s); }", "[1.0, \"int32\"]", 1, S},
    {"auto f(float x, static int s) { return pow(x, s); }", "[1.0, 2]", 1, S},
    {"auto f(float x, static int s) { return sum(arange(s)) + x; }", "[1.0, 3]", 1, S},
    {"auto f(float x, static int s) { return sum(arange(s, 5)) + x; }", "[1.0, 3]", 1, S | L},
    {"auto f(float x, static t) { auto (a, b) = t; return x * a; }", "[1.0, [1.0, 2.0]]", 1, S | L},
    {"auto f(f32[4] x, static int s) { auto b(auto c, auto v) { return (c, v); } return scan(b, 0.0, x, length=s); }",
     "[[1.0, 2.0, 3.0, 4.0], 4]", 1, S},
    /* a static argument of a jit function is part of its cache key */
    {"jit float g(float v, static int k) { return v; } float f(float x, static int s) { return g(x, s); }",
     "[1.0, 2]", 1, USE_CALL},
};

static char *spec_text(const use_case *c) {
  size_t n = strlen(c->source) + strlen(c->call) + 64;
  char *text = malloc(n);
  if (text) snprintf(text, n, "{\"source\": \"%s\", \"function\": \"f\", \"calls\": [%s]}", c->source, c->call);
  return text;
}

static void test_uses(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const use_case *c = &cases[i];
    char *text = spec_text(c);
    tj_ctx *ctx = tj_ctx_new();
    tj_spec *spec = NULL;
    tj_jaxpr *j = NULL;
    uint8_t use[TJ_MAX_PARAMS] = {0};
    tj_trace_opts o = tj_trace_defaults();
    o.call = 0;
    bool ok = text && tj_spec_load(ctx, "t.json", text, strlen(text), &spec) == TJ_OK &&
              api_trace_uses(ctx, spec, &o, &j, use, NULL) == TJ_OK;
    if (!ok) tj_print_diagnostics(ctx, stderr);
    CHECK(ok);
    if (use[c->param] != c->want)
      fprintf(stderr, "case %zu (%s): uses %#x, want %#x\n", i, c->source, use[c->param], c->want);
    CHECK(use[c->param] == c->want);
    tj_jaxpr_free(j);
    tj_ctx_free(ctx);
    free(text);
  }
}

/* Without a record to fill, nothing is recorded and the trace is the same. */
static void test_no_record(void) {
  const char *text = "{\"source\": \"float f(float x, static float s) { if (s > 0.0) return x * s; return x; }\", "
                     "\"calls\": [[1.0, 2.0]]}";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_jaxpr *a = NULL, *b = NULL;
  uint8_t use[TJ_MAX_PARAMS] = {0};
  CHECK(tj_spec_load(ctx, "t.json", text, strlen(text), &spec) == TJ_OK);
  CHECK(tj_trace(ctx, spec, NULL, &a) == TJ_OK);
  CHECK(api_trace_uses(ctx, spec, NULL, &b, use, NULL) == TJ_OK);
  char *ta = a ? tj_jaxpr_text(a) : NULL, *tb = b ? tj_jaxpr_text(b) : NULL;
  CHECK(ta && tb && strcmp(ta, tb) == 0);
  CHECK(use[1] == (USE_CONTROL | USE_LITERAL));
  free(ta), free(tb);
  tj_jaxpr_free(a), tj_jaxpr_free(b);
  tj_ctx_free(ctx);
}

int main(void) {
  test_uses();
  test_no_record();
  return HARNESS_REPORT();
}
