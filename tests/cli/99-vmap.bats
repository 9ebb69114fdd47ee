#!/usr/bin/env bats
# vmap (issue 16): each test's g returns pairs (vmap(f)(...), the same
# results computed one example at a time and stacked), which must agree,
# and `run --check` also compares the compiled program with the reference
# evaluator. The batched and the per-example programs compute the same
# operations on the same numbers; only the order of a reduction's
# additions may differ, so the tolerance is 1e-6 relative (f32 rounding
# of a few terms). A wrong batching rule (an axis moved to the wrong
# place, a dimension number off by one) gives O(1) differences or the
# wrong shape.
bats_require_minimum_version 1.5.0
load helper

# vmap_spec NAME ARGS-JSON SOURCE-LINES...: a spec whose function is g.
vmap_spec() {
  local name=$1 args=$2 src
  shift 2
  src=$(printf '%s,\n' "$@")
  cat >"$BATS_TEST_TMPDIR/$name.json" <<JSON
{"tjit": 1,
 "source": [${src%,}],
 "function": "g",
 "args": $args}
JSON
}

XS='{"xs": {"dtype": "f32", "shape": [3, 4], "random": {"seed": 1, "dist": "normal"}},
     "ys": {"dtype": "f32", "shape": [3], "random": {"seed": 2, "dist": "normal"}},
     "w": {"dtype": "f32", "shape": [4], "random": {"seed": 3, "dist": "normal"}}}'

@test "vmap of elementwise math with mapped, unmapped and scalar operands equals the stacked examples" {
  vmap_spec elem "$XS" \
    '"float f(float x[4], float y, float w[4]) { return sin(x) * y + exp(-x * x) - maximum(x, w) / (1.0 + y * y) + pow(abs(x), 1.5); }"' \
    '"auto g(float xs[3][4], float ys[3], float w[4]) {"' \
    '"  return (vmap(f, (0, 0, None))(xs, ys, w), stack((f(xs[0], ys[0], w), f(xs[1], ys[1], w), f(xs[2], ys[2], w))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/elem.json" 1 1e-6
}

@test "vmap over axis 1 of reductions (sum, max, min, prod, argmax, mean) equals the stacked examples" {
  vmap_spec red '{"xs": {"dtype": "f32", "shape": [2, 3, 5], "random": {"seed": 4, "dist": "normal"}}}' \
    '"auto f(float x[2][5]) { return (sum(x, axis=1), max(x, axis=0), min(x), prod(x, axis=1), argmax(x, axis=1), mean(x, axis=0)); }"' \
    '"auto g(float xs[2][3][5]) {"' \
    '"  let (a, b, c, d, e, m) = vmap(f, 1)(xs);"' \
    '"  let (a0, b0, c0, d0, e0, m0) = f(xs[:, 0]); let (a1, b1, c1, d1, e1, m1) = f(xs[:, 1]); let (a2, b2, c2, d2, e2, m2) = f(xs[:, 2]);"' \
    '"  return (a, stack((a0, a1, a2)), b, stack((b0, b1, b2)), c, stack((c0, c1, c2)), d, stack((d0, d1, d2)), e, stack((e0, e1, e2)), m, stack((m0, m1, m2)));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/red.json" 6 1e-6
}

@test "vmap of shape operations (reshape, transpose, broadcast, expand_dims, squeeze, concatenate) with out_axes equals the stacked examples" {
  vmap_spec shape "$XS" \
    '"float f(float x[4], float w[4]) { auto r = reshape(concatenate((x, w * 2.0)), (2, 4)); auto t = transpose(r); auto b = broadcast_to(expand_dims(x, 0), (3, 4)); return squeeze(expand_dims(t, 2), 2)[1:3] + b[0:2, 0:2] + sum(r); }"' \
    '"auto g(float xs[3][4], float ys[3], float w[4]) {"' \
    '"  return (vmap(f, (0, None), 1)(xs, w), stack((f(xs[0], w), f(xs[1], w), f(xs[2], w)), axis=1));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/shape.json" 1 1e-6
}

@test "vmap of dot_general (both operands mapped, one mapped, matrix-vector) equals the stacked examples" {
  vmap_spec dot '{"a": {"dtype": "f32", "shape": [3, 2, 4], "random": {"seed": 5, "dist": "normal"}},
                  "b": {"dtype": "f32", "shape": [4, 5, 3], "random": {"seed": 6, "dist": "normal"}},
                  "v": {"dtype": "f32", "shape": [4], "random": {"seed": 7, "dist": "normal"}}}' \
    '"float f(float a[2][4], float b[4][5], float v[4]) { return sum(matmul(a, b), axis=1) + dot(a, v); }"' \
    '"auto g(float a[3][2][4], float b[4][5][3], float v[4]) {"' \
    '"  auto both = vmap(f, (0, 2, None))(a, b, v);"' \
    '"  auto lhs = vmap(f, (0, None, None))(a, b[:, :, 0], v);"' \
    '"  auto rhs = vmap(f, (None, 2, 0), 1)(a[1], b, reshape(arange(12.0), (3, 4)));"' \
    '"  return (both, stack((f(a[0], b[:, :, 0], v), f(a[1], b[:, :, 1], v), f(a[2], b[:, :, 2], v))),"' \
    '"          lhs, stack((f(a[0], b[:, :, 0], v), f(a[1], b[:, :, 0], v), f(a[2], b[:, :, 0], v))),"' \
    '"          rhs, stack((f(a[1], b[:, :, 0], arange(4.0)), f(a[1], b[:, :, 1], arange(4.0) + 4.0), f(a[1], b[:, :, 2], arange(4.0) + 8.0)), axis=1));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/dot.json" 3 1e-6
}

@test "vmap of where, select and clamp with a mapped predicate and per-example scalars equals the stacked examples" {
  vmap_spec sel "$XS" \
    '"float f(float x[4], float y, float w[4]) { return where(x > y, x, w) + clamp(-0.5, x, y) + where(y > 0.0, 1.0, x) + clamp(y - 1.0, w, y + 1.0); }"' \
    '"auto g(float xs[3][4], float ys[3], float w[4]) {"' \
    '"  return (vmap(f, (0, 0, None))(xs, ys, w), stack((f(xs[0], ys[0], w), f(xs[1], ys[1], w), f(xs[2], ys[2], w))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/sel.json" 1 1e-6
}

@test "vmap over axis 1 of cumulative sums, products and maxima equals the stacked examples" {
  vmap_spec cum '{"xs": {"dtype": "f32", "shape": [4, 3], "random": {"seed": 8, "dist": "normal"}}}' \
    '"float f(float x[4]) { return cumsum(x) + cumprod(x * 0.5) + cummax(x) - cummin(x, reverse=true); }"' \
    '"auto g(float xs[4][3]) {"' \
    '"  return (vmap(f, 1)(xs), stack((f(xs[:, 0]), f(xs[:, 1]), f(xs[:, 2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/cum.json" 1 1e-6
}

@test "vmap through a jit (body batched along axis 1), nested vmap and vmap of grad equal their loops" {
  vmap_spec nest "$XS" \
    '"jit float h(float x[4], float y) { return tanh(x * y) + x; }"' \
    '"float loss(float x[4], float y) { return sum(h(x, y) * h(x, y)); }"' \
    '"float outer(float a, float b) { return a * b - a; }"' \
    '"auto g(float xs[3][4], float ys[3], float w[4]) {"' \
    '"  auto t = transpose(xs);"' \
    '"  auto vj = vmap(h, (1, 0))(t, ys);"' \
    '"  auto vv = vmap(vmap(outer, (None, 0)), (0, None))(ys, w);"' \
    '"  auto pg = vmap(grad(loss, argnums=(0, 1)))(xs, ys);"' \
    '"  return (vj, stack((h(xs[0], ys[0]), h(xs[1], ys[1]), h(xs[2], ys[2]))),"' \
    '"          vv, stack((ys[0] * w - ys[0], ys[1] * w - ys[1], ys[2] * w - ys[2])),"' \
    '"          pg[0], stack((grad(loss)(xs[0], ys[0]), grad(loss)(xs[1], ys[1]), grad(loss)(xs[2], ys[2]))),"' \
    '"          pg[1], stack((grad(loss, 1)(xs[0], ys[0]), grad(loss, 1)(xs[1], ys[1]), grad(loss, 1)(xs[2], ys[2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/nest.json" 4 1e-6
}

@test "grad of a vmapped loss equals the sum of the per-example gradients" {
  vmap_spec gv "$XS" \
    '"float f(float w[4], float x[4]) { return logistic(dot(w, x)); }"' \
    '"float loss(float w[4], float xs[3][4]) { return sum(vmap(f, (None, 0))(w, xs)); }"' \
    '"auto g(float xs[3][4], float ys[3], float w[4]) {"' \
    '"  return (grad(loss)(w, xs), grad(f)(w, xs[0]) + grad(f)(w, xs[1]) + grad(f)(w, xs[2]));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/gv.json" 1 1e-6
}

@test "per-example gradients of vmap-per-example-grad agree with numpy" {
  require_numpy
  run --separate-stderr tjit run --check --format json "$TJIT_ROOT/tests/cases/vmap-per-example-grad.json"
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/out.json"
  run /usr/bin/python3 - "$BATS_TEST_TMPDIR/out.json" <<'EOF'
import json, sys
import numpy as np
got = np.array(json.load(open(sys.argv[1]))["calls"][0]["outputs"][0]["data"])
w = np.array([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], np.float32)
xs = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9], [1, 0, 1]], np.float32)
ys = np.array([[1.0, 0], [0, 1], [1, 1], [0.5, 0.5]], np.float32)
want = []
for x, y in zip(xs, ys):
    p = np.tanh(x @ w)
    want.append(np.outer(x, 2 * (p - y) * (1 - p * p)))
# f32: near |p| = 1, JAX's tanh JVP (g + g p)(1 - p) and numpy's 1 - p*p
# round differently (about 1e-6 absolute here)
assert np.allclose(got, np.array(want), rtol=1e-3, atol=1e-5), (got, want)
print("numpy agrees")
EOF
  assert_success
  assert_output "numpy agrees"
}

@test "the vmap goldens' listings compile and agree with the reference evaluator" {
  local n=0 spec
  for spec in "$TJIT_ROOT"/tests/cases/vmap-*.json; do
    [[ -f ${spec%.json}.out ]] || continue
    run --separate-stderr tjit run --check "$spec"
    assert_success
    n=$((n + 1))
  done
  ((n >= 7))
}

@test "vmap over axis 1 of slices with strides, flips and pads equals the stacked examples" {
  vmap_spec slc '{"xs": {"dtype": "f32", "shape": [6, 3], "random": {"seed": 9, "dist": "normal"}}}' \
    '"float f(float x[6]) { return flip(x[1:6:2]) + pad(x[0:1], (1, 1)) + x[2:5]; }"' \
    '"auto g(float xs[6][3]) {"' \
    '"  return (vmap(f, 1)(xs), stack((f(xs[:, 0]), f(xs[:, 1]), f(xs[:, 2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/slc.json" 1 1e-6
}

@test "vmap of cond with a mapped predicate (select_n of the branches) and an unmapped one equals the stacked examples" {
  vmap_spec cnd "$XS" \
    '"float f(float x[4], float y) {"' \
    '"  auto t(float a[4], float b) { return sum(a * b); }"' \
    '"  auto e(float a[4], float b) { return max(a) - b; }"' \
    '"  return cond(y > 0.0, t, e, x, y) + cond(0.5 > 0.0, e, t, x, y);"' \
    '"}"' \
    '"auto g(float xs[3][4], float ys[3], float w[4]) {"' \
    '"  return (vmap(f)(xs, ys), stack((f(xs[0], ys[0]), f(xs[1], ys[1]), f(xs[2], ys[2]))),"' \
    '"          vmap(f, (0, None))(xs, ys[1]), stack((f(xs[0], ys[1]), f(xs[1], ys[1]), f(xs[2], ys[1]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/cnd.json" 2 1e-6
}

@test "vmap of sort, argsort, stack, split, tile and relu (a custom_jvp) over axis 1 equals the stacked examples" {
  vmap_spec srt '{"xs": {"dtype": "f32", "shape": [6, 3], "random": {"seed": 10, "dist": "normal"}}}' \
    '"float f(float x[6]) {"' \
    '"  let (a, b) = split(x, 2);"' \
    '"  auto s = stack((a, b * 2.0), axis=1);"' \
    '"  return sort(x) + (float)argsort(x) + reshape(s, (6,)) + tile(a, 2) + relu(x - 0.25);"' \
    '"}"' \
    '"auto g(float xs[6][3]) {"' \
    '"  return (vmap(f, 1)(xs), stack((f(xs[:, 0]), f(xs[:, 1]), f(xs[:, 2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/srt.json" 1 1e-6
}

@test "vmap of scan (consts, carries and xs mapped or not, reverse) and of a static fori_loop equals the stacked examples" {
  vmap_spec scn "$XS" \
    '"float f(float w, float x[4]) {"' \
    '"  auto step(float c, float v) { auto h = tanh(c * w + v); return (h, h * 2.0); }"' \
    '"  let (c, ys) = scan(step, 0.0, x);"' \
    '"  let (r, zs) = scan(step, w, x, reverse=true);"' \
    '"  auto body(int i, float a) { return a * 0.5 + w * (float)i; }"' \
    '"  return c + sum(ys) + r * zs[0] + fori_loop(0, 4, body, w);"' \
    '"}"' \
    '"auto g(float xs[3][4], float ys[3], float w[4]) {"' \
    '"  return (vmap(f)(ys, xs), stack((f(ys[0], xs[0]), f(ys[1], xs[1]), f(ys[2], xs[2]))),"' \
    '"          vmap(f, (None, 0))(ys[1], xs), stack((f(ys[1], xs[0]), f(ys[1], xs[1]), f(ys[1], xs[2]))),"' \
    '"          vmap(f, (0, None))(ys, w), stack((f(ys[0], w), f(ys[1], w), f(ys[2], w))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/scn.json" 3 1e-6
}

@test "vmap of while_loop with an unmapped predicate and with a mapped one (each example stops on its own) equals the stacked examples" {
  vmap_spec whl "$XS" \
    '"float f(float x[4], float n) {"' \
    '"  bool c(auto s) { return s[0] < n; }"' \
    '"  auto b(auto s) { return (s[0] + 1.0, s[1] * 0.5 + x); }"' \
    '"  return sum(while_loop(c, b, (0.0, x))[1]);"' \
    '"}"' \
    '"auto g(float xs[3][4], float ys[3], float w[4]) {"' \
    '"  return (vmap(f, (0, None))(xs, 3.0), stack((f(xs[0], 3.0), f(xs[1], 3.0), f(xs[2], 3.0))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/whl.json" 1 1e-6
  vmap_spec newton '{"xs": {"dtype": "f32", "shape": [5], "data": [0.25, 2.0, 9.0, 100.0, 1e4]}}' \
    '"auto f(float a) {"' \
    '"  bool c(auto s) { return (abs(s[0] * s[0] - a) > 1e-3 * a) & (s[1] < 50); }"' \
    '"  auto b(auto s) { return ((s[0] + a / s[0]) * 0.5, s[1] + 1); }"' \
    '"  return while_loop(c, b, (a, 0));"' \
    '"}"' \
    '"auto g(float xs[5]) {"' \
    '"  let (r, n) = vmap(f)(xs);"' \
    '"  let (r0, n0) = f(xs[0]); let (r1, n1) = f(xs[1]); let (r2, n2) = f(xs[2]); let (r3, n3) = f(xs[3]); let (r4, n4) = f(xs[4]);"' \
    '"  return (r, stack((r0, r1, r2, r3, r4)), n, stack((n0, n1, n2, n3, n4)));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/newton.json" 2 0
  run -0 tjit run --format json "$BATS_TEST_TMPDIR/newton.json"
  [[ $output == *'[3, 3, 4, 6, 9]'* ]] # each example's own number of Newton steps
}

@test "vmap over split keys (random_uniform, random_bits, fold_in, bernoulli) equals the draws one key at a time" {
  vmap_spec keys '{}' \
    '"auto f(auto k) { return (float)random_bits(random_fold_in(k, 7), (3,))[0] * 1e-9 + random_uniform(k, (3,), minval=-1.0)[1] + (float)random_bernoulli(k, 0.5, (3,))[2]; }"' \
    '"auto g() {"' \
    '"  auto keys = random_split(random_key(42), 4);"' \
    '"  return (vmap(f)(keys), stack((f(keys[0]), f(keys[1]), f(keys[2]), f(keys[3]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/keys.json" 1 0
}

@test "vmap of indexing with traced indices (dynamic_slice and gather: operand, indices or both mapped) equals the stacked examples" {
  vmap_spec idx '{"xs": {"dtype": "f32", "shape": [3, 4, 5], "random": {"seed": 11, "dist": "normal"}},
                  "is": {"dtype": "i32", "shape": [3], "data": [2, -1, 0]},
                  "w": {"dtype": "f32", "shape": [4, 5], "random": {"seed": 12, "dist": "normal"}}}' \
    '"float f(float x[4][5], int i) { return x[i] * 2.0 + x[1:3, i].sum() + take(x[0], array([i, 0, 3])).sum(); }"' \
    '"auto g(float xs[3][4][5], int is[3], float w[4][5]) {"' \
    '"  return (vmap(f)(xs, is), stack((f(xs[0], is[0]), f(xs[1], is[1]), f(xs[2], is[2]))),"' \
    '"          vmap(f, (0, None))(xs, is[0]), stack((f(xs[0], is[0]), f(xs[1], is[0]), f(xs[2], is[0]))),"' \
    '"          vmap(f, (None, 0))(w, is), stack((f(w, is[0]), f(w, is[1]), f(w, is[2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/idx.json" 3 1e-6
}

@test "vmap of scatters (set, add, multiply, min, max; indices mapped or not, updates unmapped) equals the stacked examples" {
  vmap_spec sct '{"xs": {"dtype": "f32", "shape": [3, 5], "random": {"seed": 13, "dist": "normal"}},
                  "is": {"dtype": "i32", "shape": [3], "data": [4, 0, 2]},
                  "w": {"dtype": "f32", "shape": [5], "random": {"seed": 14, "dist": "normal"}}}' \
    '"float f(float x[5], int i) { return x.at[i].set(9.0) + x.at[array([i, 1])].add(array([1.0, x[0]])) + x.at[i].multiply(3.0) + x.at[i].min(-1.0) + x.at[i].max(x[3]); }"' \
    '"auto g(float xs[3][5], int is[3], float w[5]) {"' \
    '"  return (vmap(f)(xs, is), stack((f(xs[0], is[0]), f(xs[1], is[1]), f(xs[2], is[2]))),"' \
    '"          vmap(f, (0, None))(xs, is[0]), stack((f(xs[0], is[0]), f(xs[1], is[0]), f(xs[2], is[0]))),"' \
    '"          vmap(f, (None, 0))(w, is), stack((f(w, is[0]), f(w, is[1]), f(w, is[2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/sct.json" 3 1e-6
}

@test "vmap of max, min and sum pooling (reduce_window) over axis 1 equals the stacked examples" {
  vmap_spec pool '{"xs": {"dtype": "f32", "shape": [6, 3, 4], "random": {"seed": 15, "dist": "normal"}}}' \
    '"float f(float x[6][4]) { return reduce_window(x, -inf, \"max\", (2, 2), (1, 2), ((1, 0), (0, 1))) * 0.5 + sum(reduce_window(x, inf, \"min\", (3, 1), (2, 1), \"SAME\")) + sum(reduce_window(x, 0.0, \"add\", (2, 2), (1, 2), \"VALID\")); }"' \
    '"auto g(float xs[6][3][4]) {"' \
    '"  return (vmap(f, 1)(xs), stack((f(xs[:, 0]), f(xs[:, 1]), f(xs[:, 2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/pool.json" 1 1e-6
}

@test "vmap of top_k over axis 0 and axis 1 (its axis shifted or not) equals the stacked examples" {
  vmap_spec topk '{"xs": {"dtype": "f32", "shape": [3, 5], "random": {"seed": 16, "dist": "normal"}}}' \
    '"auto f(float x[5]) { let (v, i) = top_k(x, 2); return v + (float)i; }"' \
    '"auto g(float xs[3][5]) {"' \
    '"  auto ys = transpose(xs);"' \
    '"  return (vmap(f)(xs), stack((f(xs[0]), f(xs[1]), f(xs[2]))), vmap(f, 1)(ys), stack((f(ys[:, 0]), f(ys[:, 1]), f(ys[:, 2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/topk.json" 2 0
}

@test "per-example gradients through indexing (dynamic_update_slice and scatter under vmap) equal the stacked gradients" {
  vmap_spec gix '{"xs": {"dtype": "f32", "shape": [3, 5], "random": {"seed": 17, "dist": "normal"}},
                  "is": {"dtype": "i32", "shape": [3], "data": [1, -2, 4]}}' \
    '"float f(float x[5], int i) { return x[i] * x[0] + sum(take(x, array([i, 2])) * 3.0); }"' \
    '"auto g(float xs[3][5], int is[3]) {"' \
    '"  return (vmap(grad(f))(xs, is), stack((grad(f)(xs[0], is[0]), grad(f)(xs[1], is[1]), grad(f)(xs[2], is[2]))),"' \
    '"          vmap(grad(f), (0, None))(xs, is[1]), stack((grad(f)(xs[0], is[1]), grad(f)(xs[1], is[1]), grad(f)(xs[2], is[1]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/gix.json" 2 1e-6
}

@test "vmap of pad with a mapped padding value (operand mapped or not, at axis 0 or 1) equals the stacked examples" {
  vmap_spec padv '{"xs": {"dtype": "f32", "shape": [2, 3, 4], "random": {"seed": 18, "dist": "normal"}},
                   "vs": {"dtype": "f32", "shape": [3], "random": {"seed": 19, "dist": "normal"}},
                   "w": {"dtype": "f32", "shape": [2, 4], "random": {"seed": 20, "dist": "normal"}}}' \
    '"auto f(float x[2][4], float v) { return lax_pad(x, v, ((1, -1, 0), (2, 1, 1))) * v; }"' \
    '"auto g(float xs[2][3][4], float vs[3], float w[2][4]) {"' \
    '"  return (vmap(f, (1, 0))(xs, vs), stack((f(xs[:, 0], vs[0]), f(xs[:, 1], vs[1]), f(xs[:, 2], vs[2]))),"' \
    '"          vmap(f, (None, 0))(w, vs), stack((f(w, vs[0]), f(w, vs[1]), f(w, vs[2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/padv.json" 2 1e-6
}

@test "vmap of svd (expand_dims_batcher: the batch axis moved to the front) equals the stacked examples" {
  vmap_spec svd '{"xs": {"dtype": "f32", "shape": [4, 3, 2], "random": {"seed": 21, "dist": "normal"}}}' \
    '"auto f(float x[4][2]) { auto r = svd(x, full_matrices=false); return r[0] * r[1] + svdvals(x).sum(); }"' \
    '"auto g(float xs[4][3][2]) {"' \
    '"  return (vmap(f, 1)(xs), stack((f(xs[:, 0]), f(xs[:, 1]), f(xs[:, 2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/svd.json" 1 1e-6
}

@test "vmap of conv_general_dilated (lhs, rhs or both mapped; feature and batch groups; NHWC) equals the stacked examples" {
  vmap_spec conv '{"xs": {"dtype": "f32", "shape": [2, 3, 4, 5], "random": {"seed": 22, "dist": "normal"}},
                   "ks": {"dtype": "f32", "shape": [6, 2, 3, 2], "random": {"seed": 23, "dist": "normal"}},
                   "us": {"dtype": "f32", "shape": [3, 4, 3, 5], "random": {"seed": 24, "dist": "normal"}},
                   "vs": {"dtype": "f32", "shape": [3, 6, 3, 2], "random": {"seed": 25, "dist": "normal"}},
                   "ys": {"dtype": "f32", "shape": [1, 4, 5, 2, 3], "random": {"seed": 26, "dist": "normal"}},
                   "ws": {"dtype": "f32", "shape": [3, 2, 2, 2, 3], "random": {"seed": 27, "dist": "normal"}}}' \
    '"auto f(f32[2,4,5] x, f32[6,2,2] k) { return conv_general_dilated(x, k, (1,), ((1, 0),), feature_group_count=2); }"' \
    '"auto h(f32[4,3,5] x, f32[6,3,2] k) { return conv_general_dilated(x, k, (2,), \"SAME\", batch_group_count=2); }"' \
    '"auto n(f32[1,4,5,2] x, f32[2,2,2,3] k) { return conv_general_dilated(x, k, (1, 2), \"VALID\", rhs_dilation=(2, 1), dimension_numbers=(\"NHWC\", \"HWIO\", \"NHWC\")); }"' \
    '"auto g(f32[2,3,4,5] xs, f32[6,2,3,2] ks, f32[3,4,3,5] us, f32[3,6,3,2] vs, f32[1,4,5,2,3] ys, f32[3,2,2,2,3] ws) {"' \
    '"  auto x = xs[:, 0]; auto k = ks[:, :, 0]; auto u = us[0]; auto v = vs[0]; auto y = ys[..., 0]; auto w = ws[0];"' \
    '"  return (vmap(f, (1, None))(xs, k), stack((f(xs[:, 0], k), f(xs[:, 1], k), f(xs[:, 2], k))),"' \
    '"          vmap(f, (None, 2))(x, ks), stack((f(x, ks[:, :, 0]), f(x, ks[:, :, 1]), f(x, ks[:, :, 2]))),"' \
    '"          vmap(f, (1, 2))(xs, ks), stack((f(xs[:, 0], ks[:, :, 0]), f(xs[:, 1], ks[:, :, 1]), f(xs[:, 2], ks[:, :, 2]))),"' \
    '"          vmap(h, (0, None))(us, v), stack((h(us[0], v), h(us[1], v), h(us[2], v))),"' \
    '"          vmap(h, (None, 0))(u, vs), stack((h(u, vs[0]), h(u, vs[1]), h(u, vs[2]))),"' \
    '"          vmap(h)(us, vs), stack((h(us[0], vs[0]), h(us[1], vs[1]), h(us[2], vs[2]))),"' \
    '"          vmap(n, (4, None))(ys, w), stack((n(ys[..., 0], w), n(ys[..., 1], w), n(ys[..., 2], w))),"' \
    '"          vmap(n, (None, 0))(y, ws), stack((n(y, ws[0]), n(y, ws[1]), n(y, ws[2]))),"' \
    '"          vmap(n, (4, 0))(ys, ws), stack((n(ys[..., 0], ws[0]), n(ys[..., 1], ws[1]), n(ys[..., 2], ws[2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/conv.json" 9 1e-6
}

@test "per-example gradients and JVPs of max and min pooling (select_and_scatter_add, select_and_gather_add under vmap) equal the stacked examples" {
  vmap_spec gpool '{"xs": {"dtype": "f32", "shape": [5, 3, 6], "random": {"seed": 28, "dist": "normal"}},
                    "ts": {"dtype": "f32", "shape": [5, 3, 6], "random": {"seed": 29, "dist": "normal"}}}' \
    '"float f(float x[5][6]) { return sum(reduce_window(x, -inf, \"max\", (2, 3), (1, 2), ((1, 0), (0, 1))) * 2.0) + sum(reduce_window(x, inf, \"min\", (3, 2), (2, 1), \"SAME\")); }"' \
    '"auto jf(float x[5][6], float t[5][6]) { return jvp(f, (x,), (t,))[1]; }"' \
    '"auto g(float xs[5][3][6], float ts[5][3][6]) {"' \
    '"  return (vmap(grad(f), 1)(xs), stack((grad(f)(xs[:, 0]), grad(f)(xs[:, 1]), grad(f)(xs[:, 2]))),"' \
    '"          vmap(jf, (1, None))(xs, ts[:, 0]), stack((jf(xs[:, 0], ts[:, 0]), jf(xs[:, 1], ts[:, 0]), jf(xs[:, 2], ts[:, 0]))),"' \
    '"          vmap(jf, 1)(xs, ts), stack((jf(xs[:, 0], ts[:, 0]), jf(xs[:, 1], ts[:, 1]), jf(xs[:, 2], ts[:, 2]))),"' \
    '"          vmap(jf, (None, 1))(xs[:, 1], ts), stack((jf(xs[:, 1], ts[:, 0]), jf(xs[:, 1], ts[:, 1]), jf(xs[:, 1], ts[:, 2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/gpool.json" 4 1e-6
}

@test "vmap of a user's custom_jvp function (the rule batched too, one with a reduction): grad and jvp of the vmap equal the stacked examples" {
  vmap_spec cjvp '{"xs": {"dtype": "f32", "shape": [3], "random": {"seed": 30, "dist": "normal"}},
                   "ts": {"dtype": "f32", "shape": [3], "random": {"seed": 31, "dist": "normal"}},
                   "ms": {"dtype": "f32", "shape": [2, 3], "random": {"seed": 32, "dist": "normal"}}}' \
    '"float lf(float x) { return log(1.0 + exp(x)); }"' \
    '"auto lj(auto p, auto t) { auto x = p[0]; return (lf(x), t[0] * (1.0 - 1.0 / (1.0 + exp(x)))); }"' \
    '"float c(float x) { return custom_jvp(lf, lj)(x); }"' \
    '"float vs(float xs[3]) { return sum(vmap(c)(xs) * xs); }"' \
    '"float lse(float m[2]) { return log(sum(exp(m))); }"' \
    '"auto lsej(auto p, auto t) { auto m = p[0]; auto y = lse(m); return (y, sum(t[0] * exp(m - y))); }"' \
    '"float cm(float m[2]) { return custom_jvp(lse, lsej)(m * m) * m[0]; }"' \
    '"float vm(float ms[2][3]) { return sum(vmap(cm, 1)(ms)); }"' \
    '"auto g(float xs[3], float ts[3], float ms[2][3]) {"' \
    '"  return (grad(vs)(xs), stack((grad(c)(xs[0]) * xs[0] + c(xs[0]), grad(c)(xs[1]) * xs[1] + c(xs[1]), grad(c)(xs[2]) * xs[2] + c(xs[2]))),"' \
    '"          jvp(vmap(c), (xs,), (ts,))[1], stack((jvp(c, (xs[0],), (ts[0],))[1], jvp(c, (xs[1],), (ts[1],))[1], jvp(c, (xs[2],), (ts[2],))[1])),"' \
    '"          transpose(grad(vm)(ms)), stack((grad(cm)(ms[:, 0]), grad(cm)(ms[:, 1]), grad(cm)(ms[:, 2]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/cjvp.json" 3 1e-6
}

@test "vmap of a user's custom_vjp function (fwd and bwd batched; an unmapped argument's cotangent summed): its gradients equal the stacked examples" {
  vmap_spec cvjp '{"xs": {"dtype": "f32", "shape": [2, 3], "random": {"seed": 33, "dist": "normal"}},
                   "ys": {"dtype": "f32", "shape": [3], "random": {"seed": 34, "dist": "normal"}},
                   "ws": {"dtype": "f32", "shape": [3, 2], "random": {"seed": 35, "dist": "normal"}}}' \
    '"auto f(f32[2] x, f32 y) { return sin(x) * y; }"' \
    '"auto f_fwd(f32[2] x, f32 y) { return (custom_vjp(f, f_fwd, f_bwd)(x, y), (cos(x), sin(x), y)); }"' \
    '"auto f_bwd(auto res, f32[2] g) { return (res[0] * g * res[2], sum(res[1] * g)); }"' \
    '"f32 h(f32[2] x, f32 y, f32[2] w) { return sum(custom_vjp(f, f_fwd, f_bwd)(x, y) * w); }"' \
    '"f32 l1(f32[2][3] xs, f32[3] ys, f32[3][2] ws) { return sum(vmap(custom_vjp(f, f_fwd, f_bwd), (1, 0))(xs, ys) * ws); }"' \
    '"f32 l2(f32[2] x, f32[3] ys, f32[3][2] ws) { return sum(vmap(custom_vjp(f, f_fwd, f_bwd), (None, 0))(x, ys) * ws); }"' \
    '"auto g(f32[2][3] xs, f32[3] ys, f32[3][2] ws) {"' \
    '"  auto g0 = grad(h, (0, 1))(xs[:, 0], ys[0], ws[0]); auto g1 = grad(h, (0, 1))(xs[:, 1], ys[1], ws[1]); auto g2 = grad(h, (0, 1))(xs[:, 2], ys[2], ws[2]);"' \
    '"  auto b1 = grad(l1, (0, 1))(xs, ys, ws); auto b2 = grad(l2, (0, 1))(xs[:, 0], ys, ws);"' \
    '"  auto h0 = grad(h, (0, 1))(xs[:, 0], ys[1], ws[1]); auto h2 = grad(h, (0, 1))(xs[:, 0], ys[2], ws[2]);"' \
    '"  return (vmap(custom_vjp(f, f_fwd, f_bwd), (1, 0))(xs, ys), stack((f(xs[:, 0], ys[0]), f(xs[:, 1], ys[1]), f(xs[:, 2], ys[2]))),"' \
    '"          transpose(b1[0]), stack((g0[0], g1[0], g2[0])), b1[1], stack((g0[1], g1[1], g2[1])),"' \
    '"          b2[0], g0[0] + h0[0] + h2[0], b2[1], stack((g0[1], h0[1], h2[1])));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/cvjp.json" 5 1e-6
}

@test "gradients of a vmap of custom_vjp and custom_jvp functions closing over a mapped or unmapped value equal the stacked examples" {
  vmap_spec cclo '{"xs": {"dtype": "f32", "shape": [3], "random": {"seed": 36, "dist": "normal"}},
                   "cs": {"dtype": "f32", "shape": [3], "random": {"seed": 37, "dist": "normal"}}}' \
    '"auto k(float x, float c) {"' \
    '"  float f(float y) { return sin(y) * c; }"' \
    '"  auto f_fwd(float y) { return (f(y), cos(y) * c); }"' \
    '"  auto f_bwd(auto r, float g) { return (g * r,); }"' \
    '"  float s(float y) { return exp(y) * c; }"' \
    '"  auto s_jvp(auto p, auto t) { auto y = p[0]; return (s(y), exp(y) * c * t[0]); }"' \
    '"  return custom_vjp(f, f_fwd, f_bwd)(x) + custom_jvp(s, s_jvp)(x) * x;"' \
    '"}"' \
    '"float l(float xs[3], float cs[3]) { return sum(vmap(k)(xs, cs)); }"' \
    '"float l2(float xs[3], float c) { return sum(vmap(k, (0, None))(xs, c)); }"' \
    '"auto g(float xs[3], float cs[3]) {"' \
    '"  return (grad(l)(xs, cs), stack((grad(k)(xs[0], cs[0]), grad(k)(xs[1], cs[1]), grad(k)(xs[2], cs[2]))),"' \
    '"          grad(l2)(xs, cs[1]), stack((grad(k)(xs[0], cs[1]), grad(k)(xs[1], cs[1]), grad(k)(xs[2], cs[1]))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/cclo.json" 2 1e-6
}

@test "a float16 custom_vjp function's gradient through vmap sums the unmapped argument's cotangent in float32 (jnp.sum) and equals the per-example sum" {
  vmap_spec chalf '{"xs": {"dtype": "f16", "shape": [3], "data": [1.0, 2.0, 3.0]}, "y": {"dtype": "f16", "shape": [], "data": 2.0}}' \
    '"f16 f(f16 x, f16 y) { return sin(x) * y; }"' \
    '"auto f_fwd(f16 x, f16 y) { return (custom_vjp(f, f_fwd, f_bwd)(x, y), (cos(x), sin(x), y)); }"' \
    '"auto f_bwd(auto res, f16 g) { return (res[0] * g * res[2], res[1] * g); }"' \
    '"f16 l(f16[3] xs, f16 y) { return sum(vmap(custom_vjp(f, f_fwd, f_bwd), (0, None))(xs, y)); }"' \
    '"auto g(f16[3] xs, f16 y) {"' \
    '"  auto b = grad(l, (0, 1))(xs, y);"' \
    '"  return (b[0], stack((grad(f)(xs[0], y), grad(f)(xs[1], y), grad(f)(xs[2], y))), b[1], (f16)(sum((stack((grad(f, 1)(xs[0], y), grad(f, 1)(xs[1], y), grad(f, 1)(xs[2], y)))).astype(float32))));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/chalf.json" 2 1e-3
  run --separate-stderr tjit trace "$BATS_TEST_TMPDIR/chalf.json"
  assert_success
  [[ $output == *"convert_element_type[new_dtype=float32 weak_type=False]"*"reduce_sum[axes=(0,) out_sharding=None]"*"convert_element_type[new_dtype=float16 weak_type=False]"* ]]
}

@test "per-example gradients of a convolution with max pooling (vmap of grad: conv transposes, select_and_scatter_add) equal the stacked gradients" {
  vmap_spec gconv '{"xs": {"dtype": "f32", "shape": [3, 1, 2, 6, 5], "random": {"seed": 38, "dist": "normal"}},
                    "k": {"dtype": "f32", "shape": [4, 2, 3, 2], "random": {"seed": 39, "dist": "normal"}}}' \
    '"float loss(f32[4,2,3,2] k, f32[1,2,6,5] x) { auto y = conv_general_dilated(x, k, (1, 1), ((1, 1), (0, 1))); return sum(reduce_window(tanh(y), -inf, \"max\", (1, 1, 2, 2), (1, 1, 2, 2), \"VALID\")); }"' \
    '"auto g(f32[3,1,2,6,5] xs, f32[4,2,3,2] k) {"' \
    '"  auto b = vmap(grad(loss, (0, 1)), (None, 0))(k, xs);"' \
    '"  auto g0 = grad(loss, (0, 1))(k, xs[0]); auto g1 = grad(loss, (0, 1))(k, xs[1]); auto g2 = grad(loss, (0, 1))(k, xs[2]);"' \
    '"  return (b[0], stack((g0[0], g1[0], g2[0])), b[1], stack((g0[1], g1[1], g2[1])));"' \
    '"}"'
  pairs_agree "$BATS_TEST_TMPDIR/gconv.json" 2 1e-6
}
