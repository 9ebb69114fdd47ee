"""Checks `tjit run --format json tests/cases/jnp-array-run-check.json`
(stdin) against numpy: np.any / np.all, np.flip, np.tril / np.triu,
np.eye, np.identity, np.roll, np.stack, np.split, np.array_split (numpy 1.x has no cumulative_sum) zeros
before np.cumsum and jnp.linspace's float32 formula (also compared with
np.linspace, to within 2 float32 ulps of the larger bound), np.max / np.min
with initial and where, and np.tile on the inputs the case returns first.
Exit 0 when every output agrees."""
import json
import sys

import numpy as np



def linspace(start, stop, num, endpoint=True):
    """jnp.linspace's float32 formula (array_creation.py _linspace), which
    np.linspace's float64 one rounds differently: start * (1 - step) +
    stop * step over step = iota / div, then stop for the endpoint."""
    start, stop = np.float32(start), np.float32(stop)
    div = num - 1 if endpoint else num
    step = np.arange(div, dtype=np.float32) / np.float32(div)
    out = start * (np.float32(1) - step) + stop * step
    return np.concatenate((out, [stop])).astype(np.float32) if endpoint else out


out = json.load(sys.stdin)["calls"][0]["outputs"]
kinds = {"f32": np.float32, "i32": np.int32, "bool": np.bool_}
got = [np.array(o["data"], kinds[o["dtype"]]).reshape(o["shape"]) for o in out]
x, n = got[0], got[1]
want = [np.any(x > 2.0, axis=1), np.all(x > -2.5, axis=0), np.any(n == 77),
        np.all(n % 7 != 3, axis=(0, 1), keepdims=True), np.any(n % 97 == 5, axis=0), np.all(x, axis=1),
        np.flip(x), np.flip(n, axis=0), np.tril(x, -3), np.triu(n, 5), np.eye(70, 90, k=-2, dtype=np.float32),
        np.identity(65, dtype=np.int32), np.roll(x, 17, axis=1), np.roll(n, (3, -50), axis=(0, 1)),
        np.roll(x, -1000), np.stack((x, x * np.float32(2), x), axis=1), np.stack((n, n), -1),
        *np.split(n, [10, 50], axis=1), *np.array_split(x, 7),
        np.concatenate((np.zeros((48, 1), np.int32), np.cumsum(n, axis=1, dtype=np.int32)), axis=1),
        linspace(-3.0, 7.5, 5000), linspace(0, 1000, 4096, False), np.floor(linspace(x[0, 0], 9.0, 3001)).astype(np.int32),
        np.max(x, axis=1, initial=0.5, where=x < 1.0), np.min(n, axis=0, initial=4000, where=n % 3 == 1),
        np.tile(x, (3, 1, 2)), np.tile(n[0], 40)]
bad = [k + 2 for k, (g, w) in enumerate(zip(got[2:], want))
       if g.dtype != w.dtype or g.shape != w.shape or not np.array_equal(g, w)]
for k, (a, b, c) in enumerate([(-3.0, 7.5, 5000), (0, 1000, 4096)]):
    close = np.linspace(a, b, c, endpoint=k == 0).astype(np.float32)
    g = got[len(got) - 7 + k]
    if not np.all(np.abs(g - close) <= 2 * np.spacing(np.float32(max(abs(a), abs(b))))):
        bad.append("np.linspace %d" % k)
if len(got) != len(want) + 2:
    bad.append("count")
print("numpy agrees" if not bad else "outputs differ from numpy: %s" % bad)
sys.exit(1 if bad else 0)
