#!/usr/bin/env python3
"""Runs every benchmark pair alternately and writes the medians to bench/results/latest.md.

usage: bench/run.py [--rows N] [--runs K]     (defaults: 1,000,000 rows, 5 runs)

Pairs: CSV -> SQLite (Junction upsert with a mapping vs sqlite3 .import into a typed table),
CSV -> PostgreSQL (Junction upsert vs psql \\copy vs pgloader, on a throwaway cluster),
CSV -> CSV (Junction vs miller: three renames and a lower-cased email), and re-runs of the
SQLite flow with nothing changed and with 1% of rows changed vs its full run.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import time
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "build-release"
JUNCTION = BUILD / "junction"
WORK = ROOT / "bench" / "work"

COLUMNS = ["id", "email", "first_name", "last_name", "phone", "street", "city", "postcode",
           "country", "company", "membership_level", "amount", "joined_at", "updated_at", "notes"]
TABLE = """CREATE TABLE contacts (contact_id BIGINT PRIMARY KEY, email TEXT, firstname TEXT,
  lastname TEXT, phone TEXT, street TEXT, city TEXT, postcode TEXT, country TEXT, company TEXT,
  membership_level TEXT, amount NUMERIC(12,2), joined_at DATE, updated_at {ts}, notes TEXT)"""
IMPORT_TABLE = """CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT,
  last_name TEXT, phone TEXT, street TEXT, city TEXT, postcode TEXT, country TEXT, company TEXT,
  membership_level TEXT, amount NUMERIC, joined_at DATE, updated_at TEXT, notes TEXT)"""


def mapping(email_lower=True, typed=True):
    m = {"contact_id": {"from": "id", **({"type": "integer"} if typed else {})},
         "email": {"from": "email", **({"transform": ["lower"]} if email_lower else {})},
         "firstname": {"from": "first_name"}, "lastname": {"from": "last_name"}}
    for c in COLUMNS[4:]:
        m[c] = {"from": c}
    if typed:
        m["amount"]["type"] = "decimal"
        m["joined_at"]["type"] = "date"
        m["updated_at"]["type"] = "timestamp"
    return m


def machine_cpu_seconds():
    """CPU time the whole machine has spent busy so far (user, nice, system, irq, softirq):
    what a server a command talks to spends counts too."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()
    busy = sum(int(fields[i]) for i in (1, 2, 3, 6, 7))
    return busy / os.sysconf("SC_CLK_TCK")


def timed(cmd, env=None, cwd=None, optional=False):
    """Runs cmd under /usr/bin/time; returns (seconds, peak MB, MB written to storage by the
    process: the file system outputs it caused, 512-byte blocks; CPU seconds of the process
    and its children; CPU seconds of the whole machine meanwhile). An optional reference
    tool that fails (pgloader crashes now and then) is reported and left out: None."""
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    # Start each measurement with the page cache's dirty pages written back, so that one
    # tool does not pay for the writes of the one before it.
    subprocess.run(["sync"], check=True)
    full = ["/usr/bin/time", "-f", "%e %M %O %U %S", "-o", out.name] + cmd
    machine_before = machine_cpu_seconds()
    result = subprocess.run(full, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    machine = machine_cpu_seconds() - machine_before
    if result.returncode not in (0, 3):
        if optional:
            print("left out, it failed: %s\n%s" % (cmd[0], result.stderr[-500:]), file=sys.stderr)
            os.unlink(out.name)
            return None
        sys.exit("failed: %s\n%s" % (" ".join(cmd), result.stderr[-2000:]))
    seconds, kb, blocks, user, system = open(out.name).read().split()[-5:]
    os.unlink(out.name)
    return (float(seconds), int(kb) / 1024.0, int(blocks) * 512 / 1e6,
            float(user) + float(system), machine)


def bytes_written_per_file(cmd, cwd, names):
    """Runs cmd under strace (untimed) and returns the bytes it wrote to each file whose
    name starts with one of `names` (a database with its WAL or journal), by name."""
    trace = tempfile.NamedTemporaryFile(delete=False)
    trace.close()
    subprocess.run(["strace", "-f", "-qq", "-y", "-e", "trace=write,pwrite64,writev,pwritev",
                    "-e", "signal=none", "-o", trace.name] + cmd, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    totals = dict.fromkeys(names, 0)
    pattern = re.compile(r"^\d+\s+\w+\(\d+<([^>]*)>.*= (\d+)$")
    for line in open(trace.name, errors="replace"):
        m = pattern.match(line)
        if not m:
            continue
        base = os.path.basename(m.group(1))
        for name in names:
            if base.startswith(name):
                totals[name] += int(m.group(2))
    os.unlink(trace.name)
    return totals


def build_release_and_data(rows):
    """Builds the release tree (emulators included, tests left out) and makes the reference
    contacts file of `rows` rows when it is missing; returns its path."""
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(BUILD), "-G", "Ninja",
                    "-DCMAKE_BUILD_TYPE=Release", "-DJUNCTION_BUILD_TESTS=OFF"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", str(BUILD)], check=True, stdout=subprocess.DEVNULL)
    data = WORK / "data" / ("contacts-%d.csv" % rows)
    if not data.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "bench/tools/make_contacts.py"), str(rows),
                        str(data)], check=True)
    return data


def start_emulator(cmd, port_file):
    """Starts an API emulator of tests/fixtures; returns the process and its port."""
    process = subprocess.Popen(cmd + ["--port-file", str(port_file)], stdout=subprocess.DEVNULL)
    for _ in range(200):
        if port_file.exists():
            return process, int(port_file.read_text())
        time.sleep(0.05)
    process.kill()
    sys.exit("the emulator did not start: %s" % cmd[0])


def write_config(path, store, connectors, flow):
    path.write_text(json.dumps({"store": store, "connectors": connectors, "flows": [flow]}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run([str(ROOT / "bench" / "install-tools")], check=True)
    data = build_release_and_data(args.rows)
    changed = WORK / "data" / ("contacts-%d-1pct.csv" % args.rows)
    if not changed.exists():
        # Every hundredth record gets another amount: 1% changed, same keys.
        subprocess.run([sys.executable, "-c", """
import csv, sys
r = csv.reader(open(sys.argv[1], encoding='utf-8', newline=''))
w = csv.writer(open(sys.argv[2], 'w', encoding='utf-8', newline=''), lineterminator='\\n')
for i, row in enumerate(r):
    if i > 0 and i % 100 == 0: row[11] = '%.2f' % (float(row[11]) + 1)
    w.writerow(row)
""", str(data), str(changed)], check=True)

    run_dir = WORK / "runs"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    pg_dir = tempfile.mkdtemp(prefix="junction-bench-pg.")
    url = subprocess.run([str(ROOT / "scripts/pg-test-cluster"), "start", pg_dir], check=True,
                         capture_output=True, text=True).stdout.strip()
    env = dict(os.environ, BENCH_PG_URL=url)
    results = {}

    def record(name, value):
        if value is not None:
            results.setdefault(name, []).append(value)

    def psql(sql):
        subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    try:
        csv_source = {"plugin": "csv", "config": {"entities": {
            "contacts": {"file": str(data), "stable_for": "0s"},
            "changed": {"file": str(changed), "stable_for": "0s"}}}}
        for run in range(args.runs):
            # 1. CSV -> SQLite
            d = run_dir / ("sqlite-%d" % run)
            d.mkdir()
            subprocess.run(["sqlite3", str(d / "target.db"), TABLE.format(ts="TEXT")], check=True)
            flow = {"name": "load", 
                    "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
                    "to": {"connector": "db", "entity": "contacts"}, "mapping": mapping()}
            write_config(d / "junction.json", "sqlite:state.db",
                         {"source": csv_source, "db": {"plugin": "sql", "config": {
                             "url": "sqlite:target.db", "entities": {"contacts": {}}}}}, flow)
            cmd = [str(JUNCTION), "--log-level", "warn", "sync", "--progress", "never", "--config",
                   str(d / "junction.json")]
            record("sqlite.junction", timed(cmd))
            # The state a first load leaves, per record: tables and indexes of the store.
            record("sqlite.state_bytes", ((d / "state.db").stat().st_size / args.rows, 0))
            # Of which: what the store keeps per member and per audit entry (dbstat).
            for part, like in (("member", "member_state%"), ("audit", "audit_entry")):
                size = subprocess.run(["sqlite3", str(d / "state.db"),
                                       "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE '%s'" % like],
                                      check=True, capture_output=True, text=True).stdout.strip()
                record("sqlite.%s_bytes" % part, (int(size or 0) / args.rows, 0))
            # 4. re-runs on the same state: nothing changed, then 1% changed
            record("rerun.unchanged", timed(cmd))
            flow["from"]["entity"] = "changed"
            flow["name"] = "load"
            write_config(d / "junction.json", "sqlite:state.db",
                         {"source": csv_source, "db": {"plugin": "sql", "config": {
                             "url": "sqlite:target.db", "entities": {"contacts": {}}}}}, flow)
            # the same flow name keeps its hashes; the other file is a new snapshot source
            before = d / "before-1pct"
            before.mkdir()
            for f in ("state.db", "target.db"):
                shutil.copy(d / f, before / f)
            record("rerun.1pct", timed(cmd))
            # The same re-run again from copies, traced: what it wrote to the state store
            # and what to the target, each with its WAL or journal.
            for f in ("state.db", "target.db"):
                for leftover in (d / (f + "-wal"), d / (f + "-shm"), d / (f + "-journal")):
                    leftover.unlink(missing_ok=True)
                shutil.copy(before / f, d / f)
            split = bytes_written_per_file(cmd, d, ["state.db", "target.db"])
            record("rerun.1pct.state_written", (split["state.db"] / 1e6, 0))
            record("rerun.1pct.target_written", (split["target.db"] / 1e6, 0))
            shutil.rmtree(before)
            subprocess.run(["sqlite3", str(d / "import.db"), IMPORT_TABLE], check=True)
            record("sqlite.import", timed(["sqlite3", str(d / "import.db"), "-cmd",
                                           ".import --csv --skip 1 %s contacts" % data, ".quit"]))
            # 2. CSV -> PostgreSQL
            psql("DROP TABLE IF EXISTS contacts; " + TABLE.format(ts="TIMESTAMPTZ"))
            write_config(d / "pg.json", "sqlite:pgstate.db",
                         {"source": csv_source, "pg": {"plugin": "sql", "config": {
                             "url": "${env:BENCH_PG_URL}", "entities": {"contacts": {}}}}},
                         {"name": "load", 
                          "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
                          "to": {"connector": "pg", "entity": "contacts"}, "mapping": mapping()})
            pg_cmd = [str(JUNCTION), "--log-level", "warn", "sync", "--progress", "never",
                      "--config", str(d / "pg.json")]
            record("pg.junction", timed(pg_cmd, env=env))
            # The same load again with no state: every row is already in the table, so
            # the sink upserts through its staging table instead of COPYing straight in.
            for f in d.glob("pgstate.db*"):  # the store, its WAL and its run-lock folder
                shutil.rmtree(f) if f.is_dir() else f.unlink()
            record("pg.reload", timed(pg_cmd, env=env))
            psql("DROP TABLE IF EXISTS contacts; " + TABLE.format(ts="TIMESTAMPTZ").replace(
                "contact_id BIGINT", "id BIGINT").replace("firstname", "first_name").replace(
                "lastname", "last_name"))
            record("pg.copy", timed(["psql", url, "-q", "-c",
                                     "\\copy contacts FROM '%s' WITH (FORMAT csv, HEADER true)" % data]))
            psql("TRUNCATE contacts")
            record("pg.pgloader", timed(["pgloader", "--quiet", "--type", "csv",
                                         "--with", "skip header = 1",
                                         "--with", "fields optionally enclosed by '\"'",
                                         "--with", "fields escaped by double-quote",
                                         "--with", "fields terminated by ','",
                                         str(data), url + "?tablename=contacts"], optional=True))
            # 3. CSV -> CSV
            write_config(d / "csv.json", "sqlite:csvstate.db",
                         {"source": csv_source, "out": {"plugin": "csv", "config": {
                             "dir": str(d / "out"), "entities": {"contacts": {"file_name": "contacts.csv", "mode": "append"}}}}},
                         {"name": "copy", 
                          "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
                          "to": {"connector": "out", "entity": "contacts"},
                          "mapping": mapping(typed=False)})
            record("csv.junction", timed([str(JUNCTION), "--log-level", "warn", "sync",
                                          "--progress", "never", "--config", str(d / "csv.json")]))
            record("csv.miller", timed(["sh", "-c", "mlr --csv rename id,contact_id,first_name,"
                                        "firstname,last_name,lastname then put '$email = "
                                        "tolower($email)' %s > %s" % (data, d / "mlr.csv")]))
            shutil.rmtree(d)
    finally:
        subprocess.run([str(ROOT / "scripts/pg-test-cluster"), "stop", pg_dir])
        shutil.rmtree(pg_dir, ignore_errors=True)

    def med(name):
        values = results[name]
        return (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))

    def cpu(name):
        values = results[name]
        return (statistics.median(v[3] for v in values), statistics.median(v[4] for v in values))

    def written(name):
        return statistics.median(v[2] for v in results[name])

    rows = args.rows
    lines = ["# Benchmark results", "",
             "`bench/run.py --rows %d --runs %d`, medians of %d alternating runs; %s." % (
                 rows, args.runs, args.runs, subprocess.run(["date", "-u", "+%Y-%m-%d"],
                                                            capture_output=True, text=True).stdout.strip()),
             "", "| pair | tool | seconds | records/s | peak MB | CPU s | machine CPU s | "
             "Junction / reference |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def measured(name):
        s, mb = med(name)
        own, machine = cpu(name)
        return "%.2f | %.0f | %.1f | %.1f | %.1f" % (s, rows / s, mb, own, machine)

    def row(pair, label, name):
        return "| %s | %s | %s | |" % (pair, label, measured(name))

    def ratio_row(pair, label, name, junction):
        if name not in results:
            return "| %s | %s | failed in every run | | | | | |" % (pair, label)
        return "| %s | %s | %s | %.2f× |" % (pair, label, measured(name),
                                             med(junction)[0] / med(name)[0])

    lines.append(row("CSV → SQLite", "Junction (upsert, mapping)", "sqlite.junction"))
    lines.append(ratio_row("CSV → SQLite", "sqlite3 .import", "sqlite.import", "sqlite.junction"))
    lines.append(row("CSV → PostgreSQL", "Junction (upsert, mapping)", "pg.junction"))
    lines.append(ratio_row("CSV → PostgreSQL", "psql \\copy", "pg.copy", "pg.junction"))
    lines.append(ratio_row("CSV → PostgreSQL", "pgloader", "pg.pgloader", "pg.junction"))
    lines.append("| CSV → PostgreSQL, every row already there | Junction (upsert, no state) | "
                 "%s | %.2f× of psql \\copy |" % (measured("pg.reload"),
                                                    med("pg.reload")[0] / med("pg.copy")[0]))
    lines.append(row("CSV → CSV", "Junction (3 renames, lower email)", "csv.junction"))
    lines.append(ratio_row("CSV → CSV", "miller", "csv.miller", "csv.junction"))
    full = med("sqlite.junction")[0]
    for name, label in (("rerun.unchanged", "unchanged re-run"), ("rerun.1pct", "re-run, 1% changed")):
        lines.append("| re-run (SQLite flow) | %s | %s | %.2f× of the full run |"
                     % (label, measured(name), med(name)[0] / full))
    lines.append("")
    lines.append("CPU s: user and system time of the command and its children (median); machine "
                 "CPU s: what the whole machine spent meanwhile (`/proc/stat`), which counts the "
                 "PostgreSQL server's work for its client.")
    lines.append("")
    lines.append("State store after the SQLite first load: %.0f bytes per record (tables and "
                 "indexes, audit included), of which members %.0f (with their indexes) and audit "
                 "entries %.0f." % (med("sqlite.state_bytes")[0], med("sqlite.member_bytes")[0],
                                    med("sqlite.audit_bytes")[0]))
    lines.append("")
    lines.append("Written to storage (state store and SQLite target, WAL and checkpoints "
                 "included): first load %.0f MB, unchanged re-run %.0f MB, 1%%-changed re-run "
                 "%.0f MB." % (written("sqlite.junction"), written("rerun.unchanged"),
                               written("rerun.1pct")))
    lines.append("")
    lines.append("Of the 1%%-changed re-run (%d records changed), written by the process to the "
                 "state store %.1f MB and to the SQLite target %.1f MB (bytes of its write calls, "
                 "WAL, journal and checkpoints included; a separate traced run of the same "
                 "re-run)." % (rows // 100, med("rerun.1pct.state_written")[0],
                               med("rerun.1pct.target_written")[0]))
    out = ROOT / "bench" / "results" / "latest.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
