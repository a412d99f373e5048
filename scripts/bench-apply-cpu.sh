#!/usr/bin/env bash
# CPU that `apply` burns while it waits on the API (issue 18). The sandbox answers every request after an injected
# latency (default 100 ms), so apply spends most of its time waiting, and a waiting process should use next to no CPU.
#
# For concurrency 1 and 8, apply runs twice, each time against a fresh sandbox: at 0 ms latency and at the chosen
# latency. Each run prints the apply process's user and system CPU, CPU% of one core ((user + sys) / wall), CPU per
# order, and its voluntary and involuntary context switches (wait4's rusage: apply and its threads, never the
# sandbox). The difference between the two runs is the cost of waiting itself — the same orders, documents and state
# store work, only slower answers — printed as "while waiting": extra CPU / extra wall, in % of a core.
#
# Release build; the sandbox runs as its own process on loopback. Not part of `swift test`.
# Usage: scripts/bench-apply-cpu.sh [ORDERS] [LATENCY_MS]   (defaults 200 and 100)
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-200}
latency=${2:-100}
swift build -c release --product ledgersync >/dev/null 2>&1
swift build -c release --product ledgersync-bench >/dev/null 2>&1
work=$(mktemp -d)
sandbox=
# Stop only the sandbox this script started, by its id.
trap '[ -n "$sandbox" ] && kill "$sandbox" 2>/dev/null; rm -rf "$work"' EXIT
# ledgersync-bench writes copies of the example orders with unique ids to a file in TMPDIR, named after the seed's
# content; a TMPDIR of our own makes that file the only one there.
TMPDIR="$work" .build/release/ledgersync-bench "$orders" >/dev/null
file=$(ls "$work"/ledgersync-bench-*-"$orders".jsonl)
export LEDGERSYNC_ACCESS_KEY=sandbox.sql.my/LEDGERSYNC LEDGERSYNC_SECRET_KEY=ledgersync-sandbox-secret-not-for-production
bin=.build/release/ledgersync
port=18700
for concurrency in 1 8; do
  for run_latency in 0 "$latency"; do
    port=$((port + 1))
    # A fresh sandbox for each run, so every run creates the same invoices rather than finding earlier ones.
    "$bin" sandbox serve --port "$port" --faults "latency=$run_latency" >"$work/sandbox-$port.log" 2>&1 &
    sandbox=$!
    for _ in $(seq 50); do grep -q "listening on" "$work/sandbox-$port.log" && break; sleep 0.1; done
    python3 - "$work/results.jsonl" "$run_latency" "$concurrency" "$bin" apply --pack rules/acme-living --orders "$file" \
      --endpoint "http://127.0.0.1:$port" --state "$work/state-$port.sqlite" --concurrency "$concurrency" \
      --as-of 2025-10-01 --format json <<'PY'
import json, os, subprocess, sys, time
results, latency, concurrency, command = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
start = time.monotonic()
child = subprocess.Popen(command, stdout=subprocess.PIPE)
output = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
wall = time.monotonic() - start
if status != 0 and not output:
    sys.exit(f"apply exited with status {status >> 8} and printed no summary")
summary = json.loads(output)
orders = summary["created"] + summary["adopted"] + summary["failed"] + summary["excluded"]
cpu = usage.ru_utime + usage.ru_stime
print(f"latency {latency:>3} ms, concurrency {concurrency}: {summary['created'] + summary['adopted']} invoices "
      f"({summary['failed']} failed, {summary['excluded']} excluded) in {wall:.1f} s wall; "
      f"CPU {usage.ru_utime:.2f} s user + {usage.ru_stime:.2f} s sys = {100 * cpu / wall:.1f}% of a core, "
      f"{1000 * cpu / max(orders, 1):.1f} ms per order; "
      f"context switches {usage.ru_nvcsw} voluntary, {usage.ru_nivcsw} involuntary")
with open(results, "a") as out:
    out.write(json.dumps({"latency": latency, "concurrency": concurrency, "wall": wall, "cpu": cpu,
                          "switches": usage.ru_nvcsw + usage.ru_nivcsw}) + "\n")
PY
    kill "$sandbox"; wait "$sandbox" 2>/dev/null || true
    sandbox=
  done
done
python3 - "$work/results.jsonl" "$latency" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
latency = int(sys.argv[2])
for concurrency in (1, 8):
    base = next(r for r in runs if r["concurrency"] == concurrency and r["latency"] == 0)
    slow = next(r for r in runs if r["concurrency"] == concurrency and r["latency"] == latency)
    waited, burnt = slow["wall"] - base["wall"], slow["cpu"] - base["cpu"]
    share = f"{100 * max(burnt, 0) / waited:.1f}% of a core" if waited > 0.5 else "too short to tell (use more orders)"
    print(f"concurrency {concurrency}, while waiting: +{waited:.1f} s wall, {burnt:+.2f} s CPU = {share}, "
          f"{slow['switches'] - base['switches']:+d} context switches")
PY
