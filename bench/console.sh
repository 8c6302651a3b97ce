#!/usr/bin/env bash
# The admin console's device list at scale: 1,000,000 registered devices in SQLite (filled
# straight through SQL by crates/store/examples/fill.rs), the page rendered by a release server
# and fetched with curl on 127.0.0.1, signed in as the admin. Reports median and p99 of the
# time to the last byte for: the first page (import order), a serial search, a group tag
# search, sorts, the next page.
#
#   bench/console.sh                  # 1,000,000 devices, 50 requests each
#   DEVICES=200000 RUNS=20 bench/console.sh
set -euo pipefail
cd "$(dirname "$0")/.."

devices="${DEVICES:-1000000}"
runs="${RUNS:-50}"
. bench/lib.sh
build_release
cargo build --release --locked --quiet -p autopilot-store --example fill

mkdir -p "$work/data"
tid=$("$bin" token --tenant bench --data-dir "$work/data" 2>&1 >/dev/null | grep -o '[0-9a-f-]\{36\}')
echo "== filling $devices devices" >&2
target/release/examples/fill "sqlite://$work/data/autopilot-graph.db" "$tid" "$devices" >&2

export AUTOPILOT_GRAPH_CONSOLE_PASSWORD=bench-console
serve sqlite --data-dir "$work/data" --processing-delay 1h --throttle off --dev-tenant bench

jar="$work/cookies"
curl -sf -o /dev/null -c "$jar" -H "Origin: $base" --data-urlencode "password=bench-console" \
  "$base/console/sign-in"
list="$base/console/t/$tid/devices"
next=$(curl -sf -b "$jar" "$list" | grep -o 'href="/console/t/[^"]*page=[^"]*"' | head -1 \
  | sed 's/^href="//; s/"$//; s/&amp;/\&/g')

measure() { # measure LABEL URL: median and p99 over $runs fetches
  local label=$1 url=$2
  for _ in $(seq "$runs"); do
    curl -sf -o /dev/null -b "$jar" -w '%{time_total}\n' "$url"
  done | sort -n | awk -v label="$label" '
    { t[NR] = $1 * 1000 }
    END { printf "%-28s median %6.1f ms   p99 %6.1f ms\n", label, t[int((NR + 1) / 2)], t[int(NR * 0.99 + 0.999)] }'
}

echo "Console device list, $devices devices, $runs fetches each, curl on 127.0.0.1"
measure "first page" "$list"
measure "serial search (contains)" "$list?q=0004242"
measure "group tag starts with" "$list?tag=Lab"
measure "model starts with (every device matches)" "$list?model=Laptop"
measure "model starts with (none matches: a scan)" "$list?model=Surface"
measure "sorted by serial number" "$list?sort=serialNumber"
measure "sorted by model, desc" "$list?sort=model&desc=1"
measure "next page" "$base$next"
echo "server peak RSS: $(peak_rss sqlite)"
