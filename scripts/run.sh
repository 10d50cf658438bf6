#!/usr/bin/env bash
# Builds everything it needs, creates the demo model if missing, and serves
# it: `scripts/run.sh [perimeter serve options]` (default config:
# examples/demo.yaml; override with -c FILE).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/scripts/build.sh"
BIN=$ROOT/build/src/perimeter/cli/perimeter
if [ ! -f "$ROOT/models/demo.gguf" ]; then
  mkdir -p "$ROOT/models"
  "$BIN" demo-model "$ROOT/models/demo.gguf" --seed 1 --shape tiny
fi
args=("$@")
if [[ " ${args[*]-} " != *" -c "* && " ${args[*]-} " != *" --config"* ]]; then
  args=(-c "$ROOT/examples/demo.yaml" "${args[@]}")
  # The demo config's audit log is signed with this key (see docs/audit.md).
  [ -f "$ROOT/var/keys/audit.pem" ] || "$BIN" audit keygen --out "$ROOT/var/keys/audit.pem"
fi
exec "$BIN" serve "${args[@]}"
