# Shared by tests/cli/99-export.bats and 99-export-all.bats (loaded after
# helper.bash): the MLIR toolchain's lowering and run of an exported
# module, and the comparison of its printed outputs with the reference
# evaluator's. Tolerance: the runner prints 6 significant digits and sums
# in its own order, so a value a matches the reference b when
# |a - b| <= 2e-4 |b| + 1e-5 max(1, max|ref|) (NaN matches NaN; bool
# prints as 0/1).

# TJIT_TEST_LLVM: another LLVM 19 prefix (a missing one shows the skips).
LLVM=${TJIT_TEST_LLVM:-/usr/lib/llvm-19}
# The lowering of tjit-export(1): the issue's pipeline, with
# --convert-math-to-libm for the math ops LLVM has no intrinsic for (tanh),
# and allow-return-allocs-from-loops for the loops of while and scan,
# whose bodies yield new tensors.
PIPELINE=("--one-shot-bufferize=bufferize-function-boundaries allow-return-allocs-from-loops" --convert-linalg-to-loops --convert-scf-to-cf
  --expand-strided-metadata --lower-affine --convert-math-to-libm --convert-math-to-llvm --finalize-memref-to-llvm
  --convert-func-to-llvm --convert-arith-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts)

# Skips a test that runs the MLIR toolchain when it is not installed.
need_mlir() {
  [[ -x $LLVM/bin/mlir-opt && -x $LLVM/bin/mlir-cpu-runner ]] ||
    skip "MLIR 19 is not installed (mlir-19-tools, libmlir-19: scripts/install-deps.sh)"
}

# run_mlir FILE: verify, lower and run FILE's @main; the runner's output in out.txt.
run_mlir() {
  "$LLVM/bin/mlir-opt" "$1" >/dev/null || return 1
  "$LLVM/bin/mlir-opt" "$1" "${PIPELINE[@]}" >lowered.mlir || return 1
  "$LLVM/bin/mlir-cpu-runner" lowered.mlir -e main -entry-point-result=void \
    -shared-libs="$LLVM/lib/libmlir_c_runner_utils.so.19.1" -shared-libs="$LLVM/lib/libmlir_runner_utils.so.19.1" >out.txt
}

# compare RUNNER_OUTPUT REFERENCE_JSON: fails naming the first value that differs.
compare() {
  python3 - "$1" "$2" <<'PY'
import json, math, re, sys
runner = open(sys.argv[1]).read()
ref = json.load(open(sys.argv[2]))["calls"][0]["outputs"]
parts = runner.split("Unranked Memref")[1:]
def flat(x):
    if isinstance(x, list):
        for y in x: yield from flat(y)
    else: yield x
if len(parts) != len(ref): sys.exit(f"{len(parts)} outputs printed, {len(ref)} expected")
for k, (p, r) in enumerate(zip(parts, ref)):
    sizes = [int(v) for v in re.search(r"sizes = \[([^\]]*)\]", p).group(1).replace(",", " ").split()]
    if sizes != r["shape"]: sys.exit(f"output {k}: shape {sizes}, expected {r['shape']}")
    if 0 in sizes: continue  # the runner prints one stray value for an empty memref
    got = [float(v) for v in re.split(r"[\s,\[\]]+", p.split("data =", 1)[1]) if v]
    want = [math.nan if v is None else float(v) for v in flat(r["data"])]
    if len(got) != len(want): sys.exit(f"output {k}: {len(got)} values, expected {len(want)}")
    scale = max([abs(v) for v in want if math.isfinite(v)] + [1.0])
    for i, (a, b) in enumerate(zip(got, want)):
        if not ((math.isnan(a) and math.isnan(b)) or a == b or abs(a - b) <= 2e-4 * abs(b) + 1e-5 * scale):
            sys.exit(f"output {k}[{i}]: {a}, expected {b}")
print("ok", len(parts))
PY
}

# export_and_compare SPEC [OPTION...]: the whole differential check of one
# spec's call (the options, --call N, given to both commands).
export_and_compare() {
  tjit export "$@" >module.mlir
  run_mlir module.mlir
  tjit run --reference --format json "$@" >ref.json
  compare out.txt ref.json
}

# export_cases: one line per case of the differential test of every
# example and golden run case, its fields separated by '|' (no option has one): a label, the
# spec, the options that choose the call (--call N, --args JSON, --confine)
# and the values (--fill-random SEED), given to export and run alike. Every example gives its default call and each of its calls[N];
# a golden case is a tests/cases/NAME.args whose first word is `run` and
# whose NAME.status is 0 (the others fail on purpose), with its own
# options less those about running alone (--check, --reference, --format,
# --repeat, --max-memory, --max-work).
export_cases() {
  local spec name words w i opts run_opts
  for spec in "$TJIT_ROOT"/examples/*.json; do
    name=$(basename "$spec" .json)
    if [[ $name == fused_kernel ]]; then # float x[n]: the same function at 10^4 elements, not 10^7
      printf 'example %s at 10^4|%s|--args %s|\n' "$name" "$spec" \
        '{"x":{"dtype":"f32","shape":[10000],"random":{"seed":0,"dist":"normal"}}}'
      continue
    fi
    printf 'example %s|%s||\n' "$name" "$spec"
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); [print(k) for k in range(len(d.get("calls", []))) if k or "args" in d]' "$spec" |
      while read -r i; do printf 'example %s --call %s|%s|--call %s|\n' "$name" "$i" "$spec" "$i"; done
  done
  for spec in "$CASES_DIR"/*.args; do
    name=$(basename "$spec" .args)
    read -r -d '' -a words <"$spec" || true
    [[ ${words[0]:-} == run && $(<"$CASES_DIR/$name.status") == 0 ]] || continue
    opts="" run_opts="" spec=""
    for ((i = 1; i < ${#words[@]}; i++)); do
      w=${words[i]}
      case $w in
      --call | --args) opts+="$w ${words[i + 1]} " && ((i++)) ;;
      --confine) opts+="$w " ;;
      --fill-random) run_opts+="$w ${words[i + 1]} " && ((i++)) ;;
      --format | --repeat | --max-memory | --max-work) ((i++)) ;;
      --check | --reference) ;;
      @) spec=$CASES_DIR/$name.json ;;
      -*) opts+="$w " ;; # unknown here: given to both, so that the case fails until it is known
      *) spec=$CASES_DIR/$w ;;
      esac
    done
    printf 'golden %s|%s|%s|%s\n' "$name" "$spec" "${opts% }" "${run_opts% }"
  done
}

# export_case LINE: the differential check of one of export_cases' lines,
# in a directory of its own under $PWD; prints one line: "pass LABEL",
# "skip LABEL: WHY" (the reference evaluator fails on the call: the spec
# errs on purpose; or the module is over EXPORT_MAX_BYTES: pad-modes-run-check-c's
# millions of values would be 158 MB of the runner's text), "not-exportable PRIM LABEL" (the first word of
# tjit export's "not exportable: ...", or dtype-X for an input or output
# of dtype X), or "FAIL LABEL: WHY".
export_case() {
  local label spec opts run_opts dir err
  IFS='|' read -r label spec opts run_opts <<<"$1"
  dir=$(mktemp -d "$PWD/case.XXXXXX") && cd "$dir" || return
  # shellcheck disable=SC2086 # the options are words, as in NAME.args
  # shellcheck disable=SC2086
  if [[ -z $run_opts ]] && ! tjit run --reference --format json "$spec" $opts >ref.json 2>ref.err &&
    grep -q 'no values to run with' ref.err; then
    run_opts="--fill-random 0" # arguments given by dtype and shape alone (shape_recompile's)
  fi
  # shellcheck disable=SC2086
  if ! tjit run --reference --format json "$spec" $opts $run_opts >ref.json 2>ref.err; then
    echo "skip $label: the reference evaluator fails ($(head -c 120 ref.err | head -n 1))"
    return 0
  fi
  # shellcheck disable=SC2086
  if ! tjit export "$spec" $opts $run_opts >module.mlir 2>export.err; then
    err=$(grep -o 'not exportable: [^(]*' export.err | head -n 1)
    err=${err#not exportable: }
    # "input 0 of dtype u8 " is dtype-u8; "div on integers " is div.
    [[ $err =~ ^(input|output)\ [0-9]+\ of\ dtype\ ([^ ]+) ]] && err=dtype-${BASH_REMATCH[2]}
    if [[ -n $err ]]; then echo "not-exportable ${err%% *} $label"
    else echo "FAIL $label: export: $(head -n 1 export.err)"; fi
    return 0
  fi
  if (($(stat -c %s module.mlir) > ${EXPORT_MAX_BYTES:-8000000})); then # the runner's text of its outputs would be as large
    echo "skip $label: a module of $(stat -c %s module.mlir) bytes (its arguments as constants), over EXPORT_MAX_BYTES"
    return 0
  fi
  if ! run_mlir module.mlir 2>mlir.err; then
    echo "FAIL $label: the MLIR toolchain: $(grep -m 1 error mlir.err || head -n 1 mlir.err)"
    return 0
  fi
  if ! err=$(compare out.txt ref.json 2>&1); then echo "FAIL $label: $err"; return 0; fi
  echo "pass $label"
}

# export_check_results RESULTS LIST NCASES: fails unless RESULTS (export_case's
# lines, NCASES of them) has no FAIL, each not-exportable PRIM is one LIST
# names ("PRIM: reason" lines, # comments) and each PRIM LIST names is one a
# case needs; prints the failures, then a count of each kind.
export_check_results() {
  python3 - "$@" <<'PY'
import collections, re, sys
results, listing, ncases = open(sys.argv[1]).read().splitlines(), open(sys.argv[2]).read().splitlines(), int(sys.argv[3])
listed, bad = {}, []
for n, line in enumerate(listing, 1):
    if not line.strip() or line.startswith("#"): continue
    m = re.fullmatch(r"(\S+): (\S.*)", line)
    if not m: bad.append(f"{sys.argv[2]}:{n}: not 'PRIM: reason': {line}")
    elif m[1] in listed: bad.append(f"{sys.argv[2]}:{n}: {m[1]} listed twice")
    else: listed[m[1]] = m[2]
kinds, needed = collections.Counter(), collections.Counter()
for line in results:
    kind = line.split(" ", 1)[0]
    kinds[kind] += 1
    if kind == "FAIL": bad.append(line)
    elif kind == "not-exportable":
        prim = line.split(" ")[1]
        needed[prim] += 1
        if prim not in listed: bad.append(f"{line}: {prim} is not listed in {sys.argv[2]}")
    elif kind not in ("pass", "skip"): bad.append(f"not a result: {line}")
if len(results) != ncases: bad.append(f"{len(results)} results for {ncases} cases")
bad += [f"{p} is listed but no case needs it" for p in listed if p not in needed]
if bad: print("\n".join(bad))
print(", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + "; not exportable: " +
      ", ".join(f"{p} {n}" for p, n in needed.most_common()))
sys.exit(1 if bad else 0)
PY
}
