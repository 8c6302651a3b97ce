#!/usr/bin/env bash
# Fairness between tenants: one tenant imports 10 devices while another has BACKLOG (default
# 200,000) records due. The backlog is written before the server starts (through the store's own
# import, crates/store/examples/fill_waiting.rs), all due at once; the server starts working it
# off, and a second after its start the small tenant imports 10 devices with the processing
# delay DELAY (default 5 s). Reports how long after its delay the small tenant's 10 were all
# decided, how much of the backlog was still waiting then, and how fast the backlog drained.
# Loads go to 127.0.0.1 only.
#
#   bench/fairness.sh
#   BACKLOG=50000 DELAY=2 bench/fairness.sh
set -euo pipefail
cd "$(dirname "$0")/.."

backlog="${BACKLOG:-200000}"
delay="${DELAY:-5}"
. bench/lib.sh
build_release
cargo build --release --locked --quiet -p autopilot-store --example fill_waiting

mkdir -p "$work/data"
backlog_token=$("$bin" token --tenant backlog --data-dir "$work/data" 2>"$work/token.err")
tid=$(grep -o '[0-9a-f-]\{36\}' "$work/token.err" | head -1)
echo "== filling $backlog waiting records" >&2
target/release/examples/fill_waiting "sqlite://$work/data/autopilot-graph.db" "$tid" "$backlog" >&2
"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial SMALL-{n} \
  --count 10 --seed 5 --format json > "$work/small.json"

serve sqlite --data-dir "$work/data" --processing-delay "${delay}s" --throttle off --dev-tenant small
python3 bench/fairness.py "$base" "$token" "$backlog_token" "$work/small.json" "$delay" "$backlog"
