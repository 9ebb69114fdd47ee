#!/usr/bin/env bash
# Renders a generated jaxpr of 996 equations (249 unrolled steps of
# y = sin(y) * cos(y) + y over an f32[16], the most tjit graph lays out:
# tjit-graph(1), LIMITS) to SVG with tjit graph and prints
# the time of each phase: scripts/bench-graph.sh TJIT.
set -euo pipefail
tjit=${1:-build/tjit}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/chain.json" <<'JSON'
{"tjit": 1,
 "source": ["auto chain(float x[16]) {",
            "  auto y = x;",
            "  for (int i = 0; i < 249; i++) { auto a = sin(y); auto b = cos(y); y = a * b + y; }",
            "  return y;",
            "}"],
 "args": {"x": {"dtype": "f32", "shape": [16]}}}
JSON
eqns=$("$tjit" trace "$dir/chain.json" | grep -c ' = ')
start=$(date +%s.%N)
"$tjit" graph --svg --time -o "$dir/chain.svg" "$dir/chain.json" 2>"$dir/time"
end=$(date +%s.%N)
printf 'graph: %d equations to SVG (%d bytes) in %.2f s; %s\n' "$eqns" "$(stat -c %s "$dir/chain.svg")" \
  "$(echo "$end - $start" | bc)" "$(cat "$dir/time")"
