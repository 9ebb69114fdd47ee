/* The convolution runtime the generated C calls (cg_conv.c emits the
 * calls, cg_fns.def lists them). geo is conv.h's canonical geometry. */
#ifndef TJ_CONV_RT_H
#define TJ_CONV_RT_H

/* The whole convolution by its definition, any dtypes (lt the operands',
 * ot the output's, tj_dtype values): floats add in double, integers wrap,
 * in the evaluator's order (eval_conv.c). */
void tj_rt_conv_direct(const void *lhs, const void *rhs, void *out, const long *geo, int lt, int ot);

/* For the im2col + GEMM path (float32 or float64, dtype dt): the kernel
 * as G matrices [K x Og] (K = kernel positions x Cin/G, row (kpos, c)) ... */
void tj_rt_conv_pack(const void *rhs, void *w, const long *geo, int dt);
/* ... and rows output positions from p0 of image n's group g as a matrix
 * [rows x K] of their input patches, zero where a patch reaches into
 * padding or a hole of the lhs dilation. */
void tj_rt_conv_im2col(const void *lhs, void *a, const long *geo, int dt, long n, long g, long p0, long rows);

/* Whether the direct loops know dtype dt (tj_dtype): the C rule asks
 * before it calls them. */
int tj_rt_conv_supports(int dt);

#endif
