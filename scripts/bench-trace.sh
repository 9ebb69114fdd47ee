#!/usr/bin/env bash
# Times `BINARY trace` on specs whose static loop unrolls to 10,000 and
# 100,000 equations, prints the median wall time of each, and checks that
# tracing grows linearly (t(100k)/t(10k) <= 12) and that 100k equations take
# under 0.5 s. Bash and coreutils only.
#
# usage: scripts/bench-trace.sh BINARY     (BENCH_RUNS=N sets the runs, default 5)
# exit:  0 both checks pass, 1 a check fails or a trace fails, 2 usage
set -euo pipefail

usage() { echo "usage: $0 BINARY" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
binary=$1
[[ -x $binary ]] || { echo "$0: error: '$binary' is not an executable file" >&2; exit 2; }
runs=${BENCH_RUNS:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "$0: error: BENCH_RUNS must be a positive integer, not '$runs'" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tjit-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Each iteration records two equations (mul, then add), so a loop of n/2
# iterations gives n equations.
write_spec() {  # write_spec FILE EQNS
  local iterations=$(($2 / 2))
  cat >"$1" <<EOF
{
  "tjit": 1,
  "description": "bench-trace.sh: a static loop unrolled to $2 equations",
  "source": ["float bench(float x[8]) {",
             "  auto y = x;",
             "  for (int i = 0; i < $iterations; i++) y = y * 1.0001 + x;",
             "  return y;",
             "}"],
  "args": {"x": {"dtype": "f32", "shape": [8]}}
}
EOF
}

# One trace, its wall time in nanoseconds on stdout; a failed trace stops
# the benchmark with the tool's own messages.
time_trace() {  # time_trace SPEC
  local start end
  start=$(date +%s%N)
  if ! "$binary" trace "$1" >/dev/null 2>"$tmp/stderr"; then
    echo "$0: error: '$binary trace $1' failed:" >&2
    cat "$tmp/stderr" >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo $((end - start))
}

median() {  # median < numbers (the lower middle one for an even count)
  local -a sorted
  mapfile -t sorted < <(sort -n)
  echo "${sorted[(${#sorted[@]} - 1) / 2]}"
}

seconds() { printf '%d.%06d' $(($1 / 1000000000)) $(($1 % 1000000000 / 1000)); }

# Traces once untimed: a warm-up that also checks the equation count (a
# listing too long for one line has the "{ lambda" line, one line per
# equation, and the "in" line).
check_eqns() {  # check_eqns SPEC EQNS
  local lines
  "$binary" trace "$1" >"$tmp/listing" 2>"$tmp/stderr" || {
    echo "$0: error: '$binary trace $1' failed:" >&2
    cat "$tmp/stderr" >&2
    exit 1
  }
  lines=$(wc -l <"$tmp/listing")
  if ((lines != $2 + 2)); then
    echo "$0: warning: expected $2 equations ($(($2 + 2)) listing lines), got $lines lines" >&2
  fi
}

declare -A median_ns
printf '%-8s %12s  %s\n' eqns median_s "(of $runs runs)"
for eqns in 10000 100000; do
  spec="$tmp/bench-$eqns.json"
  write_spec "$spec" "$eqns"
  check_eqns "$spec" "$eqns"
  for ((r = 0; r < runs; r++)); do time_trace "$spec"; done >"$tmp/times"
  median_ns[$eqns]=$(median <"$tmp/times")
  printf '%-8s %12s\n' "$eqns" "$(seconds "${median_ns[$eqns]}")"
done

small=${median_ns[10000]} large=${median_ns[100000]}
((small > 0)) || small=1
ratio_x100=$((large * 100 / small))
status=0
verdict=ok
if ((ratio_x100 > 1200)); then verdict="NOT linear"; status=1; fi
printf 'ratio t(100k)/t(10k): %d.%02d (linear growth: <= 12): %s\n' \
  $((ratio_x100 / 100)) $((ratio_x100 % 100)) "$verdict"
verdict=yes
if ((large >= 500000000)); then verdict=no; status=1; fi
printf '100k equations under 0.5 s: %s\n' "$verdict"
exit $status
