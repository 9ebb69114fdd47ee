#!/usr/bin/env bats
# Jaxpr listings as input (issue 20, items 2 and 4): a .jaxpr file, or any
# SPEC with --jaxpr ('-' too), taken by trace (which prints it back),
# graph, emit-c, run, check and export; its values from --args (an array:
# constvars then invars; an object: by the listing's names), --arg-npy
# NAME=FILE and --fill-random; the errors of each, whole.
load helper
bats_require_minimum_version 1.5.0

setup() { cd "$BATS_TEST_TMPDIR"; }

# A listing with two constvars (tests/cases/const-cond-branch.out, JAX's
# hoisted jnp.array constants): f(x, p) = cond(p > 0, pos, neg, x) with
# pos(v) = v * a and neg(v) = v - b.
const_listing() { cp "$CASES_DIR/const-cond-branch.out" c.jaxpr; }

# leaves SPEC LISTING: the spec's call ("args", else calls[0]) as the
# listing's --args: its traced arguments' leaves in jax.tree_util's order
# (a dict's keys sorted), the static parameters (declared static, or in
# static_argnames/static_argnums) left out, .npy paths made absolute.
# Fails when they are not the listing's invars by count, or one is
# abstract (a dtype and shape only).
leaves() {
  python3 - "$1" "$2" <<'PY'
import json, os, re, sys
spec_path, listing_path = sys.argv[1], sys.argv[2]
spec = json.load(open(spec_path))
src = spec.get("source") or open(os.path.join(os.path.dirname(spec_path), spec["source_file"])).read()
src = "\n".join(src) if isinstance(src, list) else src
call = spec["args"] if "args" in spec else spec["calls"][0]
names = spec.get("static_argnames", [])
statics = {names} if isinstance(names, str) else set(names)
def static(name):
    return name in statics or re.search(r"\bstatic\s+[\w<>]+\s+" + re.escape(name) + r"\b", src)
def is_leaf(v):
    if isinstance(v, (int, float, bool)): return True
    if isinstance(v, dict): return any(k in v for k in ("dtype", "npy", "key"))
    if isinstance(v, list): return all(is_leaf(x) and not isinstance(x, dict) for x in v)
    return False
def leaves(v):
    if v is None: return []
    if is_leaf(v):
        if isinstance(v, dict) and "npy" in v:
            v = dict(v, npy=os.path.abspath(os.path.join(os.path.dirname(spec_path), v["npy"])))
        return [v]
    if isinstance(v, dict): return [l for k in sorted(v) for l in leaves(v[k])]
    return [l for x in v for l in leaves(x)]
if isinstance(call, dict):
    values = [v for k, v in call.items() if not static(k)]
else:
    nums = spec.get("static_argnums", [])
    nums = [nums] if isinstance(nums, int) else nums
    values = [v for i, v in enumerate(call) if i not in nums]
out = [l for v in values for l in leaves(v)]
text = open(listing_path).read()
top = text.index("{ lambda") if text.startswith("{") else text.index("\n{ lambda")
ninvars = len(text[top:].split(".", 1)[0].split(";", 1)[1].split())
if len(out) != ninvars or any(isinstance(l, dict) and set(l) <= {"dtype", "shape"} for l in out):
    sys.exit(1)
print(json.dumps(out))
PY
}

# The outputs of two `run --format json` documents are the same values.
same_outputs() {
  python3 -c '
import json, sys
a, b = (json.load(open(f))["calls"][0]["outputs"] for f in sys.argv[1:])
sys.exit(0 if a == b else "outputs differ:\n%s\n%s" % (a, b))' "$1" "$2"
}

@test "every example's listing runs --check; with the example's values, its outputs are the spec's" {
  local ex name args valued=0 filled=0
  for ex in "$TJIT_ROOT"/examples/*.json; do
    name=$(basename "$ex" .json)
    tjit trace "$ex" >"$name.jaxpr" 2>/dev/null || continue # the examples of trace errors
    if args=$(leaves "$ex" "$name.jaxpr"); then
      tjit run --check --format json --args "$args" "$name.jaxpr" >listing.json ||
        fail "$name: run --check on its listing failed"
      tjit run --format json "$ex" >spec.json
      same_outputs spec.json listing.json || fail "$name: the listing's outputs are not the spec's"
      valued=$((valued + 1))
    else # the spec gives a dtype and shape only: random values both ways
      tjit run --check --fill-random 0 "$name.jaxpr" >/dev/null || fail "$name: run --check --fill-random failed"
      filled=$((filled + 1))
    fi
  done
  echo "$valued with the example's values, $filled filled at random"
  ((valued >= 20 && filled <= 3))
}

@test "trace prints a listing back byte for byte, from a file and from - with --jaxpr" {
  const_listing
  run -0 tjit trace c.jaxpr
  assert_output "$(cat c.jaxpr)"
  run -0 --separate-stderr tjit trace --jaxpr - <c.jaxpr
  assert_output "$(cat c.jaxpr)"
  cp c.jaxpr c.txt
  run -0 tjit trace --jaxpr c.txt
  assert_output "$(cat c.jaxpr)"
  tjit trace --format json c.jaxpr | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["version"] == 1'
}

@test "run: --args as an array (constvars, then invars) and as an object by the listing's names" {
  const_listing
  # a = [1,2,3], b = [4,5,6] (the constvars), c = x, d = p
  run -0 tjit run c.jaxpr --args '[[1,2,3],[4,5,6],[1.0,1.0,1.0],1.0]'
  assert_output 'args: Array([1., 2., 3.], dtype=float32)'
  run -0 tjit run --check c.jaxpr --args '{"d": -1, "c": [1, 1, 1], "b": [4, 5, 6], "a": [1, 2, 3]}'
  assert_output 'args: Array([-3., -4., -5.], dtype=float32)'
  run -0 tjit run --reference c.jaxpr --args '[{"dtype": "f32", "shape": [3], "iota": true}, [4,5,6], [2,2,2], {"dtype": "f32", "shape": [], "data": 2}]'
  assert_output 'args: Array([0., 2., 4.], dtype=float32)'
  # the spec the listing was traced from, on the same x and p
  run -0 tjit run "$CASES_DIR/const-cond-branch.json" --args '[[1.0,1.0,1.0],-1.0]'
  assert_output 'args: Array([-3., -4., -5.], dtype=float32)'
}

@test "run: --arg-npy NAME=FILE and --fill-random for the rest" {
  require_numpy
  const_listing
  /usr/bin/python3 -c 'import numpy as np; np.save("x.npy", np.array([1, 2, 3], np.float32))'
  run -0 tjit run --check c.jaxpr --arg-npy c=x.npy --args '{"a": [1, 2, 3], "b": [4, 5, 6], "d": 1}'
  assert_output 'args: Array([1., 4., 9.], dtype=float32)'
  # a and c from the file, b and d random: d's sign picks the branch, c * a or c - b
  run -0 tjit run --check --format json c.jaxpr --arg-npy a=x.npy --arg-npy c=x.npy --fill-random 1
  run -0 tjit run c.jaxpr --arg-npy a=x.npy --arg-npy c=x.npy --args '{"b": [0, 0, 0], "d": 1}'
  assert_output 'args: Array([1., 4., 9.], dtype=float32)'
  run -2 --separate-stderr tjit run c.jaxpr --arg-npy d=x.npy --fill-random 1
  assert_equal "$stderr" "--arg-npy:1:3: error: --arg-npy d: value is float32[3], but the listing declares 'd:f32[]'
    1 | d=x.npy
      |   ^~~~~"
}

@test "run --fill-random fills every variable without a value, constvars too, the same each time" {
  const_listing
  run -0 tjit run --check --fill-random 7 c.jaxpr
  first=$output
  run -0 tjit run --reference --fill-random 7 c.jaxpr
  assert_output "$first"
  run -0 tjit run --check --fill-random 7 c.jaxpr --args '{"d": 1.0}'
  run -0 tjit run --grad-check --fill-random 0 c.jaxpr
  assert_line --index 5 '  PASS'
}

@test "errors of values: missing, wrong shape or dtype, count, unknown name, given twice, bad .npy" {
  require_numpy
  const_listing
  run -2 --separate-stderr tjit run c.jaxpr --args '{"a": [1,2,3], "b": [4,5,6], "c": [1,1,1]}'
  assert_equal "$stderr" "tjit: error: no value for 'd:f32[]': give --args, --arg-npy d=FILE or --fill-random SEED"
  run -2 --separate-stderr tjit run c.jaxpr --args '[[1,2],[4,5,6],[1.0,1.0,1.0],1.0]'
  assert_equal "$stderr" "--args:1:2: error: --args[0]: value is int32[2], but the listing declares 'a:f32[3]'
    1 | [[1,2],[4,5,6],[1.0,1.0,1.0],1.0]
      |  ^~~~~"
  run -2 --separate-stderr tjit run c.jaxpr --args '[[1.5,2,3],[4,5,6],[1,1,1],{"dtype":"i32","shape":[],"data":1}]'
  assert_equal "$stderr" "--args:1:28: error: --args[3]: value is int32[], but the listing declares 'd:f32[]'
    1 | [[1.5,2,3],[4,5,6],[1,1,1],{\"dtype\":\"i32\",\"shape\":[],\"data\":1}]
      |                            ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
  run -2 --separate-stderr tjit run c.jaxpr --args '[1.5, 2]'
  assert_equal "$stderr" "--args:1:1: error: --args: the listing takes 4 values (2 constvars, then 2 invars: a, b, c, d), found 2
    1 | [1.5, 2]
      | ^~~~~~~~"
  run -2 --separate-stderr tjit run c.jaxpr --args '{"x": 1}'
  assert_equal "$stderr" "--args:1:2: error: --args: the listing has no variable 'x' (its variables: a, b, c, d)
    1 | {\"x\": 1}
      |  ^~~"
  /usr/bin/python3 -c 'import numpy as np; np.save("x.npy", np.zeros(3, np.float32))'
  run -2 --separate-stderr tjit run c.jaxpr --args '{"c": [1, 1, 1]}' --arg-npy c=x.npy
  assert_equal "$stderr" "--arg-npy:1:3: error: --arg-npy c: 'c' is given twice: by --args and by --arg-npy
    1 | c=x.npy
      |   ^~~~~"
  printf '\x93NUMPY\x01\x00garbage' >bad.npy
  run -2 --separate-stderr tjit run c.jaxpr --arg-npy c=bad.npy --fill-random 0
  assert_equal "$stderr" "--arg-npy:1:3: error: --arg-npy c: 'bad.npy': truncated header
    1 | c=bad.npy
      |   ^~~~~~~"
  run -2 --separate-stderr tjit run c.jaxpr --arg-npy c=missing.npy --fill-random 0
  assert_equal "$stderr" "--arg-npy:1:3: error: --arg-npy c: cannot read 'missing.npy': No such file or directory
    1 | c=missing.npy
      |   ^~~~~~~~~~~"
  run -2 --separate-stderr tjit run c.jaxpr --arg-npy zz=x.npy
  assert_equal "$stderr" "tjit: error: --arg-npy: the listing has no variable 'zz' (its variables: a, b, c, d)"
  run -2 --separate-stderr tjit run c.jaxpr --arg-npy c
  assert_equal "$stderr" "tjit run: error: invalid --arg-npy 'c' (expected NAME=FILE)
usage: tjit run [OPTIONS] SPEC..."
}

@test "errors of commands: --call, --arg-npy on a spec, explain-recompile, a listing that does not read" {
  const_listing
  run -2 --separate-stderr tjit run c.jaxpr --call 0
  assert_equal "$stderr" "tjit run: error: invalid --call '0' (a jaxpr listing has no calls)
usage: tjit run [OPTIONS] SPEC..."
  run -2 --separate-stderr tjit trace "$CASES_DIR/const-cond-branch.json" --arg-npy c=x.npy
  assert_equal "$stderr" "tjit trace: error: --arg-npy gives a jaxpr listing's values; a spec's come from --args
usage: tjit trace [OPTIONS] SPEC"
  run -2 --separate-stderr tjit run c.jaxpr c.jaxpr --arg-npy c=x.npy
  assert_equal "$stderr" "tjit run: error: --arg-npy cannot be used with several specs (it names one listing's variable)
usage: tjit run [OPTIONS] SPEC..."
  run -2 --separate-stderr tjit run --format json c.jaxpr
  assert_output '{"version": 1, "calls": [], "failed_call": "args", "error": {"kind": "usage", "message": "no value for '"'"'a:f32[3]'"'"': give --args, --arg-npy a=FILE or --fill-random SEED", "file": null, "line": null, "column": null, "notes": [], "hints": []}}'
  run -2 --separate-stderr tjit explain-recompile c.jaxpr
  assert_equal "$stderr" "tjit: error: c.jaxpr is a jaxpr listing: it has no calls to replay (explain-recompile takes a spec, tjit-spec(5))"
  printf '{ lambda ; a:f32[3]. let b:f32[3] = frob a in (b,) }\n' >bad.jaxpr
  run -1 --separate-stderr tjit check bad.jaxpr
  assert_equal "$stderr" "bad.jaxpr:1:37: error: unknown primitive 'frob'
    1 | { lambda ; a:f32[3]. let b:f32[3] = frob a in (b,) }
      |                                     ^~~~"
  run -1 --separate-stderr tjit check --format json bad.jaxpr
  assert_output --partial '"kind": "syntax"'
  printf '{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b' >cut.jaxpr
  run -1 tjit run --fill-random 0 cut.jaxpr
  run -2 --separate-stderr tjit trace no-such.jaxpr
  assert_equal "$stderr" "tjit: error: cannot open 'no-such.jaxpr': No such file or directory"
}

@test "check: a listing that reads is silent; --format json lists it as args" {
  const_listing
  run -0 tjit check c.jaxpr
  assert_output ''
  run -0 tjit check --format json c.jaxpr
  assert_output '{"version": 1, "traced": ["args"]}'
  tjit trace "$TJIT_ROOT/examples/relu_scale.json" >r.jaxpr
  run -0 tjit check c.jaxpr r.jaxpr "$TJIT_ROOT/examples/softmax.json"
}

@test "graph and emit-c of a listing; emit-c needs the constvars' values, which the C holds" {
  const_listing
  run -0 tjit graph c.jaxpr
  assert_output --partial 'digraph jaxpr'
  assert_output --partial 'cond'
  run -0 tjit graph --svg c.jaxpr
  assert_output --partial '<svg'
  run -2 --separate-stderr tjit emit-c c.jaxpr
  assert_equal "$stderr" "tjit: error: no value for 'a:f32[3]': give --args, --arg-npy a=FILE or --fill-random SEED"
  run -0 tjit emit-c c.jaxpr --args '{"a": [1, 2, 3], "b": [4, 5, 6]}'
  assert_line 'static const f32 tj_k0[3] = {1.0f, 2.0f, 3.0f};'
  assert_line 'static const f32 tj_k1[3] = {4.0f, 5.0f, 6.0f};'
  run -0 tjit emit-c --format json --fill-random 0 c.jaxpr
  tjit trace "$TJIT_ROOT/examples/relu_scale.json" >r.jaxpr
  diff <(tjit emit-c r.jaxpr) <(tjit emit-c "$TJIT_ROOT/examples/relu_scale.json")
}

@test "export of a listing: @main on the values given, or random ones" {
  tjit trace "$TJIT_ROOT/examples/relu_scale.json" >r.jaxpr
  run -2 --separate-stderr tjit export r.jaxpr
  assert_equal "$stderr" "tjit: error: no value for 'a:f32[4]': give --args, --arg-npy a=FILE or --fill-random SEED"
  run -0 tjit export r.jaxpr --args '[[-1.0, 0.5, 2.0, 4.0]]'
  assert_output "$(tjit export "$TJIT_ROOT/examples/relu_scale.json")"
  run -0 tjit export r.jaxpr --fill-random 3
  assert_output --partial 'func.func @main'
}
