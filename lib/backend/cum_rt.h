/* The runtime of the cumulative reductions (cg_reduce.c's cg_cumred emits
 * the call, cg_fns.def lists it) and of the scans whose body is one
 * cumulative or linear step (cg_scan_step.c), compiled into libtjit with the block
 * kernels' flags (Makefile: KERNEL_CFLAGS, exact math). */
#ifndef TJ_CUM_RT_H
#define TJ_CUM_RT_H

/* The operations, in the order of tj_rt_cumred's op argument; then
 * tj_rt_scan's linear recurrence. */
enum { TJ_CUM_SUM, TJ_CUM_PROD, TJ_CUM_MAX, TJ_CUM_MIN, TJ_SCAN_LINEAR };

/* cumsum/cumprod/cummax/cummin (op) of in into out, both of tj_dtype
 * dtype, seen as [outer, n, inner] with the axis in the middle; reverse
 * runs from the end. Each element combines the previous result with its
 * operand element in order, as the evaluator's ev_cumred (eval_array.c). */
void tj_rt_cumred(const void *in, void *out, int dtype, int op, long outer, long n, long inner, int reverse);

/* Whether tj_rt_cumred takes dtype (the C rule asks). */
int tj_rt_cumred_has(int dtype);

/* A scan whose body is one step on its one carry (cg_scan_step.c): kind
 * TJ_CUM_* steps c' = op(c, b), TJ_SCAN_LINEAR steps c' = a * c + b; the
 * flags give the body's operand order (TJ_SCAN_OPERAND_FIRST: op(b, c),
 * b + a * c; TJ_SCAN_CARRY_FIRST: c * a). carry holds `inner` elements,
 * the initial carry, then the last one; step t (n - 1 down to 0 with
 * reverse) reads a[t * steps[0] + i * steps[1]] and b[t * steps[2] + i *
 * steps[3]] for carry element i (a cumulative kind passes b as a too)
 * and writes the new carry to ys_new[t * inner + i] and the old one to
 * ys_old, each unless NULL. The evaluator's operations in its order
 * (ev_scan running the body), so its bits. */
enum { TJ_SCAN_OPERAND_FIRST = 1, TJ_SCAN_CARRY_FIRST = 2 };
void tj_rt_scan(int dtype, int kind, int flags, long n, long inner, int reverse, void *carry, const void *a,
                const void *b, const long *steps, void *ys_new, void *ys_old);

/* Whether tj_rt_scan takes dtype. */
int tj_rt_scan_has(int dtype);

#endif
