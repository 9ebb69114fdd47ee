"""Checks `tjit run --format json` of tests/cases/gather-take-run.json,
gather-scatter-run.json or gather-large-run.json (stdin; argv[1] names the
case) against numpy, computed independently of tjit's evaluator:
 - x[i] and take(..., mode="clip"): XLA:CPU clamps an out-of-range start
   (PROMISE_IN_BOUNDS, CLIP), so numpy indexes with the index normalised
   (i < 0: i + n) and np.clip'd; CLIP does not wrap negatives.
 - take's default mode "fill": NaN outside [-n, n); "wrap": np.mod.
 - take_along_axis: np.take_along_axis with the same NaN fill.
 - .at[i].set/add/max: out-of-range updates dropped (FILL_OR_DROP), in
   index order (so set keeps the last of duplicates), np.add.at / np.maximum.at.
Exit 0 when every output agrees."""
import json
import sys

import numpy as np

case = sys.argv[1]
spec = json.load(open(case))
out = json.load(sys.stdin)["calls"][0]["outputs"]
got = [np.array(o["data"], dtype=np.float64) for o in out]
args = spec["args"]


def arg(name):
    a = args[name]
    if "data" in a:
        return np.array(a["data"])
    return np.arange(np.prod(a["shape"]), dtype=np.float64).reshape(a["shape"])  # "iota": true


def clamp(i, n):
    return np.clip(np.where(i < 0, i + n, i), 0, n - 1)


def fill_take(x, i, axis):
    n = x.shape[axis]
    ok = (i >= -n) & (i < n)
    r = np.take(x, np.where(ok, np.where(i < 0, i + n, i), 0), axis=axis)
    mask = np.expand_dims(ok, tuple(range(axis))) if axis else ok
    mask = mask.reshape(mask.shape + (1,) * (r.ndim - mask.ndim))
    return np.where(mask, r, np.nan)


def drop(i, n):
    return [(k, j + n if j < 0 else j) for k, j in enumerate(i) if -n <= j < n]


def scatter_set(x, i, v):
    r = x.copy()
    for k, j in drop(i, x.shape[0]):
        r[j] = v[k]
    return r


def scatter_add(x, i, v):
    r = x.copy()
    for k, j in drop(i, x.shape[0]):
        r[j] = r[j] + v
    return r


def scatter_max_col1(x, i, v):
    r = x.copy()
    for k, j in drop(i, x.shape[0]):
        r[j, 1] = max(r[j, 1], v[k])
    return r


if case.endswith("gather-take-run.json"):
    x, i, j = arg("x"), arg("i"), arg("j")
    flat = x.ravel()
    n = x.shape[1]
    along_ok = (j >= -n) & (j < n)
    along = np.where(along_ok, np.take_along_axis(x, np.where(along_ok, np.where(j < 0, j + n, j), 0), 1), np.nan)
    want = [fill_take(flat, i, 0), fill_take(x, i, 1), x[np.clip(i, 0, x.shape[0] - 1)],
            x[np.mod(i, x.shape[0])], along, x[:, 2]]
elif case.endswith("gather-scatter-run.json"):
    x, i, v = arg("x"), arg("i"), arg("v").astype(np.float64)
    want = [scatter_set(x, i, v), scatter_add(x, i, 1.0), scatter_max_col1(x, i, v[:, 0]),
            x[clamp(i, 5)], x[1:4][:, clamp(i - 2, 3)]]
elif case.endswith("gather-large-run.json"):
    t, ids = arg("table"), np.arange(4096)
    r = (ids * 7919) % 1000
    added = t.copy()
    np.add.at(added, r, 1.0)
    want = [t[r], added, fill_take(t, r - 500, 0)]
else:
    sys.exit("unknown case " + case)
bad = [k for k, (g, w) in enumerate(zip(got, want)) if g.shape != w.shape or not np.array_equal(g, w, equal_nan=True)]
print("numpy agrees" if not bad and len(got) == len(want) else "outputs differ from numpy: %s" % bad)
sys.exit(1 if bad else 0)
