#!/usr/bin/env bash
# `make bench-peers`: tjit against its peers on the workloads of issue 17,
# the specs scripts/bench/peers/NAME.json, as one table of medians and
# ratios (tjit's time over the peer's: <= 1.00 is tjit as fast or faster).
# Contenders of each workload:
#   tjit     `tjit run --time --repeat N --no-cache SPEC`, its "run" median
#   numpy    scripts/bench/peers/peers.py NAME N: idiomatic numpy on float32
#            data of the same distribution (PYTHON, default /usr/bin/python3;
#            where it cannot import numpy, its column shows "-")
#   gcc -O2  scripts/bench/peers/peers.c NAME N: plain single-threaded loops
#            (OpenBLAS's cblas_sgemm for the matrix products) built with
#            CC -O2, and for the fused row also with -O3 -march=native
#            -ffast-math (the limit)
# each printing the median of N warm runs after an untimed one. And the
# ci_step row: process start to exit of `tjit run` on the spec `make demo`
# runs, against a python3 importing numpy and a bare process (/bin/true).
# Protocol: a probe process of each contender and workload times
# BENCH_REPS runs; N then gives at least BENCH_REPS runs and BENCH_BUDGET_MS
# ms of them (scripts/bench-run.sh --repeat-for, make bench's rule). Then
# BENCH_ROUNDS rounds, each running every contender of every workload once,
# interleaved so that a machine whose load changes slows all alike; the
# table shows the median over the rounds.
#
# usage: scripts/bench-peers.sh BUILD_DIR            the table
#        scripts/bench-peers.sh --verify BUILD_DIR   checks that peers.c and
#          peers.py compute what tjit computes: each workload's spec shrunk
#          (1M -> 3001, [4096,1024] -> [5,37], ...; the same seeds, so the
#          same first values), run by all three on the same inputs; prints
#          "NAME: c agrees (bit for bit), numpy agrees (by D); N values up to M"
#          (D the largest difference; agreeing is within 1e-5 of M)
#        BENCH_ROUNDS=R rounds (default 5); BENCH_PEERS_ONLY="NAME..." only
#        these workloads (the specs' names, ci_step); BENCH_REPS,
#        BENCH_BUDGET_MS as for make bench; CC (default cc); PYTHON
# exit:  0 once the arguments are right (a report, never a gate); --verify:
#        1 when an implementation disagrees; 2 usage
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
peers=$root/scripts/bench/peers
workloads=(scan_cumsum scan_discount sum_middle sum_axpb axpb layer_norm newton fused softmax
  matmul512 matmul1024 mlp_layer ci_step)
declare -A what=(
  [scan_cumsum]="cumsum of 1M as lax.scan"
  [scan_discount]="discounted returns of 1M, reverse"
  [sum_middle]="[256,512,64] summed over axis 1"
  [sum_axpb]="sum(a*x+b) of 50M"
  [axpb]="a*x+b of 50M"
  [layer_norm]="layer norm of [4096,1024]"
  [newton]="sqrt of 1M by Newton, while_loop"
  [fused]="sin(x)*2+exp(-x*x) of 10M"
  [fused_limit]="gcc -O3 -march=native -ffast-math"
  [softmax]="softmax of [4096,1024] rows"
  [matmul512]="[512,512] @ [512,512]"
  [matmul1024]="[1024,1024] @ [1024,1024]"
  [mlp_layer]="relu(x@w+b), [256,512]@[512,512]"
  [ci_step]="tjit run of the tutorial's spec"
)
# ci_step: `make demo`'s run (the Makefile), tracing and compiling each time.
tutorial=(run --no-cache --autograph "$root/examples/conditional_double_recompile.json")

usage() { echo "usage: $0 [--verify] BUILD_DIR" >&2; exit 2; }
verify=0
[[ ${1:-} == --verify ]] && { verify=1; shift; }
[[ $# -eq 1 ]] || usage
rounds=${BENCH_ROUNDS:-5}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "$0: error: BENCH_ROUNDS must be a positive integer, not '$rounds'" >&2; exit 2; }
selected=() chosen=()
read -r -a chosen <<<"${BENCH_PEERS_ONLY:-${workloads[*]}}"
((${#chosen[@]})) || chosen=("${workloads[@]}")
for w in "${chosen[@]}"; do
  [[ -n ${what[$w]:-} && $w != fused_limit ]] ||
    { echo "$0: error: BENCH_PEERS_ONLY: no workload '$w' (${workloads[*]})" >&2; exit 2; }
  selected+=("$w")
done
# make bench's repetition rule, which also checks BENCH_REPS and BENCH_BUDGET_MS.
repeat_for() { "$root/scripts/bench-run.sh" --repeat-for "$1"; }
repeat_for 1 >/dev/null || exit 2
reps=$(repeat_for 1000) # the least runs (a 1000 ms run gets only those)
build=$1
[[ $build == /* ]] || build="$PWD/$build"
tjit=$build/tjit
[[ -x $tjit ]] || { echo "$0: error: no $tjit (run make first)" >&2; exit 2; }
cc=${CC:-cc}
python=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tjit-bench-peers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TJIT_CACHE_DIR=$tmp/cache TJIT_CACHE_KEY=$tmp/cache.key # never the user's

# ---- the C contender: -O2, and the limit when the fused row is timed ----
c_flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -iquote "$root/scripts/bench")
build_limit() {
  [[ $verify == 1 || " ${selected[*]} " != *" fused "* ]] ||
    "$cc" "${c_flags[@]}" -O3 -march=native -ffast-math "$peers/peers.c" -o "$tmp/peers_limit" \
      -lopenblas -lmvec -lm
}
if "$cc" "${c_flags[@]}" -O2 "$peers/peers.c" -o "$tmp/peers_o2" -lopenblas -lm 2>"$tmp/cc.err" &&
  build_limit 2>>"$tmp/cc.err"; then
  have_c=1
else
  have_c=0
  echo "$0: warning: could not build scripts/bench/peers/peers.c (it needs libopenblas-dev):" >&2
  cat "$tmp/cc.err" >&2
fi
# (from $tmp: a random.py or numpy/ in the current directory would shadow numpy's)
if (cd "$tmp" && "$python" -c 'import numpy') 2>/dev/null; then have_numpy=1; else have_numpy=0; fi

# ---- --verify: the same results on the same small inputs ----
if ((verify)); then
  ((have_c)) || exit 1
  driver=$(command -v python3) || driver=$python # the comparison needs no numpy
  status=0
  for w in "${selected[@]}"; do
    [[ $w == ci_step ]] && continue
    (cd "$tmp" && "$driver" - "$peers" "$w" "$tjit" "$tmp/peers_o2" "$python" "$have_numpy") <<'PY' || status=1
import json, struct, subprocess, sys
peers, name, tjit, c, python, have_numpy = sys.argv[1:]
# The spec's dimensions shrunk, not multiples of a block or a vector.
small = {1000000: 3001, 10000000: 3001, 50000000: 3001, 4096: 5, 1024: 37, 512: 11, 256: 6, 64: 5}
spec = f"{peers}/{name}.json"
dims = [str(small[int(d)]) for d in subprocess.run([c, "--dims", name], capture_output=True,
                                                   text=True, check=True).stdout.split()]
args = json.load(open(spec))["calls"][0]
for v in args.values():
    if isinstance(v, dict):
        v["shape"] = [small[d] for d in v["shape"]]
out = subprocess.run([tjit, "run", "--no-cache", "--format", "json", "--args", json.dumps(args), spec],
                     capture_output=True, text=True, check=True).stdout
data = json.loads(out)["calls"][0]["outputs"][0]["data"]
flat = lambda d: [y for x in d for y in flat(x)] if isinstance(d, list) else [d]
f32 = lambda v: struct.unpack("f", struct.pack("f", v))[0]  # both sides as the float32 they print
ref = [f32(v) for v in flat(data)]
scale = max(1.0, max(abs(x) for x in ref))
words, ok = [], True
peers_run = [("c", [c, "--verify", name] + dims)]
if have_numpy == "1":
    peers_run.append(("numpy", [python, f"{peers}/peers.py", "--verify", name] + dims))
for who, cmd in peers_run:
    got = [f32(float(x)) for x in subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()]
    if len(got) != len(ref):
        words.append(f"{who} DIFFERS ({len(got)} values, not {len(ref)})")
        ok = False
        continue
    diff = max(abs(x - y) for x, y in zip(got, ref))
    ok &= diff <= 1e-5 * scale
    how = "bit for bit" if diff == 0 else f"by {diff:.2g}"
    words.append(f"{who} {'agrees' if diff <= 1e-5 * scale else 'DIFFERS'} ({how})")
print(f"{name}: {', '.join(words)}; {len(ref)} value{'s' * (len(ref) != 1)} up to {scale:.6g}")
sys.exit(0 if ok else 1)
PY
  done
  exit "$status"
fi

# ---- measuring ----
# process_ms N CMD...: the median wall time of N runs of CMD after an
# untimed one, process start to exit; nothing when CMD fails.
process_ms() {
  local n=$1 i t0 t1 us=()
  shift
  "$@" >/dev/null 2>&1 || return 0
  for ((i = 0; i < n; i++)); do
    t0=${EPOCHREALTIME//[!0-9]/}
    "$@" >/dev/null 2>&1
    t1=${EPOCHREALTIME//[!0-9]/}
    us+=($((t1 - t0)))
  done
  printf '%s\n' "${us[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.4f\n", v[int((NR + 1) / 2)] / 1000 }'
}

# measure WHO WORKLOAD N: one process of contender WHO timing N runs;
# prints its median ms, nothing when it fails.
measure() {
  local who=$1 w=$2 n=$3
  if [[ $w == ci_step ]]; then
    case $who in
      tjit) process_ms "$n" "$tjit" "${tutorial[@]}" ;;
      numpy) (cd "$tmp" && process_ms "$n" "$python" -c 'import numpy') ;;
      c) process_ms "$n" /bin/true ;;
    esac
    return 0
  fi
  case $who in
    tjit)
      "$tjit" run --time --repeat "$n" --no-cache "$peers/$w.json" >/dev/null 2>"$tmp/time.err" &&
        sed -n 's/^time:.* run \([0-9.]*\) ms.*/\1/p' "$tmp/time.err" | head -n 1 ;;
    numpy) "$python" "$peers/peers.py" "$w" "$n" 2>/dev/null ;;
    c) "$tmp/peers_o2" "$w" "$n" 2>/dev/null ;;
    limit) "$tmp/peers_limit" "$w" "$n" 2>/dev/null ;;
  esac
  return 0
}

# The contenders of each selected workload, as WORKLOAD.WHO.
contenders=()
for w in "${selected[@]}"; do
  contenders+=("$w.tjit")
  ((have_numpy)) && contenders+=("$w.numpy")
  ((have_c)) && contenders+=("$w.c")
  [[ $w == fused ]] && ((have_c)) && contenders+=("$w.limit")
done

say() { echo "bench-peers: $*" >&2; }
declare -A n_of=()
say "probing ${#contenders[@]} contenders (BENCH_REPS=$reps runs each)"
for k in "${contenders[@]}"; do
  t=$(measure "${k#*.}" "${k%%.*}" "$reps")
  [[ -n $t ]] && n_of[$k]=$(repeat_for "$t")
done
for ((r = 1; r <= rounds; r++)); do
  say "round $r of $rounds"
  for k in "${contenders[@]}"; do
    [[ -n ${n_of[$k]:-} ]] || continue
    measure "${k#*.}" "${k%%.*}" "${n_of[$k]}" >>"$tmp/$k"
  done
done

# ---- the table ----
# cell KEY: the median over the rounds (3 decimals); "-" where the
# contender does not exist; "fail" where its runs failed.
cell() {
  if [[ -s $tmp/$1 ]]; then
    sort -g "$tmp/$1" | awk '{ v[NR] = $1 } END { printf "%.3f\n", v[int((NR + 1) / 2)] }'
  elif [[ " ${contenders[*]} " == *" $1 "* ]]; then
    echo fail
  else
    echo -
  fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {
  if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f\n", a / b; else print "-" }'; }
row() {  # row LABEL TJIT NUMPY GCC
  printf '%-13s %-34s %9s %9s %9s %8s %8s\n' "$1" "${what[$1]}" "$2" "$3" "$4" "$(ratio "$2" "$3")" "$(ratio "$2" "$4")"
}

echo "make bench-peers: tjit against numpy and C built with gcc -O2, in ms: the median over $rounds"
echo "round(s) of each contender's median of warm runs"
uptime
echo "cpu: $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || uname -m)," \
  "$(nproc) CPUs; $("$cc" --version | head -n 1)"
printf '%-13s %-34s %9s %9s %9s %8s %8s\n' workload "" tjit numpy "gcc -O2" tjit/np tjit/gcc
for w in "${selected[@]}"; do
  tj=$(cell "$w.tjit")
  row "$w" "$tj" "$(cell "$w.numpy")" "$(cell "$w.c")"
  [[ $w == fused ]] && row fused_limit "$tj" - "$(cell "$w.limit")"
done
cat <<TEXT
ratios: tjit's time over the peer's; <= 1.00 is tjit as fast or faster. numpy: data of the
same distribution, not the same bits; scan_discount by chunks of 1000 in float64 (peers.py).
matmul512, matmul1024, mlp_layer: OpenBLAS's sgemm in all three, with its own threads.
fused_limit: the C of the fused row built with gcc -O3 -march=native -ffast-math.
ci_step: wall time from process start to exit of \`tjit ${tutorial[*]:0:3}
${tutorial[3]#"$root"/}\` (make demo's run, traced and compiled each time);
numpy: python3 -c 'import numpy'; gcc: /bin/true.
TEXT
((have_numpy)) || echo "numpy: $python cannot import numpy: its columns are \"-\"."
((have_c)) || echo "gcc: scripts/bench/peers/peers.c did not build (libopenblas-dev?): its columns are \"-\"."
exit 0
