/* jacobi_svd (lib/base/svd_jacobi.c), the SVD the evaluator and the
 * compiled runtime share: known singular values, and for tall, wide,
 * square, rank-deficient and empty matrices the invariants that do not
 * depend on signs: s descending, u and vt orthonormal, u diag(s) vt = a. */
#include <math.h>
#include <stdlib.h>

#include "harness.h"
#include "svd_jacobi.h"

enum { MAXD = 9 };

typedef struct {
  double s[MAXD], u[MAXD * MAXD], vt[MAXD * MAXD];
} svd_out;

static void svd_of(const double *a, long m, long n, bool full, svd_out *o) {
  double *work = malloc(sizeof *work * (size_t)jacobi_svd_work(m, n));
  jacobi_svd(a, m, n, full, true, o->s, o->u, o->vt, work);
  free(work);
}

/* The largest |x^T x - I| over the cols columns (length rows, row-major
 * stride ld) of x, or of its rows when by_rows. */
static double orth_error(const double *x, long rows, long cols, bool by_rows) {
  double worst = 0;
  long count = by_rows ? rows : cols, len = by_rows ? cols : rows;
  for (long i = 0; i < count; i++)
    for (long j = 0; j < count; j++) {
      double d = 0;
      for (long k = 0; k < len; k++)
        d += by_rows ? x[i * cols + k] * x[j * cols + k] : x[k * cols + i] * x[k * cols + j];
      worst = fmax(worst, fabs(d - (i == j)));
    }
  return worst;
}

/* Every invariant of the SVD of the m x n matrix a, within tol. */
static void check_invariants(const double *a, long m, long n, bool full, double tol) {
  svd_out o;
  long k = m < n ? m : n, ucols = full ? m : k, vrows = full ? n : k;
  svd_of(a, m, n, full, &o);
  for (long i = 1; i < k; i++) CHECK(o.s[i - 1] >= o.s[i]);
  for (long i = 0; i < k; i++) CHECK(o.s[i] >= 0);
  CHECK(orth_error(o.u, m, ucols, false) < tol);
  CHECK(orth_error(o.vt, vrows, n, true) < tol);
  double worst = 0;
  for (long i = 0; i < m; i++)
    for (long j = 0; j < n; j++) {
      double x = 0;
      for (long r = 0; r < k; r++) x += o.u[i * ucols + r] * o.s[r] * o.vt[r * n + j];
      worst = fmax(worst, fabs(x - a[i * n + j]));
    }
  CHECK(worst < tol);
}

static void test_known_values(void) {
  svd_out o;
  svd_of((const double[]){3, 0, 0, -4}, 2, 2, true, &o);
  CHECK(o.s[0] == 4 && o.s[1] == 3);
  svd_of((const double[]){1, 1, 0, 1}, 2, 2, true, &o); /* the golden ratio and its inverse */
  CHECK(fabs(o.s[0] - (1 + sqrt(5)) / 2) < 1e-15 && fabs(o.s[1] - (sqrt(5) - 1) / 2) < 1e-15);
  svd_of((const double[]){0, 0, 0, 0, 0, 0}, 2, 3, true, &o);
  CHECK(o.s[0] == 0 && o.s[1] == 0);
  CHECK(orth_error(o.u, 2, 2, false) == 0 && orth_error(o.vt, 3, 3, true) == 0);
}

static void test_shapes(void) {
  double a[MAXD * MAXD];
  srand(14);
  for (int i = 0; i < MAXD * MAXD; i++) a[i] = rand() / (double)RAND_MAX - 0.5;
  for (int full = 0; full < 2; full++) {
    check_invariants(a, 7, 4, full, 1e-13);
    check_invariants(a, 4, 7, full, 1e-13);
    check_invariants(a, 5, 5, full, 1e-13);
    check_invariants(a, 1, 6, full, 1e-13);
    check_invariants(a, 6, 1, full, 1e-13);
  }
  /* rank 2: rows 2.. are combinations of rows 0 and 1 */
  double r[6 * 4];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 4; j++) r[i * 4 + j] = (i % 3 - 1) * a[j] + (i / 3 + 1) * a[4 + j];
  check_invariants(r, 6, 4, true, 1e-13);
  check_invariants(r, 4, 6, true, 1e-13); /* as its transpose's shape */
}

static void test_nan_and_empty(void) {
  svd_out o;
  svd_of((const double[]){1, NAN, 2, 3}, 2, 2, true, &o);
  CHECK(isnan(o.s[0]) && isnan(o.s[1]) && isnan(o.u[3]) && isnan(o.vt[0]));
  svd_of(NULL, 0, 3, true, &o); /* _empty_svd: no values, vt the identity */
  CHECK(orth_error(o.vt, 3, 3, true) == 0 && o.vt[0] == 1 && o.vt[4] == 1);
}

int main(void) {
  test_known_values();
  test_shapes();
  test_nan_and_empty();
  return HARNESS_REPORT();
}
