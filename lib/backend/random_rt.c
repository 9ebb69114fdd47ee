/* The PRNG runtime (random_rt.h): threefry2x32 as a loop over counter
 * pairs, lib/base/threefry.h's rounds inlined; built with the kernels'
 * flags so the loop over a scalar key vectorizes. */
#include "random_rt.h"

#include <stdint.h>

#include "threefry.h"

/* The common case (jax.random's random_bits, split): the key's halves
 * scalars, the counters arrays. */
static void threefry_keyed(uint32_t k0, uint32_t k1, const uint32_t *x0, const uint32_t *x1, uint32_t *o0,
                           uint32_t *o1, long n) {
  for (long i = 0; i < n; i++) {
    uint32_t a = x0[i], b = x1[i];
    tj_threefry2x32(k0, k1, &a, &b);
    o0[i] = a, o1[i] = b;
  }
}

void tj_rt_threefry2x32(const void *k0, long sk0, const void *k1, long sk1, const void *x0, long sx0,
                        const void *x1, long sx1, void *o0, void *o1, long n) {
  const uint32_t *a = k0, *b = k1, *c = x0, *d = x1;
  uint32_t *r0 = o0, *r1 = o1;
  if (sk0 == 0 && sk1 == 0 && sx0 == 1 && sx1 == 1) {
    threefry_keyed(a[0], b[0], c, d, r0, r1, n);
    return;
  }
  for (long i = 0; i < n; i++) {
    uint32_t u = c[i * sx0], v = d[i * sx1];
    tj_threefry2x32(a[i * sk0], b[i * sk1], &u, &v);
    r0[i] = u, r1[i] = v;
  }
}

void tj_rt_random_split(const void *keys, long nkeys, void *out, long per) {
  const uint32_t *k = keys;
  for (long i = 0; i < nkeys; i++) tj_threefry_split(&k[2 * i], (uint32_t *)out + 2 * i * per, per);
}

void tj_rt_random_bits(const void *keys, long nkeys, void *out, int width, long per) {
  const uint32_t *k = keys;
  for (long i = 0; i < nkeys; i++) tj_threefry_bits(&k[2 * i], (char *)out + i * per * (width / 8), width, per);
}

void tj_rt_random_fold_in(const void *keys, long sk, const void *msgs, long sm, void *out, long n) {
  const uint32_t *k = keys, *d = msgs;
  for (long i = 0; i < n; i++) tj_threefry_fold_in(&k[2 * i * sk], d[i * sm], (uint32_t *)out + 2 * i);
}
