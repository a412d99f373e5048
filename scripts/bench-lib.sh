# Shared by the benchmark scripts (sourced, not run): the generated order files and the timing method.
# Expects SEED (the example orders), RUNS (runs per measurement) and, for `generate`, python3.

# generate COUNT PATH: the seed orders round-robin, each copy with a unique id and order number.
generate() {
  python3 - "$SEED" "$1" "$2" <<'EOF'
import re, sys
seed, count, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
templates = []
for line in open(seed, encoding="utf-8"):
    line = line.rstrip("\n")
    m = re.search(r'"id":"[^"]*"(.*?)"order_number":"[^"]*"', line)
    if not m:
        continue
    templates.append((line[:m.start()] + '"id":"B-', '"' + m.group(1) + '"order_number":"N', '"' + line[m.end():] + "\n"))
tmp = path + ".part"
with open(tmp, "w", encoding="utf-8") as out:
    chunk = []
    for i in range(count):
        a, b, c = templates[i % len(templates)]
        chunk.append(f"{a}{i}{b}{i}{c}")
        if len(chunk) == 10000:
            out.write("".join(chunk)); chunk = []
    out.write("".join(chunk))
import os
os.replace(tmp, path)
EOF
}

# measure NAME CMD...: runs CMD $RUNS times (stdout to /dev/null); sets WALL (median, s) and RSS (MiB of that run).
measure() {
  local name=$1; shift
  local results=() i log
  for ((i = 0; i < RUNS; i++)); do
    log=$(mktemp)
    if ! /usr/bin/time -v "$@" >/dev/null 2>"$log"; then
      # ledgersync exits 1 when an order is in error; only a crash or a missing tool is a failure here.
      if ! grep -q "Exit status: 1$" "$log"; then
        echo "bench: $name failed:" >&2; tail -5 "$log" >&2; rm -f "$log"; return 1
      fi
    fi
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
    results+=("$wall $rss")
    rm -f "$log"
  done
  local median
  median=$(printf '%s\n' "${results[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
  WALL=${median% *}
  RSS=${median#* }
  printf '  %-22s %7.2f s  %5s MiB   (runs: %s)\n' "$name" "$WALL" "$RSS" "$(printf '%s\n' "${results[@]}" | awk '{print $1}' | paste -sd' ')"
}

