"""The f16 and bf16 programs of tests/cli/98-half-c.bats whose evaluator
rules round at every step (an f16 accumulation, as XLA on CPU computes
it): reduce_sum and reduce_prod (jnp's sum/prod with dtype=, which skips
_upcast_f16), reduce_window_sum and scatter-add/sub/mul with repeated
indices. `spec DTYPE` prints the spec (fixed seed, 10,000 elements and a
64x64 window sum: the compiled path); `check SPEC` reads `tjit run --format
json SPEC` (stdin) and recomputes the f16 results in numpy with explicit
loops that round every step to np.float16 (acc = np.float16(acc + x)), in
the evaluator's order (eval_array.c: pairwise sums over leaves of 128,
products in order; eval_window.c: window positions row-major from 0;
eval_shape.c: updates in order). Prints "numpy agrees" when all match."""
import json
import sys

import numpy as np

SRC = ["auto f(T[10000] x, T[10000] q, T[64,64] w, i32[3000] i, T[3000] u) {",
       "  return (sum(x, dtype=T), prod(q, dtype=T), sum(w, 0, dtype=T), prod(w / 8 + 1, 1, dtype=T),",
       "          reduce_window(w, 0.0, \"add\", (8, 8), (1, 1), \"SAME\"),",
       "          x.at[i].add(u), x.at[i].subtract(u), x.at[i].multiply(q[i]));",
       "}"]


def spec(dt):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal(10000) * 3).astype(np.float16)
    q = (1 + rng.standard_normal(10000) * 0.01).astype(np.float16)
    w = (rng.standard_normal((64, 64)) * 2).astype(np.float16)
    i = rng.integers(0, 100, 3000).astype(np.int32)
    u = (rng.standard_normal(3000)).astype(np.float16)

    def arg(v, t):
        return {"dtype": t, "shape": list(v.shape), "data": [float(e) if t != "i32" else int(e) for e in v.ravel()]}

    args = {"x": arg(x, dt), "q": arg(q, dt), "w": arg(w, dt), "i": arg(i, "i32"), "u": arg(u, dt)}
    print(json.dumps({"tjit": 1, "source": [s.replace("T[", dt + "[").replace("=T", "=" + dt) for s in SRC],
                      "args": args}))


def h(v):
    return np.float16(v)


def pairwise(v):
    if len(v) <= 128:
        acc = h(0)
        for e in v:
            acc = h(acc + e)
        return acc
    mid = len(v) // 2
    return h(pairwise(v[:mid]) + pairwise(v[mid:]))


def product(v):
    acc = h(1)
    for e in v:
        acc = h(acc * e)
    return acc


def window_sum(w):
    out = np.zeros_like(w)
    for r in range(64):
        for c in range(64):
            acc = h(0)
            for a in range(r - 3, r + 5):
                for b in range(c - 3, c + 5):
                    if 0 <= a < 64 and 0 <= b < 64:
                        acc = h(acc + w[a, b])
            out[r, c] = acc
    return out


def scatter(x, i, u, op):
    r = x.copy()
    for k, j in enumerate(i):
        r[j] = h(op(r[j], u[k]))
    return r


def check(path):
    a = json.load(open(path))["args"]
    x, q, w, u = (np.array(a[n]["data"], np.float16).reshape(a[n]["shape"]) for n in "xqwu")
    i = np.array(a["i"]["data"], np.int64)
    out = json.load(sys.stdin)["calls"][0]["outputs"]
    w8 = (w / h(8)).astype(np.float16) + h(1)
    want = [pairwise(x), product(q), np.array([pairwise(w[:, c]) for c in range(64)]),
            np.array([product(w8[r]) for r in range(64)]), window_sum(w),
            scatter(x, i, u, lambda p, y: p + y), scatter(x, i, u, lambda p, y: p - y),
            scatter(x, i, q[i], lambda p, y: p * y)]
    bad = [k for k, (o, v) in enumerate(zip(out, want))
           if not np.array_equal(np.array(o["data"], np.float64).astype(np.float16).reshape(np.shape(v)), v)]
    print("numpy agrees" if not bad else "outputs %s differ" % bad)


if __name__ == "__main__":
    spec(sys.argv[2]) if sys.argv[1] == "spec" else check(sys.argv[2])
