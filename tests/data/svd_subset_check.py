"""Checks `tjit run --format json tests/data/svd_subset_check.json` (stdin)
against numpy: svd with subset_by_index=(lo, hi) keeps the singular values
lo..hi-1 in descending order (np.linalg.svd's s[lo:hi]) and their vectors,
whose signs are the algorithm's own, so u and vh are checked by their
invariants: orthonormal columns and rows, and u @ diag(s) @ vh equal to
numpy's U[:, lo:hi] @ diag(S[lo:hi]) @ Vh[lo:hi] (unique for distinct
singular values). Exit 0 when all agree."""
import json
import sys

import numpy as np

spec = json.load(open(sys.argv[1]))
out = [np.array(o["data"], dtype=np.float64) for o in json.load(sys.stdin)["calls"][0]["outputs"]]
args = {k: np.array(v["data"], np.float32 if v["dtype"] == "f32" else np.float64) for k, v in spec["args"].items()}
x, w = args["x"].astype(np.float64), args["w"]
fails = []


def close(what, got, want, rel):
    scale = max(1.0, float(np.max(np.abs(want)))) if np.size(want) else 1.0
    if np.shape(got) != np.shape(want) or not np.allclose(got, want, rtol=0, atol=rel * scale):
        fails.append(what)


def check(what, a, u, s, vh, lo, hi, rel):
    U, S, Vh = np.linalg.svd(a, full_matrices=False)
    close(what + " s", s, S[..., lo:hi], rel)
    d = hi - lo
    close(what + " u orthonormal", np.swapaxes(u, -1, -2) @ u, np.broadcast_to(np.eye(d), u.shape[:-2] + (d, d)), rel)
    close(what + " vh orthonormal", vh @ np.swapaxes(vh, -1, -2), np.broadcast_to(np.eye(d), vh.shape[:-2] + (d, d)), rel)
    want = (U[..., :, lo:hi] * S[..., None, lo:hi]) @ Vh[..., lo:hi, :]
    close(what + " u diag(s) vh", (u * s[..., None, :]) @ vh, want, rel)


check("svd(x, subset (2, 6))", x, out[0], out[1], out[2], 2, 6, 1e-5)
check("svd(x, subset (0, 9))", x, out[3], out[4], out[5], 0, 9, 1e-5)
close("svd(w, compute_uv=false, subset (1, 4))", out[6], np.linalg.svd(w, compute_uv=False)[1:4], 1e-12)
close("svd(w, subset (0, 7)) with full_matrices", out[7], np.linalg.svd(w, compute_uv=False), 1e-12)
print("numpy agrees" if not fails else "outputs differ from numpy: " + ", ".join(fails))
sys.exit(0 if not fails else 1)
