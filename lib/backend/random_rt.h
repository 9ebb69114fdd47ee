/* The PRNG runtime the generated C calls (cg_random.c emits the calls,
 * cg_fns.def lists them), compiled into libtjit with the block kernels'
 * flags (Makefile: KERNEL_CFLAGS); its bits are lib/base/threefry.h's,
 * the evaluator's. */
#ifndef TJ_RANDOM_RT_H
#define TJ_RANDOM_RT_H

/* threefry2x32 over n counter pairs: element i of operand k is
 * k[i * sk] (a stride of 0 broadcasts a scalar, 1 walks an array of n),
 * each of the four operands uint32; the outputs o0, o1 hold n each. */
void tj_rt_threefry2x32(const void *k0, long sk0, const void *k1, long sk1, const void *x0, long sx0,
                        const void *x1, long sx1, void *o0, void *o1, long n);

/* The typed-key primitives on nkeys keys (each two uint32 words): per key,
 * random_split's per new keys, random_bits' per elements of width bits. */
void tj_rt_random_split(const void *keys, long nkeys, void *out, long per);
void tj_rt_random_bits(const void *keys, long nkeys, void *out, int width, long per);
/* Elements first .. first + n - 1 (of any count per key) of the
 * random_bits of one key (its two uint32 words at key), width 8, 16, 32 or
 * 64, into out[0 .. n): the block kernel the calls above run, and which a
 * block loop may call on its own blocks. */
void tj_rt_random_bits_block(const void *key, void *out, int width, long first, long n);
/* random_fold_in over n pairs: key i is keys[i * sk], message msgs[i * sm]
 * (strides 0 or 1). */
void tj_rt_random_fold_in(const void *keys, long sk, const void *msgs, long sm, void *out, long n);

#endif
