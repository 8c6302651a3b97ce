#!/usr/bin/env bash
# End-to-end registration benchmark: devices per second from import to `complete`.
#
# Imports DEVICES (default 20,000) distinct synthetic devices in 500-device `import` calls to a
# release build on an SQLite file (WAL) with --processing-delay 0s, and measures until every
# one is registered (windowsAutopilotDeviceIdentities/$count reaches DEVICES and no import
# record is left `unknown`). Loads go to 127.0.0.1 only.
#
#   bench/registration.sh
#   DEVICES=50000 bench/registration.sh
set -euo pipefail
cd "$(dirname "$0")/.."

devices="${DEVICES:-20000}"
echo "== building (release)" >&2
cargo build --release --locked --quiet -p autopilot-graph
bin=target/release/autopilot-graph

work="$(mktemp -d)"
cleanup() {
  [ -f "$work/serve.pid" ] && kill "$(cat "$work/serve.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial REG-{n} \
  --count "$devices" --seed 11 --format json > "$work/devices.json"

"$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" --processing-delay 0s --throttle off --log warn \
  > "$work/serve.out" 2>"$work/serve.err" &
echo "$!" > "$work/serve.pid"
for _ in $(seq 100); do [ -s "$work/serve.out" ] && break; sleep 0.1; done
base=$(sed -n 1p "$work/serve.out" | grep -o 'http://[0-9.:]*')
token=$(sed -n 3p "$work/serve.out")

CLIENTS="${CLIENTS:-1}" python3 bench/registration.py "$base" "$token" "$work/devices.json" "SQLite, one server"
