#!/usr/bin/env bats
# tjit run: results of real specs, checked against values worked out by
# hand (see each case's description), first with the reference evaluator
# (the golden cases run-*, whose .args say --reference, run by
# tests/run-golden), then compiled here, which must print the same; and
# the command's options.
load helper
bats_require_minimum_version 1.5.0

# compiled NAME: case NAME run compiled with --check instead of
# --reference prints exactly NAME.out.
compiled() {
  local name=$1 words=() w args=()
  golden_words "$name"
  for w in "${words[@]}"; do [[ $w == --reference ]] || args+=("$w"); done
  cd "$CASES_DIR"
  run tjit "${args[@]}" --check
  assert_success
  _golden_compare stdout "$output"$'\n' "$CASES_DIR/$name.out"
}

@test "run compiled: the tutorial with autograph" { compiled run-tutorial-autograph; }
@test "run compiled: softmax" { compiled run-softmax; }
@test "run compiled: layer norm" { compiled run-layer-norm; }
@test "run compiled: MLP layer" { compiled run-mlp; }
@test "run compiled: cumsum with scan" { compiled run-cumsum; }
@test "run compiled: Newton sqrt with while_loop" { compiled run-newton-sqrt; }
@test "run compiled: piecewise switch, index clamped" { compiled run-piecewise; }
@test "run compiled: integer division and shift edges" { compiled run-int-edges; }
@test "run compiled: floats beyond int64 saturate" { compiled run-convert-f64-to-i64-saturates; }
@test "run compiled: --call runs one call" { compiled run-call-one; }
@test "run compiled: --args" { compiled run-args; }
@test "run compiled: sub-jaxprs nested as deep as the tracer allows" { compiled run-nest-jit-100; }
# p(k) = p(k-1)(p(k-1)(x)) 20 deep: 2^20 additions through one C function
# per sub-jaxpr (inlined: about 1 GB of C and a stack overflow, exit 139).
@test "run compiled: jit sub-jaxprs shared 20 deep" { compiled run-nest-jit-shared-20; }
@test "run compiled: indexing" { compiled run-indexing; }
@test "run compiled: jit and fori_loop" { compiled run-jit-fori; }
@test "run compiled: a scalar broadcast outside any fused loop" { compiled run-broadcast-scalar-alone; }
@test "run compiled: a coordinate grid from a row and zeros" { compiled run-broadcast-grid; }

@test "run: --out writes one .npy per output" {
  dir=$(mktemp -d)
  run tjit run --reference --out "$dir" "$CASES_DIR/run-cumsum.json"
  assert_success
  [[ -s $dir/call0_out0.npy && -s $dir/call0_out1.npy && -s $dir/call1_out1.npy ]]
  rm -rf "$dir"
}

# An output's name that is a symbolic link (here to a file the user must
# not lose) is replaced by the new file; the file it pointed to is not
# followed, truncated or written.
@test "run: --out replaces a symbolic link, never writes through it" {
  dir=$(mktemp -d) victim=$(mktemp)
  echo "keep me" >"$victim"
  ln -s "$victim" "$dir/call0_out0.npy"
  run tjit run --reference --out "$dir" "$CASES_DIR/run-cumsum.json"
  assert_success
  [[ $(cat "$victim") == "keep me" && ! -L $dir/call0_out0.npy ]]
  mkdir "$dir/fresh"
  tjit run --reference --out "$dir/fresh" "$CASES_DIR/run-cumsum.json" >/dev/null
  cmp "$dir/call0_out0.npy" "$dir/fresh/call0_out0.npy"
  # no temporary file is left behind
  [[ $(ls -A "$dir" | grep -c tmp) == 0 ]]
  rm -rf "$dir" "$victim"
}

# A failed write leaves the old file whole: an output's name held by a
# directory cannot be replaced, and nothing is truncated on the way.
@test "run: --out onto a directory fails and leaves no temporary file" {
  dir=$(mktemp -d)
  mkdir "$dir/call0_out0.npy"
  run tjit run --reference --out "$dir" "$CASES_DIR/run-cumsum.json"
  assert_failure 2
  assert_output "tjit: error: cannot write '$dir/call0_out0.npy': Is a directory"
  [[ -z $(ls -A "$dir/call0_out0.npy") && $(ls -A "$dir" | grep -c tmp) == 0 ]]
  rm -rf "$dir"
}

@test "run: --out without a value" {
  run tjit run --reference "$CASES_DIR/run-cumsum.json" --out
  assert_failure 2
  assert_output --partial "option '--out' requires a value"
}

@test "run: --help lists --reference and --out" {
  run tjit run --help
  assert_success
  assert_output --partial "--reference"
  assert_output --partial "--out DIR"
}

@test "run: a trace error is reported as for trace" {
  run tjit run --reference "$TJIT_ROOT/examples/conditional_double.json"
  assert_failure 1
  assert_output --partial "TracerBoolConversionError"
}

@test "run compiled: weak_type=True on weakly typed results" { compiled run-weak-type; }
@test "run compiled: pow with a traced integer exponent" { compiled run-pow-int-exponent; }
@test "run compiled: pow of integers with a traced exponent" { compiled run-pow-int-int; }
@test "run compiled: pow of integer arrays with traced exponents" { compiled run-pow-int-int-arrays; }

# The next tests run tjit under `ulimit -v 1000000` (about 1 GB of address
# space), so that allocating 1.6 GB fails. ASan reserves terabytes of
# shadow address space at start-up, so under it there is nothing to test.
unlimited_skip_under_asan() {
  if ldd "$TJIT_BUILD/tjit" 2>/dev/null | grep -q libasan; then
    skip "ASan reserves terabytes of address space: ulimit -v stops it before main"
  fi
}

@test "run: an output that cannot be allocated is an error, not a crash" {
  unlimited_skip_under_asan
  run -3 --separate-stderr bash -c 'ulimit -v 1000000 && exec tjit run --no-cache --max-memory 1T "$1"' _ \
    "$TJIT_ROOT/tests/data/run-output-unallocatable.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "tjit: error: out of memory: could not allocate 1600000000 bytes for output 0"
}

@test "run --reference: an array that cannot be allocated is an error" {
  unlimited_skip_under_asan
  run -3 --separate-stderr bash -c 'ulimit -v 1000000 && exec tjit run --reference --max-memory 1T "$1"' _ \
    "$TJIT_ROOT/tests/data/run-output-unallocatable.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "tjit: error: out of memory: could not allocate 1600000000 bytes for an array of f32[20000,20000] in the reference evaluator"
}

# --max-memory: the estimate (lib/ir/mem_estimate.c) against the limit. The
# cases' descriptions work the figures out.

@test "run: a run exactly at --max-memory runs" {
  run -0 tjit run --max-memory 12292 "$CASES_DIR/run-memory-temporaries.json"
  assert_output "args: Array(5567.04, dtype=float32)"
  run -0 tjit run --max-memory 6156 "$CASES_DIR/run-memory-loop.json"
}

@test "run --reference: the same memory estimate and refusal" {
  run -3 --separate-stderr tjit run --reference --max-memory 12K "$CASES_DIR/run-memory-temporaries.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "$(cat "$CASES_DIR/run-memory-temporaries.err")"
}

@test "run --check: both results count in the memory estimate" {
  run -3 --separate-stderr tjit run --check --max-memory 12295 "$CASES_DIR/run-memory-temporaries.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "tjit: error: the run needs an estimated 12.0 KiB (12296 bytes) of memory, over the limit of 12.0 KiB (12295 bytes; --max-memory)
note: inputs 4.0 KiB, outputs 4 B twice (--check keeps both results), temporaries at their peak 8.0 KiB
note: the largest arrays: input 0 f32[1024] (4.0 KiB), a temporary f32[1024] (4.0 KiB), a temporary f32[1024] (4.0 KiB)"
  run -0 tjit run --check --max-memory 12296 "$CASES_DIR/run-memory-temporaries.json"
}

@test "run: a call found in the disk cache is held to --max-memory too" {
  run -0 tjit run "$CASES_DIR/run-memory-temporaries.json"
  run -3 --separate-stderr tjit run --time --max-memory 12K "$CASES_DIR/run-memory-temporaries.json"
  assert_equal "$stderr" "$(cat "$CASES_DIR/run-memory-temporaries.err")"
  run -0 --separate-stderr tjit run --time "$CASES_DIR/run-memory-temporaries.json"
  [[ $stderr == "time: args: disk cache hit "* ]] || fail "not a disk cache hit: $stderr"
}

# The default limit is 3/4 of physical memory (lib/base/limits.h): eight
# f32[65536,32768] outputs need 64 GiB.
@test "run: the default memory limit is 3/4 of physical memory" {
  local limit
  limit=$(( $(getconf _PHYS_PAGES) * $(getconf PAGE_SIZE) / 4 * 3 ))
  (( limit < 64 * 1024 * 1024 * 1024 )) || skip "this machine has more than 85 GiB of memory"
  local human
  human=$(awk -v b="$limit" 'BEGIN { split("KiB MiB GiB TiB", u, " "); v = b; i = 0;
    while (v >= 1024 && i < 4) { v /= 1024; i++ } printf "%.1f %s", v, u[i] }')
  run -3 --separate-stderr tjit run --no-cache "$TJIT_ROOT/tests/data/run-memory-default.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "tjit: error: the run needs an estimated 64.0 GiB (68719476740 bytes) of memory, over the limit of $human ($limit bytes; 3/4 of physical memory; --max-memory sets another)
note: inputs 4 B, outputs 64.0 GiB, temporaries at their peak 0 B
note: the largest arrays: output 0 f32[65536,32768] (8.0 GiB), output 1 f32[65536,32768] (8.0 GiB), output 2 f32[65536,32768] (8.0 GiB)"
}

@test "run: --max-memory takes bytes or K, M, G, T" {
  for bad in 0 -1 1X 12KB 1.5G '' 9999999T; do
    run -2 --separate-stderr tjit run --max-memory "$bad" "$CASES_DIR/run-memory-temporaries.json"
    assert_equal "$stderr" "tjit run: error: invalid --max-memory '$bad' (expected bytes, or a number with K, M, G or T)
usage: tjit run [OPTIONS] SPEC..."
  done
  run -0 tjit run --max-memory 1M "$CASES_DIR/run-memory-temporaries.json"
}

# The work budget (lib/ir/work.h; tjit-run(1) BUDGET): a run is charged the
# elements its equations read and write, each loop iteration its body's,
# the same in compiled code and in the evaluator, which stop at the same
# point with exit 3. Compiled code counted only while iterations (10^7 of
# them), so the scans of fori_loops with static bounds ran on unbounded.
# `timeout` turns a regression into a failure rather than a hang.
work_error() {
  printf '%s\n%s' "tjit: error: too much work (limit is $1 elements read and written): does a loop ever end?" \
    "note: a run is charged the elements its equations read and write, a loop's body at every iteration (see tjit-run(1)); --max-work sets another budget"
}

@test "run: a fori_loop of 10^9 iterations stops at the work budget" {
  run -3 --separate-stderr timeout 60 tjit run --no-cache "$TJIT_ROOT/tests/data/run-work-fori-1e9.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "$(work_error 10000000000)"
}

@test "run --check: a fori_loop of 10^9 iterations stops at the work budget" {
  run -3 --separate-stderr timeout 60 tjit run --check --no-cache "$TJIT_ROOT/tests/data/run-work-fori-1e9.json"
  assert_equal "$stderr" "$(work_error 10000000000)"
}

# The evaluator reaches the default budget in some 10 s on scalar loops,
# so a smaller one keeps the suite fast; run-work-ten shows it charges
# what compiled code charges.
@test "run --reference: a fori_loop of 10^9 iterations stops at the work budget" {
  run -3 --separate-stderr timeout 60 tjit run --reference --max-work 100000000 "$TJIT_ROOT/tests/data/run-work-fori-1e9.json"
  assert_equal "$stderr" "$(work_error 100000000)"
}

@test "run: two nested loops of 2^31-1 iterations stop at the work budget" {
  run -3 --separate-stderr timeout 60 tjit run --no-cache "$TJIT_ROOT/tests/data/run-work-nested-max.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "$(work_error 10000000000)"
  run -3 --separate-stderr timeout 60 tjit run --check --no-cache "$TJIT_ROOT/tests/data/run-work-nested-max.json"
  assert_equal "$stderr" "$(work_error 10000000000)"
  run -3 --separate-stderr timeout 60 tjit run --reference --max-work 100000000 "$TJIT_ROOT/tests/data/run-work-nested-max.json"
  assert_equal "$stderr" "$(work_error 100000000)"
}

@test "run: a while loop of 2^31-1 iterations stops at the work budget" {
  run -3 --separate-stderr timeout 60 tjit run --no-cache "$TJIT_ROOT/tests/data/run-work-while-traced-bound.json"
  assert_equal "$stderr" "$(work_error 10000000000)"
  run -3 --separate-stderr timeout 60 tjit run --reference --max-work 100000000 "$TJIT_ROOT/tests/data/run-work-while-traced-bound.json"
  assert_equal "$stderr" "$(work_error 100000000)"
}

@test "run: 9,000,000 iterations over an f32[1048576] carry stop at the work budget" {
  run -3 --separate-stderr timeout 60 tjit run --no-cache "$TJIT_ROOT/tests/data/run-work-big-carry.json"
  assert_equal "$output" ""
  assert_equal "$stderr" "$(work_error 10000000000)"
  run -3 --separate-stderr timeout 60 tjit run --reference --max-work 100000000 "$TJIT_ROOT/tests/data/run-work-big-carry.json"
  assert_equal "$stderr" "$(work_error 100000000)"
}

@test "run: both backends run a loop exactly at --max-work and stop it one element short" {
  local mode
  for mode in --no-cache --reference; do
    run -0 --separate-stderr timeout 60 tjit run "$mode" --max-work 8000 "$CASES_DIR/run-work-ten.json"
    assert_equal "$output" "args: Array(10.5, dtype=float32, weak_type=True)"
    assert_equal "$stderr" ""
    run -3 --separate-stderr timeout 60 tjit run "$mode" --max-work 7999 "$CASES_DIR/run-work-ten.json"
    assert_equal "$output" ""
    assert_equal "$stderr" "$(work_error 7999)"
  done
}

@test "run: a loop the tracer unrolled is charged too, before anything runs" {
  local mode
  for mode in --no-cache --reference; do
    run -0 tjit run "$mode" --max-work 2650 "$CASES_DIR/run-work-unrolled.json"
    assert_output "args: Array([10., 11., 12., 13.], dtype=float32)"
    run -3 --separate-stderr tjit run "$mode" --max-work 2649 "$CASES_DIR/run-work-unrolled.json"
    assert_equal "$stderr" "$(work_error 2649)"
  done
}

@test "run: --max-work takes a number of elements, 1 or more" {
  local bad
  for bad in 0 -5 1e9 12x ''; do
    run -2 tjit run --max-work "$bad" "$CASES_DIR/run-work-ten.json"
    assert_line --index 0 "tjit run: error: invalid --max-work '$bad' (expected a number of elements, 1 or more)"
  done
  run -0 tjit run --max-work 9223372036854775807 "$CASES_DIR/run-work-ten.json"
  assert_output "args: Array(10.5, dtype=float32, weak_type=True)"
}

# 40 levels of jit functions, each calling the level below twice: the
# memory estimate walked a shared sub-jaxpr once per use (2^40 walks) and
# never reached the work budget's refusal; walked once per distinct jaxpr,
# the run is refused at once.
@test "run: a jaxpr shared at every level of 40 nested jits is estimated once" {
  local src='"jit auto level0(auto x) { return x + 1; }"' k
  for ((k = 1; k <= 40; k++)); do
    src+=", \"jit auto level$k(auto x) { return level$((k - 1))(x) + level$((k - 1))(x); }\""
  done
  src+=', "auto f(float x) { return level40(x); }"'
  run -3 timeout 10 tjit run --reference --max-work 1000 - <<<"{\"tjit\": 1, \"function\": \"f\", \"source\": [$src], \"args\": {\"x\": 1.0}}"
  assert_line --index 0 'tjit: error: too much work (limit is 1000 elements read and written): does a loop ever end?'
}

# Sums the compiled code runs through its reduction kernel (trailing rows
# of 64 or more) or row by row (leading axes, 64 or more outputs) are the
# evaluator's bits too: both follow lib/base/lane_fold.h. Random normal
# values, so any other order would differ in the last bits.
@test "run: sums of long rows and over leading axes are the same bits compiled and with --reference" {
  cat >"$BATS_TEST_TMPDIR/sums.json" <<'JSON'
{"source": ["auto f(float x[100000], float y[3][1000], float z[1000][70], f64 w[5000]) {",
            "  return (sum(x), mean(x * x), sum(y, 1), sum(z, 0), sum(w), sum(y[:, :64], 1)); }"],
 "args": {"x": {"dtype": "f32", "shape": [100000], "random": {"seed": 1, "dist": "normal"}},
          "y": {"dtype": "f32", "shape": [3, 1000], "random": {"seed": 2, "dist": "normal"}},
          "z": {"dtype": "f32", "shape": [1000, 70], "random": {"seed": 3, "dist": "normal"}},
          "w": {"dtype": "f64", "shape": [5000], "random": {"seed": 4, "dist": "normal"}}}}
JSON
  run --separate-stderr tjit run --format json "$BATS_TEST_TMPDIR/sums.json"
  assert_success
  compiled=$output
  run --separate-stderr tjit run --reference --format json "$BATS_TEST_TMPDIR/sums.json"
  assert_success
  [ "$output" = "$compiled" ]
}
