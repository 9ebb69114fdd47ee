/* The runtime of reductions over a block of axes, or over axes apart
 * (cg_reduce.c's reduce_runs, reduce_steps and reduce_walk emit the calls,
 * cg_fns.def lists them), compiled into libtjit with the block kernels'
 * flags (Makefile: KERNEL_CFLAGS, exact math). */
#ifndef TJ_REDUCE_RT_H
#define TJ_REDUCE_RT_H

/* The operations, in the order of tj_rt_reduce_runs's op argument. */
enum { TJ_RED_SUM, TJ_RED_PROD, TJ_RED_MAX, TJ_RED_MIN };

/* reduce_sum/prod/max/min (op) of in, of tj_dtype dtype, seen as
 * [outer, n, inner] with the reduced axes (one contiguous block) in the
 * middle, into out [outer, inner]: out[o, i] starts at the reduction's
 * identity and combines in[o, 0, i], in[o, 1, i], ... in order, as the
 * evaluator's ev_reduce (eval_array.c) combines each output's elements
 * in row-major order. */
void tj_rt_reduce_runs(const void *in, void *out, int dtype, int op, long outer, long n, long inner);

/* The same over reduced axes apart from each other: in seen as nruns runs
 * of dims, size[i] elements each, reduced[i] or kept (neighbours of one
 * kind merged, so the kinds alternate), out as its kept runs. in is walked
 * in memory order, each element combined into its output, so every output
 * combines its elements in row-major order from the identity, as the
 * evaluator's ev_reduce. */
void tj_rt_reduce_walk(const void *in, void *out, int dtype, int op, int nruns, const long *size,
                       const long *reduced);

/* Whether tj_rt_reduce_runs and tj_rt_reduce_walk take dtype (the C rule
 * asks). */
int tj_rt_reduce_runs_has(int dtype);

#endif
