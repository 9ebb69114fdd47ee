/* The bit-level f16/bf16 conversions the generated C and the runtimes use
 * (lib/base/half_bits.h) against half.c's reference conversions: every
 * one of the 2^16 values of each format widens to the same float32; every
 * value, every midpoint between neighbours (a tie: to even) and the
 * floats just either side of it narrow to the same bits; NaNs of both
 * signs; doubles between float32's (the f64 path's rounding to odd). One
 * CHECK per property and format, counting the disagreements. */
#include <math.h>
#include <stdint.h>

#include "half.h"
#include "half_bits.h"
#include "harness.h"

TJ_HALF_BITS_DEFS

/* The float32 values around value h's upper midpoint: the midpoint
 * itself (exact in float32: 11 or 8 bits plus one) and its neighbours. */
typedef struct { float at[3]; int n; } probes;

static probes midpoints(float lo, float hi) {
  probes p = {{0}, 0};
  if (!isfinite(lo) || !isfinite(hi)) return p;
  float mid = (float)(((double)lo + (double)hi) / 2);
  p.at[p.n++] = mid;
  p.at[p.n++] = nextafterf(mid, -INFINITY);
  p.at[p.n++] = nextafterf(mid, INFINITY);
  return p;
}

static unsigned narrow_misses(float f, bool bf) {
  uint16_t want = bf ? tj_bf16_from_double(f) : tj_f16_from_double(f);
  uint16_t got = bf ? tj_bf16_of_f32(f) : tj_f16_of_f32(f);
  return got != want;
}

static void test_every_value(bool bf) {
  unsigned widen_bad = 0, narrow_bad = 0, tie_bad = 0;
  for (uint32_t h = 0; h < 0x10000; h++) {
    float ref = bf ? tj_bf16_to_f32((uint16_t)h) : tj_f16_to_f32((uint16_t)h);
    float got = bf ? tj_f32_of_bf16((uint16_t)h) : tj_f32_of_f16((uint16_t)h);
    widen_bad += tj_hb_bits(ref) != tj_hb_bits(got);
    narrow_bad += narrow_misses(ref, bf);
    if ((h & 0x7fff) == 0x7fff) continue;
    float next = bf ? tj_bf16_to_f32((uint16_t)(h + 1)) : tj_f16_to_f32((uint16_t)(h + 1));
    probes p = midpoints(ref, next);
    for (int i = 0; i < p.n; i++) tie_bad += narrow_misses(p.at[i], bf);
  }
  CHECK(widen_bad == 0);
  CHECK(narrow_bad == 0);
  CHECK(tie_bad == 0);
}

/* Ties land on even: hand-picked, so the sweep above is not the only
 * witness (1 + 2^-11 is f16's tie between 1 and 1 + 2^-10). */
static void test_ties(void) {
  CHECK(tj_f16_of_f32(1.0f + 0x1p-11f) == 0x3c00 && tj_f16_of_f32(1.0f + 3 * 0x1p-11f) == 0x3c02 &&
        tj_f16_of_f32(65520.0f) == 0x7c00 && tj_f16_of_f32(0x1p-25f) == 0 && tj_f16_of_f32(3 * 0x1p-25f) == 2 &&
        tj_bf16_of_f32(1.0f + 0x1p-8f) == 0x3f80 && tj_bf16_of_f32(1.0f + 3 * 0x1p-8f) == 0x3f82);
}

static void test_nan_and_inf(void) {
  CHECK(tj_f16_of_f32(NAN) == tj_f16_from_double(NAN) && tj_f16_of_f32(-NAN) == tj_f16_from_double(-NAN) &&
        tj_bf16_of_f32(-NAN) == tj_bf16_from_double(-NAN) && tj_f16_of_f32(-INFINITY) == 0xfc00 &&
        tj_bf16_of_f32(INFINITY) == 0x7f80 && isnan(tj_f32_of_f16(0x7e00)) && isnan(tj_f32_of_bf16(0xffc0)));
}

/* Doubles: every f16 midpoint, nudged by less than a float32 ulp either
 * way (float32 alone would round them onto the tie), and random doubles. */
static void test_from_double(void) {
  unsigned bad = 0;
  for (uint32_t h = 0; h < 0x7bff; h++) {
    double lo = tj_f16_to_f32((uint16_t)h), hi = tj_f16_to_f32((uint16_t)(h + 1)), mid = (lo + hi) / 2;
    double nudge = (hi - lo) * 0x1p-30;
    const double xs[] = {mid, mid + nudge, mid - nudge, -mid - nudge, lo + nudge, 0x1p-40 * (h + 1)};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) bad += tj_f16_of_f64(xs[i]) != tj_f16_from_double(xs[i]);
  }
  const double edges[] = {1e300, -1e300, 65519.999999, 65520.0, 0x1p-25, 0x1p-25 + 0x1p-60, -0x1p-25 - 0x1p-60,
                          1e-300, -1e-300, 0.0, -0.0};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
    bad += tj_hb_bits(tj_hb_float(tj_f16_of_f64(edges[i]))) != tj_hb_bits(tj_hb_float(tj_f16_from_double(edges[i])));
  CHECK(bad == 0);
}

int main(void) {
  test_every_value(false);
  test_every_value(true);
  test_ties();
  test_nan_and_inf();
  test_from_double();
  return HARNESS_REPORT();
}
