#!/usr/bin/env bash
# CSV import: `autopilot-graph import` beside the Import-AutopilotCSV way (one POST per device,
# then the whole collection polled every 15 s, then one DELETE per record; replayed as HTTP by
# bench/import_autopilot_csv.py), in one run, each against a fresh release server with the same
# settings. Loads go to 127.0.0.1 only.
#
#   bench/import.sh                 # 10,000 rows, this server's defaults (5 s delay), no
#                                   # throttling; wall time until registered and cleaned up
#   TIMING=intune bench/import.sh   # Intune's timing (examples/scenarios/intune-timing.toml:
#                                   # 60-100 s) and throttling (--throttle intune); wall time
#                                   # until every device is decided (about 40 minutes)
#   DEVICES=2000 bench/import.sh
#
# Under Intune's throttling the cleanup is left out of both: every DELETE is a write, and at
# 100 writes per 20 s for an application it takes N/5 seconds for N records either way.
set -euo pipefail
cd "$(dirname "$0")/.."

devices="${DEVICES:-10000}"
timing="${TIMING:-default}"
. bench/lib.sh
build_release

"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial CSV-{n} \
  --count "$devices" --seed 5 --format csv > "$work/devices.csv"
"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial CSV-{n} \
  --count "$devices" --seed 5 --format json > "$work/devices.json"

case "$timing" in
  default) settings=(--processing-delay 5s --throttle off); cleanup=(--cleanup); until="registered and cleaned up" ;;
  intune) settings=(--throttle intune --scenario examples/scenarios/intune-timing.toml); cleanup=(); until="decided" ;;
  *) echo "TIMING is default or intune" >&2; exit 2 ;;
esac
fresh() { # fresh NAME: a server on a new data directory; sets $base and $token
  serve "$1" --data-dir "$work/$1" "${settings[@]}"
}
echo "timing: $timing (${settings[*]})"

fresh cli
start=$(date +%s.%N)
AUTOPILOT_GRAPH_TOKEN=$token "$bin" import --url "$base" ${cleanup[@]+"${cleanup[@]}"} --output csv \
  "$work/devices.csv" > "$work/report.csv" 2>/dev/null
end=$(date +%s.%N)
registered=$(grep -c ',registered,' "$work/report.csv")
cli=$(python3 -c "print(f'{$end - $start:.2f}')")
echo "autopilot-graph import: $devices rows, $registered registered, $until in $cli s"

stop cli
fresh replay
if [ "$timing" = intune ]; then export NO_CLEANUP=1; fi
python3 bench/import_autopilot_csv.py "$base" "$token" "$work/devices.json" | tee "$work/replay.txt"
if [ "$timing" = intune ]; then
  replay=$(grep 'all decided after' "$work/replay.txt" | awk '{print $4}')
else
  replay=$(grep 'cleaned up after' "$work/replay.txt" | awk '{print $4}')
fi
python3 -c "print(f'ratio: Import-AutopilotCSV / autopilot-graph import = {$replay / $cli:.1f}x')"
