/* The singular value decomposition both the reference evaluator
 * (eval_linalg.c) and the compiled code's runtime (linalg_rt.c) use, so
 * that run --check compares like with like: one-sided Jacobi (Hestenes) in
 * double, whatever the array's dtype. Plain C on caller-owned memory: no
 * allocation, no stage. */
#ifndef TJ_SVD_JACOBI_H
#define TJ_SVD_JACOBI_H

#include <stdbool.h>

/* Doubles of scratch jacobi_svd needs for an m x n matrix. */
long jacobi_svd_work(long m, long n);

/* The SVD a = u diag(s) vt of the m x n row-major matrix a, k = min(m, n):
 * s the k singular values, descending as LAPACK gives them; when uv, u is
 * m x m (full) or m x k and vt n x n (full) or k x n, both row-major with
 * orthonormal columns / rows (their signs are this algorithm's, not
 * LAPACK's). A matrix holding a NaN or an infinity gives NaN everywhere,
 * as XLA's CPU lowering does where LAPACK reports failure. u and vt may be
 * NULL when !uv. */
void jacobi_svd(const double *a, long m, long n, bool full, bool uv, double *s, double *u, double *vt,
                double *work);

#endif
