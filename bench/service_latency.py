#!/usr/bin/env python3
"""Change-to-write latency of the service (`junction run`): a change committed in a source,
or a webhook received, to the record committed in a SQLite target.

    python3 bench/service_latency.py [--changes 1000] [--rate 10] [--modes sqlite,webhook]

sqlite:  rows inserted one by one into a SQLite table (sql connector, trigger capture) that
         an on-change flow copies into another SQLite database.
webhook: contacts created in the CRM emulator, each followed by its signed webhook to
         POST /hooks/crm; an on-change flow copies the CRM's contacts into SQLite.
The target is polled every 2 ms. Prints p50, p90, p99 and max per mode and writes
bench/results/service_latency.md."""
import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the shared helpers of bench/run.py)

API_TOKEN = "bench-api-token-not-a-secret-0001"
CRM_TOKEN = "pat-bench-token-not-a-secret"
SECRET = "bench-webhook-secret"


def start_service(d, config, env):
    (d / "junction.json").write_text(json.dumps(config))
    out = open(d / "service.out", "w")
    err = open(d / "service.err", "w")
    process = subprocess.Popen([str(bench.JUNCTION), "--log-level", "warn", "run", "--config",
                                str(d / "junction.json")], cwd=d, env=env, stdout=out, stderr=err)
    for _ in range(600):
        text = (d / "service.out").read_text()
        m = re.search(r"127\.0\.0\.1:(\d+)", text)
        if m:
            return process, int(m.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    sys.exit("the service did not start:\n" + (d / "service.err").read_text())


def api(port, method, path, headers=None, body=None):
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                     data=body, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read()


def wait_first_run(port, job):
    for _ in range(600):
        _, body = api(port, "GET", "/v1/jobs/" + job,
                      {"Authorization": "Bearer " + API_TOKEN})
        if json.loads(body)["last_run"] is not None:
            return
        time.sleep(0.05)
    sys.exit("the flow never ran")


class TargetWatch:
    """Polls the target table and notes when each id first appears."""

    def __init__(self, db, table, column):
        self.seen = {}
        self.stop = False
        self.db, self.table, self.column = db, table, column
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        connection = sqlite3.connect(self.db, timeout=5)
        while not self.stop:
            try:
                for (key,) in connection.execute(
                        "SELECT %s FROM %s" % (self.column, self.table)):
                    if key not in self.seen:
                        self.seen[key] = time.time()
            except sqlite3.OperationalError:
                pass
            time.sleep(0.002)


def percentiles(latencies):
    ordered = sorted(latencies)

    def at(p):
        return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]
    return at(50), at(90), at(99), ordered[-1]


def drive(changes, rate, make_change, watch, key_of):
    started = {}
    period = 1.0 / rate
    t0 = time.time()
    for i in range(changes):
        delay = t0 + i * period - time.time()
        if delay > 0:
            time.sleep(delay)
        started[key_of(i)] = make_change(i)
    deadline = time.time() + 60
    while time.time() < deadline and not all(k in watch.seen for k in started):
        time.sleep(0.01)
    watch.stop = True
    missing = [k for k in started if k not in watch.seen]
    if missing:
        sys.exit("%d changes never arrived (first: %s)" % (len(missing), missing[:3]))
    return [watch.seen[k] - started[k] for k in started]


def sqlite_mode(args, d, env):
    source = d / "source.db"
    target = d / "target.db"
    with sqlite3.connect(source) as c:
        c.execute("CREATE TABLE news (id INTEGER PRIMARY KEY, title TEXT)")
    with sqlite3.connect(target) as c:
        c.execute("CREATE TABLE news (id INTEGER PRIMARY KEY, title TEXT)")
    config = {
        "store": "sqlite:state.db",
        "plugin_path": [str(bench.BUILD / "plugins")],
        "service": {"listen": "127.0.0.1:0", "tokens": {"bench": "${env:JUNCTION_API_TOKEN}"}},
        "connectors": {
            "src": {"plugin": "sql", "config": {"url": "sqlite:source.db", "entities": {
                "news": {"capture": "triggers", "install_capture": True}}}},
            "dst": {"plugin": "sql", "config": {"url": "sqlite:target.db",
                                                "entities": {"news": {}}}}},
        "flows": [{"name": "news", "schedule": {"on_change": True},
                   "from": {"connector": "src", "entity": "news", "key": ["id"]},
                   "to": {"connector": "dst", "entity": "news", "key": ["id"]},
                   "mapping": {"id": {"from": "id", "type": "integer"},
                               "title": {"from": "title"}}}]}
    process, port = start_service(d, config, env)
    try:
        wait_first_run(port, "news")
        watch = TargetWatch(str(target), "news", "id")
        writer = sqlite3.connect(source, timeout=30, isolation_level=None)

        def insert(i):
            writer.execute("INSERT INTO news VALUES (?, ?)", (i + 1, "change %d" % i))
            return time.time()  # committed: autocommit mode
        return drive(args.changes, args.rate, insert, watch, lambda i: i + 1)
    finally:
        process.terminate()
        process.wait(timeout=120)


def webhook_mode(args, d, env):
    target = d / "target.db"
    with sqlite3.connect(target) as c:
        c.execute("CREATE TABLE members (crm_id TEXT PRIMARY KEY, email TEXT)")
    emulator, crm_port = bench.start_emulator(
        [str(bench.BUILD / "tests/fixtures/crm_emulator/crm_emulator"), "--token", CRM_TOKEN,
         "--window-max", "1000", "--window-ms", "1000"],  # the bench drives it, not a budget
        d / "crm.port")
    env = dict(env, CRM_TOKEN=CRM_TOKEN, CRM_WEBHOOK_SECRET=SECRET)
    config = {
        "store": "sqlite:state.db",
        "plugin_path": [str(bench.BUILD / "plugins")],
        "service": {"listen": "127.0.0.1:0", "tokens": {"bench": "${env:JUNCTION_API_TOKEN}"}},
        "connectors": {
            "crm": {"plugin": "crm", "config": {
                "base_url": "http://127.0.0.1:%d" % crm_port, "token": "${env:CRM_TOKEN}",
                "webhook_secret": "${env:CRM_WEBHOOK_SECRET}",
                "entities": {"contacts": {}}}},
            "dst": {"plugin": "sql", "config": {"url": "sqlite:target.db",
                                                "entities": {"members": {}}}}},
        "flows": [{"name": "contacts", "schedule": {"on_change": True},
                   "from": {"connector": "crm", "entity": "contacts", "key": ["id"]},
                   "to": {"connector": "dst", "entity": "members", "key": ["crm_id"]},
                   "mapping": {"crm_id": {"from": "id"}, "email": {"from": "email"}}}]}
    process, port = start_service(d, config, env)
    try:
        wait_first_run(port, "contacts")
        watch = TargetWatch(str(target), "members", "crm_id")
        ids = {}
        url = "http://127.0.0.1:%d/hooks/crm" % port

        def create_and_notify(i):
            _, body = api(crm_port, "POST", "/crm/v3/objects/contacts",
                          {"Authorization": "Bearer " + CRM_TOKEN,
                           "Content-Type": "application/json"},
                          json.dumps({"properties": {"email": "m%d@example.org" % i}}).encode())
            ids[i] = json.loads(body)["id"]
            payload = json.dumps([{"objectId": int(ids[i]),
                                   "subscriptionType": "contact.creation"}])
            stamp = str(int(time.time() * 1000))
            signature = base64.b64encode(hmac.new(
                SECRET.encode(), ("POST" + url + payload + stamp).encode(),
                hashlib.sha256).digest()).decode()
            received = time.time()  # the webhook leaves now
            api(port, "POST", "/hooks/crm", {"X-HubSpot-Signature-v3": signature,
                                             "X-HubSpot-Request-Timestamp": stamp,
                                             "Content-Type": "application/json"},
                payload.encode())
            return received
        return drive(args.changes, args.rate, create_and_notify, watch,
                     lambda i: ids.get(i) or str(i))
    finally:
        process.terminate()
        process.wait(timeout=120)
        emulator.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--modes", default="sqlite,webhook")
    args = parser.parse_args()
    bench.build_release_and_data(10)
    env = dict(os.environ, JUNCTION_API_TOKEN=API_TOKEN)
    rows = []
    for mode in args.modes.split(","):
        d = bench.WORK / ("latency-" + mode)
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        latencies = (sqlite_mode if mode == "sqlite" else webhook_mode)(args, d, env)
        p50, p90, p99, worst = percentiles(latencies)
        rows.append((mode, len(latencies), p50, p90, p99, worst))
        print("%-8s %5d changes at %.0f/s: p50 %.3f s, p90 %.3f s, p99 %.3f s, max %.3f s"
              % (mode, len(latencies), args.rate, p50, p90, p99, worst), flush=True)
    lines = ["# Service latency: change committed (or webhook sent) to record committed",
             "", "`python3 bench/service_latency.py --changes %d --rate %g`" % (
                 args.changes, args.rate), "",
             "| source | changes | p50 s | p90 s | p99 s | max s |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %d | %.3f | %.3f | %.3f | %.3f |" % r)
    out = bench.ROOT / "bench" / "results" / "service_latency.md"
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
