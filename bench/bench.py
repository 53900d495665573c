#!/usr/bin/env python3
"""make bench: Leadtime on a large store (issue 6).  Python 3 stdlib only.

Phases, in order (each timing is a median over RUNS runs unless a table
says otherwise):

  1. generate and import: `generate --creators 200000 --db` (the large set
     used below), and for 1M tickets `generate --csv` + `import` into an
     empty store, and `generate --db`;
  2. the daemon on the large set (`serve --port 0`, port read from its log
     line): per GET route, latency
       - cold after a write: first request after POST /api/v1/tickets
         changed one ticket (new data version; the writer rebuilt the
         snapshot, so this is response-cache miss + compute),
       - uncached: distinct query strings (the window shifted by k days) on
         one data version: cache miss, snapshot warm,
       - warm: the same request repeated (cache hit), and with
         If-None-Match (304);
     writes (POST changing a ticket, so the snapshot is rebuilt, vs POST
     changing nothing) and the first request after an out-of-process write
     (CLI import into the live store: that request builds the snapshot);
     warm throughput with wrk; daemon peak RSS (VmHWM);
  3. `leadtimed pit` CSV export of the whole store to /dev/null: rows/s and
     peak RSS (/usr/bin/time -v);
  4. SQL baseline: the overview totals for the same 1-year range by a
     hand-written query on the same store (sqlite3 CLI), checked equal to
     the daemon's, and the ratio to the daemon's cold overview;
  5. scaling: main routes at 3 store sizes x 3 range lengths, and at 3
     employee counts.

Latencies are measured by the client (Python http.client, one keep-alive
connection on loopback, about 0.1 ms of its own per request) and, in the
"srv" columns, by the daemon itself (its per-request log line: from the
request's arrival to the last byte queued).

Every daemon is started by this script and stopped by its own pid
(SIGTERM); the scratch folder is removed at exit.
"""
import argparse
import datetime as dt
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EPOCH = dt.date(1970, 1, 1)
D = dt.date.fromisoformat
TOKEN = "bench-token"

# SPEC-issue-6 targets
TARGETS = {
    "overview_cold_ms": 50, "department_ms": 50, "employee_ms": 20, "stages_ms": 100,
    "warm_rps": 15000, "pit_rows_s": 2e6, "pit_rss_mb": 64, "daemon_rss_mb": 200,
    "gen_import_s": 15,
}


T0 = time.monotonic()


def log(*a):
    print("[%4.0fs]" % (time.monotonic() - T0), *a, file=sys.stderr, flush=True)


def pct(xs, p):
    """percentile_cont, as SPEC §3."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    h = (len(xs) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def iso(d):
    return d.isoformat()


def daynum(d):
    return (d - EPOCH).days


# ---------------------------------------------------------------- processes

class Bench:
    def __init__(self, args):
        self.a = args
        self.bin = os.path.abspath(args.bin)
        self.tmp = args.tmp
        self.runs = args.runs
        self.results = {}
        self.daemons = []

    # -- commands --
    def cmd(self, argv, stdout=subprocess.PIPE, check=True, env=None):
        e = dict(os.environ)
        e.pop("JOURNAL_STREAM", None)
        if env:
            e.update(env)
        t0 = time.perf_counter()
        p = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, env=e)
        el = time.perf_counter() - t0
        if check and p.returncode != 0:
            raise RuntimeError("%s: exit %d\n%s" % (" ".join(argv), p.returncode,
                                                    p.stderr.decode(errors="replace")))
        return el, p

    def lt(self, *args, stdout=subprocess.PIPE, check=True):
        return self.cmd([self.bin] + [str(a) for a in args], stdout=stdout, check=check)

    def timed(self, argv, stdout_path="/dev/null"):
        """{wall, cpu (user + system s), rss (peak KiB), err (the command's
        stderr)} of one run, via /usr/bin/time -v."""
        el, rss, err = self.time_v(argv, stdout_path)
        text = open(os.path.join(self.tmp, "time.out")).read()
        cpu = sum(float(re.search(r"%s time \(seconds\): ([\d.]+)" % k, text).group(1))
                  for k in ("User", "System"))
        return {"wall": el, "cpu": cpu, "rss": rss, "err": err}

    def time_v(self, argv, stdout_path="/dev/null"):
        """(wall s, peak RSS KiB, stderr of the command) via /usr/bin/time -v."""
        tf = os.path.join(self.tmp, "time.out")
        with open(stdout_path, "wb") as out:
            t0 = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-v", "-o", tf] + argv, stdout=out,
                               stderr=subprocess.PIPE)
            el = time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError("%s: exit %d\n%s" % (" ".join(argv), p.returncode,
                                                    p.stderr.decode(errors="replace")))
        text = open(tf).read()
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
        return el, rss, p.stderr.decode(errors="replace")

    def config(self, name, db, as_of):
        """config.ini of the repository with db, as_of, port 0, no demo
        data, a write token and log level info."""
        want = {("server", "port"): "0", ("data", "db"): db, ("data", "as_of"): as_of,
                ("data", "seed_demo"): "false", ("auth", "write_token"): TOKEN,
                ("log", "level"): "info"}
        out, sec, seen = [], None, set()

        def flush():
            for (s, k), v in want.items():
                if s == sec and (s, k) not in seen:
                    out.append("%s = %s" % (k, v))
                    seen.add((s, k))
        for line in open(os.path.join(ROOT, "config.ini")).read().splitlines():
            m = re.match(r"\s*\[([^\]]+)\]", line)
            if m:
                flush()
                sec = m.group(1).strip()
                out.append(line)
                continue
            m = re.match(r"\s*([A-Za-z_]+)\s*=", line)
            if m and (sec, m.group(1)) in want:
                out.append("%s = %s" % (m.group(1), want[(sec, m.group(1))]))
                seen.add((sec, m.group(1)))
                continue
            out.append(line)
        flush()
        for (s, k), v in want.items():
            if (s, k) not in seen:
                out.append("[%s]\n%s = %s" % (s, k, v))
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")
        return path


class LogTail:
    """The daemon's request log lines: 'GET /path 200 1234 1.2ms'."""
    PAT = re.compile(r"^(?:<\d>)?(GET|POST|HEAD) (.*) (\d{3}) (\d+) ([\d.]+)ms(?: \(aborted\))?$")

    def __init__(self, path):
        self.path = path
        self.off = 0

    def skip(self):
        time.sleep(0.05)
        self.off = os.path.getsize(self.path)

    def take(self, n, timeout=10.0):
        """Server-side ms of the next n request lines (fewer on timeout)."""
        got = []
        deadline = time.monotonic() + timeout
        with open(self.path, "rb") as f:
            while len(got) < n and time.monotonic() < deadline:
                f.seek(self.off)
                chunk = f.read()
                end = chunk.rfind(b"\n")
                if end < 0:
                    time.sleep(0.01)
                    continue
                self.off += end + 1
                for line in chunk[:end].decode("utf-8", "replace").split("\n"):
                    m = self.PAT.match(line)
                    if m:
                        got.append(float(m.group(5)))
                if len(got) < n:
                    time.sleep(0.01)
        return got


class Daemon:
    def __init__(self, bench, cfg, name):
        self.b = bench
        self.logpath = os.path.join(bench.tmp, name + ".log")
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        self.logf = open(self.logpath, "wb")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([bench.bin, "serve", "--config", cfg, "--port", "0"],
                                     stdout=subprocess.DEVNULL, stderr=self.logf, env=env)
        bench.daemons.append(self)
        self.pid = self.proc.pid
        self.port = None
        pat = re.compile(r"serving .* on http://127\.0\.0\.1:(\d+)/")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.proc.poll() is None:
            m = pat.search(open(self.logpath, errors="replace").read())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.02)
        self.startup_s = time.perf_counter() - t0
        if self.port is None:
            self.stop()
            raise RuntimeError("daemon did not start:\n" + open(self.logpath).read())
        self.tail = LogTail(self.logpath)
        self.conn = None

    def status(self, key):
        try:
            for line in open("/proc/%d/status" % self.pid):
                if line.startswith(key + ":"):
                    return int(line.split()[1])  # kB
        except OSError:
            pass
        return None

    def stop(self):
        if self.conn:
            self.conn.close()
            self.conn = None
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(self.pid, signal.SIGKILL)
            rc = self.proc.wait()
        self.logf.close()
        if self in self.b.daemons:
            self.b.daemons.remove(self)
        return rc

    # -- HTTP, one keep-alive connection --
    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                el = time.perf_counter() - t0
                return resp.status, data, dict(resp.getheaders()), el * 1000.0
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def get_json(self, path):
        st, data, _, _ = self.get(path)
        if st != 200:
            raise RuntimeError("GET %s: %d %s" % (path, st, data[:300]))
        return json.loads(data)

    def post_tickets(self, rows):
        st, data, _, ms = self.request("POST", "/api/v1/tickets", body=json.dumps(rows),
                                       headers={"Authorization": "Bearer " + TOKEN,
                                                "Content-Type": "application/json"})
        if st != 200:
            raise RuntimeError("POST /api/v1/tickets: %d %s" % (st, data[:300]))
        return json.loads(data), ms


# ---------------------------------------------------------------- the routes

def window(as_of, span, k=0):
    """[from, to] of `span` days ending k days before as_of."""
    to = as_of - dt.timedelta(days=k)
    return to - dt.timedelta(days=span - 1), to


class Routes:
    """Paths of the GET routes for a window shifted by k days."""

    def __init__(self, as_of, span, emp_id, creator, q):
        self.as_of, self.span, self.emp, self.creator, self.q = as_of, span, emp_id, creator, q

    def rng(self, k):
        f, t = window(self.as_of, self.span, k)
        return "from=%s&to=%s" % (f, t)

    def all(self):
        """(name, path(k) or None when the route has no parameter to vary)."""
        enc = urllib.parse.quote(self.creator, safe="")

        def compare(k):
            bf, bt = window(self.as_of, self.span, k)
            af, at = window(self.as_of, self.span, k + self.span)
            return "/api/v1/compare?a_from=%s&a_to=%s&b_from=%s&b_to=%s" % (af, at, bf, bt)
        return [
            ("meta", lambda k: "/api/v1/meta", False),
            ("overview", lambda k: "/api/v1/overview?" + self.rng(k), True),
            ("departments/Design", lambda k: "/api/v1/departments/Design?" + self.rng(k), True),
            ("employees/{id}", lambda k: "/api/v1/employees/%d?%s" % (self.emp, self.rng(k)), True),
            ("stages", lambda k: "/api/v1/stages?" + self.rng(k), True),
            ("creators?q=", lambda k: "/api/v1/creators?q=%s&%s" % (self.q, self.rng(k)), True),
            ("creators/{name}", lambda k: "/api/v1/creators/%s?%s" % (enc, self.rng(k)), True),
            ("compare", compare, True),
            ("leaderboard", lambda k: "/api/v1/leaderboard?" + self.rng(k), True),
            ("pit?format=json&limit=1000",
             lambda k: "/api/v1/pit?format=json&limit=1000&" + self.rng(k), True),
            ("healthz", lambda k: "/healthz", False),
        ]


def discover(d, db):
    """An employee of Design (from meta), a creator with a ticket in every
    department (from the store, so that no analytics route is needed) and
    a search term."""
    meta = d.get_json("/api/v1/meta")
    emp = next(e["id"] for e in meta["employees"] if e["department"] == "Design")
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        row = con.execute(
            "SELECT c.name FROM creators c JOIN tickets t ON t.creator_id = c.id "
            "WHERE c.name LIKE '%Berg%' GROUP BY c.id "
            "HAVING count(DISTINCT t.department_id) >= ? ORDER BY c.name LIMIT 1",
            (len(meta["departments"]),)).fetchone()
        if not row:
            row = con.execute("SELECT name FROM creators ORDER BY name LIMIT 1").fetchone()
    finally:
        con.close()
    return meta, emp, row[0], "berg"


def present(d, routes):
    """The routes the daemon has (a 404 on the base path means the route is
    not there at this commit: measured as missing, not as an error)."""
    have, missing = [], []
    for r in routes:
        st, data, _, _ = d.get(r[1](0))
        # a 404 naming no parameter: no such route (an unknown creator or
        # employee would name it)
        (missing if st == 404 and b'"param"' not in data else have).append(r)
    return have, [r[0] for r in missing]


def pick_ticket(db, as_of):
    """A Design ticket closed in the last year whose close can move a day."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        r = con.execute(
            "SELECT t.ticket_id, c.name, e.name, d.name, t.opened_on, t.closed_on "
            "FROM tickets t JOIN creators c ON c.id = t.creator_id "
            "JOIN employees e ON e.id = t.employee_id JOIN departments d ON d.id = t.department_id "
            "WHERE d.name = 'Design' AND t.closed_on BETWEEN ? AND ? "
            "ORDER BY t.closed_on DESC, t.ticket_id LIMIT 1",
            (daynum(as_of) - 200, daynum(as_of) - 30)).fetchone()
    finally:
        con.close()
    day = lambda n: iso(EPOCH + dt.timedelta(days=n))
    base = {"ticket_id": r[0], "creator": r[1], "employee": r[2], "department": r[3],
            "opened_on": day(r[4]), "closed_on": day(r[5])}
    moved = dict(base, closed_on=day(r[5] + 1))
    return base, moved


def csv_field(s):
    if any(ch in s for ch in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def ticket_csv(t):
    cols = ["ticket_id", "creator", "employee", "department", "opened_on", "closed_on"]
    return ",".join(cols) + "\n" + ",".join(csv_field(t[c]) for c in cols) + "\n"


# ---------------------------------------------------------------- measuring

def measure_series(d, paths, headers=None, expect=(200,)):
    """Client ms and server ms of each path in order, serially."""
    d.tail.skip()
    cl, sizes = [], []
    for p in paths:
        st, data, _, ms = d.get(p, headers)
        if st not in expect:
            raise RuntimeError("GET %s: %d %s" % (p, st, data[:300]))
        cl.append(ms)
        sizes.append(len(data))
    srv = d.tail.take(len(paths))
    return cl, (srv if len(srv) == len(paths) else []), sizes


def stats(cl, srv=None):
    return {"n": len(cl), "p50": med(cl), "p99": pct(cl, 0.99),
            "srv_p50": med(srv) if srv else None, "srv_p99": pct(srv, 0.99) if srv else None}


def proc_cpu_s(pid):
    """utime + stime of a process, seconds."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_s():
    """CPU seconds spent busy by the whole machine (all cores) so far."""
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = f[3] + (f[4] if len(f) > 4 else 0)
    return (sum(f[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def loadavg():
    return float(open("/proc/loadavg").read().split()[0])


def wrk(url, seconds, conns=32, threads=2, header=None, pid=None):
    """wrk's figures, plus CPU per request of the daemon and of wrk, and the
    share of the machine other processes used meanwhile."""
    argv = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % seconds, "--latency"]
    if header:
        argv += ["-H", header]
    import resource
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    d0, m0, t0 = proc_cpu_s(pid) if pid else 0.0, machine_busy_s(), time.monotonic()
    p = subprocess.run(argv + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    d1, m1, t1 = proc_cpu_s(pid) if pid else 0.0, machine_busy_s(), time.monotonic()
    wrk_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if p.returncode != 0:
        raise RuntimeError("wrk: %s" % p.stderr)
    out = p.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def lat(q):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\b" % q, out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    nreq = int(re.search(r"(\d+) requests in", out).group(1))
    cores = len(os.sched_getaffinity(0))
    other = (m1 - m0) - (d1 - d0) - wrk_cpu
    return {"rps": rps, "p50": lat(50), "p99": lat(99), "non2xx": int(bad.group(1)) if bad else 0,
            "errors": errs.group(1) if errs else "", "requests": nreq,
            "daemon_us": (d1 - d0) * 1e6 / nreq if nreq else None,
            "wrk_us": wrk_cpu * 1e6 / nreq if nreq else None,
            "other_share": max(0.0, other) / ((t1 - t0) * cores)}


# ---------------------------------------------------------------- phases

def phase_generate(b, R):
    log("== generate / import")
    cfg = b.config("gen.ini", os.path.join(b.tmp, "unused.db"), "")
    big = os.path.join(b.tmp, "big.db")
    g, gcpu = [], []
    for i in range(b.runs):
        path = big if i == 0 else os.path.join(b.tmp, "gen%d.db" % i)
        t = b.timed([b.bin, "generate", "--config", cfg, "--creators", str(b.a.creators), "--db", path])
        el = t["wall"]
        g.append(el)
        gcpu.append(t["cpu"])
        if i:
            os.unlink(path)
            for ext in ("-wal", "-shm"):
                if os.path.exists(path + ext):
                    os.unlink(path + ext)
        m = re.search(r"(\d+) tickets.*as_of (\d{4}-\d\d-\d\d)", t["err"])
        R["big_tickets"], R["as_of"] = int(m.group(1)), m.group(2)
        log("  generate --creators %d --db: %.2f s (%s tickets)" % (b.a.creators, el, m.group(1)))
    R["gen_big_s"], R["gen_big_cpu"] = g, gcpu

    # 1M tickets: the generator scaled to about a million tickets
    creators_1m = int(round(b.a.creators * b.a.import_rows / R["big_tickets"], -3))
    csvp = os.path.join(b.tmp, "m.csv")
    gc, imp, imp_rss, gdb, imp_cpu = [], [], [], [], []
    for i in range(b.runs):
        t = b.timed([b.bin, "generate", "--config", cfg, "--creators", str(creators_1m), "--csv", csvp])
        gc.append(t["wall"])
        m = re.search(r"(\d+) tickets", t["err"])
        R["m_tickets"] = int(m.group(1))
        db = os.path.join(b.tmp, "imp.db")
        t = b.timed([b.bin, "import", "--config", cfg, "--db", db, csvp])
        el, rss = t["wall"], t["rss"]
        imp.append(el)
        imp_rss.append(rss)
        imp_cpu.append(t["cpu"])
        t = b.timed([b.bin, "generate", "--config", cfg, "--creators", str(creators_1m), "--db",
                     os.path.join(b.tmp, "gm.db")])
        el2 = t["wall"]
        gdb.append(el2)
        for f in os.listdir(b.tmp):
            if f.startswith(("imp.db", "gm.db")):
                os.unlink(os.path.join(b.tmp, f))
        log("  1M: generate --csv %.2f s, import %.2f s (%d MB), generate --db %.2f s"
            % (gc[-1], el, rss // 1024, el2))
    os.unlink(csvp)
    R.update(creators_1m=creators_1m, gen_csv_1m_s=gc, import_1m_s=imp,
             import_1m_rss_kb=imp_rss, gen_db_1m_s=gdb, import_1m_cpu=imp_cpu)
    return big


def phase_daemon(b, R, big):
    log("== daemon on the large set")
    as_of = D(R["as_of"])
    cfg = b.config("big.ini", big, R["as_of"])
    R["big_cfg"] = cfg
    d = Daemon(b, cfg, "big")
    try:
        R["startup_s"] = d.startup_s
        meta, emp, creator, q = discover(d, big)
        R["data_first"] = meta["data_bounds"]["first"]
        R["employees"] = len(meta["employees"])
        R["emp_id"], R["creator"] = emp, creator
        _, _, hdr, _ = d.get("/healthz")
        R["connection_header"] = hdr.get("Connection", "")
        routes, R["missing_routes"] = present(d, Routes(as_of, 365, emp, creator, q).all())
        if R["missing_routes"]:
            log("  routes not there (404), skipped: %s" % ", ".join(R["missing_routes"]))
        base, moved = pick_ticket(big, as_of)
        R["toggle_ticket"] = base["ticket_id"]

        # (a) first request of each route after a write that changed one ticket
        cold_a = {name: ([], []) for name, _, _ in routes}
        post_changed, post_same = [], []
        state = base
        for i in range(b.a.writes):
            state = moved if state is base else base
            res, ms = d.post_tickets([state])
            assert res["updated"] == 1, res
            post_changed.append(ms)
            for name, path, _ in routes:
                cl, srv, _ = measure_series(d, [path(0)])
                cold_a[name][0].extend(cl)
                cold_a[name][1].extend(srv)
        for i in range(b.a.writes):
            res, ms = d.post_tickets([state])
            assert res["unchanged"] == 1, res
            post_same.append(ms)
        if state is not base:
            d.post_tickets([base])
        R["post_changed_ms"], R["post_same_ms"] = post_changed, post_same
        log("  POST changed p50 %.1f ms, unchanged p50 %.1f ms" % (med(post_changed), med(post_same)))

        # (a') a write by another process: the first reader builds the snapshot
        ov = dict((n, p) for n, p, _ in routes).get("overview", lambda k: "/api/v1/meta")
        first_after_cli, cli_import = [], []
        csvp = os.path.join(b.tmp, "one.csv")
        state = base
        for i in range(b.a.cli_writes):
            state = moved if state is base else base
            with open(csvp, "w") as f:
                f.write(ticket_csv(state))
            el, _ = b.lt("import", "--config", cfg, csvp)
            cli_import.append(el * 1000)
            cl, srv, _ = measure_series(d, [ov(0)])
            first_after_cli.append((cl[0], srv[0] if srv else None))
        if state is not base:
            with open(csvp, "w") as f:
                f.write(ticket_csv(base))
            b.lt("import", "--config", cfg, csvp)
            d.get(ov(0))
        R["cli_import_ms"] = cli_import
        R["first_after_cli"] = first_after_cli
        log("  first overview after a CLI import p50 %.1f ms" % med([x[0] for x in first_after_cli]))

        # (b) uncached and warm, on one data version
        table = []
        for name, path, varies in routes:
            row = {"route": name, "path": path(0)}
            row["cold_a"] = stats(*cold_a[name])
            if varies:
                cl, srv, sizes = measure_series(d, [path(k) for k in range(1, b.a.cold + 1)])
                row["uncached"] = stats(cl, srv)
            st, data, hdr, _ = d.get(path(0))
            row["bytes"] = len(data)
            etag = hdr.get("ETag") or hdr.get("Etag")
            cl, srv, _ = measure_series(d, [path(0)] * b.a.warm)
            row["warm"] = stats(cl, srv)
            if etag:
                cl, srv, _ = measure_series(d, [path(0)] * b.a.warm, {"If-None-Match": etag},
                                            expect=(304,))
                row["304"] = stats(cl, srv)
            table.append(row)
            log("  %-28s cold-a %7.2f  uncached %7s  warm %6.2f  bytes %d" % (
                name, row["cold_a"]["p50"],
                "%.2f" % row["uncached"]["p50"] if "uncached" in row else "-",
                row["warm"]["p50"], row["bytes"]))
            if name == "overview":
                R["overview_1y"] = json.loads(data)
        R["routes"] = table

        # throughput, warm
        base_url = "http://127.0.0.1:%d" % d.port
        ov1y = ov(0)
        _, _, hdr, _ = d.get(ov1y)
        etag = hdr.get("ETag") or hdr.get("Etag") or '"none"'

        rss_samples = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                v = d.status("VmRSS")
                if v:
                    rss_samples.append(v)
                time.sleep(0.1)
        th = threading.Thread(target=sample, daemon=True)
        th.start()
        thr = {}
        loads = [("healthz (floor of the HTTP stack)", "/healthz", None)]
        if "overview" not in R["missing_routes"]:
            loads = [("overview (90 days, default view), 200 from cache", "/api/v1/overview", None),
                     ("overview (1 year), 200 from cache", ov1y, None),
                     ("overview (1 year), If-None-Match -> 304", ov1y, "If-None-Match: " + etag)] + loads
        for label, url, header in loads:
            runs = []
            for i in range(b.runs):
                runs.append(wrk(base_url + url, b.a.wrk_seconds, b.a.wrk_conns, b.a.wrk_threads,
                                header, d.pid))
            thr[label] = runs
            log("  wrk %-50s %8.0f req/s" % (label, med([r["rps"] for r in runs])))
        stop.set()
        th.join()
        R["throughput"] = thr
        R["daemon_rss_kb"] = d.status("VmRSS")
        R["daemon_hwm_kb"] = d.status("VmHWM")
        R["daemon_rss_max_sampled_kb"] = max(rss_samples) if rss_samples else None
    finally:
        rc = d.stop()
    R["daemon_exit"] = rc
    log("  daemon VmHWM %d MB, exit %d" % (R["daemon_hwm_kb"] // 1024, rc))


def pit_rows(db, first, to, as_of):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        f, t, a = daynum(first), daynum(to), daynum(as_of)
        return con.execute(
            "SELECT coalesce(sum(min(coalesce(CASE WHEN closed_on <= :a THEN closed_on END, :a), :t)"
            " - max(opened_on, :f) + 1), 0) FROM tickets t JOIN departments d"
            " ON d.id = t.department_id WHERE d.position IS NOT NULL AND opened_on <= :t"
            " AND coalesce(CASE WHEN closed_on <= :a THEN closed_on END, :a) >= :f",
            {"f": f, "t": t, "a": a}).fetchone()[0]
    finally:
        con.close()


def phase_pit(b, R, big):
    log("== pit export")
    rows = pit_rows(big, D(R["data_first"]), D(R["as_of"]), D(R["as_of"]))
    ts, rss, cpu = [], [], []
    for i in range(b.runs):
        t = b.timed([b.bin, "pit", "--config", R["big_cfg"], "--from", R["data_first"],
                     "--to", R["as_of"]])
        el, kb = t["wall"], t["rss"]
        ts.append(el)
        rss.append(kb)
        cpu.append(t["cpu"])
        log("  %d rows in %.2f s (%.2fM rows/s; CPU %.2f s), peak RSS %d MB" % (
            rows, el, rows / el / 1e6, t["cpu"], kb // 1024))
    R["pit"] = {"rows": rows, "s": ts, "rss_kb": rss, "cpu_s": cpu}


def run_sql(b, db, sqlfile, f, t, a):
    prelude = (".parameter init\n.parameter set :f %d\n.parameter set :t %d\n"
               ".parameter set :asof %d\n.mode list\n" % (f, t, a))
    sql = prelude + open(sqlfile).read()
    t0 = time.perf_counter()
    p = subprocess.run(["sqlite3", "-readonly", db], input=sql.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    el = time.perf_counter() - t0
    if p.returncode != 0 or p.stderr:
        raise RuntimeError("sqlite3 %s: %s" % (sqlfile, p.stderr.decode()))
    rows = [line.split("|") for line in p.stdout.decode().splitlines() if line]
    return el, rows


def same_totals(rows, overview):
    """The SQL rows equal the daemon's overview totals (to its 3 decimals)?"""
    deps = {x["name"]: x["totals"] for x in overview["departments"]}
    if len(rows) != len(deps):
        return False
    for r in rows:
        t = deps.get(r[0])
        if t is None:
            return False
        mine = [t["opened"], t["closed"], t["backlog_end"], t["avg_open"], t["lead_time"]["mean"],
                t["lead_time"]["p50"], t["sla_hit_rate"]]
        for a, v in zip(r[1:], mine):
            if (a == "") != (v is None):
                return False
            if v is not None and abs(float(a) - float(v)) > 1.01e-3:
                return False
    return True


def phase_sql(b, R, big):
    log("== SQL baseline")
    as_of = D(R["as_of"])
    f, t = window(as_of, 365)
    out = {}
    for name, fn in [("naive", "overview_naive.sql"), ("tuned", "overview_tuned.sql")]:
        ts, ok = [], True
        runs = b.runs if name == "tuned" else b.a.naive_runs
        for i in range(runs):
            el, rows = run_sql(b, big, os.path.join(HERE, "sql", fn), daynum(f), daynum(t),
                               daynum(as_of))
            ts.append(el)
            ok = ok and same_totals(rows, R["overview_1y"]) if "overview_1y" in R else None
            log("  %s: %.2f s, equal to the daemon: %s" % (name, el, ok))
        out[name] = {"s": ts, "equal": ok}
    R["sql"] = out


def remap_employees(src_csv, dst_csv, factor):
    """Spread each employee's tickets over `factor` employees (same tickets)."""
    with open(src_csv, newline="") as fi, open(dst_csv, "w", newline="") as fo:
        import csv
        r = csv.reader(fi)
        w = csv.writer(fo, lineterminator="\n")
        head = next(r)
        w.writerow(head)
        ei, ti = head.index("employee"), head.index("ticket_id")
        for row in r:
            row[ei] = "%s %d" % (row[ei], zlib.crc32(row[ti].encode()) % factor)
            w.writerow(row)


def scale_one(b, R, db, label, as_of, spans, with_writes=True):
    cfg = b.config("scale.ini", db, iso(as_of))
    d = Daemon(b, cfg, "scale")
    res = {"label": label, "startup_s": d.startup_s}
    try:
        meta, emp, creator, q = discover(d, db)
        res["tickets"], res["employees"] = meta["tickets"], len(meta["employees"])
        if with_writes:
            base, moved = pick_ticket(db, as_of)
            ch, same = [], []
            state = base
            for i in range(b.runs):
                state = moved if state is base else base
                ch.append(d.post_tickets([state])[1])
            for i in range(b.runs):
                same.append(d.post_tickets([state])[1])
            res["post_changed_ms"], res["post_same_ms"] = ch, same
        per = {}
        for span in spans:
            routes = {n: p for n, p, _ in Routes(as_of, span, emp, creator, q).all()
                      if n not in R.get("missing_routes", [])}
            names = ["overview", "departments/Design", "employees/{id}", "stages"]
            if span == 365:
                names += ["compare", "leaderboard", "creators?q=", "creators/{name}"]
            for n in [n for n in names if n in routes]:
                cl, srv, sizes = measure_series(d, [routes[n](k) for k in range(1, b.a.scale_n + 1)])
                per["%s@%d" % (n, span)] = {"p50": med(cl), "srv_p50": med(srv) if srv else None,
                                  "bytes": med(sizes)}
        res["routes"] = per
        res["hwm_kb"] = d.status("VmHWM")
    finally:
        d.stop()
    log("  %s: %d tickets, %d employees, overview 1y %s ms" % (
        label, res["tickets"], res["employees"],
        fms(res["routes"].get("overview@365", {}).get("p50"))))
    return res


def phase_scaling(b, R, big):
    log("== scaling")
    as_of = D(R["as_of"])
    spans = [90, 365, 1095]
    cfg = b.config("gen2.ini", os.path.join(b.tmp, "unused.db"), "")
    sizes = []
    for n in b.a.sizes:
        if n == b.a.creators:
            db, gen = big, R["gen_big_s"]
        else:
            db = os.path.join(b.tmp, "s%d.db" % n)
            gen = []
            for i in range(b.runs):
                for f in os.listdir(b.tmp):
                    if f.startswith("s%d.db" % n):
                        os.unlink(os.path.join(b.tmp, f))
                gen.append(b.lt("generate", "--config", cfg, "--creators", n, "--db", db)[0])
        res = scale_one(b, R, db, "%d creators" % n, as_of, spans)
        res["creators"], res["gen_s"] = n, gen
        sizes.append(res)
        if db != big:
            for f in os.listdir(b.tmp):
                if f.startswith("s%d.db" % n):
                    os.unlink(os.path.join(b.tmp, f))
    R["scale_sizes"] = sizes

    # employees: the large set's tickets spread over more employees
    csvp = os.path.join(b.tmp, "big.csv")
    b.lt("generate", "--config", cfg, "--creators", b.a.creators, "--csv", csvp)
    emps = []
    for factor in b.a.emp_factors:
        if factor == 1:
            res = next(s for s in sizes if s["creators"] == b.a.creators)
            emps.append(dict(res, factor=1))
            continue
        dst = os.path.join(b.tmp, "e.csv")
        remap_employees(csvp, dst, factor)
        db = os.path.join(b.tmp, "e%d.db" % factor)
        b.lt("import", "--config", cfg, "--db", db, dst)
        os.unlink(dst)
        res = scale_one(b, R, db, "x%d employees" % factor, as_of, [365], with_writes=False)
        res["factor"] = factor
        emps.append(res)
        for f in os.listdir(b.tmp):
            if f.startswith("e%d.db" % factor):
                os.unlink(os.path.join(b.tmp, f))
    os.unlink(csvp)
    R["scale_emps"] = emps


# ---------------------------------------------------------------- report

def machine():
    model = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = ""
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    cores = len(os.sched_getaffinity(0))

    def out(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  cwd=ROOT, text=True).stdout.strip()
        except OSError:
            return ""
    commit = out(["git", "rev-parse", "HEAD"])
    subject = out(["git", "log", "-1", "--format=%s"])
    dirty = out(["git", "status", "--porcelain", "--", "server", "sql", "Makefile"])
    return {"cores": cores, "mem": mem, "cpu": model, "kernel": platform.release(),
            "sqlite": out(["sqlite3", "--version"]).split(" ")[0],
            "cc": out(["cc", "--version"]).split("\n")[0],
            "commit": commit, "subject": subject, "dirty": bool(dirty),
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def f1(x, nd=1):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return "%.*f" % (nd, x)


def fms(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if x < 1:
        return "%.2f" % x
    if x < 100:
        return "%.1f" % x
    return "%.0f" % x


def render(b, R, M):
    L = []
    w = L.append
    runs = b.runs
    w("Measured by `make bench` (bench/run.sh) on %s." % M["date"])
    w("")
    w("**Machine**: %d cores (%s), %s RAM, Linux %s; SQLite %s; %s."
      % (M["cores"], M["cpu"], M["mem"], M["kernel"], M["sqlite"], M["cc"]))
    w("**Commit**: `%s` (%s)%s." % (M["commit"][:12], M["subject"],
                                    ", with uncommitted changes in server/ or sql/" if M["dirty"] else ""))
    if os.path.realpath(b.a.bin_orig) != os.path.realpath(os.path.join(ROOT, "build", "leadtimed")):
        w("**Binary**: `%s` (not this tree's build: the commit above may not be what ran)." % b.a.bin_orig)
    else:
        w("**Binary**: `build/leadtimed` built %s (sha256 %s…), copied at the start and run from "
          "the copy." % (M["bin_mtime"], M["bin_sha"]))
    w("**Data**: `leadtimed generate --creators %d` = %d tickets, %d employees, %s to %s "
      "(as_of); 1-year range = %s to %s." % (
          b.a.creators, R["big_tickets"], R["employees"], R["data_first"], R["as_of"],
          *window(D(R["as_of"]), 365)))
    w("**Other load**: %s." % "; ".join(
        "%s: load average %.1f → %.1f, other processes %.0f%% of the CPUs" % (
            c["phase"], c["load_start"], c["load_end"], 100 * c["other_share"])
        for c in R.get("contention", [])))
    w("**Runs**: every figure is a median; processes (generate, import, pit, SQL) %d runs "
      "each (the days-x-tickets SQL %d); latencies: %d writes for *after a write*, %d distinct "
      "queries for *uncached*, %d repeats for *warm*; wrk %d runs of %d s, -t%d -c%d."
      % (runs, b.a.naive_runs, b.a.writes, b.a.cold, b.a.warm, runs, b.a.wrk_seconds,
         b.a.wrk_threads, b.a.wrk_conns))
    w("")

    # targets
    rt = {r["route"]: r for r in R["routes"]}
    pit = R["pit"]
    pit_s = med(pit["s"])
    pit_rps = pit["rows"] / pit_s
    pit_rss = med(pit["rss_kb"]) / 1024
    thr = R["throughput"]
    rps = lambda key: med([x["rps"] for x in thr.get(key, [])])
    warm_rps = rps("overview (1 year), 200 from cache")
    warm90 = rps("overview (90 days, default view), 200 from cache")
    w304 = rps("overview (1 year), If-None-Match -> 304")
    gi = med(R["gen_csv_1m_s"]) + med(R["import_1m_s"])
    hwm = R["daemon_hwm_kb"] / 1024

    def ok(c):
        return "met" if c else "**missed**"

    def cold(name):
        return rt[name]["cold_a"]["p50"], rt[name]["uncached"]["p50"]
    w("## Targets (large set, %d cores)" % M["cores"])
    w("")
    w("| target | measured (median) | |")
    w("|---|---|---|")
    for label, name, lim in [("overview, 1 year, cold ≤ 50 ms", "overview", TARGETS["overview_cold_ms"]),
                             ("department, 1 year, cold ≤ 50 ms", "departments/Design", TARGETS["department_ms"]),
                             ("employee, 1 year, cold ≤ 20 ms", "employees/{id}", TARGETS["employee_ms"]),
                             ("stages, 1 year, cold ≤ 100 ms", "stages", TARGETS["stages_ms"])]:
        if name not in rt:
            w("| %s | not measured: the route answers 404 at this commit | – |" % label)
            continue
        a, u = cold(name)
        extra = ""
        if name == "overview":
            extra = " (after an import by another process the first request also builds the " \
                "snapshot: %s ms, see below)" % fms(med([x[0] for x in R["first_after_cli"]]))
        w("| %s | %s ms first request after a write; %s ms uncached%s | %s |"
          % (label, fms(a), fms(u), extra, ok(max(a, u) <= lim)))
    if math.isnan(warm_rps):
        w("| warm responses ≥ 15,000 req/s | not measured (no overview route); healthz %.0f req/s | – |"
          % rps("healthz (floor of the HTTP stack)"))
    else:
        w("| warm responses ≥ 15,000 req/s | %.0f req/s overview 1 year (%.0f default view, %.0f as 304) | %s |"
          % (warm_rps, warm90, w304, ok(warm_rps >= TARGETS["warm_rps"])))
    pit_cpu_rps = pit["rows"] / med(pit["cpu_s"])
    w("| pit export ≥ 2M rows/s | %.2fM rows/s (%d rows in %.2f s; %.2fM rows per CPU-second) | %s |"
      % (pit_rps / 1e6, pit["rows"], pit_s, pit_cpu_rps / 1e6, ok(pit_rps >= TARGETS["pit_rows_s"])))
    w("| pit export peak RSS ≤ 64 MB | %.1f MB | %s |" % (pit_rss, ok(pit_rss <= TARGETS["pit_rss_mb"])))
    load_rss = (R["daemon_rss_max_sampled_kb"] or 0) / 1024
    lim = TARGETS["daemon_rss_mb"]
    verdict = ok(hwm <= lim) if hwm <= lim or load_rss > lim else \
        "met under read load; **missed** at the rebuild peak"
    w("| daemon RSS ≤ 200 MB under load | %.0f MB (highest VmRSS sampled during wrk); VmHWM %.0f MB "
      "over the whole run, reached while a write rebuilds the snapshot | %s |" % (load_rss, hwm, verdict))
    w("| generate + import 1M tickets ≤ 15 s | %.1f s (%d tickets: generate --csv %.1f s + import %.1f s); "
      "generate --db alone %.1f s | %s |" % (gi, R["m_tickets"], med(R["gen_csv_1m_s"]),
                                             med(R["import_1m_s"]), med(R["gen_db_1m_s"]),
                                             ok(gi <= TARGETS["gen_import_s"])))
    w("")

    # routes
    w("## Latency per GET route (large set, 1-year range, ms)")
    w("")
    w("*after write*: the first request after `POST /api/v1/tickets` changed a ticket (new data "
      "version; the writer already rebuilt the snapshot, the response cache misses). *uncached*: "
      "distinct query strings (the window shifted a day at a time) on one version. *warm*: the "
      "same request again (cache hit) and with `If-None-Match` (304). Client time over loopback; "
      "*srv* is the daemon's own time from its log line.")
    w("")
    w("| route | bytes | after write p50 / p99 | uncached p50 / p99 | uncached srv p50 | warm p50 / p99 | warm srv p50 | 304 p50 |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in R["routes"]:
        u = r.get("uncached")
        w("| `%s` | %d | %s / %s | %s | %s | %s / %s | %s | %s |" % (
            r["route"], r["bytes"], fms(r["cold_a"]["p50"]), fms(r["cold_a"]["p99"]),
            "%s / %s" % (fms(u["p50"]), fms(u["p99"])) if u else "–",
            fms(u["srv_p50"]) if u else "–",
            fms(r["warm"]["p50"]), fms(r["warm"]["p99"]), fms(r["warm"]["srv_p50"]),
            fms(r["304"]["p50"]) if "304" in r else "–"))
    for name in R.get("missing_routes", []):
        w("| `%s` | – | 404: not there at this commit | | | | | |" % name)
    w("")
    fa = R["first_after_cli"]
    ov_label = "overview" if "overview" in rt else "meta"
    w("Writes and snapshot rebuilds (ms, p50): `POST /api/v1/tickets` changing one ticket "
      "**%s** (commit + snapshot rebuild by the writer), the same POST changing nothing "
      "**%s** (no new version, no rebuild), so the rebuild costs about **%s ms**. "
      "After a write by another process (`leadtimed import` of one row into the live store, "
      "%s ms), the first %s request builds the snapshot itself: **%s ms** (daemon: %s ms). "
      "Daemon start-up to listening (snapshot included): %.2f s."
      % (fms(med(R["post_changed_ms"])), fms(med(R["post_same_ms"])),
         fms(med(R["post_changed_ms"]) - med(R["post_same_ms"])), fms(med(R["cli_import_ms"])),
         ov_label, fms(med([x[0] for x in fa])), fms(med([x[1] for x in fa if x[1] is not None])),
         R["startup_s"]))
    w("")

    w("## Throughput, warm (wrk, %d threads, %d connections, %d s, %d runs)"
      % (b.a.wrk_threads, b.a.wrk_conns, b.a.wrk_seconds, runs))
    w("")
    if R.get("connection_header", "").lower() == "close":
        w("**The daemon answers every request with `Connection: close`**, so each request "
          "here is also a new TCP connection (accept, close, a fresh connection memory pool).")
        w("")
    w("wrk runs on the same %d cores as the daemon. *CPU/request* is the daemon's (user + "
      "system, from /proc) and wrk's own; *others* is the share of the machine's CPU time "
      "other processes took during the run (the runs are only comparable when it is small)."
      % M["cores"])
    w("")
    w("| request | req/s (median) | runs | latency p50 / p99 ms | CPU/request daemon, wrk µs | others |")
    w("|---|---:|---|---:|---:|---:|")
    for label, rs in thr.items():
        m = med([x["rps"] for x in rs])
        bad = sum(x["non2xx"] for x in rs)
        w("| %s | %.0f | %s | %s / %s | %s, %s | %.0f%% |%s" % (
            label, m, ", ".join("%.0f" % x["rps"] for x in rs), fms(med([x["p50"] for x in rs])),
            fms(med([x["p99"] for x in rs])), f1(med([x["daemon_us"] for x in rs]), 0),
            f1(med([x["wrk_us"] for x in rs]), 0), 100 * med([x["other_share"] for x in rs]),
            " (%d non-2xx!)" % bad if bad else ""))
    w("")
    w("Daemon memory: VmHWM %.0f MB after the whole run (loads, writes with rebuilds, wrk); "
      "VmRSS %.0f MB at the end, %.0f MB the highest sampled during wrk." % (
          hwm, R["daemon_rss_kb"] / 1024, (R["daemon_rss_max_sampled_kb"] or 0) / 1024))
    w("")

    w("## Data loading and export")
    w("")
    w("Wall time; *CPU* is user + system of the process (/usr/bin/time), which other load "
      "on the machine does not inflate as much.")
    w("")
    w("| step | time (median) | runs | CPU | peak RSS |")
    w("|---|---:|---|---:|---:|")
    w("| `generate --creators %d --db` (%d tickets) | %.2f s | %s | %.2f s | |" % (
        b.a.creators, R["big_tickets"], med(R["gen_big_s"]), ", ".join("%.2f" % x for x in R["gen_big_s"]),
        med(R["gen_big_cpu"])))
    w("| `generate --creators %d --csv` (%d tickets) | %.2f s | %s | | |" % (
        R["creators_1m"], R["m_tickets"], med(R["gen_csv_1m_s"]), ", ".join("%.2f" % x for x in R["gen_csv_1m_s"])))
    w("| `import` of that CSV into an empty store | %.2f s | %s | %.2f s | %.0f MB |" % (
        med(R["import_1m_s"]), ", ".join("%.2f" % x for x in R["import_1m_s"]), med(R["import_1m_cpu"]),
        med(R["import_1m_rss_kb"]) / 1024))
    w("| `generate --creators %d --db` | %.2f s | %s | | |" % (
        R["creators_1m"], med(R["gen_db_1m_s"]), ", ".join("%.2f" % x for x in R["gen_db_1m_s"])))
    w("| `pit` CSV of the whole store (%s to %s, %d rows) to /dev/null | %.2f s = %.2fM rows/s | %s | %.2f s | %.1f MB |" % (
        R["data_first"], R["as_of"], pit["rows"], pit_s, pit_rps / 1e6,
        ", ".join("%.2f" % x for x in pit["s"]), med(pit["cpu_s"]), pit_rss))
    w("")

    ov_u = rt["overview"]["uncached"]["p50"] if "overview" in rt else float("nan")
    if "sql" in R:
        render_sql(w, R, ov_u, rt)
    if "scale_sizes" in R:
        render_scaling(w, b, R)
    return "\n".join(L)


def render_sql(w, R, ov_u, rt):
    sq = R["sql"]
    w("## SQL baseline: overview totals, 1 year")
    w("")
    w("The per-department totals of the overview (opened, closed, backlog_end, avg_open, lead "
      "time p50 and mean, sla_hit_rate) for the same range on the same store, by the sqlite3 "
      "CLI: `bench/sql/overview_naive.sql` expands the point-in-time rows as SPEC §2 defines "
      "them (a recursive CTE of days joined to tickets) and aggregates them; "
      "`bench/sql/overview_tuned.sql` is what someone who knows the row shape writes (interval "
      "overlap per ticket, no expansion). Both give exactly the daemon's numbers (checked "
      "every run). The daemon's overview computes more than these totals (weekly series, the "
      "previous period's KPIs, end-to-end lead time with its rolling line, weekday profile).")
    w("")
    w("| query | time (median) | runs | equal to the daemon | × daemon cold overview (%s ms) |" % fms(ov_u))
    w("|---|---:|---|---|---:|")
    for name, label in [("naive", "days × tickets (hand-written, straightforward)"),
                        ("tuned", "interval overlap (hand-tuned)")]:
        s = sq[name]
        w("| %s | %.2f s | %s | %s | %s× |" % (
            label, med(s["s"]), ", ".join("%.2f" % x for x in s["s"]),
            {True: "yes", False: "**no**", None: "not checked (no overview route)"}[s["equal"]],
            f1(med(s["s"]) * 1000 / ov_u, 0)))
    w("")
    w("(The daemon's cold overview is taken as its uncached p50, %s ms; the first request "
      "after a write took %s ms.)" % (fms(ov_u), fms(rt["overview"]["cold_a"]["p50"] if "overview" in rt else None)))
    w("")


def render_scaling(w, b, R):
    names = ["overview", "departments/Design", "employees/{id}", "stages"]
    w("## Scaling")
    w("")
    w("Uncached latency (client ms, p50 of %d distinct queries each) by store size and range "
      "length; every size is a fresh store from `generate` (same 35 employees, 3 years)." % b.a.scale_n)
    w("")
    sizes = R["scale_sizes"]
    head = "| route | days | " + " | ".join("%d creators (%dk tickets)" % (s["creators"], s["tickets"] // 1000)
                                            for s in sizes) + " | growth, smallest → largest |"
    w(head)
    w("|---|---:|" + "---:|" * len(sizes) + "---:|")
    for n in names + ["compare", "leaderboard", "creators?q=", "creators/{name}"]:
        for span in ([90, 365, 1095] if n in names else [365]):
            vals = [s["routes"].get("%s@%d" % (n, span), {}).get("p50") for s in sizes]
            if all(v is None for v in vals):
                continue
            growth = vals[-1] / vals[0] if vals[0] and vals[-1] else None
            w("| `%s` | %d | %s | %s× |" % (n, span, " | ".join(fms(v) for v in vals), f1(growth)))
    w("| snapshot rebuild (POST changed − unchanged) | | %s | |" % " | ".join(
        fms(med(s["post_changed_ms"]) - med(s["post_same_ms"])) for s in sizes))
    w("| daemon start-up, s | | %s | |" % " | ".join("%.2f" % s["startup_s"] for s in sizes))
    w("| daemon VmHWM, MB | | %s | |" % " | ".join("%.0f" % (s["hwm_kb"] / 1024) for s in sizes))
    w("| `generate --db`, s | | %s | |" % " | ".join("%.2f" % med(s["gen_s"]) for s in sizes))
    w("")
    emps = R["scale_emps"]
    w("Employees: the large set's tickets spread over more employees (each ticket's employee "
      "becomes one of k per original employee), 1-year range, uncached client ms (p50):")
    w("")
    w("| route | " + " | ".join("%d employees" % e["employees"] for e in emps) + " |")
    w("|---|" + "---:|" * len(emps))
    for n in names + ["leaderboard"]:
        cells = [e["routes"].get("%s@365" % n) for e in emps]
        if not any(cells):
            continue
        w("| `%s` | %s |" % (n, " | ".join("%s (%s KB)" % (fms(c["p50"]), f1(c["bytes"] / 1024, 0))
                                           if c else "–" for c in cells)))
    w("")


BEGIN = "<!-- BEGIN bench/run.sh output: regenerated by `make bench` -->"
END = "<!-- END bench/run.sh output -->"


def write_doc(path, text):
    old = open(path).read() if os.path.exists(path) else ""
    block = BEGIN + "\n" + text + "\n" + END
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = ("# Benchmarks\n\n`make bench` measures Leadtime on a large generated store and "
               "rewrites the section below.\n\n" + block + "\n" + old)
    with open(path, "w") as f:
        f.write(new)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "leadtimed"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"),
                    help="markdown file to update ('' = print only)")
    ap.add_argument("--json", default="", help="also write the raw results here")
    ap.add_argument("--quick", action="store_true", help="small sizes and few runs (harness check)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--creators", type=int, default=200000)
    ap.add_argument("--import-rows", type=int, default=1000000)
    ap.add_argument("--sizes", default="20000,60000,200000")
    ap.add_argument("--emp-factors", default="1,4,16")
    ap.add_argument("--writes", type=int, default=9)
    ap.add_argument("--cli-writes", type=int, default=5)
    ap.add_argument("--cold", type=int, default=41)
    ap.add_argument("--warm", type=int, default=300)
    ap.add_argument("--scale-n", type=int, default=11)
    ap.add_argument("--naive-runs", type=int, default=3)
    ap.add_argument("--wrk-seconds", type=int, default=8)
    ap.add_argument("--wrk-conns", type=int, default=32)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--skip", default="", help="comma list of phases to skip: sql,scaling")
    a = ap.parse_args()
    if a.quick:
        a.creators, a.import_rows, a.sizes, a.runs = 20000, 100000, "5000,10000,20000", 2
        a.writes, a.cli_writes, a.cold, a.warm, a.scale_n = 3, 2, 7, 30, 3
        a.naive_runs, a.wrk_seconds = 1, 2
    a.sizes = [int(x) for x in a.sizes.split(",")]
    a.emp_factors = [int(x) for x in a.emp_factors.split(",")]
    if a.creators not in a.sizes:
        a.sizes.append(a.creators)
    skip = set(filter(None, a.skip.split(",")))

    for tool in ("wrk", "sqlite3", "/usr/bin/time"):
        if not shutil.which(tool):
            sys.exit("bench: %s is missing (scripts/install-deps.sh --bench installs it)" % tool)
    if not os.access(a.bin, os.X_OK):
        sys.exit("bench: %s is missing; run make" % a.bin)

    a.tmp = tempfile.mkdtemp(prefix="leadtime-bench.")
    # run a private copy: build/ is shared, and a rebuild during the run
    # must not change what is measured half-way
    a.bin_orig = a.bin
    a.bin = os.path.join(a.tmp, "leadtimed")
    shutil.copy2(a.bin_orig, a.bin)
    b = Bench(a)
    R = {}

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    t0 = time.monotonic()
    try:
        M = machine()
        import hashlib
        M["bin_sha"] = hashlib.sha256(open(a.bin, "rb").read()).hexdigest()[:12]
        M["bin_mtime"] = dt.datetime.fromtimestamp(os.path.getmtime(a.bin_orig), dt.timezone.utc
                                                   ).strftime("%Y-%m-%d %H:%M:%S UTC")
        log("bench: %d cores, %s, %s; commit %s; scratch %s" % (M["cores"], M["cpu"], M["mem"],
                                                                 M["commit"][:12], a.tmp))
        R["contention"] = []

        def phase(name, fn, *args):
            import resource
            ours = lambda: sum(getattr(resource.getrusage(w), f) for w in (
                resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
            la0, m0, o0, t0 = loadavg(), machine_busy_s(), ours(), time.monotonic()
            out = fn(*args)
            m1, o1, t1 = machine_busy_s(), ours(), time.monotonic()
            R["contention"].append({"phase": name, "load_start": la0, "load_end": loadavg(),
                                    "seconds": t1 - t0,
                                    "other_share": max(0.0, (m1 - m0) - (o1 - o0)) / ((t1 - t0) * M["cores"])})
            return out
        big = phase("generate + import", phase_generate, b, R)
        phase("daemon: latency, writes, wrk", phase_daemon, b, R, big)
        phase("pit export", phase_pit, b, R, big)
        if "sql" not in skip:
            phase("SQL baseline", phase_sql, b, R, big)
        if "scaling" not in skip:
            phase("scaling", phase_scaling, b, R, big)
        R["elapsed_s"] = time.monotonic() - t0
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"machine": M, "results": R}, f, default=str, indent=1)
        text = render(b, R, M) + "\nWhole run: %.0f s.\n" % R["elapsed_s"]
        print(text)
        if a.out:
            write_doc(a.out, text)
            log("bench: wrote %s" % a.out)
    finally:
        for d in list(b.daemons):
            d.stop()
        shutil.rmtree(a.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
