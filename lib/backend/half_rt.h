/* The f16/bf16 block conversions of the generated code (cg_block.c emits
 * the call inside its block loops, cg_fns.def lists it), compiled into
 * libtjit with the block kernels' flags: half_bits.h's conversions, which
 * gcc inlines and vectorizes where libtcc would call them per element. */
#ifndef TJ_HALF_RT_H
#define TJ_HALF_RT_H

/* dst[0..n) = src[0..n) converted from tj_dtype `from` to `to`: f32 to
 * f16 or bf16 (rounded to nearest even) or back (exact). */
void tj_rt_half_block(void *dst, const void *src, int from, int to, long n);

/* reduce_sum (prod 0) or reduce_prod (prod 1) of the f16 or bf16 (dtype)
 * array in of rank dims over the axes d with reduced[d] != 0, into out
 * (row-major over the kept axes), rounding every step to the format as
 * the evaluator does (eval_array.c: pairwise sums over leaves of 128,
 * products in row-major order); cg_reduce emits the call. */
void tj_rt_half_reduce(const void *in, void *out, int dtype, int prod, int rank, const long *dims,
                       const long *reduced);

#endif
