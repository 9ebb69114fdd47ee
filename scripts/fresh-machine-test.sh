#!/usr/bin/env bash
# Tries the README's two set-up commands on a fresh Debian 12 machine:
# builds a minimal root (mmdebstrap --variant=minbase bookworm), puts a
# clean clone of this repository's committed HEAD in it, and runs the two
# commands there with chroot, verbatim as the README's set-up block shows
# them. Passes if both succeed and the second (the test suite) ends with
# "N passed, 0 failed". Run as root, with network access to Debian's
# mirror; it takes a while (apt, the build, the whole suite) and is not part
# of make check.
#
#   scripts/fresh-machine-test.sh [--keep]
#
# --keep leaves the root (its path is printed) for a look afterwards.
set -euo pipefail

die() { echo "fresh-machine-test: error: $*" >&2; exit 2; }
say() { echo "fresh-machine-test: $*"; }

keep=
case ${1-} in
  '') ;;
  --keep) keep=1 ;;
  *) die "usage: scripts/fresh-machine-test.sh [--keep]" ;;
esac
[[ $(id -u) -eq 0 ]] || die "run as root (mmdebstrap, mount and chroot need it)"
for tool in mmdebstrap git chroot mount umount; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install mmdebstrap git)"
done

repo=$(git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel)
head=$(git -C "$repo" rev-parse HEAD)
if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no) ]]; then
  say "note: uncommitted changes in $repo are not tested (only HEAD is)"
fi

root=$(mktemp -d "${TMPDIR:-/var/tmp}/tjit-fresh.XXXXXX")
mounted=()
log=$(mktemp)

# Unmounts what was mounted, innermost first, then deletes the root, but
# only once nothing is mounted under it any more (a bind mount of /dev
# would otherwise let rm reach the host's /dev).
cleanup() {
  local status=$? i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" || umount --lazy "${mounted[i]}" || true
  done
  rm -f "$log"
  if [[ -n $keep ]]; then
    say "kept the root: $root"
  elif awk -v r="$root/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    say "something is still mounted under $root: left it there"
  else
    rm -rf --one-file-system "$root"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# mount_in_root DIR MOUNT-ARGS...: mounts on $root/DIR, remembering it for
# cleanup.
mount_in_root() {
  local target=$root/$1
  shift
  mount "$@" "$target"
  mounted+=("$target")
}

say "building a minimal Debian 12 root in $root"
mmdebstrap --variant=minbase bookworm "$root"

say "cloning $repo at $head"
git clone --quiet --no-checkout "$repo" "$root/root/tjit"
git -C "$root/root/tjit" checkout --quiet --detach "$head"

# apt inside needs the host's name servers; scripts/install-deps.sh runs
# apt, the tests' terminal (script(1)) needs a pseudo-terminal.
rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mount_in_root proc -t proc proc
mount_in_root sys --bind /sys
mount_in_root dev --bind /dev
mount_in_root dev/pts --bind /dev/pts

# The README's set-up commands: the lines of the first ```sh block after
# "On a fresh Debian 12 machine".
mapfile -t commands < <(awk '
  /^On a fresh Debian 12 machine/ { found = 1 }
  found && /^```sh$/ { inblock = 1; next }
  inblock && /^```$/ { exit }
  inblock { print }' "$root/root/tjit/README.md")
[[ ${#commands[@]} -eq 2 ]] ||
  die "expected two set-up commands in README.md, found ${#commands[@]}: ${commands[*]-}"

# Runs one command in the clone as a fresh root login would: a clean
# environment, no terminal input.
run_in_root() {
  chroot "$root" /usr/bin/env -i HOME=/root \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -c "cd /root/tjit && $1" </dev/null
}

n=0
for cmd in "${commands[@]}"; do
  n=$((n + 1))
  say "command $n of 2: $cmd"
  set +e
  run_in_root "$cmd" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  set -e
  [[ $status -eq 0 ]] || die "command $n ($cmd) failed with exit status $status"
done
last=$(tail -n 1 "$log")
[[ $last =~ ^[0-9]+\ passed,\ 0\ failed$ ]] ||
  die "the test command's last line is '$last', not 'N passed, 0 failed'"
say "passed: both README commands work on a fresh Debian 12 root; the tests: $last"
