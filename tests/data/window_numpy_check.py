"""Checks `tjit run --format json` of tests/cases/reduce-window-run-check-c.json
or tests/cases/pad-run-check-c.json (stdin; the spec is argv[1]) against
numpy. XLA's ReduceWindow is written out here: the operand dilated by
base_dilation with the identity in the holes, padded with the identity,
then each window position (row-major) combined into the identity in the
operand's dtype, strided and dilated as the window says; max/min propagate
NaN (np.maximum). lax.pad: np.pad for low/high, interior padding by a
strided write, negative low/high by slicing. Exit 0 when all agree."""
import json
import sys

import numpy as np

spec = json.load(open(sys.argv[1]))
out = json.load(sys.stdin)["calls"][0]["outputs"]


def arg(name, dtype):
    return np.array(spec["args"][name]["data"], dtype)


def identity(op, dtype):
    if op == "add":
        return dtype.type(0)
    if np.issubdtype(dtype, np.floating):
        return dtype.type(-np.inf if op == "max" else np.inf)
    info = np.iinfo(dtype)
    return dtype.type(info.min if op == "max" else info.max)


def reduce_window(a, op, dims, strides=None, padding="VALID", base=None, wdil=None):
    n = a.ndim
    strides, base, wdil = strides or (1,) * n, base or (1,) * n, wdil or (1,) * n
    init = identity(op, a.dtype)
    dilated = np.full([(d - 1) * b + 1 for d, b in zip(a.shape, base)], init, a.dtype)
    dilated[tuple(slice(None, None, b) for b in base)] = a
    win = [(w - 1) * d + 1 for w, d in zip(dims, wdil)]
    if padding == "VALID":
        padding = [(0, 0)] * n
    elif isinstance(padding, str):
        pads = []
        for d, w, s in zip(dilated.shape, win, strides):
            need = max((-(-d // s) - 1) * s + w - d, 0)
            pads.append((need // 2, need - need // 2) if padding == "SAME" else (need - need // 2, need // 2))
        padding = pads
    padded = np.pad(dilated, padding, constant_values=init)
    shape = [max((p - w) // s + 1, 0) for p, w, s in zip(padded.shape, win, strides)]
    acc = np.full(shape, init, a.dtype)
    combine = {"add": np.add, "max": np.maximum, "min": np.minimum}[op]
    for j in np.ndindex(*dims):
        sl = tuple(slice(k * d, k * d + (o - 1) * s + 1, s) for k, d, o, s in zip(j, wdil, shape, strides))
        with np.errstate(over="ignore"):
            acc = combine(acc, padded[sl]).astype(a.dtype)
    return acc


def lax_pad(a, value, config):
    for axis, (lo, hi, interior) in enumerate(config):
        n = a.shape[axis]
        size = n + (n - 1) * interior if n else 0
        b = np.full(a.shape[:axis] + (size,) + a.shape[axis + 1:], value, a.dtype)
        idx = [slice(None)] * a.ndim
        idx[axis] = slice(None, None, interior + 1)
        b[tuple(idx)] = a
        b = np.pad(b, [(0, 0)] * axis + [(max(lo, 0), max(hi, 0))] + [(0, 0)] * (a.ndim - axis - 1),
                   constant_values=value)
        idx[axis] = slice(max(-lo, 0), b.shape[axis] - max(-hi, 0))
        a = b[tuple(idx)]
    return a


def expected():
    y = arg("y", np.int32)
    if "pad-run-check-c" in sys.argv[1]:
        x = arg("x", np.float32)
        return [lax_pad(x, np.float32(1.5), [(1, -1, 0), (-2, 3, 2), (2, 2, 1)]),
                lax_pad(x, np.float32(-0.5), [(0, 0, 0), (-41, 3, 0), (0, 0, 0)]),
                np.pad(y, ((1, 2), (0, 0), (3, 1), (0, 1)), constant_values=7), np.pad(x, 2)]
    x = arg("x", np.float32)
    v = np.where(x == 3, np.float32(np.nan), x)
    return [reduce_window(v, "max", (1, 2, 2, 1), (1, 2, 2, 1)),
            reduce_window(x, "add", (1, 3, 3, 1), (1, 2, 2, 1), "SAME") / np.float32(9),
            reduce_window(v, "min", (2, 3, 2, 1), (1, 2, 1, 2), [(1, 0), (2, 3), (0, 1), (1, 1)], (1, 2, 1, 1),
                          (1, 1, 2, 1)),
            reduce_window(y, "add", (1, 3, 2, 2), (1, 1, 2, 1), "SAME_LOWER"),
            reduce_window(y, "max", (3, 2, 2, 4), (1, 3, 1, 1), [(0, 0), (1, 1), (0, 0), (0, 0)], None, (1, 1, 3, 1)),
            reduce_window(np.transpose(x, (0, 3, 1, 2)), "max", (1, 1, 3, 3), (1, 1, 2, 2), "SAME")]


def as_array(o, want):
    data = np.vectorize(float, otypes=[np.float64])(np.array(o["data"], dtype=object))
    return data.astype(want.dtype)


want = expected()
ok = len(want) == len(out)
for i, (w, o) in enumerate(zip(want, out)):
    got = as_array(o, w)
    if got.shape != w.shape or not np.array_equal(got, w, equal_nan=True):
        print(f"output {i} differs from numpy: shape {got.shape} vs {w.shape}")
        ok = False
print("numpy agrees" if ok else "outputs differ from numpy")
sys.exit(0 if ok else 1)
