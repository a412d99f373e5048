#!/usr/bin/env bash
# Sync throughput against the sandbox. Release build; the sandbox runs as its own process on loopback. Not part of
# `swift test`.
usage() {
  cat <<'USAGE'
Usage:
  scripts/bench-sync.sh [ORDERS]
      invoices/s at 0 and 100 ms injected latency × concurrency 1 and 8 (ORDERS default 400)
  scripts/bench-sync.sh --stored N[,N...] [ORDERS]
      for each N: a fresh sandbox preloaded with N posted invoices (sandbox serve --preload-invoices N), then
      ORDERS orders (default 400) applied at latency 0, concurrency 8; prints invoices/s for each N, then each
      N's throughput as a percentage of the first N's (does the sandbox slow down as its book grows?)
  scripts/bench-sync.sh --apply ORDERS
      one apply of ORDERS orders into a fresh, empty sandbox at latency 0, concurrency 8: the count and seconds
  scripts/bench-sync.sh --help

The orders are copies of examples/orders/2025-09.jsonl with unique ids (B-0, B-1 …) and order numbers (N0, N1 …),
written once to ${TMPDIR:-/tmp}/ledgersync-sync-bench-ORDERS.jsonl and reused. About a quarter are excluded by the
example pack (unpaid, cancelled …), so fewer invoices than orders are synced.
USAGE
}
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "bench-sync.sh: $*" >&2; exit 1; }
count_arg() { [[ "$2" =~ ^[0-9]+$ ]] || fail "$1 must be a whole number, not '$2' (see --help)"; }

mode=matrix
stored=""
orders=400
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --stored)
    mode=stored
    [ $# -ge 2 ] || fail "--stored needs a list of stored invoice counts, e.g. --stored 1000,100000"
    stored=$2
    [[ "$stored" =~ ^[0-9]+(,[0-9]+)*$ ]] || fail "--stored takes whole numbers separated by commas, not '$stored'"
    orders=${3:-400}
    count_arg ORDERS "$orders"
    [ $# -le 3 ] || fail "unexpected argument '$4' (see --help)" ;;
  --apply)
    mode=apply
    [ $# -eq 2 ] || fail "--apply takes one number of orders, e.g. --apply 100000"
    orders=$2
    count_arg ORDERS "$orders" ;;
  -*) fail "unknown option '$1' (see --help)" ;;
  *)
    orders=${1:-400}
    count_arg ORDERS "$orders"
    [ $# -le 1 ] || fail "unexpected argument '$2' (see --help)" ;;
esac
[ "$orders" -gt 0 ] || fail "ORDERS must be at least 1"

swift build -c release --product ledgersync >/dev/null 2>&1 || fail "swift build -c release --product ledgersync failed"
bin=.build/release/ledgersync

# The orders file. (ledgersync-bench also writes copies, but under a name derived from a digest of the seed file,
# so this script cannot rely on where they land; making them here costs a second per 100,000 orders.)
file="${TMPDIR:-/tmp}/ledgersync-sync-bench-$orders.jsonl"
if [ ! -s "$file" ]; then
  python3 - "$orders" "$file" <<'PY'
import json, os, sys
count, path = int(sys.argv[1]), sys.argv[2]
with open("examples/orders/2025-09.jsonl", encoding="utf-8") as seed:
    templates = [json.loads(line) for line in seed if line.strip()]
temporary = path + ".partial"
with open(temporary, "w", encoding="utf-8") as out:
    for index in range(count):
        order = dict(templates[index % len(templates)])
        order["id"], order["order_number"] = f"B-{index}", f"N{index}"
        out.write(json.dumps(order, ensure_ascii=False, separators=(",", ":")) + "\n")
os.replace(temporary, path)
PY
fi

export LEDGERSYNC_ACCESS_KEY=sandbox.sql.my/LEDGERSYNC LEDGERSYNC_SECRET_KEY=ledgersync-sandbox-secret-not-for-production
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18600
sandbox=""

# start_sandbox LATENCY [PRELOAD]: a sandbox on the next port; waits until it listens (a preload takes a while).
start_sandbox() {
  port=$((port + 1))
  "$bin" sandbox serve --port "$port" --faults "latency=$1" --preload-invoices "${2:-0}" >"$work/sandbox-$port.log" 2>&1 &
  sandbox=$!
  until grep -qs "listening on" "$work/sandbox-$port.log"; do
    kill -0 "$sandbox" 2>/dev/null || { cat "$work/sandbox-$port.log" >&2; fail "the sandbox did not start"; }
    sleep 0.1
  done
}

stop_sandbox() { kill "$sandbox"; wait "$sandbox" 2>/dev/null || true; }

# apply_orders CONCURRENCY: applies the orders file; the JSON summary goes to $work/summary.json (a file, not a
# variable: for 100,000 orders it is larger than an environment variable may be).
apply_orders() {
  "$bin" apply --pack rules/acme-living --orders "$file" --endpoint "http://127.0.0.1:$port" \
    --state "$work/state-$port.sqlite" --concurrency "$1" --as-of 2025-10-01 --format json >"$work/summary.json" \
    || [ -s "$work/summary.json" ] || fail "apply failed without a summary"
}

# summary LABEL: one line from $work/summary.json; the invoices/s figure alone goes to $work/rate.
summary() {
  python3 - "$1" "$work/summary.json" "$work/rate" <<'PY'
import json, sys
label, path, rate_path = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path, encoding="utf-8") as f:
    s = json.load(f)
synced, failed, excluded = s["created"] + s["adopted"], s["failed"], s["excluded"]
seconds = float(s["seconds"])
print(f"{label}: {synced} invoices ({failed} failed, {excluded} excluded) in {seconds:.1f} s = "
      f"{synced / seconds:.1f} invoices/s, {(synced + excluded) / seconds:.1f} orders/s", flush=True)
with open(rate_path, "w") as f:
    f.write(f"{synced / seconds}\n")
PY
}

case "$mode" in
  matrix)
    for latency in 0 100; do
      for concurrency in 1 8; do
        start_sandbox "$latency"
        apply_orders "$concurrency"
        summary "latency $(printf '%3s' "$latency") ms, concurrency $concurrency"
        stop_sandbox
      done
    done ;;
  stored)
    rates=()
    IFS=, read -r -a counts <<<"$stored"
    for n in "${counts[@]}"; do
      start_sandbox 0 "$n"
      apply_orders 8
      summary "$n stored, $orders orders, latency 0 ms, concurrency 8"
      rates+=("$(cat "$work/rate")")
      stop_sandbox
    done
    python3 - "$stored" "${rates[@]}" <<'PY'
import sys
counts, rates = sys.argv[1].split(","), [float(r) for r in sys.argv[2:]]
for n, rate in zip(counts, rates):
    print(f"{n:>8} stored: {rate:7.1f} invoices/s = {100 * rate / rates[0]:5.1f} % of {counts[0]} stored")
PY
    ;;
  apply)
    start_sandbox 0
    apply_orders 8
    summary "apply of $orders orders into an empty sandbox, latency 0 ms, concurrency 8"
    stop_sandbox ;;
esac
