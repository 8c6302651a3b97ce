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
echo "== building (release)" >&2
cargo build --release --locked --quiet -p autopilot-graph
cargo build --release --locked --quiet -p autopilot-store --example fill
bin=target/release/autopilot-graph

work="$(mktemp -d)"
cleanup() {
  [ -f "$work/serve.pid" ] && kill "$(cat "$work/serve.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/data"
tid=$("$bin" token --tenant bench --data-dir "$work/data" 2>&1 >/dev/null | grep -o '[0-9a-f-]\{36\}')
echo "== filling $devices devices" >&2
target/release/examples/fill "sqlite://$work/data/autopilot-graph.db" "$tid" "$devices" >&2

"$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" --processing-delay 1h --throttle off --dev-tenant bench \
  --log warn > "$work/serve.out" 2>"$work/serve.err" &
echo "$!" > "$work/serve.pid"
for _ in $(seq 100); do [ -s "$work/serve.out" ] && break; sleep 0.1; done
base=$(sed -n 1p "$work/serve.out" | grep -o 'http://[0-9.:]*')
token=$(sed -n 3p "$work/serve.out")

python3 bench/odata.py "$base" "$token" "$devices"
echo "server peak RSS: $(grep VmHWM /proc/"$(cat "$work/serve.pid")"/status | awk '{print $2/1024 " MiB"}')"
echo "database size:   $(du -sm "$work/data" | cut -f1) MiB (SQLite file with WAL)"
