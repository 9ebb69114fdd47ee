/* The jit cache key (lib/cache/cache_key.c): what makes two calls one key, what
 * makes them two, and how a difference is put in words. */
#include "harness.h"

#include <stdlib.h>

#include "api.h"
#include "bind.h"
#include "cache_key.h"
#include "tjit.h"

/* A spec's keys, one per call, each from the call bound by bind.c (as
 * run.c and explain.c key them); keys[i].args point into args. */
typedef struct keys {
  tj_ctx *ctx;
  tj_arena bound;          /* the bound calls */
  cache_keyer k;
  cache_key key[8];
  cache_key_arg args[8][8];
  int n;
} keys;

static bool load(keys *ks, const char *spec_text, int autograph) {
  tj_spec *spec = NULL;
  binder b;
  ks->ctx = tj_ctx_new();
  if (tj_spec_load(ks->ctx, "t.json", spec_text, strlen(spec_text), &spec) != TJ_OK) return false;
  if (!binder_init(&b, &ks->ctx->diags, spec)) return false;
  cache_keyer_init(&ks->k, spec, b.entry, autograph);
  ks->n = (int)spec->ncalls;
  for (int i = 0; i < ks->n && i < 8; i++) {
    bound_call bc;
    ks->key[i].args = ks->args[i];
    if (!bind_call(&b, &ks->bound, &spec->calls[i], &bc)) return false;
    cache_key_for_call(&ks->k, &bc, &ks->key[i]);
  }
  return true;
}

static void unload(keys *ks) {
  arena_free(&ks->bound);
  tj_ctx_free(ks->ctx);
}

/* The text of the first mismatch between key a (now) and b (before). */
static char *first_mismatch(const keys *ks, int a, int b) {
  cache_mismatch m[4];
  tj_buf t = {0};
  if (cache_key_diff(&ks->key[a], &ks->key[b], m, 4) < 1) return NULL;
  cache_mismatch_text(&ks->key[a], &ks->key[b], &m[0], &t);
  return buf_detach(&t);
}

static void test_static_type_and_value(void) {
  keys ks = {0};
  CHECK(load(&ks, "{\"source\": \"float f(float x, static n) { return x; }\", \"calls\": ["
                  "[1.0, 1], [1.0, 1.0], [1.0, true], [2.0, 1], [1.0, -0.0], [1.0, 0.0], [1.0, 2]]}", -1));
  CHECK(!cache_key_equal(&ks.key[0], &ks.key[1]));
  CHECK(!cache_key_equal(&ks.key[0], &ks.key[2]));
  CHECK(!cache_key_equal(&ks.key[1], &ks.key[2]));
  CHECK(cache_key_equal(&ks.key[0], &ks.key[3])); /* a traced value is not in the key */
  CHECK(cache_key_equal(&ks.key[4], &ks.key[5])); /* -0.0 == 0.0 in Python */
  cache_mismatch m[4];
  CHECK(cache_key_diff(&ks.key[1], &ks.key[0], m, 4) == 1 && m[0].kind == MM_STATIC_TYPE && m[0].arg == 1);
  CHECK(cache_key_diff(&ks.key[6], &ks.key[0], m, 4) == 1 && m[0].kind == MM_STATIC_VALUE);
  char *t = first_mismatch(&ks, 1, 0);
  CHECK_STR(t, "static argument 'n': now 1.0 and before 1 (equal in value but of type float now and int before: "
               "jit compares static arguments by type and value)");
  free(t);
  t = first_mismatch(&ks, 6, 0);
  CHECK_STR(t, "static argument 'n': now 2 and before 1");
  free(t);
  unload(&ks);
}

static void test_mappings_and_tuples(void) {
  keys ks = {0};
  CHECK(load(&ks, "{\"source\": \"float f(float x, static m) { return x; }\", \"calls\": ["
                  "[1.0, {\"a\": 1, \"b\": [1, 2]}], [1.0, {\"b\": [1, 2], \"a\": 1}], [1.0, {\"a\": 1, \"b\": [1, 2.0]}],"
                  " [1.0, [1, \"s\"]], [1.0, [1, \"t\"]]]}", -1));
  CHECK(cache_key_equal(&ks.key[0], &ks.key[1])); /* a mapping's key order does not matter */
  CHECK(!cache_key_equal(&ks.key[0], &ks.key[2]));
  CHECK(!cache_key_equal(&ks.key[3], &ks.key[4]));
  char *t = first_mismatch(&ks, 4, 3);
  CHECK_STR(t, "static argument 'm': now (1, 't') and before (1, 's')");
  free(t);
  unload(&ks);
}

static void test_avals(void) {
  keys ks = {0};
  CHECK(load(&ks, "{\"source\": \"float f(x) { return x; }\", \"calls\": ["
                  "[{\"dtype\": \"f32\", \"shape\": [3], \"data\": [1, 2, 3]}], [{\"dtype\": \"f32\", \"shape\": [3]}],"
                  " [{\"dtype\": \"f32\", \"shape\": [4]}], [1.0], [{\"dtype\": \"f32\", \"shape\": []}],"
                  " [{\"dtype\": \"i32\", \"shape\": [3]}], {\"x\": {\"dtype\": \"f32\", \"shape\": [3]}}]}", -1));
  CHECK(cache_key_equal(&ks.key[0], &ks.key[1])); /* values are not in the key */
  char *t = first_mismatch(&ks, 2, 1);
  CHECK_STR(t, "x: now f32[4] and before f32[3]");
  free(t);
  t = first_mismatch(&ks, 3, 4);
  CHECK_STR(t, "x: now f32[]{weak_type=True} and before f32[]{weak_type=False}");
  free(t);
  t = first_mismatch(&ks, 5, 1);
  CHECK_STR(t, "x: now i32[3] and before f32[3]");
  free(t);
  CHECK(!cache_key_equal(&ks.key[6], &ks.key[1]));
  CHECK(cache_key_distance(&ks.key[6], &ks.key[1]) == 1);
  t = first_mismatch(&ks, 6, 1);
  CHECK_STR(t, "'x': passed by keyword now and by position before");
  free(t);
  unload(&ks);
}

/* The key of calls[0] of a spec whose source is given. */
static cache_digest key_of_source(const char *source, int autograph) {
  char spec[1024];
  keys ks = {0};
  snprintf(spec, sizeof spec, "{\"source\": \"%s\", \"function\": \"f\", \"calls\": [[1.0]]}", source);
  cache_digest d = {0, 0};
  if (load(&ks, spec, autograph)) d = ks.key[0].digest;
  else fprintf(stderr, "cannot load %s\n", spec);
  unload(&ks);
  return d;
}

static void test_function_identity(void) {
  cache_digest base = key_of_source("float g(float y) { return y; } float h(float z) { return z; } "
                                    "float f(float x) { return g(x); }", -1);
  cache_digest other = key_of_source("float g(float y) { return y; } float h(float z) { return z * 2; } "
                                     "float f(float x) { return g(x); }", -1);
  cache_digest called = key_of_source("float g(float y) { return y * 2; } float h(float z) { return z; } "
                                      "float f(float x) { return g(x); }", -1);
  cache_digest ag = key_of_source("float g(float y) { return y; } float h(float z) { return z; } "
                                  "float f(float x) { return g(x); }", 1);
  CHECK(cache_digest_equal(base, other));   /* h is not reached from f */
  CHECK(!cache_digest_equal(base, called)); /* g is */
  CHECK(!cache_digest_equal(base, ag));     /* autograph is part of the context */
  char hex[33];
  cache_digest_hex(base, hex);
  CHECK(strlen(hex) == 32 && strspn(hex, "0123456789abcdef") == 32);
}

static void test_call_errors(void) {
  keys ks = {0};
  CHECK(!load(&ks, "{\"source\": \"float f(float x, static w) { return x; }\", \"calls\": ["
                   "[1.0, {\"dtype\": \"f32\", \"shape\": [2]}]]}", -1));
  CHECK(tj_error_count(ks.ctx) == 1);
  unload(&ks);
  keys missing = {0};
  CHECK(!load(&missing, "{\"source\": \"float f(float x) { return x; }\", \"calls\": [{\"y\": 1.0}]}", -1));
  unload(&missing);
}

static void test_explain_api(void) {
  const char *text = "{\"source\": \"float f(float x, static float t) { return x * t; }\", \"calls\": "
                     "[[1.0, 0.0], [2.0, 0.0], [1.0, 10.0], [3.0, 10.0]]}";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec = NULL;
  tj_explain_report *r = NULL;
  CHECK(tj_spec_load(ctx, "t.json", text, strlen(text), &spec) == TJ_OK);
  tj_explain_opts o = tj_explain_defaults();
  o.max_compiles = 1;
  CHECK(tj_explain(ctx, spec, &o, &r) == TJ_OK);
  CHECK(r && tj_explain_compiles(r) == 2);
  CHECK(r && tj_explain_status(r) == TJ_ERR_BUDGET);
  char *s = r ? tj_explain_text(r) : NULL;
  CHECK(s && strstr(s, "static argument 't': constant: 2 values (0.0, 10.0), caused 1 compilation"));
  free(s);
  tj_explain_free(r);
  tj_ctx_free(ctx);
}

/* A pytree argument's key: its structure and its leaves' avals; the
 * order a dict's keys are written in does not matter. */
static void test_pytrees(void) {
  keys ks = {0};
  CHECK(load(&ks, "{\"source\": \"auto f(p) { return p; }\", \"calls\": ["
                  "[{\"a\": 1.0, \"b\": [2, null]}], [{\"b\": [2, null], \"a\": 1.0}],"
                  " [{\"a\": 1.0, \"b\": [2, null, null]}], [{\"a\": 1.0, \"b\": [2.0, null]}],"
                  " [{\"a\": 1.0, \"c\": [2, null]}], [[1.0, [2, null]]], [1.0], [null]]}", -1));
  CHECK(cache_key_equal(&ks.key[0], &ks.key[1]));
  for (int i = 2; i < 8; i++) CHECK(!cache_key_equal(&ks.key[0], &ks.key[i]));
  CHECK(!cache_key_equal(&ks.key[6], &ks.key[7])); /* an array is a leaf, None an empty tree */
  cache_mismatch m[4];
  CHECK(cache_key_diff(&ks.key[2], &ks.key[0], m, 4) == 1 && m[0].kind == MM_TREE && m[0].arg == 0);
  CHECK(cache_key_diff(&ks.key[3], &ks.key[0], m, 4) == 1 && m[0].kind == MM_AVAL);
  char *t = first_mismatch(&ks, 3, 0);
  CHECK_STR(t, "p['b'][0]: now f32[] and before i32[]");
  free(t);
  t = first_mismatch(&ks, 2, 0);
  CHECK_STR(t, "p: different input pytree: at input path p['b'], now list of length 3 and before list of length 2, "
               "so the lengths do not match");
  free(t);
  t = first_mismatch(&ks, 4, 0);
  CHECK_STR(t, "p: different input pytree: at input path p, now <class 'dict'> with pytree metadata ('a', 'c') and "
               "before <class 'dict'> with pytree metadata ('a', 'b'), so the pytree node metadata does not match");
  free(t);
  t = first_mismatch(&ks, 5, 0);
  CHECK_STR(t, "p: different input pytree: at input path p, now <class 'list'> and before <class 'dict'>, "
               "so their Python types differ");
  free(t);
  t = first_mismatch(&ks, 7, 6);
  CHECK_STR(t, "p: different input pytree: at input path p, now <class 'NoneType'> and before pytree leaf, "
               "so their Python types differ");
  free(t);
  unload(&ks);
}

/* A parameter with a default that a call leaves out is no argument of
 * the call (jax.jit, pjit.py _infer_params): whether it is given is in the
 * key, its default is not. */
static void test_left_out_defaults(void) {
  keys ks = {0};
  CHECK(load(&ks, "{\"source\": \"float f(float x, float lr = 0.1, static int k = 2) { return x * lr; }\", "
                  "\"calls\": [[1.0], [2.0], [1.0, 0.1], {\"x\": 1.0, \"k\": 2}, [1.0, 0.5], {\"x\": 1.0}]}", -1));
  CHECK(cache_key_equal(&ks.key[0], &ks.key[1]));  /* both leave lr and k out */
  CHECK(!cache_key_equal(&ks.key[0], &ks.key[2])); /* lr given (traced), even its default's value */
  CHECK(cache_key_equal(&ks.key[2], &ks.key[4]));  /* lr traced both times */
  CHECK(!cache_key_equal(&ks.key[0], &ks.key[5])); /* by keyword vs by position */
  CHECK(!cache_key_equal(&ks.key[3], &ks.key[5])); /* k given, even its default's value */
  cache_mismatch m[4];
  CHECK(cache_key_diff(&ks.key[2], &ks.key[0], m, 4) == 1 && m[0].kind == MM_OMITTED && m[0].arg == 1);
  CHECK(cache_key_diff(&ks.key[3], &ks.key[5], m, 4) == 1 && m[0].kind == MM_OMITTED && m[0].arg == 2);
  char *t = first_mismatch(&ks, 0, 2);
  CHECK_STR(t, "argument 'lr': left out now and given before (left out, it is no argument of the call: its default "
               "applies)");
  free(t);
  unload(&ks);
}

int main(void) {
  test_left_out_defaults();
  test_pytrees();
  test_static_type_and_value();
  test_mappings_and_tuples();
  test_avals();
  test_function_identity();
  test_call_errors();
  test_explain_api();
  return HARNESS_REPORT();
}
