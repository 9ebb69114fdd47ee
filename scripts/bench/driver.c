/* The in-process half of `make bench` (scripts/bench-run.sh): times the
 * hand-written baselines (baseline.c built with -O2 and with -O3
 * -march=native -ffast-math), OpenBLAS's sgemm, and the hybrid design as
 * it runs now: glue code walking 1024-element blocks and calling libtjit's
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
 *                scatter_add|maxpool3|cummax_last|half_chain]...
 *        (default: all)
 *        BENCH_REPS=N sets the least repetitions (default 5), BENCH_BUDGET_MS=M
 *        the least time of each contender's timed runs (default 50 ms) */
#include <cblas.h>
#include <libtcc.h>
#include <string.h>

#include "baseline.h"
#include "bench.h"
#include "kernels.h"

#define BLOCK 1024
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
  "  float t1[1024], t2[1024];\n"                                               \
  "  for (long o = 0; o < n; o += 1024) {\n"                                    \
  "    long m = n - o < 1024 ? n - o : 1024;\n"                                 \
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
    "  for (long o = 0; o < n; o += 1024) {\n"
    "    long m = n - o < 1024 ? n - o : 1024;\n"
    "    tjk_mul_f32_sv(y + o, a, x + o, m);\n"
    "    tjk_add_f32_vs(y + o, y + o, b, m);\n"
    "  }\n"
    "}\n";

/* sum.json: reduce_sum; one kernel call per block, block sums added in
 * order by the glue. */
static const char sum_src[] =
    "float total(const float *x, long n) {\n"
    "  float s = 0;\n"
    "  for (long o = 0; o < n; o += 1024) {\n"
    "    long m = n - o < 1024 ? n - o : 1024;\n"
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
      {"half_chain", bench_half_chain} /* f16 (issue 14 item 7) */};
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
