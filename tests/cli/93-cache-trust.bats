#!/usr/bin/env bats
# What the disk cache trusts (tjit-cache(1), TRUST MODEL): entries sealed
# with the user's own key, in a directory and files that are the user's
# and that nobody else can write. An entry loaded from the cache runs as
# the user, so everything else is refused: entries forged or written under
# another key (a miss, and the entry is rewritten), directories others can
# write or that are symbolic links, entries of other users, key files
# others can read. helper.bash gives each test its own TJIT_CACHE_DIR and
# TJIT_CACHE_KEY.
load helper
bats_require_minimum_version 1.5.0

TUTORIAL=$TJIT_ROOT/examples/conditional_double_recompile.json
TUTORIAL_OUT='call 0: Array(10., dtype=float32)
call 1: Array(2., dtype=float32)
call 2: Array(5., dtype=float32)
call 3: Array(1., dtype=float32)'
MISSES='time: call 0: trace X ms, codegen X ms, compile X ms, run X ms
time: call 1: cache hit X ms (reused), run X ms
time: call 2: trace X ms, codegen X ms, compile X ms, run X ms
time: call 3: cache hit X ms (reused), run X ms'
HITS='time: call 0: disk cache hit X ms, run X ms
time: call 1: cache hit X ms (reused), run X ms
time: call 2: disk cache hit X ms, run X ms
time: call 3: cache hit X ms (reused), run X ms'

UNCACHED='time: call 0: trace X ms, codegen X ms, compile X ms, run X ms
time: call 1: trace X ms, codegen X ms, compile X ms (reused), run X ms
time: call 2: trace X ms, codegen X ms, compile X ms, run X ms
time: call 3: trace X ms, codegen X ms, compile X ms (reused), run X ms'

times() { sed -E 's/[0-9]+\.[0-9]{3} ms/X ms/g' <<<"$1"; }
entries() { (cd "$TJIT_CACHE_DIR" && ls | grep -E '^[0-9a-f]{32}$' | sort); }

# Runs the tutorial with --time: its results, and the times in $times.
run_tutorial() {
  run --separate-stderr tjit run --time --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  times=$(times "$stderr")
}

@test "cache trust: an entry moved under another call's name is refused and rewritten" {
  # call 0's entry, its header's key changed to call 2's: before the MAC
  # covered the header this ran call 0's code for call 2 (10, not 5)
  tjit run --autograph --call 0 "$TUTORIAL" >/dev/null
  local first second
  first=$(entries)
  tjit run --autograph --call 2 "$TUTORIAL" >/dev/null
  second=$(entries | grep -vx "$first")
  cp "$TJIT_CACHE_DIR/$second" "$BATS_TEST_TMPDIR/good"
  cp "$TJIT_CACHE_DIR/$first" "$TJIT_CACHE_DIR/$second"
  dd if="$BATS_TEST_TMPDIR/good" of="$TJIT_CACHE_DIR/$second" bs=1 skip=16 seek=16 count=16 conv=notrunc status=none
  run_tutorial
  assert_equal "$times" "time: call 0: disk cache hit X ms, run X ms
time: call 1: cache hit X ms (reused), run X ms
time: call 2: trace X ms, codegen X ms, compile X ms, run X ms
time: call 3: cache hit X ms (reused), run X ms"
  cmp "$TJIT_CACHE_DIR/$second" "$BATS_TEST_TMPDIR/good"
  run_tutorial
  assert_equal "$times" "$HITS"
}

@test "cache trust: entries written under another key are refused and rewritten" {
  TJIT_CACHE_KEY=$BATS_TEST_TMPDIR/other/cache.key tjit run --autograph "$TUTORIAL" >/dev/null
  assert_equal "$(entries | wc -l)" 2
  local before
  before=$(cat "$TJIT_CACHE_DIR"/[0-9a-f]* | cksum)
  run_tutorial
  assert_equal "$times" "$MISSES"
  [[ $(cat "$TJIT_CACHE_DIR"/[0-9a-f]* | cksum) != "$before" ]]
  run_tutorial
  assert_equal "$times" "$HITS"
  # and the other key's user no longer hits them either
  TJIT_CACHE_KEY=$BATS_TEST_TMPDIR/other/cache.key run_tutorial
  assert_equal "$times" "$MISSES"
}

# The warning of a run that cannot use the cache (stderr's first line),
# and that it ran without it (a call reuses the compilation of the same C,
# not a cache entry).
uncached_run() {
  run --separate-stderr tjit run --time --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  assert_equal "$(times "$(sed 1d <<<"$stderr")")" "$UNCACHED"
  warning=$(head -n 1 <<<"$stderr")
}

@test "cache trust: a directory others can write is refused" {
  local mode why
  for mode in 0777 1777 0770 0707; do
    rm -rf "$TJIT_CACHE_DIR" && mkdir "$TJIT_CACHE_DIR" && chmod "$mode" "$TJIT_CACHE_DIR"
    why="the cache directory '$TJIT_CACHE_DIR' is writable by group or others (mode $mode)"
    uncached_run
    assert_equal "$warning" "tjit run: warning: $why; running without the disk cache"
    assert_equal "$(ls -A "$TJIT_CACHE_DIR")" ""
    run -2 tjit cache stats
    assert_output "tjit: error: $why"
    run -2 tjit cache clear
    assert_output "tjit: error: $why"
  done
  chmod 0755 "$TJIT_CACHE_DIR" # readable by others is fine
  run_tutorial
  assert_equal "$times" "$MISSES"
  run_tutorial
  assert_equal "$times" "$HITS"
}

@test "cache trust: a directory of another user is refused" {
  [[ $(id -u) -eq 0 ]] || skip "only root can give a directory to another user"
  mkdir "$TJIT_CACHE_DIR" && chown 12345:12345 "$TJIT_CACHE_DIR"
  uncached_run
  assert_equal "$warning" "tjit run: warning: the cache directory '$TJIT_CACHE_DIR' is owned by another user (uid 12345); running without the disk cache"
  assert_equal "$(ls -A "$TJIT_CACHE_DIR")" ""
  run -2 tjit cache stats
  assert_output "tjit: error: the cache directory '$TJIT_CACHE_DIR' is owned by another user (uid 12345)"
}

@test "cache trust: a symbolic link as the cache directory is refused" {
  mkdir -m 700 "$BATS_TEST_TMPDIR/real"
  ln -s "$BATS_TEST_TMPDIR/real" "$TJIT_CACHE_DIR"
  uncached_run
  assert_equal "$warning" "tjit run: warning: the cache directory '$TJIT_CACHE_DIR' is a symbolic link; running without the disk cache"
  assert_equal "$(ls -A "$BATS_TEST_TMPDIR/real")" ""
  run -2 tjit cache stats
  assert_output "tjit: error: the cache directory '$TJIT_CACHE_DIR' is a symbolic link"
}

@test "cache trust: entries of another user, or that others can write, are refused and rewritten" {
  tjit run --autograph "$TUTORIAL" >/dev/null
  local e
  for e in $(entries); do chmod 0666 "$TJIT_CACHE_DIR/$e"; done
  run_tutorial
  assert_equal "$times" "$MISSES"
  assert_equal "$(cd "$TJIT_CACHE_DIR" && stat -c %a $(entries) | sort -u)" 600
  run_tutorial
  assert_equal "$times" "$HITS"
  [[ $(id -u) -eq 0 ]] || skip "only root can give a file to another user"
  for e in $(entries); do chown 12345:12345 "$TJIT_CACHE_DIR/$e"; done
  run_tutorial
  assert_equal "$times" "$MISSES"
  assert_equal "$(cd "$TJIT_CACHE_DIR" && stat -c %u $(entries) | sort -u)" 0
  run_tutorial
  assert_equal "$times" "$HITS"
}

@test "cache trust: the key is made on first use, 0600 in a 0700 directory, outside the cache" {
  local config=$BATS_TEST_TMPDIR/config key
  key=$config/tjit/cache.key
  run --separate-stderr env -u TJIT_CACHE_KEY XDG_CONFIG_HOME="$config" tjit run --autograph "$TUTORIAL"
  assert_success
  assert_equal "$stderr" ""
  assert_equal "$(stat -c %a "$key") $(stat -c %a "$config/tjit") $(stat -c %s "$key")" "600 700 65"
  grep -qxE '[0-9a-f]{64}' "$key"
  local made
  made=$(cat "$key")
  run --separate-stderr env -u TJIT_CACHE_KEY XDG_CONFIG_HOME="$config" tjit run --time --autograph "$TUTORIAL"
  assert_equal "$(times "$stderr")" "$HITS"
  assert_equal "$(cat "$key")" "$made"
  # else ~/.config/tjit/cache.key; a relative XDG_CONFIG_HOME is ignored
  run env -u TJIT_CACHE_KEY XDG_CONFIG_HOME=relative HOME="$BATS_TEST_TMPDIR/home" tjit run --autograph "$TUTORIAL"
  assert_success
  assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/home/.config/tjit/cache.key")" 600
  [[ ! -e relative ]]
  # none of them: no key, no cache
  run --separate-stderr env -u TJIT_CACHE_KEY -u XDG_CONFIG_HOME -u HOME tjit run --autograph "$TUTORIAL"
  assert_success
  assert_output "$TUTORIAL_OUT"
  assert_equal "$stderr" "tjit run: warning: no cache key file (set TJIT_CACHE_KEY, XDG_CONFIG_HOME or HOME); running without the disk cache"
}

@test "cache trust: a key file others could read or replace is refused" {
  tjit run --autograph "$TUTORIAL" >/dev/null
  chmod 0644 "$TJIT_CACHE_KEY"
  uncached_run
  assert_equal "$warning" "tjit run: warning: the cache key file '$TJIT_CACHE_KEY' can be read or written by others (mode 0644); it must be 0600; running without the disk cache"
  chmod 0600 "$TJIT_CACHE_KEY"
  run_tutorial
  assert_equal "$times" "$HITS"
  local real=$TJIT_CACHE_KEY
  TJIT_CACHE_KEY=$BATS_TEST_TMPDIR/link.key
  ln -s "$real" "$TJIT_CACHE_KEY"
  uncached_run
  assert_equal "$warning" "tjit run: warning: the cache key file '$TJIT_CACHE_KEY' is a symbolic link; running without the disk cache"
  TJIT_CACHE_KEY=$BATS_TEST_TMPDIR/bad.key
  printf 'not a key\n' >"$TJIT_CACHE_KEY" && chmod 0600 "$TJIT_CACHE_KEY"
  uncached_run
  assert_equal "$warning" "tjit run: warning: the cache key file '$TJIT_CACHE_KEY' does not hold a key (64 hexadecimal digits); running without the disk cache"
  TJIT_CACHE_KEY=$real
  [[ $(id -u) -eq 0 ]] || skip "only root can give a file to another user"
  chown 12345:12345 "$TJIT_CACHE_KEY"
  uncached_run
  assert_equal "$warning" "tjit run: warning: the cache key file '$TJIT_CACHE_KEY' is owned by another user (uid 12345); running without the disk cache"
}

@test "cache trust: verify says which entries a run would refuse, and why" {
  run tjit cache verify
  assert_success
  assert_output "0 ok, 0 refused in $TJIT_CACHE_DIR"
  tjit run --autograph "$TUTORIAL" >/dev/null
  local a b c d
  read -r a b <<<"$(entries | tr '\n' ' ')"
  run tjit cache verify
  assert_success
  assert_output "$a: ok
$b: ok
2 ok, 0 refused in $TJIT_CACHE_DIR"
  printf '\x55' | dd of="$TJIT_CACHE_DIR/$a" bs=1 seek=300 conv=notrunc status=none
  chmod 0666 "$TJIT_CACHE_DIR/$b"
  c=ffffffffffffffffffffffffffffffff d=00000000000000000000000000000000
  mkfifo "$TJIT_CACHE_DIR/$c"
  ln -s "$TJIT_CACHE_DIR/$b" "$TJIT_CACHE_DIR/$d"
  run timeout 10 tjit cache verify
  assert_success
  assert_output "$d: refused: a symbolic link
$a: refused: MAC mismatch (not written under this user's cache key)
$b: refused: writable by group or others (mode 0666)
$c: refused: not a regular file
0 ok, 4 refused in $TJIT_CACHE_DIR"
  rm "$TJIT_CACHE_DIR/$c" "$TJIT_CACHE_DIR/$d"
  chmod 0600 "$TJIT_CACHE_DIR/$b"
  printf '\x02' | dd of="$TJIT_CACHE_DIR/$b" bs=1 seek=8 conv=notrunc status=none
  run tjit cache verify --format json
  assert_success
  assert_output "{\"version\": 1, \"directory\": \"$TJIT_CACHE_DIR\", \"entries\": [{\"name\": \"$a\", \"ok\": false, \"reason\": \"MAC mismatch (not written under this user's cache key)\"}, {\"name\": \"$b\", \"ok\": false, \"reason\": \"format version 2, not 4\"}], \"ok\": 0, \"refused\": 2}"
  # a run rewrites them; under another key none of them is the user's
  tjit run --autograph "$TUTORIAL" >/dev/null
  run tjit cache verify
  assert_output "$a: ok
$b: ok
2 ok, 0 refused in $TJIT_CACHE_DIR"
  TJIT_CACHE_KEY=$BATS_TEST_TMPDIR/other.key run tjit cache verify
  assert_output "$a: refused: MAC mismatch (not written under this user's cache key)
$b: refused: MAC mismatch (not written under this user's cache key)
0 ok, 2 refused in $TJIT_CACHE_DIR"
  chmod 0644 "$TJIT_CACHE_KEY"
  run -2 tjit cache verify
  assert_output "tjit: error: the cache key file '$TJIT_CACHE_KEY' can be read or written by others (mode 0644); it must be 0600"
  chmod 0777 "$TJIT_CACHE_DIR"
  run -2 tjit cache verify --format json
  assert_output "tjit: error: the cache directory '$TJIT_CACHE_DIR' is writable by group or others (mode 0777)
{\"version\": 1, \"error\": {\"kind\": \"io\", \"message\": \"the cache directory '$TJIT_CACHE_DIR' is writable by group or others (mode 0777)\", \"file\": null, \"line\": null, \"column\": null, \"notes\": [], \"hints\": []}}"
}

@test "cache trust: a key file inside the cache directory is refused" {
  # a cache restored from elsewhere would bring its own key along
  local key
  for key in "$TJIT_CACHE_DIR/cache.key" "$TJIT_CACHE_DIR/sub/dir/cache.key"; do
    TJIT_CACHE_KEY=$key uncached_run
    assert_equal "$warning" "tjit run: warning: the cache key file '$key' is inside the cache directory '$TJIT_CACHE_DIR'; running without the disk cache"
    assert_equal "$(entries)" ""
    TJIT_CACHE_KEY=$key run -2 tjit cache verify
    assert_output "tjit: error: the cache key file '$key' is inside the cache directory '$TJIT_CACHE_DIR'"
  done
  # through another spelling of the directory too
  (
    cd "$TJIT_CACHE_DIR"
    export TJIT_CACHE_DIR=. TJIT_CACHE_KEY=sub/../cache.key
    uncached_run
    assert_equal "$warning" "tjit run: warning: the cache key file 'sub/../cache.key' is inside the cache directory '.'; running without the disk cache"
  )
}
