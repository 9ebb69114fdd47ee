"""Checks `tjit run --format json tests/data/gaps14-run-check.json` (stdin)
against numpy: np.roll by an array (or a tuple holding a traced value) of
shifts; np.repeat to an empty axis, of an empty axis and of a scalar;
np.take and np.take_along_axis with empty axes or no indices; np.einsum
of bool operands (numpy's bool sums are logical or, as JAX's) and in
the interleaved form; u64 arithmetic on values above 2^63 - 1 read from
JSON; on the
inputs the case returns first. Where JAX differs from numpy the expected
value is JAX's, said so below. Exit 0 when every output
agrees exactly."""
import json
import sys

import numpy as np

out = json.load(sys.stdin)["calls"][0]["outputs"]
kinds = {"f32": np.float32, "i32": np.int32, "bool": np.bool_, "u64": np.uint64}
got = [np.array(o["data"], kinds[o["dtype"]]).reshape(o["shape"]) for o in out]
x, n, s, u, e, y, r, z, z2, w, k, b, c, p, q, ub, ui = got[:17]
u = int(u)
INPUTS = 17
want = [np.roll(x, tuple(s), axis=(0, 1)), np.roll(n, (u, 7), axis=(1, 0)), np.roll(x, tuple(s), axis=(1, 1)),
        np.roll(n.ravel(), s[0] + s[1]).reshape(n.shape),
        np.repeat(x, (0,), axis=1), np.repeat(x, 0, axis=1), np.repeat(e, (2,), axis=0), e,
        np.repeat(y, 5000, axis=0),
        np.repeat(y, 4000),  # total_repeat_length=4000 overrides r[:1]
        np.repeat(n, (0,)), np.repeat(e, 3, axis=1),
        np.repeat(e, r[0], axis=1), np.repeat(y, 7), np.repeat(e, ()),
        np.take(x, z), np.take(x, z2, axis=1), np.take(e, z, axis=0),
        e.ravel(),  # np.take(e, z2) is (2, 0); JAX's _take returns the raveled a from an empty axis
        np.take(n, z, mode="wrap"), np.take(e, z, axis=0, mode="clip"),
        np.take_along_axis(e, w[:, :1], axis=0), np.take_along_axis(e, k, axis=1), np.take_along_axis(x, k, axis=1),
        np.take_along_axis(x, w, axis=0),
        np.einsum("ii->i", b), np.einsum("ii", b), np.einsum("ij->", c), np.einsum("ii,ij->j", b, c),
        np.einsum("ii,ij->j", b[:48, :48], n[:, :48] % 5), np.einsum("ij,jk->ik", b, c),
        np.einsum(p, [0, 1], q, [1, 2], [0, 2]), np.einsum(q, [5, 3], [3]), np.einsum(p, (7, 5), q, (5, 9))]
CLOSE = {len(want) - 3, len(want) - 2, len(want) - 1}  # float32 sums: summation order differs
big = np.uint64(4503599627370496)  # 2^52: ui * big passes 2^63 from ui = 2048 on
assert int(ub[0]) == 18446744073709551557, "u64 fill read inexactly: %d" % int(ub[0])
want += [ub - ui, ub // (ui + np.uint64(1)), ub % (ui + np.uint64(7)), ub > ui * big, np.maximum(ub - ui * big, ui)]
bad = []
for i, (g, v) in enumerate(zip(got[INPUTS:], want)):
    v = np.asarray(v)
    if g.shape != v.shape:
        bad.append("%d shape %s != %s" % (i, g.shape, v.shape))
    elif i in CLOSE:
        if not np.allclose(g, v, rtol=1e-4, atol=1e-3):
            bad.append("%d value" % i)
    elif not np.array_equal(g, v.astype(g.dtype)):
        bad.append("%d value" % i)
if len(got) != len(want) + INPUTS:
    bad.append("count")
print("numpy agrees" if not bad else "outputs differ from numpy: %s" % bad)
sys.exit(1 if bad else 0)
