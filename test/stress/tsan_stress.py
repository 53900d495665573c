#!/usr/bin/env python3
"""A short concurrency stress of leadtimed under ThreadSanitizer (issue 12
point 5), part of `make test`:

    LEADTIME_BIN=build/tsan/leadtimed python3 test/stress/tsan_stress.py [--rounds N]

One daemon (threads = 4) on a generated store, and at the same time:
- 4 readers cycling through the analytics routes, the JSON and CSV pit
  (the CSV streamed from its pinned view), the workbook, meta, /healthz and
  /metrics;
- a writer: CSV imports, JSON ticket pushes, aliases and
  annotations added and deleted (each answer must be 200/201/204);
- a reloader: SIGHUP, alternating two valid configurations (thresholds and
  an annotation change, so that the caches and the config swap);
- a slow reader: a CSV export read a few KB at a time, so that a stream is
  in flight across the writes and reloads.

The work is a count of operations (--rounds), not a time window.  It fails
on any ThreadSanitizer report (TSAN_OPTIONS halt_on_error=1: the daemon
exits 66 at the first one), on any 5xx or error answer, on a daemon that
does not stop cleanly (SIGTERM, rc 0), and when the readers did not see the
writes (data_version must have moved).  Prints one summary line.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "integration"))
import daemon  # noqa: E402

AS_OF = "2026-11-22"
TOKEN = "tsan-stress-token"
AUTH = {"Authorization": "Bearer " + TOKEN}
READ_PATHS = [
    "/api/v1/meta", "/healthz", "/metrics",
    "/api/v1/overview?bucket=week", "/api/v1/overview?bucket=day&days=business",
    "/api/v1/departments/Design", "/api/v1/departments/Sales?bucket=month",
    "/api/v1/stages", "/api/v1/leaderboard", "/api/v1/compare?a_from=2026-01-01&a_to=2026-05-31&b_from=2026-06-01&b_to=2026-11-22",
    "/api/v1/wip", "/api/v1/scatter?department=Design", "/api/v1/flow?department=Contract",
    "/api/v1/forecast?department=Design", "/api/v1/handoffs", "/api/v1/creators?q=a",
    "/api/v1/pit?format=json&limit=300", "/api/v1/pit?format=csv&department=Campaign",
    "/api/v1/annotations", "/api/v1/aliases", "/api/v1/workbook.xlsx",
    "/", "/department.html", "/js/charts.js",
]
CONFIG = """[server]
threads = 4
max_body_mb = 4
[data]
db = {db}
as_of = {as_of}
seed_demo = false
[thresholds]
p50_ratio = {ratio}
[annotations]
2026-03-0{day} = stress marker {day}
[auth]
write_token = {token}
"""


def write_config(path, db, k):
    with open(path, "w") as f:
        f.write(CONFIG.format(db=db, as_of=AS_OF, ratio=1.5 + 0.25 * (k % 2), day=1 + k % 2,
                              token=TOKEN))


class Stress:
    def __init__(self, d, rounds):
        self.d, self.rounds = d, rounds
        self.errors, self.count, self.lock = [], 0, threading.Lock()
        self.done = threading.Event()

    def request(self, method, path, body=None, headers=None, timeout=120):
        c = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            with self.lock:
                self.count += 1
            return r.status, data
        finally:
            c.close()

    def expect(self, what, method, path, ok, body=None, headers=None):
        try:
            st, data = self.request(method, path, body, headers)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self.errors.append("%s %s: %r" % (method, path, e))
            return None
        if st not in ok:
            self.errors.append("%s %s %s: %d %r" % (what, method, path, st, data[:200]))
            return None
        return data

    def reader(self, k):
        i = k
        while not self.done.is_set():
            self.expect("read", "GET", READ_PATHS[i % len(READ_PATHS)], (200,))
            i += 1

    def slow_reader(self):
        while not self.done.is_set():
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=120)
                c.request("GET", "/api/v1/pit?format=csv")
                r = c.getresponse()
                if r.status != 200:
                    self.errors.append("slow export: %d" % r.status)
                while r.read(4096):
                    time.sleep(0.002)
                c.close()
            except Exception as e:  # noqa: BLE001
                self.errors.append("slow export: %r" % e)

    def writer(self):
        csv_type = dict(AUTH, **{"Content-Type": "text/csv"})
        json_type = dict(AUTH, **{"Content-Type": "application/json"})
        for n in range(self.rounds):
            rows = "".join("S%d-%d,Stress Creator %d,Stress Employee %d,Design,2026-10-%02d,%s\n"
                           % (n, j, n, j % 3, 1 + j % 20, "2026-11-%02d" % (1 + j % 20) if j % 2 else "")
                           for j in range(40))
            self.expect("import", "POST", "/api/v1/import",
                        (200,), ("ticket_id,creator,employee,department,opened_on,closed_on\n"
                                 + rows).encode(), csv_type)
            tickets = [{"ticket_id": "J%d" % n, "creator": "Json Creator %d" % n,
                        "employee": "Json Employee", "department": "Contract",
                        "opened_on": "2026-11-01", "closed_on": None}]
            self.expect("tickets", "POST", "/api/v1/tickets", (200,),
                        json.dumps(tickets).encode(), json_type)
            self.expect("alias", "POST", "/api/v1/aliases", (200,),
                        json.dumps({"alias": "Stres Employee %d" % n,
                                    "name": "Stress Employee 0"}).encode(),
                        json_type)
            data = self.expect("annotation", "POST", "/api/v1/annotations", (200, 201),
                               json.dumps({"date": "2026-09-%02d" % (1 + n % 28),
                                           "text": "stress %d" % n}).encode(), json_type)
            if data:
                try:
                    aid = json.loads(data)["id"]
                    self.expect("annotation delete", "DELETE", "/api/v1/annotations/%s" % aid,
                                (200, 204), None, AUTH)
                except (ValueError, KeyError) as e:
                    self.errors.append("annotation answer %r: %r" % (data[:200], e))

    def reloader(self, ini, db):
        k = 0
        while not self.done.is_set():
            k += 1
            write_config(ini, db, k)
            os.kill(self.d.proc.pid, signal.SIGHUP)
            want = len(re.findall(r"reload: configuration in force", self.d.text())) + 1
            deadline = time.monotonic() + 120
            while (len(re.findall(r"reload: configuration in force", self.d.text())) < want
                   and time.monotonic() < deadline and self.d.proc.poll() is None):
                time.sleep(0.05)
            self.reloads = k
            time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=25, help="writer rounds (default 25)")
    ap.add_argument("--creators", type=int, default=400)
    opts = ap.parse_args()
    binary = daemon.BIN
    tmp = tempfile.mkdtemp(prefix="lt-tsan-")
    supp = os.path.join(HERE, "tsan.supp")
    env = {"TSAN_OPTIONS": "halt_on_error=1 exitcode=66 second_deadlock_stats=1 "
                           "history_size=4 suppressions=%s" % supp}
    ok = False
    start = time.monotonic()
    d = None
    try:
        db = os.path.join(tmp, "stress.db")
        r = subprocess.run([binary, "generate", "--creators", str(opts.creators), "--seed", "3",
                            "--as-of", AS_OF, "--db", db], env=daemon.clean_env(env),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        if r.returncode != 0:
            print(r.stderr.decode("utf-8", "replace"), file=sys.stderr)
            raise SystemExit("tsan stress: generate failed (rc %d)" % r.returncode)
        ini = os.path.join(tmp, "stress.ini")
        write_config(ini, db, 0)
        d = daemon.Daemon(ini, env=env, start_timeout=300)
        s = Stress(d, opts.rounds)
        s.reloads = 0
        v0 = json.loads(s.request("GET", "/api/v1/meta")[1])["data_version"]
        threads = [threading.Thread(target=s.reader, args=(k,)) for k in range(4)]
        threads += [threading.Thread(target=s.slow_reader),
                    threading.Thread(target=s.reloader, args=(ini, db))]
        for t in threads:
            t.start()
        try:
            s.writer()
        finally:
            s.done.set()
            for t in threads:
                t.join(300)
        v1 = None
        if d.proc.poll() is None:
            v1 = json.loads(s.request("GET", "/api/v1/meta")[1])["data_version"]
        rc = d.stop(timeout=120)
        log = d.text()
        reports = log.count("WARNING: ThreadSanitizer")
        problems = list(s.errors[:20])
        if rc != 0:
            problems.append("the daemon exited %d (66: a ThreadSanitizer report)" % rc)
        if reports or "ThreadSanitizer" in log:
            problems.append("%d ThreadSanitizer report(s)" % reports)
        if re.search(r"\s5\d\d \d+ ", log):
            problems.append("a 5xx was logged")
        if v1 is None or v1 <= v0:
            problems.append("data_version did not move (%r -> %r)" % (v0, v1))
        if s.reloads < 2:
            problems.append("only %d reloads happened" % s.reloads)
        if problems:
            tail = log if len(log) < 20000 else log[-20000:]
            print(tail, file=sys.stderr)
            for p in problems:
                print("tsan stress: " + p, file=sys.stderr)
        else:
            ok = True
        print("tsan stress: %s: %d requests, %d writer rounds, %d reloads, data_version %s -> %s, "
              "%.1f s" % ("ok" if ok else "FAILED", s.count, opts.rounds, s.reloads, v0, v1,
                          time.monotonic() - start))
    finally:
        if d is not None and d.proc.poll() is None:
            d.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
