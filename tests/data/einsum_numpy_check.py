"""Checks `tjit run --format json tests/cases/einsum-run-check-c.json` (stdin)
against numpy's einsum, tensordot, outer, inner and vdot of the same data.
Every input is a multiple of 1/4 in [-1, 1] and every sum stays far below
2^24 units of its resolution, so float32 results are exact whatever the
order of the additions (BLAS or loops): the comparison is exact. Exit 0
when every output agrees."""
import json
import sys

import numpy as np

spec = json.load(open(sys.argv[1]))
out = json.load(sys.stdin)["calls"][0]["outputs"]
x = {n: np.array(a["data"], np.float64).reshape(a["shape"]) for n, a in spec["args"].items()}
q, k, v, a, b, c, u, w = (x[n] for n in "q k v a b c u w".split())
s = np.einsum("bhqd,bhkd->bhqk", q, k)
want = [s, np.einsum("bhqk,bhkd->bhqd", s, v), np.einsum("bhqd->bhd", q), np.einsum("ij,jk,kl", a, b, c),
        np.tensordot(q, k, axes=((2, 3), (2, 3))),
        np.einsum("bhqd,chkd->hbqck", q, k),  # lax.dot_general batch h, then lhs free, rhs free
        np.einsum("...qd,...kd", q, k), np.outer(u, w), np.inner(a, b.T), np.vdot(u, w)]
got = [np.array(o["data"], np.float64).reshape(o["shape"]) for o in out]
bad = [i for i, (g, e) in enumerate(zip(got, want)) if g.shape != e.shape or not np.array_equal(g, e.astype(np.float32))]
print("numpy agrees" if not bad and len(got) == len(want) else "outputs differ from numpy: %s" % bad)
sys.exit(1 if bad or len(got) != len(want) else 0)
