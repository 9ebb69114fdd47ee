"""Checks `tjit run --format json tests/data/random-uniform-check.json`
(stdin) against numpy: _uniform's body (jax/_src/random/core.py) on the
bits of random_keys_check.py's transcription of JAX's threefry
implementation -- the bits shifted under the exponent of 1.0, minus 1,
times (maxval - minval) plus minval, at least minval, each step rounded to
the dtype as XLA's f32 and f16 arithmetic does (numpy's float16 computes in
float32 and rounds, as XLA's CPU lowering does). Every value must be equal
bit for bit. Exit 0 when all agree."""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from random_keys_check import fold_in, seed, uniform  # noqa: E402


np.seterr(over="ignore")
args = json.load(open(sys.argv[1]))["args"]
outs = json.load(sys.stdin)["calls"][0]["outputs"]
k = seed(args["s"]["data"])
lo = np.full((40, 25), args["lo"]["fill"], np.float32)
want = [uniform(k, (300, 7), np.float32, 0.0, 1.0), uniform(fold_in(k, 1), (40, 25), np.float32, lo, 2.5),
        uniform(k, (999,), np.float16, -1, 3),
        uniform(fold_in(k, 2), (50, 20), np.float32, 0.0, 1.0) < np.float32(0.3)]  # _bernoulli, mode 'low'
fails = [i for i, (o, w) in enumerate(zip(outs, want))
         if np.array(o["data"], w.dtype).shape != w.shape or not np.array_equal(np.array(o["data"], w.dtype), w)]
if len(outs) != len(want) or fails:
    sys.exit(f"outputs differ from numpy: {fails}")
print("numpy agrees")
