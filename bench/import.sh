#!/usr/bin/env bash
# CSV import, wall time from file to every device registered and the import records cleaned
# up: `autopilot-graph import --cleanup` beside the Import-AutopilotCSV way (one POST per
# device, then the whole collection polled every 15 s, then one DELETE per record; replayed as
# HTTP by bench/import_autopilot_csv.py), in one run, each against a fresh release server with
# the same settings (--processing-delay 5s, the default; --throttle off, since the module
# would be throttled far more). Loads go to 127.0.0.1 only.
#
#   bench/import.sh                 # 10,000 rows
#   DEVICES=2000 bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."

devices="${DEVICES:-10000}"
. bench/lib.sh
build_release

"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial CSV-{n} \
  --count "$devices" --seed 5 --format csv > "$work/devices.csv"
"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial CSV-{n} \
  --count "$devices" --seed 5 --format json > "$work/devices.json"

fresh() { # fresh NAME: a server on a new data directory; sets $base and $token
  serve "$1" --data-dir "$work/$1" --processing-delay 5s --throttle off
}

fresh cli
start=$(date +%s.%N)
AUTOPILOT_GRAPH_TOKEN=$token "$bin" import --url "$base" --cleanup --output csv \
  "$work/devices.csv" > "$work/report.csv" 2>/dev/null
end=$(date +%s.%N)
registered=$(grep -c ',registered,' "$work/report.csv")
cli=$(python3 -c "print(f'{$end - $start:.2f}')")
echo "autopilot-graph import: $devices rows, $registered registered and cleaned up in $cli s"

stop cli
fresh replay
python3 bench/import_autopilot_csv.py "$base" "$token" "$work/devices.json" | tee "$work/replay.txt"
replay=$(grep 'cleaned up after' "$work/replay.txt" | awk '{print $4}')
python3 -c "print(f'ratio: Import-AutopilotCSV / autopilot-graph import = {$replay / $cli:.1f}x')"
