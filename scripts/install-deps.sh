#!/usr/bin/env bash
# Installs the Debian packages tjit needs to build and test, make included,
# so it runs on a fresh Debian 12 machine (scripts/setup.sh calls it before
# make exists). Idempotent and silent when everything is present: it asks
# dpkg first and touches apt only for what is missing; then it says what it
# installs and shows apt's own progress (apt takes minutes on a fresh
# machine). Works as root without a TTY (CI); uses sudo otherwise.
# `install-deps.sh fuzz` adds what `make fuzz` and `make fuzz-smoke` need;
# `install-deps.sh build` installs only what building, running and
# installing tjit needs (`make`, `make install`), not the tests' tools: what
# a CI job that uses tjit wants (docs/ci/).
set -euo pipefail

build_packages=(
  build-essential make pkg-config
  libcjson-dev                 # spec parsing
  libtcc-dev tcc               # in-memory C compilation (tcc holds libtcc1.a)
  libgraphviz-dev graphviz     # tjit graph
  fonts-liberation2            # Liberation Sans, the font tjit graph names (lib/graph/graph.c)
  libopenblas-dev              # dot_general
  libxxhash-dev                # jit cache keys
  libsodium23 libsodium-dev    # the disk cache's MACs and keys
)
test_packages=(
  bats bats-support bats-assert  # CLI tests
  jq                           # reading JSON output in the CLI tests
  bsdutils                     # script(1): the CLI tests' terminal
  libxml2-utils                # xmllint, for checking SVG output
  groff-base                   # man page lint in the CLI tests
  python3-numpy                # test-only: the CLI tests check results against numpy (tests/cli/98-*.bats)
  python3-yaml                 # test-only: reading docs/ci's recipes as YAML (tests/cli/93-ci-recipes.bats)
  python3-jsonschema           # test-only: validating JSON and SARIF outputs against their schemas (tests/cli/96-schemas.bats)
  mlir-19-tools libmlir-19     # test-only: verifying, lowering and running exported MLIR (tests/cli/99-export.bats), about 300 MB
)

with_tests=1
extra=()
for target in "$@"; do
  case $target in
    build) with_tests=0 ;;
    fuzz) extra+=(
      clang                    # the fuzzing build (tests/fuzz), with -fsanitize=fuzzer
      libclang-rt-14-dev       # libFuzzer and the sanitizer runtimes for clang 14
    ) ;;
    *) echo "install-deps: error: unknown target '$target' (known: build, fuzz)" >&2; exit 2 ;;
  esac
done
packages=("${build_packages[@]}")
[[ $with_tests -eq 1 ]] && packages+=("${test_packages[@]}")
packages+=("${extra[@]}")

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "install-deps: error: not root and no sudo to install: ${missing[*]}" >&2
    exit 1
  }
  as_root=(sudo)
fi

# apt's progress bar on a terminal; its line per step otherwise (CI logs).
apt_opts=(-y)
[[ -t 1 ]] && apt_opts+=(-o Dpkg::Progress-Fancy=1)

echo "install-deps: installing ${#missing[@]} packages and what they need: ${missing[*]}"
echo "install-deps: apt-get update"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
echo "install-deps: apt-get install ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" \
  "${missing[@]}" </dev/null
echo "install-deps: done"
