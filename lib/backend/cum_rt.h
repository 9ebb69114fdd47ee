/* The runtime of the cumulative reductions (cg_reduce.c's cg_cumred emits
 * the call, cg_fns.def lists it), compiled into libtjit with the block
 * kernels' flags (Makefile: KERNEL_CFLAGS, exact math). */
#ifndef TJ_CUM_RT_H
#define TJ_CUM_RT_H

/* The operations, in the order of tj_rt_cumred's op argument. */
enum { TJ_CUM_SUM, TJ_CUM_PROD, TJ_CUM_MAX, TJ_CUM_MIN };

/* cumsum/cumprod/cummax/cummin (op) of in into out, both of tj_dtype
 * dtype, seen as [outer, n, inner] with the axis in the middle; reverse
 * runs from the end. Each element combines the previous result with its
 * operand element in order, as the evaluator's ev_cumred (eval_array.c). */
void tj_rt_cumred(const void *in, void *out, int dtype, int op, long outer, long n, long inner, int reverse);

/* Whether tj_rt_cumred takes dtype (the C rule asks). */
int tj_rt_cumred_has(int dtype);

#endif
