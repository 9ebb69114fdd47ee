/* The in-process half of `make bench` (scripts/bench-run.sh): times the
 * hand-written baselines (baseline.c built with -O2 and with -O3
 * -march=native -ffast-math), OpenBLAS's sgemm, and the hybrid design as
 * it runs now: glue code walking 256-element blocks (cg_block.c's BLOCK) and calling libtjit's
 * block kernels (tjk_*) once per equation, as the C generator's output
 * will. The glue is compiled by libtcc in memory from C text declared with
 * tjk_prototype (-nostdlib, every kernel registered with tcc_add_symbol),
 * as tjit will compile it, and, for comparison, by gcc with this file.
 * Contenders of one benchmark run interleaved, repetition by repetition, so
 * a noisy machine slows them alike. Data as the specs: uniform f32 in
 * [0, 1), seed 0 (seed 1 for matmul's b).
 *
 * Prints "BENCH CONTENDER MEDIAN_MS CHECKSUM" lines.
 * usage: driver [fused|axpb|sum|matmul|compile|cumsum_last|cumsum_first|sort|top_k|maxpool|conv2d|gather|
 *                scatter_add|maxpool3|cummax_last|half_chain|mlp_grad]...
 *        (default: all)
 *        driver mlp_grad_data DIR: writes mlp_grad.json's inputs, DIR/NAME.npy
 *        driver mlp_grad_check DIR: compares tjit's gradient (DIR/out/call0_out*.npy,
 *          `tjit run --out DIR/out`) with the hand-written one
 *        driver grad_trace F_SPEC GRAD_SPEC: times tj_trace of each, in process
 *        BENCH_REPS=N sets the least repetitions (default 5), BENCH_BUDGET_MS=M
 *        the least time of each contender's timed runs (default 50 ms) */
#include <cblas.h>
#include <libtcc.h>
#include <math.h>
#include <string.h>

#include "baseline.h"
#include "bench.h"
#include "kernels.h"
#include "tjit.h"

#define BLOCK 256
#define N_FUSED 10000000L
#define N_AXPB 50000000L
#define N_SUM 50000000L
#define N_MAT 512
#define CUM_ROWS 1000L /* cumsum_last/first: [1000, 10000] f32 */
#define CUM_COLS 10000L
#define N_SORT 1000000L /* sorting (issue 14 item 3) */
#define POOL_N 16L      /* pooling (issue 14 item 4): maxpool.json's [16, 64, 64, 32] NHWC */
#define POOL_HW 64L
#define POOL_C 32L
/* conv2d.json (issue 14 item 4): [8, 32, 32, 32] NHWC (*) [3, 3, 32, 64] HWIO */
#define CV_N 8
#define CV_HW 32
#define CV_CI 32
#define CV_CO 64
#define G_ROWS 50000L   /* gather (issue 14 item 1): 4096 rows of [50000, 128] f32 */
#define G_DIM 128L
#define G_IDS 4096L

typedef struct bench_data {
  float *x, *y, *b, a_scalar, b_scalar;
  long n;
  float sum_result;
  void *tcc_fn; /* the glue libtcc compiled */
} bench_data;

typedef struct contender {
  const char *name;
  void (*run)(bench_data *d);
} contender;

/* ---- glue as the generator will emit it, for libtcc ---- */

/* fused.json's jaxpr: b = sin a; c = mul b 2.0; d = neg a; e = mul d a;
 * f = exp e; g = add c f. */
#define FUSED_BODY                                                              \
  "  float t1[256], t2[256];\n"                                               \
  "  for (long o = 0; o < n; o += 256) {\n"                                    \
  "    long m = n - o < 256 ? n - o : 256;\n"                                 \
  "    tjk_sin_f32(t1, x + o, m);\n"                                            \
  "    tjk_mul_f32_vs(t1, t1, 2.0f, m);\n"                                      \
  "    tjk_neg_f32(t2, x + o, m);\n"                                            \
  "    tjk_mul_f32_vv(t2, t2, x + o, m);\n"                                     \
  "    tjk_exp_f32(t2, t2, m);\n"                                               \
  "    tjk_add_f32_vv(y + o, t1, t2, m);\n"                                     \
  "  }\n"
static const char fused_src[] = "void fused(const float *x, float *y, long n) {\n" FUSED_BODY "}\n";

/* axpb.json: e = mul a x; g = add e b (a, b scalars, converted). */
static const char axpb_src[] =
    "void axpb(const float *x, float a, float b, float *y, long n) {\n"
    "  for (long o = 0; o < n; o += 256) {\n"
    "    long m = n - o < 256 ? n - o : 256;\n"
    "    tjk_mul_f32_sv(y + o, a, x + o, m);\n"
    "    tjk_add_f32_vs(y + o, y + o, b, m);\n"
    "  }\n"
    "}\n";

/* sum.json: reduce_sum; one kernel call per block, block sums added in
 * order by the glue. */
static const char sum_src[] =
    "float total(const float *x, long n) {\n"
    "  float s = 0;\n"
    "  for (long o = 0; o < n; o += 256) {\n"
    "    long m = n - o < 256 ? n - o : 256;\n"
    "    s += tjk_rsum_f32(x + o, m);\n"
    "  }\n"
    "  return s;\n"
    "}\n";

/* A stand-in for the generator's C for the tutorial's conditional_double
 * with threshold = 0.0 static (autograph: the if is a cond on x > 0.0). */
static const char tutorial_src[] =
    "void conditional_double(const float *x, float *out) {\n"
    "  float a = x[0];\n"
    "  _Bool b = a > 0.0f;\n"
    "  float c;\n"
    "  if (b) { c = a * 2.0f; } else { c = a; }\n"
    "  out[0] = c;\n"
    "}\n";

static void on_tcc_error(void *opaque, const char *msg) {
  (void)opaque;
  fprintf(stderr, "driver: libtcc: %s\n", msg);
}

/* Compiles src in memory, every kernel declared and registered, and
 * returns symbol name; *state owns the code (tcc_delete it). Exits on
 * failure: this is a benchmark. */
static void *tcc_build(const char *src, const char *name, TCCState **state) {
  static char text[65536];
  int count, len = 0;
  const tjk_kernel *all = tjk_all(&count);
  for (int i = 0; i < count; i++)
    len += snprintf(text + len, sizeof text - (size_t)len, "%s\n", tjk_prototype(&all[i]));
  snprintf(text + len, sizeof text - (size_t)len, "%s", src);
  TCCState *s = tcc_new();
  if (!s) { fprintf(stderr, "driver: tcc_new failed\n"); exit(1); }
  tcc_set_error_func(s, NULL, on_tcc_error);
  tcc_set_options(s, "-nostdlib");
  tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
  for (int i = 0; i < count; i++) tcc_add_symbol(s, all[i].name, (const void *)all[i].fn);
  void *fn = NULL;
  if (tcc_compile_string(s, text) != 0 || tcc_relocate(s, TCC_RELOCATE_AUTO) < 0 ||
      !(fn = tcc_get_symbol(s, name))) {
    fprintf(stderr, "driver: libtcc could not build '%s'\n", name);
    exit(1);
  }
  *state = s;
  return fn;
}

/* ---- contenders ---- */

static void fused_o2(bench_data *d) { base_fused_o2(d->x, d->y, d->n); }
static void fused_limit(bench_data *d) { base_fused_limit(d->x, d->y, d->n); }
static void fused_tcc(bench_data *d) { ((void (*)(const float *, float *, long))d->tcc_fn)(d->x, d->y, d->n); }
static void fused_gcc(bench_data *d) { /* the same glue, compiled by gcc */
  float t1[BLOCK], t2[BLOCK];
  const float *x = d->x;
  for (long o = 0; o < d->n; o += BLOCK) {
    long m = d->n - o < BLOCK ? d->n - o : BLOCK;
    tjk_sin_f32(t1, x + o, m);
    tjk_mul_f32_vs(t1, t1, 2.0f, m);
    tjk_neg_f32(t2, x + o, m);
    tjk_mul_f32_vv(t2, t2, x + o, m);
    tjk_exp_f32(t2, t2, m);
    tjk_add_f32_vv(d->y + o, t1, t2, m);
  }
}
static void axpb_o2(bench_data *d) { base_axpb_o2(d->x, d->a_scalar, d->b_scalar, d->y, d->n); }
static void axpb_limit(bench_data *d) { base_axpb_limit(d->x, d->a_scalar, d->b_scalar, d->y, d->n); }
static void axpb_tcc(bench_data *d) {
  ((void (*)(const float *, float, float, float *, long))d->tcc_fn)(d->x, d->a_scalar, d->b_scalar, d->y, d->n);
}
static void sum_o2(bench_data *d) { d->sum_result = base_sum_o2(d->x, d->n); }
static void sum_limit(bench_data *d) { d->sum_result = base_sum_limit(d->x, d->n); }
static void sum_tcc(bench_data *d) { d->sum_result = ((float (*)(const float *, long))d->tcc_fn)(d->x, d->n); }
static void matmul_o2(bench_data *d) { base_matmul_o2(d->x, d->b, d->y, N_MAT); }
static void matmul_limit(bench_data *d) { base_matmul_limit(d->x, d->b, d->y, N_MAT); }
static void matmul_blas(bench_data *d) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N_MAT, N_MAT, N_MAT, 1.0f, d->x, N_MAT, d->b, N_MAT,
              0.0f, d->y, N_MAT);
}

/* sorting (issue 14 item 3): sort.json against qsort */
static void sort_o2(bench_data *d) { base_sort_o2(d->x, d->y, d->n); }
static void sort_limit(bench_data *d) { base_sort_limit(d->x, d->y, d->n); }
static int top_idx[16];
static void top_k_o2(bench_data *d) { base_top_k_o2(d->x, d->y, top_idx, d->n, 10); }
static void top_k_limit(bench_data *d) { base_top_k_limit(d->x, d->y, top_idx, d->n, 10); }

/* gather (issue 14 item 1): gather.json against a row-copy loop */
static int gather_ids[G_IDS];
static void gather_o2(bench_data *d) { base_gather_o2(d->x, gather_ids, d->y, G_IDS, G_ROWS, G_DIM); }
static void gather_limit(bench_data *d) { base_gather_limit(d->x, gather_ids, d->y, G_IDS, G_ROWS, G_DIM); }

/* ---- timing ---- */

static unsigned short *half_in, *half_out; /* half_chain's f16 data (issue 14 item 7) */

static double checksum(const bench_data *d, const char *bench) {
  if (strcmp(bench, "sum") == 0) return d->sum_result;
  if (strcmp(bench, "half_chain") == 0) {
    double s = 0;
    for (long i = 0; i < d->n; i++) {
      _Float16 h;
      memcpy(&h, &half_out[i], sizeof h);
      s += (double)h;
    }
    return s;
  }
  long n = strcmp(bench, "matmul") == 0 ? (long)N_MAT * N_MAT : d->n;
  double s = 0;
  for (long i = 0; i < n; i++) s += d->y[i];
  return s;
}

/* Runs the contenders interleaved: one untimed round, then rounds until
 * every contender has run bench_reps() times and for bench_budget_ms()
 * (at most 1000 rounds); prints each one's median with its result's
 * checksum. */
static void race(const char *bench, bench_data *d, const contender *c, int nc) {
  enum { MAX_CONTENDERS = 8, MAX_ROUNDS = 1000 };
  static double times[MAX_CONTENDERS][MAX_ROUNDS];
  double check[MAX_CONTENDERS], spent[MAX_CONTENDERS] = {0}, least = 0;
  int reps = bench_reps(), r = 0;
  double budget = bench_budget_ms();
  for (int k = 0; k < nc; k++) c[k].run(d);
  for (; r < MAX_ROUNDS && (r < reps || least < budget); r++) {
    least = budget;
    for (int k = 0; k < nc; k++) {
      double t0 = bench_now_ms();
      c[k].run(d);
      times[k][r] = bench_now_ms() - t0;
      spent[k] += times[k][r];
      if (spent[k] < least) least = spent[k];
    }
  }
  for (int k = 0; k < nc; k++) { /* the contenders share the output: one more untimed run each */
    c[k].run(d);
    check[k] = checksum(d, bench);
  }
  for (int k = 0; k < nc; k++) printf("%s %s %.4f %.9g\n", bench, c[k].name, bench_median(times[k], r), check[k]);
  fflush(stdout);
}

static void bench_fused(void) {
  TCCState *s;
  bench_data d = {.x = bench_uniform_f32(N_FUSED, 0), .y = bench_alloc_f32(N_FUSED), .n = N_FUSED};
  d.tcc_fn = tcc_build(fused_src, "fused", &s);
  static const contender c[] = {{"o2", fused_o2}, {"limit", fused_limit}, {"tcc", fused_tcc}, {"gcc", fused_gcc}};
  race("fused", &d, c, 4);
  tcc_delete(s);
  free(d.x), free(d.y);
}

static void bench_axpb(void) {
  TCCState *s;
  bench_data d = {.x = bench_uniform_f32(N_AXPB, 0), .y = bench_alloc_f32(N_AXPB), .n = N_AXPB,
                  .a_scalar = 2.0f, .b_scalar = 1.0f};
  d.tcc_fn = tcc_build(axpb_src, "axpb", &s);
  static const contender c[] = {{"o2", axpb_o2}, {"limit", axpb_limit}, {"tcc", axpb_tcc}};
  race("axpb", &d, c, 3);
  tcc_delete(s);
  free(d.x), free(d.y);
}

static void bench_sum(void) {
  TCCState *s;
  bench_data d = {.x = bench_uniform_f32(N_SUM, 0), .n = N_SUM};
  d.tcc_fn = tcc_build(sum_src, "total", &s);
  static const contender c[] = {{"o2", sum_o2}, {"limit", sum_limit}, {"tcc", sum_tcc}};
  race("sum", &d, c, 3);
  tcc_delete(s);
  free(d.x);
}

static void bench_matmul(void) {
  long n = (long)N_MAT * N_MAT;
  bench_data d = {.x = bench_uniform_f32(n, 0), .b = bench_uniform_f32(n, 1), .y = bench_alloc_f32(n), .n = n};
  static const contender c[] = {{"o2", matmul_o2}, {"limit", matmul_limit}, {"blas", matmul_blas}};
  race("matmul", &d, c, 3);
  free(d.x), free(d.b), free(d.y);
}

/* ---- cumulative sums (begin) ---- */
static void cumsum_last_o2(bench_data *d) { base_cumsum_last_o2(d->x, d->y, CUM_ROWS, CUM_COLS); }
static void cumsum_last_limit(bench_data *d) { base_cumsum_last_limit(d->x, d->y, CUM_ROWS, CUM_COLS); }
static void cumsum_first_o2(bench_data *d) { base_cumsum_first_o2(d->x, d->y, CUM_ROWS, CUM_COLS); }
static void cumsum_first_limit(bench_data *d) { base_cumsum_first_limit(d->x, d->y, CUM_ROWS, CUM_COLS); }

static void bench_cumsum(const char *name, const contender *c) {
  long n = CUM_ROWS * CUM_COLS;
  bench_data d = {.x = bench_uniform_f32(n, 0), .y = bench_alloc_f32(n), .n = n};
  race(name, &d, c, 2);
  free(d.x), free(d.y);
}
static void bench_cumsum_last(void) {
  static const contender c[] = {{"o2", cumsum_last_o2}, {"limit", cumsum_last_limit}};
  bench_cumsum("cumsum_last", c);
}
static void bench_cumsum_first(void) {
  static const contender c[] = {{"o2", cumsum_first_o2}, {"limit", cumsum_first_limit}};
  bench_cumsum("cumsum_first", c);
}
/* ---- cumulative sums (end) ---- */
/* ---- sorting (issue 14 item 3) ---- */
static void bench_sort(void) {
  bench_data d = {.x = bench_uniform_f32(N_SORT, 0), .y = bench_alloc_f32(N_SORT), .n = N_SORT};
  static const contender c[] = {{"o2", sort_o2}, {"limit", sort_limit}};
  race("sort", &d, c, 2);
  free(d.x), free(d.y);
}

/* top_k.json: k = 10 of 1M (the checksum sums y over n: zero it first) */
static void bench_top_k(void) {
  bench_data d = {.x = bench_uniform_f32(N_SORT, 0), .y = bench_alloc_f32(N_SORT), .n = N_SORT};
  memset(d.y, 0, N_SORT * sizeof *d.y);
  static const contender c[] = {{"o2", top_k_o2}, {"limit", top_k_limit}};
  race("top_k", &d, c, 2);
  free(d.x), free(d.y);
}

/* gather.json: an embedding lookup (ids spread over the table) */
static void bench_gather(void) {
  bench_data d = {.x = bench_uniform_f32(G_ROWS * G_DIM, 0), .y = bench_alloc_f32(G_IDS * G_DIM), .n = G_IDS * G_DIM};
  for (long i = 0; i < G_IDS; i++) gather_ids[i] = (int)((i * 7919L) % G_ROWS);
  static const contender c[] = {{"o2", gather_o2}, {"limit", gather_limit}};
  race("gather", &d, c, 2);
  free(d.x), free(d.y);
}
/* ---- end of sorting ---- */
/* ---- pooling (issue 14 item 4) ---- */
static void maxpool_o2(bench_data *d) { base_maxpool_o2(d->x, d->y, POOL_N, POOL_HW, POOL_HW, POOL_C); }
static void maxpool_limit(bench_data *d) { base_maxpool_limit(d->x, d->y, POOL_N, POOL_HW, POOL_HW, POOL_C); }

/* maxpool.json: 2x2 stride 2 (the checksum sums the output's n values) */
static void bench_maxpool(void) {
  long in = POOL_N * POOL_HW * POOL_HW * POOL_C;
  bench_data d = {.x = bench_uniform_f32(in, 0), .y = bench_alloc_f32(in / 4), .n = in / 4};
  static const contender c[] = {{"o2", maxpool_o2}, {"limit", maxpool_limit}};
  race("maxpool", &d, c, 2);
  free(d.x), free(d.y);
}
/* ---- end of pooling ---- */

/* ---- convolution (issue 14 item 4) ---- */
static float *conv_patches; /* im2col: [32 * 32 positions, 3 * 3 * 32] per image */

static void conv2d_o2(bench_data *d) { base_conv2d_o2(d->x, d->b, d->y, CV_N, CV_HW, CV_HW, CV_CI, CV_CO); }
static void conv2d_limit(bench_data *d) { base_conv2d_limit(d->x, d->b, d->y, CV_N, CV_HW, CV_HW, CV_CI, CV_CO); }

/* The im2col + GEMM formulation by hand: per image, the 3x3 patches as
 * rows (zeros outside), times the HWIO kernel seen as [3*3*32, 64]. */
static void conv2d_im2col(bench_data *d) {
  const int K = 9 * CV_CI, P = CV_HW * CV_HW;
  for (int b = 0; b < CV_N; b++) {
    for (int oy = 0; oy < CV_HW; oy++)
      for (int ox = 0; ox < CV_HW; ox++)
        for (int ky = 0; ky < 3; ky++)
          for (int kx = 0; kx < 3; kx++) {
            float *row = conv_patches + (size_t)(oy * CV_HW + ox) * K + (ky * 3 + kx) * CV_CI;
            int iy = oy + ky - 1, ix = ox + kx - 1;
            if (iy < 0 || iy >= CV_HW || ix < 0 || ix >= CV_HW) memset(row, 0, sizeof *row * CV_CI);
            else memcpy(row, d->x + (((size_t)b * CV_HW + iy) * CV_HW + ix) * CV_CI, sizeof *row * CV_CI);
          }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, P, CV_CO, K, 1.0f, conv_patches, K, d->b, CV_CO, 0.0f,
                d->y + (size_t)b * P * CV_CO, CV_CO);
  }
}

static void bench_conv2d(void) {
  long n_in = (long)CV_N * CV_HW * CV_HW * CV_CI, n_out = (long)CV_N * CV_HW * CV_HW * CV_CO;
  bench_data d = {.x = bench_uniform_f32(n_in, 0), .b = bench_uniform_f32(9L * CV_CI * CV_CO, 1),
                  .y = bench_alloc_f32(n_out), .n = n_out};
  conv_patches = bench_alloc_f32((long)CV_HW * CV_HW * 9 * CV_CI);
  static const contender c[] = {{"o2", conv2d_o2}, {"limit", conv2d_limit}, {"im2col", conv2d_im2col}};
  race("conv2d", &d, c, 3);
  free(d.x), free(d.b), free(d.y), free(conv_patches);
}
/* ---- end of convolution ---- */

/* ---- scatter-add, 3x3 max pooling, cummax (issue 14) ---- */
#define SA_ROWS 4096L /* scatter_add.json: 4096 rows of 128 added into [4096, 128] */
#define SA_DIM 128L
static int sa_ids[SA_ROWS];
static void scatter_add_o2(bench_data *d) { base_scatter_add_o2(d->x, sa_ids, d->b, d->y, SA_ROWS, SA_ROWS, SA_DIM); }
static void scatter_add_limit(bench_data *d) {
  base_scatter_add_limit(d->x, sa_ids, d->b, d->y, SA_ROWS, SA_ROWS, SA_DIM);
}
static void maxpool3_o2(bench_data *d) { base_maxpool3_o2(d->x, d->y, POOL_N, POOL_HW, POOL_HW, POOL_C); }
static void maxpool3_limit(bench_data *d) { base_maxpool3_limit(d->x, d->y, POOL_N, POOL_HW, POOL_HW, POOL_C); }
static void cummax_last_o2(bench_data *d) { base_cummax_last_o2(d->x, d->y, CUM_ROWS, CUM_COLS); }
static void cummax_last_limit(bench_data *d) { base_cummax_last_limit(d->x, d->y, CUM_ROWS, CUM_COLS); }

/* scatter_add.json: ids are iota, the kernel takes (i * 7919) mod rows */
static void bench_scatter_add(void) {
  long n = SA_ROWS * SA_DIM;
  bench_data d = {.x = bench_uniform_f32(n, 0), .b = bench_uniform_f32(n, 1), .y = bench_alloc_f32(n), .n = n};
  for (long i = 0; i < SA_ROWS; i++) sa_ids[i] = (int)i;
  static const contender c[] = {{"o2", scatter_add_o2}, {"limit", scatter_add_limit}};
  race("scatter_add", &d, c, 2);
  free(d.x), free(d.b), free(d.y);
}

/* maxpool3.json: 3x3 stride 1 SAME, the output the input's size */
static void bench_maxpool3(void) {
  long n = POOL_N * POOL_HW * POOL_HW * POOL_C;
  bench_data d = {.x = bench_uniform_f32(n, 0), .y = bench_alloc_f32(n), .n = n};
  static const contender c[] = {{"o2", maxpool3_o2}, {"limit", maxpool3_limit}};
  race("maxpool3", &d, c, 2);
  free(d.x), free(d.y);
}

static void bench_cummax_last(void) {
  static const contender c[] = {{"o2", cummax_last_o2}, {"limit", cummax_last_limit}};
  bench_cumsum("cummax_last", c);
}
/* ---- end of scatter-add, 3x3 max pooling, cummax ---- */

/* ---- f16 (issue 14 item 7): half_chain.json, 10M f16 ---- */
#define N_HALF 10000000L
static void half_chain_o2(bench_data *d) { base_half_chain_o2(half_in, half_out, d->n); }
static void half_chain_limit(bench_data *d) { base_half_chain_limit(half_in, half_out, d->n); }
static void bench_half_chain(void) {
  bench_data d = {.x = bench_uniform_f32(N_HALF, 0), .n = N_HALF};
  half_in = malloc(N_HALF * sizeof *half_in), half_out = calloc(N_HALF, sizeof *half_out);
  if (!half_in || !half_out) { fprintf(stderr, "bench: out of memory\n"); exit(1); }
  for (long i = 0; i < N_HALF; i++) {
    _Float16 h = (_Float16)d.x[i];
    memcpy(&half_in[i], &h, sizeof h);
  }
  static const contender c[] = {{"o2", half_chain_o2}, {"limit", half_chain_limit}};
  race("half_chain", &d, c, 2);
  free(d.x), free(half_in), free(half_out);
}
/* ---- end of f16 ---- */

/* ---- reverse mode (issue 17): mlp_grad.json and grad_chain.json ---- */
#define MG_B 64 /* batch 64, 128 inputs, 128 tanh units, 10 outputs */
#define MG_I 128
#define MG_H 128
#define MG_O 10

/* The inputs, made once: x uniform in [-1, 1), y in [0, 1), weights
 * uniform in +-sqrt(6 / (fan_in + fan_out)) (Glorot), biases in +-0.1. */
static struct mlp_data {
  float *x, *y, *w1, *b1, *w2, *b2, *h, *d, *da;
} mg;

static float *mg_uniform(long n, uint64_t seed, float lo, float hi) {
  float *a = bench_uniform_f32(n, seed);
  for (long i = 0; i < n; i++) a[i] = lo + (hi - lo) * a[i];
  return a;
}

static void mg_make(void) {
  float l1 = sqrtf(6.0f / (MG_I + MG_H)), l2 = sqrtf(6.0f / (MG_H + MG_O));
  mg.x = mg_uniform((long)MG_B * MG_I, 0, -1, 1), mg.y = mg_uniform((long)MG_B * MG_O, 1, 0, 1);
  mg.w1 = mg_uniform((long)MG_I * MG_H, 2, -l1, l1), mg.b1 = mg_uniform(MG_H, 3, -0.1f, 0.1f);
  mg.w2 = mg_uniform((long)MG_H * MG_O, 4, -l2, l2), mg.b2 = mg_uniform(MG_O, 5, -0.1f, 0.1f);
  mg.h = bench_alloc_f32((long)MG_B * MG_H), mg.d = bench_alloc_f32((long)MG_B * MG_O);
  mg.da = bench_alloc_f32((long)MG_B * MG_H);
}

static void mg_free(void) {
  free(mg.x), free(mg.y), free(mg.w1), free(mg.b1), free(mg.w2), free(mg.b2), free(mg.h), free(mg.d), free(mg.da);
}

/* The gradient into y: [dw1 (128 x 128) | db1 (128) | dw2 (128 x 10) | db2 (10)]. */
#define MG_GW1 0
#define MG_GB1 (MG_GW1 + MG_I * MG_H)
#define MG_GW2 (MG_GB1 + MG_H)
#define MG_GB2 (MG_GW2 + MG_H * MG_O)
#define MG_N (MG_GB2 + MG_O)
static void mlp_grad_o2(bench_data *d) {
  base_mlp_grad_o2(mg.x, mg.y, mg.w1, mg.b1, mg.w2, mg.b2, mg.h, mg.d, mg.da, d->y + MG_GW1, d->y + MG_GB1,
                   d->y + MG_GW2, d->y + MG_GB2, MG_B, MG_I, MG_H, MG_O);
}
static void mlp_grad_limit(bench_data *d) {
  base_mlp_grad_limit(mg.x, mg.y, mg.w1, mg.b1, mg.w2, mg.b2, mg.h, mg.d, mg.da, d->y + MG_GW1, d->y + MG_GB1,
                      d->y + MG_GW2, d->y + MG_GB2, MG_B, MG_I, MG_H, MG_O);
}

/* The same backpropagation with its four products by OpenBLAS's sgemm (as
 * conv2d's im2col row: what a C programmer with a BLAS writes). */
static void mlp_grad_blas(bench_data *d) {
  float *gw1 = d->y + MG_GW1, *gb1 = d->y + MG_GB1, *gw2 = d->y + MG_GW2, *gb2 = d->y + MG_GB2;
  const float scale = 2.0f / (MG_B * MG_O);
  for (int b = 0; b < MG_B; b++) memcpy(mg.h + b * MG_H, mg.b1, sizeof *mg.h * MG_H);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, MG_B, MG_H, MG_I, 1, mg.x, MG_I, mg.w1, MG_H, 1, mg.h, MG_H);
  for (int i = 0; i < MG_B * MG_H; i++) mg.h[i] = tanhf(mg.h[i]);
  for (int b = 0; b < MG_B; b++) memcpy(mg.d + b * MG_O, mg.b2, sizeof *mg.d * MG_O);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, MG_B, MG_O, MG_H, 1, mg.h, MG_H, mg.w2, MG_O, 1, mg.d, MG_O);
  for (int i = 0; i < MG_B * MG_O; i++) mg.d[i] = (mg.d[i] - mg.y[i]) * scale;
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, MG_H, MG_O, MG_B, 1, mg.h, MG_H, mg.d, MG_O, 0, gw2, MG_O);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, MG_B, MG_H, MG_O, 1, mg.d, MG_O, mg.w2, MG_O, 0, mg.da, MG_H);
  for (int i = 0; i < MG_B * MG_H; i++) mg.da[i] *= 1 - mg.h[i] * mg.h[i];
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, MG_I, MG_H, MG_B, 1, mg.x, MG_I, mg.da, MG_H, 0, gw1, MG_H);
  memset(gb1, 0, sizeof *gb1 * MG_H), memset(gb2, 0, sizeof *gb2 * MG_O);
  for (int b = 0; b < MG_B; b++) {
    for (int k = 0; k < MG_H; k++) gb1[k] += mg.da[b * MG_H + k];
    for (int j = 0; j < MG_O; j++) gb2[j] += mg.d[b * MG_O + j];
  }
}

static void bench_mlp_grad(void) {
  mg_make();
  bench_data d = {.y = bench_alloc_f32(MG_N), .n = MG_N};
  static const contender c[] = {{"o2", mlp_grad_o2}, {"limit", mlp_grad_limit}, {"blas", mlp_grad_blas}};
  race("mlp_grad", &d, c, 3);
  free(d.y);
  mg_free();
}

/* A little-endian f32 .npy file (format 1.0) of the given shape; exits on
 * failure. */
static void npy_write_f32(const char *dir, const char *name, const float *a, int ndim, const long *shape) {
  char path[4096], dims[64] = "", header[128];
  long n = 1;
  for (int i = 0; i < ndim; i++) {
    size_t len = strlen(dims);
    snprintf(dims + len, sizeof dims - len, "%ld,%s", shape[i], i + 1 < ndim ? " " : "");
    n *= shape[i];
  }
  int len = snprintf(header, sizeof header, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", dims);
  int total = (10 + len + 1 + 63) / 64 * 64; /* the header ends in '\n' at a multiple of 64 */
  memset(header + len, ' ', (size_t)(total - 10 - len - 1));
  header[total - 11] = '\n';
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)((total - 10) & 0xff),
                           (unsigned char)((total - 10) >> 8)};
  if (!f || fwrite(pre, 1, 10, f) != 10 || fwrite(header, 1, (size_t)(total - 10), f) != (size_t)(total - 10) ||
      fwrite(a, sizeof *a, (size_t)n, f) != (size_t)n || fclose(f) != 0) {
    fprintf(stderr, "driver: cannot write %s\n", path);
    exit(1);
  }
}

/* Reads n f32 values of a .npy file tjit wrote (format 1.0 or 2.0, '<f4');
 * 0 when the file is missing or not that. */
static int npy_read_f32(const char *path, float *a, long n) {
  unsigned char pre[12];
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  int ok = fread(pre, 1, 12, f) == 12 && memcmp(pre, "\x93NUMPY", 6) == 0 && (pre[6] == 1 || pre[6] == 2);
  long hlen = 0, at = 0;
  if (ok) hlen = pre[6] == 1 ? pre[8] | pre[9] << 8 : pre[8] | pre[9] << 8 | (long)pre[10] << 16 | (long)pre[11] << 24;
  at = (pre[6] == 1 ? 10 : 12) + hlen;
  char header[256] = "";
  ok = ok && hlen < (long)sizeof header && fseek(f, at - hlen, SEEK_SET) == 0 &&
       fread(header, 1, (size_t)hlen, f) == (size_t)hlen && strstr(header, "'<f4'") &&
       fread(a, sizeof *a, (size_t)n, f) == (size_t)n && fgetc(f) == EOF;
  fclose(f);
  return ok;
}

static void mlp_grad_data(const char *dir) {
  mg_make();
  long x[] = {MG_B, MG_I}, y[] = {MG_B, MG_O}, w1[] = {MG_I, MG_H}, b1[] = {MG_H}, w2[] = {MG_H, MG_O}, b2[] = {MG_O};
  npy_write_f32(dir, "x.npy", mg.x, 2, x), npy_write_f32(dir, "y.npy", mg.y, 2, y);
  npy_write_f32(dir, "w1.npy", mg.w1, 2, w1), npy_write_f32(dir, "b1.npy", mg.b1, 1, b1);
  npy_write_f32(dir, "w2.npy", mg.w2, 2, w2), npy_write_f32(dir, "b2.npy", mg.b2, 1, b2);
  mg_free();
}

/* tjit's gradient against the hand-written one (-O2): outputs in the
 * flattened order of the params dict, b1, b2, w1, w2. Each must be within
 * 1e-4 * max(1e-3, max |hand-written|) (f32 sums in another order);
 * prints "mlp_grad check ok|MISMATCH WORST" where WORST is the largest error
 * relative to that scale. Returns 1 on a mismatch or a missing output. */
static int mlp_grad_check(const char *dir) {
  static const struct { int at, n; } outs[] = {{MG_GB1, MG_H}, {MG_GB2, MG_O}, {MG_GW1, MG_I * MG_H}, {MG_GW2, MG_H * MG_O}};
  float *want = bench_alloc_f32(MG_N), *got = bench_alloc_f32(MG_N);
  bench_data d = {.y = want, .n = MG_N};
  double worst = 0;
  int ok = 1;
  mg_make();
  mlp_grad_o2(&d);
  for (int k = 0; k < 4; k++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/out/call0_out%d.npy", dir, k);
    if (!npy_read_f32(path, got + outs[k].at, outs[k].n)) {
      fprintf(stderr, "driver: %s: not a float32 .npy of %d values\n", path, outs[k].n);
      ok = 0;
      break;
    }
    double scale = 1e-3;
    for (int i = 0; i < outs[k].n; i++) scale = fmax(scale, fabs(want[outs[k].at + i]));
    for (int i = 0; i < outs[k].n; i++) {
      double e = fabs(got[outs[k].at + i] - want[outs[k].at + i]) / scale;
      if (!(e <= 1e-4)) ok = 0; /* NaN too */
      if (e > worst) worst = e;
    }
  }
  printf("mlp_grad check %s %.3g\n", ok ? "ok" : "MISMATCH", worst);
  free(want), free(got);
  mg_free();
  return !ok;
}

/* jax.grad's transformation time: tj_trace of the function alone and of its
 * gradient (tracing f again, linearizing, transposing), interleaved as
 * race() runs contenders; prints "grad_trace f|grad MEDIAN_MS EQUATIONS". */
static int grad_trace(const char *f_path, const char *g_path) {
  enum { MAX_ROUNDS = 1000 };
  static double times[2][MAX_ROUNDS];
  const char *paths[2] = {f_path, g_path}, *names[2] = {"f", "grad"};
  tj_ctx *ctx = tj_ctx_new();
  tj_spec *spec[2] = {NULL, NULL};
  size_t neqns[2] = {0, 0};
  double spent[2] = {0, 0}, budget = bench_budget_ms();
  int reps = bench_reps(), r = 0, failed = !ctx;
  for (int k = 0; k < 2 && !failed; k++) failed = tj_spec_read(ctx, paths[k], &spec[k]) != TJ_OK;
  tj_trace_opts o = tj_trace_defaults();
  for (; !failed && r < MAX_ROUNDS + 1 && (r <= reps || fmin(spent[0], spent[1]) < budget); r++) {
    for (int k = 0; k < 2 && !failed; k++) { /* round 0 untimed */
      tj_jaxpr *j = NULL;
      double t0 = bench_now_ms();
      failed = tj_trace(ctx, spec[k], &o, &j) != TJ_OK;
      double t = bench_now_ms() - t0;
      if (r > 0) times[k][r - 1] = t, spent[k] += t;
      if (j) neqns[k] = tj_jaxpr_neqns(j);
      tj_jaxpr_free(j);
    }
  }
  if (failed) {
    if (ctx) tj_print_diagnostics(ctx, stderr);
  } else {
    for (int k = 0; k < 2; k++) printf("grad_trace %s %.4f %zu\n", names[k], bench_median(times[k], r - 1), neqns[k]);
  }
  if (ctx) tj_ctx_free(ctx);
  return failed;
}
/* ---- end of reverse mode ---- */

/* From tcc_new to a callable function (all kernels declared and
 * registered), the state deleted after each; the median of reps * 20. */
static void bench_compile(void) {
  int reps = bench_reps() * 20;
  if (reps > 1000) reps = 1000;
  static double times[1000];
  float in = 5.0f, out = 0;
  for (int r = -1; r < reps; r++) {
    TCCState *s;
    double t0 = bench_now_ms();
    void (*fn)(const float *, float *) = (void (*)(const float *, float *))tcc_build(tutorial_src, "conditional_double", &s);
    if (r >= 0) times[r] = bench_now_ms() - t0;
    fn(&in, &out);
    tcc_delete(s);
  }
  printf("compile tcc %.4f %.9g\n", bench_median(times, reps), out);
}

int main(int argc, char **argv) {
  static const struct { const char *name; void (*run)(void); } benches[] = {
      {"fused", bench_fused}, {"axpb", bench_axpb}, {"sum", bench_sum},
      {"matmul", bench_matmul}, {"compile", bench_compile},
      {"cumsum_last", bench_cumsum_last}, {"cumsum_first", bench_cumsum_first},
      {"sort", bench_sort}, {"top_k", bench_top_k} /* sorting (issue 14 item 3) */,
      {"maxpool", bench_maxpool} /* pooling (issue 14 item 4) */,
      {"conv2d", bench_conv2d} /* convolution (issue 14 item 4) */,
      {"gather", bench_gather} /* gather (issue 14 item 1) */,
      {"scatter_add", bench_scatter_add}, {"maxpool3", bench_maxpool3}, {"cummax_last", bench_cummax_last},
      {"half_chain", bench_half_chain} /* f16 (issue 14 item 7) */,
      {"mlp_grad", bench_mlp_grad} /* reverse mode (issue 17) */};
  if (argc == 3 && strcmp(argv[1], "mlp_grad_data") == 0) return mlp_grad_data(argv[2]), 0;
  if (argc == 3 && strcmp(argv[1], "mlp_grad_check") == 0) return mlp_grad_check(argv[2]);
  if (argc == 4 && strcmp(argv[1], "grad_trace") == 0) return grad_trace(argv[2], argv[3]);
  int nb = (int)(sizeof benches / sizeof benches[0]);
  for (int i = 1; i < argc; i++) {
    int known = 0;
    for (int b = 0; b < nb; b++) known |= strcmp(argv[i], benches[b].name) == 0;
    if (!known) { fprintf(stderr, "driver: unknown benchmark '%s'\n", argv[i]); return 2; }
  }
  for (int b = 0; b < nb; b++) {
    int wanted = argc < 2;
    for (int i = 1; i < argc; i++) wanted |= strcmp(argv[i], benches[b].name) == 0;
    if (wanted) benches[b].run();
  }
  return 0;
}
