/* par_rt.c, the worker threads that split a long loop (issue 17 item 5):
 * every element of [0, n) runs exactly once for any thread count and
 * grain, parts start at multiples of the grain, the caller runs part 0,
 * and thousands of loops in a row hand over without losing a part (under
 * ASan and UBSan too, in make check-asan). */
#include "harness.h"
#include "par_rt.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

enum { MAX_N = 100000, MAX_PARTS = 16 };

typedef struct {
  unsigned char *hits;  /* per element: how often it ran */
  long lo[MAX_PARTS];   /* each call's range, in call order per thread */
  int ncalls;
  pthread_mutex_t lock;
  pthread_t caller;
  bool caller_ran_first_part;
} probe;

static void count_body(void *const *ctx, long lo, long hi) {
  probe *pr = ctx[0];
  for (long i = lo; i < hi; i++) pr->hits[i]++;
  pthread_mutex_lock(&pr->lock);
  if (pr->ncalls < MAX_PARTS) pr->lo[pr->ncalls] = lo;
  pr->ncalls++;
  if (lo == 0 && pthread_equal(pthread_self(), pr->caller)) pr->caller_ran_first_part = true;
  pthread_mutex_unlock(&pr->lock);
}

/* One loop of n elements in grains on p: each element once, parts at
 * multiples of grain, at most threads parts, the first the caller's. */
static bool covers_once(tj_par *p, long n, long grain) {
  probe pr = {.hits = calloc((size_t)n + 1, 1), .caller = pthread_self()};
  if (!pr.hits) return false;
  pthread_mutex_init(&pr.lock, NULL);
  void *ctx[1] = {&pr};
  par_run(p, count_body, ctx, n, grain);
  bool ok = pr.ncalls <= par_threads(p) && (n == 0 || pr.caller_ran_first_part);
  for (long i = 0; i < n; i++) ok = ok && pr.hits[i] == 1;
  for (int c = 0; c < pr.ncalls && c < MAX_PARTS; c++) ok = ok && pr.lo[c] % (grain < 1 ? 1 : grain) == 0;
  pthread_mutex_destroy(&pr.lock);
  free(pr.hits);
  return ok;
}

static void test_cover(void) {
  const long sizes[] = {0, 1, 7, 1023, 1024, 1025, 4096, 99999, MAX_N};
  const long grains[] = {1, 3, 1024, 50000, 200000};
  for (int t = 0; t <= 4; t++) {
    tj_par *p = par_new(t);
    CHECK(par_threads(p) == (t < 1 ? 1 : t));
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
      for (size_t g = 0; g < sizeof grains / sizeof *grains; g++) CHECK(covers_once(p, sizes[s], grains[g]));
    par_free(p);
  }
  CHECK(covers_once(NULL, 5000, 64)); /* no pool: the caller runs it all */
}

static void sum_body(void *const *ctx, long lo, long hi) {
  const int *x = ctx[0];
  long *out = ctx[1];
  for (long i = lo; i < hi; i++) out[i] = (long)x[i] * 3 + 1;
}

/* Many short loops back to back: the handshake loses no part and mixes no
 * loop's fields with the next one's. */
static void test_many_loops(void) {
  tj_par *p = par_new(3);
  enum { N = 3000 };
  int *x = malloc(N * sizeof *x);
  long *out = malloc(N * sizeof *out);
  bool ok = x && out;
  for (int i = 0; ok && i < N; i++) x[i] = i;
  for (int round = 0; ok && round < 2000; round++) {
    long n = 1 + round % N;
    for (long i = 0; i < n; i++) out[i] = -1;
    void *ctx[2] = {x, out};
    par_run(p, sum_body, ctx, n, 1 + round % 97);
    for (long i = 0; i < n; i++) ok = ok && out[i] == i * 3 + 1;
  }
  CHECK(ok);
  free(x), free(out);
  par_free(p);
  par_free(NULL);
}

static void test_online_cpus(void) {
  int n = par_online_cpus();
  CHECK(n >= 1 && n <= 256);
}

int main(void) {
  test_cover();
  test_many_loops();
  test_online_cpus();
  return HARNESS_REPORT();
}
