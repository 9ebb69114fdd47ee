/* The 2-byte floats' conversions as integer and float32 operations, in one
 * text that is both C for the library (the runtimes, the unit test) and
 * the helpers the C backend's prelude writes into generated code
 * (TJ_HALF_BITS_TEXT): only numbers and generated names, no library call,
 * so libtcc compiles it with nothing declared. They give the bits of
 * half.c's reference conversions (tests/unit/test_half.c checks every
 * f16 and bf16 value and every tie):
 *  - tj_f32_of_f16 / tj_f32_of_bf16: exact widenings;
 *  - tj_f16_of_f32 / tj_bf16_of_f32: round to nearest, ties to even,
 *    overflow to infinity, f16's subnormals (below 2^-14, |x| + 0.5 in
 *    float32 rounds to a whole number of 2^-24 quanta: the float unit does
 *    the tie to even), a NaN kept quiet with its payload's top bits;
 *  - tj_f16_of_f64: a double rounded once to f16 (numpy's float16(x)):
 *    first to float32 rounding to odd (an inexact result keeps a set last
 *    bit), which makes the second rounding exact (24 >= 11 + 2 bits). */
#ifndef TJ_HALF_BITS_H
#define TJ_HALF_BITS_H

/* Each user takes only some of the helpers: clang warns of an unused
 * static inline function defined in the main file, which a macro's body is. */
#define TJ_HB_UNUSED __attribute__((unused))
#define TJ_HALF_BITS_DEFS                                                                                      \
  static inline TJ_HB_UNUSED unsigned tj_hb_bits(float f) { union { float f; unsigned u; } c; c.f = f; return c.u; }               \
  static inline TJ_HB_UNUSED float tj_hb_float(unsigned u) { union { unsigned u; float f; } c; c.u = u; return c.f; }              \
  static inline TJ_HB_UNUSED float tj_f32_of_f16(unsigned short h) {                                                               \
    unsigned sign = (unsigned)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;                     \
    if (e == 0x1fu) return tj_hb_float(sign | 0x7f800000u | (m << 13));                                        \
    if (e == 0) return tj_hb_float(sign | tj_hb_bits((float)m * 5.9604644775390625e-08f));                     \
    return tj_hb_float(sign | ((e + 112u) << 23) | (m << 13));                                                 \
  }                                                                                                            \
  static inline TJ_HB_UNUSED unsigned short tj_f16_of_f32(float f) {                                                               \
    unsigned x = tj_hb_bits(f), sign = (x >> 16) & 0x8000u, a = x & 0x7fffffffu;                              \
    if (a > 0x7f800000u) return (unsigned short)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));                       \
    if (a >= 0x477ff000u) return (unsigned short)(sign | 0x7c00u);                                             \
    if (a >= 0x38800000u) return (unsigned short)(sign | ((a + 0xfffu + ((a >> 13) & 1u) - 0x38000000u) >> 13)); \
    return (unsigned short)(sign | (tj_hb_bits(tj_hb_float(a) + 0.5f) - 0x3f000000u));                        \
  }                                                                                                            \
  static inline TJ_HB_UNUSED float tj_f32_of_bf16(unsigned short h) { return tj_hb_float((unsigned)h << 16); }                     \
  static inline TJ_HB_UNUSED unsigned short tj_bf16_of_f32(float f) {                                                              \
    unsigned x = tj_hb_bits(f);                                                                                \
    if ((x & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((x >> 16) | 0x40u);                           \
    return (unsigned short)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);                                           \
  }                                                                                                            \
  static inline TJ_HB_UNUSED unsigned short tj_f16_of_f64(double d) {                                                              \
    float f = (float)d;                                                                                        \
    unsigned u = tj_hb_bits(f);                                                                                \
    if (d == d && (double)f != d && (u & 0x7fffffffu) < 0x7f800000u && !(u & 1u))                              \
      u = ((double)f < d) == (f > 0 || (f == 0 && d > 0)) ? u + 1u : u - 1u;                                   \
    return tj_f16_of_f32(tj_hb_float(u));                                                                      \
  }

/* XLA's ReducePrecision on the bits u of a float with sm mantissa and se
 * exponent bits (f32 23/8, f64 52/11, f16 10/5, bf16 7/8), to e exponent
 * and m mantissa bits (XLA's elemental_ir_emitter EmitReducePrecisionIR,
 * quiet_nans false): the mantissa rounded to nearest even by adding a
 * bias and masking (a carry into the exponent is right), then an
 * exponent past the reduced format's largest overflows to infinity and
 * one at or below its least normal's flushes to zero (XLA rounds no
 * subnormal of the reduced format), both keeping the sign; a NaN stays
 * the NaN it was (infinity when m is 0, which has no NaN). e >= 1, m >= 0
 * (the shape rule's checks). The evaluator and the generated C share it. */
#define TJ_RP_BITS_DEFS                                                                                           \
  static inline TJ_HB_UNUSED unsigned long long tj_rp_bits(unsigned long long u, int sm, int se, long long e, long long m) {  \
    unsigned long long sign = 1ull << (sm + se), expmask = ((1ull << se) - 1) << sm, r = u;                       \
    int nan = (u & ~sign) > expmask;                                                                              \
    if (m < sm) {                                                                                                 \
      unsigned long long last = 1ull << (sm - m);                                                                 \
      r = (r + (last >> 1) - 1 + ((r & last) >> (sm - m))) & ~(last - 1);                                        \
    }                                                                                                             \
    if (e < se) {                                                                                                 \
      unsigned long long bias = (1ull << (se - 1)) - 1, rbias = (1ull << (e - 1)) - 1, xe = r & expmask;         \
      if (xe > (bias + rbias) << sm) r = (u & sign) | expmask;                                                     \
      else if (xe <= (bias - rbias) << sm) r = u & sign;                                                          \
    }                                                                                                             \
    return nan ? (m > 0 ? u : expmask) : r;                                                                       \
  }

#define TJ_HALF_STR_(...) #__VA_ARGS__
#define TJ_HALF_STR(...) TJ_HALF_STR_(__VA_ARGS__)
/* The same functions as text, for the generated C's prelude. */
#define TJ_HALF_BITS_TEXT TJ_HALF_STR(TJ_HALF_BITS_DEFS)
#define TJ_RP_BITS_TEXT TJ_HALF_STR(TJ_RP_BITS_DEFS)

#endif
