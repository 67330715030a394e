#!/usr/bin/env bash
# CSV → PostgreSQL by upsert through Junction (the sql connector), on a throwaway cluster
# this script starts on 127.0.0.1 and stops; with psql \copy into the same table shape as a
# reference. Prints wall time, records/s and peak memory of each.
#   bench/csv_to_postgres.sh [ROWS]      (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
. bench/prepare.sh
pg_dir=$(mktemp -d /tmp/junction-bench-pg.XXXXXX)
trap 'scripts/pg-test-cluster stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
url=$(scripts/pg-test-cluster start "$pg_dir")
table_sql="DROP TABLE IF EXISTS contacts; CREATE TABLE contacts (contact_id bigint PRIMARY KEY,
  email text, firstname text, lastname text, phone text, street text, city text, postcode text,
  country text, company text, membership_level text, amount numeric(12,2), joined_at date,
  updated_at timestamptz, notes text)"

run="$work/csv-to-postgres"
rm -rf "$run"
mkdir -p "$run"
cat > "$run/junction.json" <<JSON
{
  "store": "sqlite:state.db",
  "connectors": {
    "source": {"plugin": "csv", "config": {"entities": {"contacts": {"file": "$(realpath "$input")", "stable_for": "0s"}}}},
    "pg": {"plugin": "sql", "config": {"url": "\${env:BENCH_PG_URL}", "entities": {"contacts": {}}}}
  },
  "flows": [{
    "name": "contacts",
    "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
    "to": {"connector": "pg", "entity": "contacts"},
    "mapping": {
      "contact_id": {"from": "id", "type": "integer"},
      "email": {"from": "email", "transform": ["lower"]},
      "firstname": {"from": "first_name"}, "lastname": {"from": "last_name"},
      "phone": {"from": "phone"}, "street": {"from": "street"}, "city": {"from": "city"},
      "postcode": {"from": "postcode"}, "country": {"from": "country"}, "company": {"from": "company"},
      "membership_level": {"from": "membership_level"}, "amount": {"from": "amount", "type": "decimal"},
      "joined_at": {"from": "joined_at", "type": "date"},
      "updated_at": {"from": "updated_at", "type": "timestamp"}, "notes": {"from": "notes"}
    }
  }]
}
JSON
report() {  # label
  read -r seconds kb < "$run/time"
  awk -v l="$1" -v s="$seconds" -v kb="$kb" -v n="$rows" \
    'BEGIN { printf "%-26s %8.2f s %12.0f records/s %8.1f MB peak\n", l, s, n / s, kb / 1024 }'
}
echo "csv → postgresql, $rows rows"
psql "$url" -q -c "$table_sql" 2>/dev/null
BENCH_PG_URL="$url" /usr/bin/time -f "%e %M" -o "$run/time" "$build/junction" --log-level warn \
  sync --progress never --config "$run/junction.json" > "$run/summary"
report "junction upsert"
sed -n 2p "$run/summary" | awk '{print "  " $0}'
psql "$url" -q -c "$table_sql" 2>/dev/null
/usr/bin/time -f "%e %M" -o "$run/time" psql "$url" -q -c \
  "\\copy contacts FROM '$(realpath "$input")' WITH (FORMAT csv, HEADER true)"
report "psql \\copy (reference)"
