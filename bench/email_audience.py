#!/usr/bin/env python3
"""CSV contacts into the email platform emulator's audience, and an unchanged re-run.

    python3 bench/email_audience.py [--rows 100000]

New members go through batch subscribe (500 a request); addresses the platform takes for
fake (example.com and the like, about a tenth of the reference data) are refused per
member, as the vendor does. Prints seconds, records/s, peak memory, requests per record and
the emulator's counts, and writes bench/results/email.md."""
import argparse
import json
import os
import shutil
import sys
import time
import urllib.request
import base64

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (the shared helpers of bench/run.py)

KEY = "0bench0key0not0a0secret000000000-us6"
LIST = "bench1"


def emulator_call(port, method, path, body=None):
    auth = base64.b64encode(("bench:" + KEY).encode()).decode()
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Basic " + auth,
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
        return json.loads(text) if text else None


def members_in(port):
    total = 0
    offset = 0
    while True:
        page = emulator_call(port, "GET", "/3.0/lists/%s/members?count=1000&offset=%d" % (
            LIST, offset))
        total += len(page["members"])
        if len(page["members"]) < 1000:
            return total
        offset += 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    data = bench.build_release_and_data(args.rows)
    d = bench.WORK / "email"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    emulator, port = bench.start_emulator(
        [str(bench.BUILD / "tests/fixtures/email_emulator/email_emulator"), "--api-key", KEY],
        d / "port")
    try:
        config = {"store": "sqlite:state.db",
                  "connectors": {
                      "source": {"plugin": "csv", "config": {
                          "dir": str(data.parent),
                          "entities": {"contacts": {"file": data.name, "stable_for": "0s"}}}},
                      "email": {"plugin": "email", "config": {
                          "base_url": "http://127.0.0.1:%d" % port, "api_key": "${env:MC_KEY}",
                          "entities": {"members": {"list_id": LIST}}}}},
                  "flows": [{"name": "members",
                             "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
                             "to": {"connector": "email", "entity": "members",
                                    "key": ["email_address"]},
                             "mapping": {"email_address": {"from": "email"},
                                         "FNAME": {"from": "first_name"},
                                         "LNAME": {"from": "last_name"},
                                         "COMPANY": {"from": "company"}}}]}
        (d / "junction.json").write_text(json.dumps(config))
        cmd = [str(bench.JUNCTION), "--log-level", "error", "sync", "--progress", "never",
               "--config", str(d / "junction.json")]
        env = dict(os.environ, MC_KEY=KEY)
        load_s, load_mb, *_ = bench.timed(cmd, env=env, cwd=d)
        load = emulator_call(port, "GET", "/__emulator/stats")
        emulator_call(port, "POST", "/__emulator/stats/reset", {})
        rerun_s, rerun_mb, *_ = bench.timed(cmd, env=env, cwd=d)
        rerun = emulator_call(port, "GET", "/__emulator/stats")
        members = members_in(port)
    finally:
        emulator.kill()
        emulator.wait()
    requests = sum(load["by_kind"].values())
    rerun_requests = sum(rerun["by_kind"].values())
    lines = ["# Email connector benchmark", "",
             "`bench/email_audience.py --rows %d`; %s." % (args.rows, time.strftime("%Y-%m-%d",
                                                                           time.gmtime())), "",
             "| run | seconds | records/s | peak MB | requests | requests/record |",
             "| --- | ---: | ---: | ---: | ---: | ---: |",
             "| first load | %.1f | %.0f | %.1f | %d | %.4f |" % (
                 load_s, args.rows / load_s, load_mb, requests, requests / args.rows),
             "| unchanged re-run | %.1f | %.0f | %.1f | %d | %.4f |" % (
                 rerun_s, args.rows / rerun_s, rerun_mb, rerun_requests,
                 rerun_requests / args.rows),
             "",
             "Requests of the load by kind: %s. Members in the audience: %d; the other "
             "records were refused (addresses at example.com, which the platform takes for "
             "fake) and wait in the error queue: the unchanged re-run sends none of them "
             "again. Most simultaneous requests: %d." % (
                 json.dumps(load["by_kind"], sort_keys=True), members, load["max_in_flight"])]
    out = bench.ROOT / "bench" / "results" / "email.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
