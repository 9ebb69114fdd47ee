/* The runtime of pad and of the windowed reductions (cg_window.c emits
 * the calls, cg_fns.def lists them), compiled into libtjit with the block
 * kernels' flags (Makefile: KERNEL_CFLAGS, exact math). */
#ifndef TJ_WINDOW_RT_H
#define TJ_WINDOW_RT_H

/* lax.pad: out (out_dims) is *pad (elsize bytes) but where operand
 * element i of dimension k lands, lo[k] + i * (interior[k] + 1) when that
 * is inside [0, out_dims[k]). */
void tj_rt_pad(const void *in, const void *pad, void *out, int elsize, int rank, const long *in_dims,
               const long *out_dims, const long *lo, const long *interior);

/* reduce_window_{sum,max,min} (op 0, 1, 2) of in (in_dims, tj_dtype
 * dtype) into out (out_dims); win holds 5 rows of rank values: window
 * dimensions, strides, low padding, base dilation, window dilation. The
 * order and the rounding are the evaluator's (eval_window.c). */
void tj_rt_reduce_window(const void *in, void *out, int dtype, int op, int rank, const long *in_dims,
                         const long *out_dims, const long *win);

/* Whether tj_rt_reduce_window takes dtype (the C rule asks). */
int tj_rt_reduce_window_has(int dtype);

/* select_and_gather_add (the jvp of max/min pooling): out[o] is t at the
 * window element of x that select ge (is_ge) or le chose, pairs reduced
 * from (-inf or inf, 0) in row-major order as the evaluator does
 * (eval_window.c); f64 when is_f64, else f32. win as reduce_window's. */
void tj_rt_select_gather(const void *t, const void *x, void *out, int is_f64, int is_ge, int rank, const long *in_dims,
                         const long *out_dims, const long *win);

/* select_and_scatter_add (the transpose of select_and_gather_add): out
 * (in_dims, zeroed here) gets each t[o] added at the element of x that
 * select ge (is_ge) or le chose in window o, as the evaluator chooses
 * (eval_window.c: padding never, the first extreme); f64 when is_f64,
 * else f32. win as reduce_window's (dilations 1). */
void tj_rt_select_scatter(const void *t, const void *x, void *out, int is_f64, int is_ge, int rank, const long *in_dims,
                          const long *out_dims, const long *win);

#endif
