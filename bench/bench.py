#!/usr/bin/env python3
"""make bench: Leadtime on a large store (issues 6 and 9).  Python 3 stdlib
(plus wrk, nginx, sqlite3 and /usr/bin/time as programs).

Phases, in order (each timing is a median over RUNS runs unless a table
says otherwise):

  1. generate and import: `generate --creators 252000 --db` (the large set,
     about 1M tickets, used below), and its CSV (`generate --csv`)
     imported into an empty store;
  2. the daemon on the large set (`serve --port 0`, port read from its log
     line): per GET route, latency
       - cold after a write: first request after POST /api/v1/tickets
         changed one ticket (new data version: response-cache miss +
         whatever the daemon still has to compute),
       - uncached: distinct query strings (the window shifted by k days) on
         one data version: cache miss,
       - warm: the same request repeated (cache hit), and with
         If-None-Match (304);
     single-ticket writes: WRITES (100) POSTs each changing one ticket
     (commit included), the first 1-year overview after each, and POSTs
     that change nothing; the first request after an out-of-process write
     (CLI import into the live store); warm throughput with wrk against
     the daemon and against a private nginx serving the daemon's exact
     bodies from files (plain and gzip, interleaved runs, same wrk
     settings); sustained mixed load (bench/load.py: concurrent readers
     plus 50 single-ticket writes/s, open loop, for 60 s); daemon RSS;
  3. `leadtimed pit` CSV export of the whole store to /dev/null: rows/s and
     peak RSS (/usr/bin/time -v);
  4. SQL baseline: the overview totals for the same 1-year range by a
     hand-written query on the same store (sqlite3 CLI), checked equal to
     the daemon's, and the ratio to the daemon's cold overview;
  5. scaling: main routes at 3 store sizes x 3 range lengths, and at 3
     employee counts;
  6. 10M tickets (skip with --no-10m): `generate --csv` + `import` into an
     empty store (wall, CPU, peak RSS), daemon start-up until it serves,
     RSS after start and under read load, cold 1-year overview.

Latencies are measured by the client (Python http.client, one keep-alive
connection on loopback, about 0.1 ms of its own per request) and, in the
"srv" columns, by the daemon itself (its per-request log line: from the
request's arrival to the last byte queued; left empty when the daemon's
log lines do not have that shape).

A route that answers 404 at the measured commit is reported as missing,
and a part that fails is reported with its error; the rest of the run goes
on.  Every process is started by this script and stopped by its own pid
(daemons SIGTERM, nginx SIGQUIT, SIGKILL after a timeout); the scratch
folder is removed at exit.
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

import nginx

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EPOCH = dt.date(1970, 1, 1)
D = dt.date.fromisoformat
TOKEN = "bench-token"

# issue 9's targets (2 cores, medians)
TARGETS = {
    "overview_1m_ms": 10, "overview_10m_ms": 25, "route_1m_ms": 10, "post_p50_ms": 5,
    "mixed_rate": 50, "mixed_read_p99_ms": 50, "import_1m_s": 5, "import_10m_s": 60,
    "import_10m_rss_mb": 1536, "startup_10m_s": 10, "warm_ratio": 0.8,
}


T0 = time.monotonic()


# the generated stores start here (2019-01-01 + 1095 days: to 2021-12-30) whatever
# the day the bench runs: figures stay comparable from run to run
GEN_START = "2019-01-01"

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

def run_bounded(argv, timeout, stdout=subprocess.PIPE, env=None, input=None):
    """subprocess.run in a process group of its own, killed whole (by that
    group's id) when it overruns `timeout` s or the bench is interrupted:
    /usr/bin/time's child would otherwise outlive a killed `time`."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                         stdout=stdout, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        out, err = p.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise RuntimeError("%s: still running after %d s, killed" % (" ".join(argv), timeout))
    except BaseException:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


class Bench:
    def __init__(self, args):
        self.a = args
        self.bin = os.path.abspath(args.bin)
        self.tmp = args.tmp
        self.runs = args.runs
        self.results = {}
        self.daemons = []
        self.nginx = None

    # -- commands --
    def cmd(self, argv, stdout=subprocess.PIPE, check=True, env=None, stdin=None, timeout=None):
        e = dict(os.environ)
        e.pop("JOURNAL_STREAM", None)
        if env:
            e.update(env)
        t0 = time.perf_counter()
        p = run_bounded(argv, timeout or self.a.cmd_timeout, stdout=stdout, env=e, input=stdin)
        el = time.perf_counter() - t0
        if check and p.returncode != 0:
            raise RuntimeError("%s: exit %d\n%s" % (" ".join(argv), p.returncode,
                                                    p.stderr.decode(errors="replace")[-3000:]))
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
            p = run_bounded(["/usr/bin/time", "-v", "-o", tf] + argv, self.a.cmd_timeout, stdout=out)
            el = time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError("%s: exit %d\n%s" % (" ".join(argv), p.returncode,
                                                    p.stderr.decode(errors="replace")[-3000:]))
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
    """The daemon's request log lines: 'GET /path 200 1234 1.2ms'.  When the
    daemon's lines stop having that shape (another commit may log
    differently), the first `take` that finds none gives up for good: the
    srv columns are then empty instead of every request waiting for a
    line that never comes."""
    PAT = re.compile(r"^(?:<\d>)?(GET|POST|HEAD) (.*) (\d{3}) (\d+) ([\d.]+)ms(?: \(aborted\))?$")

    def __init__(self, path):
        self.path = path
        self.off = 0
        self.works = None      # None: not known yet

    def skip(self):
        # the daemon writes its request lines in batches at least every
        # 50 ms (server/log.h): wait for the earlier requests' lines
        time.sleep(0.2)
        self.off = os.path.getsize(self.path)

    def first_srv(self, path, timeout=3.0):
        """Server-side ms of the first logged request for `path` (the
        daemon may log it with or without its query string), from the start
        of the log (no skip() needed before the request)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in open(self.path, "rb").read().decode("utf-8", "replace").split("\n"):
                m = self.PAT.match(line)
                if m and m.group(2) in (path, path.split("?")[0]):
                    return float(m.group(5))
            time.sleep(0.02)
        return None

    def take(self, n, timeout=10.0):
        """Server-side ms of the next n request lines (fewer on timeout)."""
        if self.works is False:
            return []
        got = []
        deadline = time.monotonic() + (timeout if self.works else min(timeout, 3.0))
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
        if self.works is None:
            self.works = bool(got)
            if not got:
                log("  (the daemon's log has no request lines of the known shape: no srv figures)")
        return got


def listening_port(pid):
    """The TCP port a process listens on, from /proc (for a daemon whose log
    line does not say it)."""
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                t = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if t.startswith("socket:["):
                inodes.add(t[8:-1])
    except OSError:
        return None
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(name).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:      # 0A = LISTEN
                return int(f[1].rsplit(":", 1)[1], 16)
    return None


class Daemon:
    """`leadtimed serve` on port 0 with its own log file.  startup_s: from
    exec to the log line that names the port (or, failing that, a
    listening socket in /proc); serve_s: to the first 200 of /healthz."""

    def __init__(self, bench, cfg, name, deadline_s=300):
        self.b = bench
        self.logpath = os.path.join(bench.tmp, name + ".log")
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        self.logf = open(self.logpath, "wb")
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen([bench.bin, "serve", "--config", cfg, "--port", "0"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self.logf, env=env)
        bench.daemons.append(self)
        self.pid = self.proc.pid
        self.port = None
        self.conn = None
        pat = re.compile(r"serving .* on http://127\.0\.0\.1:(\d+)/")
        deadline = time.monotonic() + deadline_s
        n = 0
        while time.monotonic() < deadline and self.proc.poll() is None:
            m = pat.search(open(self.logpath, errors="replace").read())
            if m:
                self.port = int(m.group(1))
                break
            n += 1
            if n % 25 == 0:
                self.port = listening_port(self.pid)
                if self.port:
                    break
            time.sleep(0.02)
        self.startup_s = time.perf_counter() - self.t0
        if self.port is None:
            why = ("exited with %s" % self.proc.returncode if self.proc.poll() is not None
                   else "no port after %d s" % deadline_s)
            self.stop()
            raise RuntimeError("daemon did not start (%s):\n%s" % (why, open(self.logpath).read()[-3000:]))
        self.serve_s = None
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                st, _, _, _ = self.get("/healthz")
                if st == 200:
                    self.serve_s = time.perf_counter() - self.t0
                    break
            except OSError:
                pass
            time.sleep(0.02)
        if self.serve_s is None:
            self.stop()
            raise RuntimeError("daemon never answered /healthz with 200:\n" + open(self.logpath).read()[-3000:])
        self.tail = LogTail(self.logpath)

    def since_start(self):
        return time.perf_counter() - self.t0

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
            log("  daemon %d did not stop within 60 s of SIGTERM: SIGKILL" % self.pid)
            os.kill(self.pid, signal.SIGKILL)
            rc = self.proc.wait()
        self.logf.close()
        if self in self.b.daemons:
            self.b.daemons.remove(self)
        return rc

    # -- HTTP, one keep-alive connection --
    def request(self, method, path, body=None, headers=None, timeout=300):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            try:
                t0 = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                el = time.perf_counter() - t0
                if (resp.getheader("Connection") or "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, data, dict(resp.getheaders()), el * 1000.0
            except (http.client.HTTPException, OSError):
                if self.conn is not None:
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
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=60)
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


TICKET_ROWS = ("SELECT t.ticket_id, c.name, e.name, d.name, t.opened_on, t.closed_on "
               "FROM tickets t JOIN creators c ON c.id = t.creator_id "
               "JOIN employees e ON e.id = t.employee_id JOIN departments d ON d.id = t.department_id ")


def ticket_pair(r):
    """(base, moved) of a TICKET_ROWS row: the ticket as stored, and with its
    close a day later."""
    day = lambda n: iso(EPOCH + dt.timedelta(days=n))
    base = {"ticket_id": r[0], "creator": r[1], "employee": r[2], "department": r[3],
            "opened_on": day(r[4]), "closed_on": day(r[5])}
    return base, dict(base, closed_on=day(r[5] + 1))


def pick_ticket(db, as_of):
    """A Design ticket closed in the last year whose close can move a day."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=60)
    try:
        r = con.execute(
            TICKET_ROWS + "WHERE d.name = 'Design' AND t.closed_on BETWEEN ? AND ? "
            "ORDER BY t.closed_on DESC, t.ticket_id LIMIT 1",
            (daynum(as_of) - 200, daynum(as_of) - 30)).fetchone()
    finally:
        con.close()
    return ticket_pair(r)


def pick_tickets(db, as_of, n):
    """n (base, moved) pairs of tickets of every department, closed 30 to
    300 days before as_of, spread over the store (every k-th in ticket_id
    order)."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=60)
    try:
        rows = con.execute(
            TICKET_ROWS + "WHERE d.position IS NOT NULL AND t.closed_on BETWEEN ? AND ? "
            "ORDER BY t.ticket_id", (daynum(as_of) - 300, daynum(as_of) - 30)).fetchall()
    finally:
        con.close()
    if len(rows) < n:
        raise RuntimeError("only %d tickets closed in the last 300 days; %d needed" % (len(rows), n))
    return [ticket_pair(r) for r in rows[::len(rows) // n][:n]]


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
    return {"n": len(cl), "p50": med(cl), "p99": pct(cl, 0.99), "max": max(cl) if cl else None,
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


def wrk(url, seconds, conns=32, threads=2, header=None, pids=()):
    """wrk's figures, plus CPU per request of the server (the sum over
    `pids`) and of wrk, the bytes read per request (headers included), and
    the share of the machine other processes used meanwhile."""
    argv = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % seconds, "--latency"]
    if header:
        argv += ["-H", header]
    import resource

    def srv_cpu():
        t = 0.0
        for p in pids:
            try:
                t += proc_cpu_s(p)
            except OSError:
                pass
        return t
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    d0, m0, t0 = srv_cpu(), machine_busy_s(), time.monotonic()
    try:
        p = subprocess.run(argv + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        raise RuntimeError("wrk did not finish within %d s" % (seconds + 60))
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    d1, m1, t1 = srv_cpu(), machine_busy_s(), time.monotonic()
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
    m = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) read", out)
    nreq = int(m.group(1))
    read = float(m.group(2)) * {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3,
                                "TB": 1024 ** 4}[m.group(3)]
    cores = len(os.sched_getaffinity(0))
    other = (m1 - m0) - (d1 - d0) - wrk_cpu
    return {"rps": rps, "p50": lat(50), "p99": lat(99), "non2xx": int(bad.group(1)) if bad else 0,
            "errors": errs.group(1) if errs else "", "requests": nreq,
            "bytes_per_req": read / nreq if nreq else None,
            "daemon_us": (d1 - d0) * 1e6 / nreq if nreq and pids else None,
            "wrk_us": wrk_cpu * 1e6 / nreq if nreq else None,
            "other_share": max(0.0, other) / ((t1 - t0) * cores)}


# ---------------------------------------------------------------- phases

def rm_db(path):
    for ext in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + ext):
            os.unlink(path + ext)


def db_bytes(path):
    return sum(os.path.getsize(path + ext) for ext in ("", "-wal") if os.path.exists(path + ext))


def phase_generate(b, R):
    log("== generate / import")
    cfg = b.config("gen.ini", os.path.join(b.tmp, "unused.db"), "")
    big = os.path.join(b.tmp, "big.db")
    g, gcpu = [], []
    for i in range(b.runs):
        path = big if i == 0 else os.path.join(b.tmp, "gen%d.db" % i)
        t = b.timed([b.bin, "generate", "--config", cfg, "--start", GEN_START, "--creators", str(b.a.creators), "--db", path])
        g.append(t["wall"])
        gcpu.append(t["cpu"])
        if i:
            rm_db(path)
        m = re.search(r"(\d+) tickets.*as_of (\d{4}-\d\d-\d\d)", t["err"])
        R["big_tickets"], R["as_of"] = int(m.group(1)), m.group(2)
        log("  generate --creators %d --db: %.2f s (%s tickets)" % (b.a.creators, t["wall"], m.group(1)))
    R["gen_big_s"], R["gen_big_cpu"] = g, gcpu
    R["big_db_bytes"] = db_bytes(big)

    # the same data set as import CSV, imported into an empty store
    csvp = os.path.join(b.tmp, "m.csv")
    gc, imp, imp_rss, imp_cpu = [], [], [], []
    for i in range(b.runs):
        t = b.timed([b.bin, "generate", "--config", cfg, "--start", GEN_START, "--creators", str(b.a.creators), "--csv", csvp])
        gc.append(t["wall"])
        R["csv_bytes"] = os.path.getsize(csvp)
        n = int(re.search(r"(\d+) tickets", t["err"]).group(1))
        if n != R["big_tickets"]:
            raise RuntimeError("generate --csv made %d tickets, --db %d" % (n, R["big_tickets"]))
        db = os.path.join(b.tmp, "imp.db")
        t = b.timed([b.bin, "import", "--config", cfg, "--db", db, csvp])
        imp.append(t["wall"])
        imp_rss.append(t["rss"])
        imp_cpu.append(t["cpu"])
        rm_db(db)
        log("  generate --csv %.2f s, import %.2f s (CPU %.2f s, %d MB)"
            % (gc[-1], t["wall"], t["cpu"], t["rss"] // 1024))
    os.unlink(csvp)
    R.update(gen_csv_s=gc, import_s=imp, import_rss_kb=imp_rss, import_cpu=imp_cpu)
    return big


class Sampler:
    """VmRSS of a process every 0.1 s in a thread, while in the with block."""

    def __init__(self, d):
        self.d = d
        self.samples = []
        self.stop = threading.Event()

    def __enter__(self):
        def run():
            while not self.stop.is_set():
                v = self.d.status("VmRSS")
                if v:
                    self.samples.append(v)
                self.stop.wait(0.1)
        self.th = threading.Thread(target=run, daemon=True)
        self.th.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.th.join()

    def max_kb(self):
        return max(self.samples) if self.samples else None


def part(R, name, fn, *args):
    """Run one part of a phase; a failure is logged and recorded under
    R["errors"][name] (shown in the report) and the run goes on."""
    try:
        return fn(*args)
    except (RuntimeError, OSError, ValueError, KeyError, AssertionError,
            http.client.HTTPException) as e:
        msg = "%s: %s" % (e.__class__.__name__, e)
        log("  %s FAILED: %s" % (name, msg))
        R.setdefault("errors", {})[name] = msg
        return None


def main_routes(routes):
    """The dashboard's routes: everything but the export and the health check."""
    return [r for r in routes if r[0] not in ("pit?format=json&limit=1000", "healthz")]


def phase_daemon(b, R, big):
    log("== daemon on the large set")
    as_of = D(R["as_of"])
    cfg = b.config("big.ini", big, R["as_of"])
    R["big_cfg"] = cfg
    d = Daemon(b, cfg, "big")
    try:
        R["startup_s"], R["serve_s"] = d.startup_s, d.serve_s
        meta, emp, creator, q = discover(d, big)
        R["data_first"] = meta["data_bounds"]["first"]
        R["employees"] = len(meta["employees"])
        R["emp_id"], R["creator"] = emp, creator
        _, _, hdr, _ = d.get("/healthz")
        R["connection_header"] = hdr.get("Connection", "")
        routes, R["missing_routes"] = present(d, Routes(as_of, 365, emp, creator, q).all())
        if R["missing_routes"]:
            log("  routes not there (404), skipped: %s" % ", ".join(R["missing_routes"]))
        rmap = {n: p for n, p, _ in routes}
        ov = rmap.get("overview", lambda k: "/api/v1/meta")
        base, moved = pick_ticket(big, as_of)
        R["toggle_ticket"] = base["ticket_id"]
        npairs = (b.a.write_n + 1) // 2
        pairs = pick_tickets(big, as_of, npairs + 4 * b.a.write_conns)
        wpairs, mpairs = pairs[:npairs], pairs[npairs:]

        measure_after_write(b, d, R, routes, base, moved)
        part(R, "single-ticket writes", measure_writes, b, d, R, ov(0), wpairs)
        part(R, "write by another process", measure_cli, b, d, R, cfg, ov, base, moved)
        measure_routes(b, d, R, routes)
        with Sampler(d) as smp:
            part(R, "throughput", measure_throughput, b, d, R, ov(0))
        R["daemon_rss_max_sampled_kb"] = smp.max_kb()
        R["daemon_rss_kb"] = d.status("VmRSS")
        if b.a.mixed_seconds > 0:
            part(R, "mixed load", measure_mixed, b, d, R, routes, mpairs, ov(0))
        R["daemon_hwm_kb"] = d.status("VmHWM")
        R["daemon_rss_end_kb"] = d.status("VmRSS")
    finally:
        rc = d.stop()
    R["daemon_exit"] = rc
    log("  daemon VmHWM %s MB, exit %d" % (f1((R.get("daemon_hwm_kb") or 0) / 1024, 0), rc))


def measure_after_write(b, d, R, routes, base, moved):
    """(a) the first request of each route after a write that changed one
    ticket; b.a.writes such writes, alternating the ticket's two states."""
    cold_a = {name: ([], []) for name, _, _ in routes}
    post_changed, post_same = [], []
    state = base
    for i in range(b.a.writes):
        state = moved if state is base else base
        res, ms = d.post_tickets([state])
        if res.get("updated") != 1:
            raise RuntimeError("POST changing one ticket answered %s" % res)
        post_changed.append(ms)
        for name, path, _ in routes:
            cl, srv, _ = measure_series(d, [path(0)])
            cold_a[name][0].extend(cl)
            cold_a[name][1].extend(srv)
    for i in range(b.a.writes):
        res, ms = d.post_tickets([state])
        if res.get("unchanged") != 1:
            raise RuntimeError("POST repeating a ticket answered %s" % res)
        post_same.append(ms)
    if state is not base:
        d.post_tickets([base])
    R["cold_a"] = {k: stats(*v) for k, v in cold_a.items()}
    R["post_changed_ms"], R["post_same_ms"] = post_changed, post_same
    log("  POST changed p50 %.1f ms, unchanged p50 %.1f ms" % (med(post_changed), med(post_same)))


def measure_writes(b, d, R, ov_path, pairs):
    """write_n POSTs in a row, each changing one ticket (moving a close a
    day, then back, over `pairs`: the store ends as it began), the first
    1-year overview after each, then write_n POSTs that change nothing."""
    post, post_srv, ov_cl, ov_srv = [], [], [], []
    for i in range(b.a.write_n):
        bs, mv = pairs[(i // 2) % len(pairs)]
        d.tail.skip()
        res, ms = d.post_tickets([mv if i % 2 == 0 else bs])
        if res.get("updated") != 1:
            raise RuntimeError("POST changing one ticket answered %s" % res)
        post.append(ms)
        post_srv.extend(d.tail.take(1))
        cl, srv, _ = measure_series(d, [ov_path])
        ov_cl.extend(cl)
        ov_srv.extend(srv)
    if b.a.write_n % 2:
        d.post_tickets([pairs[(b.a.write_n - 1) // 2 % len(pairs)][0]])
    noop, noop_srv = [], []
    for i in range(b.a.write_n):
        d.tail.skip()
        res, ms = d.post_tickets([pairs[i % len(pairs)][0]])
        if res.get("unchanged") != 1:
            raise RuntimeError("POST repeating a ticket answered %s" % res)
        noop.append(ms)
        noop_srv.extend(d.tail.take(1))
    R["writes"] = {"n": b.a.write_n, "tickets": len(pairs),
                   "post": stats(post, post_srv if len(post_srv) == len(post) else None),
                   "noop": stats(noop, noop_srv if len(noop_srv) == len(noop) else None),
                   "overview_after": stats(ov_cl, ov_srv if len(ov_srv) == len(ov_cl) else None),
                   "post_ms": post, "overview_ms": ov_cl}
    log("  %d single-ticket POSTs: p50 %s p99 %s ms; overview after p50 %s ms; no-op POST p50 %s ms" % (
        b.a.write_n, fms(med(post)), fms(pct(post, 0.99)), fms(med(ov_cl)), fms(med(noop))))


def measure_cli(b, d, R, cfg, ov, base, moved):
    """(a') a write by another process (CLI import into the live store) and
    the first overview after it."""
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


def measure_routes(b, d, R, routes):
    """(b) uncached and warm, on one data version."""
    table = []
    for name, path, varies in routes:
        row = {"route": name, "path": path(0)}
        row["cold_a"] = R.get("cold_a", {}).get(name)
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
        log("  %-28s cold-a %7s  uncached %7s  warm %6.2f  bytes %d" % (
            name, fms(row["cold_a"]["p50"] if row["cold_a"] else None),
            fms(row["uncached"]["p50"]) if "uncached" in row else "-",
            row["warm"]["p50"], row["bytes"]))
        if name == "overview":
            R["overview_1y"] = json.loads(data)
            R["overview_1y_body"] = data
    R["routes"] = table


WARM_SERVED = [("default", "overview (90 days, default view)", "overview_default.json"),
               ("1y", "overview (1 year)", "overview_1y.json")]


def measure_throughput(b, d, R, ov1y):
    """Warm throughput: wrk against the daemon and, with identical
    settings and interleaved runs, against nginx serving the daemon's
    exact bodies (plain, and gzip with a precompressed twin)."""
    base_url = "http://127.0.0.1:%d" % d.port
    st, data, hdr, _ = d.get(ov1y)
    etag = hdr.get("ETag") or hdr.get("Etag") or '"none"'
    wk = dict(seconds=b.a.wrk_seconds, conns=b.a.wrk_conns, threads=b.a.wrk_threads)
    thr, cmp_ = {}, []
    have_ov = "overview" not in R["missing_routes"]
    if have_ov:
        bodies = {}
        for key, _, fname in WARM_SERVED:
            path = "/api/v1/overview" if key == "default" else ov1y
            st, data, _, _ = d.get(path)
            if st != 200:
                raise RuntimeError("GET %s: %d" % (path, st))
            bodies[key] = (path, fname, data)
        ngx_bin = nginx.find()
        ng = None
        if ngx_bin is None:
            R.setdefault("errors", {})["nginx"] = "nginx is not installed (scripts/install-deps.sh --bench)"
            log("  nginx missing: no comparison")
        else:
            ng = nginx.Nginx(ngx_bin, os.path.join(b.tmp, "nginx"),
                             {fname: data for _, fname, data in bodies.values()},
                             len(os.sched_getaffinity(0))).start()
            b.nginx = ng
            R["nginx_version"] = subprocess.run([ngx_bin, "-v"], stdout=subprocess.PIPE,
                                                stderr=subprocess.STDOUT, text=True).stdout.strip()
        try:
            for key, label, fname in WARM_SERVED:
                path, _, body = bodies[key]
                for enc in (None, "gzip"):
                    header = "Accept-Encoding: gzip" if enc else None
                    row = {"key": key, "label": label, "enc": enc or "identity",
                           "daemon": probe_body(base_url + path, enc, body)}
                    if ng:
                        row["nginx"] = probe_body(ng.url(fname), enc, body)
                    runs_d, runs_n = [], []
                    for i in range(b.a.wrk_pairs):
                        order = [("d", base_url + path), ("n", ng.url(fname) if ng else None)]
                        if i % 2:
                            order.reverse()
                        for who, url in order:
                            if url is None:
                                continue
                            if who == "d":
                                runs_d.append(wrk(url, header=header, pids=[d.pid], **wk))
                            else:
                                runs_n.append(wrk(url, header=header,
                                                  pids=[ng.proc.pid] + ng.workers_pids(), **wk))
                    row["daemon_runs"], row["nginx_runs"] = runs_d, runs_n
                    if runs_n:
                        row["ratios"] = [x["rps"] / y["rps"] for x, y in zip(runs_d, runs_n)]
                    cmp_.append(row)
                    log("  wrk %-34s %-8s daemon %7.0f req/s (%6s B)  nginx %7s req/s (%6s B)" % (
                        label, row["enc"], med([x["rps"] for x in runs_d]), row["daemon"]["bytes"],
                        "%.0f" % med([x["rps"] for x in runs_n]) if runs_n else "-",
                        row["nginx"]["bytes"] if ng else "-"))
        finally:
            if ng:
                ng.stop()
                b.nginx = None
    R["warm_cmp"] = cmp_
    loads = [("healthz (floor of the HTTP stack)", "/healthz", None)]
    if have_ov:
        loads = [("overview (1 year), If-None-Match -> 304", ov1y, "If-None-Match: " + etag)] + loads
    for label, url, header in loads:
        runs = [wrk(base_url + url, header=header, pids=[d.pid], **wk) for i in range(b.runs)]
        thr[label] = runs
        log("  wrk %-50s %8.0f req/s" % (label, med([r["rps"] for r in runs])))
    R["throughput"] = thr


def probe_body(url, enc, plain):
    """One GET: body bytes on the wire, Content-Encoding, and whether the
    body is (or decompresses to) `plain`."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    try:
        c.request("GET", u.path + ("?" + u.query if u.query else ""),
                  headers={"Accept-Encoding": enc} if enc else {})
        r = c.getresponse()
        data = r.read()
        ce = (r.getheader("Content-Encoding") or "").lower()
        vary = r.getheader("Vary") or ""
    finally:
        c.close()
    if r.status != 200:
        raise RuntimeError("GET %s: %d" % (url, r.status))
    try:
        same = (zlib.decompress(data, 16 + zlib.MAX_WBITS) if ce == "gzip" else data) == plain
    except zlib.error:
        same = False
    return {"bytes": len(data), "encoding": ce or "identity", "same": same, "vary": vary}


def run_load(b, spec, timeout):
    """bench/load.py with `spec`, as a subprocess bounded by `timeout`."""
    sp, op = os.path.join(b.tmp, "load-spec.json"), os.path.join(b.tmp, "load-out.json")
    with open(sp, "w") as f:
        json.dump(spec, f)
    if os.path.exists(op):
        os.unlink(op)
    p = run_bounded([sys.executable, os.path.join(HERE, "load.py"), sp, op], timeout)
    if p.returncode != 0 or not os.path.exists(op):
        raise RuntimeError("bench/load.py: exit %d\n%s" % (p.returncode, p.stderr.decode(errors="replace")[-3000:]))
    return json.load(open(op))


def load_routes(routes, n):
    return [{"name": name, "cached": path(0),
             "uncached": [path(k) for k in range(1, n + 1)] if varies else [path(0)]}
            for name, path, varies in main_routes(routes)]


def measure_mixed(b, d, R, routes, pairs, ov_path):
    """Sustained mixed load: readers plus paced single-ticket writes."""
    spec = {"port": d.port, "seconds": b.a.mixed_seconds, "token": TOKEN, "timeout": 60,
            "readers": b.a.readers, "read_routes": load_routes(routes, 700),
            "write_rate": b.a.mixed_rate, "write_conns": b.a.write_conns,
            "ticket_pairs": pairs}
    log("  mixed load: %d readers + %g writes/s for %d s" % (b.a.readers, b.a.mixed_rate,
                                                             b.a.mixed_seconds))
    cpu0, m0, t0 = proc_cpu_s(d.pid), machine_busy_s(), time.monotonic()
    with Sampler(d) as smp:
        out = run_load(b, spec, b.a.mixed_seconds + 300)
    cpu1, m1, t1 = proc_cpu_s(d.pid), machine_busy_s(), time.monotonic()
    out["daemon_cpu_share"] = (cpu1 - cpu0) / ((t1 - t0) * len(os.sched_getaffinity(0)))
    out["rss_max_kb"] = smp.max_kb()
    # the store must be back as it was (the SQL baseline compares with the
    # overview measured before): every ticket was put back by load.py
    if "overview_1y_body" in R:
        st, data, _, _ = d.get(ov_path)
        out["store_restored"] = st == 200 and data == R["overview_1y_body"]
    R["mixed"] = out
    w, rd = out["write"], out["read"]
    log("  mixed: reads %d (errors %d) p50 %s p99 %s ms; writes %d/%d done (errors %d, unsent %d) "
        "p50 %s p99 %s ms, late p99 %s ms; restored %s" % (
            len(rd["cached"]) + len(rd["uncached"]), rd["errors"], fms(med(rd["cached"] + rd["uncached"])),
            fms(pct(rd["cached"] + rd["uncached"], 0.99)), w["completed"], w["scheduled"], w["errors"],
            w["unsent"], fms(med(w["lat_ms"])), fms(pct(w["lat_ms"], 0.99)), fms(pct(w["late_ms"], 0.99)),
            out.get("store_restored")))


def pit_rows(db, first, to, as_of):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=60)
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
    p = run_bounded(["sqlite3", "-readonly", "-cmd", ".timeout 10000", db], b.a.cmd_timeout, input=sql.encode())
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
                gen.append(b.lt("generate", "--config", cfg, "--start", GEN_START, "--creators", n, "--db", db)[0])
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
    b.lt("generate", "--config", cfg, "--start", GEN_START, "--creators", b.a.creators, "--csv", csvp)
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


def phase_10m(b, R):
    """10M tickets: generate --csv, import into an empty store, daemon
    start-up, RSS, cold overview, RSS under read load.  Scratch files are
    removed at the end of the phase (and by the scratch folder's removal
    if the run is interrupted)."""
    n = b.a.creators_10m
    log("== %d creators (~%.1fM tickets)" % (n, n * R["big_tickets"] / b.a.creators / 1e6))
    est = n * R["big_tickets"] / b.a.creators
    # peak disk: the CSV, the store and a WAL as large as the store (the
    # import is one transaction), from the large set's bytes per ticket
    per = (R["csv_bytes"] + 2.2 * R["big_db_bytes"]) / R["big_tickets"]
    need = est * per * 1.2 + (256 << 20)
    free = shutil.disk_usage(b.tmp).free
    M = R["m10"] = {"creators": n, "need_bytes": need, "free_bytes": free, "runs": b.a.runs_10m}
    if free < need:
        M["skipped"] = ("not enough free disk in %s: about %.1f GB needed, %.1f GB free"
                        % (os.path.dirname(b.tmp), need / 1e9, free / 1e9))
        log("  " + M["skipped"])
        return
    cfg = b.config("gen10.ini", os.path.join(b.tmp, "unused.db"), "")
    csvp, db = os.path.join(b.tmp, "10m.csv"), os.path.join(b.tmp, "10m.db")
    try:
        t = b.timed([b.bin, "generate", "--config", cfg, "--start", GEN_START, "--creators", str(n), "--csv", csvp])
        m = re.search(r"(\d+) tickets.*as_of (\d{4}-\d\d-\d\d)", t["err"])
        M.update(tickets=int(m.group(1)), as_of=m.group(2), gen_csv_s=t["wall"],
                 csv_bytes=os.path.getsize(csvp))
        log("  generate --csv %.1f s: %d tickets, %.0f MB" % (t["wall"], M["tickets"], M["csv_bytes"] / 1e6))
        imp = []
        for i in range(b.a.runs_10m):
            rm_db(db)
            t = b.timed([b.bin, "import", "--config", cfg, "--db", db, csvp])
            imp.append({"s": t["wall"], "cpu": t["cpu"], "rss_kb": t["rss"]})
            log("  import %.1f s (CPU %.1f s), peak RSS %d MB" % (t["wall"], t["cpu"], t["rss"] // 1024))
        M["import"] = imp
        os.unlink(csvp)
        M["db_bytes"] = db_bytes(db)
        scfg = b.config("m10.ini", db, M["as_of"])
        as_of = D(M["as_of"])
        starts = []
        for i in range(b.a.runs_10m):
            starts.append(start_10m(b, M, scfg, as_of, last=(i == b.a.runs_10m - 1)))
        M["starts"] = starts
    finally:
        rm_db(db)
        if os.path.exists(csvp):
            os.unlink(csvp)


def start_10m(b, M, cfg, as_of, last):
    d = Daemon(b, cfg, "m10", deadline_s=b.a.cmd_timeout)
    try:
        s = {"listen_s": d.startup_s, "healthz_s": d.serve_s, "rss_start_kb": d.status("VmRSS")}
        # the first request after /healthz: the 1-year overview
        ovp = "/api/v1/overview?" + Routes(as_of, 365, 0, "", "").rng(0)
        st, _, _, ms = d.get(ovp)
        if st == 200:
            s["serves_overview_s"] = d.since_start()
            s["first_overview_ms"], s["first_overview_srv_ms"] = ms, d.tail.first_srv(ovp)
        s["rss_first_kb"] = d.status("VmRSS")
        meta = d.get_json("/api/v1/meta")
        emp = next(e["id"] for e in meta["employees"] if e["department"] == "Design")
        routes, missing = present(d, [r for r in Routes(as_of, 365, emp, "-", "berg").all()
                                      if r[0] not in ("creators?q=", "creators/{name}", "pit?format=json&limit=1000")])
        M["missing_routes"] = missing
        rmap = {n: p for n, p, _ in routes}
        log("  start-up: port in the log %.2f s, /healthz %.2f s, first 1-year overview %s ms "
            "(served %s s after exec); RSS %d MB" % (
                s["listen_s"], s["healthz_s"], fms(s.get("first_overview_ms")),
                f1(s.get("serves_overview_s"), 2), (s["rss_first_kb"] or 0) // 1024))
        if last:
            unc = {}
            for name in ("overview", "departments/Design", "employees/{id}", "stages"):
                if name in rmap:
                    cl, srv, _ = measure_series(d, [rmap[name](k) for k in range(1, b.a.cold_10m + 1)])
                    unc[name] = stats(cl, srv)
                    log("  %-20s uncached p50 %s ms" % (name, fms(unc[name]["p50"])))
            M["uncached"] = unc
            spec = {"port": d.port, "seconds": b.a.load_10m_seconds, "token": TOKEN, "timeout": 60,
                    "readers": b.a.readers, "read_routes": load_routes(routes, 700),
                    "write_rate": 0, "write_conns": 0, "ticket_pairs": []}
            with Sampler(d) as smp:
                out = part(M, "read load", run_load, b, spec, b.a.load_10m_seconds + 300)
            if out:
                rd = out["read"]
                M["load"] = {"reads": len(rd["cached"]) + len(rd["uncached"]), "errors": rd["errors"],
                             "p50": med(rd["cached"] + rd["uncached"]),
                             "p99": pct(rd["cached"] + rd["uncached"], 0.99),
                             "samples": rd["samples"], "rss_max_kb": smp.max_kb()}
            M["hwm_kb"] = d.status("VmHWM")
            M["rss_end_kb"] = d.status("VmRSS")
    finally:
        d.stop()
    return s


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
    code = out(["git", "log", "-1", "--format=%H", "--", "server", "sql", "web"])
    return {"cores": cores, "mem": mem, "cpu": model, "kernel": platform.release(),
            "sqlite": out(["sqlite3", "--version"]).split(" ")[0],
            "cc": out(["cc", "--version"]).split("\n")[0],
            "commit": commit, "subject": subject, "dirty": bool(dirty), "code_commit": code,
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


def ok(c):
    return "met" if c else "**missed**"


def mb(kb):
    return "%.0f MB" % (kb / 1024) if kb else "–"


def render(b, R, M):
    L = []
    w = L.append
    runs = b.runs
    w("Measured by `make bench` (bench/run.sh) on %s." % M["date"])
    w("")
    w("**Machine**: %d cores (%s), %s RAM, Linux %s; SQLite %s; %s%s."
      % (M["cores"], M["cpu"], M["mem"], M["kernel"], M["sqlite"], M["cc"],
         "; %s" % R["nginx_version"] if R.get("nginx_version") else ""))
    w("**Commit**: `%s` (%s)%s%s." % (
        M["commit"][:12], M["subject"],
        "; the daemon's code (server/, sql/, web/) last changed in `%s`" % M["code_commit"][:12]
        if M.get("code_commit") and M["code_commit"] != M["commit"] else "",
        ", with uncommitted changes in server/ or sql/" if M["dirty"] else ""))
    if os.path.realpath(b.a.bin_orig) != os.path.realpath(os.path.join(ROOT, "build", "leadtimed")):
        w("**Binary**: `%s` (not this tree's build: the commit above may not be what ran)." % b.a.bin_orig)
    else:
        w("**Binary**: `build/leadtimed` built %s (sha256 %s…), copied at the start and run from "
          "the copy." % (M["bin_mtime"], M["bin_sha"]))
    w("**Data**: the large set (\"1M\") is `leadtimed generate --creators %d` = %d tickets, %d "
      "employees, %s to %s (as_of); 1-year range = %s to %s." % (
          b.a.creators, R["big_tickets"], R["employees"], R["data_first"], R["as_of"],
          *window(D(R["as_of"]), 365)))
    m10 = R.get("m10")
    if m10 and "tickets" in m10:
        w("The 10M set is `generate --creators %d` = %d tickets over the same days." % (
            m10["creators"], m10["tickets"]))
    w("**Other load**: %s." % "; ".join(
        "%s: load average %.1f → %.1f, other processes %.0f%% of the CPUs" % (
            c["phase"], c["load_start"], c["load_end"], 100 * c["other_share"])
        for c in R.get("contention", [])))
    w("**Runs**: every figure is a median; processes (generate, import, pit, SQL) %d runs "
      "each (the days-x-tickets SQL %d; 10M import and start-up %d); latencies: %d writes for "
      "*after a write*, %d distinct queries for *uncached*, %d repeats for *warm*, %d "
      "single-ticket POSTs; wrk %d runs of %d s, -t%d -c%d (against nginx: %d back-to-back "
      "pairs per body); mixed load %d s."
      % (runs, b.a.naive_runs, b.a.runs_10m, b.a.writes, b.a.cold, b.a.warm, b.a.write_n, runs,
         b.a.wrk_seconds, b.a.wrk_threads, b.a.wrk_conns, b.a.wrk_pairs, b.a.mixed_seconds))
    w("")
    rt = {r["route"]: r for r in R.get("routes", [])}
    render_targets(w, b, R, M, rt)
    render_errors(w, R)
    render_routes(w, R, rt)
    render_writes(w, R)
    render_mixed(w, b, R)
    render_throughput(w, b, R, M)
    render_loading(w, b, R)
    if m10:
        render_10m(w, b, R, m10)
    ov_u = rt["overview"]["uncached"]["p50"] if "overview" in rt else float("nan")
    if "sql" in R:
        render_sql(w, R, ov_u, rt)
    if "scale_sizes" in R:
        render_scaling(w, b, R)
    return "\n".join(L)


def cold_pair(rt, name):
    """(first request after a write, uncached) p50 of a route."""
    r = rt[name]
    return (r["cold_a"] or {}).get("p50", float("nan")), r.get("uncached", {}).get("p50", float("nan"))


def warm_ratio(row):
    return med(row.get("ratios", []))


def render_targets(w, b, R, M, rt):
    T = TARGETS
    w("## Targets (issue 9; %d cores, medians)" % M["cores"])
    w("")
    w("| target | measured (median) | |")
    w("|---|---|---|")
    nm = lambda why: "not measured: %s | – |" % why
    big = "%.1fM" % (R["big_tickets"] / 1e6)
    for label, name, lim in [("cold overview, 1 year, at 1M tickets ≤ %d ms" % T["overview_1m_ms"], "overview", T["overview_1m_ms"]),
                             ("department, 1 year, cold, at 1M ≤ %d ms" % T["route_1m_ms"], "departments/Design", T["route_1m_ms"]),
                             ("employee, 1 year, cold, at 1M ≤ %d ms" % T["route_1m_ms"], "employees/{id}", T["route_1m_ms"]),
                             ("stages, 1 year, cold, at 1M ≤ %d ms" % T["route_1m_ms"], "stages", T["route_1m_ms"])]:
        if name not in rt:
            w("| %s | %s" % (label, nm("the route answers 404 at this commit")))
            continue
        a, u = cold_pair(rt, name)
        w("| %s | %s ms first request after a one-ticket write; %s ms uncached (%s tickets) | %s |"
          % (label, fms(a), fms(u), big, ok(max(a, u) <= lim)))
    m10 = R.get("m10") or {}
    label = "cold overview, 1 year, at 10M tickets ≤ %d ms" % T["overview_10m_ms"]
    starts = m10.get("starts") or []
    firsts = [s["first_overview_ms"] for s in starts if s.get("first_overview_ms") is not None]
    unc = (m10.get("uncached") or {}).get("overview")
    if firsts and unc:
        a, u = med(firsts), unc["p50"]
        w("| %s | %s ms first request after start-up (%d starts); %s ms uncached (%.1fM tickets) | %s |"
          % (label, fms(a), len(firsts), fms(u), m10["tickets"] / 1e6, ok(max(a, u) <= T["overview_10m_ms"])))
    else:
        w("| %s | %s" % (label, nm(m10_why(b, R, m10))))
    wr = R.get("writes")
    label = "one-ticket POST at 1M ≤ %d ms p50 (commit included)" % T["post_p50_ms"]
    if wr:
        w("| %s | %s ms p50, %s ms p99 over %d POSTs each changing one ticket (a POST changing "
          "nothing: %s ms) | %s |" % (label, fms(wr["post"]["p50"]), fms(wr["post"]["p99"]), wr["n"],
                                      fms(wr["noop"]["p50"]), ok(wr["post"]["p50"] <= T["post_p50_ms"])))
    else:
        w("| %s | %s" % (label, nm(R.get("errors", {}).get("single-ticket writes", "skipped"))))
    mx = R.get("mixed")
    label = ("%d writes/s sustained with readers: 0 errors, read p99 ≤ %d ms"
             % (T["mixed_rate"], T["mixed_read_p99_ms"]))
    if mx:
        s = mixed_summary(mx)
        met = (s["errors"] == 0 and s["read_p99"] <= T["mixed_read_p99_ms"]
               and s["rate"] >= 0.98 * T["mixed_rate"] and s["unsent"] == 0)
        w("| %s | %d errors (reads %d, writes %d); read p99 %s ms (p50 %s) over %d reads by %d "
          "readers; writes: %.1f/s achieved of %g/s offered (%d of %d done, %d not sent in the "
          "window), p50 %s ms, p99 %s ms | %s |" % (
              label, s["errors"], s["read_errors"], s["write_errors"], fms(s["read_p99"]),
              fms(s["read_p50"]), s["reads"], mx["readers"], s["rate"], b.a.mixed_rate,
              s["completed"], s["scheduled"], s["unsent"], fms(s["write_p50"]), fms(s["write_p99"]),
              ok(met)))
    else:
        w("| %s | %s" % (label, nm(R.get("errors", {}).get("mixed load", "skipped"))))
    label = "import of 1M rows into an empty store ≤ %d s" % T["import_1m_s"]
    imp = med(R["import_s"])
    w("| %s | %.1f s for %d rows (CPU %.1f s, peak RSS %s) | %s |" % (
        label, imp, R["big_tickets"], med(R["import_cpu"]), mb(med(R["import_rss_kb"])),
        ok(imp <= T["import_1m_s"])))
    label = "import of 10M rows ≤ %d s with RSS ≤ 1.5 GB" % T["import_10m_s"]
    if m10.get("import"):
        s10 = med([x["s"] for x in m10["import"]])
        rss = med([x["rss_kb"] for x in m10["import"]]) / 1024
        w("| %s | %.1f s for %d rows (CPU %.1f s), peak RSS %.0f MB (%s) | %s |" % (
            label, s10, m10["tickets"], med([x["cpu"] for x in m10["import"]]), rss,
            "; ".join("%.1f s" % x["s"] for x in m10["import"]),
            ok(s10 <= T["import_10m_s"] and rss <= T["import_10m_rss_mb"])))
    else:
        w("| %s | %s" % (label, nm(m10_why(b, R, m10))))
    label = "daemon start-up at 10M ≤ %d s" % T["startup_10m_s"]
    serv = [s["serves_overview_s"] for s in starts if s.get("serves_overview_s") is not None]
    if serv:
        w("| %s | %.2f s from exec until it has served the first 1-year overview (%d starts; port in "
          "its log line at %.2f s, /healthz 200 at %.2f s); RSS after start %s | %s |" % (
              label, med(serv), len(serv), med([s["listen_s"] for s in starts]),
              med([s["healthz_s"] for s in starts]), mb(med([s["rss_first_kb"] for s in starts])),
              ok(med(serv) <= T["startup_10m_s"])))
    else:
        w("| %s | %s" % (label, nm(m10_why(b, R, m10))))
    label = "warm cached responses ≥ %.1f× nginx serving the same bytes (same run)" % T["warm_ratio"]
    cmp_ = [r for r in R.get("warm_cmp", []) if r.get("ratios")]
    if cmp_:
        rs = [warm_ratio(r) for r in cmp_]
        w("| %s | %s | %s |" % (label, "; ".join(
            "%s, %s: %.2f× (%.0f vs %.0f req/s)" % (
                r["label"], "gzip" if r["enc"] == "gzip" else "plain", warm_ratio(r),
                med([x["rps"] for x in r["daemon_runs"]]), med([x["rps"] for x in r["nginx_runs"]]))
            for r in cmp_), ok(min(rs) >= T["warm_ratio"])))
    else:
        w("| %s | %s" % (label, nm(R.get("errors", {}).get("nginx") or
                                    R.get("errors", {}).get("throughput") or "no overview route")))
    w("")
    w("*cold* = the larger of the two medians (first request after a write, and distinct "
      "uncached query strings on one version). The mixed-load target also requires the offered "
      "write rate to be achieved (≥ 98%, every write sent within the window). Import and "
      "start-up are judged on the row counts generated (stated in each row), not rescaled.")
    w("")


def m10_why(b, R, m10):
    if b.a.no_10m:
        return "skipped (--no-10m)"
    if m10.get("skipped"):
        return m10["skipped"]
    e = R.get("errors", {}).get("10M") or (m10.get("errors") or {}).get("read load")
    return e or "the 10M part did not get this far"


def render_errors(w, R):
    errs = dict(R.get("errors", {}))
    for k, v in ((R.get("m10") or {}).get("errors") or {}).items():
        errs["10M: " + k] = v
    if not errs:
        return
    w("## Parts that did not complete")
    w("")
    for k, v in errs.items():
        w("- **%s**: `%s`" % (k, v.strip().replace("\n", " ")[:600]))
    w("")


def render_routes(w, R, rt):
    w("## Latency per GET route (large set, 1-year range, ms)")
    w("")
    w("*after write*: the first request after `POST /api/v1/tickets` changed a ticket (a new "
      "data version: the response cache misses). *uncached*: distinct query strings (the window "
      "shifted a day at a time) on one version. *warm*: the same request again (cache hit) and "
      "with `If-None-Match` (304). Client time over loopback; *srv* is the daemon's own time "
      "from its log line.")
    w("")
    w("| route | bytes | after write p50 / p99 | uncached p50 / p99 | uncached srv p50 | warm p50 / p99 | warm srv p50 | 304 p50 |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in R.get("routes", []):
        u, a = r.get("uncached"), r.get("cold_a") or {}
        w("| `%s` | %d | %s / %s | %s | %s | %s / %s | %s | %s |" % (
            r["route"], r["bytes"], fms(a.get("p50")), fms(a.get("p99")),
            "%s / %s" % (fms(u["p50"]), fms(u["p99"])) if u else "–",
            fms(u["srv_p50"]) if u else "–",
            fms(r["warm"]["p50"]), fms(r["warm"]["p99"]), fms(r["warm"]["srv_p50"]),
            fms(r["304"]["p50"]) if "304" in r else "–"))
    for name in R.get("missing_routes", []):
        w("| `%s` | – | 404: not there at this commit | | | | | |" % name)
    w("")


def render_writes(w, R):
    w("## Writes")
    w("")
    wr = R.get("writes")
    if wr:
        w("%d `POST /api/v1/tickets` in a row on the large set, each changing one ticket (a close "
          "moved a day, then back; %d tickets of every department), each followed by the 1-year "
          "overview; then %d POSTs of a ticket as it is stored (no change, no new version). "
          "Client ms (the POST's answer comes after its commit); *srv* from the daemon's log."
          % (wr["n"], wr["tickets"], wr["n"]))
        w("")
        w("| request | p50 | p99 | max | srv p50 |")
        w("|---|---:|---:|---:|---:|")
        for key, label in [("post", "POST changing one ticket"),
                           ("overview_after", "first 1-year overview after it"),
                           ("noop", "POST changing nothing")]:
            s = wr[key]
            w("| %s | %s | %s | %s | %s |" % (label, fms(s["p50"]), fms(s["p99"]), fms(s["max"]),
                                              fms(s["srv_p50"])))
        w("")
    if R.get("post_changed_ms"):
        w("Around the per-route figures above (%d writes): POST changing a ticket %s ms, the same "
          "POST changing nothing %s ms (p50)." % (len(R["post_changed_ms"]), fms(med(R["post_changed_ms"])),
                                                  fms(med(R["post_same_ms"]))))
    fa = R.get("first_after_cli")
    if fa:
        w("After a write by another process (`leadtimed import` of one row into the live store, "
          "%s ms), the first 1-year overview took **%s ms** (daemon: %s ms)." % (
              fms(med(R["cli_import_ms"])), fms(med([x[0] for x in fa])),
              fms(med([x[1] for x in fa if x[1] is not None]))))
    w("Daemon start-up on the large set: port in its log line after %.2f s, /healthz 200 after %.2f s."
      % (R["startup_s"], R["serve_s"]))
    w("")


def mixed_summary(mx):
    rd, wr = mx["read"], mx["write"] or {}
    reads = rd["cached"] + rd["uncached"]
    lost = mx["readers"] - mx["readers_reported"]
    return {"reads": len(reads), "read_p50": med(reads), "read_p99": pct(reads, 0.99),
            "read_errors": rd["errors"] + lost, "write_errors": wr.get("errors", 0) + wr.get("hung_connections", 0),
            "errors": rd["errors"] + lost + wr.get("errors", 0) + wr.get("hung_connections", 0),
            "rate": wr.get("completed", 0) / mx["seconds"], "completed": wr.get("completed", 0),
            "scheduled": wr.get("scheduled", 0), "unsent": wr.get("unsent", 0),
            "write_p50": med(wr.get("lat_ms", [])), "write_p99": pct(wr.get("lat_ms", []), 0.99)}


def render_mixed(w, b, R):
    mx = R.get("mixed")
    if not mx:
        return
    s, rd, wr = mixed_summary(mx), mx["read"], mx["write"]
    w("## Sustained mixed load (large set, %d s)" % mx["seconds"])
    w("")
    w("`bench/load.py`: %d reader processes, each one keep-alive connection in a closed loop over "
      "the dashboard's routes (1-year range), every other round with the route's fixed query "
      "string (with `If-None-Match` once it has an ETag) and then with one not asked before; "
      "meanwhile one writer offers %g single-ticket POSTs per second on a fixed schedule (open "
      "loop) over up to %d connections: a write is due at start + i/%g whatever the server does; "
      "*late* is how long a due write waited for a free connection, and one still waiting when "
      "the window closes is *not sent*. Each write changes one ticket (a close moved a day, then "
      "back); afterwards every ticket is put back. An error is any status other than 200/304 "
      "(reads) or 200 (writes), or a connection error or timeout. Client ms."
      % (mx["readers"], b.a.mixed_rate, b.a.write_conns, b.a.mixed_rate))
    w("")
    w("| | count | errors | p50 | p99 | max |")
    w("|---|---:|---:|---:|---:|---:|")
    for label, xs in [("reads, all", rd["cached"] + rd["uncached"]), ("reads, fixed query string", rd["cached"]),
                      ("reads, new query string", rd["uncached"])]:
        w("| %s | %d | %s | %s | %s | %s |" % (label, len(xs), s["read_errors"] if label == "reads, all" else "",
                                               fms(med(xs)), fms(pct(xs, 0.99)), fms(max(xs) if xs else None)))
    w("| writes, send → answer | %d of %d due | %d | %s | %s | %s |" % (
        wr["completed"], wr["scheduled"], s["write_errors"], fms(med(wr["lat_ms"])),
        fms(pct(wr["lat_ms"], 0.99)), fms(max(wr["lat_ms"]) if wr["lat_ms"] else None)))
    w("| writes, due → answer | | | %s | %s | %s |" % (
        fms(med(wr["lat_due_ms"])), fms(pct(wr["lat_due_ms"], 0.99)),
        fms(max(wr["lat_due_ms"]) if wr["lat_due_ms"] else None)))
    w("| writes, late (due → sent) | %d sent | | %s | %s | %s |" % (
        wr["sent"], fms(med(wr["late_ms"])), fms(pct(wr["late_ms"], 0.99)),
        fms(max(wr["late_ms"]) if wr["late_ms"] else None)))
    w("")
    st = ", ".join("%s: %d" % kv for kv in sorted(rd["status"].items()))
    w("Writes achieved **%.1f/s** (%d done in the %d s window of %d due; %d not sent; %d answered "
      "as changing nothing). Read statuses: %s. The daemon used %.0f%% of the machine's CPU; its "
      "VmRSS peaked at %s. Store back as it was afterwards (the 1-year overview byte-identical to "
      "the one measured before): %s." % (
          s["rate"], wr["completed"], mx["seconds"], wr["scheduled"], wr["unsent"], wr["unchanged"], st or "none",
          100 * mx["daemon_cpu_share"], mb(mx["rss_max_kb"]),
          {True: "yes", False: "**no**", None: "not checked"}[mx.get("store_restored")]))
    samples = rd["samples"] + wr["samples"]
    if samples:
        w("")
        w("First errors: %s." % "; ".join("`%s`" % x.replace("`", "'")[:200] for x in samples[:5]))
    w("")


def render_throughput(w, b, R, M):
    w("## Warm throughput against nginx (wrk, %d threads, %d connections, %d s, %d pairs)"
      % (b.a.wrk_threads, b.a.wrk_conns, b.a.wrk_seconds, b.a.wrk_pairs))
    w("")
    if R.get("connection_header", "").lower() == "close":
        w("**The daemon answers every request with `Connection: close`**, so each request "
          "here is also a new TCP connection.")
        w("")
    cmp_ = R.get("warm_cmp", [])
    if cmp_:
        w("The daemon's exact bodies (its 1-year overview and its default view, fetched just "
          "before) saved as files and served by a private nginx on loopback (%s workers, "
          "keep-alive, `access_log off`, `sendfile on`, `gzip_static on` with a .gz twin made at "
          "gzip level 6; bench/nginx.py). The same wrk command against each, runs interleaved "
          "(daemon, nginx, then nginx, daemon, ...); *daemon/nginx* is the median of the ratios of "
          "back-to-back pairs. *bytes* is the body one request received with that "
          "`Accept-Encoding` (and its `Content-Encoding`); wrk's *read/request* includes the "
          "headers. wrk shares the %d cores with the server; *CPU/request* is the server's "
          "(nginx: master and workers) and wrk's own; *others* is the share of the machine other "
          "processes took." % (M["cores"], M["cores"]))
        w("")
        w("| body | Accept-Encoding | daemon req/s (runs) | nginx req/s (runs) | daemon/nginx | bytes daemon / nginx | read/request daemon / nginx | CPU/request daemon, nginx, wrk µs | others |")
        w("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for r in cmp_:
            dr, nr = r["daemon_runs"], r.get("nginx_runs", [])
            db_, nb = r["daemon"], r.get("nginx")
            desc = lambda p: "%d (%s%s)" % (p["bytes"], p["encoding"], "" if p["same"] else ", **not the same body**")
            w("| %s | %s | %.0f (%s) | %s | %s | %s / %s | %s / %s | %s, %s, %s | %.0f%% |" % (
                r["label"], "gzip" if r["enc"] == "gzip" else "–", med([x["rps"] for x in dr]),
                ", ".join("%.0f" % x["rps"] for x in dr),
                "%.0f (%s)" % (med([x["rps"] for x in nr]), ", ".join("%.0f" % x["rps"] for x in nr)) if nr else "–",
                "%.2f×" % warm_ratio(r) if r.get("ratios") else "–",
                desc(db_), desc(nb) if nb else "–",
                f1(med([x["bytes_per_req"] for x in dr]), 0), f1(med([x["bytes_per_req"] for x in nr]), 0) if nr else "–",
                f1(med([x["daemon_us"] for x in dr]), 0), f1(med([x["daemon_us"] for x in nr]), 0) if nr else "–",
                f1(med([x["wrk_us"] for x in dr + nr]), 0),
                100 * med([x["other_share"] for x in dr + nr])))
        bad = sum(x["non2xx"] for r in cmp_ for x in r["daemon_runs"] + r.get("nginx_runs", []))
        if bad:
            w("")
            w("**%d responses were neither 2xx nor 3xx.**" % bad)
        gz = [r for r in cmp_ if r["enc"] == "gzip"]
        if gz:
            w("")
            w("With `Accept-Encoding: gzip` the daemon %s." % (
                "compressed (its body decompresses to the plain one)" if all(
                    r["daemon"]["encoding"] == "gzip" and r["daemon"]["same"] for r in gz)
                else "sent the uncompressed body" if all(r["daemon"]["encoding"] == "identity" for r in gz)
                else "compressed some bodies: %s" % ", ".join(
                    "%s %s" % (r["label"], r["daemon"]["encoding"]) for r in gz)))
        w("")
    thr = R.get("throughput", {})
    if thr:
        w("Daemon only:")
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
    if R.get("daemon_hwm_kb"):
        w("Daemon memory on the large set: VmRSS %s at most during wrk, %s at the most during the "
          "mixed load, %s at the end; VmHWM %s over the whole run (loads, writes, wrk, mixed load)." % (
              mb(R.get("daemon_rss_max_sampled_kb")), mb((R.get("mixed") or {}).get("rss_max_kb")),
              mb(R.get("daemon_rss_end_kb")), mb(R["daemon_hwm_kb"])))
        w("")


def render_loading(w, b, R):
    w("## Data loading and export (large set)")
    w("")
    w("Wall time; *CPU* is user + system of the process (/usr/bin/time), which other load "
      "on the machine does not inflate as much.")
    w("")
    w("| step | time (median) | runs | CPU | peak RSS |")
    w("|---|---:|---|---:|---:|")
    w("| `generate --creators %d --db` (%d tickets) | %.2f s | %s | %.2f s | |" % (
        b.a.creators, R["big_tickets"], med(R["gen_big_s"]), ", ".join("%.2f" % x for x in R["gen_big_s"]),
        med(R["gen_big_cpu"])))
    w("| `generate --creators %d --csv` (%.0f MB) | %.2f s | %s | | |" % (
        b.a.creators, R["csv_bytes"] / 1e6, med(R["gen_csv_s"]), ", ".join("%.2f" % x for x in R["gen_csv_s"])))
    w("| `import` of that CSV into an empty store | %.2f s | %s | %.2f s | %s |" % (
        med(R["import_s"]), ", ".join("%.2f" % x for x in R["import_s"]), med(R["import_cpu"]),
        mb(med(R["import_rss_kb"]))))
    pit = R.get("pit")
    if pit:
        pit_s = med(pit["s"])
        w("| `pit` CSV of the whole store (%s to %s, %d rows) to /dev/null | %.2f s = %.2fM rows/s "
          "(%.2fM per CPU-second) | %s | %.2f s | %.1f MB |" % (
              R["data_first"], R["as_of"], pit["rows"], pit_s, pit["rows"] / pit_s / 1e6,
              pit["rows"] / med(pit["cpu_s"]) / 1e6, ", ".join("%.2f" % x for x in pit["s"]),
              med(pit["cpu_s"]), med(pit["rss_kb"]) / 1024))
    w("")
    w("Store size: %.0f MB for %d tickets." % (R["big_db_bytes"] / 1e6, R["big_tickets"]))
    w("")


def render_10m(w, b, R, m):
    w("## 10M tickets")
    w("")
    if "tickets" not in m:
        w("Not measured: %s." % m10_why(b, R, m))
        w("")
        return
    w("`generate --creators %d --csv` (%d tickets, %.0f MB, %.1f s), imported into an empty store "
      "%d times (the last import is kept: %.0f MB), then the daemon started on it %d times. "
      "*serves* is from exec until the first 1-year overview has been answered; the first "
      "overview is the first request after start-up." % (
          m["creators"], m["tickets"], m["csv_bytes"] / 1e6, m["gen_csv_s"], len(m.get("import", [])),
          m.get("db_bytes", 0) / 1e6, len(m.get("starts", [])), ))
    w("")
    w("| step | median | runs |")
    w("|---|---:|---|")
    imp = m.get("import", [])
    if imp:
        w("| `import`, wall | %.1f s | %s |" % (med([x["s"] for x in imp]), ", ".join("%.1f" % x["s"] for x in imp)))
        w("| `import`, CPU | %.1f s | %s |" % (med([x["cpu"] for x in imp]), ", ".join("%.1f" % x["cpu"] for x in imp)))
        w("| `import`, peak RSS | %s | %s |" % (mb(med([x["rss_kb"] for x in imp])),
                                              ", ".join(mb(x["rss_kb"]) for x in imp)))
    st = m.get("starts", [])
    rows = [("start-up: port in the log line, s", "listen_s", lambda v: "%.2f" % v),
            ("start-up: /healthz 200, s", "healthz_s", lambda v: "%.2f" % v),
            ("start-up: serves the first 1-year overview, s", "serves_overview_s", lambda v: "%.2f" % v),
            ("first 1-year overview after start-up, ms", "first_overview_ms", fms),
            ("  the same, daemon's own ms", "first_overview_srv_ms", fms),
            ("daemon VmRSS when it serves, MB", "rss_start_kb", lambda v: "%.0f" % (v / 1024)),
            ("daemon VmRSS after the first overview, MB", "rss_first_kb", lambda v: "%.0f" % (v / 1024))]
    for label, key, fmt in rows:
        vals = [s[key] for s in st if s.get(key) is not None]
        if vals:
            w("| %s | %s | %s |" % (label, fmt(med(vals)), ", ".join(fmt(v) for v in vals)))
    w("")
    unc = m.get("uncached") or {}
    if unc:
        w("Uncached (distinct 1-year query strings, %d each), client ms p50 / p99 (daemon p50): %s." % (
            b.a.cold_10m, "; ".join("`%s` %s / %s (%s)" % (n, fms(s["p50"]), fms(s["p99"]), fms(s["srv_p50"]))
                                    for n, s in unc.items())))
    ld = m.get("load")
    if ld:
        w("Under read load (%d readers as in the mixed load, no writes, %d s): %d reads, %d errors, "
          "p50 %s ms, p99 %s ms; VmRSS at most %s. VmHWM over the daemon's life %s." % (
              b.a.readers, b.a.load_10m_seconds, ld["reads"], ld["errors"], fms(ld["p50"]), fms(ld["p99"]),
              mb(ld["rss_max_kb"]), mb(m.get("hwm_kb"))))
    for name in m.get("missing_routes", []):
        w("`%s` answers 404 at this commit." % name)
    w("")


def render_sql(w, R, ov_u, rt):
    sq = R["sql"]
    w("## SQL baseline: overview totals, 1 year")
    w("")
    w("The per-department totals of the overview (opened, closed, backlog_end, avg_open, lead "
      "time p50 and mean, sla_hit_rate) for the same range on the same store, by the sqlite3 "
      "CLI: `bench/sql/overview_naive.sql` expands the point-in-time rows as SPEC §2 defines "
      "them (a recursive CTE of days joined to tickets) and aggregates them; "
      "`bench/sql/overview_tuned.sql` is what someone who knows the row shape writes (interval "
      "overlap per ticket, no expansion). Each run's result is compared number by number "
      "with the daemon's overview of the same range (column *equal*). The daemon's overview computes more than these totals (weekly series, the "
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
      "after a write took %s ms.)" % (fms(ov_u), fms(cold_pair(rt, "overview")[0] if "overview" in rt else None)))
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
    w("| one-ticket POST − no-op POST, ms (the state edit and its publication) | | %s | |" % " | ".join(
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
    ap.add_argument("--out", default=None,
                    help="markdown file to update ('' = print only; default docs/BENCHMARKS.md, "
                    "and print only with --quick)")
    ap.add_argument("--json", default="", help="also write the raw results here")
    ap.add_argument("--quick", action="store_true", help="small sizes and few runs (harness check)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--creators", type=int, default=252000,
                    help="the large set (252000 creators = about 1.0M tickets)")
    ap.add_argument("--sizes", default="25000,80000,252000")
    ap.add_argument("--emp-factors", default="1,4,16")
    ap.add_argument("--writes", type=int, default=9, help="writes for the per-route 'after write' column")
    ap.add_argument("--write-n", type=int, default=100, help="single-ticket POSTs in a row")
    ap.add_argument("--cli-writes", type=int, default=5)
    ap.add_argument("--cold", type=int, default=41)
    ap.add_argument("--warm", type=int, default=300)
    ap.add_argument("--scale-n", type=int, default=11)
    ap.add_argument("--naive-runs", type=int, default=3)
    ap.add_argument("--wrk-seconds", type=int, default=8)
    ap.add_argument("--wrk-pairs", type=int, default=5,
                    help="back-to-back daemon/nginx wrk pairs per body (their median ratio is judged)")
    ap.add_argument("--wrk-conns", type=int, default=32)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--readers", type=int, default=4, help="reader processes of the mixed load")
    ap.add_argument("--mixed-seconds", type=int, default=60)
    ap.add_argument("--mixed-rate", type=float, default=50, help="writes/s of the mixed load")
    ap.add_argument("--write-conns", type=int, default=8, help="connections of the mixed load's writer")
    ap.add_argument("--no-10m", action="store_true", help="skip the 10M-ticket part")
    ap.add_argument("--creators-10m", type=int, default=2520000,
                    help="the 10M set (2520000 creators = about 10.0M tickets)")
    ap.add_argument("--runs-10m", type=int, default=3, help="10M imports and daemon start-ups")
    ap.add_argument("--cold-10m", type=int, default=5, help="uncached queries per route at 10M")
    ap.add_argument("--load-10m-seconds", type=int, default=20)
    ap.add_argument("--cmd-timeout", type=int, default=1800,
                    help="limit for one command (generate, import, pit, sqlite3), s")
    ap.add_argument("--skip", default="", help="comma list of parts to skip: sql,scaling,mixed")
    a = ap.parse_args()
    if a.quick:
        a.creators, a.sizes, a.runs = 20000, "5000,10000,20000", 2
        a.writes, a.write_n, a.cli_writes, a.cold, a.warm, a.scale_n = 3, 10, 2, 7, 30, 3
        a.naive_runs, a.wrk_seconds, a.mixed_seconds, a.wrk_pairs = 1, 2, 8, 2
        a.creators_10m, a.runs_10m, a.cold_10m, a.load_10m_seconds = 50000, 2, 3, 4
    if a.out is None:
        a.out = "" if a.quick else os.path.join(ROOT, "docs", "BENCHMARKS.md")
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
    if not nginx.find():
        log("bench: nginx is missing (scripts/install-deps.sh --bench installs it): "
            "the warm comparison with nginx will be reported as not measured")

    a.tmp = tempfile.mkdtemp(prefix="leadtime-bench.")
    if not a.no_10m:
        # a first look (the 10M part checks again with the bytes per ticket
        # the large set measured): ~75 B of CSV and ~140 B of store per
        # ticket, the store twice while the import's WAL is alive
        need = a.creators_10m * 3.97 * (75 + 2.2 * 140) * 1.2
        free = shutil.disk_usage(a.tmp).free
        if free < need:
            log("bench: %s has %.1f GB free; the 10M part needs about %.1f GB and will be skipped "
                "(set TMPDIR to a larger disk, or --no-10m)" % (os.path.dirname(a.tmp), free / 1e9, need / 1e9))
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
        if "mixed" in skip:
            a.mixed_seconds = 0      # phase_daemon then leaves the mixed load out
        big = phase("generate + import", phase_generate, b, R)
        phase("daemon on the large set", phase_daemon, b, R, big)
        phase("pit export", part, R, "pit export", phase_pit, b, R, big)
        if "sql" not in skip:
            phase("SQL baseline", part, R, "SQL baseline", phase_sql, b, R, big)
        if "scaling" not in skip:
            phase("scaling", part, R, "scaling", phase_scaling, b, R, big)
        if not a.no_10m:
            phase("10M", part, R, "10M", phase_10m, b, R)
        R["elapsed_s"] = time.monotonic() - t0
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"machine": M, "results": R, "args": vars(a)}, f, default=str, indent=1)
        text = render(b, R, M) + "\nWhole run: %.0f s.\n" % R["elapsed_s"]
        print(text)
        if a.out:
            write_doc(a.out, text)
            log("bench: wrote %s" % a.out)
    finally:
        if b.nginx:
            b.nginx.stop()
        for d in list(b.daemons):
            d.stop()
        shutil.rmtree(a.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
