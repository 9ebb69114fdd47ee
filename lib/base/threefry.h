/* Threefry-2x32 with 20 rounds, the counter-based hash behind JAX's default
 * PRNG (jax/_src/random/threefry2x32.py _threefry2x32_lowering, after
 * Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
 * Integer operations only (add, rotate, xor on uint32), so the evaluator
 * (lib/eval/eval_random.c) and the compiled code's runtime
 * (lib/backend/random_rt.c) share this one text and agree bit for bit on
 * every machine. Included by both; a header so the runtime, built with the
 * kernels' flags, inlines it into its loop. */
#ifndef TJ_THREEFRY_H
#define TJ_THREEFRY_H

#include <stdint.h>

static inline uint32_t tj_threefry_rotl(uint32_t v, unsigned r) { return (v << r) | (v >> (32u - r)); }

/* One round of _threefry2x32_lowering's apply_round. */
#define TJ_THREEFRY_ROUND(x0, x1, r) ((x0) += (x1), (x1) = tj_threefry_rotl((x1), (r)), (x1) ^= (x0))

/* Hashes the counter pair (*x0, *x1) under the key (k0, k1) in place:
 * the key schedule ks = (k0, k1, k0 ^ k1 ^ 0x1BD11BDA) injected every 4
 * rounds with the injection count, the rotations (13, 15, 26, 6) and
 * (17, 29, 16, 24) alternating, as the unrolled lowering spells it. */
static inline void tj_threefry2x32(uint32_t k0, uint32_t k1, uint32_t *x0, uint32_t *x1) {
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  static const unsigned rot[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  uint32_t a = *x0 + ks[0], b = *x1 + ks[1];
  for (unsigned i = 0; i < 5; i++) {
    const unsigned *r = rot[i & 1];
    TJ_THREEFRY_ROUND(a, b, r[0]), TJ_THREEFRY_ROUND(a, b, r[1]);
    TJ_THREEFRY_ROUND(a, b, r[2]), TJ_THREEFRY_ROUND(a, b, r[3]);
    a += ks[(i + 1) % 3];
    b += ks[(i + 2) % 3] + (uint32_t)(i + 1);
  }
  *x0 = a, *x1 = b;
}

#endif
