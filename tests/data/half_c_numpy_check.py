"""Checks `tjit run --check --format json SPEC` (stdin) of the f16 program
that tests/cli/98-half-c.bats writes (SPEC, argv[1]) against numpy's
float16, whose arithmetic rounds each float32 result to float16 as XLA's
CPU does: the elementwise chain op by op, sum of exact multiples of 1/8
(its float32 sum is exact in any order), max, a dot of small integers
(exact in float32), cumsum step by step in float16 (np.cumsum on a
float16 array rounds every step), astype from f32, to f32 and from f64
(numpy rounds a double once), a sort and a gather. bfloat16, which numpy
lacks, by hand: float32's bits rounded to their top 16, ties to even.
Prints "numpy agrees" when every output is equal, bit for bit."""
import json
import sys

import numpy as np

spec = json.load(open(sys.argv[1]))["args"]
out = json.load(sys.stdin)["calls"][0]["outputs"]


def arg(name, dt):
    a = spec[name]
    return np.array(a["data"], dt).reshape(a["shape"])


def bf16(v):
    """float32 values rounded to bfloat16 (none is a NaN here), as float32."""
    u = np.asarray(v, np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return r.astype(np.uint32).view(np.float32)


x, y, s = arg("x", np.float16), arg("y", np.float16), arg("s", np.float16)
z, w, idx = arg("z", np.float32), arg("w", np.float64), arg("idx", np.int64)
a, b = arg("a", np.float16), arg("b", np.float16)
with np.errstate(all="ignore"):
    want = [(x * y + x) / (y + np.float16(2)) - np.sqrt(np.abs(x)),
            np.float16(np.sum(s.astype(np.float32))), np.max(y),
            (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float16), np.cumsum(s, dtype=np.float16),
            z.astype(np.float16), x.astype(np.float32), w.astype(np.float16), np.sort(y), x[idx],
            bf16(x.astype(np.float32))]
kinds = ["f16", "f16", "f16", "f16", "f16", "f16", "f32", "f16", "f16", "f16", "bf16"]
bad = []
for k, (o, want_k, kind) in enumerate(zip(out, want, kinds)):
    got = np.array(o["data"], np.float64).reshape(o["shape"])
    if kind == "bf16":  # printed to round-trip as bfloat16: read back as ml_dtypes does, through float32
        got = bf16(got.astype(np.float32))
    dt = np.float32 if kind != "f16" else np.float16
    if o["dtype"] != kind or not np.array_equal(got.astype(dt), np.asarray(want_k).astype(dt)):
        bad.append(k)
print("numpy agrees" if not bad else "outputs differ from numpy: %s" % bad)
sys.exit(1 if bad else 0)
