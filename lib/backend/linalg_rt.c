/* The runtime of the svd C rule (cg_linalg.c): the generated code calls
 * tj_rt_svd, compiled with tjit at -O2, which runs the evaluator's
 * algorithm (jacobi_svd, lib/base/svd_jacobi.c) on each matrix, so the
 * compiled results are the evaluator's bit for bit. */
#include "linalg_rt.h"

#include "dtype.h"
#include "svd_jacobi.h"

static long min_of(long a, long b) { return a < b ? a : b; }

long tj_rt_svd_scratch(long m, long n, int full, int uv) {
  long k = min_of(m, n), usz = uv ? m * (full ? m : k) : 0, vsz = uv ? n * (full ? n : k) : 0;
  return m * n + k + usz + vsz + jacobi_svd_work(m, n);
}

static void load(const void *in, int dtype, long base, long size, double *x) {
  for (long i = 0; i < size; i++)
    x[i] = dtype == DT_F32 ? (double)((const float *)in)[base + i] : ((const double *)in)[base + i];
}

static void store(void *out, int dtype, long base, const double *x, long size) {
  for (long i = 0; i < size; i++) {
    if (dtype == DT_F32) ((float *)out)[base + i] = (float)x[i];
    else ((double *)out)[base + i] = x[i];
  }
}

void tj_rt_svd(const void *in, void *s, void *u, void *vt, int dtype, long batch, long m, long n, int full, int uv,
               long lo, long hi, void *scratch) {
  long k = min_of(m, n), uc = full ? m : k, usz = uv ? m * uc : 0, vsz = uv ? n * (full ? n : k) : 0;
  long d = hi - lo, ou = full ? m : d, ov = full ? n : d; /* u's columns, vt's rows kept */
  double *x = scratch, *sv = x + m * n, *ub = sv + k, *vb = ub + usz, *work = vb + vsz;
  for (long b = 0; b < batch; b++) {
    load(in, dtype, b * m * n, m * n, x);
    jacobi_svd(x, m, n, full, uv, sv, ub, vb, work);
    store(s, dtype, b * d, sv + lo, d);
    if (!uv) continue;
    for (long r = 0; r < m; r++) store(u, dtype, (b * m + r) * ou, ub + r * uc + lo, ou);
    store(vt, dtype, b * ov * n, vb + lo * n, ov * n);
  }
}
