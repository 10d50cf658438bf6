#!/usr/bin/env bash
# Idempotent setup: Debian packages, llama.cpp (from the npm package
# node-llama-cpp@3.21.1, built once into a cache prefix outside the checkout),
# the project's npm test dependencies. Prints the llama.cpp prefix on its last
# line of stdout so callers can pass it to CMake.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${PERIMETER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/perimeter}
LLAMA_NPM=node-llama-cpp@3.21.1
LLAMA_TGZ_SHA=7a231d6bafa14142a1cbed9893d4ec5bc6041b2a5f5939a623accaab4203c11f
LLAMA_BUNDLE_SHA=9336d8aab8f8e6a8919380f3641fe92e57b02fb55df1b6bd083b82491a6293b8

log() { echo "setup: $*" >&2; }
die() { echo "setup: error: $*" >&2; exit 1; }

# ---- Debian packages -------------------------------------------------------
PKGS=(
  build-essential cmake ninja-build ccache git pkg-config curl ca-certificates
  libboost-dev libssl-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libspdlog-dev libfmt-dev libsqlite3-dev libvectorscan-dev libre2-dev
  libphonenumber-dev libgtest-dev libgmock-dev libbenchmark-dev
  libvalijson-dev libpq-dev postgresql clang-format
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js: keep whatever node/npm is already there (e.g. NodeSource's, which
# conflicts with Debian's npm package); otherwise take Debian's.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# ---- llama.cpp ---------------------------------------------------------------
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
# The install is CPU-specific (GGML_NATIVE), so the key includes the CPU model and flags.
cpu_key=$( (grep -m1 'model name' /proc/cpuinfo; grep -m1 '^flags' /proc/cpuinfo) | sha256sum | cut -c1-12)
LLAMA_PREFIX=$CACHE/llama/${LLAMA_BUNDLE_SHA:0:16}-$cpu_key
LLAMA_SRC=$CACHE/llama/src-${LLAMA_BUNDLE_SHA:0:16}

if [ ! -f "$LLAMA_PREFIX/.complete" ]; then
  mkdir -p "$CACHE/npm" "$CACHE/dl"
  tgz=$CACHE/dl/node-llama-cpp-3.21.1.tgz
  if [ ! -f "$tgz" ] || [ "$(sha256_of "$tgz")" != "$LLAMA_TGZ_SHA" ]; then
    log "fetching $LLAMA_NPM from the npm registry"
    (cd "$CACHE/dl" && npm pack "$LLAMA_NPM" --cache "$CACHE/npm" --silent >/dev/null)
  fi
  [ "$(sha256_of "$tgz")" = "$LLAMA_TGZ_SHA" ] || die "$tgz: sha256 $(sha256_of "$tgz") != pinned $LLAMA_TGZ_SHA"
  if [ ! -d "$LLAMA_SRC/.git" ]; then
    tmp=$(mktemp -d)
    tar -xzf "$tgz" -C "$tmp" package/llama/gitRelease.bundle
    bundle=$tmp/package/llama/gitRelease.bundle
    [ "$(sha256_of "$bundle")" = "$LLAMA_BUNDLE_SHA" ] || die "gitRelease.bundle: sha256 mismatch"
    rm -rf "$LLAMA_SRC.tmp"
    git clone -q "$bundle" "$LLAMA_SRC.tmp" >&2
    mv "$LLAMA_SRC.tmp" "$LLAMA_SRC"
    rm -rf "$tmp"
  fi
  log "building llama.cpp into $LLAMA_PREFIX (cold: ~12 min on 2 cores)"
  export CCACHE_DIR=$CACHE/ccache
  build=$CACHE/llama/build-${LLAMA_BUNDLE_SHA:0:16}-$cpu_key
  cmake -S "$LLAMA_SRC" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DCMAKE_INSTALL_PREFIX="$LLAMA_PREFIX" \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_TOOLS_INSTALL=OFF -DLLAMA_CURL=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF \
    -DCMAKE_INSTALL_RPATH='$ORIGIN' >&2
  cmake --build "$build" --target llama ggml llama-common llama-server >&2
  cmake --install "$build" >&2
  # llama-server is kept as the real "local large model" upstream for tests;
  # its build-tree RUNPATH is useless here, so a wrapper points it at lib/.
  mkdir -p "$LLAMA_PREFIX/bin" "$LLAMA_PREFIX/libexec" "$LLAMA_PREFIX/share/llama-vocab"
  cp "$build/bin/llama-server" "$LLAMA_PREFIX/libexec/"
  cp -P "$build"/bin/libllama-server-impl.so* "$LLAMA_PREFIX/lib/"
  printf '#!/bin/sh\nd=$(dirname "$(readlink -f "$0")")/..\nLD_LIBRARY_PATH="$d/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$d/libexec/llama-server" "$@"\n' \
    >"$LLAMA_PREFIX/bin/llama-server"
  chmod +x "$LLAMA_PREFIX/bin/llama-server"
  cp "$LLAMA_SRC"/models/ggml-vocab-*.gguf "$LLAMA_PREFIX/share/llama-vocab/"
  git -C "$LLAMA_SRC" describe --tags --always >"$LLAMA_PREFIX/VERSION" 2>/dev/null || true
  touch "$LLAMA_PREFIX/.complete"
fi

# ---- npm test dependencies (openai SDK), project-local, from the lockfile ----
if [ -f "$ROOT/tests/e2e/package-lock.json" ] && [ ! -d "$ROOT/tests/e2e/node_modules/openai" ]; then
  log "installing the openai npm client from tests/e2e/package-lock.json"
  (cd "$ROOT/tests/e2e" && npm ci --cache "$CACHE/npm" --silent --no-audit --no-fund >&2)
fi

echo "$LLAMA_PREFIX"
