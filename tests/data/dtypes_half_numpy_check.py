"""Checks `tjit run --format json tests/cases/dtypes-half-run.json` (stdin)
against independently computed values. float16: numpy's, whose float16
loops compute in float32 and round each result to float16 as XLA's CPU
does. bfloat16 (not in numpy): each operation in float32 with numpy, then
its bits rounded to the top 16, to nearest, ties to even, written out
here. Exit 0 when every output agrees bit for bit."""
import json
import sys

import numpy as np

F32 = np.float32


def bf16(a):
    """float32 values rounded to bfloat16 (as float32 values)."""
    b = np.asarray(a, F32).view(np.uint32).astype(np.uint64)
    nan = np.isnan(np.asarray(a, F32))
    r = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) << 16
    r = np.where(nan, (b | 0x400000) >> 16 << 16, r)
    return r.astype(np.uint32).view(F32)


spec = json.load(open(sys.argv[1]))
out = json.load(sys.stdin)["calls"][0]["outputs"]
x = np.array(spec["args"]["x"]["data"], np.float64).astype(np.float16)
y = bf16(np.array(spec["args"]["y"]["data"], np.float64).astype(F32))
h = np.float16
with np.errstate(all="ignore"):
    want = [
        x * h(3), x / h(7), np.exp(x), np.sqrt(np.abs(x)), x + h(1000), x.astype(F32) * F32(3),
        bf16(y * F32(3)), bf16(y / F32(7)), bf16(np.exp(y)), bf16(y + F32(1000)),
        y.astype(np.float16), bf16(x.astype(F32)), np.sum(x.astype(F32), dtype=F32).astype(np.float16),
    ]


def read(o):
    """An output's JSON numbers (shortest digits in its dtype) as its values."""
    g = np.array([float(v) for v in np.ravel(np.array(o["data"], dtype=object))], np.float64)
    if o["dtype"] == "f16":
        return g.astype(np.float16).astype(np.float64)
    if o["dtype"] == "bf16":
        return bf16(g.astype(F32)).astype(np.float64)
    return g.astype(F32).astype(np.float64)


ok = True
for k, w in enumerate(want):
    g = read(out[k])
    w = np.ravel(np.asarray(w)).astype(np.float64)
    if not np.array_equal(g, w, equal_nan=True):
        print("output %d differs: %s, expected %s" % (k, g.tolist(), w.tolist()))
        ok = False
print("numpy agrees" if ok else "outputs differ")
sys.exit(0 if ok else 1)
