"""Proof of equality (issue 9, point 4): a randomised property test.

A "live" daemon serves a small generated store while the test applies a
random sequence of changes to it; after every step a FRESH daemon is started
on the same store file with the same config, and the body of every GET route
must be the same on both (parsed JSON compared value by value with types:
1 and 1.0 differ, key order does not; pit CSV compared byte for byte; status
codes compared too).  Whatever the live daemon keeps between writes (today a
snapshot rebuilt per write; with engine 2 an incrementally maintained state)
must therefore answer exactly what a daemon building everything from the
store answers.  No field is excluded: nothing in the compared routes depends
on the process (start time and request counters are only in /metrics, which
is not compared).

Steps (each kind appears in the first 12 steps of every run, in a seeded
order, reload four times so that every pipeline change is made; then they are
drawn at random):
  tickets     POST /api/v1/tickets, 1..5 rows: new tickets (new or known
              creator, known or new employee, the config alias, any configured
              department, open or closed, some closed after as_of or opened
              after it), closes, reopens, opened earlier/later, closed later,
              moves to another employee of the department or to another
              department, unchanged re-posts mixed in;
  import      POST /api/v1/import, the same kinds of rows as CSV (columns in
              a random order);
  cli_import  `leadtimed import --config C --db F rows.csv` by another process
              while the daemon runs: the live daemon must notice by itself
              (polled: /api/v1/meta data_version reaches the store's);
  alias       POST /api/v1/aliases: a known employee name to another known
              name or to a new name (tickets_moved checked against the store);
  reload      config rewritten, then SIGHUP (waited for in the log): SLA days,
              thresholds, [leaderboard], as_of, departments removed, re-added,
              added new ("QA & Review"), reordered;
  burst       2..4 writes (tickets, import, alias) in a row before comparing,
              later ones preferring the tickets the earlier ones changed;
  noop        unchanged tickets re-posted (JSON or CSV): 0 inserted/updated;
  invalid     a batch with one bad row (or a bad alias): 422, nothing written;
  bad_reload  a config with a bad value, SIGHUP: the running config is kept.
After each step, on the live daemon: a body that changed since the previous
step has a new ETag; If-None-Match with the current ETag gives 304; after
noop, invalid and bad_reload every body and every ETag is unchanged.

Routes compared: meta; overview (default, 1 year by month, a range by day,
a range cut mid-week, a `to` past as_of); every configured department
(default and 1 year by month) and a removed one (404); every employee id
meta ever listed (so also those of removed departments and those an alias
emptied; a few also by day); stages (two ranges); creators?q= (empty and a
substring, limit 1000); creators/{name} of every creator the step touched
plus a few random ones; compare (default, explicit); leaderboard; pit JSON
(up to three pages through next_cursor, one page filtered by department);
pit CSV of a week.

Seed: LEADTIME_PROP_SEED (default: a new random seed each run, printed on
stderr at the start, and in every failure message, so each `make test`
explores a new sequence and any failure can be replayed).  The step
sequence is a pure function of the seed (choices are drawn from the store's
state read in a fixed order), and steps 1..k do not depend on the step count:
LEADTIME_PROP_SEED=S LEADTIME_PROP_STEPS=k replays a failure at step k.
LEADTIME_PROP_STEPS defaults to 40 (15-25 s under ASan on the shared 2-core
machine; the live and the fresh daemon are read in parallel).
Every daemon must stop with exit 0 on SIGTERM, with no sanitizer report and
no 5xx logged.  (This test found libmicrohttpd 0.9.75 aborting one stop in
several hundred when quiescing an epoll thread pool; http.c uses poll since.)
LEADTIME_PROP_KEEP=1 keeps the temporary folder (store, config, CSVs) after
a failure and prints its path; LEADTIME_PROP_VERBOSE=1 prints every step.
"""
import concurrent.futures
import csv
import datetime as dt
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

from daemon import BIN, Daemon, clean_env

D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)
EPOCH = dt.date(1970, 1, 1)
TOKEN = "prop-write-token"
START = D("2019-01-01")
GEN_DAYS = 400
DATA_END = START + (GEN_DAYS - 1) * DAY  # 2020-02-04, the generated data's last day
AS_OFS = [D("2019-11-20"), D("2020-01-10"), D("2020-01-28"), DATA_END, D("2020-03-01")]
PIPELINE = [("Sales", 14), ("Contract", 3), ("Design", 30), ("Manufacturing", 25), ("Campaign", 25)]
NEW_DEPT = "QA & Review"
CONFIG_ALIAS = "Prop Typo"
KINDS = ["tickets", "import", "cli_import", "alias", "reload", "noop", "invalid", "bad_reload", "burst"]
WEIGHTS = [26, 10, 10, 9, 15, 5, 9, 4, 12]
NOCHANGE = ("noop", "invalid", "bad_reload")
# the first reloads of every run make these changes, so that each run
# removes, re-adds, adds and reorders departments; later ones 0..2 at random
RELOAD_CYCLE = [["remove", "as_of"], ["add_new", "thresholds"], ["readd", "leaderboard"],
                ["reorder", "sla"]]
RELOAD_CHANGES = ["sla", "thresholds", "leaderboard", "as_of", "remove", "readd", "add_new", "reorder"]
CREATOR_NAMES = ['Prop Creator %d', 'Zoë "Q" Ünal, Jr. #%d', "O'Neil / 50%% + more #%d",
                 'Line\nBreak & Co #%d', 'Non\u00a0Breaking #%d']


def sanitizer_report(text):
    return any(m in text for m in ("Sanitizer", "runtime error:"))


def short(v, n=160):
    s = v if v == "(missing)" else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[:n] + "..."


def first_diff(a, b, path="$"):
    """(path, a's value, b's value) of the first difference, or None.  Types
    are strict (1 vs 1.0, true vs 1 differ); dict key order is ignored."""
    if type(a) is not type(b):
        return path, a, b
    if isinstance(a, dict):
        for k in list(a) + [k for k in b if k not in a]:
            p = "%s.%s" % (path, k)
            if k not in a:
                return p, "(missing)", b[k]
            if k not in b:
                return p, a[k], "(missing)"
            d = first_diff(a[k], b[k], p)
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        if len(a) != len(b):
            return path + ".length", len(a), len(b)
        return None
    return None if a == b else (path, a, b)


def reject_nan(const):
    raise ValueError("JSON holds %s" % const)


def body_diff(sa, ba, sb, bb):
    """A one-line description of how two responses differ, or None."""
    if sa != sb:
        cut = lambda b: b[:140].decode("utf-8", "replace") + ("..." if len(b) > 140 else "")
        return "status %d vs %d: %s | %s" % (sa, sb, cut(ba), cut(bb))
    if ba == bb:
        return None
    if ba[:1] in (b"{", b"["):
        try:
            ja = json.loads(ba, parse_constant=reject_nan)
            jb = json.loads(bb, parse_constant=reject_nan)
        except ValueError as e:
            return "not JSON: %s" % e
        d = first_diff(ja, jb)
        return None if d is None else "at %s: %s vs %s" % (d[0], short(d[1]), short(d[2]))
    la, lb = ba.split(b"\n"), bb.split(b"\n")
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: %r vs %r" % (i + 1, x[:160], y[:160])
    return "%d lines vs %d lines" % (len(la), len(lb))


def q(params):
    return "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="")


def seg(name):
    return urllib.parse.quote(name, safe="")


class Client:
    """One keep-alive connection to a daemon (reopened when dropped)."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.conn.putrequest(method, path, skip_accept_encoding=True)
                for k, v in (headers or {}).items():
                    self.conn.putheader(k, v)
                if body is not None:
                    self.conn.putheader("Content-Length", str(len(body)))
                self.conn.endheaders(body)
                r = self.conn.getresponse()
                data = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    self.close()
                return r.status, hdrs, data
            except (http.client.HTTPException, ConnectionError):
                self.close()
                if attempt:
                    raise

    def post(self, path, body, ctype):
        return self.request("POST", path, body.encode("utf-8") if isinstance(body, str) else body,
                            {"Content-Type": ctype, "Authorization": "Bearer " + TOKEN})

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# ---- the store, read straight from SQLite (to choose steps, never to compute figures)


class Store:
    def __init__(self, db):
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=60)
        try:
            day = lambda n: None if n is None else EPOCH + dt.timedelta(days=n)
            self.tickets = {}
            for r in con.execute(
                    "SELECT t.ticket_id, c.name, e.name, d.name, t.opened_on, t.closed_on "
                    "FROM tickets t JOIN creators c ON c.id = t.creator_id "
                    "JOIN employees e ON e.id = t.employee_id "
                    "JOIN departments d ON d.id = t.department_id ORDER BY t.ticket_id"):
                self.tickets[r[0]] = {"ticket_id": r[0], "creator": r[1], "employee": r[2],
                                      "department": r[3], "opened": day(r[4]), "closed": day(r[5])}
            self.employees = {}  # department -> sorted names
            for dept, name in con.execute(
                    "SELECT d.name, e.name FROM employees e JOIN departments d "
                    "ON d.id = e.department_id ORDER BY d.name, e.name"):
                self.employees.setdefault(dept, []).append(name)
            self.creators = [r[0] for r in con.execute("SELECT name FROM creators ORDER BY name")]
            self.aliases = dict(con.execute("SELECT alias, name FROM aliases ORDER BY alias"))
            self.version = con.execute(
                "SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0]
        finally:
            con.close()


# ---- the config


class Config:
    def __init__(self, as_of, alias_target):
        self.pipeline = list(PIPELINE)
        self.removed = []
        self.as_of = as_of
        self.thresholds = (1.5, 0.6, 25)
        self.leaderboard = None
        self.alias_target = alias_target

    def copy(self):
        c = Config(self.as_of, self.alias_target)
        c.__dict__.update({k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()})
        return c

    def names(self):
        return [n for n, _ in self.pipeline]

    def text(self, bad=None):
        t = self.thresholds
        lines = ["[server]", "listen = 127.0.0.1", "threads = 2",
                 "[data]", "db = lt.db", "as_of = " + self.as_of.isoformat(), "seed_demo = false",
                 "[pipeline]", "departments = " + ", ".join(self.names()),
                 "sla_days = " + ", ".join(str(s) for _, s in self.pipeline),
                 "[thresholds]", "p50_ratio = %g" % t[0], "min_sla_hit_rate = %g" % t[1],
                 "max_avg_open = %g" % t[2]]
        if self.leaderboard:
            lines += ["[leaderboard]", "size = %d" % self.leaderboard[0],
                      "min_closed = %d" % self.leaderboard[1]]
        lines += ["[aliases]", "%s = %s" % (CONFIG_ALIAS, self.alias_target),
                  "[auth]", "write_token = " + TOKEN, "[log]", "level = info"]
        if bad:
            lines += bad
        return "\n".join(lines) + "\n"

    def describe(self):
        return "as_of %s, pipeline %s, thresholds %s, leaderboard %s" % (
            self.as_of, ", ".join("%s:%d" % p for p in self.pipeline), self.thresholds,
            self.leaderboard or "default")


# ---- the test


class IncrementalEqualsFresh(unittest.TestCase):

    def setUp(self):
        env = os.environ.get("LEADTIME_PROP_SEED")
        self.seed = int(env) if env else random.SystemRandom().randrange(1, 10**9)
        self.steps = int(os.environ.get("LEADTIME_PROP_STEPS") or 40)
        print("\ntest_incremental: seed %d, %d steps (LEADTIME_PROP_SEED=%d to repeat)"
              % (self.seed, self.steps, self.seed), file=sys.stderr, flush=True)
        self.rng = random.Random(self.seed)
        self.dir = tempfile.mkdtemp(prefix="lt-prop-")
        self.db = os.path.join(self.dir, "lt.db")
        self.cfg_path = os.path.join(self.dir, "config.ini")
        self.step_no, self.step_kind, self.step_desc = 0, "setup", ""
        self.counter = 0
        self.seen_ids = set()
        self.reloads = 0
        self.bad_reloads = 0
        self.live = None
        self.failed = False
        self.addCleanup(self.remove_dir)

    def remove_dir(self):
        if self.failed and os.environ.get("LEADTIME_PROP_KEEP"):
            print("test_incremental: kept %s" % self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, True)

    # -- reporting

    def where(self):
        return ("seed %d, step %d (%s)" % (self.seed, self.step_no, self.step_kind) +
                (": %s" % self.step_desc if self.step_desc else "") +
                "\n  replay: LEADTIME_PROP_SEED=%d LEADTIME_PROP_STEPS=%d "
                "LEADTIME_BIN=%s python3 test/integration/run.py test_incremental"
                % (self.seed, max(self.step_no, 1), BIN))

    def fail_at(self, msg):
        raise AssertionError("%s\n  %s" % (self.where(), msg))

    def check(self, cond, msg):
        if not cond:
            self.fail_at(msg)

    def deadline_wait(self, pred, what, timeout=30):
        """Poll pred() until true (a generous deadline, not a timing assertion)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return
            time.sleep(0.02)
        self.fail_at("timed out after %d s waiting for %s" % (timeout, what))

    # -- processes

    def write_config(self, cfg, bad=None):
        tmp = self.cfg_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(cfg.text(bad))
        os.replace(tmp, self.cfg_path)

    def run_cli(self, args):
        p = subprocess.run([BIN] + args, env=clean_env(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        err = p.stderr.decode("utf-8", "replace")
        self.check(p.returncode == 0 and not sanitizer_report(err),
                   "leadtimed %s: exit %d\n%s" % (" ".join(args), p.returncode, err[-3000:]))
        return p

    def stop_daemon(self, d, name):
        rc = d.stop()
        log = d.text()
        self.check(not sanitizer_report(log), "%s daemon: sanitizer report:\n%s" % (name, log[-6000:]))
        self.check(rc == 0, "%s daemon: exit %d after SIGTERM:\n%s" % (name, rc, log[-3000:]))
        bad = [l for l in log.splitlines() if re.search(r" 5\d\d \d+ ", l)]
        self.check(not bad, "%s daemon: 5xx answers logged:\n%s" % (name, "\n".join(bad[:10])))

    # -- the run

    def test_random_writes_match_a_fresh_daemon(self):
        try:
            self.run_steps()
        except BaseException:
            self.failed = True
            raise

    def run_steps(self):
        rng = self.rng
        creators = rng.randint(120, 200)
        gen_seed = rng.randint(1, 10**6)
        self.write_config(Config(AS_OFS[1], "nobody"))  # generate needs the pipeline
        self.run_cli(["generate", "--config", self.cfg_path, "--creators", str(creators),
                      "--seed", str(gen_seed), "--start", START.isoformat(),
                      "--days", str(GEN_DAYS), "--db", self.db])
        st = Store(self.db)
        self.cfg = Config(AS_OFS[1], rng.choice(st.employees["Sales"]))
        self.write_config(self.cfg)
        self.step_desc = "generate --creators %d --seed %d" % (creators, gen_seed)
        self.live = Daemon(self.cfg_path)
        self.addCleanup(self.live.stop)  # also when an assertion fails first
        self.lc = Client(self.live.port)
        self.addCleanup(self.lc.close)
        prev = self.compare(set(), rng)
        schedule = KINDS + ["reload"] * (len(RELOAD_CYCLE) - 1)
        rng.shuffle(schedule)
        for n in range(1, self.steps + 1):
            kind = schedule[n - 1] if n <= len(schedule) else rng.choices(KINDS, WEIGHTS)[0]
            self.step_no, self.step_kind, self.step_desc = n, kind, ""
            touched = getattr(self, "step_" + kind)(rng, Store(self.db))
            cur = self.compare(touched, rng)
            if os.environ.get("LEADTIME_PROP_VERBOSE"):
                codes = {}
                for s, _, _ in cur.values():
                    codes[s] = codes.get(s, 0) + 1
                print("step %d %s: %s\n    %d routes %s" % (n, kind, self.step_desc, len(cur), codes),
                      file=sys.stderr, flush=True)
            self.check_etags(prev, cur, kind in NOCHANGE)
            prev = cur
        self.step_kind, self.step_desc = "end", ""
        self.lc.close()
        self.stop_daemon(self.live, "live")

    # -- comparing live and fresh

    def routes(self, meta, touched, rng, st):
        a = self.cfg.as_of
        iso = lambda d: d.isoformat()
        year = {"from": iso(a - 364 * DAY), "to": iso(a), "bucket": "month"}
        span = {"from": year["from"], "to": year["to"]}  # routes without buckets
        wed = a - 70 * DAY  # a Wednesday about ten weeks back: both ends cut mid-week
        while wed.weekday() != 2:
            wed -= DAY
        p = ["/api/v1/meta", "/api/v1/overview", "/api/v1/overview" + q(year),
             "/api/v1/overview" + q({"from": iso(a - 45 * DAY), "to": iso(a - 5 * DAY), "bucket": "day"}),
             "/api/v1/overview" + q({"from": iso(wed), "to": iso(wed + 57 * DAY), "bucket": "week"}),
             "/api/v1/overview" + q({"from": iso(a - 20 * DAY), "to": iso(a + 40 * DAY)}),
             "/api/v1/stages", "/api/v1/stages" + q(year),
             "/api/v1/creators?q=&limit=1000", "/api/v1/compare",
             "/api/v1/compare" + q({"a_from": iso(a - 300 * DAY), "a_to": iso(a - 151 * DAY),
                                    "b_from": iso(a - 150 * DAY), "b_to": iso(a)}),
             "/api/v1/leaderboard",
             "/api/v1/pit" + q({"format": "csv", "from": iso(a - 6 * DAY), "to": iso(a)}),
             # business days, flow analytics, handoffs (issues 10 and 11)
             "/api/v1/overview" + q(dict(year, days="business")),
             "/api/v1/stages" + q(dict(year, days="business")),
             "/api/v1/wip", "/api/v1/wip" + q({"limit": "1000"}), "/api/v1/scatter" + q(span),
             "/api/v1/flow" + q(year), "/api/v1/forecast",
             "/api/v1/handoffs", "/api/v1/handoffs" + q(dict(span, limit="1000")),
             "/api/v1/handoffs" + q({"from": iso(a - 45 * DAY), "to": iso(a - 5 * DAY)})]
        names = self.cfg.names()
        p += ["/api/v1/handoffs" + q(dict(span, department=n, limit="1000")) for n in names]
        # these answer 200 whatever the data: a 4xx would compare equal on
        # both daemons and prove nothing
        self.must_ok = set(p)
        for n in names:
            p += ["/api/v1/departments/" + seg(n), "/api/v1/departments/" + seg(n) + q(year)]
        p += ["/api/v1/departments/" + seg(n) for n in self.cfg.removed]
        p.append("/api/v1/pit" + q({"format": "json", "department": rng.choice(names),
                                    "from": iso(a - 30 * DAY), "to": iso(a), "limit": "500"}))
        ids = [e["id"] for e in meta["employees"]]
        self.seen_ids.update(ids)
        p += ["/api/v1/employees/%d" % i for i in sorted(self.seen_ids)]
        for i in rng.sample(ids, min(3, len(ids))):
            p.append("/api/v1/employees/%d" % i + q({"from": iso(a - 60 * DAY), "to": iso(a),
                                                      "bucket": "day"}))
        name = rng.choice(st.creators)
        start = rng.randrange(max(1, len(name) - 2))
        p.append("/api/v1/creators" + q({"q": name[start:start + 3].lower(), "limit": "1000"}))
        for c in sorted(set(touched) | set(rng.sample(st.creators, 3))):
            p.append("/api/v1/creators/" + seg(c))
        return p

    def fetch_all(self, client, paths):
        out = {}
        for path in paths:
            status, hdrs, body = client.request("GET", path)
            self.check(status < 500, "GET %s: %d %s" % (path, status, body[:300]))
            self.check(status == 200 or path not in self.must_ok,
                       "GET %s: %d %s" % (path, status, body[:300]))
            out[path] = (status, hdrs.get("etag"), body)
        return out

    def pit_pages(self, client, got):
        """Follows next_cursor twice from the first JSON page (same path on both)."""
        a = self.cfg.as_of
        path = "/api/v1/pit" + q({"format": "json", "from": (a - 40 * DAY).isoformat(),
                                  "to": a.isoformat(), "limit": "700"})
        for _ in range(3):
            status, hdrs, body = client.request("GET", path)
            got[path] = (status, hdrs.get("etag"), body)
            if status != 200:
                return
            cur = json.loads(body)["next_cursor"]
            if not cur:
                return
            path = "/api/v1/pit" + q({"format": "json", "from": (a - 40 * DAY).isoformat(),
                                      "to": a.isoformat(), "limit": "700", "cursor": cur})

    def compare(self, touched, rng):
        st = Store(self.db)
        status, _, body = self.lc.request("GET", "/api/v1/meta")
        self.check(status == 200, "live meta: %d %s" % (status, body[:300]))
        meta = json.loads(body)
        self.check(meta["data_version"] == st.version,
                   "live meta data_version %s, the store's %s" % (meta["data_version"], st.version))
        paths = self.routes(meta, touched, rng, st)

        def fetch(client):
            got = self.fetch_all(client, paths)
            self.pit_pages(client, got)
            return got
        fresh_d = Daemon(self.cfg_path)
        try:
            fc = Client(fresh_d.port)
            try:
                # both at once (the live daemon's answers are the ones under
                # test either way; the fresh one only reads the store)
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    job = pool.submit(fetch, fc)
                    live = fetch(self.lc)
                    fresh = job.result()
            finally:
                fc.close()
        finally:
            self.stop_daemon(fresh_d, "fresh")
        diffs = []
        for path in list(live) + [p for p in fresh if p not in live]:
            if path not in live or path not in fresh:
                diffs.append("GET %s: fetched on one daemon only (pit cursors differ)" % path)
                continue
            d = body_diff(live[path][0], live[path][2], fresh[path][0], fresh[path][2])
            if d:
                diffs.append("GET %s\n    live vs fresh %s" % (urllib.parse.unquote(path), d))
        if diffs:
            more = "\n  (%d more routes differ)" % (len(diffs) - 6) if len(diffs) > 6 else ""
            self.fail_at("live and fresh daemons differ on %d of %d routes:\n  %s%s"
                         % (len(diffs), len(live), "\n  ".join(diffs[:6]), more))
        # a conditional request with the current ETag: 304, same ETag
        for path, (status, etag, _) in live.items():
            if status == 200 and etag:
                s2, h2, b2 = self.lc.request("GET", path, headers={"If-None-Match": etag})
                self.check(s2 == 304 and h2.get("etag") == etag and not b2,
                           "GET %s with If-None-Match %s: %d, ETag %s" % (path, etag, s2, h2.get("etag")))
        return live

    def check_etags(self, prev, cur, nochange):
        for path, (status, etag, body) in cur.items():
            if path not in prev:
                continue
            pstatus, petag, pbody = prev[path]
            if nochange:
                self.check((pstatus, pbody) == (status, body),
                           "GET %s: body changed after a step that must change nothing: %s"
                           % (path, body_diff(pstatus, pbody, status, body)))
                self.check(petag == etag, "GET %s: ETag %s -> %s after a step that must change "
                           "nothing" % (path, petag, etag))
            elif (pstatus, pbody) != (status, body) and etag:
                self.check(petag != etag, "GET %s: body changed (%s) but the ETag stayed %s"
                           % (path, body_diff(pstatus, pbody, status, body), etag))

    # -- ticket rows

    def fresh_name(self, pattern):
        self.counter += 1
        return pattern % self.counter

    def employee_for(self, rng, st, dept, avoid=None):
        names = [n for n in st.employees.get(dept, []) if n != avoid]
        r = rng.random()
        if r < 0.1:
            return CONFIG_ALIAS
        if r < 0.3 or not names:
            return self.fresh_name("Prop Agent %d")
        return rng.choice(names)

    def date_near(self, rng):
        return self.cfg.as_of + rng.randint(-150, 15) * DAY

    def close_date(self, rng, opened):
        """Mostly a while after opened_on; often just before as_of (the
        leaderboard's day and week) or after it."""
        a = self.cfg.as_of
        r = rng.random()
        if r < 0.25 and a - DAY >= opened:
            return max(opened, a - rng.randint(1, 10) * DAY)
        if r < 0.35:
            return max(opened, a + rng.randint(0, 10) * DAY)
        return opened + rng.randint(0, 45) * DAY

    def rows(self, rng, st, n, ops=None, prefer=()):
        """n rows with distinct ticket_ids: (row dicts, descriptions); a
        ticket of prefer is taken when one fits, more often than not."""
        depts = self.cfg.names()
        known = [t for t in st.tickets.values() if t["department"] in depts]
        rows, desc, used = [], [], set()
        ops = ops or ["new", "new", "close", "reopen", "open_earlier", "open_later", "close_later",
                      "move_employee", "move_department", "unchanged"]
        for _ in range(n):
            op = rng.choice(ops)
            pool = [t for t in known if t["ticket_id"] not in used]
            if op in ("close",):
                pool = [t for t in pool if t["closed"] is None]
            elif op in ("reopen", "close_later"):
                pool = [t for t in pool if t["closed"] is not None]
            elif op == "move_department" and len(depts) < 2:
                pool = []
            preferred = [t for t in pool if t["ticket_id"] in prefer]
            if preferred and rng.random() < 0.7:
                pool = preferred
            if op == "new" or not pool:
                op = "new"
                dept = rng.choice(depts)
                opened = self.date_near(rng)
                closed = None if rng.random() < 0.3 else self.close_date(rng, opened)
                t = {"ticket_id": self.fresh_name("PROP-%05d"),
                     "creator": rng.choice(st.creators) if rng.random() < 0.5
                     else self.fresh_name(rng.choice(CREATOR_NAMES)),
                     "employee": self.employee_for(rng, st, dept), "department": dept,
                     "opened": opened, "closed": closed}
            else:
                t = dict(rng.choice(pool))
                if op == "close":
                    t["closed"] = self.close_date(rng, t["opened"])
                elif op == "reopen":
                    t["closed"] = None
                elif op == "open_earlier":
                    t["opened"] -= rng.randint(1, 30) * DAY
                elif op == "open_later":
                    t["opened"] += rng.randint(1, 15) * DAY
                    if t["closed"] is not None and t["opened"] > t["closed"]:
                        t["opened"] = t["closed"]
                elif op == "close_later":
                    t["closed"] += rng.randint(1, 20) * DAY
                elif op == "move_employee":
                    t["employee"] = self.employee_for(rng, st, t["department"], t["employee"])
                elif op == "move_department":
                    t["department"] = rng.choice([d for d in depts if d != t["department"]])
                    t["employee"] = self.employee_for(rng, st, t["department"])
            used.add(t["ticket_id"])
            rows.append({"ticket_id": t["ticket_id"], "creator": t["creator"], "employee": t["employee"],
                         "department": t["department"], "opened_on": t["opened"].isoformat(),
                         "closed_on": t["closed"].isoformat() if t["closed"] else ""})
            desc.append("%s %s" % (op, "|".join(rows[-1].values())))
        return rows, desc

    @staticmethod
    def csv_text(rows, rng):
        cols = ["ticket_id", "creator", "employee", "department", "opened_on", "closed_on"]
        rng.shuffle(cols)
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow([r[c] for c in cols])
        return out.getvalue()

    def json_text(self, rows, rng):
        items = []
        for r in rows:
            r = dict(r)
            if r["closed_on"] == "" and rng.random() < 0.5:
                r["closed_on"] = None
            items.append(r)
        return json.dumps(items)

    def post_rows(self, rng, rows, via):
        if via == "tickets":
            return self.lc.post("/api/v1/tickets", self.json_text(rows, rng), "application/json")
        return self.lc.post("/api/v1/import", self.csv_text(rows, rng), "text/csv")

    def write_rows(self, rng, st, via, prefer=()):
        rows, desc = self.rows(rng, st, rng.randint(1, 5), prefer=prefer)
        self.step_desc = "; ".join(desc)
        status, _, body = self.post_rows(rng, rows, via)
        self.check(status == 200, "POST %s: %d %s" % (via, status, body[:500]))
        self.last_ids = [r["ticket_id"] for r in rows]
        return {r["creator"] for r in rows}

    # -- steps (each returns the creators it touched)

    def step_tickets(self, rng, st):
        return self.write_rows(rng, st, "tickets")

    def step_import(self, rng, st):
        return self.write_rows(rng, st, "import")

    def step_burst(self, rng, st):
        touched, descs, prefer = set(), [], set()
        for i in range(rng.randint(2, 4)):
            via = rng.choice(["tickets", "tickets", "import", "alias"])
            if via == "alias":
                touched |= self.step_alias(rng, st)
            else:
                touched |= self.write_rows(rng, st, via, prefer)
                prefer.update(self.last_ids)
            descs.append("[%d %s] %s" % (i + 1, via, self.step_desc))
            st = Store(self.db)
        self.step_desc = " ".join(descs)
        return touched

    def step_cli_import(self, rng, st):
        rows, desc = self.rows(rng, st, rng.randint(1, 5))
        self.step_desc = "; ".join(desc)
        path = os.path.join(self.dir, "step%d.csv" % self.step_no)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(self.csv_text(rows, rng))
        self.run_cli(["import", "--config", self.cfg_path, "--db", self.db, path])
        version = Store(self.db).version

        def caught_up():
            s, _, b = self.lc.request("GET", "/api/v1/meta")
            return s == 200 and json.loads(b)["data_version"] == version
        self.deadline_wait(caught_up, "the live daemon to notice the CLI import (data version %d)" % version)
        return {r["creator"] for r in rows}

    def step_noop(self, rng, st):
        depts = self.cfg.names()
        known = [t for t in st.tickets.values() if t["department"] in depts]
        rows, desc = self.rows(rng, st, min(rng.randint(1, 5), len(known)), ["unchanged"])
        via = rng.choice(["tickets", "import"])
        self.step_desc = "%s: %s" % (via, "; ".join(desc))
        status, _, body = self.post_rows(rng, rows, via)
        self.check(status == 200, "POST %s: %d %s" % (via, status, body[:500]))
        res = json.loads(body)
        self.check((res["inserted"], res["updated"], res["unchanged"]) == (0, 0, len(rows)),
                   "unchanged rows re-posted: %s" % res)
        return {r["creator"] for r in rows}

    def step_alias(self, rng, st):
        depts = self.cfg.names()
        keys, targets = set(st.aliases), set(st.aliases.values())
        items = []
        for _ in range(rng.choice([1, 1, 2])):
            sources = sorted({n for d in depts for n in st.employees.get(d, [])} - targets - keys)
            if not sources:
                break
            src = rng.choice(sources)
            known = sorted({n for ns in st.employees.values() for n in ns} - keys - {src})
            tgt = rng.choice(known) if known and rng.random() < 0.6 else self.fresh_name("Prop Alias %d")
            items.append({"alias": src, "name": tgt})
            keys.add(src)
            targets.add(tgt)
        self.step_desc = "; ".join("%s -> %s" % (i["alias"], i["name"]) for i in items)
        if not items:
            return set()
        moved = [t for t in st.tickets.values() if t["employee"] in {i["alias"] for i in items}]
        status, _, body = self.lc.post("/api/v1/aliases", json.dumps(items), "application/json")
        self.check(status == 200, "POST aliases: %d %s" % (status, body[:500]))
        res = json.loads(body)
        self.check(res["tickets_moved"] == len(moved),
                   "POST aliases: tickets_moved %s, the store had %d tickets of those names"
                   % (res["tickets_moved"], len(moved)))
        return {t["creator"] for t in moved}

    def reload_config(self, rng):
        c = self.cfg.copy()
        done = []
        changes = rng.sample(RELOAD_CHANGES, rng.choice([0, 1, 1, 2]))
        if self.reloads < len(RELOAD_CYCLE):
            changes = RELOAD_CYCLE[self.reloads]
        for change in changes:
            if change == "sla":
                i = rng.randrange(len(c.pipeline))
                c.pipeline[i] = (c.pipeline[i][0], rng.randint(0, 40))
            elif change == "thresholds":
                c.thresholds = (rng.choice([1.1, 1.5, 2, 3]), rng.choice([0.3, 0.6, 0.85]),
                                rng.choice([2, 6, 25, 80]))
            elif change == "leaderboard":
                c.leaderboard = (rng.randint(1, 7), rng.randint(1, 4))
            elif change == "as_of":
                c.as_of = rng.choice([d for d in AS_OFS if d != c.as_of])
            elif change == "remove" and len(c.pipeline) > 2:
                i = rng.randrange(len(c.pipeline))
                c.removed.append(c.pipeline.pop(i)[0])
            elif change == "readd" and c.removed:
                name = c.removed.pop(rng.randrange(len(c.removed)))
                c.pipeline.insert(rng.randint(0, len(c.pipeline)), (name, rng.randint(1, 30)))
            elif change == "add_new" and NEW_DEPT not in c.names() + c.removed:
                c.pipeline.insert(rng.randint(0, len(c.pipeline)), (NEW_DEPT, rng.randint(1, 10)))
            elif change == "reorder":
                i, j = rng.sample(range(len(c.pipeline)), 2)
                c.pipeline[i], c.pipeline[j] = c.pipeline[j], c.pipeline[i]
            else:
                continue
            done.append(change)
        return c, done

    def wait_log_count(self, text, count, what):
        self.deadline_wait(lambda: self.live.text().count(text) >= count, what)

    def step_reload(self, rng, st):
        self.cfg, done = self.reload_config(rng)
        self.step_desc = "%s -> %s" % (",".join(done) or "unchanged", self.cfg.describe())
        self.write_config(self.cfg)
        self.reloads += 1
        os.kill(self.live.proc.pid, signal.SIGHUP)
        self.wait_log_count("reload: configuration in force", self.reloads, "the reload to take effect")
        self.check(self.live.text().count("keeping the running") == self.bad_reloads,
                   "the reload was refused:\n" + self.live.text()[-2000:])
        s, _, b = self.lc.request("GET", "/api/v1/meta")
        meta = json.loads(b)
        self.check((meta["as_of"], [(d["name"], d["sla_days"]) for d in meta["departments"]])
                   == (self.cfg.as_of.isoformat(), self.cfg.pipeline),
                   "meta after the reload: as_of %s, departments %s" % (meta["as_of"], meta["departments"]))
        return set(rng.sample(st.creators, 3))

    def step_bad_reload(self, rng, st):
        bad = rng.choice([["[thresholds]", "p50_ratio = fast"], ["[leaderboard]", "size = 0"],
                          ["[server]", "port = 80x"], ["[nowhere]", "key = 1"]])
        self.step_desc = " / ".join(bad)
        self.write_config(self.cfg, bad)
        self.bad_reloads += 1
        os.kill(self.live.proc.pid, signal.SIGHUP)
        self.wait_log_count("keeping the running one", self.bad_reloads, "the bad reload to be refused")
        self.write_config(self.cfg)  # the fresh daemon starts with the running config
        return set()

    def step_invalid(self, rng, st):
        depts = self.cfg.names()
        what = rng.choice(["closed_before_opened", "bad_date", "unknown_department", "empty_creator",
                           "long_ticket_id", "duplicate_id", "unknown_field", "number_value",
                           "alias_to_itself"])
        if what == "alias_to_itself":
            name = rng.choice(st.employees.get(rng.choice(depts)) or [CONFIG_ALIAS])
            self.step_desc = "alias %s -> itself" % name
            status, _, body = self.lc.post("/api/v1/aliases", json.dumps([{"alias": name, "name": name}]),
                                           "application/json")
            self.check(status == 422, "POST aliases (to itself): %d %s" % (status, body[:300]))
            return set()
        rows, desc = self.rows(rng, st, rng.randint(1, 4))
        bad = dict(rows[-1])
        if what == "closed_before_opened":
            bad["closed_on"] = (D(bad["opened_on"]) - DAY).isoformat()
        elif what == "bad_date":
            bad["opened_on"] = "2020-02-30"
        elif what == "unknown_department":
            bad["department"] = rng.choice(self.cfg.removed or ["Nowhere"])
        elif what == "empty_creator":
            bad["creator"] = ""
        elif what == "long_ticket_id":
            bad["ticket_id"] = "X" * 129
        elif what == "duplicate_id":
            bad = dict(rows[0])
        rows.append(bad)
        desc.append("bad %s" % "|".join(bad.values()))
        rng.shuffle(rows)
        via = rng.choice(["tickets", "import"])
        if what in ("unknown_field", "number_value"):
            via = "tickets"
            items = json.loads(self.json_text(rows, rng))
            items[rng.randrange(len(items))].update({"colour": "red"} if what == "unknown_field"
                                                    else {"opened_on": 20200101})
            body_text = json.dumps(items)
            status, _, body = self.lc.post("/api/v1/tickets", body_text, "application/json")
        else:
            status, _, body = self.post_rows(rng, rows, via)
        self.step_desc = "%s via %s: %s" % (what, via, "; ".join(desc))
        self.check(status == 422, "POST %s with a bad row (%s): %d %s" % (via, what, status, body[:300]))
        self.check(Store(self.db).version == st.version, "a rejected write changed the data version")
        return {r["creator"] for r in rows if r["creator"]}


if __name__ == "__main__":
    unittest.main()
