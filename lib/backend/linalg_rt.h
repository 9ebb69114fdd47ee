/* The linear algebra runtime the generated C calls (cg_linalg.c emits the
 * call, cg_fns.def lists it). */
#ifndef TJ_LINALG_RT_H
#define TJ_LINALG_RT_H

/* Doubles of scratch tj_rt_svd needs for one m x n matrix. */
long tj_rt_svd_scratch(long m, long n, int full, int uv);

/* The SVD of batch m x n matrices of dtype (DT_F32 or DT_F64) in into s
 * (batch x k), and when uv into u (batch x m x m, or m x k unless full)
 * and vt (batch x n x n, or k x n): jacobi_svd per matrix, as the
 * evaluator computes it. Only the singular values [lo, hi) and their
 * vectors are kept (subset_by_index; 0 and k for all; full only with all):
 * k is then hi - lo. scratch holds tj_rt_svd_scratch doubles. */
void tj_rt_svd(const void *in, void *s, void *u, void *vt, int dtype, long batch, long m, long n, int full, int uv,
               long lo, long hi, void *scratch);

#endif
