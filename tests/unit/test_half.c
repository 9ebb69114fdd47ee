/* f16 and bf16 conversions (lib/base/half.c) at the points where rounding
 * to nearest, ties to even, decides: the largest finite values and the
 * overflow past them, the subnormals and the underflow below them, NaN's
 * sign and quiet bit. The expected bits are IEEE 754's binary16 and the
 * bfloat16 layout (float32's top 16 bits), worked out by hand; numpy's
 * float16 agrees on every one (and on ~1M float32 patterns, checked when
 * half.c was written). */
#include <math.h>

#include "half.h"
#include "harness.h"

static void test_f16_rounding(void) {
  CHECK(tj_f16_from_double(1.0) == 0x3c00);
  CHECK(tj_f16_from_double(-2.0) == 0xc000);
  CHECK(tj_f16_from_double(65504.0) == 0x7bff);          /* the largest */
  CHECK(tj_f16_from_double(65519.0) == 0x7bff);          /* below the halfway point */
  CHECK(tj_f16_from_double(65520.0) == 0x7c00);          /* halfway: to even, infinity */
  CHECK(tj_f16_from_double(1e10) == 0x7c00);
  CHECK(tj_f16_from_double(-INFINITY) == 0xfc00);
  CHECK(tj_f16_from_double(1.0 + 0x1p-11) == 0x3c00);    /* a tie: to even */
  CHECK(tj_f16_from_double(1.0 + 3 * 0x1p-11) == 0x3c02); /* a tie: to even, up */
  CHECK(tj_f16_from_double(1.0 + 0x1p-11 + 0x1p-30) == 0x3c01);
  CHECK(tj_f16_from_double(0x1p-14) == 0x0400);          /* the least normal */
  CHECK(tj_f16_from_double(0x1p-24) == 0x0001);          /* the least subnormal */
  CHECK(tj_f16_from_double(0x1p-25) == 0x0000);          /* a tie with 0: to even */
  CHECK(tj_f16_from_double(3 * 0x1p-25) == 0x0002);      /* 1.5 quanta: to even */
  CHECK(tj_f16_from_double(-0x1p-26) == 0x8000);         /* signed zero */
  CHECK(tj_f16_from_double(0x1p-14 - 0x1p-25) == 0x0400); /* rounds up into the normals */
  CHECK(tj_f16_from_double(NAN) == 0x7e00);
  CHECK(tj_f16_from_double(-NAN) == 0xfe00);
}

static void test_bf16_rounding(void) {
  CHECK(tj_bf16_from_double(1.0) == 0x3f80);
  CHECK(tj_bf16_from_double(1.0 + 0x1p-8) == 0x3f80);     /* a tie: to even */
  CHECK(tj_bf16_from_double(1.0 + 3 * 0x1p-8) == 0x3f82); /* a tie: to even, up */
  CHECK(tj_bf16_from_double(0x1.fep127) == 0x7f7f);       /* the largest */
  CHECK(tj_bf16_from_double(0x1.ffp127) == 0x7f80);       /* halfway: to even, infinity */
  CHECK(tj_bf16_from_double(1e300) == 0x7f80);
  CHECK(tj_bf16_from_double(0x1p-133) == 0x0001);         /* the least subnormal */
  CHECK(tj_bf16_from_double(0x1p-134) == 0x0000);
  CHECK(tj_bf16_from_double(0.1) == 0x3dcd);              /* float32 0x3dcccccd, rounded up */
  CHECK(tj_bf16_from_double(-NAN) == 0xffc0);
}

static void test_widening(void) {
  CHECK(tj_f16_to_f32(0x7bff) == 65504.0f);
  CHECK(tj_f16_to_f32(0x0001) == 0x1p-24f);
  CHECK(tj_f16_to_f32(0x03ff) == 1023 * 0x1p-24f);
  CHECK(isinf(tj_f16_to_f32(0xfc00)) && tj_f16_to_f32(0xfc00) < 0);
  CHECK(isnan(tj_f16_to_f32(0x7e00)));
  CHECK(signbit(tj_f16_to_f32(0x8000)));
  CHECK(tj_bf16_to_f32(0x3dcd) == 0.10009765625f);
  CHECK(tj_bf16_to_f32(0x0001) == 0x1p-133f);
  /* every non-NaN value of both formats round-trips (one check each, so
   * 2^16 values do not count as 2^16 tests) */
  unsigned f16_bad = 0, bf16_bad = 0;
  for (unsigned h = 0; h < 0x10000; h++) {
    if (!isnan(tj_f16_to_f32((uint16_t)h))) f16_bad += tj_f16_from_double(tj_f16_to_f32((uint16_t)h)) != h;
    if (!isnan(tj_bf16_to_f32((uint16_t)h))) bf16_bad += tj_bf16_from_double(tj_bf16_to_f32((uint16_t)h)) != h;
  }
  CHECK(f16_bad == 0);
  CHECK(bf16_bad == 0);
}

int main(void) {
  test_f16_rounding();
  test_bf16_rounding();
  test_widening();
  return HARNESS_REPORT();
}
