#!/usr/bin/env python3
"""Peak memory of a first load as the run grows: CSV -> SQLite of the reference contacts
at each size given, from fresh state, one run each.

    python3 bench/peak_memory.py [--rows 1000000 3000000]

Prints seconds, records/s and peak resident memory per size, and the growth per million
records between the smallest and the largest."""
import argparse
import pathlib
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (the shared helpers of bench/run.py)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 3_000_000])
    args = parser.parse_args()
    lines = ["| records | seconds | records/s | peak MB |", "| ---: | ---: | ---: | ---: |"]
    peaks = []
    for rows in sorted(args.rows):
        data = bench.build_release_and_data(rows)
        d = bench.WORK / ("peak-%d" % rows)
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        subprocess.run(["sqlite3", str(d / "target.db"), bench.TABLE.format(ts="TEXT")], check=True)
        flow = {"name": "load", "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
                "to": {"connector": "db", "entity": "contacts"}, "mapping": bench.mapping()}
        bench.write_config(d / "junction.json", "sqlite:state.db", {
            "source": {"plugin": "csv", "config": {"entities": {
                "contacts": {"file": str(data), "stable_for": "0s"}}}},
            "db": {"plugin": "sql", "config": {"url": "sqlite:target.db",
                                               "entities": {"contacts": {}}}}}, flow)
        seconds, mb, *_ = bench.timed([str(bench.JUNCTION), "--log-level", "warn", "sync",
                                      "--progress", "never", "--config", str(d / "junction.json")])
        peaks.append((rows, mb))
        lines.append("| %d | %.2f | %.0f | %.1f |" % (rows, seconds, rows / seconds, mb))
        shutil.rmtree(d, ignore_errors=True)
    if len(peaks) > 1:
        (r0, m0), (r1, m1) = peaks[0], peaks[-1]
        lines.append("")
        lines.append("peak memory grows %.1f MB per million records (%d -> %d records)" % (
            (m1 - m0) / ((r1 - r0) / 1e6), r0, r1))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
