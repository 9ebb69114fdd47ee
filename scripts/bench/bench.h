/* Helpers of the benchmark driver (driver.c): the spec's
 * random data, bit for bit (tjit-spec(5): xoshiro256** 1.0 seeded by
 * splitmix64; uniform f32 = top 24 bits * 2^-24, in [0, 1)), a clock, and
 * medians. */
#ifndef TJIT_BENCH_H
#define TJIT_BENCH_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct { uint64_t s[4]; } bench_rng;

static uint64_t bench_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static uint64_t bench_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t bench_next(bench_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = bench_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3];
  s[2] ^= t;
  s[3] = bench_rotl(s[3], 45);
  return out;
}

/* n floats as {"random": {"seed": seed, "dist": "uniform"}} gives them; the
 * caller frees. Exits on allocation failure (a benchmark, not the library). */
static float *bench_uniform_f32(long n, uint64_t seed) {
  float *x = malloc((size_t)(n ? n : 1) * sizeof *x);
  if (!x) { fprintf(stderr, "bench: out of memory for %ld floats\n", n); exit(1); }
  bench_rng r;
  for (int i = 0; i < 4; i++) r.s[i] = bench_splitmix64(&seed);
  for (long i = 0; i < n; i++) x[i] = (float)((double)(bench_next(&r) >> 40) * 0x1p-24);
  return x;
}

static float *bench_alloc_f32(long n) {
  float *x = calloc((size_t)(n ? n : 1), sizeof *x);
  if (!x) { fprintf(stderr, "bench: out of memory for %ld floats\n", n); exit(1); }
  for (long i = 0; i < n; i++) x[i] = 0; /* touch every page before timing */
  return x;
}

static double bench_now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int bench_cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The median of t[0..n) (the lower middle one for an even n); sorts t. */
static double bench_median(double *t, int n) {
  qsort(t, (size_t)n, sizeof *t, bench_cmp);
  return t[(n - 1) / 2];
}

/* The time budget of one contender's timed runs: BENCH_BUDGET_MS from the
 * environment (ms, 1..100000), default 50. A benchmark repeats until each
 * contender has run at least this long and at least bench_reps() times (at
 * most 1000): a sub-millisecond kernel's median is then of warm runs only
 * (the first runs of a process are 2-4x slower on a small VM), as
 * bench-run.sh does for tjit's side. */
static double bench_budget_ms(void) {
  const char *s = getenv("BENCH_BUDGET_MS");
  double ms = s ? atof(s) : 50;
  return ms < 1 ? 1 : ms > 100000 ? 100000 : ms;
}

/* Repetitions: BENCH_REPS from the environment (1..1000), default 5. */
static int bench_reps(void) {
  const char *s = getenv("BENCH_REPS");
  int n = s ? atoi(s) : 5;
  return n < 1 ? 1 : n > 1000 ? 1000 : n;
}

#endif
