#!/usr/bin/env bats
# Reading listings back (lib/front/jaxpr_read.c, issue 20): every listing
# the suite holds reads into the IR and prints back byte-identical, and
# hostile listings give one diagnostic, never a crash. Through the unit
# binary build/unit/test_jaxpr_read (`FILE...`: round trips, "N of M
# round-trip"; `--read FILE`: the diagnostics, or the listing printed back;
# `--eval FILE...`: each listing read, then run on zeros, "N of M evaluate").

load helper
bats_require_minimum_version 1.5.0

reader() { "$TJIT_BUILD/unit/test_jaxpr_read" "$@"; }

# The golden listings: the cases whose command is `trace` (no NAME.args,
# or one starting with trace and no --format) that end with status 0.
golden_listings() {
  local out name args
  for out in "$CASES_DIR"/*.out; do
    name=${out%.out}
    [[ $(<"$name.status") == 0 ]] || continue
    if [[ -f $name.args ]]; then
      args=$(<"$name.args")
      [[ $args == trace* && $args != *--format* ]] || continue
    fi
    echo "$out"
  done
}

@test "jaxpr-roundtrip: every golden trace listing reads back and prints byte-identical" {
  mapfile -t files < <(golden_listings)
  [[ ${#files[@]} -ge 600 ]]
  run reader "${files[@]}"
  assert_success
  assert_output "${#files[@]} of ${#files[@]} round-trip"
}

@test "jaxpr-roundtrip: every golden listing read back runs in the reference evaluator (zero inputs, no internal error)" {
  mapfile -t files < <(golden_listings)
  run reader --eval "${files[@]}"
  assert_success
  assert_output "${#files[@]} of ${#files[@]} evaluate"
}

@test "jaxpr-roundtrip: every example's trace reads back and prints byte-identical" {
  local e n=0
  for e in "$TJIT_ROOT"/examples/*.json; do
    # the tutorial's specs that stop with a TracerBoolConversionError
    tjit trace "$e" >"$BATS_TEST_TMPDIR/$(basename "$e" .json).jaxpr" 2>/dev/null ||
      rm "$BATS_TEST_TMPDIR/$(basename "$e" .json).jaxpr"
  done
  mapfile -t files < <(ls "$BATS_TEST_TMPDIR"/*.jaxpr)
  [[ ${#files[@]} -ge 25 ]]
  run reader "${files[@]}"
  assert_success
  assert_output "${#files[@]} of ${#files[@]} round-trip"
}

@test "jaxpr-roundtrip: the README's listings (the output of its \`tjit trace\` commands) read back identically" {
  local dir=$BATS_TEST_TMPDIR/readme f
  mkdir "$dir"
  # in a fenced block, from a "$ ... tjit trace" line to the next "$ " line
  # or the fence's end
  awk -v dir="$dir" '/^```/ { fence = !fence; if (on) close(f); on = 0; next }
    fence && /^\$ / { if (on) close(f); on = 0; if ($0 ~ /tjit trace/) { on = 1; n++; f = dir "/readme-" n ".jaxpr" }; next }
    on { print > f }' "$TJIT_ROOT/README.md"
  files=()
  for f in "$dir"/*.jaxpr; do
    [[ $(head -c 8 "$f") == "{ lambda" || $(head -c 4 "$f") == "let " ]] && files+=("$f")
  done
  [[ ${#files[@]} -ge 4 ]]
  run reader "${files[@]}"
  assert_success
  assert_output "${#files[@]} of ${#files[@]} round-trip"
}

@test "jaxpr-roundtrip: a listing laid out otherwise (one line, flat equations) reads the same" {
  printf '{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0:f32[]; c:f32[] = reduce_sum[axes=(0,) out_sharding=None] b in (c,) }' \
    >"$BATS_TEST_TMPDIR/flat.jaxpr"
  run reader --read "$BATS_TEST_TMPDIR/flat.jaxpr"
  assert_success
  assert_output - <<'EOF'
{ lambda ; a:f32[3]. let
    b:f32[3] = mul a 2.0:f32[]
    c:f32[] = reduce_sum[axes=(0,) out_sharding=None] b
  in (c,) }
EOF
}

# Runs the reader on the listing text $1 (printf'd) as bad.jaxpr, from the
# test's directory so the diagnostics name the file as written.
read_bad() {
  printf "$1" >"$BATS_TEST_TMPDIR/bad.jaxpr"
  cd "$BATS_TEST_TMPDIR"
  run -1 --separate-stderr "$TJIT_BUILD/unit/test_jaxpr_read" --read bad.jaxpr
  assert_output ""
}

@test "jaxpr-roundtrip: a truncated listing says where it ends" {
  read_bad '{ lambda ; a:f32[]. let\n    b:f32[] = neg a\n'
  [[ $stderr == "bad.jaxpr:3:1: error: expected an equation or 'in', found the end of the listing
    3 | 
      | ^" ]]
}

@test "jaxpr-roundtrip: an unknown primitive and an unknown param are named" {
  read_bad '{ lambda ; a:f32[]. let b:f32[] = foo a in (b,) }'
  [[ $stderr == "bad.jaxpr:1:35: error: unknown primitive 'foo'
    1 | { lambda ; a:f32[]. let b:f32[] = foo a in (b,) }
      |                                   ^~~" ]]
  read_bad '{ lambda ; a:f32[]. let b:f32[] = add[bar=1] a a in (b,) }'
  [[ $stderr == "bad.jaxpr:1:39: error: unknown param 'bar' of 'add'
    1 | { lambda ; a:f32[]. let b:f32[] = add[bar=1] a a in (b,) }
      |                                       ^~~" ]]
}

@test "jaxpr-roundtrip: wrong types: operands lax refuses, a type the rule does not give" {
  read_bad '{ lambda ; a:f32[3]. let b:f32[3] = add a 1:i32[] in (b,) }'
  [[ $stderr == "bad.jaxpr:1:37: error: TypeError: lax.add requires arguments to have the same dtypes, got float32, int32. (Tip: jnp.add is a similar function that does automatic type promotion on inputs).
    1 | { lambda ; a:f32[3]. let b:f32[3] = add a 1:i32[] in (b,) }
      |                                     ^~~" ]]
  read_bad '{ lambda ; a:f32[3]. let b:f32[4] = neg a in (b,) }'
  [[ $stderr == "bad.jaxpr:1:26: error: 'b' is written f32[4], but neg gives f32[3]
    1 | { lambda ; a:f32[3]. let b:f32[4] = neg a in (b,) }
      |                          ^~~~~~~~" ]]
  read_bad '{ lambda ; a:f32[]. let b:f32[] = add a 1:f32[] in (b,) }'
  [[ $stderr == "bad.jaxpr:1:41: error: '1' is not a float
    1 | { lambda ; a:f32[]. let b:f32[] = add a 1:f32[] in (b,) }
      |                                         ^" ]]
}

@test "jaxpr-roundtrip: a name defined twice or used before its definition" {
  read_bad '{ lambda ; a:f32[]. let\n    b:f32[] = neg a\n    b:f32[] = neg a\n  in (b,) }'
  [[ $stderr == "bad.jaxpr:3:5: error: 'b' is defined twice
    3 |     b:f32[] = neg a
      |     ^
bad.jaxpr:2:5: note: first defined here
    2 |     b:f32[] = neg a
      |     ^" ]]
  read_bad '{ lambda ; a:f32[]. let b:f32[] = neg c; c:f32[] = neg a in (b,) }'
  [[ $stderr == "bad.jaxpr:1:39: error: 'c' is not defined
    1 | { lambda ; a:f32[]. let b:f32[] = neg c; c:f32[] = neg a in (b,) }
      |                                       ^" ]]
}

@test "jaxpr-roundtrip: deep nesting is refused at its limits, not by the C stack" {
  read_bad "$(printf '{ %.0s' {1..10000})"
  [[ $stderr == "bad.jaxpr:1:3: error: expected 'lambda', found '{'"* ]]
  read_bad "$(printf '{ lambda ; a:f32[]. let b:f32[] = jit[name=f jaxpr=%.0s' {1..200})"
  [[ $stderr == "bad.jaxpr:1:5152: error: too many nested sub-jaxprs (limit is 100)"* ]]
  read_bad "{ lambda ; a:f32[]. let b:f32[] = reduce_sum[axes=$(printf '(%.0s' {1..10000})"
  [[ $stderr == "bad.jaxpr:1:115: error: a value is nested too deeply (limit is 64)"* ]]
}

@test "jaxpr-roundtrip: huge shapes stop at the element limit" {
  read_bad '{ lambda ; a:f32[100000,100000]. let  in (a,) }'
  [[ $stderr == "bad.jaxpr:1:14: error: too many elements in one array (limit is 2147483648)
    1 | { lambda ; a:f32[100000,100000]. let  in (a,) }
      |              ^~~~~~~~~~~~~~~~~~" ]]
  read_bad '{ lambda ; a:f32[99999999999999999999]. let  in (a,) }'
  [[ $stderr == "bad.jaxpr:1:18: error: dimension too large (limit is 2147483648)"* ]]
}

@test "jaxpr-roundtrip: bytes that are not UTF-8 are named, not read" {
  read_bad '{ lambda ; a:f32[]. let b:f32[] = neg \377 in (b,) }'
  [[ $stderr == "bad.jaxpr:1:39: error: expected an operand, found the byte 0xFF"* ]]
}
