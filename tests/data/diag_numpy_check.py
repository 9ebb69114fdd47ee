"""Checks `tjit run --format json tests/cases/diag-run-check.json` (stdin)
against numpy: np.diag, np.diagonal (square ones too), np.trace, np.repeat (scalar, traced and static sequence repeats), np.roll by the
traced shift, and np.any / np.all with where, on the inputs the case
returns first. Exit 0 when every output agrees (sums of float32 to within
float32 rounding of the sum's terms)."""
import json
import sys

import numpy as np

out = json.load(sys.stdin)["calls"][0]["outputs"]
kinds = {"f32": np.float32, "i32": np.int32, "bool": np.bool_}
got = [np.array(o["data"], kinds[o["dtype"]]).reshape(o["shape"]) for o in out]
x, n, v, s, q, k = got[0], got[1], got[2], int(got[3]), got[4], got[5]
n3 = n.reshape(6, 8, 96)
want = [np.diag(v), np.diag(v, k=-5), np.diag(x, 3), np.diagonal(n, -2), np.diagonal(n3, 1, 2, 0),
        np.trace(x), np.trace(n, offset=4), np.trace(n3, -1, axis1=0, axis2=2), np.trace(x, s % 7),
        np.repeat(x, 3, axis=0), np.repeat(n, 2), np.roll(x, s, axis=1), np.roll(n, s),
        np.any(x > 1.0, axis=1, where=x < 2.0), np.all(n % 3 != 0, axis=0, where=n % 2 == 1),
        np.diagonal(q), np.diag(k), np.diagonal(q, axis1=1, axis2=0), np.trace(q),
        np.repeat(x, n[0, :64] % 3, axis=0), np.repeat(n[:, :5], (3, 0, 1, 2, 1), axis=1)]
bad = []
for i, (g, w) in enumerate(zip(got[6:], want)):
    w = np.asarray(w)
    if g.shape != w.shape:
        bad.append("%d shape %s != %s" % (i, g.shape, w.shape))
    elif g.dtype == np.float32 and g.ndim == 0:  # float32 sums: summation order differs
        if abs(float(g) - float(w)) > 1e-4 * max(1.0, float(np.abs(x).sum() + np.abs(q).sum())):
            bad.append("%d value" % i)
    elif not np.array_equal(g, w.astype(g.dtype)):
        bad.append("%d value" % i)
if len(got) != len(want) + 6:
    bad.append("count")
print("numpy agrees" if not bad else "outputs differ from numpy: %s" % bad)
sys.exit(1 if bad else 0)
