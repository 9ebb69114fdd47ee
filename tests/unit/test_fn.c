/* tjit.h's compiled functions (tj_compile, tj_fn_call) as a C program
 * embedding libtjit uses them: compiled once, called on buffers of its
 * own, checked against values computed here and against tj_run of the
 * same call. `build/unit/test_fn bench` also times the per-call overhead
 * of tj_fn_call over jit_run's own (printed, not asserted). */
#include "harness.h"
#include "tjit.h"
#include "api.h"
#include "jit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* A context, the spec loaded from text, and the function of its call. */
typedef struct loaded {
  tj_ctx *ctx;
  tj_spec *spec;
  tj_fn *fn;
} loaded;

static loaded compile_text(const char *text, const tj_run_opts *o) {
  loaded l = {tj_ctx_new(), NULL, NULL};
  if (tj_spec_load(l.ctx, "t.json", text, strlen(text), &l.spec) == TJ_OK) l.fn = tj_compile(l.ctx, l.spec, o);
  return l;
}

static void loaded_free(loaded *l) {
  tj_fn_free(l->fn);
  tj_ctx_free(l->ctx);
}

/* The message of the function's first diagnostic ("" when none). */
static const char *call_message(const tj_fn *fn) {
  tj_diagnostic d;
  return tj_diagnostic_get(tj_fn_diagnostics(fn), 0, &d) ? d.message : "";
}

static const char *call_kind(const tj_fn *fn) {
  tj_diagnostic d;
  return tj_diagnostic_get(tj_fn_diagnostics(fn), 0, &d) ? d.kind : "";
}

static tj_buffer scalar(int dtype, void *data) { return (tj_buffer){.dtype = dtype, .data = data}; }
static tj_buffer array(int dtype, int rank, const int64_t *dims, void *data) {
  return (tj_buffer){.dtype = dtype, .rank = rank, .dims = dims, .data = data};
}

static const char *const scalar_spec = "{\"source\": \"float f(float x) { return x * 2 + 1; }\", \"args\": {\"x\": 3.0}}";

static void test_scalar_many_calls(void) {
  loaded l = compile_text(scalar_spec, NULL);
  CHECK(l.fn != NULL);
  if (!l.fn) return loaded_free(&l);
  CHECK(tj_fn_nin(l.fn) == 1 && tj_fn_nout(l.fn) == 1);
  CHECK_STR(tj_fn_tree(l.fn), "*");
  tj_buffer_desc d;
  /* weak: a JSON number is a Python float, as jax.jit(f)(3.0) traces it */
  CHECK(tj_fn_in(l.fn, 0, &d) == 1 && d.dtype == TJ_DTYPE_F32 && d.rank == 0 && d.size == 1 && d.weak);
  CHECK_STR(d.name, "x");
  CHECK(tj_fn_out(l.fn, 0, &d) == 1 && d.dtype == TJ_DTYPE_F32 && d.rank == 0 && d.name == NULL);
  CHECK(tj_fn_in(l.fn, 1, &d) == 0 && tj_fn_out(l.fn, -1, &d) == 0);
  CHECK_STR(tj_dtype_name(TJ_DTYPE_F32), "f32");
  CHECK(tj_dtype_size(TJ_DTYPE_F64) == 8 && tj_dtype_size(99) == -1 && tj_dtype_name(-1) == NULL);
  int wrong = 0;
  for (int i = 0; i < 1000; i++) { /* a new pair of the caller's variables each time */
    float *x = malloc(sizeof *x), *y = malloc(sizeof *y);
    *x = (float)i * 0.25f - 100, *y = -1;
    tj_buffer in = scalar(TJ_DTYPE_F32, x), out = scalar(TJ_DTYPE_F32, y);
    wrong += tj_fn_call(l.fn, &in, 1, &out, 1) != TJ_OK || *y != *x * 2 + 1;
    free(x), free(y);
  }
  CHECK(wrong == 0);
  CHECK(tj_diagnostic_count(tj_fn_diagnostics(l.fn)) == 0);
  loaded_free(&l);
}

/* Arrays, a static argument fixed into the function, a tuple of three
 * outputs; values small integers, exact whatever the summation order. */
static const char *const tuple_spec =
    "{\"source\": \"auto f(float a[4][3], float v[3], int n) { return (dot(a, v) + n, sum(a, 1), a * 2); }\","
    " \"args\": {\"a\": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [-1.0, 0.0, 1.0], [2.0, 2.0, 2.0]],"
    " \"v\": [1.0, -1.0, 2.0], \"n\": 5}, \"static_argnames\": [\"n\"]}";

static const int64_t dims43[] = {4, 3}, dims3[] = {3}, dims4[] = {4};

/* Calls the tuple function on a, v; checks every output against what C
 * computes; 0 when all agree. */
static int call_tuple(tj_fn *fn, const float *a, const float *v, float *dotn, float *sums, float *twice) {
  tj_buffer in[2] = {array(TJ_DTYPE_F32, 2, dims43, (void *)a), array(TJ_DTYPE_F32, 1, dims3, (void *)v)};
  tj_buffer out[3] = {array(TJ_DTYPE_F32, 1, dims4, dotn), array(TJ_DTYPE_F32, 1, dims4, sums),
                      array(TJ_DTYPE_F32, 2, dims43, twice)};
  for (int k = 0; k < 12; k++) twice[k] = dotn[k % 4] = sums[k % 4] = 0.0f / 0.0f; /* outputs are written whole */
  float a_before[12], v_before[3];
  memcpy(a_before, a, sizeof a_before), memcpy(v_before, v, sizeof v_before);
  if (tj_fn_call(fn, in, 2, out, 3) != TJ_OK) return 1;
  int bad = memcmp(a_before, a, sizeof a_before) != 0 || memcmp(v_before, v, sizeof v_before) != 0; /* read only */
  for (int r = 0; r < 4; r++) {
    float d = 0, s = 0;
    for (int c = 0; c < 3; c++) d += a[r * 3 + c] * v[c], s += a[r * 3 + c], bad += twice[r * 3 + c] != a[r * 3 + c] * 2;
    bad += dotn[r] != d + 5 || sums[r] != s;
  }
  return bad;
}

/* The data of a .npy file tj_result_write_npy wrote: its last n bytes. */
static int npy_tail_equals(const char *path, const void *want, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  unsigned char buf[4096];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return len >= n && memcmp(buf + len - n, want, n) == 0;
}

static void test_tuple_against_tj_run(void) {
  loaded l = compile_text(tuple_spec, NULL);
  CHECK(l.fn != NULL);
  if (!l.fn) return loaded_free(&l);
  CHECK(tj_fn_nin(l.fn) == 2 && tj_fn_nout(l.fn) == 3); /* n is static: not an input */
  CHECK_STR(tj_fn_tree(l.fn), "(*, *, *)");
  tj_buffer_desc d;
  CHECK(tj_fn_in(l.fn, 0, &d) && d.rank == 2 && d.dims[0] == 4 && d.dims[1] == 3 && d.size == 12);
  CHECK_STR(d.name, "a");
  CHECK(tj_fn_out(l.fn, 2, &d) && d.dtype == TJ_DTYPE_F32 && d.rank == 2 && d.dims[1] == 3);
  /* the spec's own arguments, through tj_fn_call and through tj_run */
  float a[12] = {1, 2, 3, 4, 5, 6, -1, 0, 1, 2, 2, 2}, v[3] = {1, -1, 2}, dotn[4], sums[4], twice[12];
  CHECK(call_tuple(l.fn, a, v, dotn, sums, twice) == 0);
  tj_result *r = NULL;
  CHECK(tj_run(l.ctx, l.spec, NULL, &r) == TJ_OK && tj_result_count(r) == 3);
  char path[] = "/tmp/test_fn_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  const void *mine[3] = {dotn, sums, twice};
  size_t bytes[3] = {sizeof dotn, sizeof sums, sizeof twice};
  for (size_t k = 0; r && fd >= 0 && k < 3; k++)
    CHECK(tj_result_write_npy(l.ctx, r, k, path) == TJ_OK && npy_tail_equals(path, mine[k], bytes[k]));
  if (fd >= 0) close(fd), remove(path);
  tj_result_free(r);
  /* other values, other buffers, many times */
  int bad = 0;
  for (int i = 0; i < 200; i++) {
    float *a2 = malloc(sizeof a), *v2 = malloc(sizeof v);
    for (int e = 0; e < 12; e++) a2[e] = (float)((e * 7 + i) % 11 - 5);
    for (int e = 0; e < 3; e++) v2[e] = (float)(i % 5 - e);
    bad += call_tuple(l.fn, a2, v2, dotn, sums, twice);
    free(a2), free(v2);
  }
  CHECK(bad == 0);
  loaded_free(&l);
}

/* A transposed view: the function's a[2][3] read out of a 3x2 matrix
 * (strides {1, 2}), and its output written into one the same way. */
static void test_strided(void) {
  const char *spec = "{\"source\": \"auto f(float a[2][3]) { return (a * 10 + 1, sum(a, 1)); }\","
                     " \"args\": {\"a\": {\"dtype\": \"f32\", \"shape\": [2, 3]}}}";
  loaded l = compile_text(spec, NULL);
  CHECK(l.fn != NULL);
  if (!l.fn) return loaded_free(&l);
  static const int64_t dims23[] = {2, 3}, dims2[] = {2}, transposed[] = {1, 2}, every_other[] = {2};
  float m[3][2] = {{1, 2}, {3, 4}, {5, 6}}; /* a = m.T = {{1, 3, 5}, {2, 4, 6}} */
  float out[3][2], sums[4] = {-1, -1, -1, -1};
  tj_buffer in = array(TJ_DTYPE_F32, 2, dims23, m);
  in.strides = transposed;
  tj_buffer outs[2] = {array(TJ_DTYPE_F32, 2, dims23, out), array(TJ_DTYPE_F32, 1, dims2, sums)};
  outs[0].strides = transposed;
  outs[1].strides = every_other; /* sums[0] and sums[2] */
  CHECK(tj_fn_call(l.fn, &in, 1, outs, 2) == TJ_OK);
  int bad = 0;
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 2; c++) bad += out[r][c] != m[r][c] * 10 + 1;
  CHECK(bad == 0);
  CHECK(sums[0] == 9 && sums[1] == -1 && sums[2] == 12 && sums[3] == -1);
  /* strides that are row-major's are no copy, and give the same */
  static const int64_t row_major[] = {3, 1}, unit[] = {1};
  float a[6] = {1, 3, 5, 2, 4, 6}, direct[6], sums2[2];
  tj_buffer in2 = array(TJ_DTYPE_F32, 2, dims23, a);
  in2.strides = row_major;
  tj_buffer outs2[2] = {array(TJ_DTYPE_F32, 2, dims23, direct), array(TJ_DTYPE_F32, 1, dims2, sums2)};
  outs2[1].strides = unit;
  CHECK(tj_fn_call(l.fn, &in2, 1, outs2, 2) == TJ_OK);
  CHECK(direct[0] == 11 && direct[5] == 61 && sums2[0] == 9 && sums2[1] == 12);
  loaded_free(&l);
}

/* Empty arrays: their data may be NULL. */
static void test_empty(void) {
  const char *spec = "{\"source\": \"auto f(float x[0], float y) { return (x + 1, y * 3); }\","
                     " \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [0]}, \"y\": 2.0}}";
  loaded l = compile_text(spec, NULL);
  CHECK(l.fn != NULL);
  if (!l.fn) return loaded_free(&l);
  static const int64_t none[] = {0};
  float y = 2, z = 0;
  tj_buffer in[2] = {array(TJ_DTYPE_F32, 1, none, NULL), scalar(TJ_DTYPE_F32, &y)};
  tj_buffer out[2] = {array(TJ_DTYPE_F32, 1, none, NULL), scalar(TJ_DTYPE_F32, &z)};
  CHECK(tj_fn_call(l.fn, in, 2, out, 2) == TJ_OK && z == 6);
  loaded_free(&l);
}

/* Each wrong call: TJ_ERR_USAGE, kind usage, its message; nothing run. */
static void expect_usage(tj_fn *fn, const tj_buffer *in, int nin, tj_buffer *out, int nout, const char *message) {
  CHECK(tj_fn_call(fn, in, nin, out, nout) == TJ_ERR_USAGE);
  CHECK_STR(call_message(fn), message);
  CHECK_STR(call_kind(fn), "usage");
  CHECK(tj_diagnostic_count(tj_fn_diagnostics(fn)) == 1);
}

static void test_wrong_calls(void) {
  const char *spec = "{\"source\": \"auto f(float x, float w[3]) { return (x * w, w + 1); }\","
                     " \"args\": {\"x\": 2.0, \"w\": [1.0, 2.0, 3.0]}}";
  loaded l = compile_text(spec, NULL);
  CHECK(l.fn != NULL);
  if (!l.fn) return loaded_free(&l);
  float x = 2, w[4] = {1, 2, 3, 4}, o0[3], o1[3];
  int ix = 2;
  double d3[3];
  static const int64_t d31[] = {3, 1};
  tj_buffer in[2] = {scalar(TJ_DTYPE_F32, &x), array(TJ_DTYPE_F32, 1, dims3, w)};
  tj_buffer out[2] = {array(TJ_DTYPE_F32, 1, dims3, o0), array(TJ_DTYPE_F32, 1, dims3, o1)};
  CHECK(tj_fn_call(l.fn, in, 2, out, 2) == TJ_OK && o0[2] == 6 && o1[0] == 2);

  tj_buffer bad[2] = {in[0], in[1]};
  bad[0] = scalar(TJ_DTYPE_I32, &ix);
  expect_usage(l.fn, bad, 2, out, 2, "input 0 (x): expected f32[], got i32[]");
  bad[0] = in[0], bad[1].dims = dims4;
  expect_usage(l.fn, bad, 2, out, 2, "input 1 (w): expected f32[3], got f32[4]");
  bad[1] = array(TJ_DTYPE_F32, 2, d31, w);
  expect_usage(l.fn, bad, 2, out, 2, "input 1 (w): expected f32[3], got f32[3,1]");
  bad[1] = array(TJ_DTYPE_F32, 0, NULL, w);
  expect_usage(l.fn, bad, 2, out, 2, "input 1 (w): expected f32[3], got f32[]");
  bad[1] = array(77, 1, dims3, w);
  expect_usage(l.fn, bad, 2, out, 2, "input 1 (w): expected f32[3], got dtype 77[3]");
  bad[1] = array(TJ_DTYPE_F32, 1, dims3, NULL);
  expect_usage(l.fn, bad, 2, out, 2, "input 1 (w): data is NULL");
  expect_usage(l.fn, in, 1, out, 2, "expected 2 inputs (x, w), got 1");
  expect_usage(l.fn, in, 2, out, 3, "expected 2 outputs, got 3");
  tj_buffer bad_out[2] = {out[0], array(TJ_DTYPE_F64, 1, dims3, d3)};
  expect_usage(l.fn, in, 2, bad_out, 2, "output 1: expected f32[3], got f64[3]");
  bad_out[1] = array(TJ_DTYPE_F32, 1, dims3, w); /* w's memory, an input's */
  expect_usage(l.fn, in, 2, bad_out, 2, "output 1 overlaps input 1 (w): an output may not share memory with another buffer");
  bad_out[1] = array(TJ_DTYPE_F32, 1, dims3, o0 + 2);
  expect_usage(l.fn, in, 2, bad_out, 2, "output 1 overlaps output 0: an output may not share memory with another buffer");
  static const int64_t far_apart[] = {INT64_MAX / 2};
  bad[1] = array(TJ_DTYPE_F32, 1, dims3, w);
  bad[1].strides = far_apart;
  expect_usage(l.fn, bad, 2, out, 2, "input 1 (w): its strides reach beyond the address space");
  /* a good call after: its diagnostics are gone */
  o0[0] = o1[0] = 0;
  CHECK(tj_fn_call(l.fn, in, 2, out, 2) == TJ_OK && o0[0] == 2 && o1[0] == 2);
  CHECK(tj_diagnostic_count(tj_fn_diagnostics(l.fn)) == 0);
  loaded_free(&l);
}

static void test_failing_trace(void) {
  const char *spec = "{\"source\": [\"float f(float x) {\", \"  if (x > 0) return x;\", \"  return -x;\", \"}\"],"
                     " \"args\": {\"x\": 1.0}}";
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *s = NULL;
  CHECK(tj_spec_load(ctx, "t.json", spec, strlen(spec), &s) == TJ_OK);
  tj_fn *fn = s ? tj_compile(ctx, s, NULL) : NULL;
  CHECK(fn == NULL);
  tj_diagnostic d;
  CHECK(tj_error_count(ctx) == 1 && tj_diagnostic_get(ctx, 0, &d));
  CHECK_STR(d.kind, "TracerBoolConversionError");
  CHECK(strstr(d.message, "Attempted boolean conversion of traced array with shape bool[].") != NULL);
  /* a call the spec does not have */
  tj_run_opts o = tj_run_defaults();
  o.trace.call = 3;
  CHECK(tj_compile(ctx, s, &o) == NULL && tj_error_count(ctx) == 2);
  tj_ctx_free(ctx);
}

/* A call over max_work: TJ_ERR_BUDGET with tj_run's diagnostic; a
 * function over max_memory: refused by tj_compile. */
static void test_max_work(void) {
  const char *spec = "{\"source\": \"auto f(float x[1000]) { return x * 2; }\","
                     " \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [1000]}}}";
  tj_run_opts o = tj_run_defaults();
  o.max_work = 10;
  loaded l = compile_text(spec, &o);
  CHECK(l.fn != NULL);
  if (!l.fn) return loaded_free(&l);
  static const int64_t n[] = {1000};
  float *x = calloc(1000, sizeof *x), *y = calloc(1000, sizeof *y);
  tj_buffer in = array(TJ_DTYPE_F32, 1, n, x), out = array(TJ_DTYPE_F32, 1, n, y);
  CHECK(tj_fn_call(l.fn, &in, 1, &out, 1) == TJ_ERR_BUDGET);
  CHECK_STR(call_message(l.fn), "too much work (limit is 10 elements read and written): does a loop ever end?");
  CHECK_STR(call_kind(l.fn), "budget");
  free(x), free(y);
  loaded_free(&l);
  /* and max_memory refuses the function at compile time */
  o = tj_run_defaults();
  o.max_memory = 100;
  l = compile_text(spec, &o);
  CHECK(l.fn == NULL && tj_error_count(l.ctx) == 1);
  tj_diagnostic d;
  CHECK(tj_diagnostic_get(l.ctx, 0, &d) && strstr(d.message, "(100 bytes; --max-memory)") != NULL);
  loaded_free(&l);
}

/* Two functions, each compiled and called in a thread of its own. */
typedef struct worker {
  const char *spec;
  int is_int;
  int bad;
} worker;

static void *work(void *arg) {
  worker *w = arg;
  loaded l = compile_text(w->spec, NULL);
  if (!l.fn) {
    w->bad = 1;
    loaded_free(&l);
    return NULL;
  }
  static const int64_t n[] = {256};
  for (int i = 0; i < 2000; i++) {
    float fx[256], fy[256];
    int32_t ix[256], iy[256];
    for (int e = 0; e < 256; e++) fx[e] = (float)(e + i), ix[e] = e - i;
    tj_buffer in = array(w->is_int ? TJ_DTYPE_I32 : TJ_DTYPE_F32, 1, n, w->is_int ? (void *)ix : (void *)fx);
    tj_buffer out = array(w->is_int ? TJ_DTYPE_I32 : TJ_DTYPE_F32, 1, n, w->is_int ? (void *)iy : (void *)fy);
    if (tj_fn_call(l.fn, &in, 1, &out, 1) != TJ_OK) w->bad++;
    for (int e = 0; e < 256; e++) w->bad += w->is_int ? iy[e] != ix[e] * 3 - 7 : fy[e] != fx[e] * 0.5f + 1;
  }
  loaded_free(&l);
  return NULL;
}

static void test_threads(void) {
  worker w[2] = {
      {"{\"source\": \"auto f(float x[256]) { return x * 0.5 + 1; }\", \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [256]}}}", 0, 0},
      {"{\"source\": \"auto f(int x[256]) { return x * 3 - 7; }\", \"args\": {\"x\": {\"dtype\": \"i32\", \"shape\": [256]}}}", 1, 0},
  };
  pthread_t t[2];
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  CHECK(w[0].bad == 0 && w[1].bad == 0);
}

/* A loop long enough to be split (2^20 elements) on the function's own
 * two threads: the same values as on one, call after call. */
static void test_split_loop(void) {
  const char *spec = "{\"source\": \"auto f(float x[1048576]) { return sin(x) * 2 + 1; }\","
                     " \"args\": {\"x\": {\"dtype\": \"f32\", \"shape\": [1048576]}}}";
  enum { N = 1048576 };
  tj_run_opts o = tj_run_defaults();
  o.threads = 2;
  loaded two = compile_text(spec, &o);
  o.threads = 1;
  loaded one = compile_text(spec, &o);
  CHECK(two.fn && one.fn);
  static const int64_t n[] = {N};
  float *x = malloc(N * sizeof *x), *y1 = malloc(N * sizeof *y1), *y2 = malloc(N * sizeof *y2);
  for (int call = 0; two.fn && one.fn && x && y1 && y2 && call < 3; call++) {
    for (int e = 0; e < N; e++) x[e] = (float)((e * 31 + call) % 1000) * 0.01f;
    tj_buffer in = array(TJ_DTYPE_F32, 1, n, x), out1 = array(TJ_DTYPE_F32, 1, n, y1),
              out2 = array(TJ_DTYPE_F32, 1, n, y2);
    CHECK(tj_fn_call(two.fn, &in, 1, &out2, 1) == TJ_OK && tj_fn_call(one.fn, &in, 1, &out1, 1) == TJ_OK);
    CHECK(memcmp(y1, y2, N * sizeof *y1) == 0);
    CHECK(y2[0] == sinf(x[0]) * 2 + 1 || fabsf(y2[0] - (sinf(x[0]) * 2 + 1)) < 1e-6f); /* libm or libmvec's sin */
  }
  free(x), free(y1), free(y2);
  loaded_free(&two);
  loaded_free(&one);
}

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* ns per call of f(x) = x * 2 + 1 on a float: tj_fn_call, and jit_run_par
 * (the compiled code with its runtime, what tj_run times) on the same C;
 * rounds of each interleaved (the machine is shared), their medians. */
static void bench(void) {
  enum { ROUNDS = 11, CALLS = 100000 };
  loaded l = compile_text(scalar_spec, NULL);
  if (!l.fn) return loaded_free(&l);
  float x = 1.5f, y = 0;
  tj_buffer in = scalar(TJ_DTYPE_F32, &x), out = scalar(TJ_DTYPE_F32, &y);
  tj_jaxpr *j = NULL;
  tj_status st = tj_trace(l.ctx, l.spec, NULL, &j);
  tj_trace_opts o = tj_trace_defaults();
  jit_program *p = st == TJ_OK ? run_compile_module(l.ctx, j->m, &o, &st) : NULL;
  void *ins[1] = {&x}, *outs[1] = {&y};
  double fn_ns[ROUNDS], run_ns[ROUNDS];
  for (int r = 0; p && r < ROUNDS; r++) {
    double t0 = now_ns();
    for (int i = 0; i < CALLS; i++) tj_fn_call(l.fn, &in, 1, &out, 1);
    double t1 = now_ns();
    for (int i = 0; i < CALLS; i++) jit_run_par(p, NULL, ins, outs, 1000000);
    fn_ns[r] = (t1 - t0) / CALLS, run_ns[r] = (now_ns() - t1) / CALLS;
  }
  if (p) {
    qsort(fn_ns, ROUNDS, sizeof *fn_ns, by_value), qsort(run_ns, ROUNDS, sizeof *run_ns, by_value);
    printf("f(x) = x * 2 + 1 on a float, median of %d rounds of %d calls: tj_fn_call %.1f ns, jit_run %.1f ns, "
           "overhead %.1f ns per call\n", ROUNDS, CALLS, fn_ns[ROUNDS / 2], run_ns[ROUNDS / 2],
           fn_ns[ROUNDS / 2] - run_ns[ROUNDS / 2]);
  }
  jit_free(p);
  tj_jaxpr_free(j);
  loaded_free(&l);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "bench") == 0) {
    bench();
    return 0;
  }
  test_scalar_many_calls();
  test_tuple_against_tj_run();
  test_strided();
  test_wrong_calls();
  test_empty();
  test_failing_trace();
  test_max_work();
  test_threads();
  test_split_loop();
  return HARNESS_REPORT();
}
