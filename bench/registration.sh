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
#   SCENARIO=bench/scenarios/hundred-device-rules.toml bench/registration.sh
set -euo pipefail
cd "$(dirname "$0")/.."

devices="${DEVICES:-20000}"
. bench/lib.sh
build_release

"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial REG-{n} \
  --count "$devices" --seed 11 --format json > "$work/devices.json"

serve sqlite --data-dir "$work/data" --processing-delay 0s --throttle off ${SCENARIO:+--scenario "$SCENARIO"}

CLIENTS="${CLIENTS:-1}" python3 bench/registration.py "$base" "$token" "$work/devices.json" "SQLite, one server"
