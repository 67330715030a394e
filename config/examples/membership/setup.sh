#!/usr/bin/env bash
# Creates the example's membership database (members.db) beside this script.
set -euo pipefail
cd "$(dirname "$0")"
sqlite3 members.db "CREATE TABLE IF NOT EXISTS members (
  email TEXT PRIMARY KEY, member_id TEXT, first_name TEXT, last_name TEXT, city TEXT,
  mailing TEXT)"
echo "created $(pwd)/members.db"
