#!/usr/bin/env python3
"""Where a first load's time goes, stage by stage, and what that allows on more cores.

    python3 bench/stages.py [--rows 1000000] [--runs 3]

Runs a first load of the reference contacts into SQLite and into PostgreSQL (as
bench/run.py does), with `sqlite3 .import` and `psql \\copy` beside them, and samples the
CPU time of each of Junction's threads every 50 ms from /proc: the reading thread
(read-ahead), the thread that maps (junction), the deliverer (compares, writes to the
sink) and the store writer (records members and audit entries). A run's pipeline ends when
the deliverer and the store writer last worked; what follows is the run's end (the sink's
commit, the store's commit and checkpoint), on one thread.

From the medians it prints each stage's CPU seconds, the end's seconds, and two lower
bounds of the wall time: with the machine's cores (all CPU, the PostgreSQL server's
included, shared by them, plus the end) and with a core for each stage (the busiest stage,
or the server's work when it is larger, plus the end); each against the reference tool's
time. A bound is what the pipeline's shape allows, not a measurement of another machine.
The table goes to bench/results/stages.md too."""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (the shared helpers of bench/run.py)

TICK = os.sysconf("SC_CLK_TCK")
STAGES = ["read-ahead", "junction", "deliverer", "store-writer"]


def thread_cpu(pid):
    """CPU seconds of each live thread of `pid`, by (thread id, name)."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            text = open("/proc/%d/task/%s/stat" % (pid, tid)).read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        out[(tid, name)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def profiled(cmd, env=None):
    """Runs cmd, sampling its threads; returns wall seconds, CPU seconds per stage (the
    mapping thread's up to the pipeline's end; what it spent after is "end"), the end's
    seconds, and the whole machine's CPU seconds meanwhile."""
    subprocess.run(["sync"], check=True)
    machine_before = bench.machine_cpu_seconds()
    errors = tempfile.TemporaryFile()
    start = time.monotonic()
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    last = {}        # (tid, name) -> CPU seconds at the last sample
    busy_until = {}  # name -> when a thread of that name last used CPU
    mapping = []     # (when, CPU seconds of the mapping thread)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid != 0:
            break
        now = time.monotonic() - start
        for key, cpu in thread_cpu(process.pid).items():
            if cpu > last.get(key, 0.0):
                busy_until[key[1]] = now
            last[key] = cpu
            if key[0] == str(process.pid):  # the main thread, which maps
                mapping.append((now, cpu))
        time.sleep(0.05)
    wall = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    machine = bench.machine_cpu_seconds() - machine_before
    if process.returncode not in (0, 3):
        errors.seek(0)
        sys.exit("failed: %s\n%s" % (" ".join(cmd),
                                      errors.read()[-2000:].decode(errors="replace")))
    pipeline_end = max(busy_until.get("deliverer", 0.0), busy_until.get("store-writer", 0.0))
    stage = dict.fromkeys(STAGES + ["end"], 0.0)
    for (_, name), cpu in last.items():
        if name in stage and name != "junction":
            stage[name] += cpu
    # The process's own total (its threads' last moments included) less the other threads:
    # the mapping thread's, split where the pipeline ended.
    main_total = usage.ru_utime + usage.ru_stime - sum(
        stage[s] for s in STAGES if s != "junction")
    stage["junction"] = max((cpu for when, cpu in mapping if when <= pipeline_end), default=0.0)
    stage["end"] = max(main_total - stage["junction"], 0.0)
    return wall, stage, max(wall - pipeline_end, 0.0), machine


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([str(bench.ROOT / "bench" / "install-tools")], check=True)
    data = bench.build_release_and_data(args.rows)
    cores = os.cpu_count() or 1
    work = bench.WORK / "stages"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    pg_dir = tempfile.mkdtemp(prefix="junction-bench-pg.")
    url = subprocess.run([str(bench.ROOT / "scripts/pg-test-cluster"), "start", pg_dir],
                         check=True, capture_output=True, text=True).stdout.strip()
    env = dict(os.environ, BENCH_PG_URL=url)
    samples = {"sqlite": [], "pg": [], "import": [], "copy": []}

    def psql(sql):
        subprocess.run(["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    csv_source = {"plugin": "csv", "config": {"entities": {
        "contacts": {"file": str(data), "stable_for": "0s"}}}}
    flow = {"name": "load", "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
            "mapping": bench.mapping()}
    try:
        for run in range(args.runs):
            d = work / ("run-%d" % run)
            d.mkdir()
            subprocess.run(["sqlite3", str(d / "target.db"), bench.TABLE.format(ts="TEXT")],
                           check=True)
            bench.write_config(d / "sqlite.json", "sqlite:state.db", {
                "source": csv_source, "db": {"plugin": "sql", "config": {
                    "url": "sqlite:target.db", "entities": {"contacts": {}}}}},
                dict(flow, to={"connector": "db", "entity": "contacts"}))
            junction = [str(bench.JUNCTION), "--log-level", "warn", "sync", "--progress",
                        "never", "--config"]
            samples["sqlite"].append(profiled(junction + [str(d / "sqlite.json")]))
            subprocess.run(["sqlite3", str(d / "import.db"), bench.IMPORT_TABLE], check=True)
            samples["import"].append(bench.timed(["sqlite3", str(d / "import.db"), "-cmd",
                                                  ".import --csv --skip 1 %s contacts" % data,
                                                  ".quit"]))
            psql("DROP TABLE IF EXISTS contacts; " + bench.TABLE.format(ts="TIMESTAMPTZ"))
            bench.write_config(d / "pg.json", "sqlite:pgstate.db", {
                "source": csv_source, "pg": {"plugin": "sql", "config": {
                    "url": "${env:BENCH_PG_URL}", "entities": {"contacts": {}}}}},
                dict(flow, to={"connector": "pg", "entity": "contacts"}))
            samples["pg"].append(profiled(junction + [str(d / "pg.json")], env=env))
            psql("DROP TABLE IF EXISTS contacts; " + bench.IMPORT_TABLE.replace(
                "INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY").replace("DATE", "TEXT"))
            samples["copy"].append(bench.timed(["psql", url, "-q", "-c",
                                                "\\copy contacts FROM '%s' WITH (FORMAT csv, "
                                                "HEADER true)" % data]))
            shutil.rmtree(d)
    finally:
        subprocess.run([str(bench.ROOT / "scripts/pg-test-cluster"), "stop", pg_dir])
    report(samples, cores, args)


def report(samples, cores, args):
    med = statistics.median
    lines = ["`bench/stages.py --rows %d --runs %d`, medians; %d cores." % (
        args.rows, args.runs, cores), ""]
    for name, label, reference, ref_label in (("sqlite", "CSV → SQLite", "import",
                                               "sqlite3 .import"),
                                              ("pg", "CSV → PostgreSQL", "copy", "psql \\copy")):
        runs = samples[name]
        wall = med(r[0] for r in runs)
        stage = {s: med(r[1][s] for r in runs) for s in STAGES + ["end"]}
        end = med(r[2] for r in runs)
        machine = med(r[3] for r in runs)
        own = sum(stage.values())
        server = max(machine - own, 0.0) if name == "pg" else 0.0
        ref_wall = med(r[0] for r in samples[reference])
        ref_machine = med(r[4] for r in samples[reference])
        lines.append("%s, first load of %d records: %.2f s (%s %.2f s: %.2f×)" % (
            label, args.rows, wall, ref_label, ref_wall, wall / ref_wall))
        lines.append("")
        lines.append("| stage | CPU s |")
        lines.append("| --- | ---: |")
        for s, title in (("read-ahead", "reading (CSV parsing)"),
                         ("junction", "mapping"),
                         ("deliverer", "comparing and writing to the sink"),
                         ("store-writer", "recording in the state store"),
                         ("end", "the run's end: commits, checkpoint")):
            lines.append("| %s | %.1f |" % (title, stage[s]))
        if name == "pg":
            lines.append("| the PostgreSQL server (machine CPU − Junction's) | %.1f |" % server)
        lines.append("| all | %.1f (the reference: %.1f of the machine) |" % (
            own + server, ref_machine))
        lines.append("")
        # The end runs after the pipeline, on one thread: it adds its wall time.
        busiest = max(max(stage[s] for s in STAGES), server)
        on_these = max(busiest, (own - stage["end"] + server) / cores) + end
        per_stage = busiest + end
        lines.append("The run's end (after the last batch is recorded): %.2f s of wall time."
                     % end)
        lines.append("Lower bound of the wall time on %d cores: %.1f s = %.2f× the reference; "
                     "with a core for each stage: %.1f s = %.2f×." % (
                         cores, on_these, on_these / ref_wall, per_stage, per_stage / ref_wall))
        lines.append("")
    text = "# First loads by stage\n\n" + "\n".join(lines).rstrip() + "\n"
    (bench.ROOT / "bench" / "results" / "stages.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
