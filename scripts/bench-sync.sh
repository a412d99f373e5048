#!/usr/bin/env bash
# Sync throughput against the sandbox: orders/s at 0 ms and 100 ms injected latency, concurrency 1 and 8.
# Release build; the sandbox runs as its own process on loopback. Not part of `swift test`.
# Usage: scripts/bench-sync.sh [ORDERS]   (default 400; copies of the example orders with unique ids)
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-400}
swift build -c release --product ledgersync >/dev/null 2>&1
swift build -c release --product ledgersync-bench >/dev/null 2>&1
bin=.build/release/ledgersync
# ledgersync-bench writes the copies to a temporary file (and prints its own transform figures).
.build/release/ledgersync-bench "$orders" >/dev/null
file="${TMPDIR:-/tmp}/ledgersync-bench-v2-$orders.jsonl"
export LEDGERSYNC_ACCESS_KEY=sandbox.sql.my/LEDGERSYNC LEDGERSYNC_SECRET_KEY=ledgersync-sandbox-secret-not-for-production
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18600
for latency in 0 100; do
  for concurrency in 1 8; do
    port=$((port + 1))
    "$bin" sandbox serve --port "$port" --faults "latency=$latency" >"$work/sandbox-$port.log" 2>&1 &
    sandbox=$!
    for _ in $(seq 50); do grep -q "listening on" "$work/sandbox-$port.log" && break; sleep 0.1; done
    summary=$("$bin" apply --pack rules/acme-living --orders "$file" --endpoint "http://127.0.0.1:$port" \
      --state "$work/state-$port.sqlite" --concurrency "$concurrency" --as-of 2025-10-01 --format json)
    SUMMARY="$summary" python3 -c '
import json, os, sys
s = json.loads(os.environ["SUMMARY"])
synced, failed, excluded = s["created"] + s["adopted"], s["failed"], s["excluded"]
seconds = float(s["seconds"])
print(f"latency {sys.argv[1]:>3} ms, concurrency {sys.argv[2]}: {synced} invoices ({failed} failed, {excluded} excluded) "
      f"in {seconds:.1f} s = {synced / seconds:.1f} invoices/s, {(synced + excluded) / seconds:.1f} orders/s")
' "$latency" "$concurrency"
    kill "$sandbox"; wait "$sandbox" 2>/dev/null || true
  done
done
