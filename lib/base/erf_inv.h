/* lax.erf_inv_p's values (jax/_src/lax/special.py; lowered to
 * chlo.erf_inv), computed as XLA computes them: stablehlo's
 * ChloLegalizeToStablehlo.cpp erfInv32 (Giles' single-precision
 * polynomials, "Approximating the erfinv function", GPU Computing Gems,
 * 2011) for float32, and erfInv64 (his double-precision ones) for
 * float64; f16 and bf16 are computed in float32 (materializeWithUpcast,
 * which tjit's half pass writes down). Both take
 *   w = -log1p(x * -x)
 * then a polynomial in w - 2.5 (w < 5) or sqrt(w) - 3 (f32; f64 has three
 * pieces), times x, and +-inf at |x| == 1.
 *
 * One text for the reference evaluator (eval_elem.c, elem.def's row), the
 * block kernels (kernels.c) and the compiled code's scalar calls
 * (special_rt.c), so that jax.random.normal's samples are the same bits
 * in every backend and on every machine: only IEEE operations (+ - * /
 * sqrt, correctly rounded everywhere), no libm. log1p is written here
 * (tj_ei_log1p) for that reason. Every multiply and add is its own
 * statement: a compiler may fuse a*b + c into one FMA within an
 * expression (clang's default -ffp-contract=on), which would change the
 * bits on machines with FMA; gcc's -std=c11 and the kernels'
 * -ffp-contract=off fuse nothing anyway.
 *
 * How close to XLA's bits: the polynomials, their constants and the
 * order of the operations are erfInv32's/erfInv64's, so the bits equal
 * XLA's whenever w does. XLA's CPU log1p is its own approximation (the
 * elemental IR emitter's EmitLog1p: in the versions read, a Cephes-derived
 * rational function for |x| < sqrt(2) - 1, or a Taylor term below 1e-4,
 * and log(1 + x) through LLVM's log otherwise), computed in float32 and
 * not correctly rounded; tj_ei_log1p is accurate to under 1 ulp of
 * double, so for float32 w is the correctly rounded float of log1p in all
 * but very rare near-halfway cases. Where XLA's w is off by an ulp the
 * result differs from JAX's in its last bits (a few ulps after the
 * polynomial); XLA may also fuse multiplies and adds into FMAs. JAX's
 * published normal values (6 decimals) are matched
 * (tests/cli/99-random.bats); bit equality with JAX is not claimed. */
#ifndef TJ_ERF_INV_H
#define TJ_ERF_INV_H

#include <math.h> /* INFINITY, NAN and sqrt (correctly rounded, IEEE 754 5.4.1) */
#include <stdint.h>
#include <string.h>

static inline uint64_t tj_ei_bits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static inline double tj_ei_double(uint64_t u) {
  double d;
  memcpy(&d, &u, sizeof d);
  return d;
}

/* log1p(m) for m in [-1, 0] (erf_inv's -x*x; a NaN stays NaN, below -1 is
 * NaN), under 1 ulp. 1 + m = 2^k (1 + f) with 1 + f in [sqrt(2)/2,
 * sqrt(2)); when 1 + m rounded (k != 0), c = (m - (u - 1)) / u puts back
 * what the rounding lost (u - 1 is exact, Sterbenz). Then log(1 + f) =
 * 2 atanh(s), s = f / (2 + f): f - hfsq + s (hfsq + R(s^2)), hfsq = f^2/2,
 * R the minimax polynomial of fdlibm's e_log.c (Sun Microsystems, 1993;
 * its Lg1..Lg7, error < 2^-58.45), and k ln 2 added in two parts (ln2_hi
 * has 32 significant bits, so k ln2_hi is exact). */
static inline double tj_ei_log1p(double m) {
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  const double lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01, lg3 = 2.857142874366239149e-01,
               lg4 = 2.222219843214978396e-01, lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01,
               lg7 = 1.479819860511658591e-01;
  double u = 1.0 + m;
  /* the exponent of u, counted from sqrt(2)/2 (0x3fe6a09e...: its top bits) */
  uint64_t hu = tj_ei_bits(u) + (0x3ff0000000000000ull - 0x3fe6a09e00000000ull);
  int k = (int)((uint32_t)(hu >> 32) >> 20) - 0x3ff; /* through 32 bits: converts to double in vectors */
  double r = tj_ei_double((hu & 0x000fffffffffffffull) + 0x3fe6a09e00000000ull);
  double f = k == 0 ? m : r - 1.0;
  double lost = m - (u - 1.0);
  double c = k == 0 ? 0.0 : lost / (u == 0 ? 1.0 : u);
  double hfsq = f * f;
  hfsq = 0.5 * hfsq;
  double s = 2.0 + f;
  s = f / s;
  double z = s * s, w = z * z, t;
  double t1 = w * lg6; /* w (lg2 + w (lg4 + w lg6)) */
  t1 = lg4 + t1;
  t1 = w * t1;
  t1 = lg2 + t1;
  t1 = w * t1;
  double t2 = w * lg7; /* z (lg1 + w (lg3 + w (lg5 + w lg7))) */
  t2 = lg5 + t2;
  t2 = w * t2;
  t2 = lg3 + t2;
  t2 = w * t2;
  t2 = lg1 + t2;
  t2 = z * t2;
  double rr = t2 + t1, dk = (double)k;
  /* s (hfsq + R) + (k ln2_lo + c) - hfsq + f + k ln2_hi */
  t = hfsq + rr;
  double sum = s * t;
  t = dk * ln2_lo;
  t = t + c;
  sum = sum + t;
  sum = sum - hfsq;
  sum = sum + f;
  t = dk * ln2_hi;
  sum = sum + t;
  /* -1: -inf; below -1 or NaN: NaN (the reduction above saw garbage) */
  return m == -1.0 ? -INFINITY : m < -1.0 || m != m ? NAN : sum;
}

/* erfInv32: float32 arithmetic throughout but for log1p, computed in
 * double and rounded once. */
static inline float tj_erfinvf(float x) {
  static const float lt5[9] = {2.81022636e-08f,  3.43273939e-07f, -3.5233877e-06f, -4.39150654e-06f, 0.00021858087f,
                               -0.00125372503f, -0.00417768164f, 0.246640727f,    1.50140941f};
  static const float ge5[9] = {-0.000200214257f, 0.000100950558f, 0.00134934322f, -0.00367342844f, 0.00573950773f,
                               -0.0076224613f,   0.00943887047f,   1.00167406f,    2.83297682f};
  float nx = -x;
  float m = x * nx;
  float w = (float)tj_ei_log1p((double)m);
  w = -w;
  int lt = w < 5.0f;
  float root = w >= 0 ? w : 0.0f; /* never negative nor NaN: sqrtf never reaches libm */
  root = sqrtf(root);
  float ws = lt ? w - 2.5f : root - 3.0f;
  float p = lt ? lt5[0] : ge5[0];
  for (int i = 1; i < 9; i++) {
    float t = p * ws;
    p = (lt ? lt5[i] : ge5[i]) + t;
  }
  float result = p * x;
  float inf = x * INFINITY;
  float ax = x < 0 ? nx : x;
  return ax == 1.0f ? inf : w != w ? w : result; /* NaN: |x| > 1 or a NaN x, as sqrt(NaN) gives XLA */
}

/* erfInv64: three pieces, w < 6.25 (23 coefficients, in w - 3.125),
 * w < 16 (19, in sqrt(w) - 3.25) and beyond (17, in sqrt(w) - 5); the
 * lowering's selects spelled as the coefficient tables it picks from. */
static inline double tj_erfinv(double x) {
  static const double lt625[23] = {
      -3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18, 1.115787767802518096e-17,
      -1.333171662854620906e-16,  2.0972767875968561637e-17, 6.6376381343583238325e-15, -4.0545662729752068639e-14,
      -8.1519341976054721522e-14, 2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
      1.051212273321532285e-09,   -4.1126339803469836976e-09, -2.9070369957882005086e-08, 4.2347877827932403518e-07,
      -1.3654692000834678645e-06, -1.3882523362786468719e-05, 0.0001867342080340571352, -0.00074070253416626697512,
      -0.0060336708714301490533,  0.24015818242558961693,     1.6536545626831027356};
  static const double lt16[19] = {
      2.2137376921775787049e-09,  9.0756561938885390979e-08,  -2.7517406297064545428e-07, 1.8239629214389227755e-08,
      1.5027403968909827627e-06,  -4.013867526981545969e-06,  2.9234449089955446044e-06,  1.2475304481671778723e-05,
      -4.7318229009055733981e-05, 6.8284851459573175448e-05,  2.4031110387097893999e-05,  -0.0003550375203628474796,
      0.00095328937973738049703,  -0.0016882755560235047313, 0.0024914420961078508066,  -0.0037512085075692412107,
      0.005370914553590063617,    1.0052589676941592334,      3.0838856104922207635};
  static const double ge16[17] = {
      -2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09, -3.7894654401267369937e-09,
      7.6157012080783393804e-09,  -1.4960026627149240478e-08, 2.9147953450901080826e-08, -6.7711997758452339498e-08,
      2.2900482228026654717e-07,  -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
      7.5995277030017761139e-05,  -0.00021503011930044477347, -0.00013871931833623122026, 1.0103004648645343977,
      4.8499064014085844221};
  double nx = -x;
  double m = x * nx;
  double w = -tj_ei_log1p(m);
  int lt625w = w < 6.25, lt16w = w < 16;
  double root = w >= 0 ? w : 0.0;
  root = sqrt(root);
  double ws = lt625w ? w - 3.125 : root - (lt16w ? 3.25 : 5.0);
  /* coefficient i: lt625[i] below 6.25, else lt16[i] (i < 19) below 16,
   * else ge16[i] (i < 17); the lowering's steps past a table's end keep p */
  double p = lt625w ? lt625[0] : lt16w ? lt16[0] : ge16[0];
  for (int i = 1; i < 23; i++) {
    int used = i < 17 || (i < 19 && lt16w) || lt625w;
    double c = lt625w ? lt625[i] : lt16w ? lt16[i < 19 ? i : 0] : ge16[i < 17 ? i : 0];
    double t = p * ws;
    t = c + t;
    p = used ? t : p;
  }
  double result = p * x;
  double inf = x * INFINITY;
  double ax = x < 0 ? nx : x;
  return ax == 1.0 ? inf : w != w ? w : result;
}

#endif
