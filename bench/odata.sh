#!/usr/bin/env bash
# Query latency at scale: 1,000,000 registered devices in SQLite (filled straight through SQL by
# crates/store/examples/fill.rs), queried over HTTP on a release server. Reports median and p99
# of each query, the same substring search without the trigram index (a full scan) for the
# ratio, the server's peak RSS and the database size. Loads go to 127.0.0.1 only.
#
#   bench/odata.sh                  # 1,000,000 devices
#   DEVICES=200000 bench/odata.sh
set -euo pipefail
cd "$(dirname "$0")/.."

devices="${DEVICES:-1000000}"
. bench/lib.sh
build_release
cargo build --release --locked --quiet -p autopilot-store --example fill

mkdir -p "$work/data"
tid=$("$bin" token --tenant bench --data-dir "$work/data" 2>&1 >/dev/null | grep -o '[0-9a-f-]\{36\}')
echo "== filling $devices devices" >&2
target/release/examples/fill "sqlite://$work/data/autopilot-graph.db" "$tid" "$devices" >&2

serve sqlite --data-dir "$work/data" --processing-delay 1h --throttle off --dev-tenant bench

python3 bench/odata.py "$base" "$token" "$devices"
echo "server peak RSS: $(peak_rss sqlite)"
echo "database size:   $(du -sm "$work/data" | cut -f1) MiB (SQLite file with WAL)"
