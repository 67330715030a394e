#!/usr/bin/env python3
"""Two-way sync between two SQLite databases that already hold the same contacts: the
first sync (every record matched, nothing to write) and an unchanged cycle, against the
one-way flow's first load and unchanged re-run of the same data in the same run.

    python3 bench/two_way.py [--rows 100000] [--runs 3]

Prints seconds, records/s and peak resident memory of each (the median of the runs, each
from fresh state), and the ratios."""
import argparse
import json
import pathlib
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (the shared helpers of bench/run.py)

FIELDS = bench.COLUMNS  # id, email, first_name, ... (15)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = bench.build_release_and_data(args.rows)
    d = bench.WORK / "two-way"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    # Both systems hold the same people: an ERP keyed by id and a CRM keyed by email.
    for db in ("a.db", "b.db"):
        subprocess.run(["sqlite3", str(d / db), bench.IMPORT_TABLE.replace("contacts", "people"),
                        ".mode csv", ".import --skip 1 %s people" % data], check=True)
    fields = {c: c for c in FIELDS}
    sync = {"name": "people",
            "match": [[{"field": "email", "normalize": ["email"]}]],
            "systems": [
                {"name": "erp", "connector": "a", "entity": "people", "key": ["id"],
                 "fields": fields},
                {"name": "crm", "connector": "b", "entity": "people", "key": ["id"],
                 "fields": fields}]}
    connectors = {n: {"plugin": "sql", "config": {"url": "sqlite:%s.db" % n,
                                                  "entities": {"people": {}}}}
                  for n in ("a", "b")}
    (d / "sync.json").write_text(json.dumps(
        {"store": "sqlite:sync-state.db", "connectors": connectors, "syncs": [sync]}))
    flow_connectors = dict(connectors)
    flow_connectors["c"] = {"plugin": "sql", "config": {"url": "sqlite:c.db",
                                                        "entities": {"people": {}}}}
    (d / "flow.json").write_text(json.dumps(
        {"store": "sqlite:flow-state.db", "connectors": flow_connectors,
         "flows": [{"name": "copy", "from": {"connector": "a", "entity": "people", "key": ["id"]},
                    "to": {"connector": "c", "entity": "people"}}]}))
    cmd = [str(bench.JUNCTION), "--log-level", "warn", "sync", "--progress", "never", "--config"]
    samples = {"flow.first": [], "flow.unchanged": [], "sync.first": [], "sync.unchanged": []}
    for _ in range(args.runs):
        for stale in list(d.glob("flow-state.db*")) + list(d.glob("sync-state.db*")) + [d / "c.db"]:
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink(missing_ok=True)
        # The one-way flow over the same data: a.db -> a fresh copy of its table.
        subprocess.run(["sqlite3", str(d / "c.db"),
                        bench.IMPORT_TABLE.replace("contacts", "people")], check=True)
        samples["flow.first"].append(bench.timed(cmd + [str(d / "flow.json")], cwd=d))
        samples["flow.unchanged"].append(bench.timed(cmd + [str(d / "flow.json")], cwd=d))
        samples["sync.first"].append(bench.timed(cmd + [str(d / "sync.json")], cwd=d))
        samples["sync.unchanged"].append(bench.timed(cmd + [str(d / "sync.json")], cwd=d))
    # The run with the median time of each step.
    results = {k: sorted(v)[len(v) // 2] for k, v in samples.items()}
    rows = args.rows
    lines = ["| run | seconds | records/s | peak MB |", "| --- | ---: | ---: | ---: |"]
    labels = {"flow.first": "one-way flow, first load", "flow.unchanged": "one-way flow, unchanged",
              "sync.first": "two-way sync, first cycle (all matched)",
              "sync.unchanged": "two-way sync, unchanged cycle"}
    for name, label in labels.items():
        s, mb, *_ = results[name]
        lines.append("| %s | %.2f | %.0f | %.1f |" % (label, s, rows / s, mb))
    lines.append("")
    lines.append("first sync / one-way first load: %.2fx; unchanged cycle / one-way unchanged "
                 "re-run: %.2fx (%d records per system, median of %d runs)" % (
                     results["sync.first"][0] / results["flow.first"][0],
                     results["sync.unchanged"][0] / results["flow.unchanged"][0], rows,
                     args.runs))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
