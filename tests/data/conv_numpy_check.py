#!/usr/bin/python3
"""Checks tjit's conv_general_dilated and convolve against a reference
written here in numpy (tests/cli/98-conv.bats). For each case: random
inputs to .npy, a spec that reads them, `tjit run --check --out DIR` (the
compiled C against the evaluator), then the result against this file's
direct definition of the convolution (lax.conv_general_dilated's
semantics: lhs dilation, padding, window strides, rhs dilation, feature
groups, batch groups as XLA defines them) and np.convolve. Prints "numpy agrees" or what differs."""
import json, os, subprocess, sys
import numpy as np

tjit, tmp = sys.argv[1], sys.argv[2]

def ref_conv(lhs, rhs, strides, pads, ld, rd, groups, bgroups=1):
    """lhs NC..., rhs OI..., canonical layouts; float64 sums. Batch groups
    (XLA's operation semantics): the batch in bgroups runs, run b convolved
    with run b of the output features, the results side by side along the
    features."""
    if bgroups > 1:
        nb, ob = lhs.shape[0] // bgroups, rhs.shape[0] // bgroups
        return np.concatenate([ref_conv(lhs[b * nb:(b + 1) * nb], rhs[b * ob:(b + 1) * ob], strides, pads, ld, rd, groups)
                               for b in range(bgroups)], axis=1)
    n, c = lhs.shape[:2]
    o, cg = rhs.shape[:2]
    nsp = lhs.ndim - 2
    # dilate lhs, then pad (negative pads crop)
    dil = np.zeros((n, c) + tuple((s - 1) * d + 1 if s else 0 for s, d in zip(lhs.shape[2:], ld)))
    dil[(slice(None), slice(None)) + tuple(slice(None, None, d) for d in ld)] = lhs
    for i, (lo, hi) in enumerate(pads):
        ax = 2 + i
        if lo < 0: dil = np.take(dil, range(-lo, dil.shape[ax]), axis=ax); lo = 0
        if hi < 0: dil = np.take(dil, range(0, dil.shape[ax] + hi), axis=ax); hi = 0
        w = [(0, 0)] * dil.ndim; w[ax] = (lo, hi); dil = np.pad(dil, w)
    ks = [(k - 1) * d + 1 for k, d in zip(rhs.shape[2:], rd)]
    outs = [max(0, (dil.shape[2 + i] - ks[i]) // strides[i] + 1) for i in range(nsp)]
    out = np.zeros((n, o) + tuple(outs))
    og = o // groups
    for kpos in np.ndindex(*rhs.shape[2:]):
        # the inputs every output position sees at this kernel position
        sl = tuple(slice(k * d, k * d + (m - 1) * s + 1, s) for k, d, m, s in zip(kpos, rd, outs, strides))
        patch = dil[(slice(None), slice(None)) + sl]  # n, c, outs...
        for g in range(groups):
            x = patch[:, g * cg:(g + 1) * cg]
            wk = rhs[(slice(g * og, (g + 1) * og), slice(None)) + kpos]  # og, cg
            out[:, g * og:(g + 1) * og] += np.einsum("nc...,oc->no...", x, wk)
    return out

def perm_of(spec, pair, rhs_spec):
    sp = sorted((i for i, ch in enumerate(spec) if ch not in pair), key=lambda i: rhs_spec.index(spec[i]))
    return [spec.index(pair[0]), spec.index(pair[1])] + sp

CASES = [  # lhs shape, rhs shape, call text, (dn or None), strides, pads or str, ld, rd, groups, dtype
    ((2, 9, 9, 8), (3, 3, 8, 16), '(1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")',
     ("NHWC", "HWIO", "NHWC"), (1, 1), "SAME", (1, 1), (1, 1), 1, "f32"),
    ((2, 6, 21, 20), (12, 3, 3, 2), '(2, 1), ((1, 2), (0, 1)), rhs_dilation=(1, 2), dimension_numbers=("NCHW", "OIHW", "NCHW"), feature_group_count=2',
     ("NCHW", "OIHW", "NCHW"), (2, 1), ((1, 2), (0, 1)), (1, 1), (1, 2), 2, "f32"),
    ((3, 4, 7), (5, 4, 3), '(1,), ((2, -1),), lhs_dilation=(2,)', None, (1,), ((2, -1),), (2,), (1,), 1, "f64"),
    ((2, 16, 16, 6), (3, 3, 6, 8), '(2, 2), "SAME_LOWER", dimension_numbers=("NHWC", "HWIO", "NCHW")',
     ("NHWC", "HWIO", "NCHW"), (2, 2), "SAME_LOWER", (1, 1), (1, 1), 1, "f32"),
    ((1, 3, 5), (2, 3, 2), '(1,), "VALID"', None, (1,), "VALID", (1,), (1,), 1, "i32"),
    # im2col matrices over cg_conv.c's 4 MB chunk: positions in several GEMMs, the last one short
    ((1, 130, 127, 16), (5, 5, 16, 8), '(1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")',
     ("NHWC", "HWIO", "NHWC"), (1, 1), "SAME", (1, 1), (1, 1), 1, "f32"),
    ((1, 16, 130, 127), (8, 16, 5, 5), '(1, 1), "SAME"', None, (1, 1), "SAME", (1, 1), (1, 1), 1, "f32"),
    # batch_group_count (the last field): direct loops, then im2col + GEMM per group
    ((6, 5, 7, 3), (3, 2, 3, 12), '(1, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"), batch_group_count=3',
     ("NHWC", "HWIO", "NHWC"), (1, 2), "SAME", (1, 1), (1, 1), 1, "f32", 3),
    ((4, 3, 9), (6, 3, 2), '(1,), ((1, 0),), batch_group_count=2', None, (1,), ((1, 0),), (1,), (1,), 1, "f64", 2),
    ((4, 2, 5), (4, 2, 3), '(2,), "SAME", batch_group_count=4', None, (2,), "SAME", (1,), (1,), 1, "i32", 4),
    ((8, 20, 20, 8), (3, 3, 8, 32), '(1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"), batch_group_count=4',
     ("NHWC", "HWIO", "NHWC"), (1, 1), "SAME", (1, 1), (1, 1), 1, "f32", 4),
    ((6, 8, 20, 20), (12, 8, 3, 3), '(1, 1), "VALID", batch_group_count=2', None, (1, 1), "VALID", (1, 1), (1, 1), 1, "f32", 2),
]

def pads_for(pad, lhs_c, rhs_c, strides, rd):
    if not isinstance(pad, str): return list(pad)
    if pad == "VALID": return [(0, 0)] * len(strides)
    res = []
    for n, k, s, d in zip(lhs_c.shape[2:], rhs_c.shape[2:], strides, rd):
        k = (k - 1) * d + 1; o = -(-n // s); p = max((o - 1) * s + k - n, 0)
        res.append((p // 2, p - p // 2) if pad == "SAME" else (p - p // 2, p // 2))
    return res

rng = np.random.default_rng(0)
bad = []
for ci, (ls, rs, call, dn, st, pad, ld, rd, g, dt, *bgl) in enumerate(CASES):
    npdt = {"f32": np.float32, "f64": np.float64, "i32": np.int32}[dt]
    lhs = (rng.standard_normal(ls) * 3).astype(npdt) if dt != "i32" else rng.integers(-5, 5, ls).astype(npdt)
    rhs = (rng.standard_normal(rs) * 3).astype(npdt) if dt != "i32" else rng.integers(-5, 5, rs).astype(npdt)
    d = os.path.join(tmp, f"case{ci}"); os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "l.npy"), lhs); np.save(os.path.join(d, "r.npy"), rhs)
    spec = {"source": [f"auto f({dt}{list(ls)} l, {dt}{list(rs)} r) {{ return conv_general_dilated(l, r, {call}); }}".replace(" ", " ").replace("[", "[").replace(", ", ",", 0)],
            "args": {"l": {"dtype": dt, "npy": "l.npy"}, "r": {"dtype": dt, "npy": "r.npy"}}}
    spec["source"][0] = spec["source"][0].replace(str(list(ls)), "[" + ",".join(map(str, ls)) + "]").replace(str(list(rs)), "[" + ",".join(map(str, rs)) + "]")
    with open(os.path.join(d, "s.json"), "w") as f: json.dump(spec, f)
    r = subprocess.run([tjit, "run", "--check", "--no-cache", "--out", d, os.path.join(d, "s.json")], capture_output=True, text=True)
    if r.returncode: bad.append(f"case {ci}: tjit failed: {r.stderr}"); continue
    got = np.load(os.path.join(d, "args_out0.npy"))
    if dn is None: lp = rp = op = list(range(len(ls)))
    else: lp, rp, op = perm_of(dn[0], "NC", dn[1]), perm_of(dn[1], "OI", dn[1]), perm_of(dn[2], "NC", dn[1])
    lc, rc = np.transpose(lhs, lp).astype(np.float64), np.transpose(rhs, rp).astype(np.float64)
    want = ref_conv(lc, rc, st, pads_for(pad, lc, rc, st, rd), ld, rd, g, bgl[0] if bgl else 1)
    want = np.transpose(want, np.argsort(op))
    # float32 sums in another order: within 1e-5 of the largest magnitude
    if got.shape != want.shape or np.max(np.abs(got - want), initial=0) > 1e-5 * max(1.0, np.max(np.abs(want), initial=0)):
        bad.append(f"case {ci}: shapes {got.shape} {want.shape}, max diff {np.max(np.abs(got - want)) if got.shape == want.shape else '-'}")

# jnp.convolve against np.convolve, each mode
a, v = rng.standard_normal(50).astype(np.float32), rng.standard_normal(7).astype(np.float32)
d = os.path.join(tmp, "convolve"); os.makedirs(d, exist_ok=True)
np.save(os.path.join(d, "a.npy"), a); np.save(os.path.join(d, "v.npy"), v)
spec = {"source": ['auto f(f32[50] a, f32[7] v) { return (convolve(a, v), convolve(a, v, mode="same"), convolve(v, a, mode="valid")); }'],
        "args": {"a": {"dtype": "f32", "npy": "a.npy"}, "v": {"dtype": "f32", "npy": "v.npy"}}}
with open(os.path.join(d, "s.json"), "w") as f: json.dump(spec, f)
r = subprocess.run([tjit, "run", "--check", "--no-cache", "--out", d, os.path.join(d, "s.json")], capture_output=True, text=True)
if r.returncode: bad.append(f"convolve: tjit failed: {r.stderr}")
else:
    for k, want in enumerate([np.convolve(a, v), np.convolve(a, v, "same"), np.convolve(v, a, "valid")]):
        got = np.load(os.path.join(d, f"args_out{k}.npy"))
        # float32 sums in another order: within 1e-5 of the largest magnitude
    if got.shape != want.shape or np.max(np.abs(got - want), initial=0) > 1e-5 * max(1.0, np.max(np.abs(want), initial=0)): bad.append(f"convolve output {k} differs")
print("\n".join(bad) if bad else "numpy agrees")
