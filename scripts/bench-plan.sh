#!/usr/bin/env bash
# `plan` at scale: wall time and peak memory next to `transform` on the same generated file. Kept out of `swift test`.
#
# Usage: scripts/bench-plan.sh [ORDERS ...]        (default 100000; e.g. `scripts/bench-plan.sh 100000 1000000`)
#   BENCH_RUNS=3              runs per measurement; the median wall time is reported, with the peak RSS of that run
#   BENCH_NO_BUILD=1          use the existing release binaries instead of running `swift build -c release`
#   BENCH_DIR=/tmp            where the generated order files and synced state stores are kept (reused between runs)
#   BENCH_SYNCED_MAX=100000   plan against a synced state store only for files up to this many orders
#
# For each size, on the file bench-transform.sh makes (the example orders copied round-robin with unique ids):
#   transform --format jsonl                 the yardstick
#   plan (text), no state store              every invoice a create, each shown as a line
#   plan --format json --out FILE            the JSON document and a saved plan with payloads, both put together at the end
#   plan against a synced store              every invoice of the file recorded as in SQL Accounting (made once by
#                                            `ledgersync-bench --seed-synced-state`, a copy planned each run): all unchanged
# Targets (issue 18): plan of 1M orders ≤ 300 MiB peak; plan of 100k against 100k synced invoices ≤ 3× transform.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}}
SYNCED_MAX=${BENCH_SYNCED_MAX:-100000}
PACK=rules/acme-living
SEED=examples/orders/2025-09.jsonl
AS_OF=(--as-of 2025-10-01)
COUNTS=("$@")
[ ${#COUNTS[@]} -eq 0 ] && COUNTS=(100000)

if [ ! -x /usr/bin/time ]; then
  echo "bench-plan: /usr/bin/time is needed (apt-get install -y time)" >&2
  exit 1
fi
if [ -z "${BENCH_NO_BUILD:-}" ]; then
  swift build -c release --product ledgersync >&2
  swift build -c release --product ledgersync-bench >&2
fi
BIN_DIR="$(swift build -c release --show-bin-path)"
BIN="$BIN_DIR/ledgersync"
[ -x "$BIN" ] && [ -x "$BIN_DIR/ledgersync-bench" ] || { echo "bench-plan: no release binaries in $BIN_DIR" >&2; exit 1; }

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

for COUNT in "${COUNTS[@]}"; do
  FILE="$DIR/ledgersync-bench-transform-$COUNT.jsonl"
  [ -f "$FILE" ] || generate "$COUNT" "$FILE"
  SIZE=$(awk -v b="$(wc -c <"$FILE")" 'BEGIN {printf "%.0f", b / 1048576}')
  echo "== $COUNT orders ($SIZE MiB, $FILE), median of $RUNS"
  measure "transform" "$BIN" transform --pack "$PACK" --orders "$FILE" --format jsonl "${AS_OF[@]}"
  TRANSFORM=$WALL
  measure "plan, no store" "$BIN" plan --pack "$PACK" --orders "$FILE" --state "$WORK/none.sqlite" "${AS_OF[@]}"
  echo "     = $(ratio "$WALL" "$TRANSFORM")x transform"
  measure "plan --format json --out" "$BIN" plan --pack "$PACK" --orders "$FILE" --state "$WORK/none.sqlite" "${AS_OF[@]}" \
    --format json --out "$WORK/saved.plan.json"
  echo "     = $(ratio "$WALL" "$TRANSFORM")x transform; saved plan $(awk -v b="$(wc -c <"$WORK/saved.plan.json")" 'BEGIN {printf "%.0f", b / 1048576}') MiB"
  rm -f "$WORK/saved.plan.json"
  if [ "$COUNT" -le "$SYNCED_MAX" ]; then
    SYNCED="$DIR/ledgersync-bench-synced-$COUNT.sqlite"
    if [ ! -f "$SYNCED" ]; then
      rm -f "$SYNCED.part"*
      "$BIN_DIR/ledgersync-bench" --pack "$PACK" --orders-file "$FILE" --seed-synced-state "$SYNCED.part" >&2
      mv "$SYNCED.part" "$SYNCED"
    fi
    cp "$SYNCED" "$WORK/synced.sqlite"
    measure "plan, all synced" "$BIN" plan --pack "$PACK" --orders "$FILE" --state "$WORK/synced.sqlite" "${AS_OF[@]}"
    echo "     = $(ratio "$WALL" "$TRANSFORM")x transform (target ≤ 3x)"
    rm -f "$WORK/synced.sqlite"*
  fi
done
