#!/usr/bin/env bash
# Dynamic group membership benchmark: how long Entra-style rule evaluation takes over a tenant
# of DEVICES registered devices (default 100,000), from the change to the last member written.
#
# Registers the devices (a third tagged Lab, the rest Office) on a release build with an SQLite file,
# --membership-delay 0s, then times over HTTP: a new dynamic group on `[OrderID]:Lab` filling
# (DEVICES/3 members), a second one on `-startsWith "[ZTDId]"` (every device), a changed rule
# moving the first group's members, and one device's group tag change re-evaluating every
# dynamic group of the tenant. Loads go to 127.0.0.1 only.
#
#   bench/membership.sh
#   DEVICES=20000 bench/membership.sh
set -euo pipefail
cd "$(dirname "$0")/.."

devices="${DEVICES:-100000}"
. bench/lib.sh
build_release

"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial MEM-{n} \
  --count "$devices" --seed 17 --format json > "$work/devices.json"

serve sqlite --data-dir "$work/data" --processing-delay 0s --throttle off --membership-delay 0s

TAGS=Lab,Office,Office python3 bench/registration.py "$base" "$token" "$work/devices.json" "SQLite, one server"
python3 bench/membership.py "$base" "$token" "$devices"
echo "  server peak RSS $(peak_rss sqlite)"
