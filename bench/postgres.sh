#!/usr/bin/env bash
# PostgreSQL beside SQLite, in one run, on a throwaway PostgreSQL cluster (scripts/
# throwaway-postgres; fsync off, as a test cluster):
#
#   1. Registration throughput, import to `complete`, DEVICES (default 20,000) devices: one
#      server on SQLite, one server on PostgreSQL, two servers on one PostgreSQL database
#      (imports spread over both, registration work shared through claims).
#   2. Query latency at scale: QUERY_DEVICES (default 1,000,000) registered devices filled
#      straight into PostgreSQL with generate_series, queried over HTTP (bench/odata.py):
#      contains (pg_trgm), eq, startswith, paging and $count, median and p99.
#
# Loads go to 127.0.0.1 only.
#
#   bench/postgres.sh
#   DEVICES=50000 QUERY_DEVICES=200000 bench/postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."

devices="${DEVICES:-20000}"
query_devices="${QUERY_DEVICES:-1000000}"
. bench/lib.sh
build_release
pg_dir=
more_cleanup() {
  if [ -n "$pg_dir" ]; then scripts/throwaway-postgres stop "$pg_dir"; fi
}

eval "$(scripts/throwaway-postgres start)"
pg_dir=$PGTEST_DIR
server_url=$TEST_DATABASE_URL
database() { # a fresh database on the cluster; prints its URL
  psql -q "$server_url" -c "CREATE DATABASE $1" >/dev/null
  echo "${server_url%/*}/$1"
}

# pg_serve NAME ARGS...: a server with the settings every run here shares.
pg_serve() {
  local name=$1
  shift
  serve "$name" --data-dir "$work/data" --throttle off "$@"
}

"$bin" hash generate --manufacturer Contoso --model "Laptop 7" --serial REG-{n} \
  --count "$devices" --seed 11 --format json > "$work/devices.json"

echo "== registration: SQLite, one server" >&2
pg_serve sqlite --database-url "sqlite://$work/sqlite.db" --processing-delay 0s
python3 bench/registration.py "$base" "$token" "$work/devices.json" "SQLite, one server"
stop sqlite

echo "== registration: PostgreSQL, one server" >&2
pg_serve pg1 --database-url "$(database reg_one)" --processing-delay 0s
python3 bench/registration.py "$base" "$token" "$work/devices.json" "PostgreSQL, one server"
stop pg1

echo "== registration: PostgreSQL, two servers" >&2
url=$(database reg_two)
pg_serve pg2a --database-url "$url" --processing-delay 0s
first=$base
pg_serve pg2b --database-url "$url" --processing-delay 0s
python3 bench/registration.py "$first,$base" "$token" "$work/devices.json" "PostgreSQL, two servers"
stop pg2a
stop pg2b

echo "== queries: filling $query_devices devices into PostgreSQL" >&2
url=$(database query)
"$bin" migrate --database-url "$url" >/dev/null
tid=$("$bin" token --tenant bench --data-dir "$work/data" 2>&1 >/dev/null | grep -o '[0-9a-f-]\{36\}')
fill_start=$(date +%s)
psql -q "$url" <<SQL
INSERT INTO autopilot_devices (tenant, id, hardware_key, import_id, serial_number, manufacturer,
    model, sku_number, system_family, product_key, group_tag, azure_ad_device_id,
    managed_device_id, enrollment_state, created_at)
SELECT '$tid', gen_random_uuid()::text, 'serial:5:BENCH:' || s, 'bench', s, 'Contoso',
    'Laptop 7', '', '', '', (ARRAY['North', 'South', 'East', 'West'])[1 + n % 4],
    gen_random_uuid()::text, '00000000-0000-0000-0000-000000000000', 4, 0
FROM (SELECT n, 'BENCH-' || lpad(n::text, 10, '0') || '-'
             || upper(lpad(to_hex(hashint4(n) & 2147483647), 8, '0')) AS s
      FROM generate_series(0, $query_devices - 1) AS n) AS x;
VACUUM ANALYZE autopilot_devices;
SQL
echo "filled $query_devices devices in $(( $(date +%s) - fill_start )) s" >&2
pg_serve query --database-url "$url" --processing-delay 1h --dev-tenant bench
python3 bench/odata.py "$base" "$token" "$query_devices" PostgreSQL
echo "server peak RSS: $(peak_rss query)"
echo "database size:   $(psql -tA "$url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"
