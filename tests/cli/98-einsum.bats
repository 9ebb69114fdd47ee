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

@test "einsum of 5, 6 and 8 operands (opt_einsum's branch-and-bound paths): compiled, checked, equal to numpy's" {
  # Inputs are -1, 0 or 1 and no sum reaches 2^24 (the contracted sizes'
  # product stays below it), so every float32 result is exact whatever the
  # contraction order: the comparison with np.einsum is exact.
  require_numpy
  cd "$BATS_TEST_TMPDIR"
  /usr/bin/python3 -c '
import json, random
random.seed(16)
eqs = [("ab,bc,cd,de,ef->af", dict(a=48, b=40, c=8, d=48, e=6, f=32)),
       ("bij,bjk,bkl,blm,bmn->bin", dict(b=4, i=16, j=24, k=2, l=20, m=8, n=12)),
       ("i,j,ij,k,kl->jl", dict(i=64, j=48, k=40, l=32)),
       ("dc,g,cibd,e,fcih,edgb->bdeg", dict(b=6, c=7, d=5, e=4, f=16, g=5, h=6, i=4)),
       ("ab,bc,cd,de,ef,fg,gh,hi->ai", dict(a=16, b=8, c=8, d=8, e=8, f=8, g=8, h=8, i=16))]
args, params, calls = {}, [], []
for k, (eq, sz) in enumerate(eqs):
    names = []
    for q, term in enumerate(eq.split("->")[0].split(",")):
        n = "x%d_%d" % (k, q)
        shape = [sz[c] for c in term]
        size = 1
        for d in shape: size *= d
        args[n] = {"dtype": "f32", "shape": shape, "data": [float(random.randint(-1, 1)) for _ in range(size)]}
        params.append("f32[%s] %s" % (",".join(map(str, shape)), n))
        names.append(n)
    calls.append("einsum(\"%s\", %s)" % (eq, ", ".join(names)))
src = ["auto f(%s) {" % ", ".join(params), "  return (%s);" % ", ".join(calls), "}"]
print(json.dumps({"tjit": 1, "source": src, "args": args, "comment": ";".join(e for e, _ in eqs)}))' >spec.json
  tjit run --check --format json spec.json >out.json
  run /usr/bin/python3 -c '
import json, numpy as np
spec, out = json.load(open("spec.json")), json.load(open("out.json"))["calls"][0]["outputs"]
want = []
for k, eq in enumerate(spec["comment"].split(";")):
    ops = [np.array(spec["args"][n]["data"], np.float64).reshape(spec["args"][n]["shape"])
           for n in sorted((n for n in spec["args"] if n.startswith("x%d_" % k)), key=lambda n: int(n.split("_")[1]))]
    want.append(np.einsum(eq, *ops))
got = [np.array(o["data"], np.float64).reshape(o["shape"]) for o in out]
bad = [i for i, (g, e) in enumerate(zip(got, want)) if g.shape != e.shape or not np.array_equal(g, e)]
print("numpy agrees" if not bad and len(got) == len(want) else "outputs differ from numpy: %s" % bad)'
  assert_success
  assert_output "numpy agrees"
}
