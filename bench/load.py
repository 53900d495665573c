#!/usr/bin/env python3
"""Sustained mixed load for make bench (bench.py runs it as a subprocess).

    python3 bench/load.py SPEC.json RESULT.json

SPEC (JSON): port, seconds, token, timeout (s per request), readers,
read_routes [{name, cached: path, uncached: [path, ...]}], write_rate
(writes/s, 0 = readers only), write_conns, ticket_pairs [[base, moved],
...] (ticket rows as POST /api/v1/tickets takes them).

Readers: `readers` processes, each one keep-alive connection, closed loop
(the next request when the previous answer is read), cycling over the
routes, one round with each route's cached path (the same query string
every time, sent with If-None-Match once an ETag is known), the next with
an uncached one (a query string not asked before in the run).

Writer: open loop.  Write i is due at start + i / write_rate; a dispatcher
thread hands it out at that time, whatever the server does, to the first
free one of `write_conns` connections (threads).  A write picked up late
(every connection busy) records its lateness (picked up - due); one still
waiting when the window ends is counted as not sent.  Each connection owns
its own tickets and alternates moving one ticket's close a day and moving
it back, so every write changes exactly one ticket and writes to the same
ticket never overlap; after the window one POST puts every ticket back.

Errors: any status other than 200/304 (reads) or 200 (writes), any
connection error or timeout.  Every loop is bounded by the window and the
per-request timeout; the processes stop by themselves.
"""
import http.client
import json
import multiprocessing as mp
import queue
import sys
import threading
import time


def _conn(port, timeout):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)


def reader(idx, spec, start, q):
    routes = spec["read_routes"]
    end = start + spec["seconds"]
    n = len(routes)
    lat = {"cached": [], "uncached": []}
    status, errors, samples = {}, 0, []
    etags = {}
    conn = None
    j, u = 0, idx * 7919
    while time.monotonic() < start:
        time.sleep(0.001)
    while time.monotonic() < end:
        r = routes[j % n]
        kind = "cached" if (j // n) % 2 == 0 else "uncached"
        j += 1
        hdr = {}
        if kind == "cached":
            path = r["cached"]
            if path in etags:
                hdr["If-None-Match"] = etags[path]
        else:
            path = r["uncached"][u % len(r["uncached"])]
            u += 1
        try:
            if conn is None:
                conn = _conn(spec["port"], spec["timeout"])
            t0 = time.monotonic()
            conn.request("GET", path, headers=hdr)
            resp = conn.getresponse()
            resp.read()
            el = (time.monotonic() - t0) * 1000.0
            status[resp.status] = status.get(resp.status, 0) + 1
            if resp.status in (200, 304):
                lat[kind].append(el)
                et = resp.getheader("ETag")
                if kind == "cached" and et:
                    etags[path] = et
            else:
                errors += 1
                if len(samples) < 5:
                    samples.append("GET %s: %d" % (path, resp.status))
            if resp.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            errors += 1
            if len(samples) < 5:
                samples.append("GET %s: %s" % (path, e.__class__.__name__ + ": " + str(e)))
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
    if conn is not None:
        conn.close()
    q.put({"reader": idx, "lat": lat, "status": status, "errors": errors, "samples": samples})


class Writer:
    def __init__(self, spec, start):
        self.s = spec
        self.start = start
        self.end = start + spec["seconds"]
        self.q = queue.Queue()
        self.lock = threading.Lock()
        self.rec = []          # (due, picked, done, ok) per write sent
        self.unsent = 0
        self.errors, self.unchanged, self.samples = 0, 0, []
        pairs = spec["ticket_pairs"]
        c = spec["write_conns"]
        self.pools = [pairs[k::c] for k in range(c)]

    def post(self, conn, rows):
        body = json.dumps(rows)
        conn.request("POST", "/api/v1/tickets", body=body,
                     headers={"Authorization": "Bearer " + self.s["token"],
                              "Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp

    def dispatch(self):
        rate, total = self.s["write_rate"], int(self.s["write_rate"] * self.s["seconds"])
        for i in range(total):
            due = self.start + i / rate
            while True:
                now = time.monotonic()
                if now >= due:
                    break
                time.sleep(min(due - now, 0.005))
            self.q.put(due)
        for _ in self.pools:
            self.q.put(None)

    def worker(self, k):
        pool = self.pools[k]
        conn, j = None, 0
        while True:
            due = self.q.get()
            if due is None:
                break
            picked = time.monotonic()
            if picked >= self.end:
                with self.lock:
                    self.unsent += 1
                continue
            base, moved = pool[(j // 2) % len(pool)]
            row = moved if j % 2 == 0 else base
            j += 1
            ok = False
            try:
                if conn is None:
                    conn = _conn(self.s["port"], self.s["timeout"])
                st, data, resp = self.post(conn, [row])
                if st == 200:
                    ok = True
                    if json.loads(data).get("updated") != 1:
                        with self.lock:
                            self.unchanged += 1
                else:
                    with self.lock:
                        self.errors += 1
                        if len(self.samples) < 5:
                            self.samples.append("POST: %d %s" % (st, data[:200]))
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException, ValueError) as e:
                with self.lock:
                    self.errors += 1
                    if len(self.samples) < 5:
                        self.samples.append("POST: %s: %s" % (e.__class__.__name__, e))
                if conn is not None:
                    conn.close()
                conn = None
            done = time.monotonic()
            with self.lock:
                self.rec.append((due, picked, done, ok))
        if conn is not None:
            conn.close()

    def run(self):
        threads = [threading.Thread(target=self.worker, args=(k,), daemon=True)
                   for k in range(len(self.pools))]
        for t in threads:
            t.start()
        d = threading.Thread(target=self.dispatch, daemon=True)
        d.start()
        d.join(self.s["seconds"] + 10)
        for t in threads:
            t.join(max(0.0, self.end + self.s["timeout"] + 10 - time.monotonic()))
        hung = sum(t.is_alive() for t in threads)
        restored = self.restore()
        with self.lock:
            rec = list(self.rec)
        okr = [r for r in rec if r[3]]
        return {
            "scheduled": int(self.s["write_rate"] * self.s["seconds"]),
            "sent": len(rec), "completed": len(okr), "unsent": self.unsent,
            "errors": self.errors, "unchanged": self.unchanged, "samples": self.samples,
            "hung_connections": hung,
            "lat_ms": [(r[2] - r[1]) * 1000 for r in okr],
            "lat_due_ms": [(r[2] - r[0]) * 1000 for r in okr],
            "late_ms": [(r[1] - r[0]) * 1000 for r in rec],
            "last_done_s": max((r[2] for r in okr), default=self.start) - self.start,
            "restored": restored,
        }

    def restore(self):
        """Every ticket back as it was (one POST; unchanged ones are no-ops)."""
        rows = [p[0] for pool in self.pools for p in pool]
        try:
            conn = _conn(self.s["port"], max(self.s["timeout"], 120))
            st, data, _ = self.post(conn, rows)
            conn.close()
            return st == 200
        except (OSError, http.client.HTTPException):
            return False


def main():
    spec = json.load(open(sys.argv[1]))
    sys.setswitchinterval(0.001)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    # the readers need a moment to start (spawn): everyone begins together
    start = time.monotonic() + 1.5
    procs = [ctx.Process(target=reader, args=(i, spec, start, q), daemon=True)
             for i in range(spec["readers"])]
    for p in procs:
        p.start()
    w = None
    if spec["write_rate"] > 0:
        while time.monotonic() < start:
            time.sleep(0.001)
        w = Writer(spec, start).run()
    reads = []
    deadline = start + spec["seconds"] + spec["timeout"] + 30
    for _ in procs:
        try:
            reads.append(q.get(timeout=max(1.0, deadline - time.monotonic())))
        except queue.Empty:
            break
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
            p.join()
    out = {"seconds": spec["seconds"], "readers": spec["readers"],
           "readers_reported": len(reads), "write": w,
           "read": {"cached": [x for r in reads for x in r["lat"]["cached"]],
                    "uncached": [x for r in reads for x in r["lat"]["uncached"]],
                    "status": {}, "errors": sum(r["errors"] for r in reads),
                    "samples": [s for r in reads for s in r["samples"]][:10]}}
    for r in reads:
        for k, v in r["status"].items():
            out["read"]["status"][str(k)] = out["read"]["status"].get(str(k), 0) + v
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
