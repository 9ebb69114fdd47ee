#!/usr/bin/env bash
# `make bench`, part 2: tjit's compiled code against hand-written C, in one
# script run, as a table of medians and ratios (baseline / tjit, so >= 1 is
# as fast or faster) with the targets of issue 4:
#   fused y = sin(x)*2 + exp(-x*x), 10M f32   >= 1x   the cc -O2 baseline
#   y = a*x + b, 50M f32; sum of 50M f32      >= 0.7x the cc -O2 baseline
#   512x512 f32 matmul                        >= 0.8x OpenBLAS (cblas_sgemm)
#   cumsum of [1000, 10000] f32 along axis 1 and along axis 0 (issue 14)
#                                             >= 1x   the cc -O2 baseline
#   sort of 1M f32 (issue 14)                 >= 1x   qsort built with cc -O2
#   top_k, k = 10 of 1M f32 (issue 14)        >= 1x   a plain cc -O2 loop
#   2x2 max pooling of [16,64,64,32] f32 (issue 14) >= 1x a plain cc -O2 loop
#   conv2d 8x32x32x32 -> 64, 3x3 (issue 14)   >= 1x   plain cc -O2 loops;
#                                             >= 0.8x im2col + OpenBLAS sgemm
#   scatter-add of 4096 rows of 128 f32, 3x3 SAME max pooling, cummax along
#   axis 1 (issue 14: the runtimes of cum_rt.c, window_rt.c, scatter_rt.c)
#                                             >= 1x   plain cc -O2 loops
#   f16 chain (x*2+1)*x-0.5 of 10M, each op rounded to f16 (issue 14 item 7):
#                                             measured against a cc -O2 _Float16 loop, no target
#   the gradient of an MLP's loss (issue 17): batch 64, 128-128-10, tanh,
#   mean squared error, jax.grad over a dict of parameters >= 1x  the same
#                                             backpropagation by hand, cc -O2 loops;
#                                             measured against it with OpenBLAS sgemm, no target
#   jax.random.uniform of 10M f32 from a key (issue 16): measured against
#                                             numpy's default_rng().random, no target
#   jax.random.normal of 10M f32 from a key (issue 16): measured against
#                                             numpy's default_rng().standard_normal, no target
#   jax.grad's transformation (trace, linearize, transpose) of a 10,001-equation
#   chain (issue 17)                          < 50 ms, in process (tj_trace), with
#                                             the ratio to tracing the function alone
#   libtcc compile of the tutorial kernel     < 1 ms
#   `tjit run` of the tutorial spec, process start to exit   < 10 ms
# Baselines: scripts/bench/baseline.c built with cc -O2 and with
# cc -O3 -march=native -ffast-math (the practical limit), timed by
# scripts/bench/driver.c as the median of warm runs in one process; it also
# times libtjit's tjk_* block kernels called from hand-written glue compiled
# by libtcc and by gcc (the design's floor). tjit's own numbers come from
# `tjit run --time --repeat N` (the median of N warm runs of the compiled
# code in one process, like the driver's; its "time: ... compile Y ms, run
# Z ms" line; N > 1 runs once untimed first), the median over 3 processes,
# on the specs in scripts/bench/.
# Repetitions, the same protocol on both sides: after one untimed run, at
# least BENCH_REPS runs and at least BENCH_BUDGET_MS ms of timed runs (at
# most 1000 runs), the median of them. The driver repeats until it has
# both; for tjit, one probe process times --repeat BENCH_REPS and the row
# then runs with --repeat N, N = max(BENCH_REPS, ceil(BENCH_BUDGET_MS /
# the probe's median)) (--repeat-for prints that N). The first runs of a
# fresh process are 2-4x slower than steady state on a small VM, so a
# sub-millisecond kernel timed 5 times reported its warm-up, not its speed. The issue-14 rows run the driver's
# baseline and tjit alternately, 3 times each, so that a machine whose
# load changes slows both alike.
#
# usage: scripts/bench-run.sh BUILD_DIR     (BUILD_DIR/tjit, BUILD_DIR/libtjit-internal.a:
#        the driver calls the tjk_* kernels, which libtjit.a keeps local, and
#        tj_trace for the reverse-mode transformation time)
#        scripts/bench-run.sh --repeat-for MS: prints the runs the protocol
#        makes of a run of MS ms
#        BENCH_REPS=N least repetitions (default 5); BENCH_BUDGET_MS=M least
#        ms of timed runs per contender and row (default 50); CC,
#        KERNEL_CFLAGS as for make
# exit:  0 always once the arguments are right (a report, never a gate);
#        2 usage
set -uo pipefail

usage() { echo "usage: $0 BUILD_DIR | --repeat-for MS" >&2; exit 2; }
reps=${BENCH_REPS:-5}
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "$0: error: BENCH_REPS must be a positive integer, not '$reps'" >&2; exit 2; }
budget=${BENCH_BUDGET_MS:-50}
[[ $budget =~ ^[1-9][0-9]*$ ]] || { echo "$0: error: BENCH_BUDGET_MS must be a positive integer, not '$budget'" >&2; exit 2; }
export BENCH_REPS=$reps BENCH_BUDGET_MS=$budget

# repeat_for MS: max(reps, ceil(budget / MS)), at most 1000; reps when MS
# is not a positive number (a failed probe).
repeat_for() {
  awk -v ms="$1" -v reps="$reps" -v budget="$budget" 'BEGIN {
    n = reps
    if (ms ~ /^[0-9]*[.]?[0-9]+$/ && ms > 0) { q = budget / ms; c = int(q); if (c < q) c++; if (c > n) n = c }
    print (n > 1000 ? 1000 : n)
  }'
}
if [[ $# -eq 2 && $1 == --repeat-for ]]; then repeat_for "$2"; exit 0; fi
[[ $# -eq 1 ]] || usage
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$1
[[ $build == /* ]] || build="$PWD/$build"
tjit=$build/tjit lib=$build/libtjit-internal.a
[[ -x $tjit && -f $lib ]] || { echo "$0: error: no $tjit or $lib (run make first)" >&2; exit 2; }
cc=${CC:-cc}
bench=$root/scripts/bench
tutorial=$root/examples/conditional_double_recompile.json
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tjit-bench-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The disk cache of compiled calls: never the user's. The phase timings run
# with --no-cache (a hit has no compile phase to time); end to end runs
# with it, so repetitions after the first are disk cache hits.
export TJIT_CACHE_DIR=$tmp/cache TJIT_CACHE_KEY=$tmp/cache.key

declare -A ms=() check=()
na=n/a
# The rows timed in pairs (paired below), the driver's other benchmarks.
paired=(cumsum_last cumsum_first cummax_last sort top_k maxpool maxpool3 conv2d gather scatter_add half_chain mlp_grad)
unpaired=(fused axpb sum matmul compile)

# ---- the driver: baselines, OpenBLAS, the hybrid kernels ----
build_driver() {
  local flags=(-std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -g) dir
  local includes=(-iquote "$root/lib") # lib/ (tjit.h) and every folder of it, as the Makefile's LIB_DIRS
  for dir in "$root"/lib/*/; do includes+=(-iquote "$dir"); done
  "$cc" "${flags[@]}" -O2 -DVARIANT=o2 -c "$bench/baseline.c" -o "$tmp/baseline_o2.o" &&
    "$cc" "${flags[@]}" -O3 -march=native -ffast-math -DVARIANT=limit -c "$bench/baseline.c" \
      -o "$tmp/baseline_limit.o" &&
    "$cc" "${flags[@]}" -O2 "${includes[@]}" "$bench/driver.c" "$tmp/baseline_o2.o" \
      "$tmp/baseline_limit.o" "$lib" -o "$tmp/driver" \
      -ltcc -ldl -lpthread -lopenblas -lcjson -lmvec -lm
}

if build_driver 2>"$tmp/cc.err"; then
  if "$tmp/driver" "${unpaired[@]}" >"$tmp/driver.out" 2>"$tmp/driver.err"; then :; else
    echo "$0: warning: the driver failed:" >&2
    cat "$tmp/driver.err" >&2
  fi
  while read -r name who t sum; do
    ms[$name.$who]=$t check[$name.$who]=$sum
  done <"$tmp/driver.out"
else
  echo "$0: warning: could not build scripts/bench/driver.c (it needs libopenblas-dev," \
    "libtcc-dev and tcc); baselines are n/a:" >&2
  cat "$tmp/cc.err" >&2
fi

# ---- reverse mode (issue 17) ----
# mlp_grad.json reads .npy files the driver writes: a copy of the spec goes
# beside them. tjit's gradient must equal the hand-written one (within 1e-4
# of each output's largest value) before either is timed; a mismatch shows
# as "wrong" in place of tjit's time.
spec_of() { if [[ $1 == mlp_grad ]]; then echo "$tmp/mlp_grad/mlp_grad.json"; else echo "$bench/$1.json"; fi; }
mlp_check=n/a
if [[ -x $tmp/driver ]] && mkdir -p "$tmp/mlp_grad/out" && "$tmp/driver" mlp_grad_data "$tmp/mlp_grad" &&
  cp "$bench/mlp_grad.json" "$tmp/mlp_grad/"; then
  if "$tjit" run --no-cache --out "$tmp/mlp_grad/out" "$tmp/mlp_grad/mlp_grad.json" >/dev/null 2>"$tmp/mlp.err"; then
    mlp_check=$("$tmp/driver" mlp_grad_check "$tmp/mlp_grad" 2>&1 | tail -n 1)
  else
    mlp_check="tjit failed: $(head -n 1 "$tmp/mlp.err")"
  fi
fi
# The transformation's time: the driver traces grad_chain_f.json and
# grad_chain.json (its gradient) in process, alternately, by the protocol.
if [[ -x $tmp/driver ]]; then
  while read -r name who t eqns; do
    [[ $name == grad_trace ]] && ms[grad_trace.$who]=$t check[grad_trace.$who]=$eqns
  done < <("$tmp/driver" grad_trace "$bench/grad_chain_f.json" "$bench/grad_chain.json" 2>>"$tmp/driver.err")
fi

# ---- tjit run ----
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }

# The --repeat of `tjit run ARGS...` by the protocol (the header): a probe
# process times --repeat BENCH_REPS runs.
tjit_repeat() {  # tjit_repeat ARGS...
  local t=
  if "$tjit" run --no-cache --time --repeat "$reps" "$@" >/dev/null 2>"$tmp/time.err"; then
    t=$(sed -n "s/^time:.* run \\([0-9.]*\\) ms.*/\\1/p" "$tmp/time.err" | head -n 1)
  fi
  repeat_for "$t"
}

# The median over the repetitions of one phase (trace, compile, run) of
# `tjit run --time ARGS...`, n/a when a run fails or prints no time line.
tjit_time() {  # tjit_time PHASE ARGS...
  local phase=$1 r t n=$reps
  shift
  [[ $phase == run ]] && n=$(tjit_repeat "$@")
  for ((r = 0; r < 3; r++)); do
    "$tjit" run --no-cache --time --repeat "$n" "$@" >/dev/null 2>"$tmp/time.err" || { echo "$na"; return; }
    t=$(sed -n "s/^time:.* $phase \\([0-9.]*\\) ms.*/\\1/p" "$tmp/time.err" | head -n 1)
    [[ -n $t ]] || { echo "$na"; return; }
    echo "$t"
  done | median
}

# paired B: the driver's benchmark B and `tjit run` of scripts/bench/B.json
# alternately, 3 times each; the medians of each contender's medians.
paired() {
  local b=$1 r name who t sum n
  rm -f "$tmp/pair.out" "$tmp/pair.tjit"
  n=$(tjit_repeat --call 0 "$(spec_of "$b")")
  for ((r = 0; r < 3; r++)); do
    [[ -x $tmp/driver ]] && "$tmp/driver" "$b" >>"$tmp/pair.out" 2>>"$tmp/driver.err"
    if "$tjit" run --no-cache --time --repeat "$n" --call 0 "$(spec_of "$b")" >/dev/null 2>"$tmp/time.err"; then
      sed -n "s/^time:.* run \\([0-9.]*\\) ms.*/\\1/p" "$tmp/time.err" | head -n 1 >>"$tmp/pair.tjit"
    fi
  done
  [[ -s $tmp/pair.tjit ]] && ms[$b.tjit]=$(median <"$tmp/pair.tjit")
  [[ -f $tmp/pair.out ]] || return 0
  for who in $(awk '{ print $2 }' "$tmp/pair.out" | sort -u); do
    ms[$b.$who]=$(awk -v w="$who" '$2 == w { print $3 }' "$tmp/pair.out" | median)
  done
}

if "$tjit" run --help 2>&1 | grep -q -- '--time'; then
  for b in fused axpb sum matmul; do
    ms[$b.tjit]=$(tjit_time run --call 0 "$bench/$b.json")
  done
  ms[compile.tjit]=$(tjit_time compile --autograph --call 0 "$tutorial")
  for b in "${paired[@]}"; do paired "$b"; done
  case $mlp_check in # unchecked (no driver): n/a; checked and different: wrong
    "mlp_grad check ok"*) ;;
    n/a) ms[mlp_grad.tjit]=n/a ;;
    *) ms[mlp_grad.tjit]=wrong ;;
  esac
fi

# jax.random (issue 16 item 4): 10M uniform f32 from a key against numpy's
# default_rng().random (its own PCG64 generator, not the same numbers: a
# measure of speed only), the median of 7 warm calls in one process; and
# 10M normal f32 against numpy's standard_normal (its ziggurat, not JAX's
# erf_inv of a uniform: speed only).
numpy_rng_ms() {  # numpy_rng_ms METHOD: median ms of rng.METHOD(10M, float32)
  /usr/bin/python3 - "$1" 2>/dev/null <<'PY' || echo "$na"
import sys, time
import numpy as np
rng, ts = np.random.default_rng(0), []
f = getattr(rng, sys.argv[1])
f(10_000_000, dtype=np.float32)
for _ in range(7):
    t = time.perf_counter()
    f(10_000_000, dtype=np.float32)
    ts.append((time.perf_counter() - t) * 1e3)
print("%.3f" % sorted(ts)[3])
PY
}
if "$tjit" run --help 2>&1 | grep -q -- '--time'; then
  ms[uniform.tjit]=$(tjit_time run --call 0 "$bench/random_uniform.json")
  ms[normal.tjit]=$(tjit_time run --call 0 "$bench/random_normal.json")
fi
ms[uniform.numpy]=$(numpy_rng_ms random)
ms[normal.numpy]=$(numpy_rng_ms standard_normal)

# End to end: process start to exit, tracing and compiling (--no-cache),
# and again with every call found in the disk cache.
e2e_ms() {  # e2e_ms ARGS...: the median wall time of `tjit ARGS...`
  local r t0 t1
  "$tjit" "$@" >/dev/null 2>&1 || { echo "$na"; return; }
  for ((r = 0; r < reps * 4; r++)); do
    t0=${EPOCHREALTIME//[!0-9]/}
    "$tjit" "$@" >/dev/null 2>&1
    t1=${EPOCHREALTIME//[!0-9]/}
    awk -v us=$((t1 - t0)) 'BEGIN { printf "%.3f\n", us / 1000 }'
  done | median
}
e2e_label="tjit run tutorial spec, end to end"
ms[e2e.tjit]=$(e2e_ms run --no-cache --autograph "$tutorial")
ms[e2e_hit.tjit]=$(e2e_ms run --autograph "$tutorial")

# ---- the table ----
value() { if [[ $1 == none ]]; then echo -; else echo "${ms[$1]:-$na}"; fi; }

# row LABEL BASE_KEY LIMIT_KEY TJIT_KEY TARGET: TARGET is ">=R" (ratio
# base/tjit at least R), "<M" (tjit under M ms) or "ratio" (measured only).
row() {
  local label=$1 base tjit
  base=$(value "$2") tjit=$(value "$4")
  awk -v label="$label" -v base="$base" -v limit="$(value "$3")" -v tjit="$tjit" -v target="$5" '
    function num(x) { return x ~ /^[0-9.]+$/ }
    function show(x) { return num(x) ? sprintf("%.3f", x) : x }
    BEGIN {
      ratio = "-"; mark = "-"
      if (target == "ratio") { # measured only, no target
        if (num(base) && num(tjit) && tjit > 0) ratio = sprintf("%.2fx", base / tjit)
        goal = "none"
      } else if (target ~ /^>=/) {
        want = substr(target, 3) + 0
        if (num(base) && num(tjit) && tjit > 0) {
          r = base / tjit; ratio = sprintf("%.2fx", r); mark = r >= want ? "ok" : "MISS"
        }
        goal = sprintf(">= %.1fx", want)
      } else {
        want = substr(target, 2) + 0
        if (num(tjit)) mark = tjit < want ? "ok" : "MISS"
        goal = sprintf("< %g ms", want)
      }
      printf "%-32s %8s %8s %8s %6s %-7s %s\n", label, show(base), show(limit), show(tjit), ratio, goal, mark
    }'
}

say() { echo "$*" | fold -s -w 80; }
say "make bench: tjit against hand-written C, median ms of warm runs (>= $reps" \
  "and >= $budget ms of them per row and contender);" \
  "ratio = baseline / tjit (>= 1: tjit as fast or faster); baselines built with" \
  "cc -O2 (cc -O2) and cc -O3 -march=native -ffast-math (O3 nat)"
say "machine: $(nproc) CPUs, $("$cc" --version | head -n 1), data uniform f32 in [0, 1) as the specs'"
printf '%-32s %8s %8s %8s %6s %-7s %s\n' kernel "cc -O2" "O3 nat" tjit ratio target ""
row "fused sin*2+exp(-x*x), 10M f32" fused.o2 fused.limit fused.tjit ">=1.0"
row "a*x + b, 50M f32" axpb.o2 axpb.limit axpb.tjit ">=0.7"
row "sum, 50M f32" sum.o2 sum.limit sum.tjit ">=0.7"
row "matmul 512x512 f32 (OpenBLAS)" matmul.blas none matmul.tjit ">=0.8"
# ---- cumulative sums (begin) ----
row "cumsum [1000,10000] f32, axis 1" cumsum_last.o2 cumsum_last.limit cumsum_last.tjit ">=1.0"
row "cumsum [1000,10000] f32, axis 0" cumsum_first.o2 cumsum_first.limit cumsum_first.tjit ">=1.0"
# ---- cumulative sums (end) ----
row "sort 1M f32 (qsort)" sort.o2 sort.limit sort.tjit ">=1.0" # sorting (issue 14 item 3)
row "top_k k=10 of 1M f32" top_k.o2 top_k.limit top_k.tjit ">=1.0"
row "max pool 2x2/2 [16,64,64,32]" maxpool.o2 maxpool.limit maxpool.tjit ">=1.0" # pooling (issue 14 item 4)
row "conv2d 8x32x32x32->64 3x3 NHWC" conv2d.o2 conv2d.limit conv2d.tjit ">=1.0" # issue 14 item 4
row "conv2d, im2col + OpenBLAS" conv2d.im2col none conv2d.tjit ">=0.8"
row "gather 4096 rows of 50000x128" gather.o2 gather.limit gather.tjit ">=1.0"
row "cummax [1000,10000] f32, axis 1" cummax_last.o2 cummax_last.limit cummax_last.tjit ">=1.0"
row "max pool 3x3/1 SAME, the same" maxpool3.o2 maxpool3.limit maxpool3.tjit ">=1.0"
row "scatter-add 4096 rows, 4096x128" scatter_add.o2 scatter_add.limit scatter_add.tjit ">=1.0"
row "f16 (x*2+1)*x-0.5, 10M, per op" half_chain.o2 half_chain.limit half_chain.tjit ratio # f16 (issue 14 item 7): measured, no target
row "MLP loss grad 64x128-128-10" mlp_grad.o2 mlp_grad.limit mlp_grad.tjit ">=1.0" # reverse mode (issue 17)
row "MLP loss grad, sgemm by hand" mlp_grad.blas none mlp_grad.tjit ratio
row "grad transform, 10k-eqn chain" none none grad_trace.grad "<50"
row "random uniform 10M f32 (numpy)" uniform.numpy none uniform.tjit ratio # jax.random (issue 16): measured, no target
row "random normal 10M f32 (numpy)" normal.numpy none normal.tjit ratio
row "libtcc compile, tutorial kernel" none none compile.tjit "<1"
row "tjit run tutorial, end to end" none none e2e.tjit "<10"
row "the same, every call cached" none none e2e_hit.tjit "<10"
say "-- the floor of the design: tjk_* block kernels (256 elements)" \
  "called from hand-written glue --"
row "fused, glue by libtcc" fused.o2 fused.limit fused.tcc ">=1.0"
row "fused, glue by gcc -O2" fused.o2 fused.limit fused.gcc ">=1.0"
row "a*x + b, glue by libtcc" axpb.o2 axpb.limit axpb.tcc ">=0.7"
row "sum, glue by libtcc" sum.o2 sum.limit sum.tcc ">=0.7"
row "libtcc compile, hand-written C" none none compile.tcc "<1"
say "baselines: matmul OpenBLAS sgemm; sort qsort; gather, scatter-add, pooling," \
  "cumulative ops plain loops; conv2d plain loops, and im2col + OpenBLAS sgemm;" \
  "the MLP gradient backpropagation by hand, plain loops, and with OpenBLAS sgemm."
say "matmul 512x512 naive C (i-k-j loops): cc -O2 $(value matmul.o2) ms," \
  "-O3 -march=native -ffast-math $(value matmul.limit) ms, OpenBLAS $(value matmul.blas) ms"
say "checksums (sum of outputs; sum: the result): fused o2 ${check[fused.o2]:-$na}" \
  "limit ${check[fused.limit]:-$na} hybrid ${check[fused.tcc]:-$na};" \
  "sum o2 ${check[sum.o2]:-$na} limit ${check[sum.limit]:-$na} hybrid ${check[sum.tcc]:-$na}"
say "reverse mode: tjit's MLP gradient against the cc -O2 one before timing: $mlp_check;" \
  "grad of a ${check[grad_trace.f]:-?}-equation chain traced (trace, linearize, transpose;" \
  "${check[grad_trace.grad]:-?} equations) in $(value grad_trace.grad) ms, the chain alone in" \
  "$(value grad_trace.f) ms: $(awk -v g="$(value grad_trace.grad)" -v f="$(value grad_trace.f)" \
    'BEGIN { if (g + 0 > 0 && f + 0 > 0) printf "%.1fx", g / f; else print "n/a" }') the time of tracing f"
say "jax.random: uniform's baseline is numpy's default_rng().random(10M, float32) (PCG64," \
  "other numbers); normal's is standard_normal(10M, float32) (PCG64 and a ziggurat," \
  "other numbers; tjit's is JAX's uniform through erf_inv)"
say "(a sequential f32 sum of 50M values in [0, 1) stops growing at 2^24 = 16777216;" \
  "partial sums reach ~2.5e7)"
exit 0
