#!/usr/bin/env bash
# End-to-end throughput of `ledgersync transform --format jsonl` against two reference points on the same file:
# a Python orjson parse-and-dump round trip and `jq -c .`. Kept out of `swift test`.
#
# Usage: scripts/bench-transform.sh [ORDERS ...]        (default 100000; e.g. `scripts/bench-transform.sh 100000 1000000`)
#   BENCH_RUNS=3         runs per tool; the median wall time is reported, with the peak RSS of that run
#   BENCH_NO_BUILD=1     use the existing release binary instead of running `swift build -c release`
#   BENCH_DIR=/tmp       where the generated order files are kept (reused between runs)
#
# The orders file is made like `ledgersync-bench` makes its own: the example orders (examples/orders/2025-09.jsonl)
# copied round-robin with unique ids ("B-<n>") and order numbers ("N<n>"), so most SKUs are unmatched and every
# order is transformed against rules/acme-living. Every tool is timed the same way: wall time and peak RSS from
# `/usr/bin/time -v`, output to /dev/null. orjson (`pip install orjson`) and jq are skipped when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${BENCH_RUNS:-3}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}}
PACK=rules/acme-living
SEED=examples/orders/2025-09.jsonl
COUNTS=("$@")
[ ${#COUNTS[@]} -eq 0 ] && COUNTS=(100000)

if [ ! -x /usr/bin/time ]; then
  echo "bench-transform: /usr/bin/time is needed (apt-get install -y time)" >&2
  exit 1
fi

if [ -z "${BENCH_NO_BUILD:-}" ]; then
  swift build -c release --product ledgersync >&2
fi
BIN="$(swift build -c release --show-bin-path)/ledgersync"
[ -x "$BIN" ] || { echo "bench-transform: no release binary at $BIN" >&2; exit 1; }

HAVE_ORJSON=0
if python3 -c 'import orjson' 2>/dev/null; then HAVE_ORJSON=1; else echo "bench-transform: orjson not installed (pip install orjson); skipping it" >&2; fi
HAVE_JQ=0
if command -v jq >/dev/null 2>&1; then HAVE_JQ=1; else echo "bench-transform: jq not installed (apt-get install -y jq); skipping it" >&2; fi

ORJSON_ROUND_TRIP='
import sys, orjson
dumps, loads = orjson.dumps, orjson.loads
out = sys.stdout.buffer
with open(sys.argv[1], "rb") as f:
    for line in f:
        if line.strip():
            out.write(dumps(loads(line)) + b"\n")
'

# shellcheck source=scripts/bench-lib.sh
. scripts/bench-lib.sh

for COUNT in "${COUNTS[@]}"; do
  FILE="$DIR/ledgersync-bench-transform-$COUNT.jsonl"
  [ -f "$FILE" ] || generate "$COUNT" "$FILE"
  SIZE=$(awk -v b="$(wc -c <"$FILE")" 'BEGIN {printf "%.0f", b / 1048576}')
  echo "== $COUNT orders ($SIZE MiB, $FILE), median of $RUNS"
  measure "ledgersync transform" "$BIN" transform --pack "$PACK" --orders "$FILE" --format jsonl --as-of 2025-10-01
  LS=$WALL; LS_RSS=$RSS
  echo "     = $(awk -v n="$COUNT" -v t="$LS" 'BEGIN {printf "%.0f", n / t}') orders/s"
  if [ $HAVE_ORJSON = 1 ]; then
    measure "python orjson round trip" python3 -c "$ORJSON_ROUND_TRIP" "$FILE"
    echo "     ledgersync is $(awk -v a="$WALL" -v b="$LS" 'BEGIN {printf "%.2f", a / b}')x the speed of orjson"
  fi
  if [ $HAVE_JQ = 1 ]; then
    measure "jq -c ." jq -c . "$FILE"
    echo "     ledgersync is $(awk -v a="$WALL" -v b="$LS" 'BEGIN {printf "%.2f", a / b}')x the speed of jq"
  fi
  echo "  ledgersync peak RSS: $LS_RSS MiB"
done
