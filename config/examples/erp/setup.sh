#!/usr/bin/env bash
# Creates the example's two SQLite databases (erp.db, crm.db) beside this script.
set -euo pipefail
cd "$(dirname "$0")"
sqlite3 erp.db < erp-schema.sql
sqlite3 erp.db < sample-data.sql
sqlite3 crm.db < crm-schema.sql
sqlite3 crm.db < crm-sample-data.sql
echo "created $(pwd)/erp.db and $(pwd)/crm.db"
