#!/usr/bin/env bats
# svd's JVP rule (linalg.py _svd_jvp_rule) and reverse mode through it,
# checked by numpy: tjit computes in float64 and numpy's np.linalg.svd
# (LAPACK) gives central differences with step 1e-6, whose error is
# O(h^2 * third derivative) plus O(eps / h) rounding, well below the 1e-6
# relative tolerance used here for these well-separated singular values.
# Singular vectors are defined up to the sign of each (u, v) pair, and
# LAPACK may pick other signs than tjit's Jacobi SVD: numpy's are flipped
# to agree with tjit's before differencing. The listings are the goldens
# tests/cases/{jvp,grad}-svd*; the --grad-check tests cover f32 and batches.
bats_require_minimum_version 1.5.0
load helper

spec() {
  cat >"$BATS_TEST_TMPDIR/$1.json" <<EOF
{"tjit": 1, "source": [$2], "function": "g", "args": $3}
EOF
}

# numpy_agrees SPEC CHECK: runs SPEC (JSON, float64) and a Python CHECK
# with x, t (the args' data as arrays), outs (the outputs as arrays) and
# the helpers below; CHECK prints what it compared.
numpy_agrees() {
  run --separate-stderr tjit run --format json "$1"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 - "$1" "$BATS_TEST_TMPDIR/out.json" "$2" <<'EOF'
import json, sys
import numpy as np
spec = json.load(open(sys.argv[1]))
args = {k: np.array(v["data"], dtype=np.float64) for k, v in spec["args"].items()}
outs = [np.array(o["data"], dtype=np.float64) for o in json.load(open(sys.argv[2]))["calls"][0]["outputs"]]
H = 1e-6

def close(name, got, want, tol=1e-6):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (name, got.shape, want.shape)
    err = np.max(np.abs(got - want) / np.maximum(1.0, np.abs(want)))
    assert err < tol, f"{name}: max relative error {err:.3g}\ngot {got}\nwant {want}"

def svd_like(a, u_ref, full=False):
    """np.linalg.svd with each (u, vh) pair's sign matched to u_ref."""
    u, s, vh = np.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    sign = np.sign(np.sum(u[..., :k] * u_ref[..., :k], axis=-2))
    u = u.copy(); vh = vh.copy()
    u[..., :k] *= sign[..., None, :]
    vh[..., :k, :] *= sign[..., :, None]
    return u, s, vh

def svd_fd(x, t, u_ref):
    """central differences of (u, s, vh) along t, signs matched to u_ref."""
    p = svd_like(x + H * t, u_ref)
    m = svd_like(x - H * t, u_ref)
    return [(a - b) / (2 * H) for a, b in zip(p, m)]

exec(sys.argv[3])
EOF
  assert_success
}

@test "jvp of a tall svd (m > n, the rule's dU correction): numpy's differences and reconstruction agree" {
  spec tall '"auto f(f64[4,3] x) { return svd(x, full_matrices=false); }",
   "auto g(f64[4,3] x, f64[4,3] t) { return jvp(f, (x,), (t,)); }"' \
   '{"x": {"dtype": "f64", "data": [[1.0, 2.0, 0.5], [-1.0, 0.3, 2.0], [0.7, -0.4, 1.1], [2.0, 1.5, -0.3]]},
     "t": {"dtype": "f64", "data": [[0.3, -0.2, 0.1], [0.5, 0.4, -0.7], [-0.1, 0.9, 0.2], [0.6, -0.3, 0.8]]}}'
  numpy_agrees "$BATS_TEST_TMPDIR/tall.json" '
x, t = args["x"], args["t"]
u, s, vh, du, ds, dvh = outs
close("u s vh", (u * s) @ vh, x)
fu, fs, fvh = svd_fd(x, t, u)
close("ds", ds, fs); close("du", du, fu); close("dvh", dvh, fvh)
print("ds du dvh agree")'
  assert_output "ds du dvh agree"
}

@test "jvp of a wide svd (n > m, the rule's dV correction) and of a square one with full_matrices" {
  spec wide '"auto f(f64[2,4] x, f64[3,3] y) { return (svd(x, full_matrices=false), svd(y)); }",
   "auto g(f64[2,4] x, f64[2,4] t, f64[3,3] y, f64[3,3] r) { return jvp(f, (x, y), (t, r)); }"' \
   '{"x": {"dtype": "f64", "data": [[1.0, 2.0, 0.5, -0.2], [-1.0, 0.3, 2.0, 1.4]]},
     "t": {"dtype": "f64", "data": [[0.3, -0.2, 0.1, 0.5], [0.4, -0.7, -0.1, 0.9]]},
     "y": {"dtype": "f64", "data": [[2.0, 0.5, -0.3], [0.1, 1.0, 0.4], [-0.6, 0.2, 3.0]]},
     "r": {"dtype": "f64", "data": [[0.2, -0.1, 0.4], [0.3, 0.5, -0.2], [-0.6, 0.1, 0.7]]}}'
  numpy_agrees "$BATS_TEST_TMPDIR/wide.json" '
u, s, vh, v, w, wh, du, ds, dvh, dv, dw, dwh = outs
for name, a, d, (uu, ss, hh), (tu, ts, th) in (("wide", args["x"], args["t"], (u, s, vh), (du, ds, dvh)),
                                              ("square", args["y"], args["r"], (v, w, wh), (dv, dw, dwh))):
    close(name, (uu * ss) @ hh, a)
    fu, fs, fh = svd_fd(a, d, uu)
    close(name + " ds", ts, fs); close(name + " du", tu, fu); close(name + " dvh", th, fh)
print("wide and square agree")'
  assert_output "wide and square agree"
}

@test "jvp of svdvals (compute_uv=false): the singular values' tangent" {
  spec vals '"auto f(f64[3,5] x) { return svdvals(x); }",
   "auto g(f64[3,5] x, f64[3,5] t) { return jvp(f, (x,), (t,)); }"' \
   '{"x": {"dtype": "f64", "data": [[1.0, 2.0, 0.5, -0.2, 0.9], [-1.0, 0.3, 2.0, 1.4, 0.1], [0.7, -0.4, 1.1, 0.2, -2.0]]},
     "t": {"dtype": "f64", "data": [[0.3, -0.2, 0.1, 0.5, 0.0], [0.4, -0.7, -0.1, 0.9, 0.2], [0.1, 0.1, -0.3, 0.2, 0.6]]}}'
  numpy_agrees "$BATS_TEST_TMPDIR/vals.json" '
x, t = args["x"], args["t"]
s, ds = outs
close("s", s, np.linalg.svd(x, compute_uv=False))
fd = (np.linalg.svd(x + H * t, compute_uv=False) - np.linalg.svd(x - H * t, compute_uv=False)) / (2 * H)
close("ds", ds, fd)
print("ds agrees")'
  assert_output "ds agrees"
}

@test "grad of the sum of the singular values is U @ Vt (numpy), and its differences" {
  spec nuc '"double f(f64[3,3] x) { return sum(svdvals(x)); }",
   "auto g(f64[3,3] x) { return grad(f)(x); }"' \
   '{"x": {"dtype": "f64", "data": [[2.0, 0.5, -0.3], [0.1, 1.0, 0.4], [-0.6, 0.2, 3.0]]}}'
  numpy_agrees "$BATS_TEST_TMPDIR/nuc.json" '
x = args["x"]
g, = outs
u, s, vh = np.linalg.svd(x)
close("grad", g, u @ vh)
fd = np.zeros_like(x)
for i in np.ndindex(x.shape):
    e = np.zeros_like(x); e[i] = H
    fd[i] = (np.linalg.svd(x + e, compute_uv=False).sum() - np.linalg.svd(x - e, compute_uv=False).sum()) / (2 * H)
close("grad fd", g, fd)
print("grad agrees")'
  assert_output "grad agrees"
}

@test "grad of a loss of u and vt (signs squared away), tall and wide: numpy's differences agree" {
  spec loss '"double f(f64[3,2] x, f64[2,4] y) {",
   "  auto r = svd(x, full_matrices=false); auto q = svd(y, full_matrices=false);",
   "  return sum(r[0] * r[0] * r[0] * r[0]) + sum(r[2] * r[2] * array([[1.0, 2.0], [3.0, -1.0]])) + sum(q[0] * q[0] * 0.5) + sum(q[2] * q[2] * q[2] * q[2]);",
   "}",
   "auto g(f64[3,2] x, f64[2,4] y) { return grad(f, argnums=(0, 1))(x, y); }"' \
   '{"x": {"dtype": "f64", "data": [[1.0, 2.0], [-1.0, 0.3], [0.7, -0.4]]},
     "y": {"dtype": "f64", "data": [[1.0, 2.0, 0.5, -0.2], [-1.0, 0.3, 2.0, 1.4]]}}'
  numpy_agrees "$BATS_TEST_TMPDIR/loss.json" '
x, y = args["x"], args["y"]
gx, gy = outs
def loss(x, y):
    u, s, vh = np.linalg.svd(x, full_matrices=False)
    p, r, qh = np.linalg.svd(y, full_matrices=False)
    return (u ** 4).sum() + (vh * vh * np.array([[1.0, 2.0], [3.0, -1.0]])).sum() + (p * p * 0.5).sum() + (qh ** 4).sum()
for name, a, g, f in (("x", x, gx, lambda a: loss(a, y)), ("y", y, gy, lambda a: loss(x, a))):
    fd = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a); e[i] = H
        fd[i] = (f(a + e) - f(a - e)) / (2 * H)
    close("grad " + name, g, fd)
print("grads agree")'
  assert_output "grads agree"
}

@test "--grad-check: f32 and batched svds (a batch axis of 1 squeezed by matmul) pass" {
  cat >"$BATS_TEST_TMPDIR/gc.json" <<'EOF'
{"tjit": 1, "source": ["auto f(float x[2][4][3], float w[1][3][5], float y[3][3]) {",
 "  auto r = svd(x, full_matrices=false); auto q = svd(w, full_matrices=false); auto p = svd(y);",
 "  return (svdvals(x), r[0] * r[0], r[2] * r[2], q[0] * q[0], q[1], q[2] * q[2], p[0] * p[0], p[1] + 1.0);",
 "}"],
 "args": {"x": {"dtype": "f32", "shape": [2, 4, 3], "random": {"seed": 1, "dist": "normal"}},
          "w": {"dtype": "f32", "shape": [1, 3, 5], "random": {"seed": 2, "dist": "normal"}},
          "y": {"dtype": "f32", "shape": [3, 3], "random": {"seed": 3, "dist": "normal"}}}}
EOF
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/gc.json"
  assert_success
  assert_line --index 2 --regexp "^  forward .*  ok$"
  assert_line --index 3 --regexp "^  central .*  ok$"
  assert_line --index 5 "  PASS"
}

@test "jvp of svd with full_matrices and m != n: JAX's NotImplementedError" {
  spec full '"auto f(f32[4,3] x) { return svd(x); }",
   "auto g(f32[4,3] x, f32[4,3] t) { return jvp(f, (x,), (t,)); }"' \
   '{"x": {"dtype": "f32", "shape": [4, 3]}, "t": {"dtype": "f32", "shape": [4, 3]}}'
  run --separate-stderr tjit trace "$BATS_TEST_TMPDIR/full.json"
  assert_failure 1
  [[ ${stderr_lines[0]} == *"error: NotImplementedError: Singular value decomposition JVP not implemented for full matrices" ]]
}

@test "--grad-check of a function holding grad through svd (second order: the rule's scatter and gather differentiated again)" {
  cat >"$BATS_TEST_TMPDIR/gg.json" <<'EOF2'
{"tjit": 1,
 "source": ["double f(double x[3][3]) { auto r = svd(x); return sum(r[0] * r[0] * r[2]) + sum(r[1] * r[1] * r[1]); }",
            "double h(double x[3][3]) { return sum(grad(f)(x) * x); }"],
 "function": "h",
 "args": {"x": {"dtype": "f64", "data": [[2.0, 0.5, -0.3], [0.1, 1.0, 0.4], [-0.6, 0.2, 3.0]]}}}
EOF2
  run --separate-stderr tjit run --grad-check "$BATS_TEST_TMPDIR/gg.json"
  assert_success
  assert_line --index 3 --regexp "^  central .*  ok$"
  assert_line --index 5 "  PASS"
}
