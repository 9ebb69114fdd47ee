/* The PRNG runtime (random_rt.h): threefry2x32 as block kernels, loops
 * over counter pairs whose body is lib/base/threefry.h's TJ_THREEFRY2X32
 * (the evaluator's rounds). Built with the kernels' flags (Makefile:
 * KERNEL_CFLAGS) and `omp simd`: the pairs are independent (counter-based
 * generation), so gcc runs the 20 rounds on 8 pairs at once in AVX2
 * registers (4 with SSE2), the rotations by constants as shift, shift, or;
 * random_bits of 32 bits, the hot one, has its own AVX2 kernel below. The
 * bits never depend on the flags: integer operations only.
 * One thread, as the rest of the generated code (BLAS aside). */
#include "random_rt.h"

#include <stdint.h>
/* AVX-512VL has a vector rotate (vprold), which gcc uses in the omp simd
 * loops: better than the AVX2 path's byte shuffles. */
#if defined(__AVX2__) && !defined(__AVX512VL__)
#define TJ_RANDOM_AVX2 1
#include <immintrin.h>
#endif

#include "threefry.h"

/* The hash of pair i, its words in locals a, b; the key (k0, k1) and its
 * schedule word k2 in scope. */
#define HASH_PAIR(x0, x1) uint32_t a = (x0), b = (x1); TJ_THREEFRY2X32(k0, k1, k2, a, b)

/* The common case of threefry2x32 (split's and random_bits' own lowering
 * in JAX, a caller's threefry2x32 on arrays): one key, counter arrays. */
static void threefry_keyed(uint32_t k0, uint32_t k1, const uint32_t *x0, const uint32_t *x1, uint32_t *o0,
                           uint32_t *o1, long n) {
  const uint32_t k2 = tj_threefry_k2(k0, k1);
  _Pragma("omp simd") for (long i = 0; i < n; i++) {
    HASH_PAIR(x0[i], x1[i]);
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

/* Elements first .. first + n - 1 of one key's random_bits (threefry.h's
 * tj_threefry_bits: counter i is the pair (i >> 32, i & 0xFFFFFFFF), the
 * result bits1 ^ bits2, truncated for 8 and 16 bits, bits1 << 32 | bits2
 * for 64), one vectorized loop per width, over stretches of counters that
 * share their high word (all of them below 2^32), so the loop counts in
 * 32-bit lanes. */
#define BITS_LOOP(T, expr)                                                \
  _Pragma("omp simd") for (long i = 0; i < m; i++) {                      \
    HASH_PAIR(hi, lo + (uint32_t)i);                                      \
    ((T *)o)[i] = (expr);                                                 \
  }
#ifdef TJ_RANDOM_AVX2
/* 32-bit bits on 32 counters per step, four chains of 8 lanes, the rounds
 * spelled in AVX2 intrinsics: the same operations as TJ_THREEFRY2X32 (the
 * unit tests compare the two), except that the rotations by 16 and 24 are
 * one byte shuffle each instead of shift, shift, or (gcc does not see
 * that). The four chains' rounds interleave: one chain's 20 rounds are a
 * dependency chain of ~80 cycles, which alone leaves the vector units
 * idle (8 counters per step: 21.6 ms for 10M here, 4 chains: 12.4 ms).
 * Returns how many it made (a multiple of 32). */
#define ROT(b, r) _mm256_or_si256(_mm256_slli_epi32(b, r), _mm256_srli_epi32(b, 32 - (r)))
#define BYTES(p, q, r, s) p, q, r, s, p + 4, q + 4, r + 4, s + 4, p + 8, q + 8, r + 8, s + 8, p + 12, q + 12, r + 12, s + 12
#define ROUND(a, b, rot) (a = _mm256_add_epi32(a, b), b = rot, b = _mm256_xor_si256(b, a))
#define ROUND_ROT(a, b, r) ROUND(a, b, ROT(b, r))
#define ROUND_SHUF(a, b, t) ROUND(a, b, _mm256_shuffle_epi8(b, t))
#define INJECT(a, b, ka, kb) (a = _mm256_add_epi32(a, ka), b = _mm256_add_epi32(b, kb))
#define ON4(OP, x, y) (OP(a0, b0, x, y), OP(a1, b1, x, y), OP(a2, b2, x, y), OP(a3, b3, x, y))
#define ROUND4(OP, r) (OP(a0, b0, r), OP(a1, b1, r), OP(a2, b2, r), OP(a3, b3, r))
#define ROUNDS_A (ROUND4(ROUND_ROT, 13), ROUND4(ROUND_ROT, 15), ROUND4(ROUND_ROT, 26), ROUND4(ROUND_ROT, 6))
#define ROUNDS_B (ROUND4(ROUND_ROT, 17), ROUND4(ROUND_ROT, 29), ROUND4(ROUND_SHUF, rot16), ROUND4(ROUND_SHUF, rot24))
#define SPLAT(x) _mm256_set1_epi32((int)(x))
static long bits32_avx2(uint32_t k0, uint32_t k1, uint32_t k2, uint32_t hi, uint32_t lo, uint32_t *o, long m) {
  const __m256i rot16 = _mm256_setr_epi8(BYTES(2, 3, 0, 1), BYTES(2, 3, 0, 1));
  const __m256i rot24 = _mm256_setr_epi8(BYTES(1, 2, 3, 0), BYTES(1, 2, 3, 0));
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), eight = SPLAT(8);
  long i = 0;
  for (; i + 32 <= m; i += 32) {
    __m256i a0 = SPLAT(hi + k0), a1 = a0, a2 = a0, a3 = a0;
    __m256i b0 = _mm256_add_epi32(lanes, SPLAT(lo + (uint32_t)i + k1)), b1 = _mm256_add_epi32(b0, eight);
    __m256i b2 = _mm256_add_epi32(b1, eight), b3 = _mm256_add_epi32(b2, eight);
    ROUNDS_A, ON4(INJECT, SPLAT(k1), SPLAT(k2 + 1u));
    ROUNDS_B, ON4(INJECT, SPLAT(k2), SPLAT(k0 + 2u));
    ROUNDS_A, ON4(INJECT, SPLAT(k0), SPLAT(k1 + 3u));
    ROUNDS_B, ON4(INJECT, SPLAT(k1), SPLAT(k2 + 4u));
    ROUNDS_A, ON4(INJECT, SPLAT(k2), SPLAT(k0 + 5u));
    _mm256_storeu_si256((__m256i *)(o + i), _mm256_xor_si256(a0, b0));
    _mm256_storeu_si256((__m256i *)(o + i + 8), _mm256_xor_si256(a1, b1));
    _mm256_storeu_si256((__m256i *)(o + i + 16), _mm256_xor_si256(a2, b2));
    _mm256_storeu_si256((__m256i *)(o + i + 24), _mm256_xor_si256(a3, b3));
  }
  return i;
}
#endif

void tj_rt_random_bits_block(const void *key, void *out, int width, long first, long n) {
  const uint32_t k0 = ((const uint32_t *)key)[0], k1 = ((const uint32_t *)key)[1], k2 = tj_threefry_k2(k0, k1);
  for (long done = 0; done < n;) {
    uint64_t c = (uint64_t)first + (uint64_t)done;
    uint32_t hi = (uint32_t)(c >> 32), lo = (uint32_t)c;
    uint64_t left = (1ull << 32) - lo; /* counters before the high word changes */
    long m = (uint64_t)(n - done) < left ? n - done : (long)left;
    char *o = (char *)out + done * (width / 8);
#ifdef TJ_RANDOM_AVX2
    if (width == 32) { /* whole registers first, the rest below */
      long v = bits32_avx2(k0, k1, k2, hi, lo, (uint32_t *)(void *)o, m);
      done += v, m -= v, lo += (uint32_t)v, o += 4 * v;
    }
#endif
    switch (width) {
    case 8: BITS_LOOP(uint8_t, (uint8_t)(a ^ b)) break;
    case 16: BITS_LOOP(uint16_t, (uint16_t)(a ^ b)) break;
    case 64: BITS_LOOP(uint64_t, (uint64_t)a << 32 | b) break;
    default: BITS_LOOP(uint32_t, a ^ b) break;
    }
    done += m;
  }
}

/* _threefry_split_foldlike: new key i is the hash of counter i. */
void tj_rt_random_split(const void *keys, long nkeys, void *out, long per) {
  for (long j = 0; j < nkeys; j++) {
    const uint32_t k0 = ((const uint32_t *)keys)[2 * j], k1 = ((const uint32_t *)keys)[2 * j + 1];
    const uint32_t k2 = tj_threefry_k2(k0, k1);
    uint32_t *o = (uint32_t *)out + 2 * j * per;
    _Pragma("omp simd") for (long i = 0; i < per; i++) {
      HASH_PAIR((uint32_t)((uint64_t)i >> 32), (uint32_t)i);
      o[2 * i] = a, o[2 * i + 1] = b;
    }
  }
}

void tj_rt_random_bits(const void *keys, long nkeys, void *out, int width, long per) {
  for (long j = 0; j < nkeys; j++)
    tj_rt_random_bits_block((const uint32_t *)keys + 2 * j, (char *)out + j * per * (width / 8), width, 0, per);
}

void tj_rt_random_fold_in(const void *keys, long sk, const void *msgs, long sm, void *out, long n) {
  const uint32_t *k = keys, *d = msgs;
  for (long i = 0; i < n; i++) tj_threefry_fold_in(&k[2 * i * sk], d[i * sm], (uint32_t *)out + 2 * i);
}
