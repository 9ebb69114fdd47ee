"""Checks `tjit run --format json tests/cases/linalg-svd-run-check-c.json`
(stdin) against numpy. The singular values and the norms must match
np.linalg.svd / np.linalg.norm; u and vh, whose signs (and, for a repeated
or zero singular value, whose basis) are the algorithm's own, are checked
by their invariants: orthonormal columns and rows, u @ diag(s) @ vh == x.
Exit 0 when all agree."""
import json
import sys

import numpy as np

spec = json.load(open(sys.argv[1]))
out = [np.array(o["data"], dtype=np.float64) for o in json.load(sys.stdin)["calls"][0]["outputs"]]
args = {k: np.array(v["data"], np.float32 if v["dtype"] == "f32" else np.float64) for k, v in spec["args"].items()}
x, w, d = args["x"], args["w"], args["d"]
fails = []


def close(what, got, want, rel):
    scale = max(1.0, float(np.max(np.abs(want)))) if np.size(want) else 1.0
    if np.shape(got) != np.shape(want) or not np.allclose(got, want, rtol=0, atol=rel * scale):
        fails.append(what)


def check_svd(what, a, u, s, vh, full, rel):
    m, n = a.shape[-2:]
    k = min(m, n)
    want_s = np.linalg.svd(a.astype(np.float64), compute_uv=False)
    close(what + " s", s, want_s, rel)
    if u.shape[-2:] != ((m, m) if full else (m, k)) or vh.shape[-2:] != ((n, n) if full else (k, n)):
        return fails.append(what + " shapes")
    eye_u, eye_v = np.eye(u.shape[-1]), np.eye(vh.shape[-2])
    close(what + " u orthonormal", np.swapaxes(u, -1, -2) @ u, np.broadcast_to(eye_u, u.shape[:-2] + eye_u.shape), rel)
    close(what + " vh orthonormal", vh @ np.swapaxes(vh, -1, -2), np.broadcast_to(eye_v, vh.shape[:-2] + eye_v.shape), rel)
    close(what + " u diag(s) vh", (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :], a, rel)


check_svd("svd(x)", x, out[0], out[1], out[2], True, 1e-5)
check_svd("svd(w, full_matrices=false)", w, out[3], out[4], out[5], False, 1e-12)
check_svd("svd(d)", d, out[6], out[7], out[8], True, 1e-5)
close("norm(x, 2)", out[9], np.linalg.norm(x.astype(np.float64), 2, (1, 2)), 1e-5)
close("norm(x, -2)", out[10], np.linalg.norm(x.astype(np.float64), -2, (2, 1)), 1e-5)
close("norm(x, 'nuc')", out[11], np.linalg.norm(x.astype(np.float64), "nuc", (1, 2), keepdims=True), 1e-5)
close("matrix_norm(w, ord=2)", out[12], np.linalg.norm(w, 2), 1e-12)
close("svdvals(d)", out[13], np.linalg.svd(d.astype(np.float64), compute_uv=False), 1e-5)
print("numpy agrees" if not fails else "outputs differ from numpy: " + ", ".join(fails))
sys.exit(0 if not fails else 1)
