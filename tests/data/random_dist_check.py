"""Checks `tjit run --format json tests/data/random-dist-check.json` (stdin)
against numpy: jax/_src/random/core.py's _randint, _shuffle, _gumbel (modes
'low', 'high' and float32's 'highest' with _safe_int_to_float), _bernoulli (mode 'high') and choice, transcribed over
the bits of random_keys_check.py's transcription of JAX's threefry
implementation. Integers and booleans must be equal; the Gumbel floats
within 2e-6 relative plus 5e-7 absolute (numpy's float32 log and log1p may
differ from XLA's in the last bit, which the outer log magnifies near 0);
the uniforms under them are exact, and so is 'highest''s float32 in (0, 1),
which is also checked against the 64-bit fraction it stands for (rounded
down to 24 significant bits, in Python integers). Also the properties: randint within
[minval, maxval), permutations permute, choice without replacement repeats
nothing, choice with p and replacement draws about p's frequencies. Exit 0 when all agree."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from random_keys_check import bits, fold_in, seed, split  # noqa: E402

U32, F32 = np.uint32, np.float32


def split2(key):
    ks = split(key, (2,))
    return ks[0], ks[1]


def randint(key, shape, lo, hi, dtype=np.int32):
    """_randint for 32-bit dtypes: bounds clipped to the dtype, two draws
    reduced modulo the span (1 when maxval <= minval)."""
    info = np.iinfo(dtype)
    out_of_range = hi > info.max
    lo, hi = np.clip(lo, info.min, info.max), np.clip(hi, info.min, info.max)
    nbits = info.bits
    ut = {32: U32, 64: np.uint64}[nbits]
    k1, k2 = split2(key)
    higher, lower = bits(k1, shape, nbits), bits(k2, shape, nbits)
    span = ut((int(hi) - int(lo)) % 2 ** nbits)
    if hi <= lo:
        span = ut(1)
    if out_of_range and hi > lo:
        span = ut(span + ut(1))
    mult = ut(2 ** (nbits // 2)) % span
    mult = ut(mult * mult) % span
    off = ((higher % span) * mult + lower % span) % span
    return (np.asarray(lo, dtype) + off.astype(dtype)).astype(dtype)


def shuffle(key, x, axis):
    rounds = int(np.ceil(3 * np.log(max(1, x.size)) / np.log(np.iinfo(U32).max)))
    for _ in range(rounds):
        key, sub = split2(key)
        order = np.argsort(bits(sub, x.shape, 32), axis=axis, kind="stable")
        x = np.take_along_axis(x, order, axis=axis)
    return x


def uniform(key, shape, lo, hi):
    b = bits(key, shape, 32)
    f = ((b >> U32(9)) | U32(0x3F800000)).view(F32) - F32(1)
    lo, hi = F32(lo), F32(hi)
    return np.maximum(lo, f * (hi - lo) + lo)


TINY = np.finfo(F32).tiny


def gumbel(key, shape, mode="low"):
    if mode == "low":
        return -np.log(-np.log(uniform(key, shape, TINY, 1.0)))
    u = uniform(key, (2, *shape), 0.0, 1.0)
    high, low = u[0], u[1]
    x = np.where(high >= F32(0.5), high, high + F32(2.0 ** -23) * low + TINY)
    return -np.log(-np.log1p(-x))


def clz32(x):
    """lax.clz on uint32: 32 less the bit length (frexp is exact on uint32)."""
    return (U32(32) - np.frexp(x.astype(np.float64))[1].astype(U32)).astype(U32)


def shift(x, n, left):
    """XLA's shifts: an amount of 32 or more gives 0."""
    s = np.minimum(n, U32(31)).astype(U32)
    return np.where(n >= U32(32), U32(0), (x << s) if left else (x >> s)).astype(U32)


def safe_int_to_float(b):
    """_safe_int_to_float(bits, float32): finfo bits 32, nmant 23, minexp -126."""
    hiclz, loclz = clz32(b[0]), clz32(b[1])
    hi, lo = b[0], b[1]
    mant = shift(hi, hiclz, True) | np.where(hiclz == U32(32), shift(lo, loclz, True),
                                             shift(lo, (U32(32) - hiclz).astype(U32), False))
    mant = (mant >> U32(32 - 23 - 1)) & U32((1 << 23) - 1)
    exp = ((U32(126) - np.where(hiclz == U32(32), U32(32) + loclz, hiclz)) << U32(23)).astype(U32)
    exp = exp & U32((1 << 30) - (1 << 22))
    return (exp | mant).astype(U32).view(F32)


def gumbel_highest_parts(key, shape):
    """_gumbel's float32 'highest' body up to x: (flip_mask, x, bits)."""
    b = np.asarray(bits(key, (2, *shape), 32), U32)
    neg = ~b
    lo_bits = neg[1]
    neg = (neg + np.stack([(lo_bits == U32(0xFFFFFFFF)).astype(U32), np.ones_like(lo_bits)])).astype(U32)
    flip = b[0] < U32(1 << 31)
    return flip, safe_int_to_float(np.where(flip, b, neg)), b


def gumbel_highest(key, shape):
    flip, x, _ = gumbel_highest_parts(key, shape)
    return np.where(flip, -np.log(-np.log1p(-x)), -np.log(-np.log(x))).astype(F32)


def fraction_rounded_down(b, flip):
    """What x stands for, in integers: v = hi * 2**32 + lo (2**64 - v when
    not flip_mask), v / 2**64 rounded down to 24 significant bits."""
    out = []
    for h, l, f in zip(b[0].ravel().tolist(), b[1].ravel().tolist(), np.ravel(flip).tolist()):
        v = (h << 32) | l
        v = v if f else (1 << 64) - v
        if v == 0:
            out.append(2.0 ** -65)
            continue
        n = v.bit_length()
        m = v >> (n - 24) if n > 24 else v << (24 - n)
        out.append(m * 2.0 ** (n - 24 - 64))
    return np.array(out, np.float64).reshape(np.shape(flip))


def bernoulli_high(key, p, shape):
    u = uniform(key, (2, *shape), 0.0, 1.0)
    return u[1] * F32(2.0 ** -23) < F32(p) - u[0]


def choice_p(key, p, shape):
    """choice with p and replace=True: p_cuml = cumsum(p) (in order, float32),
    r = p_cuml[-1] * (1 - uniform(key, shape)), searchsorted(p_cuml, r)."""
    p_cuml = np.cumsum(p, dtype=F32)
    r = p_cuml[-1] * (F32(1) - uniform(key, shape, 0.0, 1.0))
    return np.searchsorted(p_cuml, r, "left").astype(np.int32)


np.seterr(divide="ignore", over="ignore")
spec = json.load(open(sys.argv[1]))["args"]
outs = json.load(sys.stdin)["calls"][0]["outputs"]
k = seed(spec["s"]["data"])
x = np.array(spec["x"]["data"], F32)
p = np.array(spec["p"]["data"], F32)
col = shuffle(fold_in(k, 12), np.arange(3, dtype=np.int32), 0)
want = [
    randint(k, (300,), -7, 1000), randint(fold_in(k, 1), (3, 5), 5, 2),
    randint(fold_in(k, 2), (1000,), -2147483647, 2147483647), randint(fold_in(k, 3), (2, 50), 3, 90, U32),
    shuffle(fold_in(k, 4), np.arange(1000, dtype=np.int32), 0), shuffle(fold_in(k, 5), x, 0),
    x[:, shuffle(fold_in(k, 6), np.arange(3, dtype=np.int32), 0)],
    gumbel(fold_in(k, 7), (500,)), gumbel(fold_in(k, 8), (500,), "high"), bernoulli_high(fold_in(k, 9), 0.3, (500,)),
    shuffle(fold_in(k, 10), np.arange(50, dtype=np.int32), 0)[:20], randint(fold_in(k, 11), (100,), 0, 7),
    x[:, col][:, :2], np.argsort(-(gumbel(fold_in(k, 13), (5,)) + np.log(p)), kind="stable")[:3].astype(np.int32),
    randint(fold_in(k, 14), (200,), -1000, 1000000, np.int64),
    randint(fold_in(k, 15), (300,), 0, 256).astype(np.uint8),  # 8/16 bits: drawn in int32, bounds clipped
    randint(fold_in(k, 16), (300,), -100, 100).astype(np.int16),
    gumbel_highest(fold_in(k, 17), (4000,)), gumbel_highest(fold_in(k, 18), ()),
    choice_p(fold_in(k, 19), p, (400,)), x[choice_p(fold_in(k, 20), p[1:], (2, 3))],
]
got = [np.array(o["data"], w.dtype).reshape(o["shape"]) for o, w in zip(outs, want)]
fails = [i for i, (g, w) in enumerate(zip(got, want))
         if g.shape != w.shape or not (np.allclose(g, w, rtol=2e-6, atol=5e-7) if w.dtype == F32 and i in (7, 8, 17, 18)
                                       else np.array_equal(g, w))]
props = [
    ((got[0] >= -7) & (got[0] < 1000)).all(), (got[1] == 5).all(), ((got[3] >= 3) & (got[3] < 90)).all(),
    np.array_equal(np.sort(got[4]), np.arange(1000)), np.array_equal(np.sort(got[5], axis=0), x),
    len(set(got[10].tolist())) == 20 and ((got[10] >= 0) & (got[10] < 50)).all(),
    ((got[11] >= 0) & (got[11] < 7)).all(), len(set(got[13].tolist())) == 3,
    got[15].max() >= 250, ((got[16] >= -100) & (got[16] < 100)).all(),
    np.abs(np.bincount(got[19], minlength=5) / 400 - p).max() < 0.08, got[20].shape == (2, 3, 3),
]
for key, shape in ((fold_in(k, 17), (4000,)), (fold_in(k, 18), ())):
    flip, xs, b = gumbel_highest_parts(key, shape)
    props.append(np.array_equal(xs.astype(np.float64), fraction_rounded_down(b, flip)))
props.append(np.isfinite(got[17]).all() and np.std(got[17]) > 1.1 and np.std(got[17]) < 1.45)
if len(outs) != len(want) or fails or not all(props):
    sys.exit(f"outputs differ from numpy: {fails}, properties {props}")
print("numpy agrees")
