#!/usr/bin/env bash
# Registration throughput alone: BACKLOG (default 100,000) records due at once, written before
# the servers start (through the store's own import, crates/store/examples/fill_waiting.rs),
# and the time from starting the servers until every one is registered: one server on an
# SQLite file, one server on PostgreSQL, two servers on one PostgreSQL database. Unlike
# bench/postgres.sh (import to `complete`, where both runs share the same import phase through
# HTTP), this measures only what the instances share: the registration work. PostgreSQL is a
# throwaway cluster (scripts/throwaway-postgres: fsync off, as for tests). Loads go to
# 127.0.0.1 only.
#
#   bench/backlog.sh
#   BACKLOG=50000 bench/backlog.sh
set -euo pipefail
cd "$(dirname "$0")/.."

backlog="${BACKLOG:-100000}"
. bench/lib.sh
build_release
cargo build --release --locked --quiet -p autopilot-store --example fill_waiting
fill=target/release/examples/fill_waiting
pg_dir=
more_cleanup() {
  if [ -n "$pg_dir" ]; then scripts/throwaway-postgres stop "$pg_dir"; fi
}
eval "$(scripts/throwaway-postgres start)"
pg_dir=$PGTEST_DIR

mkdir -p "$work/data"
backlog_token=$("$bin" token --tenant backlog --data-dir "$work/data" 2>"$work/token.err")
tid=$(grep -o '[0-9a-f-]\{36\}' "$work/token.err" | head -1)

# drain NAME LABEL URL SERVERS: fills the backlog into URL, starts SERVERS servers on it, and
# prints the time until all are registered.
drain() {
  local name=$1 label=$2 url=$3 servers=$4
  echo "== $label: filling $backlog due records" >&2
  "$fill" "$url" "$tid" "$backlog" >&2
  local start
  start=$(date +%s.%N)
  for i in $(seq "$servers"); do
    serve "$name-$i" --data-dir "$work/data" --database-url "$url" --processing-delay 0s \
      --throttle off
  done
  local count=0 deadline=$((SECONDS + 600))
  while [ "$count" -lt "$backlog" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "$label: not drained within 600 s" >&2; exit 1; }
    sleep 0.2
    count=$(curl -sf -H "Authorization: Bearer $backlog_token" \
      "$base/beta/deviceManagement/windowsAutopilotDeviceIdentities/\$count")
  done
  python3 - "$label" "$backlog" "$start" "$(date +%s.%N)" <<'PY'
import sys
label, n, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"{label:<34} {n} registered in {end - start:6.2f} s  ({n / (end - start):8.0f} devices/s)")
PY
  for i in $(seq "$servers"); do stop "$name-$i"; done
}

database() { # a fresh database on the cluster; prints its URL
  psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $1" >/dev/null
  echo "${TEST_DATABASE_URL%/*}/$1"
}

echo "registration of a backlog of $backlog due records, from the servers' start"
drain sqlite "SQLite, one server" "sqlite://$work/backlog.db" 1 | tee "$work/sqlite.txt"
drain pg1 "PostgreSQL, one server" "$(database backlog_one)" 1 | tee "$work/one.txt"
drain pg2 "PostgreSQL, two servers" "$(database backlog_two)" 2 | tee "$work/two.txt"
python3 - "$work/one.txt" "$work/two.txt" <<'PY'
import re, sys
rate = lambda f: float(re.search(r"\(\s*(\d+) devices/s\)", open(f).read()).group(1))
one, two = rate(sys.argv[1]), rate(sys.argv[2])
print(f"two PostgreSQL servers vs one: {two / one:.2f}x")
PY
