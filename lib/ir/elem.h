/* What the expressions of elem.def's rows may use, in every file that
 * compiles them (eval_elem.c for the evaluator, kernels.c for the block
 * kernels): the same text is the evaluator's rule and the kernel, typed
 * float, double, int64_t (the evaluator's integers) or int (the i32
 * kernels), so the two cannot drift apart. */
#ifndef TJ_ELEM_H
#define TJ_ELEM_H
#include <math.h>
#include <stdint.h>

#include "erf_inv.h" /* erf_inv's row: tj_erfinvf, tj_erfinv */

/* libm's fn in x's type: fnf for float, fn for double. */
#define MATH(fn, x) _Generic((x), float: fn##f, double: fn)(x)
#define MATH2(fn, x, y) _Generic((x), float: fn##f, double: fn)(x, y)
/* x as the unsigned type of its width: wrapping arithmetic without
 * signed overflow. */
#define UNS(x) _Generic((x), int: (unsigned)(x), int64_t: (uint64_t)(x))

#endif
