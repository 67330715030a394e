#!/usr/bin/env python3
"""CSV contacts into the CRM emulator under an API budget, and an unchanged re-run.

    python3 bench/crm.py [--rows 100000] [--budget 100] [--window-ms 10000]

The emulator (tests/fixtures/crm_emulator) refuses requests over the budget with 429, as
the vendor does; the crm connector is given the same budget. A budget of B requests per
window W allows ceil(rows / 100) requests (100 records each) in ceil(rows / 100) / B * W:
the load's time is printed against that. The unchanged re-run must send no write request.
Prints seconds, records/s, peak memory, requests per record and the emulator's counts, and
writes bench/results/crm.md."""
import argparse
import json
import math
import os
import pathlib
import shutil
import sys
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run as bench  # noqa: E402  (the shared helpers of bench/run.py)

TOKEN = "bench-token-not-a-secret"


def emulator_call(port, method, path, body=None):
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + TOKEN,
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
        return json.loads(text) if text else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--window-ms", type=int, default=10_000)
    args = parser.parse_args()
    data = bench.build_release_and_data(args.rows)
    d = bench.WORK / "crm"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    emulator, port = bench.start_emulator(
        [str(bench.BUILD / "tests/fixtures/crm_emulator/crm_emulator"), "--token", TOKEN,
         "--window-ms", str(args.window_ms), "--window-max", str(args.budget)], d / "port")
    try:
        for name in ("membership_level", "amount", "joined_at", "external_id"):
            emulator_call(port, "POST", "/crm/v3/properties/contacts", {"name": name})
        # Those requests spent the emulator's window: let it empty before measuring.
        time.sleep(args.window_ms / 1000)
        emulator_call(port, "POST", "/__emulator/stats/reset", {})
        mapping = {"email": {"from": "email", "transform": ["lower"]},
                   "firstname": {"from": "first_name"}, "lastname": {"from": "last_name"},
                   "phone": {"from": "phone"}, "address": {"from": "street"},
                   "city": {"from": "city"}, "zip": {"from": "postcode"},
                   "country": {"from": "country"}, "company": {"from": "company"},
                   "membership_level": {"from": "membership_level"},
                   "amount": {"from": "amount"}, "joined_at": {"from": "joined_at"},
                   "external_id": {"from": "id"}}
        config = {"store": "sqlite:state.db",
                  "connectors": {
                      "source": {"plugin": "csv", "config": {
                          "dir": str(data.parent),
                          "entities": {"contacts": {"file": data.name, "stable_for": "0s"}}}},
                      "crm": {"plugin": "crm", "config": {
                          "base_url": "http://127.0.0.1:%d" % port, "token": "${env:CRM_TOKEN}",
                          "budget": {"requests": args.budget, "window_ms": args.window_ms},
                          "entities": {"contacts": {}}}}},
                  "flows": [{"name": "contacts",
                             "from": {"connector": "source", "entity": "contacts", "key": ["id"]},
                             "to": {"connector": "crm", "entity": "contacts", "key": ["email"]},
                             "mapping": mapping}]}
        (d / "junction.json").write_text(json.dumps(config))
        cmd = [str(bench.JUNCTION), "--log-level", "warn", "sync", "--progress", "never",
               "--config", str(d / "junction.json")]
        env = dict(os.environ, CRM_TOKEN=TOKEN)
        load_s, load_mb, *_ = bench.timed(cmd, env=env, cwd=d)
        load = emulator_call(port, "GET", "/__emulator/stats")
        emulator_call(port, "POST", "/__emulator/stats/reset", {})
        rerun_s, rerun_mb, *_ = bench.timed(cmd, env=env, cwd=d)
        rerun = emulator_call(port, "GET", "/__emulator/stats")
        contacts = emulator_call(port, "GET", "/__emulator/count/contacts")["live"]
    finally:
        emulator.kill()
        emulator.wait()
    requests = load["admitted"]
    allowed = math.ceil(args.rows / 100) / args.budget * args.window_ms / 1000
    writes_on_rerun = sum(v for k, v in rerun["by_kind"].items() if k != "search" and k != "read")
    lines = ["# CRM connector benchmark", "",
             "`bench/crm.py --rows %d --budget %d --window-ms %d`; %s." % (
                 args.rows, args.budget, args.window_ms,
                 time.strftime("%Y-%m-%d", time.gmtime())), "",
             "| run | seconds | records/s | peak MB | requests | requests/record | 429s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
             "| first load | %.1f | %.0f | %.1f | %d | %.4f | %d |" % (
                 load_s, args.rows / load_s, load_mb, requests, requests / args.rows,
                 load["throttled"]),
             "| unchanged re-run | %.1f | %.0f | %.1f | %d | %.4f | %d |" % (
                 rerun_s, args.rows / rerun_s, rerun_mb, rerun["admitted"],
                 rerun["admitted"] / args.rows, rerun["throttled"]),
             "",
             "The budget allows the load's %d requests in %.0f s: the load took %.2f× that. "
             "Most requests in one %d ms window: %d (budget %d). Contacts in the CRM: %d. "
             "Write requests on the unchanged re-run: %d." % (
                 math.ceil(args.rows / 100), allowed, load_s / allowed, args.window_ms,
                 load["max_in_window"], args.budget, contacts, writes_on_rerun)]
    out = bench.ROOT / "bench" / "results" / "crm.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
