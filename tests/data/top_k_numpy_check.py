"""Checks `tjit run --format json tests/cases/sort-top-k-run-check-c.json`
(stdin) against numpy: lax.top_k's order is XLA's total order descending
(+NaN above every number), of equal values the lower index first, so the
reference is a stable argsort on (not NaN, -v). Exit 0 when all agree."""
import json
import sys

import numpy as np

spec = json.load(open(sys.argv[1]))
out = json.load(sys.stdin)["calls"][0]["outputs"]
x = np.array(spec["args"]["x"]["data"], np.float32)
with np.errstate(all="ignore"):
    three = np.float32(3)
    v = x * np.float32(0.5) + np.abs((x - three) / (x - three)) - np.float32(1)


def top(a, k, axis):
    a = np.moveaxis(a, axis, -1)
    order = np.lexsort((np.where(np.isnan(a), 0, -a), ~np.isnan(a)), axis=-1)[..., :k]
    return np.moveaxis(np.take_along_axis(a, order, -1), -1, axis), np.moveaxis(order, -1, axis)


got = [np.array(o["data"], dtype=object) for o in out]
vals, idx = top(v, 60, 1)
_, idx0 = top(v, 2, 0)
tofloat = np.vectorize(lambda d: float(d))
ok = (np.array_equal(tofloat(got[0]).astype(np.float32), vals, equal_nan=True)
      and np.array_equal(tofloat(got[1]), idx) and np.array_equal(tofloat(got[2]), idx0))
print("numpy agrees" if ok else "outputs differ from numpy")
sys.exit(0 if ok else 1)
