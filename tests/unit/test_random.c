/* The PRNG primitives (issue 16): threefry2x32 against the Random123
 * known answers JAX's tests use (tests/random_test.py testThreefry2x32,
 * from Random123-Boost's test_threefry.cpp, Threefry-2x32 with 20 rounds),
 * in lib/base/threefry.h itself, then through the evaluator and the
 * compiled code: the runtime's one call over arrays, its scalar-key loop
 * (testThreefry2x32Large's shape, smaller), the per-element loop nest of
 * a partial broadcast; and the abstract eval's errors. The runtime's
 * vectorized block kernels (random_rt.c) against a second, independent
 * transcription of the rounds (the rolled loop of _threefry2x32_lowering)
 * at block edges, every bit width and across a high-word change of the
 * counter; jax.random.uniform compiled (random_bits fused into the block
 * loop) against the evaluator. */
#include <stdlib.h>

#include "api.h"
#include "codegen.h"
#include "eval.h"
#include "harness.h"
#include "ir_build.h"
#include "jit.h"
#include "pass.h"
#include "random_rt.h"
#include "threefry.h"
#include "tjit.h"

/* The three known answers: key (k0, k1), counter (x0, x1) -> (y0, y1). */
static const uint32_t kat[3][6] = {
    {0, 0, 0, 0, 0x6b200159u, 0x99ba4efeu},
    {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x1cb996fcu, 0xbb002be7u},
    {0x13198a2eu, 0x03707344u, 0x243f6a88u, 0x85a308d3u, 0xc4923a9cu, 0x483df7a0u},
};

static void test_known_answers(void) {
  for (int i = 0; i < 3; i++) {
    uint32_t a = kat[i][2], b = kat[i][3];
    tj_threefry2x32(kat[i][0], kat[i][1], &a, &b);
    CHECK(a == kat[i][4] && b == kat[i][5]);
  }
}

/* ---- the block kernels ---- */

static uint64_t rng_state = 0x243f6a8885a308d3u;
static uint64_t next_u64(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* _threefry2x32_lowering with use_rolled_loops (its default):
 * rolled_loop_step five times, the key list rotated left each time, the
 * rotation pair swapped; written apart from threefry.h's macro so each
 * checks the other. */
static void rolled_reference(uint32_t k0, uint32_t k1, uint32_t *x0, uint32_t *x1) {
  uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu}, x[2] = {*x0 + k0, *x1 + k1};
  unsigned rot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  for (uint32_t i = 0; i < 5; i++) {
    for (int r = 0; r < 4; r++) {
      unsigned n = rot[0][r];
      x[0] += x[1], x[1] = (x[1] << n) | (x[1] >> (32 - n)), x[1] ^= x[0];
    }
    uint32_t k = ks[0];
    ks[0] = ks[1], ks[1] = ks[2], ks[2] = k; /* rotate_list */
    x[0] += ks[0], x[1] += ks[1] + i + 1u;
    for (int r = 0; r < 4; r++) { /* the pair swapped for the next step */
      unsigned t = rot[0][r];
      rot[0][r] = rot[1][r], rot[1][r] = t;
    }
  }
  *x0 = x[0], *x1 = x[1];
}

static void test_rounds_reference(void) {
  for (int i = 0; i < 3; i++) {
    uint32_t a = kat[i][2], b = kat[i][3];
    rolled_reference(kat[i][0], kat[i][1], &a, &b);
    CHECK(a == kat[i][4] && b == kat[i][5]);
  }
  int same = 1;
  for (int i = 0; i < 100000; i++) {
    uint64_t k = next_u64(), x = next_u64();
    uint32_t a = (uint32_t)x, b = (uint32_t)(x >> 32), c = a, d = b;
    rolled_reference((uint32_t)k, (uint32_t)(k >> 32), &a, &b);
    tj_threefry2x32((uint32_t)k, (uint32_t)(k >> 32), &c, &d);
    same &= a == c && b == d;
  }
  CHECK(same);
}

/* Element i of random_bits of key k at width w, from the reference. */
static uint64_t bits_reference(const uint32_t *k, uint64_t i, int w) {
  uint32_t a = (uint32_t)(i >> 32), b = (uint32_t)i;
  rolled_reference(k[0], k[1], &a, &b);
  return w == 64 ? (uint64_t)a << 32 | b : w == 32 ? (uint64_t)(a ^ b) : (a ^ b) & ((1u << w) - 1);
}

static uint64_t element(const unsigned char *p, long i, int w) {
  switch (w) {
  case 8: return p[i];
  case 16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return v; }
  case 32: { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
  default: { uint64_t v; memcpy(&v, p + 8 * i, 8); return v; }
  }
}

/* tj_rt_random_bits_block at counts 0, 1, 7 (under a vector), 8, 1023,
 * 1025 (block edges), 4099; starting at 0, at odd offsets and 5 below
 * 2^32, where the counter's high word changes inside the call; every
 * width; nothing written past the n elements. */
static void test_bits_block(void) {
  static const long counts[] = {0, 1, 7, 8, 1023, 1025, 4099};
  static const int64_t firsts[] = {0, 3, 1021, 4294967291LL, 12884901887LL};
  static const int widths[] = {8, 16, 32, 64};
  unsigned char *out = malloc(8 * 4099 + 64);
  int same = 1, guarded = 1;
  for (size_t c = 0; c < TJ_COUNT(counts); c++)
    for (size_t f = 0; f < TJ_COUNT(firsts); f++)
      for (size_t w = 0; w < TJ_COUNT(widths); w++) {
        uint32_t key[2] = {(uint32_t)next_u64(), (uint32_t)next_u64()};
        long n = counts[c], bytes = n * widths[w] / 8;
        memset(out, 0xa5, (size_t)bytes + 64);
        tj_rt_random_bits_block(key, out, widths[w], (long)firsts[f], n);
        for (long i = 0; i < n; i++) same &= element(out, i, widths[w]) == bits_reference(key, (uint64_t)(firsts[f] + i), widths[w]);
        for (long i = bytes; i < bytes + 64; i++) guarded &= out[i] == 0xa5;
      }
  CHECK(same);
  CHECK(guarded);
  free(out);
}

/* The whole-array entries: random_bits over two keys (each from counter
 * 0), split, threefry2x32 with one key over counter arrays. */
static void test_runtime_calls(void) {
  enum { PER = 1031 };
  uint32_t keys[4] = {0, 42, 0x13198a2eu, 0x03707344u}, bits[2 * PER], split[2 * 2 * 5];
  tj_rt_random_bits(keys, 2, bits, 32, PER);
  int same = 1;
  for (int k = 0; k < 2; k++)
    for (long i = 0; i < PER; i++) same &= bits[k * PER + i] == (uint32_t)bits_reference(&keys[2 * k], (uint64_t)i, 32);
  CHECK(same);
  tj_rt_random_split(keys, 2, split, 5);
  for (int k = 0; k < 2; k++)
    for (uint32_t i = 0; i < 5; i++) {
      uint32_t a = 0, b = i;
      rolled_reference(keys[2 * k], keys[2 * k + 1], &a, &b);
      CHECK(split[2 * (k * 5 + i)] == a && split[2 * (k * 5 + i) + 1] == b);
    }
  uint32_t x0[PER], x1[PER], o0[PER], o1[PER];
  for (long i = 0; i < PER; i++) x0[i] = (uint32_t)next_u64(), x1[i] = (uint32_t)next_u64();
  tj_rt_threefry2x32(&keys[2], 0, &keys[3], 0, x0, 1, x1, 1, o0, o1, PER);
  same = 1;
  for (long i = 0; i < PER; i++) {
    uint32_t a = x0[i], b = x1[i];
    rolled_reference(keys[2], keys[3], &a, &b);
    same &= o0[i] == a && o1[i] == b;
  }
  CHECK(same);
}

/* Runs f of spec source `src` with `args` (JSON), compiled (reference 0)
 * or evaluated (1); output k's JSON (malloc'd) into out[k], or the first
 * diagnostic's message into *err. */
static tj_status run(const char *src, const char *args, int reference, char **out, size_t nout, char **err) {
  char spec[4096];
  snprintf(spec, sizeof spec, "{\"tjit\": 1, \"source\": \"%s\", \"args\": {%s}}", src, args);
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *s = NULL;
  tj_result *r = NULL;
  tj_run_opts o = tj_run_defaults();
  o.reference = reference;
  tj_status st = tj_spec_load(ctx, "test", spec, strlen(spec), &s);
  if (st == TJ_OK) st = tj_run(ctx, s, &o, &r);
  for (size_t k = 0; st == TJ_OK && k < nout && k < tj_result_count(r); k++) out[k] = tj_result_json(r, k);
  if (err) *err = st == TJ_OK || !ctx->diags.head ? NULL : strdup(ctx->diags.head->msg);
  tj_result_free(r);
  tj_ctx_free(ctx);
  return st;
}

/* out[0] and out[1] of both backends equal each other and want0, want1. */
static void check_both(const char *src, const char *args, const char *want0, const char *want1) {
  for (int reference = 0; reference < 2; reference++) {
    char *out[2] = {NULL, NULL};
    CHECK(run(src, args, reference, out, 2, NULL) == TJ_OK);
    CHECK_STR(out[0], want0);
    CHECK_STR(out[1], want1);
    free(out[0]), free(out[1]);
  }
}

#define F4 "auto f(u32[3] k0, u32[3] k1, u32[3] x0, u32[3] x1) { return threefry2x32(k0, k1, x0, x1); }"

/* The three answers as arrays of 3: the runtime's call over arrays. */
static void test_arrays(void) {
  check_both(F4,
             "\"k0\": {\"dtype\": \"u32\", \"data\": [0, 4294967295, 320440878]},"
             "\"k1\": {\"dtype\": \"u32\", \"data\": [0, 4294967295, 57701188]},"
             "\"x0\": {\"dtype\": \"u32\", \"data\": [0, 4294967295, 608135816]},"
             "\"x1\": {\"dtype\": \"u32\", \"data\": [0, 4294967295, 2242054355]}",
             "{\"dtype\": \"u32\", \"shape\": [3], \"data\": [1797259609, 481924860, 3297917596]}",
             "{\"dtype\": \"u32\", \"shape\": [3], \"data\": [2579123966, 3137350631, 1212020640]}");
}

/* testThreefry2x32Large's shape: a scalar key, n equal counter pairs,
 * here n = 1001 (odd, past a block) and summed so the check is short:
 * 1001 * 0xc4923a9c and 1001 * 0x483df7a0 wrapped in uint32. */
static void test_scalar_key(void) {
  char want0[128], want1[128];
  snprintf(want0, sizeof want0, "{\"dtype\": \"u32\", \"shape\": [], \"data\": %u}", (uint32_t)(1001u * 0xc4923a9cu));
  snprintf(want1, sizeof want1, "{\"dtype\": \"u32\", \"shape\": [], \"data\": %u}", (uint32_t)(1001u * 0x483df7a0u));
  check_both("auto f(u32 k0, u32 k1, u32[1001] x0, u32[1001] x1) { auto r = threefry2x32(k0, k1, x0, x1);"
             " return (sum(r[0]), sum(r[1])); }",
             "\"k0\": {\"dtype\": \"u32\", \"data\": 320440878}, \"k1\": {\"dtype\": \"u32\", \"data\": 57701188},"
             "\"x0\": {\"dtype\": \"u32\", \"shape\": [1001], \"fill\": 608135816},"
             "\"x1\": {\"dtype\": \"u32\", \"shape\": [1001], \"fill\": 2242054355}",
             want0, want1);
}

/* The C of spec source src (malloc'd), or NULL. */
static char *emitted(const char *src) {
  char spec[1024];
  snprintf(spec, sizeof spec, "{\"tjit\": 1, \"source\": \"%s\", \"args\": {\"s\": {\"dtype\": \"i32\", \"data\": 7}}}",
           src);
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *sp = NULL;
  char *c = NULL;
  tj_trace_opts o = tj_trace_defaults();
  if (tj_spec_load(ctx, "test", spec, strlen(spec), &sp) != TJ_OK || tj_emit_c(ctx, sp, &o, &c) != TJ_OK) c = NULL;
  tj_ctx_free(ctx);
  return c;
}

/* jax.random.uniform and random_bits at every width, compiled against
 * evaluated: large enough for the block loop, where random_bits of one key
 * leads the fused loop (tj_rt_random_bits_block per block, the last one
 * partial: 4101 = 4 * 1024 + 5, 4099; rows of 701 of a rank-3 shape),
 * and small (its own whole-array call, then the scalar loop) or empty. */
static void test_uniform_fused(void) {
  static const struct { const char *src; bool fused; } cases[] = {
      {"auto f(i32 s) { return random_uniform(random_key(s), (3, 1367)); }", true},
      {"auto f(i32 s) { return random_uniform(random_key(s), (1, 5), minval=-2, maxval=3); }", false},
      {"auto f(i32 s) { return random_uniform(random_key(s), (2, 3, 701), minval=-2, maxval=3); }", true},
      {"auto f(i32 s) { return random_uniform(random_key(s), (0, 3)); }", false},
      {"auto f(i32 s) { return random_bits(random_key(s), (4099,), u8) + 1; }", true},
      {"auto f(i32 s) { return random_bits(random_key(s), (4099,), u16) + 1; }", true},
      {"auto f(i32 s) { return random_bits(random_key(s), (4099,), u64) + 1; }", true},
      {"auto f(i32 s) { return random_bits(random_key(s), (4099,)) >> 3; }", true},
  };
  for (size_t i = 0; i < TJ_COUNT(cases); i++) {
    char *out[2] = {NULL, NULL}, *c = emitted(cases[i].src);
    for (int reference = 0; reference < 2; reference++)
      CHECK(run(cases[i].src, "\"s\": {\"dtype\": \"i32\", \"data\": 7}", reference, &out[reference], 1, NULL) == TJ_OK);
    CHECK(out[0] && out[1] && strcmp(out[0], out[1]) == 0);
    CHECK(c && (strstr(c, "tj_rt_random_bits_block(") != NULL) == cases[i].fused);
    if (!c || (strstr(c, "tj_rt_random_bits_block(") != NULL) != cases[i].fused) fprintf(stderr, "case %zu:\n%s\n", i, c);
    free(out[0]), free(out[1]), free(c);
  }
}

/* A partial broadcast, keys u32[2,1] against counters u32[1,3] (the
 * per-element loop nest): row 0 the key (0, 0), row 1 the third known
 * answer's key; column 0 the counter (0, 0): the first known answer, and
 * (1095259177, 3512222810), which tests/cli/99-random.bats's numpy
 * transcription of _threefry2x32_lowering gives too. */
static void test_partial_broadcast(void) {
  check_both("auto f(u32[2,1] k0, u32[2,1] k1, u32[1,3] x0, u32[1,3] x1) {"
             " auto r = threefry2x32(k0, k1, x0, x1); return (r[0][:, 0], r[1][:, 0]); }",
             "\"k0\": {\"dtype\": \"u32\", \"data\": [[0], [320440878]]},"
             "\"k1\": {\"dtype\": \"u32\", \"data\": [[0], [57701188]]},"
             "\"x0\": {\"dtype\": \"u32\", \"data\": [[0, 1, 2]]},"
             "\"x1\": {\"dtype\": \"u32\", \"data\": [[0, 5, 6]]}",
             "{\"dtype\": \"u32\", \"shape\": [2], \"data\": [1797259609, 1095259177]}",
             "{\"dtype\": \"u32\", \"shape\": [2], \"data\": [2579123966, 3512222810]}");
}

/* _threefry2x32_abstract_eval's TypeError (dtypes first), then
 * lax.broadcasting_shape_rule's. */
static void test_errors(void) {
  char *err = NULL;
  CHECK(run("auto f(u32[3] x) { return threefry2x32(0, 0, x, x); }", "\"x\": {\"dtype\": \"u32\", \"shape\": [3]}", 1,
            NULL, 0, &err) == TJ_ERR_PROGRAM);
  CHECK_STR(err, "TypeError: Arguments to threefry2x32 must have uint32 type, got (ShapedArray(int32[], "
                 "weak_type=True), ShapedArray(int32[], weak_type=True), ShapedArray(uint32[3]), ShapedArray(uint32[3]))");
  free(err);
  CHECK(run("auto f(u32[3] x, u32[1,3] y) { return threefry2x32(x[0], x[0], x, y); }",
            "\"x\": {\"dtype\": \"u32\", \"shape\": [3]}, \"y\": {\"dtype\": \"u32\", \"shape\": [1, 3]}", 1, NULL, 0,
            &err) == TJ_ERR_PROGRAM);
  CHECK_STR(err, "TypeError: threefry2x32: arrays must have the same number of dimensions, got {1, 2}");
  free(err);
  CHECK(run("auto f(u32[3] x, u32[2] y) { return threefry2x32(x[0], x[0], x, y); }",
            "\"x\": {\"dtype\": \"u32\", \"shape\": [3]}, \"y\": {\"dtype\": \"u32\", \"shape\": [2]}", 1, NULL, 0,
            &err) == TJ_ERR_PROGRAM);
  CHECK_STR(err, "TypeError: threefry2x32 got incompatible shapes for broadcasting: (3,), (2,).");
  free(err);
}

/* random_fold_in with a partial broadcast, keys key<fry>[3,1] against
 * messages u32[1,2] (vmap's shape: the language's fold_in takes scalars,
 * so the module is built by hand): the evaluator's strides and the C
 * rule's loop nest give the fold_in of each (key, message) pair, checked
 * against lib/base/threefry.h's one-key function. */
static void test_fold_in_broadcast(void) {
  tj_arena da = {0};
  diag_list diags = {.arena = &da};
  ir_module *m = ir_new(NULL);
  tj_aval in[2] = {aval_scalar(DT_U32, false), aval_scalar(DT_U32, false)};
  in[0].rank = 3, in[0].dims[0] = 3, in[0].dims[1] = 1, in[0].dims[2] = 2;
  in[1].rank = 2, in[1].dims[0] = 1, in[1].dims[1] = 2;
  uint32_t v[2];
  ir_build_invars(m, m->top, in, 2, v);
  ir_param impl = {"impl", pv_name(m, "fry")};
  ir_atom a = ATOM_VAR(v[0]);
  ir_eqn *w = ir_build(m, m->top, &(ir_eqn_desc){.prim = P_random_wrap, .in = &a, .nin = 1, .params = &impl,
                                                 .nparams = 1, .nout = 1}, &diags);
  CHECK(w != NULL);
  if (!w) return;
  ir_atom kd[2] = {ATOM_VAR(w->out[0]), ATOM_VAR(v[1])};
  ir_eqn *f = ir_build(m, m->top, &(ir_eqn_desc){.prim = P_random_fold_in, .in = kd, .nin = 2, .nout = 1}, &diags);
  ir_atom k = ATOM_VAR(f->out[0]);
  ir_eqn *u = ir_build(m, m->top, &(ir_eqn_desc){.prim = P_random_unwrap, .in = &k, .nin = 1, .nout = 1}, &diags);
  ir_atom o = ATOM_VAR(u->out[0]);
  ir_build_outs(m, m->top, &o, 1);
  CHECK(diags.head == NULL);
  tj_array *x = array_new(&in[0]), *d = array_new(&in[1]), *got = NULL;
  const uint32_t keys[6] = {0, 0, 0x13198a2eu, 0x03707344u, 0xffffffffu, 7}, msgs[2] = {4, 0xfffffffeu};
  memcpy(x->data, keys, sizeof keys), memcpy(d->data, msgs, sizeof msgs);
  uint32_t want[12];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) tj_threefry_fold_in(&keys[2 * i], msgs[j], &want[4 * i + 2 * j]);
  CHECK(want[0] == 2285895361u && want[1] == 433833334u); /* JAX's fold_in(PRNGKey(0), 4) */
  const tj_array *ins[2] = {x, d};
  CHECK(eval_jaxpr(harness_at(), m, m->top, ins, &got) == TJ_OK);
  CHECK(got && memcmp(got->data, want, sizeof want) == 0);
  pass_facts pf = {0};
  tj_buf src = {0};
  ir_module *lowered = pass_pipeline(m, NULL, &pf, harness_at()->d);
  CHECK(lowered && codegen_c(harness_at(), lowered, &pf, &src) == CG_DONE);
  CHECK(src.data && strstr(src.data, "tjkey kk ="));  /* the loop nest, not the one call */
  jit_program *p = src.data ? jit_compile(harness_at(), src.data) : NULL;
  uint32_t out[12] = {0};
  void *pin[2] = {x->data, d->data}, *pout[1] = {out};
  CHECK(p && jit_run(p, pin, pout, TJ_MAX_WORK) == JIT_OK);
  CHECK(memcmp(out, want, sizeof want) == 0);
  jit_free(p);
  buf_free(&src);
  pass_facts_free(&pf);
  ir_free(lowered);
  array_free(x), array_free(d), array_free(got);
  ir_free(m);
  arena_free(&da);
}

int main(void) {
  test_known_answers();
  test_rounds_reference();
  test_bits_block();
  test_runtime_calls();
  test_uniform_fused();
  test_arrays();
  test_scalar_key();
  test_partial_broadcast();
  test_errors();
  test_fold_in_broadcast();
  return HARNESS_REPORT();
}
