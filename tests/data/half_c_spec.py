"""Prints the spec of tests/cli/98-half-c.bats's f16 program (checked by
half_c_numpy_check.py): 10,000-element f16 arguments (the compiled code's
block path) from a fixed seed, f32 and f64 ones to convert, small-integer
matrices (their dot is exact in float32 in any order), multiples of 1/8
for the sum and cumsum, and gather indices."""
import json
import sys

import numpy as np

rng = np.random.default_rng(7)
n = 10000
x = (rng.standard_normal(n) * 3).astype(np.float16)
y = (rng.random(n) * 4 + 0.5).astype(np.float16)
z = (rng.standard_normal(n) * 1000).astype(np.float32)
w = rng.standard_normal(n) * 100
idx = rng.integers(0, n, 100).astype(np.int32)
a = rng.integers(-8, 9, (100, 100)).astype(np.float16)
b = rng.integers(-8, 9, (100, 100)).astype(np.float16)
s = (np.arange(n) % 17 * 0.125).astype(np.float16)
src = ["auto f(f16[10000] x, f16[10000] y, f32[10000] z, f64[10000] w, i32[100] idx, f16[100,100] a,",
       "       f16[100,100] b, f16[10000] s) {",
       "  return ((x * y + x) / (y + 2) - sqrt(abs(x)), sum(s), max(y), dot(a, b), cumsum(s), astype(z, f16),",
       "          astype(x, f32), astype(w, f16), sort(y), x[idx], astype(x, bf16));",
       "}"]


def arg(v, dt):
    return {"dtype": dt, "shape": list(v.shape), "data": [float(t) if dt[0] in "fb" else int(t) for t in v.ravel()]}


json.dump({"tjit": 1, "source": src, "args": {"x": arg(x, "f16"), "y": arg(y, "f16"), "z": arg(z, "f32"),
                                              "w": arg(w, "f64"), "idx": arg(idx, "i32"), "a": arg(a, "f16"),
                                              "b": arg(b, "f16"), "s": arg(s, "f16")}}, sys.stdout)
