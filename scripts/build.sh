#!/usr/bin/env bash
# Configures and builds Perimeter into build/ (after scripts/setup.sh).
# Usage: scripts/build.sh [extra cmake -D options]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LLAMA_PREFIX=$("$ROOT/scripts/setup.sh" | tail -n 1)
export CCACHE_DIR=${CCACHE_DIR:-${PERIMETER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/perimeter}/ccache}
cmake -S "$ROOT" -B "$ROOT/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$LLAMA_PREFIX${CMAKE_PREFIX_PATH:+;$CMAKE_PREFIX_PATH}" "$@" >&2
cmake --build "$ROOT/build" >&2
