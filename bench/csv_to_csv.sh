#!/usr/bin/env bash
# CSV → CSV through Junction with a mapping (three renames, a lower-cased email), on a
# generated contacts file: wall time, records/s and peak memory of a full run, then of a
# re-run with nothing changed.
#   bench/csv_to_csv.sh [ROWS]      (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-1000000}
. bench/prepare.sh
run="$work/csv-to-csv"
rm -rf "$run"
mkdir -p "$run"
cat > "$run/junction.json" <<JSON
{
  "store": "sqlite:state.db",
  "connectors": {
    "source": {"plugin": "csv", "config": {"entities": {"contacts": {"file": "$(realpath "$input")", "stable_for": "0s"}}}},
    "target": {"plugin": "csv", "config": {"dir": "out", "entities": {"contacts": {"file_name": "contacts-{run}.csv"}}}}
  },
  "flows": [{
    "name": "contacts",
    "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
    "to": {"connector": "target", "entity": "contacts"},
    "mapping": {
      "contact_id": {"from": "id"},
      "email": {"from": "email", "transform": ["lower"]},
      "firstname": {"from": "first_name"},
      "lastname": {"from": "last_name"},
      "phone": {"from": "phone"}, "street": {"from": "street"}, "city": {"from": "city"},
      "postcode": {"from": "postcode"}, "country": {"from": "country"},
      "company": {"from": "company"}, "membership_level": {"from": "membership_level"},
      "amount": {"from": "amount"}, "joined_at": {"from": "joined_at"},
      "updated_at": {"from": "updated_at"}, "notes": {"from": "notes"}
    }
  }]
}
JSON

measure() {  # label
  /usr/bin/time -f "%e %M" -o "$run/time" "$build/junction" --log-level warn sync \
    --progress never --config "$run/junction.json" > "$run/summary" || true
  read -r seconds kb < "$run/time"
  awk -v l="$1" -v s="$seconds" -v kb="$kb" -v n="$rows" \
    'BEGIN { printf "%-22s %8.2f s %12.0f records/s %8.1f MB peak\n", l, s, n / s, kb / 1024 }'
  sed -n 2p "$run/summary" | awk '{print "  " $0}'
}
echo "csv → csv, $rows rows ($(du -h "$input" | cut -f1) input)"
measure "full run"
measure "unchanged re-run"
