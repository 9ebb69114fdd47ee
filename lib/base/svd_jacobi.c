/* One-sided Jacobi SVD (Hestenes): the columns of B (A, or A's transpose
 * when A is wide, so B is p x q with p >= q) are rotated in pairs until
 * every pair is orthogonal to double precision; their norms are then the
 * singular values, the normalized columns the left vectors and the product
 * of the rotations the right ones. Accurate (relative accuracy on each
 * singular value), simple, and the same on every machine: the oracle for
 * the compiled runtime because it is the runtime's own algorithm. */
#include "svd_jacobi.h"

#include <float.h>
#include <math.h>
#include <string.h>

enum { MAX_SWEEPS = 100 };

/* The work buffer's parts: W (q columns of length p), V (q x q, by
 * columns), the column norms, and the full left basis when asked. */
typedef struct {
  double *w, *v, *sv, *ub;
  long p, q, ucols;
  bool tr;
} svd_parts;

long jacobi_svd_work(long m, long n) {
  long p = m > n ? m : n, q = m > n ? n : m;
  return p * q + q * q + q + p * p + 1;
}

static double dot(const double *x, const double *y, long n) {
  double s = 0;
  for (long i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

static void rotate(double *x, double *y, long n, double c, double s) {
  for (long i = 0; i < n; i++) {
    double a = x[i], b = y[i];
    x[i] = c * a - s * b;
    y[i] = s * a + c * b;
  }
}

/* One cyclic sweep over the column pairs; whether any pair rotated. */
static bool sweep(svd_parts *sp) {
  bool rotated = false;
  long p = sp->p, q = sp->q;
  for (long j = 0; j < q; j++)
    for (long k = j + 1; k < q; k++) {
      double *x = sp->w + j * p, *y = sp->w + k * p;
      double a = dot(x, x, p), b = dot(y, y, p), g = dot(x, y, p);
      if (!(fabs(g) > DBL_EPSILON * sqrt(a) * sqrt(b))) continue;
      double zeta = (b - a) / (2 * g);
      /* the smaller root of t^2 + 2 zeta t - 1; only +, *, / and sqrt (IEEE's
       * exact rounding), so every machine computes the same vectors */
      double t = fabs(zeta) > 1e150 ? 0.5 / zeta : copysign(1.0, zeta) / (fabs(zeta) + sqrt(1 + zeta * zeta));
      double c = 1 / sqrt(1 + t * t), s = c * t;
      rotate(x, y, p, c, s);
      rotate(sp->v + j * q, sp->v + k * q, q, c, s);
      rotated = true;
    }
  return rotated;
}

static void swap_cols(double *a, long len, long i, long j) {
  for (long r = 0; r < len; r++) {
    double t = a[i * len + r];
    a[i * len + r] = a[j * len + r];
    a[j * len + r] = t;
  }
}

/* The norms, columns ordered by them descending (selection sort: q is a
 * matrix's side). */
static void order_columns(svd_parts *sp) {
  for (long j = 0; j < sp->q; j++) sp->sv[j] = sqrt(dot(sp->w + j * sp->p, sp->w + j * sp->p, sp->p));
  for (long j = 0; j < sp->q; j++) {
    long best = j;
    for (long k = j + 1; k < sp->q; k++)
      if (sp->sv[k] > sp->sv[best]) best = k;
    if (best == j) continue;
    double t = sp->sv[j];
    sp->sv[j] = sp->sv[best], sp->sv[best] = t;
    swap_cols(sp->w, sp->p, j, best);
    swap_cols(sp->v, sp->q, j, best);
  }
}

/* Removes from x its components along the first n columns of basis. */
static void project_out(double *x, const double *basis, long p, long n) {
  for (int pass = 0; pass < 2; pass++) /* twice is enough (Kahan) */
    for (long c = 0; c < n; c++) {
      double d = dot(x, basis + c * p, p);
      for (long i = 0; i < p; i++) x[i] -= d * basis[c * p + i];
    }
}

/* Columns [from, to) of the p x to basis ub, orthonormal to the ones
 * before: the unit vector that keeps the most of itself once projected
 * out (one keeps at least (p - c) / p of its squared norm). */
static void complete_basis(double *ub, long p, long from, long to) {
  for (long c = from; c < to; c++) {
    double *x = ub + c * p, best = -1;
    long pick = 0;
    for (long i = 0; i < p && best < 0.5; i++) {
      memset(x, 0, sizeof *x * (size_t)p);
      x[i] = 1;
      project_out(x, ub, p, c);
      double nn = dot(x, x, p);
      if (nn > best) best = nn, pick = i;
    }
    memset(x, 0, sizeof *x * (size_t)p);
    x[pick] = 1;
    project_out(x, ub, p, c);
    double nrm = sqrt(dot(x, x, p));
    for (long i = 0; i < p; i++) x[i] /= nrm;
  }
}

/* The left vectors: the normalized columns of W where the singular value
 * is not zero, then a completion to ucols orthonormal columns. */
static const double *left_vectors(svd_parts *sp) {
  double *ub = sp->ucols > sp->q ? sp->ub : sp->w;
  long p = sp->p, r = 0;
  for (long j = 0; j < sp->q; j++, r++) {
    if (!(sp->sv[j] > 1e-300)) break;
    for (long i = 0; i < p; i++) ub[j * p + i] = sp->w[j * p + i] / sp->sv[j];
  }
  complete_basis(ub, p, r, sp->ucols);
  return ub;
}

/* u and vt from the left basis ub (p x ucols) and V: A = B, or B's
 * transpose when tr. */
static void write_vectors(const svd_parts *sp, const double *ub, long m, long n, bool full, double *u, double *vt) {
  long k = sp->q, vrows = full ? n : k, ucols = full ? m : k;
  for (long i = 0; i < m; i++)
    for (long c = 0; c < ucols; c++) u[i * ucols + c] = sp->tr ? sp->v[c * sp->q + i] : ub[c * sp->p + i];
  for (long r = 0; r < vrows; r++)
    for (long j = 0; j < n; j++) vt[r * n + j] = sp->tr ? ub[r * sp->p + j] : sp->v[r * sp->q + j];
}

/* B's columns scaled by 1 / max|a| (no overflow in the squared norms);
 * the scale, 0 when a is all zeros, NaN when a holds a non-finite. */
static double load_columns(const svd_parts *sp, const double *a, long n) {
  double big = 0;
  for (long j = 0; j < sp->q; j++)
    for (long i = 0; i < sp->p; i++) {
      double x = sp->tr ? a[j * n + i] : a[i * n + j];
      if (!isfinite(x)) return NAN;
      big = fmax(big, fabs(x));
      sp->w[j * sp->p + i] = x;
    }
  if (big > 0)
    for (long i = 0; i < sp->p * sp->q; i++) sp->w[i] /= big;
  return big;
}

static void fill_nan(double *x, long n) {
  for (long i = 0; i < n; i++) x[i] = NAN;
}

void jacobi_svd(const double *a, long m, long n, bool full, bool uv, double *s, double *u, double *vt,
                double *work) {
  svd_parts sp = {.tr = m < n, .p = m < n ? n : m, .q = m < n ? m : n};
  sp.ucols = full ? sp.p : sp.q;
  sp.w = work, sp.v = sp.w + sp.p * sp.q, sp.sv = sp.v + sp.q * sp.q, sp.ub = sp.sv + sp.q;
  double scale = load_columns(&sp, a, n);
  if (isnan(scale)) {
    fill_nan(s, sp.q);
    if (uv) fill_nan(u, m * (full ? m : sp.q)), fill_nan(vt, n * (full ? n : sp.q));
    return;
  }
  memset(sp.v, 0, sizeof *sp.v * (size_t)(sp.q * sp.q));
  for (long j = 0; j < sp.q; j++) sp.v[j * sp.q + j] = 1;
  for (int i = 0; i < MAX_SWEEPS && sweep(&sp); i++) {
  }
  order_columns(&sp);
  for (long j = 0; j < sp.q; j++) s[j] = sp.sv[j] * scale;
  if (uv) write_vectors(&sp, left_vectors(&sp), m, n, full, u, vt);
}
