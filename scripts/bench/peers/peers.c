/* make bench-peers' C contender (scripts/bench-peers.sh): each workload of
 * scripts/bench/peers/NAME.json as the plain loops a competent C programmer
 * writes: single-threaded, float32, no intrinsics, and OpenBLAS's
 * cblas_sgemm for the matrix products (what such a programmer calls, as tjit
 * and numpy do). Built with gcc -O2, and with -O3 -march=native -ffast-math
 * for the fused row (the practical limit, as make bench's baselines). The
 * inputs are the specs' own, bit for bit (bench.h: the spec's xoshiro256**
 * uniform f32, the same seeds and scalars), so --verify's output can be
 * compared with tjit's on the same data.
 *
 * usage: peers NAME REPS        one untimed run, then REPS timed runs;
 *                               prints their median in ms
 *        peers NAME             the same, repeating until BENCH_REPS runs and
 *                               BENCH_BUDGET_MS ms of them (bench.h's protocol)
 *        peers --dims NAME      prints the spec's dimensions (e.g. "256 512 64")
 *        peers --verify NAME D...  one run at dimensions D (the spec's, shrunk)
 *                               printing every output element, one a line
 * exit:  0, 1 on allocation failure, 2 usage */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "bench.h"

typedef struct peer {
  long d[3];        /* the dimensions, as the spec names them */
  float *in[3];     /* the spec's array arguments, in order */
  float *out, *tmp; /* the result; scratch (newton's a) */
  long out_n;
} peer;

typedef struct workload {
  const char *name;
  int ndims;
  long dims[3]; /* the spec's */
  void (*setup)(peer *p);
  void (*run)(peer *p);
} workload;

/* ---- set-ups: the spec's arguments (seed k for the k-th array) ---- */

static void setup_vector(peer *p) { /* x[n] -> y[n] */
  p->in[0] = bench_uniform_f32(p->d[0], 0);
  p->out = bench_alloc_f32(p->out_n = p->d[0]);
}
static void setup_newton(peer *p) {
  setup_vector(p);
  p->tmp = bench_alloc_f32(p->d[0]);
}
static void setup_total(peer *p) { /* x[n] -> a scalar */
  p->in[0] = bench_uniform_f32(p->d[0], 0);
  p->out = bench_alloc_f32(p->out_n = 1);
}
static void setup_sum_middle(peer *p) { /* x[a][b][c] -> y[a][c] */
  p->in[0] = bench_uniform_f32(p->d[0] * p->d[1] * p->d[2], 0);
  p->out = bench_alloc_f32(p->out_n = p->d[0] * p->d[2]);
}
static void setup_rows(peer *p) { /* x[r][c] (gamma[c], beta[c]) -> y[r][c] */
  p->in[0] = bench_uniform_f32(p->d[0] * p->d[1], 0);
  p->in[1] = bench_uniform_f32(p->d[1], 1);
  p->in[2] = bench_uniform_f32(p->d[1], 2);
  p->out = bench_alloc_f32(p->out_n = p->d[0] * p->d[1]);
}
static void setup_matmul(peer *p) { /* a[n][n] @ b[n][n] */
  long n = p->d[0];
  p->in[0] = bench_uniform_f32(n * n, 0);
  p->in[1] = bench_uniform_f32(n * n, 1);
  p->out = bench_alloc_f32(p->out_n = n * n);
}
static void setup_mlp(peer *p) { /* x[n][k], w[k][m], b[m] -> y[n][m] */
  p->in[0] = bench_uniform_f32(p->d[0] * p->d[1], 0);
  p->in[1] = bench_uniform_f32(p->d[1] * p->d[2], 1);
  p->in[2] = bench_uniform_f32(p->d[2], 2);
  p->out = bench_alloc_f32(p->out_n = p->d[0] * p->d[2]);
}

/* ---- the workloads ---- */

static void run_scan_cumsum(peer *p) {
  const float *x = p->in[0];
  float total = 0, *y = p->out;
  for (long i = 0; i < p->d[0]; i++) y[i] = total += x[i];
}

/* g[t] = r[t] + gamma * g[t+1], from the end (scan(..., reverse=true)). */
static void run_scan_discount(peer *p) {
  const float *r = p->in[0], gamma = 0.99f;
  float g = 0, *y = p->out;
  for (long t = p->d[0] - 1; t >= 0; t--) y[t] = g = r[t] + gamma * g;
}

/* y[i][k] = sum over j of x[i][j][k], the rows of x[i] added in order. */
static void run_sum_middle(peer *p) {
  long a = p->d[0], b = p->d[1], c = p->d[2];
  for (long i = 0; i < a; i++) {
    float *y = p->out + i * c;
    for (long k = 0; k < c; k++) y[k] = 0;
    for (long j = 0; j < b; j++) {
      const float *x = p->in[0] + (i * b + j) * c;
      for (long k = 0; k < c; k++) y[k] += x[k];
    }
  }
}

/* A double accumulator: a float one stops growing near 2^25 (each term
 * is about 2, under half its last place), 3x short of the true sum of
 * 1e8; a competent programmer knows, and at -O2 both cost one add a term. */
static void run_sum_axpb(peer *p) {
  const float *x = p->in[0], a = 2.0f, b = 1.0f;
  double total = 0;
  for (long i = 0; i < p->d[0]; i++) total += a * x[i] + b;
  p->out[0] = (float)total;
}

static void run_axpb(peer *p) {
  const float *x = p->in[0], a = 2.0f, b = 1.0f;
  for (long i = 0; i < p->d[0]; i++) p->out[i] = a * x[i] + b;
}

static void run_layer_norm(peer *p) {
  long r = p->d[0], c = p->d[1];
  const float *gamma = p->in[1], *beta = p->in[2];
  for (long i = 0; i < r; i++) {
    const float *x = p->in[0] + i * c;
    float *y = p->out + i * c, sum = 0, sq = 0;
    for (long j = 0; j < c; j++) sum += x[j];
    float mu = sum / (float)c;
    for (long j = 0; j < c; j++) sq += (x[j] - mu) * (x[j] - mu);
    float scale = 1.0f / sqrtf(sq / (float)c + 1e-5f);
    for (long j = 0; j < c; j++) y[j] = (x[j] - mu) * scale * gamma[j] + beta[j];
  }
}

/* The spec's while_loop: a = 1 + u; x = a; while max|x*x - a| > 1e-6,
 * x = (x + a/x) / 2. The error of the next x is measured in the pass that
 * steps it. */
static void run_newton(peer *p) {
  long n = p->d[0];
  const float *u = p->in[0];
  float *a = p->tmp, *x = p->out, worst = 0;
  for (long i = 0; i < n; i++) {
    x[i] = a[i] = 1.0f + u[i];
    float e = fabsf(x[i] * x[i] - a[i]);
    if (e > worst) worst = e;
  }
  while (worst > 1e-6f) {
    worst = 0;
    for (long i = 0; i < n; i++) {
      x[i] = 0.5f * (x[i] + a[i] / x[i]);
      float e = fabsf(x[i] * x[i] - a[i]);
      if (e > worst) worst = e;
    }
  }
}

static void run_fused(peer *p) {
  const float *x = p->in[0];
  for (long i = 0; i < p->d[0]; i++) p->out[i] = sinf(x[i]) * 2 + expf(-x[i] * x[i]);
}

static void run_softmax(peer *p) {
  long r = p->d[0], c = p->d[1];
  for (long i = 0; i < r; i++) {
    const float *x = p->in[0] + i * c;
    float *y = p->out + i * c, top = x[0], sum = 0;
    for (long j = 1; j < c; j++)
      if (x[j] > top) top = x[j];
    for (long j = 0; j < c; j++) sum += y[j] = expf(x[j] - top);
    for (long j = 0; j < c; j++) y[j] /= sum;
  }
}

static void run_matmul(peer *p) {
  int n = (int)p->d[0];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, p->in[0], n, p->in[1], n, 0.0f, p->out,
              n);
}

static void run_mlp_layer(peer *p) {
  int n = (int)p->d[0], k = (int)p->d[1], m = (int)p->d[2];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, k, 1.0f, p->in[0], k, p->in[1], m, 0.0f, p->out,
              m);
  for (long i = 0; i < n; i++)
    for (long j = 0; j < m; j++) {
      float v = p->out[i * m + j] + p->in[2][j];
      p->out[i * m + j] = v > 0 ? v : 0;
    }
}

static const workload workloads[] = {
    {"scan_cumsum", 1, {1000000}, setup_vector, run_scan_cumsum},
    {"scan_discount", 1, {1000000}, setup_vector, run_scan_discount},
    {"sum_middle", 3, {256, 512, 64}, setup_sum_middle, run_sum_middle},
    {"sum_axpb", 1, {50000000}, setup_total, run_sum_axpb},
    {"axpb", 1, {50000000}, setup_vector, run_axpb},
    {"layer_norm", 2, {4096, 1024}, setup_rows, run_layer_norm},
    {"newton", 1, {1000000}, setup_newton, run_newton},
    {"fused", 1, {10000000}, setup_vector, run_fused},
    {"softmax", 2, {4096, 1024}, setup_rows, run_softmax},
    {"matmul512", 1, {512}, setup_matmul, run_matmul},
    {"matmul1024", 1, {1024}, setup_matmul, run_matmul},
    {"mlp_layer", 3, {256, 512, 512}, setup_mlp, run_mlp_layer},
};

static const workload *find(const char *name) {
  for (size_t i = 0; i < sizeof workloads / sizeof *workloads; i++)
    if (strcmp(workloads[i].name, name) == 0) return &workloads[i];
  fprintf(stderr, "peers: unknown workload '%s'\n", name);
  exit(2);
}

static void release(peer *p) {
  for (int i = 0; i < 3; i++) free(p->in[i]);
  free(p->out);
  free(p->tmp);
}

/* Times w: one untimed run, then reps runs (reps 0: bench.h's protocol,
 * at least bench_reps() runs and bench_budget_ms() ms); the median. */
static double time_runs(const workload *w, peer *p, int reps) {
  enum { MAX_RUNS = 1000 };
  static double times[MAX_RUNS];
  double spent = 0, budget = bench_budget_ms();
  int least = reps ? reps : bench_reps(), r = 0;
  w->run(p);
  for (; r < MAX_RUNS && (r < least || (!reps && spent < budget)); r++) {
    double t0 = bench_now_ms();
    w->run(p);
    spent += times[r] = bench_now_ms() - t0;
  }
  return bench_median(times, r);
}

static long positive(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 1 || v > 1000000000L) {
    fprintf(stderr, "peers: '%s' is not a positive count\n", s);
    exit(2);
  }
  return v;
}

int main(int argc, char **argv) {
  peer p = {0};
  if (argc == 3 && strcmp(argv[1], "--dims") == 0) {
    const workload *w = find(argv[2]);
    for (int i = 0; i < w->ndims; i++) printf("%ld%s", w->dims[i], i + 1 < w->ndims ? " " : "\n");
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "--verify") == 0) {
    const workload *w = find(argv[2]);
    if (argc != 3 + w->ndims) {
      fprintf(stderr, "peers: %s has %d dimensions\n", w->name, w->ndims);
      return 2;
    }
    for (int i = 0; i < w->ndims; i++) p.d[i] = positive(argv[3 + i]);
    w->setup(&p);
    w->run(&p);
    for (long i = 0; i < p.out_n; i++) printf("%.9g\n", p.out[i]);
    release(&p);
    return 0;
  }
  if (argc != 2 && argc != 3) {
    fprintf(stderr, "usage: peers NAME [REPS] | --dims NAME | --verify NAME D...\n");
    return 2;
  }
  const workload *w = find(argv[1]);
  int reps = argc == 3 ? (int)positive(argv[2]) : 0;
  memcpy(p.d, w->dims, sizeof p.d);
  w->setup(&p);
  printf("%.4f\n", time_runs(w, &p, reps > 1000 ? 1000 : reps));
  release(&p);
  return 0;
}
