#!/usr/bin/env bash
# Builds everything and runs the whole test suite (unit, integration,
# end-to-end). Extra arguments go to ctest, e.g. `scripts/test.sh -R http`.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/scripts/build.sh"
cd "$ROOT/build"
ctest --output-on-failure -j "$(nproc)" --timeout 900 "$@"
