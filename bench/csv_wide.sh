#!/usr/bin/env bash
# CSV → CSV through Junction, one header and one row of N columns: the seconds a run takes
# for growing N. Linear work shows as times growing with N, not with N².
#   bench/csv_wide.sh [N...]      (default 25000 50000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=1000
. bench/prepare.sh
run="$work/csv-wide"
for columns in ${@:-25000 50000 100000}; do
  rm -rf "$run"
  mkdir -p "$run/in"
  python3 - "$columns" "$run/in/wide.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write(",".join("c%d" % i for i in range(n)) + "\n")
    f.write(",".join(str(i) for i in range(n)) + "\n")
PY
  cat > "$run/junction.json" <<JSON
{
  "store": "sqlite:state.db",
  "connectors": {
    "in": {"plugin": "csv", "config": {"dir": "in", "entities": {"wide": {"file": "wide.csv", "stable_for": "0s"}}}},
    "out": {"plugin": "csv", "config": {"dir": "out", "entities": {"wide": {"file_name": "wide-{run}.csv"}}}}
  },
  "flows": [{"name": "wide", "from": {"connector": "in", "entity": "wide", "key": ["c0"]},
             "to": {"connector": "out", "entity": "wide"}}]
}
JSON
  seconds=$( { /usr/bin/time -f "%e" "$build/junction" --log-level warn sync --progress never \
    --config "$run/junction.json" >/dev/null; } 2>&1 | tail -n 1)
  echo "$columns columns: $seconds s"
done
