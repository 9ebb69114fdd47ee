"""Checks `tjit run --format json tests/cases/sort-run-check-c.json` (stdin)
against numpy: np.sort / np.argsort with kind='stable' (NaNs last, as the
+NaNs of the case sort in XLA's total order), jnp's stable descending
argsort (reverse, stable argsort, reverse back) and lax.sort with
num_keys=2 as np.lexsort (stable). Exit 0 when every output agrees."""
import json
import sys

import numpy as np

spec = json.load(open(sys.argv[1]))
out = json.load(sys.stdin)["calls"][0]["outputs"]
x = np.array(spec["args"]["x"]["data"], np.float32)
y = np.array(spec["args"]["y"]["data"], np.int32)
with np.errstate(all="ignore"):
    three = np.float32(3)
    v = x * np.float32(0.5) + np.abs((x - three) / (x - three)) - np.float32(1)
got = [np.array([float(d) for d in o["data"]]).astype(np.float32 if o["dtype"] == "f32" else np.int64)
       for o in out]
n = len(v)
want = [np.sort(v, kind="stable"), np.argsort(v, kind="stable"),
        (n - 1 - np.argsort(v[::-1], kind="stable"))[::-1], np.sort(v, kind="stable")[::-1],
        np.lexsort((v, y))]
bad = [k for k, (g, w) in enumerate(zip(got, want)) if not np.array_equal(g, w, equal_nan=g.dtype.kind == "f")]
print("numpy agrees" if not bad else "outputs differ from numpy: %s" % bad)
sys.exit(1 if bad else 0)
