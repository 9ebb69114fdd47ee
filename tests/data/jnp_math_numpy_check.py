"""Checks `tjit run --format json tests/data/jnp_math_run_check.json`
(stdin) against numpy. The function returns its inputs x, y, k and the
derived w = x * 3, z = log(x) / (y > 0) (NaNs and infinities) first, so
numpy computes each output from exactly the values tjit used: the numpy
function of the same name in float32 where numpy has one (np.square,
np.sinh, np.arctan2, np.nan_to_num, np.heaviside, np.round ...), float64
formulas for the reductions (np.var, np.std, np.linalg.norm) and for
jax.nn.standardize (jax/_src/nn/functions.py's "fast" and "stable"
definitions). Tolerances: a few float32 ulps for elementwise results (libm
and numpy's SIMD functions may differ in the last bits), 1e-4 relative for
reductions over 8192 elements summed in float32. Exit 0 when all agree."""
import json
import sys

import numpy as np

out = json.load(sys.stdin)["calls"][0]["outputs"]
DT = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "bool": np.bool_}


def flat(d):
    if isinstance(d, list):
        return [e for item in d for e in flat(item)]
    return [float(d) if isinstance(d, str) else d]  # "nan", "inf", "-inf"


def arr(o):
    return np.array(flat(o["data"]), dtype=np.float64).astype(DT[o["dtype"]]).reshape(o["shape"])


got = [arr(o) for o in out]
x, y, k, w, z = got[:5]
f32 = np.float32
x64 = x.astype(np.float64)
w64 = w.astype(np.float64)
kf = k.astype(np.float32)


def standardize(a, axis, eps, stable):
    a = a.astype(np.float64)
    mean = a.mean(axis, keepdims=True)
    if stable:
        var = ((a - mean) ** 2).mean(axis, keepdims=True)
    else:
        var = np.maximum((a * a).mean(axis, keepdims=True) - mean * mean, 0)
    return (a - mean) / np.sqrt(var + eps)


with np.errstate(all="ignore"):
    want = [
        ("square(x)", np.square(x), 0),
        ("square(k)", np.square(k), 0),
        ("reciprocal(k)", np.reciprocal(kf), 0),
        ("sinh(w)", np.sinh(w64), 4),
        ("cosh(w)", np.cosh(w64), 4),
        ("arcsinh(w)", np.arcsinh(w64), 4),
        ("arccosh(abs(w) + 1)", np.arccosh((np.abs(w) + f32(1)).astype(np.float64)), 4),
        ("arctanh(x / 4)", np.arctanh(x64 / 4), 4),
        ("arctan2(x, y)", np.arctan2(x64, y.astype(np.float64)), 4),
        ("log2(abs(x))", np.log2(np.abs(x64)), 6),  # jnp.log2 is log(x) / log(2): 4 ulps of log, 2 roundings
        ("log10(k)", np.log10(kf.astype(np.float64)), 6),  # jnp.log10 is log(x) * f32(1 / log(10))
        ("isnan(z)", np.isnan(z), 0),
        ("isinf(z)", np.isinf(z), 0),
        ("isinf(k)", np.zeros(k.shape, bool), 0),
        ("nan_to_num(z)", np.nan_to_num(z), 0),
        ("nan_to_num(z, 1, 2, -2)", np.nan_to_num(z, nan=1.0, posinf=2.0, neginf=-2.0), 0),
        ("hypot(x, y)", np.hypot(x64, y.astype(np.float64)), 3),  # jnp.hypot's formula: 3 roundings,
        ("heaviside(z, 0.5)", np.heaviside(z, f32(0.5)), 0),
        ("round(w, 2)", np.round(w, 2), 0),
        ("round(w, -1)", np.round(w, -1), 0),
        ("var(x)", np.var(x64), "red"),
        ("std(x, 1, ddof=1)", np.std(x64, 1, ddof=1), "red"),
        ("var(k, keepdims)", np.var(k.astype(np.float64), keepdims=True), "red"),
        ("standardize(x)", standardize(x, -1, 1e-5, False), "red"),
        ("standardize(x, 0, 0.1, stable)", standardize(x, 0, 0.1, True), "red"),
        ("norm(x)", np.linalg.norm(x64), "red"),
        ("norm(x, 1)", np.linalg.norm(x64, 1), "red"),
        ("norm(x, inf)", np.linalg.norm(x64, np.inf), "red"),
        ("norm(x, -1)", np.linalg.norm(x64, -1), "red"),
        ("norm(x, -inf)", np.linalg.norm(x64, -np.inf), "red"),
        ("norm(x, fro, keepdims)", np.linalg.norm(x64, "fro", keepdims=True), "red"),
        ("norm(x, 3, 1)", np.linalg.norm(x64, 3, 1), "red"),
        ("norm(k, 0)", np.linalg.norm(k.astype(np.float64), 0), "red"),
        ("norm(x, inf, 0)", np.linalg.norm(x64, np.inf, 0), "red"),
        ("norm(x, -inf, 1)", np.linalg.norm(x64, -np.inf, 1), "red"),
        ("norm(x, 1, 1)", np.linalg.norm(x64, 1, 1), "red"),
        ("norm(x, 2, 0)", np.linalg.norm(x64, 2, 0), "red"),
        ("copysign(x, y)", np.copysign(x, y), 0),
        ("copysign(w, y * 0)", np.copysign(w, y * f32(0)), 0),  # signed zeros
    ]


def ulps_apart(g, v):
    g = g.astype(np.float32)
    v = v.astype(np.float32)
    gi = g.view(np.int32).astype(np.int64)
    vi = v.view(np.int32).astype(np.int64)
    gi = np.where(gi < 0, -(gi & 0x7FFFFFFF), gi)
    vi = np.where(vi < 0, -(vi & 0x7FFFFFFF), vi)
    both_nan = np.isnan(g) & np.isnan(v)
    return np.where(both_nan, 0, np.abs(gi - vi))


bad = []
for (name, v, tol), g in zip(want, got[5:]):
    if g.shape != np.shape(v):
        bad.append("%s: shape %s, numpy %s" % (name, g.shape, np.shape(v)))
    elif tol == "red":
        if not np.allclose(g, v, rtol=1e-4, atol=1e-5, equal_nan=True):
            bad.append("%s: largest difference %g" % (name, np.max(np.abs(g - v))))
    elif g.dtype.kind != "f":
        if not np.array_equal(g, v):
            bad.append(name)
    elif np.max(ulps_apart(g, v), initial=0) > tol:
        bad.append("%s: %d ulps" % (name, np.max(ulps_apart(g, v))))
if len(want) != len(got) - 5:
    bad.append("%d outputs, %d expected" % (len(got) - 5, len(want)))
print("numpy agrees" if not bad else "outputs differ from numpy: %s" % "; ".join(bad))
sys.exit(1 if bad else 0)
