#!/usr/bin/env bash
# Times `BINARY explain-recompile` on a spec of 100,000 calls of a small
# function (two signatures, so almost every call is a hit: the cache lookup
# must not re-trace), prints the median wall time, and checks it is under
# 1 s. Bash and coreutils only.
#
# usage: scripts/bench-explain.sh BINARY     (BENCH_RUNS=N sets the runs, default 3)
# exit:  0 the check passes, 1 it fails or the command fails, 2 usage
set -euo pipefail

usage() { echo "usage: $0 BINARY" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
binary=$1
[[ -x $binary ]] || { echo "$0: error: '$binary' is not an executable file" >&2; exit 2; }
runs=${BENCH_RUNS:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "$0: error: BENCH_RUNS must be a positive integer, not '$runs'" >&2; exit 2; }
ncalls=100000

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tjit-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The tutorial's function with autograph; threshold alternates between two
# values every 50,000 calls, x's data changes every call (not in the key).
write_spec() {  # write_spec FILE
  {
    printf '{"tjit": 1, "options": {"autograph": true}, "static_argnames": ["threshold"],\n'
    printf ' "source": ["float conditional_double(float x, float threshold) {",\n'
    printf '            "  if (x > threshold) return x * 2;", "  return x;", "}"],\n "calls": [\n'
    for ((i = 0; i < ncalls; i++)); do
      printf '  {"x": {"dtype": "f32", "shape": [], "data": %d.0}, "threshold": %s}%s\n' \
        $((i % 7)) $((i < ncalls / 2 ? 0 : 10)).0 $((i + 1 < ncalls)) 
    done | sed 's/}1$/},/; s/}0$/}/'
    printf ']}\n'
  } >"$1"
}

time_explain() {  # time_explain SPEC -> nanoseconds
  local start end
  start=$(date +%s%N)
  if ! "$binary" explain-recompile "$1" >"$tmp/report" 2>"$tmp/stderr"; then
    echo "$0: error: '$binary explain-recompile $1' failed:" >&2
    cat "$tmp/stderr" >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo $((end - start))
}

median() { local -a s; mapfile -t s < <(sort -n); echo "${s[(${#s[@]} - 1) / 2]}"; }
seconds() { printf '%d.%06d' $(($1 / 1000000000)) $(($1 % 1000000000 / 1000)); }

spec="$tmp/bench-explain.json"
write_spec "$spec"
time_explain "$spec" >/dev/null  # warm-up, and a check of the summary
summary=$(grep -E '^[0-9]+ calls, ' "$tmp/report" || true)
if [[ $summary != "$ncalls calls, 2 compilations, $((ncalls - 2)) hits" ]]; then
  echo "$0: error: unexpected summary '$summary'" >&2
  exit 1
fi
for ((r = 0; r < runs; r++)); do time_explain "$spec"; done >"$tmp/times"
ns=$(median <"$tmp/times")
printf 'explain-recompile, %d calls: median %s s (of %d runs)\n' "$ncalls" "$(seconds "$ns")" "$runs"
if ((ns >= 1000000000)); then
  echo "under 1 s: no"
  exit 1
fi
echo "under 1 s: yes"
