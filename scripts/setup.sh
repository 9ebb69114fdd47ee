#!/usr/bin/env bash
# The README's set-up commands: `scripts/setup.sh demo`, `scripts/setup.sh
# check`. Installs the Debian packages tjit needs (scripts/install-deps.sh),
# make among them, then runs make with the given targets: it works on a
# fresh Debian 12 machine, where make itself is missing, and in any order.
# Afterwards plain make works too (make demo, make check, ...).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
exec make "$@"
