/* Threefry-2x32 with 20 rounds, the counter-based hash behind JAX's default
 * PRNG (jax/_src/random/threefry2x32.py _threefry2x32_lowering, after
 * Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
 * Integer operations only (add, rotate, xor on uint32), so the evaluator
 * (lib/eval/eval_random.c) and the compiled code's runtime
 * (lib/backend/random_rt.c) share this one text and agree bit for bit on
 * every machine. Included by both: the evaluator hashes one pair at a time
 * (tj_threefry2x32), the runtime expands TJ_THREEFRY2X32 inside its
 * vectorized block loops. */
#ifndef TJ_THREEFRY_H
#define TJ_THREEFRY_H

#include <stdint.h>

static inline uint32_t tj_threefry_rotl(uint32_t v, unsigned r) { return (v << r) | (v >> (32u - r)); }

/* One round of _threefry2x32_lowering's apply_round. */
#define TJ_THREEFRY_ROUND(x0, x1, r) ((x0) += (x1), (x1) = tj_threefry_rotl((x1), (r)), (x1) ^= (x0))
#define TJ_THREEFRY_ROUNDS4(x0, x1, r0, r1, r2, r3)                                                  \
  (TJ_THREEFRY_ROUND(x0, x1, r0), TJ_THREEFRY_ROUND(x0, x1, r1), TJ_THREEFRY_ROUND(x0, x1, r2), \
   TJ_THREEFRY_ROUND(x0, x1, r3))

/* Hashes the counter pair of lvalues (x0, x1) in place under the key
 * schedule (k0, k1, k2 = k0 ^ k1 ^ 0x1BD11BDA): 20 rounds, the rotations
 * (13, 15, 26, 6) and (17, 29, 16, 24) alternating, the schedule injected
 * every 4 rounds with the injection count, spelled out as
 * _threefry2x32_lowering's unrolled branch (use_rolled_loops=False) spells
 * it. A macro of constant rotations, so that a loop around it vectorizes
 * at -O2 (random_rt.c's `omp simd` loops) with nothing left to inline. */
#define TJ_THREEFRY2X32(k0, k1, k2, x0, x1)                                       \
  ((x0) += (k0), (x1) += (k1),                                                     \
   TJ_THREEFRY_ROUNDS4(x0, x1, 13, 15, 26, 6), (x0) += (k1), (x1) += (k2) + 1u,  \
   TJ_THREEFRY_ROUNDS4(x0, x1, 17, 29, 16, 24), (x0) += (k2), (x1) += (k0) + 2u, \
   TJ_THREEFRY_ROUNDS4(x0, x1, 13, 15, 26, 6), (x0) += (k0), (x1) += (k1) + 3u,  \
   TJ_THREEFRY_ROUNDS4(x0, x1, 17, 29, 16, 24), (x0) += (k1), (x1) += (k2) + 4u, \
   TJ_THREEFRY_ROUNDS4(x0, x1, 13, 15, 26, 6), (x0) += (k2), (x1) += (k0) + 5u)

static inline uint32_t tj_threefry_k2(uint32_t k0, uint32_t k1) { return k0 ^ k1 ^ 0x1BD11BDAu; }

/* Hashes the counter pair (*x0, *x1) under the key (k0, k1) in place. */
static inline void tj_threefry2x32(uint32_t k0, uint32_t k1, uint32_t *x0, uint32_t *x1) {
  uint32_t a = *x0, b = *x1, k2 = tj_threefry_k2(k0, k1);
  TJ_THREEFRY2X32(k0, k1, k2, a, b);
  *x0 = a, *x1 = b;
}

/* The implementation of jax.random's threefry2x32 PRNG (threefry2x32.py
 * threefry_prng_impl, jax_threefry_partitionable True, 0.10.2's default)
 * on one key's data k[0..2): */

/* threefry_seed: (seed >> 32, seed & 0xFFFFFFFF) for a 64-bit seed, (0,
 * seed's low 32 bits) for a narrower one (shift_right_logical by 32 of a
 * 32-bit integer is 0; the and is taken on the sign-extended value). */
static inline void tj_threefry_seed(int64_t seed, int wide, uint32_t *k) {
  k[0] = wide ? (uint32_t)((uint64_t)seed >> 32) : 0u;
  k[1] = (uint32_t)seed;
}

/* Counter i of iota_2x32_shape: the row-major index as (high, low) words. */
static inline void tj_threefry_at(const uint32_t *k, uint64_t i, uint32_t *y0, uint32_t *y1) {
  *y0 = (uint32_t)(i >> 32), *y1 = (uint32_t)i;
  tj_threefry2x32(k[0], k[1], y0, y1);
}

/* _threefry_split_foldlike: key i of n is the hash of counter i, its two
 * words stacked as the new key's data (out[2i], out[2i + 1]). */
static inline void tj_threefry_split(const uint32_t *k, uint32_t *out, int64_t n) {
  for (int64_t i = 0; i < n; i++) tj_threefry_at(k, (uint64_t)i, &out[2 * i], &out[2 * i + 1]);
}

/* threefry_fold_in: threefry_2x32(key, threefry_seed(data)), the counter
 * pair (0, data) hashed; the two words are the new key. */
static inline void tj_threefry_fold_in(const uint32_t *k, uint32_t data, uint32_t *out) {
  out[0] = 0u, out[1] = data;
  tj_threefry2x32(k[0], k[1], &out[0], &out[1]);
}

/* _threefry_random_bits_partitionable: per counter i, bits1 ^ bits2
 * (bit_width 32), truncated to 8 or 16 bits, or bits1 << 32 | bits2 (64);
 * out holds n elements of that width. */
static inline void tj_threefry_bits(const uint32_t *k, void *out, int bit_width, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    uint32_t a, b;
    tj_threefry_at(k, (uint64_t)i, &a, &b);
    switch (bit_width) {
    case 8: ((uint8_t *)out)[i] = (uint8_t)(a ^ b); break;
    case 16: ((uint16_t *)out)[i] = (uint16_t)(a ^ b); break;
    case 64: ((uint64_t *)out)[i] = (uint64_t)a << 32 | b; break;
    default: ((uint32_t *)out)[i] = a ^ b; break;
    }
  }
}

#endif
