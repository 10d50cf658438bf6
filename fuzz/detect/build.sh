#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (Debian's clang-14), outside the
# default CMake build so CI needs no clang. Usage:
#   fuzz/detect/build.sh [OUT_DIR]          # default: build-fuzz
#   build-fuzz/detector_fuzz -max_total_time=120 build-fuzz/corpus-detector
#   build-fuzz/reidentify_fuzz -max_total_time=60
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-$ROOT/build-fuzz}
CXX=${CXX:-clang++-14}
mkdir -p "$OUT"
BUILD=$OUT/cmake
# The libraries are built with the same sanitizers as the targets.
cmake -S "$ROOT/fuzz/detect" -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERIMETER_ROOT="$ROOT" >/dev/null
cmake --build "$BUILD" >&2
cp "$BUILD/detector_fuzz" "$BUILD/reidentify_fuzz" "$OUT/"
mkdir -p "$OUT/corpus-detector"
# Seed corpus: a few realistic prompts.
printf 'Patient: Maria Gonzalez, DOB 03/14/1962, MRN: 00482913' >"$OUT/corpus-detector/patient"
printf 'export AWS_ACCESS_KEY_ID=AKIAQ3EGRUVW5XKZ7M2P\npassword = "q8Zr3kP0xVb7Lm2N"' >"$OUT/corpus-detector/secret"
printf 'call +44 20 7123 4567 or (415) 555-0132, card 4111 1111 1111 1111, 2001:db8::1/64' >"$OUT/corpus-detector/numbers"
printf '```\nint main() { return 0; }\n```\nGr\xc3\xbc\xc3\x9fe J\xc3\xbcrgen M\xc3\xbcller' >"$OUT/corpus-detector/code"
# Lists after a label and tables under a header (the list and column passes).
printf 'SIN: 498 259 795 / 290 748 334, 988 762 324\nMRN: 4197047 / MR8750782\npassword: aB3xQ9zT1w, K8mZp2Lq7v\n| Name | Passport | SIN |\n|---|---|---|\n| Ann | X12345678 | 701 290 405 |\nMRN,Visit\nMR1234567,20240611\n"Lee, Ann",579 666 975\n' >"$OUT/corpus-detector/lists"
echo "$OUT"
