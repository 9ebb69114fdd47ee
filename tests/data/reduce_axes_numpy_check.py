"""Checks the outputs of `tjit run --out DIR tests/data/reduce-axes-numpy.json`
(DIR, argv[1]) against numpy: the first three outputs are the inputs x, d,
n; max, min and the integer sums (wrapping) must be numpy's exactly; float
sums and products within the bound of a sequential sum, n * eps * sum|x|
(n the count, eps the dtype's), of the float64 (for f64: longdouble)
result, the order tjit adds in (each output's elements in row-major order,
reduce_rt.c). Exit 0 when all agree."""
import os
import sys

import numpy as np

d = sys.argv[1]
out = [np.load(os.path.join(d, "args_out%d.npy" % i)) for i in range(15)]
x, dd, n = out[:3]
exact = [
    ("sum(x, 1)", out[3], x, lambda a: np.sum(a, axis=1)),
    ("sum(x, 0)", out[4], x, lambda a: np.sum(a, axis=0)),
    ("sum(x, (0, 1))", out[5], x, lambda a: np.sum(a, axis=(0, 1))),
    ("prod(1 + x * 0.001, 1)", out[6], (np.float32(1) + x * np.float32(0.001)).astype(np.float32),
     lambda a: np.prod(a, axis=1)),
    ("sum(d, 0)", out[9], dd, lambda a: np.sum(a, axis=0)),
    ("sum(d, 1)", out[10], dd, lambda a: np.sum(a, axis=1)),
]
same = [
    ("sum(x, 1) bits", out[3], np.sum(x, axis=1)),
    ("sum(x, 0) bits", out[4], np.sum(x, axis=0)),
    ("max(x, 1)", out[7], np.max(x, axis=1)),
    ("min(x, (0, 1), keepdims)", out[8], np.min(x, axis=(0, 1), keepdims=True)),
    ("max(d, (1, 2))", out[11], np.max(dd, axis=(1, 2))),
    ("sum(n, 1)", out[12], np.sum(n, axis=1, dtype=np.int32)),
    ("max(n, 0)", out[13], np.max(n, axis=0)),
    ("min(n, 1)", out[14], np.min(n, axis=1)),
]
bad = []
for name, got, want in same:
    if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
        bad.append("%s: differs from numpy" % name)
for name, got, a, f in exact:
    wide = np.longdouble if a.dtype == np.float64 else np.float64
    want = f(a.astype(wide))
    count = a.size // max(got.size, 1)
    eps = np.finfo(a.dtype).eps
    # a product's relative error; a sum's against the sum of magnitudes
    bound = count * eps * (np.abs(want) if name.startswith("prod") else f(np.abs(a).astype(wide)))
    if got.dtype != a.dtype or got.shape != want.shape or not np.all(np.abs(got.astype(wide) - want) <= bound):
        bad.append("%s: beyond n eps sum|x| of the exact result" % name)
if bad:
    print("outputs differ from numpy: " + "; ".join(bad))
    sys.exit(1)
print("numpy agrees")
