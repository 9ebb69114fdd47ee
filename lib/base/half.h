/* The 2-byte floats: IEEE binary16 (float16, f16) and bfloat16 (bf16, the
 * top half of a float32), as bits. XLA on CPU computes their elementwise
 * operations in float32 and rounds each result back to nearest, ties to
 * even; these are those roundings and the exact widenings. */
#ifndef TJ_HALF_H
#define TJ_HALF_H
#include <stdint.h>

float tj_f16_to_f32(uint16_t h);
float tj_bf16_to_f32(uint16_t h);
/* x rounded to the nearest f16 / bf16, ties to even: overflow to
 * infinity, underflow through the subnormals to signed zero; a NaN stays
 * a NaN of the same sign, quiet, with the top bits of its payload. f16
 * rounds x once (numpy's float16(x)); bf16 rounds x to float32 first, as
 * ml_dtypes' bfloat16(x) does (for a float32 value, no difference). */
uint16_t tj_f16_from_double(double x);
uint16_t tj_bf16_from_double(double x);

/* x as a value of float dtype t (a tj_dtype): rounded to f32, f16 or
 * bf16 (numpy's astype, overflowing to infinity), f64 unchanged. */
double tj_round_to_float(int t, double x);
/* The largest finite value of float dtype t (finfo(t).max). */
double tj_float_max(int t);

#endif
