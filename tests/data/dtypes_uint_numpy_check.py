"""Checks `tjit run --check --fill-random 7 --format json
tests/cases/dtypes-u64-run-check-c.json` (stdin) against numpy, which has
uint16 and uint64. Where numpy and XLA differ, XLA's rule is written out:
x / 0 is all ones, x % 0 is x (jnp.remainder's where(y == 0, 1, y) first),
float to u64 saturates (NaN and negatives to 0). Exit 0 when all agree."""
import json
import sys

import numpy as np

out = json.load(sys.stdin)["calls"][0]["outputs"]
got = [np.array(o["data"], dtype=object) for o in out]
hi, lo = (np.array(g, np.uint64) for g in got[:2])
a, b = (np.array(g, np.uint16) for g in got[2:4])
U = np.uint64
x = (hi << U(32)) | lo
y = (lo << U(32)) | (hi >> (a.astype(U) % U(64)))
with np.errstate(all="ignore"):
    ys = np.where(y == 0, U(1), y)
    big = x.astype(np.float64) * 1.5
    sat = np.where(big >= 2.0**64, U(2**64 - 1), np.where(big >= 2.0**63, (big - 2.0**63).astype(U) + U(2**63), big.astype(U)))
    bs = np.where(b == 0, np.uint16(1), b)
    want = [
        np.where(y == 0, U(2**64 - 1), x // ys), x % ys, np.maximum(x, y), np.minimum(x, y), x < y, x >= y,
        x * y, x - y, x.astype(np.float32), x.astype(np.float64), sat,
        a * b, np.where(b == 0, np.uint16(65535), a // bs), a - b, a < b, np.maximum(a, b), a.astype(np.float32),
        np.sum(x, dtype=U), np.max(x), np.min(x), np.argmax(x), np.sort(x), np.cumsum(x, dtype=U),
    ]
ok = True
for k, w in enumerate(want):
    w = np.asarray(w)
    g = np.array(got[4 + k].tolist(), dtype=object)
    if w.dtype.kind == "f":
        same = np.array_equal(g.astype(w.dtype), w)
    else:
        same = np.array_equal(g.astype(object), w.astype(object))
    if not same:
        print("output %d differs from numpy" % (4 + k))
        ok = False
print("numpy agrees" if ok else "outputs differ from numpy")
sys.exit(0 if ok else 1)
