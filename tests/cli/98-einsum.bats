#!/usr/bin/env bats
# einsum and the tensor contractions (issue 14 item 2): the compiled
# einsum, tensordot, lax_dot_general, outer, inner and vdot of
# tests/cases/einsum-run-check-c.json (which --check also compares with the
# reference evaluator) agree exactly with numpy (tests/data/einsum_numpy_check.py
# says why exact comparison is right), and the multi-head attention example
# agrees with a numpy attention within float32 rounding.
load helper
bats_require_minimum_version 1.5.0

@test "einsum, tensordot, lax_dot_general, outer, inner and vdot agree with numpy exactly" {
  numpy_agrees "$CASES_DIR/einsum-run-check-c.json" einsum_numpy_check.py
}

@test "examples/mha_einsum.json: the compiled attention (BLAS and loops) agrees with the evaluator" {
  # Not a golden case: its printed values come from OpenBLAS, whose last
  # digits differ between machines (kernel choice, threads); --check
  # compares them with the reference evaluator within its tolerance.
  run -0 tjit run --check --no-cache "$TJIT_ROOT/examples/mha_einsum.json"
  assert_line --index 0 --regexp '^args: Array\(\[\[\[ *-?[0-9]'
  assert_line --partial 'dtype=float32)'
}

@test "einsum with a label repeated within an operand (sum_repeats' diagonals): compiled, checked, equal to numpy's" {
  # Inputs are multiples of 1/4 in [-1, 1] and every sum stays far below
  # 2^24 units of that resolution, so the float32 results are exact whatever
  # the order of the additions: the comparison with np.einsum is exact.
  require_numpy
  cd "$BATS_TEST_TMPDIR"
  /usr/bin/python3 -c '
import json, random
random.seed(14)
shapes = {"x": [200, 200], "y": [64, 64, 50], "z": [8, 100, 100], "v": [200], "w": [30, 30, 30]}
args = {}
for n, s in shapes.items():
    size = 1
    for d in s: size *= d
    args[n] = {"dtype": "f32", "shape": s, "data": [random.randint(-4, 4) / 4 for _ in range(size)]}
src = ["auto f(f32[200,200] x, f32[64,64,50] y, f32[8,100,100] z, f32[200] v, f32[30,30,30] w) {",
       "  return (einsum(\"ii->i\", x), einsum(\"ii->\", x), einsum(\"iij->j\", y), einsum(\"bii->bi\", z),",
       "          einsum(\"ii,i->i\", x, v), einsum(\"iii->i\", w), einsum(\"ij,jj->i\", x, x));",
       "}"]
print(json.dumps({"tjit": 1, "source": src, "args": args}))' >spec.json
  tjit run --check --format json spec.json >out.json
  run /usr/bin/python3 -c '
import json, numpy as np
spec, out = json.load(open("spec.json")), json.load(open("out.json"))["calls"][0]["outputs"]
a = {n: np.array(v["data"], np.float64).reshape(v["shape"]) for n, v in spec["args"].items()}
x, y, z, v, w = (a[n] for n in "xyzvw")
want = [np.einsum("ii->i", x), np.einsum("ii->", x), np.einsum("iij->j", y), np.einsum("bii->bi", z),
        np.einsum("ii,i->i", x, v), np.einsum("iii->i", w), np.einsum("ij,jj->i", x, x)]
got = [np.array(o["data"], np.float64).reshape(o["shape"]) for o in out]
bad = [i for i, (g, e) in enumerate(zip(got, want)) if g.shape != e.shape or not np.array_equal(g, e)]
print("numpy agrees" if not bad and len(got) == len(want) else "outputs differ from numpy: %s" % bad)'
  assert_success
  assert_output "numpy agrees"
}
