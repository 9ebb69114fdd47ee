"""Checks the jax.nn builtins (issue 14 item 5) against formulas computed
independently in numpy (float64, no scipy): writes a spec of a 64 x 128
float32 input (normal * 6, with +-inf, NaN, 0 and large values, made by
a division by 0 in the program) and 4096
int32 labels in [-2, 12) and 128 logsumexp scales b (zeros and negatives among
them), to the path given as argv[1] when called with
`spec`; with `check`, reads `tjit run --format json` of that spec from stdin
and compares each output. Exit 0 and "numpy agrees" when every output is
within 2e-5 relative (1e-6 absolute) of numpy's, NaNs where numpy's are."""
import json
import math
import sys

import numpy as np

SOURCE = [
    "auto f(f32[64,128] v, f32[64,128] d, i32[4096] l, f32[128] b) {",
    "  auto x = v / d;  // +-inf and NaN where d is 0 (JSON has no inf)",
    "  auto w = v > -3.0;",
    "  return (relu(x), relu6(x), sigmoid(x), silu(x), softplus(x), log_sigmoid(x), elu(x, 0.5),",
    "          leaky_relu(x), gelu(x), gelu(x, approximate=false), softmax(x), log_softmax(x, axis=0),",
    "          logsumexp(x, axis=1), logsumexp(x), one_hot(l, 10), isfinite(x), logaddexp(x, 0.5 * x),",
    "          stop_gradient(x), erfc(x), softmax(x, where=w), log_softmax(x, 0, w), logsumexp(x, 1, where=w),",
    "          logsumexp(v, 1, b), logsumexp(v, axis=1, b=b, return_sign=true));",
    "}",
]


def inputs():
    rng = np.random.default_rng(14)
    x = (rng.standard_normal((64, 128)) * 6).astype(np.float32)
    x[0, :6] = [5.0, -5.0, 0.0, 0.0, 90.0, -90.0]
    x[1, 0] = 1.0
    d = np.ones_like(x)
    d[0, :3] = 0  # inf, -inf, NaN
    d[1, 0] = 0  # a row whose max is inf: logsumexp's is_finite guard
    labels = rng.integers(-2, 12, 4096).astype(np.int32)
    b = rng.standard_normal(128).astype(np.float32) + np.float32(0.3)
    b[::9] = 0  # masked out: a is -inf there
    return x, d, labels, b


def masked_softmax(d, w):
    m = np.max(np.where(w, d, -np.inf), axis=1, keepdims=True)
    e = np.exp(np.where(w, d, -np.inf) - m)
    return np.where(w, e / np.sum(np.where(w, e, 0), axis=1, keepdims=True), 0)


def masked_log_softmax(d, w):
    m = np.max(np.where(w, d, -np.inf), axis=0, keepdims=True)
    sh = np.where(w, d, -np.inf) - m
    return np.where(w, sh - np.log(np.sum(np.where(w, np.exp(sh), 0), axis=0, keepdims=True)), -np.inf)


def masked_lse(d, w):
    a = np.where(w, d, 0)
    amax = np.max(np.where(w, a, -np.inf), axis=1, keepdims=True)
    amax = np.where(np.isfinite(amax), amax, 0)
    return np.log(np.sum(np.where(w, np.exp(a - amax), 0), axis=1)) + amax[:, 0]


def scaled_lse(v, b):
    a = np.where(b != 0, v, -np.inf)
    amax = np.max(a, axis=1, keepdims=True)
    s = np.sum(np.exp(a - amax) * b, axis=1)
    out = np.log(np.abs(s)) + amax[:, 0]
    return [np.where(s < 0, np.nan, out), out, np.sign(s)]


def expected(x, labels, w, v, b):
    d = x.astype(np.float64)
    erfc = np.vectorize(math.erfc)
    with np.errstate(all="ignore"):
        sig = 1 / (1 + np.exp(-d))
        softplus = np.logaddexp(d, 0)
        m1 = np.max(d, axis=1, keepdims=True)
        e1 = np.exp(d - m1)
        m0 = np.max(d, axis=0, keepdims=True)
        sh0 = d - m0

        def lse(a, axis):
            amax = np.max(a, axis=axis, keepdims=True)
            amax = np.where(np.isfinite(amax), amax, 0)
            return np.squeeze(np.log(np.sum(np.exp(a - amax), axis=axis, keepdims=True)) + amax, axis=axis)

        return [np.maximum(d, 0), np.minimum(np.maximum(d, 0), 6), sig, d * sig, softplus, -np.logaddexp(-d, 0),
                np.where(d > 0, d, 0.5 * np.expm1(np.where(d > 0, 0, d))), np.where(d >= 0, d, 0.01 * d),
                0.5 * d * (1 + np.tanh(math.sqrt(2 / math.pi) * (d + 0.044715 * d ** 3))),
                0.5 * d * erfc(-d / math.sqrt(2)), e1 / np.sum(e1, axis=1, keepdims=True),
                sh0 - np.log(np.sum(np.exp(sh0), axis=0, keepdims=True)), lse(d, 1), lse(d.ravel(), 0),
                (labels[:, None] == np.arange(10)[None, :]).astype(np.float64), np.isfinite(d),
                np.logaddexp(d, 0.5 * d), d, erfc(d), masked_softmax(d, w), masked_log_softmax(d, w),
                masked_lse(d, w)] + scaled_lse(v.astype(np.float64), b.astype(np.float64))


def agree(got, want):
    if got.shape != want.shape:
        return False
    nan = np.isnan(want)
    if not np.array_equal(np.isnan(got), nan):
        return False
    g, w = got[~nan], want[~nan]
    inf = np.isinf(w)
    if not np.array_equal(g[inf], w[inf]):
        return False
    return bool(np.all(np.abs(g[~inf] - w[~inf]) <= 1e-6 + 2e-5 * np.abs(w[~inf])))


def main():
    v, d, labels, b = inputs()
    with np.errstate(all="ignore"):
        x = v / d
    if sys.argv[1] == "spec":
        spec = {"source": SOURCE, "args": {"v": {"dtype": "f32", "shape": [64, 128], "data": v.ravel().tolist()},
                                           "d": {"dtype": "f32", "shape": [64, 128], "data": d.ravel().tolist()},
                                           "l": {"dtype": "i32", "shape": [4096], "data": labels.tolist()},
                                           "b": {"dtype": "f32", "shape": [128], "data": b.tolist()}}}
        json.dump(spec, open(sys.argv[2], "w"))
        return 0
    out = json.load(sys.stdin)["calls"][0]["outputs"]
    got = [np.array(o["data"], dtype=np.float64) for o in out]
    bad = [k for k, (g, w) in enumerate(zip(got, expected(x, labels, v > -3, v, b))) if not agree(np.asarray(g, np.float64),
                                                                                  np.asarray(w, np.float64))]
    print("numpy agrees" if not bad else "outputs differ from numpy: %s" % bad)
    return 1 if bad else 0


sys.exit(main())
