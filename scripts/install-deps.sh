#!/usr/bin/env bash
# Installs the Debian packages tjit needs to build and test. Idempotent and
# silent when everything is present: it asks dpkg first and touches apt only
# for what is missing. Works as root without a TTY (CI); uses sudo otherwise.
set -euo pipefail

packages=(
  build-essential pkg-config
  libcjson-dev                 # spec parsing
  libtcc-dev tcc               # in-memory C compilation (tcc holds libtcc1.a)
  libgraphviz-dev graphviz     # tjit graph
  fonts-liberation2            # the font the SVG in docs/ was laid out with
  libopenblas-dev              # dot_general
  libxxhash-dev                # jit cache keys
  bats bats-support bats-assert  # CLI tests
  libxml2-utils                # xmllint, for checking SVG output
  groff-base                   # man page lint in the CLI tests
  jq                           # reads --format json output in the CLI tests
)

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

echo "install-deps: installing ${missing[*]}" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  "${missing[@]}" </dev/null >/dev/null
