#include "half.h"
#include "dtype.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* A 2-byte float format: mantissa bits, the exponent of its least normal
 * (2^emin) and its exponent field's bits. */
typedef struct half_format { int mant, emin, ebits; } half_format;
static const half_format F16 = {10, -14, 5}, BF16 = {7, -126, 8};

static uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static float widen(uint16_t h, half_format fm) {
  int emax_field = (1 << fm.ebits) - 1;
  uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> fm.mant) & (uint32_t)emax_field,
           m = h & ((1u << fm.mant) - 1);
  if (e == (uint32_t)emax_field) /* infinity, or a NaN with its payload on top */
    return bits_float(sign | 0x7f800000u | (m << (23 - fm.mant)));
  /* subnormals (e == 0) have the least normal's exponent and no leading 1 */
  double v = e ? ldexp((double)(m | (1u << fm.mant)), (int)e - 1 + fm.emin - fm.mant)
               : ldexp((double)m, fm.emin - fm.mant);
  return (float)(sign ? -v : v); /* exact: every value is a float32 */
}

float tj_f16_to_f32(uint16_t h) { return widen(h, F16); }
float tj_bf16_to_f32(uint16_t h) { return widen(h, BF16); }

/* |x| finite: the quantum at x's exponent (2^(e - mant), never below the
 * subnormals'), x divided by it and rounded ties-to-even by nearbyint in
 * the default rounding mode; both steps are exact in double but the
 * rounding. Then the result's fields. */
static uint16_t narrow(double x, half_format fm) {
  uint16_t sign = signbit(x) ? 0x8000 : 0, inf = (uint16_t)(((1u << fm.ebits) - 1) << fm.mant);
  if (isnan(x)) {
    uint32_t payload = (float_bits((float)x) & 0x7fffffu) >> (23 - fm.mant);
    return (uint16_t)(sign | inf | payload | (1u << (fm.mant - 1)));
  }
  double a = fabs(x);
  if (a == 0) return sign;
  if (isinf(a)) return sign | inf;
  int e;
  frexp(a, &e); /* a = f * 2^e, f in [0.5, 1): a's exponent is e - 1 */
  int qexp = (e - 1 < fm.emin ? fm.emin : e - 1) - fm.mant;
  double n = nearbyint(ldexp(a, -qexp)); /* whole quanta, at most 2^(mant + 1) */
  if (n == 0) return sign; /* below half the least subnormal */
  double r = ldexp(n, qexp);
  frexp(r, &e);
  if (e - 1 > (1 << (fm.ebits - 1)) - 1) return sign | inf; /* rounded past the largest */
  if (e - 1 < fm.emin) return (uint16_t)(sign | (uint16_t)n); /* a subnormal: n quanta of 2^(emin - mant) */
  uint32_t field = (uint32_t)(e - 1 - fm.emin + 1), m = (uint32_t)ldexp(r, fm.mant - (e - 1)) & ((1u << fm.mant) - 1);
  return (uint16_t)(sign | (field << fm.mant) | m);
}

uint16_t tj_f16_from_double(double x) { return narrow(x, F16); }
/* numpy's float32(x): C leaves a double past float's range undefined. */
static double round_to_f32(double x) {
  if (!isfinite(x) || fabs(x) <= FLT_MAX) return (double)(float)x;
  return copysign(fabs(x) >= 0x1.ffffffp127 ? INFINITY : FLT_MAX, x);
}

uint16_t tj_bf16_from_double(double x) { return narrow(round_to_f32(x), BF16); }

double tj_round_to_float(int t, double x) {
  switch ((tj_dtype)t) {
  case DT_F32: return round_to_f32(x);
  case DT_F16: return tj_f16_to_f32(tj_f16_from_double(x));
  case DT_BF16: return tj_bf16_to_f32(tj_bf16_from_double(x));
  default: return x;
  }
}

double tj_float_max(int t) {
  switch ((tj_dtype)t) {
  case DT_F32: return FLT_MAX;
  case DT_F16: return 65504.0;
  case DT_BF16: return 0x1.fep127;
  default: return DBL_MAX;
  }
}
