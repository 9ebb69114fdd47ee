#!/usr/bin/env bash
# Writes a repository of N specs (default 200) into DIR, for timing
# `tjit check --jobs N DIR` and `tjit explain-recompile DIR` at repository
# scale (tjit-check(1) quotes the times). Each spec is a copy of one of
# examples/*.json whose source is inline (no source_file, no .npy: their
# paths are the example's own), marked with a "comment" so that no two
# are the same bytes, in subdirectories of 50 as a repository would have.
# Bash and coreutils only.
#
# usage: scripts/gen-specs.sh DIR [N]
# exit:  0 written, 2 usage
set -euo pipefail

usage() { echo "usage: $0 DIR [N]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
dir=$1 count=${2:-200}
[[ $count =~ ^[1-9][0-9]*$ ]] || { echo "$0: error: N must be a positive integer, not '$count'" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)

examples=()
for f in "$root"/examples/*.json; do
  grep -q '"source_file"\|"npy"' "$f" || examples+=("$f")
done

for ((i = 0; i < count; i++)); do
  src=${examples[i % ${#examples[@]}]}
  sub=$(printf '%s/group%02d' "$dir" $((i / 50)))
  mkdir -p "$sub"
  # the first line of every example is "{": the comment goes right after it
  sed '1s/^{$/{"comment": "generated copy '"$i"'",/' "$src" >"$sub/$(printf '%03d' "$i")-$(basename "$src")"
done
