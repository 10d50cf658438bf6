#!/usr/bin/env bash
# Added latency of Perimeter (and of Portkey's open-source gateway) in front
# of a fast loopback upstream. Builds nothing: expects overhead_upstream,
# overhead_client and perimeter in BUILD_DIR (default build/).
#
#   bench/overhead/run.sh [BUILD_DIR]
# Environment: N (c=1 requests per target, 5000), WARMUP (500), CONNS (wrk
# connections, 16), DURATION (wrk seconds per target, 10), AUDIT_SYNC
# (full|normal, full), DURABLE_BEFORE (dispatch|egress, dispatch), HTTP_THREADS (1),
# BLOCK (c=1 requests per target turn, 1), BUSY_POLL_US (http.busy_poll_us, 0), PORTKEY=0 to leave Portkey out, METRICS_OUT (where
# Perimeter's /metrics is saved at the end).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
N="${N:-5000}" WARMUP="${WARMUP:-500}" CONNS="${CONNS:-16}" DURATION="${DURATION:-10}"
AUDIT_SYNC="${AUDIT_SYNC:-full}" DURABLE_BEFORE="${DURABLE_BEFORE:-dispatch}"
HTTP_THREADS="${HTTP_THREADS:-1}" BLOCK="${BLOCK:-1}" BUSY_POLL_US="${BUSY_POLL_US:-0}"
perimeter="$build/src/perimeter/cli/perimeter"
upstream="$build/bench/overhead/overhead_upstream"
client="$build/bench/overhead/overhead_client"
for f in "$perimeter" "$upstream" "$client"; do
  [[ -x "$f" ]] || { echo "missing $f: cmake --build $build --target perimeter overhead_upstream overhead_client" >&2; exit 1; }
done

work="$(mktemp -d /tmp/perimeter-overhead-XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() {  # URL: until it answers anything, at most 30 s
  for _ in $(seq 300); do
    curl -s -o /dev/null -m 1 "$1" && return 0
    sleep 0.1
  done
  echo "$1 did not answer within 30 s; the servers' logs:" >&2
  tail -n 20 "$work"/*.log >&2
  exit 1
}

# Upstream: prints its port.
"$upstream" 0 >"$work/upstream.port" 2>"$work/upstream.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/upstream.port" ]] && break; sleep 0.05; done
up_port="$(head -n1 "$work/upstream.port")"

# Perimeter: one engine: http model, audit on (SQLite), analysis on (defaults).
pm_port="$(free_port)"
"$perimeter" audit keygen --out "$work/audit.pem" >/dev/null
cat >"$work/perimeter.yaml" <<YAML
listen: 127.0.0.1:$pm_port
models:
  bench:
    engine: http
    url: http://127.0.0.1:$up_port/v1
    upstream_model: bench-upstream
    egress: local
    max_inflight: 4096
audit:
  store: sqlite:audit.db
  signing_key: audit.pem
  sync: $AUDIT_SYNC
  durable_before: $DURABLE_BEFORE
http:
  threads: $HTTP_THREADS
  busy_poll_us: $BUSY_POLL_US
YAML
"$perimeter" serve -c "$work/perimeter.yaml" >"$work/perimeter.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$pm_port/readyz"

pk_port=0
if [[ "${PORTKEY:-1}" == 0 ]]; then
  echo "Portkey left out (PORTKEY=0)"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIP Portkey: node/npm missing (apt-get install nodejs npm)"
else
  server="$("$here/setup_portkey.sh" | tail -n1)"
  pk_port="$(free_port)"
  NODE_ENV=production node "$server" --port="$pk_port" --headless >"$work/portkey.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$pk_port/"
fi
pk_host="http://127.0.0.1:$up_port/v1"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== load before: $(uptime)"
echo "== audit sync: $AUDIT_SYNC, durable_before: $DURABLE_BEFORE, http.threads: $HTTP_THREADS, busy_poll_us: $BUSY_POLL_US, block: $BLOCK"
pk_arg=()
[[ "$pk_port" != 0 ]] && pk_arg=(--portkey "$pk_port")
# A target with failed requests (the client exits 1) must not end the run:
# Portkey 1.15.2 on Node 20 answers every streamed request with a 500.
"$client" --direct "$up_port" --perimeter "$pm_port" "${pk_arg[@]}" --n "$N" --warmup "$WARMUP" --block "$BLOCK" ||
  echo "(some requests failed: see the fail column and the lines above)"
"$client" --direct "$up_port" --perimeter "$pm_port" "${pk_arg[@]}" --n "$((N / 5))" --warmup "$((WARMUP / 5))" --block "$BLOCK" --stream ||
  echo "(some requests failed: see the fail column and the lines above)"

if ! command -v wrk >/dev/null; then
  echo "SKIP sustained load: wrk missing (apt-get install wrk)"
else
  echo "== sustained: wrk -t1 -c$CONNS -d${DURATION}s, non-streaming, latency in ms"
  run_wrk() {  # NAME PORT [PORTKEY_HOST]
    local line
    line="$(PORTKEY_HOST="${3:-}" wrk -t1 -c"$CONNS" -d"${DURATION}s" -s "$here/chat.lua" \
      "http://127.0.0.1:$2" | grep '^RESULT' || true)"
    printf '%-10s %s\n' "$1" "${line:-RESULT missing (wrk failed)}"
  }
  run_wrk direct "$up_port"
  run_wrk perimeter "$pm_port"
  [[ "$pk_port" != 0 ]] && run_wrk portkey "$pk_port" "$pk_host"
fi
echo "== load after: $(uptime)"
metrics="${METRICS_OUT:-/tmp/perimeter-overhead-metrics.txt}"
curl -s "http://127.0.0.1:$pm_port/metrics" >"$metrics" || true
echo "== Perimeter /metrics (per-stage histograms) saved to $metrics"
