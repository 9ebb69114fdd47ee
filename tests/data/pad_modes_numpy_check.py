"""Checks `tjit run --check --format json tests/cases/pad-modes-numpy-c.json`
(stdin; the spec is argv[1]) against numpy's np.pad, which has the same
modes as jnp.pad. The spec returns its inputs first (x, m = n % 1000, y),
then one jnp.pad per entry of CASES below, in order. numpy's 'empty' leaves
the padding undefined; jnp.pad's is zeros (empty_like), so it is compared
with constant zeros. 'wrap' is np.take of the indices modulo each axis'
size: numpy before 1.25 pads wrongly where the padding is wider than the
axis on both sides (its _set_wrap_both; numpy PR 22575 fixed it, and
jnp.pad was periodic all along), so the periodic rule is written out.
'mean' of a float array is compared within float32
rounding (XLA and numpy sum in different orders); everything else exactly.
Exit 0 when all agree."""
import json
import sys

import numpy as np

out = json.load(sys.stdin)["calls"][0]["outputs"]
x, m, y = (np.array(o["data"], {"f32": np.float32, "i32": np.int32}[o["dtype"]]) for o in out[:3])

CASES = [
    (x, 3, "wrap", {}), (x, ((45, 2), (0, 61)), "wrap", {}), (x, ((2, 3), (4, 1)), "edge", {}),
    (x, ((5, 0), (1, 7)), "reflect", {}), (x, ((85, 3), (2, 70)), "reflect", {}),
    (x, ((85, 3), (2, 70)), "symmetric", {}),
    (x, ((3, 50), (29, 2)), "reflect", {"reflect_type": "odd"}),
    (x, ((41, 3), (2, 31)), "symmetric", {"reflect_type": "odd"}),
    (x, (2, 3), "maximum", {}), (x, ((1, 2), (3, 4)), "minimum", {"stat_length": ((2, 5), (3, 100))}),
    (x, 2, "mean", {}), (x, ((1, 2), (3, 0)), "mean", {"stat_length": 3}), (x, ((1, 1), (2, 2)), "empty", {}),
    (m, ((20, 1), (3, 9)), "wrap", {}), (m, (1, 4), "edge", {}), (m, ((40, 2), (1, 19)), "reflect", {}),
    (m, ((1, 35), (20, 1)), "symmetric", {"reflect_type": "odd"}), (m, 3, "maximum", {}),
    (m, ((2, 1), (1, 2)), "minimum", {"stat_length": ((2, 5), (3, 1))}), (m, ((3, 1), (2, 2)), "mean", {}),
    (m, ((1, 2), (2, 1)), "mean", {"stat_length": ((2, 5), (3, 1))}), (m, (0, 2), "empty", {}),
    (y, ((2, 3), (6, 6)), "reflect", {}), (y, ((2, 3), (6, 6)), "symmetric", {}),
    (y, ((2, 3), (6, 6)), "reflect", {"reflect_type": "odd"}),
    (y, ((4, 1), (9, 2)), "symmetric", {"reflect_type": "odd"}),
]



def wrap(a, width):
    pairs = np.broadcast_to(np.asarray(width), (a.ndim, 2))
    for axis, (lo, hi) in enumerate(pairs):
        a = np.take(a, np.arange(-lo, a.shape[axis] + hi) % a.shape[axis], axis=axis)
    return a


ok = len(out) == 3 + len(CASES)
for k, (a, width, mode, kw) in enumerate(CASES):
    if mode == "wrap":
        want = wrap(a, width)
    else:
        want = np.pad(a, width, "constant" if mode == "empty" else mode, **kw)
    got = out[3 + k]
    g = np.array(got["data"], want.dtype)
    if list(g.shape) != list(want.shape) or got["dtype"] != {np.float32: "f32", np.int32: "i32"}[want.dtype.type]:
        print("output %d (%s): shape %s %s, numpy %s %s" % (3 + k, mode, got["shape"], got["dtype"], want.shape, want.dtype))
        ok = False
    elif mode == "mean" and a.dtype == np.float32:
        if not np.allclose(g, want, rtol=1e-5, atol=1e-6):
            print("output %d (%s) differs from numpy" % (3 + k, mode))
            ok = False
    elif not np.array_equal(g, want):
        print("output %d (%s) differs from numpy" % (3 + k, mode))
        ok = False
print("numpy agrees" if ok else "outputs differ from numpy")
sys.exit(0 if ok else 1)
