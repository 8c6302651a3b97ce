#!/usr/bin/env bash
# HTTP benchmark of autopilot-graph beside a static-response baseline, measured the same way in
# one run (see bench/README.md):
#   - import throughput: POST .../importedWindowsAutopilotDeviceIdentities/import with 500
#     devices per request (a 2.1 MB body), reported as requests/s and devices/s;
#   - GET by id: requests/s;
#   - the raw insert floor of the same rows (crates/store/examples/insert_floor.rs), with the
#     schema's indexes and without its secondary ones.
# The baseline (crates/server/examples/static_baseline.rs) answers the same bytes after reading
# the whole request, over the same axum/hyper stack.
#
#   bench/http.sh                 # 10 s per measurement
#   DURATION=30 bench/http.sh     # longer runs
#   SCENARIO=bench/scenarios/hundred-rules.toml bench/http.sh   # with a scenario loaded
#   METRICS=off bench/http.sh     # without metrics (on by default, as in serve)
#
# Installs wrk (Debian package) when missing. Loads go to 127.0.0.1 only and are bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-10}"
import_conns="${IMPORT_CONNECTIONS:-4}"
get_conns="${GET_CONNECTIONS:-16}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk" >&2
  if [ "$(id -u)" = 0 ]; then apt_get="apt-get"; else apt_get="sudo apt-get"; fi
  $apt_get install -y wrk >/dev/null 2>&1 || { $apt_get update >/dev/null && $apt_get install -y wrk >/dev/null; }
fi

echo "== building (release)" >&2
cargo build --release --locked --quiet -p autopilot-graph
cargo build --release --locked --quiet -p autopilot-server --example static_baseline
cargo build --release --locked --quiet -p autopilot-store --example insert_floor
floor=target/release/examples/insert_floor
bin="${BIN:-target/release/autopilot-graph}"  # BIN=...: another build, for an A/B run
baseline=target/release/examples/static_baseline

work="$(mktemp -d)"
# Servers start inside command substitutions (subshells), so their PIDs go to files.
cleanup() {
  for f in "$work"/*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

# 500 synthetic devices with valid hashes, as one import body.
"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial BENCH-{n} --count 500 \
  --seed 7 --format json > "$work/devices.json"
python3 - "$work/devices.json" "$work/import.json" <<'PY'
import json, sys
devices = json.load(open(sys.argv[1]))
body = {"importedWindowsAutopilotDeviceIdentities": [
    {"@odata.type": "#microsoft.graph.importedWindowsAutopilotDeviceIdentity",
     "serialNumber": d["serialNumber"], "groupTag": "Bench", "productKey": "",
     "assignedUserPrincipalName": "", "hardwareIdentifier": d["hardwareIdentifier"]}
    for d in devices]}
json.dump(body, open(sys.argv[2], "w"))
PY

# Start a server, wait for its first stdout line, and print its base URL.
start() {
  local out="$1"; shift
  "$@" > "$out" 2>/dev/null &
  echo "$!" > "$out.pid"
  for _ in $(seq 100); do
    if [ -s "$out" ]; then sed -n 1p "$out" | grep -o 'http://[0-9.:]*'; return; fi
    sleep 0.1
  done
  echo "server did not start: $*" >&2; exit 1
}

cat > "$work/post.lua" <<LUA
local f = assert(io.open("$work/import.json", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
cat > "$work/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA

# wrk's Requests/sec for one run.
measure() {
  local url="$1" script="$2" conns="$3"
  wrk -t1 -c"$conns" -d"${duration}s" --latency -s "$script" "$url" > "$work/wrk.out"
  local non2xx
  non2xx=$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/wrk.out" | grep -o '[0-9]*$' || true)
  if [ -n "$non2xx" ]; then echo "error: $non2xx failed responses from $url" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' "$work/wrk.out"
}

echo "== autopilot-graph (SQLite file, WAL)" >&2
base=$(start "$work/serve.out" "$bin" serve --listen 127.0.0.1:0 --data-dir "$work/data" --log warn \
  --processing-delay "${PROCESSING_DELAY:-1h}" --throttle off ${SCENARIO:+--scenario "$SCENARIO"} ${METRICS:+--metrics "$METRICS"})
TOKEN=$(sed -n 3p "$work/serve.out")
export TOKEN
imports="$base/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities"
curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  --data-binary "@$work/import.json" "$imports/import" > "$work/import-response.json"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["value"][0]["id"])' "$work/import-response.json")
curl -sf -H "Authorization: Bearer $TOKEN" "$imports/$id" > "$work/get-response.json"
graph_import=$(measure "$imports/import" "$work/post.lua" "$import_conns")
graph_get=$(measure "$imports/$id" "$work/get.lua" "$get_conns")
rows=$(curl -sf -H "Authorization: Bearer $TOKEN" "$imports/\$count")

echo "== static baseline" >&2
bbase=$(start "$work/baseline.out" "$baseline" 127.0.0.1:0 "$work/import-response.json" "$work/get-response.json")
base_import=$(measure "$bbase/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/import" "$work/post.lua" "$import_conns")
base_get=$(measure "$bbase/beta/deviceManagement/importedWindowsAutopilotDeviceIdentities/$id" "$work/get.lua" "$get_conns")

echo "== raw insert floor (same rows, schema and indexes; then without the secondary indexes)" >&2
floor_rate=$("$floor" "$work/floor.db" "$duration" | awk '/devices\/s/ {print $2}')
bare_rate=$("$floor" "$work/bare.db" "$duration" --no-indexes | awk '/devices\/s/ {print $2}')

python3 - "$graph_import" "$base_import" "$graph_get" "$base_get" "$rows" "$duration" "$floor_rate" "$bare_rate" <<'PY'
import sys
gi, bi, gg, bg = map(float, sys.argv[1:5])
rows, duration = sys.argv[5], sys.argv[6]
floor, bare = float(sys.argv[7]), float(sys.argv[8])
print(f"HTTP benchmark, {duration} s per run, wrk -t1, 127.0.0.1")
print(f"{'':28}{'autopilot-graph':>18}{'static baseline':>18}{'ratio':>8}")
print(f"{'import, requests/s':28}{gi:>18.1f}{bi:>18.1f}{gi / bi:>8.2f}")
print(f"{'import, devices/s':28}{gi * 500:>18.0f}{bi * 500:>18.0f}{gi / bi:>8.2f}")
print(f"{'GET by id, requests/s':28}{gg:>18.0f}{bg:>18.0f}{gg / bg:>8.2f}")
print(f"(imported records in the database at the end: {rows})")
print()
print(f"{'':28}{'import':>18}{'raw insert':>18}{'ratio':>8}")
print(f"{'devices/s, same indexes':28}{gi * 500:>18.0f}{floor:>18.0f}{gi * 500 / floor:>8.2f}")
print(f"{'devices/s, no secondary idx':28}{'':>18}{bare:>18.0f}")
PY
