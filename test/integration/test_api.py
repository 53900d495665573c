"""HTTP API tests of leadtimed (SPEC §3, §4; docs/API.md; docs/ANALYTICS.md).

Each data-set class starts its own daemon (`serve --port 0`, the port read
from the log line) on a temporary store and compares every GET route with
agg_ref.Ref: a brute force over the point-in-time rows of SPEC §2, built
from the tickets read straight from the SQLite store.  Numbers are compared
to within the API's rounding to 3 decimals; counts exactly; null to null.

Data sets:
  Gen1  generate --creators 300 --seed 1 --days 400 (data to 2020-02-04), served
        with as_of 2020-01-20, so tickets open or close after as_of; own SLAs,
        thresholds and leaderboard size.
  Gen2  generate --creators 800 --seed 42 --days 500 with a four-department
        pipeline whose names hold spaces and '&'; leaderboard defaults.
  Edge  data/edge.csv plus hand-made tickets (aliases, rework, waits that are
        negative or skipped, tickets opened on / after as_of, closed after it,
        names with quotes, commas, line breaks, unicode, '/', '%', '+').
Per data set and range (day/week/month buckets, cut first and last buckets,
mid-week/mid-month starts, default range, `to` past as_of, ranges before the
data): overview, every department, every employee, stages.  Per data set:
meta, healthz, pit (CSV bytes and JSON pages), creators search and every
creator's timeline, compare, leaderboard.  Errors (400 bad_param / 404
not_found naming the parameter), 304, junk paths and odd query values run
against the Edge daemon; every daemon must log no 5xx.

The daemon is $LEADTIME_BIN (run.py sets it; `make test` uses the ASan build);
each daemon is stopped by its pid with SIGTERM and must exit 0 with no
sanitizer report.
"""
import datetime as dt
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import agg_ref
import pit_ref
from daemon import Daemon

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")
D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)
EPOCH = dt.date(1970, 1, 1)
TOL = 5e-4 + 1e-9  # one rounding to 3 decimals


def run(args, cwd=None):
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    return subprocess.run([BIN] + [str(a) for a in args], cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


def sanitizer_report(text):
    for marker in ("Sanitizer", "runtime error:"):
        if marker in text:
            return text
    return None


def no_nan(const):
    raise ValueError("JSON holds %s" % const)


def load_tickets(db):
    """The store's tickets (configured departments only) as agg_ref dicts."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        rows = con.execute(
            "SELECT t.ticket_id, c.name, e.id, e.name, d.name, t.opened_on, t.closed_on "
            "FROM tickets t JOIN creators c ON c.id = t.creator_id "
            "JOIN employees e ON e.id = t.employee_id "
            "JOIN departments d ON d.id = t.department_id "
            "WHERE d.position IS NOT NULL").fetchall()
        emps = con.execute(
            "SELECT e.id, e.name, d.name FROM employees e JOIN departments d "
            "ON d.id = e.department_id WHERE d.position IS NOT NULL").fetchall()
        total = con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    finally:
        con.close()
    day = lambda n: None if n is None else EPOCH + dt.timedelta(days=n)
    tickets = [{"ticket_id": r[0], "creator": r[1], "employee_id": r[2], "employee": r[3],
                "department": r[4], "opened": day(r[5]), "closed": day(r[6])} for r in rows]
    return tickets, {e[0]: (e[1], e[2]) for e in emps}, total


def q(params):
    """Query string, every reserved byte percent-encoded."""
    if not params:
        return ""
    return "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="")


def seg(name):
    return urllib.parse.quote(name, safe="")


# ---------------------------------------------------------------------------


class ApiCase(unittest.TestCase):
    """A data set behind a running daemon; subclasses fill prepare()."""

    AS_OF = None
    DEPTS = None  # [(name, sla_days)]
    THRESHOLDS = {"p50_ratio": 1.5, "min_sla_hit_rate": 0.6, "max_avg_open": 25}
    LEADERBOARD = None  # (size, min_closed) written to config, or None for defaults
    RANGES = []  # [(label, from, to, bucket)]; from None = default range

    @classmethod
    def config_text(cls, as_of, extra=""):
        lines = ["[server]", "listen = 127.0.0.1", "threads = 4",
                 "[data]", "db = lt.db", "as_of = " + (as_of or ""), "seed_demo = false",
                 "[pipeline]", "departments = " + ", ".join(n for n, _ in cls.DEPTS),
                 "sla_days = " + ", ".join(str(s) for _, s in cls.DEPTS),
                 "[thresholds]"]
        for k, v in cls.THRESHOLDS.items():
            lines.append("%s = %s" % (k, v))
        if cls.LEADERBOARD:
            lines += ["[leaderboard]", "size = %d" % cls.LEADERBOARD[0],
                      "min_closed = %d" % cls.LEADERBOARD[1]]
        return "\n".join(lines) + "\n" + extra

    @classmethod
    def write(cls, name, text):
        path = os.path.join(cls.dir, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    @classmethod
    def must(cls, args):
        p = run(args)
        if p.returncode != 0 or sanitizer_report(p.stderr.decode("utf-8", "replace")):
            raise RuntimeError("leadtimed %s: exit %d\n%s" % (
                " ".join(map(str, args)), p.returncode, p.stderr.decode("utf-8", "replace")))
        return p

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="lt-api-")
        cls.daemon = None
        try:
            cls.prepare()
            cls.cfg = cls.write("config.ini", cls.config_text(cls.AS_OF.isoformat(), cls.extra_config()))
            tickets, emps, total = load_tickets(os.path.join(cls.dir, "lt.db"))
            cls.tickets, cls.store_total = tickets, total
            cls.emps = emps  # id -> (name, department)
            cls.emp_names = {i: n for i, (n, _) in emps.items()}
            size, mn = cls.LEADERBOARD or (5, 3)
            cls.ref = agg_ref.Ref(tickets, cls.DEPTS, cls.AS_OF, cls.THRESHOLDS, size, mn)
            cls.daemon = Daemon(cls.cfg)
        except Exception:
            shutil.rmtree(cls.dir, True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.daemon is not None:
                rc = cls.daemon.stop()
                log = cls.daemon.text()
                if sanitizer_report(log):
                    raise AssertionError("%s: sanitizer report from the daemon:\n%s" % (cls.__name__, log))
                if rc != 0:
                    raise AssertionError("%s: daemon exit %d after SIGTERM:\n%s" % (cls.__name__, rc, log[-3000:]))
                bad = [l for l in log.splitlines() if re.search(r" 5\d\d \d+ ", l)]
                if bad:
                    raise AssertionError("%s: 5xx answers logged:\n%s" % (cls.__name__, "\n".join(bad[:20])))
        finally:
            shutil.rmtree(cls.dir, True)

    @classmethod
    def extra_config(cls):
        return ""

    # -- HTTP
    def request(self, path, headers=None, method="GET", timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            conn.endheaders()
            r = conn.getresponse()
            body = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, body
        finally:
            conn.close()

    def get_json(self, path, status=200):
        st, hdr, body = self.request(path)
        self.assertEqual(st, status, "%s: status %d, body %r" % (path, st, body[:500]))
        self.assertTrue(hdr.get("content-type", "").startswith("application/json"),
                        "%s: content-type %r" % (path, hdr.get("content-type")))
        try:
            return json.loads(body.decode("utf-8"), parse_constant=no_nan)
        except ValueError as e:
            self.fail("%s: not strict JSON (%s): %r" % (path, e, body[:300]))

    # -- comparison
    def same(self, got, want, where, p4=False):
        """got (JSON) matches want (reference): dict keys of want present,
        lists of equal length, ints exact, reals within one 3-decimal rounding
        (p4: 4 significant digits), null only for None."""
        if isinstance(want, dict):
            self.assertIsInstance(got, dict, "%s: expected an object, got %r" % (where, got))
            for k, v in want.items():
                self.assertIn(k, got, "%s: key %r missing (has %s)" % (where, k, sorted(got)))
                self.same(got[k], v, "%s.%s" % (where, k), p4 or k == "p_value")
        elif isinstance(want, list):
            self.assertIsInstance(got, list, "%s: expected an array, got %r" % (where, got))
            self.assertEqual(len(got), len(want), "%s: %d items, expected %d\n got %.600r\nwant %.600r"
                             % (where, len(got), len(want), got, want))
            for i, (g, w) in enumerate(zip(got, want)):
                self.same(g, w, "%s[%d]" % (where, i), p4)
        elif want is None:
            self.assertIsNone(got, "%s: %r, expected null" % (where, got))
        elif isinstance(want, bool) or isinstance(want, str):
            self.assertEqual(got, want, "%s: %r, expected %r" % (where, got, want))
        elif isinstance(want, (int, float)):
            self.assertTrue(isinstance(got, (int, float)) and not isinstance(got, bool),
                            "%s: %r, expected the number %r" % (where, got, want))
            if p4:
                tol = max(abs(want) * 6e-4, 1e-12)
                self.assertLessEqual(abs(got - want), tol, "%s: %r, expected %r (4 significant digits)"
                                     % (where, got, want))
                return
            if isinstance(want, int):
                self.assertEqual(got, want, "%s: %r, expected %r" % (where, got, want))
                return
            self.assertLessEqual(abs(got - want), TOL, "%s: %r, expected %r (to 3 decimals)" % (where, got, want))
            self.assertLess(abs(got * 1000 - round(got * 1000)), 1e-6,
                            "%s: %r is not rounded to 3 decimals" % (where, got))
        else:
            self.fail("%s: reference value of unknown type %r" % (where, want))

    def eff(self, frm, to):
        if frm is None:
            return self.AS_OF - dt.timedelta(days=89), self.AS_OF
        return frm, min(to, self.AS_OF)

    def params(self, frm, to, bucket, **more):
        p = {}
        if frm is not None:
            p["from"], p["to"] = frm.isoformat(), to.isoformat()
        if bucket is not None:
            p["bucket"] = bucket
        p.update(more)
        return p

    def check_range(self, got, frm, to, bucket, where, series=True):
        """range = the effective {from, to, bucket, as_of}.  Routes without
        series (pit, creators, leaderboard) take no bucket, so theirs may
        leave it out (SPEC §4: bucket "where series exist")."""
        f, t = self.eff(frm, to)
        self.assertIn("range", got, "%s: no range" % where)
        want = {"from": f.isoformat(), "to": t.isoformat(), "as_of": self.AS_OF.isoformat()}
        if series or "bucket" in got["range"]:
            want["bucket"] = bucket or "week"
        self.same(got["range"], want, where + ".range")

    def check_buckets(self, series, frm, to, bucket, where):
        """The series' start/end are the cut buckets of SPEC §3."""
        f, t = self.eff(frm, to)
        want = [(s.isoformat(), e.isoformat()) for s, e in agg_ref.buckets(f, t, bucket or "week")]
        got = [(s.get("start"), s.get("end")) for s in series]
        self.assertEqual(got, want, "%s: buckets" % where)

    # -- route checks (used by the generated test methods)
    def check_overview(self, frm, to, bucket):
        path = "/api/v1/overview" + q(self.params(frm, to, bucket))
        got = self.get_json(path)
        self.check_range(got, frm, to, bucket, path)
        f, t = self.eff(frm, to)
        want = self.ref.overview(f, t, bucket or "week")
        for d in got.get("departments", []):
            self.check_buckets(d.get("series", []), frm, to, bucket, path + " " + str(d.get("name")))
        self.same(got.get("departments"), want["departments"], path + " departments")
        self.same(got.get("end_to_end"), want["end_to_end"], path + " end_to_end")
        self.same(got.get("weekday_profile"), want["weekday_profile"], path + " weekday_profile")
        self.same(got.get("kpis"), want["kpis"], path + " kpis")

    def check_department(self, name, frm, to, bucket):
        path = "/api/v1/departments/%s%s" % (seg(name), q(self.params(frm, to, bucket)))
        got = self.get_json(path)
        self.check_range(got, frm, to, bucket, path)
        f, t = self.eff(frm, to)
        want = self.ref.department(name, f, t, bucket or "week", self.emp_names)
        self.check_buckets(got["department"]["series"], frm, to, bucket, path)
        self.same(got["department"], want["department"], path + " department")
        gids = [e.get("id") for e in got.get("employees", [])]
        self.assertEqual(gids, [e["id"] for e in want["employees"]],
                         "%s: employees listed (ids, in name order)" % path)
        for g, w in zip(got["employees"], want["employees"]):
            where = "%s employee %s" % (path, w["id"])
            gflags = sorted(g.get("flags", []), key=lambda x: x.get("rule", ""))
            wflags = sorted(w.pop("flags"), key=lambda x: x["rule"])
            self.same(gflags, wflags, where + " flags")
            self.same(g, w, where)

    def check_employee(self, eid, frm, to, bucket):
        path = "/api/v1/employees/%d%s" % (eid, q(self.params(frm, to, bucket)))
        got = self.get_json(path)
        self.check_range(got, frm, to, bucket, path)
        f, t = self.eff(frm, to)
        name, dept = self.emps[eid]
        want = self.ref.employee(eid, name, dept, f, t, bucket or "week")
        self.check_buckets(got.get("series", []), frm, to, bucket, path)
        self.same(got, want, path)

    def check_stages(self, frm, to, bucket):
        path = "/api/v1/stages" + q(self.params(frm, to, bucket))
        got = self.get_json(path)
        self.check_range(got, frm, to, bucket, path)
        f, t = self.eff(frm, to)
        want = self.ref.stages(f, t, bucket or "week")
        self.same(got, want, path)

    def check_pit(self, frm, to, page, **filters):
        """CSV equals SPEC §2 byte for byte; JSON pages of `page` rows
        concatenate to the same rows, next_cursor null only at the end."""
        f, t = self.eff(frm, to)
        kw = {k: v for k, v in filters.items()}
        want = pit_ref.rows(self.ref.all, self.AS_OF, f, t, **kw)
        base = self.params(frm, to, None, **filters)
        st, hdr, body = self.request("/api/v1/pit" + q(dict(base, format="csv")))
        self.assertEqual(st, 200, body[:300])
        self.assertTrue(hdr.get("content-type", "").startswith("text/csv"), hdr.get("content-type"))
        text = body.decode("utf-8")
        exp = pit_ref.to_csv(want)
        if text != exp:
            g, w = text.split("\n"), exp.split("\n")
            for i, (a, b) in enumerate(zip(g, w)):
                self.assertEqual(a, b, "pit csv %s line %d (of %d, expected %d)" % (base, i + 1, len(g), len(w)))
            self.assertEqual(len(g), len(w), "pit csv %s: line count" % base)
        rows, cursor, pages = [], None, 0
        while True:
            p = dict(base, format="json", limit=str(page))
            if cursor is not None:
                p["cursor"] = cursor
            got = self.get_json("/api/v1/pit" + q(p))
            self.check_range(got, frm, to, None, "pit json", series=False)
            pages += 1
            cursor = got.get("next_cursor", "missing")
            self.assertNotEqual(cursor, "missing", "pit json: no next_cursor key")
            if cursor is not None:
                self.assertEqual(len(got["rows"]), page, "pit json: a page before the last is short")
            rows.extend(got["rows"])
            if cursor is None or pages > len(want) // page + 3:
                break
        self.assertIsNone(cursor, "pit json: cursor never ends")
        self.assertEqual(len(rows), len(want), "pit json rows %s" % base)
        self.assertEqual(rows, pit_ref.to_json(want), "pit json rows %s" % base)
        return len(want)


def add_range_tests(cls):
    """One test method per (route, range) so a failure names both."""
    for label, frm, to, bucket in cls.RANGES:
        def t_over(self, frm=frm, to=to, bucket=bucket):
            self.check_overview(frm, to, bucket)

        def t_dept(self, frm=frm, to=to, bucket=bucket):
            for name, _ in self.DEPTS:
                self.check_department(name, frm, to, bucket)

        def t_stages(self, frm=frm, to=to, bucket=bucket):
            self.check_stages(frm, to, bucket)

        def t_emp(self, frm=frm, to=to, bucket=bucket):
            for eid in self.employee_sample(frm, to):
                self.check_employee(eid, frm, to, bucket)

        for kind, fn in (("overview", t_over), ("departments", t_dept),
                         ("stages", t_stages), ("employees", t_emp)):
            fn.__name__ = "test_%s_%s" % (kind, label)
            fn.__doc__ = "%s over %s..%s by %s" % (kind, frm, to, bucket)
            setattr(cls, fn.__name__, fn)
    return cls


class Routes:
    """Checks every data set runs (mixed into the data-set classes)."""

    def employee_sample(self, frm, to):
        """Every employee of the data set (those without rows in the range
        included: their answer is all zeros and nulls)."""
        return sorted(self.emps)

    def test_meta(self):
        got = self.get_json("/api/v1/meta")
        self.assertEqual(got.get("as_of"), self.AS_OF.isoformat())
        self.assertIsInstance(got.get("data_version"), int)
        self.assertGreaterEqual(got["data_version"], 1)
        self.assertEqual(got.get("tickets"), self.store_total)
        self.same(got.get("departments"), [{"name": n, "position": i + 1, "sla_days": s}
                                           for i, (n, s) in enumerate(self.DEPTS)], "meta.departments")
        want = sorted([{"id": i, "name": n, "department": d} for i, (n, d) in self.emps.items()],
                      key=lambda e: e["id"])
        self.assertEqual(sorted(got.get("employees", []), key=lambda e: e.get("id", 0)), want)
        vis = self.ref.vis
        first = min(t["opened"] for t in vis)
        last = max([t["opened"] for t in vis] + [t["closed"] for t in vis if t["closed"]])
        # SPEC §1: nothing is reported after as_of
        self.same(got.get("data_bounds"), {"first": first.isoformat(), "last": last.isoformat()},
                  "meta.data_bounds")

    def test_healthz(self):
        st, hdr, body = self.request("/healthz")
        self.assertEqual(st, 200)
        self.assertEqual(body.strip(), b"ok")

    def test_leaderboard(self):
        got = self.get_json("/api/v1/leaderboard")
        self.check_range(got, None, None, None, "leaderboard", series=False)
        self.same(got, self.ref.leaderboard(self.emp_names), "leaderboard")

    def test_compare_defaults(self):
        """B = the 90 days ending at as_of, A = the 90 days before."""
        got = self.get_json("/api/v1/compare")
        b = (self.AS_OF - dt.timedelta(days=89), self.AS_OF)
        a = (b[0] - dt.timedelta(days=90), b[0] - DAY)
        for k, (f, t) in (("a", a), ("b", b)):
            self.assertEqual((got[k].get("from"), got[k].get("to")), (f.isoformat(), t.isoformat()),
                             "compare.%s range" % k)
        self.same(got["departments"], self.ref.compare(a, b), "compare (defaults)")
        self.same(got["end_to_end"], self.ref.compare_e2e(a, b), "compare (defaults) end_to_end")

    def test_compare_explicit(self):
        for (a, b) in self.COMPARE:
            p = {"a_from": a[0].isoformat(), "a_to": a[1].isoformat(),
                 "b_from": b[0].isoformat(), "b_to": b[1].isoformat()}
            path = "/api/v1/compare" + q(p)
            got = self.get_json(path)
            a2, b2 = self.eff(*a), self.eff(*b)
            for k, (f, t) in (("a", a2), ("b", b2)):
                self.assertEqual((got[k].get("from"), got[k].get("to")), (f.isoformat(), t.isoformat()),
                                 "%s: %s range" % (path, k))
            self.same(got["departments"], self.ref.compare(a2, b2), path)
            self.same(got["end_to_end"], self.ref.compare_e2e(a2, b2), path + " end_to_end")

    def test_compare_b_only(self):
        """Only B given (its `to` past as_of): A is the period of B's clamped
        length just before it."""
        b = self.COMPARE[0][1]
        b2 = self.eff(b[0], b[1] + dt.timedelta(days=40))
        length = (b2[1] - b2[0]).days + 1
        a2 = (b2[0] - dt.timedelta(days=length), b2[0] - DAY)
        path = "/api/v1/compare" + q({"b_from": b[0].isoformat(),
                                      "b_to": (b[1] + dt.timedelta(days=40)).isoformat()})
        got = self.get_json(path)
        for k, (f, t) in (("a", a2), ("b", b2)):
            self.assertEqual((got[k].get("from"), got[k].get("to")), (f.isoformat(), t.isoformat()),
                             "%s: %s range" % (path, k))
        self.same(got["departments"], self.ref.compare(a2, b2), path)
        self.same(got["end_to_end"], self.ref.compare_e2e(a2, b2), path + " end_to_end")

    def test_creators_search(self):
        for text, limit in self.SEARCHES:
            p = {}
            if text is not None:
                p["q"] = text
            if limit is not None:
                p["limit"] = str(limit)
            path = "/api/v1/creators" + q(p)
            got = self.get_json(path)
            self.check_range(got, None, None, None, path, series=False)
            self.same(got, self.ref.search(text, limit or 20), path)

    def test_creators_search_ignores_range(self):
        f, t = self.RANGES[1][1], self.RANGES[1][2]
        path = "/api/v1/creators" + q({"q": "a", "limit": "7", "from": f.isoformat(), "to": t.isoformat()})
        got = self.get_json(path)
        self.check_range(got, f, t, None, path, series=False)
        self.same(got, self.ref.search("a", 7), path)

    def test_creator_timelines(self):
        for name in self.timeline_sample():
            path = "/api/v1/creators/" + seg(name)
            got = self.get_json(path)
            self.check_range(got, None, None, None, path, series=False)
            want = self.ref.timeline(name)
            self.same_timeline(got, want, path)
            # SPEC §3: Σ stage times + Σ waits = end-to-end, when every stage
            # before the last is complete (checked on the answer itself)
            st = got["stages"]
            names = [n for n, _ in self.DEPTS]
            if (got["end_to_end"]["days"] is not None and [s["department"] for s in st] == names
                    and all(s["days"] is not None for s in st[:-1])):
                total = sum(s["days"] for s in st[:-1]) + sum(s["wait_before"] for s in st[1:])
                self.assertEqual(total, got["end_to_end"]["days"], "%s: stages + waits" % path)

    def same_timeline(self, got, want, path):
        """A creator with a campaign but no ticket in the first department
        has no end-to-end value (SPEC §3); docs/API.md does not say whether
        campaign_start is then the campaign's first opening or null, so
        both readings pass."""
        e2e = want["end_to_end"]
        if e2e["days"] is None and e2e["campaign_start"] is not None and got.get("end_to_end", {}).get(
                "campaign_start", "x") is None:
            want = dict(want, end_to_end=dict(e2e, campaign_start=None))
        self.same(got, want, path)

    def timeline_sample(self):
        """Every creator with a ticket by as_of."""
        return [c["name"] for c in self.ref.creator_list()]

    def test_pit(self):
        for frm, to, page, filters in self.PITS:
            self.check_pit(frm, to, page, **filters)

    def test_default_range_and_bucket(self):
        """No parameters: the 90 days ending at as_of, weekly."""
        for path in ("/api/v1/overview", "/api/v1/stages",
                     "/api/v1/departments/" + seg(self.DEPTS[0][0]),
                     "/api/v1/employees/%d" % min(self.emps), "/api/v1/leaderboard",
                     "/api/v1/creators"):
            got = self.get_json(path)
            self.check_range(got, None, None, None, path,
                             series=not any(k in path for k in ("leaderboard", "creators")))

    def test_to_past_as_of_is_clamped(self):
        f = self.AS_OF - dt.timedelta(days=20)
        path = "/api/v1/overview" + q({"from": f.isoformat(), "to": (self.AS_OF + dt.timedelta(days=400)).isoformat(),
                                       "bucket": "day"})
        got = self.get_json(path)
        self.assertEqual(got["range"]["to"], self.AS_OF.isoformat())
        self.assertEqual(got["departments"][0]["series"][-1]["end"], self.AS_OF.isoformat())
        self.assertEqual(len(got["end_to_end"]["rolling_28d"]), 21)


# ---------------------------------------------------------------------------
# data sets


@add_range_tests
class Gen1(Routes, ApiCase):
    """generate --creators 300 --seed 1 --days 400 (data to 2020-02-04),
    served with as_of 2020-01-20: tickets opened and closed after as_of."""

    AS_OF = D("2020-01-20")  # a Monday
    DEPTS = [("Sales", 10), ("Contract", 3), ("Design", 28), ("Manufacturing", 25), ("Campaign", 22)]
    THRESHOLDS = {"p50_ratio": 1.2, "min_sla_hit_rate": 0.5, "max_avg_open": 8, "min_closed": 2}
    LEADERBOARD = (3, 2)
    RANGES = [
        ("default", None, None, None),
        ("midweek_weekly", D("2019-10-16"), D("2019-12-13"), "week"),
        ("midmonth_monthly", D("2019-07-17"), D("2019-11-05"), "month"),
        ("daily_past_as_of", D("2019-12-20"), D("2020-03-01"), "day"),
        ("before_data", D("2018-10-01"), D("2018-12-31"), "month"),
        ("all_time_monthly", D("2019-01-01"), D("2020-01-20"), "month"),
        ("new_year_weekly", D("2019-12-25"), D("2020-01-20"), "week"),
    ]
    COMPARE = [((D("2019-06-01"), D("2019-08-31")), (D("2019-09-01"), D("2019-11-30"))),
               ((D("2018-01-01"), D("2018-03-01")), (D("2019-12-01"), D("2020-02-29")))]
    SEARCHES = [(None, None), ("", 5), ("a", 1000), ("SON", 3), ("zzzz-none", 10), ("e", 1)]
    PITS = [(None, None, 1000, {}),
            (D("2019-12-30"), D("2020-02-10"), 97, {"department": "Design"}),
            (D("2019-11-01"), D("2019-11-30"), 10000, {})]

    @classmethod
    def prepare(cls):
        cls.write("config.ini", cls.config_text(""))
        cls.must(["generate", "--config", os.path.join(cls.dir, "config.ini"),
                  "--creators", 300, "--seed", 1, "--days", 400, "--start", "2019-01-01"])

    def test_pit_filters(self):
        e = self.emps[min(self.emps)][0]
        c = sorted({t["creator"] for t in self.ref.vis})[3]
        self.check_pit(D("2019-06-01"), D("2020-03-01"), 50, employee=e)
        self.check_pit(D("2019-01-01"), D("2020-03-01"), 7, creator=c)
        self.check_pit(D("2019-01-01"), D("2020-03-01"), 500, creator=c, department="Design")

    def test_tickets_after_as_of_exist(self):
        """The data set exercises what it says."""
        self.assertTrue(any(t["opened"] > self.AS_OF for t in self.tickets))
        self.assertTrue(any(t["closed"] and t["opened"] <= self.AS_OF < t["closed"] for t in self.tickets))


@add_range_tests
class Gen2(Routes, ApiCase):
    """generate --creators 800 --seed 42 --days 500 over a four-department
    pipeline (names with spaces and '&'); as_of = the data's last day."""

    AS_OF = D("2020-05-14")  # 2019-01-01 + 499 days, a Thursday
    DEPTS = [("Sales", 10), ("Deal Desk", 2), ("Plush Design & QA", 35), ("Campaign", 22)]
    RANGES = [
        ("default", None, None, None),
        ("leap_weekly", D("2020-02-29"), D("2020-04-01"), "week"),
        ("midmonth_monthly", D("2019-06-15"), D("2019-09-14"), None),
        ("daily_past_as_of", D("2020-04-20"), D("2020-06-30"), "day"),
        ("leap_monthly", D("2020-01-31"), D("2020-03-01"), "month"),
    ]
    COMPARE = [((D("2019-04-01"), D("2019-06-30")), (D("2020-01-01"), D("2020-03-31")))]
    SEARCHES = [(None, 1000), ("An", 20), ("o", 2)]
    PITS = [(D("2020-04-01"), D("2020-05-31"), 2500, {"department": "Plush Design & QA"})]

    @classmethod
    def prepare(cls):
        cls.write("config.ini", cls.config_text(""))
        cls.must(["generate", "--config", os.path.join(cls.dir, "config.ini"),
                  "--creators", 800, "--seed", 42, "--days", 500, "--start", "2019-01-01"])

    def test_concurrent_requests_agree(self):
        """32 requests in parallel (8 routes × 4) give the bodies the same
        requests give one at a time."""
        paths = ["/api/v1/overview?bucket=day", "/api/v1/stages?bucket=month",
                 "/api/v1/departments/" + seg("Plush Design & QA"), "/api/v1/employees/%d" % max(self.emps),
                 "/api/v1/leaderboard", "/api/v1/creators?q=a&limit=1000",
                 "/api/v1/compare", "/api/v1/pit?format=csv&from=2020-01-01&to=2020-03-01"]
        serial = {p: self.request(p)[2] for p in paths}
        results, errors = [], []

        def worker(p):
            try:
                st, hdr, body = self.request(p)
                results.append((p, st, body))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append("%s: %r" % (p, e))
        threads = [threading.Thread(target=worker, args=(p,)) for p in paths * 4]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), len(threads))
        for p, st, body in results:
            self.assertEqual(st, 200, p)
            self.assertEqual(body, serial[p], "%s: parallel answer differs" % p)


EXTRA_CSV = """ticket_id,creator,employee,department,opened_on,closed_on
RW-1,Rework & Co,Eva Ng,Sales,2024-02-01,2024-02-05
RW-2,Rework & Co,Jo Bo,Contract,2024-02-06,2024-02-08
RW-1-R1,Rework & Co,Eve Ng,Sales,2024-02-07,2024-02-12
RW-3,Rework & Co,"O'Neil, Pat",Design,2024-02-10,
RW-3-R1,Rework & Co,"O'Neil, Pat",Design,2024-02-11,2024-02-20
FP-1,Full Path GmbH,"Kim
Park",Sales,2024-01-02,2024-01-10
FP-2,Full Path GmbH,Jo Bo,Contract,2024-01-12,2024-01-15
FP-3,Full Path GmbH,Lu Chen,Design,2024-01-15,2024-02-20
FP-4,Full Path GmbH,"Ann ""Nan"" Lee",Manufacturing,2024-02-22,2024-03-05
FP-5,Full Path GmbH,Eve Ng,Campaign,2024-03-06,2024-03-27
DN-1,Done Deal,Al Bo,Sales,2024-01-03,2024-01-08
DN-2,Done Deal,Jo Bo,Contract,2024-01-09,2024-01-11
DN-3,Done Deal,Lu Chen,Design,2024-01-12,2024-02-09
DN-4,Done Deal,"Ann ""Nan"" Lee",Manufacturing,2024-02-12,2024-02-26
DN-5,Done Deal,Eve Ng,Campaign,2024-02-28,2024-03-08
OC-1,Only Campaign,Eve Ng,Campaign,2024-03-01,2024-03-08
FR-1,Fresh Start,Eva Ng,Sales,2024-03-10,
FU-1,Future Inc,Eve Ng,Sales,2024-03-15,2024-03-20
PL-1,plain creator,"Kim
Park",Sales,2024-03-04,2024-03-06
AB-1,A/B Plush,Eve Ng,Sales,2024-03-02,2024-03-03
PC-1,100% Plush+,Lu Chen,Design,2024-02-26,2024-03-08
SK-1,Skipper,Eve Ng,Sales,2024-02-12,2024-02-14
SK-2,Skipper,Lu Chen,Design,2024-02-16,2024-03-01
SK-3,Skipper,"Ann ""Nan"" Lee",Manufacturing,2024-03-02,2024-03-04
SK-4,Skipper,Eve Ng,Campaign,2024-03-04,
LB-1,Leader One,Eve Ng,Sales,2024-03-01,2024-03-09
LB-2,Leader Two,"Kim
Park",Sales,2024-03-07,2024-03-09
LB-3,Leader Three,Al Bo,Sales,2024-03-05,2024-03-09
LB-4,Leader Three,Al Bo,Sales,2024-03-08,2024-03-09
WK-1,Week One,Al Bo,Sales,2024-02-20,2024-02-27
WK-2,Week Two,Al Bo,Sales,2024-02-25,2024-02-28
WK-3,Week Three,Al Bo,Sales,2024-02-27,2024-03-02
ON-1,Open Long,Al Bo,Sales,2023-12-01,
"""


EDGE_ALIASES = "[aliases]\nEva Ng = Eve Ng\n"


def prepare_edge(case):
    """The Edge store (data/edge.csv, then EXTRA_CSV) in case's folder
    (also used by test_flow.py)."""
    cfg = case.write("config.ini", case.config_text("", EDGE_ALIASES))
    case.must(["import", "--config", cfg, os.path.join(HERE, "data", "edge.csv")])
    case.must(["import", "--config", cfg, case.write("extra.csv", EXTRA_CSV)])


@add_range_tests
class Edge(Routes, ApiCase):
    """data/edge.csv + EXTRA_CSV, as_of 2024-03-10 (a Sunday)."""

    AS_OF = D("2024-03-10")
    DEPTS = [("Sales", 3), ("Contract", 3), ("Design", 30), ("Manufacturing", 5), ("Campaign", 25)]
    THRESHOLDS = {"p50_ratio": 1.5, "min_sla_hit_rate": 0.6, "max_avg_open": 1}
    LEADERBOARD = (2, 3)
    RANGES = [
        ("default", None, None, None),
        ("daily", D("2024-02-27"), D("2024-03-10"), "day"),
        ("weekly_past_as_of", D("2024-02-01"), D("2024-03-31"), "week"),
        ("as_of_only", D("2024-03-10"), D("2024-03-10"), "month"),
        ("midmonth_monthly", D("2023-12-15"), D("2024-03-09"), "month"),
        ("before_data", D("2023-01-01"), D("2023-02-01"), "month"),
    ]
    COMPARE = [((D("2024-01-01"), D("2024-02-10")), (D("2024-02-11"), D("2024-03-20"))),
               ((D("2023-01-01"), D("2023-02-01")), (D("2024-02-27"), D("2024-03-10")))]
    SEARCHES = [(None, None), ("plain", None), ("PLAIN CREATOR", 1), ("zoë", None), ("ZOË", None),
                ("ZO", 5), ('"', None), (",", None), ("\n", None), ("future", None),
                ("%", None), ("/", None), ("+", None), ("&", 1000)]
    PITS = [(None, None, 3, {}),
            (D("2024-02-01"), D("2024-04-01"), 1, {"employee": "Eve Ng"}),
            (D("2024-02-01"), D("2024-04-01"), 5, {"creator": 'Studio, "Quoted" Ltd'}),
            (D("2024-02-01"), D("2024-04-01"), 4, {"employee": "Kim\nPark"}),
            (D("2023-01-01"), D("2023-02-01"), 10, {})]

    @classmethod
    def prepare(cls):
        prepare_edge(cls)

    @classmethod
    def extra_config(cls):
        return EDGE_ALIASES

    def test_data_set_has_its_cases(self):
        names = {n for n, _ in self.emps.values()}
        self.assertNotIn("Eva Ng", names)  # the alias landed on Eve Ng
        self.assertIn("Kim\nPark", names)
        creators = {t["creator"] for t in self.tickets}
        for c in ('Studio, "Quoted" Ltd', "Line\nBreak Co", "Zoë Ünal", "A/B Plush", "100% Plush+"):
            self.assertIn(c, creators)

    # -- creators by name: encodings
    def test_creator_names_percent_encoded(self):
        for name in ('Studio, "Quoted" Ltd', 'Two\nLines, "Both"', "Zoë Ünal", "Line\nBreak Co",
                     "Rework & Co", "100% Plush+", "Future Inc"):
            path = "/api/v1/creators/" + seg(name)
            want = self.ref.timeline(name)
            if want is None:  # every ticket opened after as_of
                got = self.get_json(path, 404)
                self.assertEqual(got["error"].get("param"), "name", path)
                continue
            self.same_timeline(self.get_json(path), want, path)

    def test_creator_name_with_slash(self):
        path = "/api/v1/creators/" + seg("A/B Plush")
        self.same_timeline(self.get_json(path), self.ref.timeline("A/B Plush"), path)

    def test_creator_name_is_exact(self):
        """/creators/{name} is exact: other case, a prefix, or a '+' for a
        space are unknown creators (404 naming `name`)."""
        for raw in ("/api/v1/creators/plain%20CREATOR", "/api/v1/creators/Plain",
                    "/api/v1/creators/Plain+Creator", "/api/v1/creators/Zo%C3%AB",
                    "/api/v1/creators/Plain%20Creator%00", "/api/v1/creators/Future%20Inc"):
            self.bad(raw, "name", 404, "not_found")
        self.flush()

    # -- errors
    def check_error(self, got, status, code, param, where):
        err = got.get("error")
        self.assertIsInstance(err, dict, "%s: no error object: %r" % (where, got))
        self.assertEqual(err.get("status"), status, where)
        self.assertEqual(err.get("code"), code, where)
        if isinstance(param, (tuple, list)):
            self.assertIn(err.get("param"), param, "%s: param %r" % (where, err.get("param")))
        else:
            self.assertEqual(err.get("param"), param, "%s: param %r" % (where, err.get("param")))
        self.assertIsInstance(err.get("message"), str, where)
        self.assertTrue(err["message"], where)

    def bad(self, path, param, status=400, code="bad_param"):
        """Expect the error; a miss is collected (see flush) so one run
        lists every request that is answered wrongly."""
        try:
            got = self.get_json(path, status)
            self.check_error(got, status, code, param, path)
        except AssertionError as e:
            self.problems.append("%.120s: %s" % (path, str(e).splitlines()[0][:300]))

    def setUp(self):
        self.problems = []

    def flush(self):
        if self.problems:
            self.fail("%d wrong answers:\n  %s" % (len(self.problems), "\n  ".join(self.problems)))

    ROUTES_WITH_RANGE = ["/api/v1/overview", "/api/v1/stages", "/api/v1/departments/Sales",
                         "/api/v1/employees/1", "/api/v1/leaderboard", "/api/v1/creators",
                         "/api/v1/creators/Plain%20Creator", "/api/v1/pit"]

    def test_bad_dates(self):
        for route in self.ROUTES_WITH_RANGE:
            sep = "&" if "?" in route else "?"
            for v in ("2025-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-1",
                      "20240101", "yesterday", "", "2024-01-01T00:00:00Z", "%2B2024-01-01",
                      "2024-01-01%00", "99999-01-01"):
                self.bad("%s%sfrom=%s&to=2024-03-01" % (route, sep, v), "from")
                self.bad("%s%sfrom=2024-01-01&to=%s" % (route, sep, v), "to")
        self.flush()

    def test_from_after_to(self):
        for route in self.ROUTES_WITH_RANGE:
            self.bad(route + "?from=2024-03-02&to=2024-03-01", ("from", "to"))
        self.flush()

    def test_bad_bucket(self):
        for route in ("/api/v1/overview", "/api/v1/stages", "/api/v1/departments/Sales",
                      "/api/v1/employees/1"):
            for v in ("year", "WEEK", "", "days", "week%00"):
                self.bad(route + "?bucket=" + v, "bucket")
        self.flush()

    def test_unknown_parameter(self):
        for route in self.ROUTES_WITH_RANGE + ["/api/v1/compare", "/api/v1/meta"]:
            self.bad(route + "?bogus=1", "bogus")
        for route in self.ROUTES_WITH_RANGE:
            self.bad(route + "?from=2024-01-01&to=2024-02-01&Bucket=day", "Bucket")
        self.bad("/api/v1/compare?a_from=2024-01-01&a_to=2024-02-01&B_to=2024-03-01", "B_to")
        self.flush()

    def test_bad_limits(self):
        for v in ("0", "-1", "1001", "abc", "1e3", "99999999999999999999999", "", "%205", "5x", "0x10", "5%00"):
            self.bad("/api/v1/creators?limit=" + v, "limit")
        for v in ("0", "-1", "10001", "abc", "99999999999999999999999", "", "1.5"):
            self.bad("/api/v1/pit?format=json&limit=" + v, "limit")
        # the edges are accepted
        self.assertEqual(len(self.get_json("/api/v1/creators?limit=1000")["creators"]),
                         min(1000, len(self.ref.creator_list())))
        self.get_json("/api/v1/creators?limit=1")
        self.get_json("/api/v1/pit?format=json&limit=10000")
        self.flush()

    def test_bad_cursor_and_format(self):
        for v in ("garbage", "", "%00", "A" * 2000, "2024-03-01", "2024-03-01%2Fzz"):
            self.bad("/api/v1/pit?format=json&limit=2&cursor=" + v, "cursor")
        for v in ("xml", "CSV", ""):
            self.bad("/api/v1/pit?format=" + v, "format")
        self.flush()

    def test_bad_compare(self):
        self.bad("/api/v1/compare?a_from=2024-02-30&a_to=2024-03-01", "a_from")
        self.bad("/api/v1/compare?a_from=2024-01-01&a_to=nope", "a_to")
        self.bad("/api/v1/compare?b_from=x&b_to=2024-03-01", "b_from")
        self.bad("/api/v1/compare?b_from=2024-01-01&b_to=2024-13-01", "b_to")
        self.bad("/api/v1/compare?a_from=2024-03-01&a_to=2024-02-01", ("a_from", "a_to"))
        self.bad("/api/v1/compare?b_from=2024-03-01&b_to=2024-02-01", ("b_from", "b_to"))
        self.flush()

    def test_unknown_department_employee_creator(self):
        for name in ("Nope", "sales", "Sales%20", "Sales%00", "%00", "..", "Sales%2F..", "S" * 200):
            self.bad("/api/v1/departments/" + name, "name", 404, "not_found")
        for eid in ("0", "-1", "99999", "abc", "1.0", "1e2", "%00", "1%00", "18446744073709551617",
                    "9" * 400, "+1", " 1"):
            self.bad("/api/v1/employees/" + eid.replace(" ", "%20"), "id", 404, "not_found")
        for name in ("Nobody", "%00", "Plain%20Creator%2F", "x" * 300):
            self.bad("/api/v1/creators/" + name, "name", 404, "not_found")
        self.flush()

    def test_junk_paths_are_4xx(self):
        junk = ["/api/v1/departments/%00", "/api/v1/../api/v1/meta", "/api/v1/departments/../../etc/passwd",
                "/api/v1/creators/..%2F..%2Fetc%2Fpasswd", "/api/v1/overview/extra", "/api/v1/departments/",
                "/api/v1/departments", "/api/v1/employees/", "/api/v1/departments/Sales/x",
                "/api/v1/%zz", "/api/v1/creators/%", "/api/v1/creators/%E9t%E9", "/api/v1/creators/%C3",
                "/api/v1/departments/%FF%FE", "/api/v1//overview", "/api/v2/overview", "/api/v1/metaX",
                "/" + "a" * 20000, "/api/v1/creators/" + "%41" * 20000,
                "/api/v1/overview?" + "a=1&" * 5000, "/api/v1/overview?from=" + "9" * 10000,
                "/api/v1/overview?%00=1", "/api/v1/overview?from", "/api/v1/overview?&&&",
                "/api/v1/overview?from=2024-01-01&from=2024-02-01"]
        for path in junk:
            try:
                st, hdr, body = self.request(path, timeout=5)
            except (OSError, http.client.HTTPException) as e:
                self.problems.append("%.60s (%d bytes): no answer (%r), expected a 4xx" % (path, len(path), e))
                continue
            if not (400 <= st < 500 or (st == 200 and path.endswith("from=2024-02-01"))):
                self.problems.append("%.80s: status %d %r" % (path, st, body[:100]))
            elif st in (400, 404) and hdr.get("content-type", "").startswith("application/json"):
                json.loads(body.decode("utf-8"))
        self.flush()

    def test_odd_query_values(self):
        """Unknown or non-UTF-8 names in query values: never a 5xx.  The pit
        filters either refuse an unknown name (4xx naming it, as the CLI
        does) or match no row; a search always echoes `q` (docs/API.md)."""
        for param, v in (("creator", "%FF"), ("department", "%E9"), ("employee", "%C3"),
                         ("creator", "Nobody"), ("department", "Legal"), ("employee", "Nobody")):
            path = "/api/v1/pit?format=json&%s=%s" % (param, v)
            st, hdr, body = self.request(path)
            if st == 200:
                if json.loads(body)["rows"] != []:
                    self.problems.append("%s: rows for an unknown name" % path)
            elif not (400 <= st < 500 and json.loads(body)["error"].get("param") == param):
                self.problems.append("%s: status %d %r" % (path, st, body[:120]))
        for v in ("%E9", "%C3%28", "%ED%A0%80", "%F4%90%80%80", "%C0%AF"):
            path = "/api/v1/creators?q=" + v
            st, hdr, body = self.request(path)
            if st == 200:
                got = json.loads(body)
                if "q" not in got or got["total"] != 0:
                    self.problems.append("%s: %r (no q echoed, or matches)" % (path, body[:160]))
            elif not (st == 400 and json.loads(body)["error"].get("param") == "q"):
                self.problems.append("%s: status %d %r" % (path, st, body[:120]))
        self.flush()

    def test_not_found_and_method(self):
        got = self.get_json("/api/v1/nothing", 404)
        self.assertEqual(got["error"]["code"], "not_found")
        st, hdr, body = self.request("/api/v1/overview", method="POST")
        self.assertEqual(st, 405)
        self.assertIn("GET", hdr.get("allow", ""))
        self.assertEqual(json.loads(body)["error"]["code"], "method_not_allowed")

    def test_etag_304(self):
        """SPEC §4: responses carry an ETag and Cache-Control; a matching
        If-None-Match (one tag, a list holding it, its weak form, or *) gets
        304 with no body; another tag gets the same 200 body."""
        paths = ["/api/v1/meta", "/api/v1/overview?from=2024-02-01&to=2024-03-10&bucket=day",
                 "/api/v1/departments/Sales", "/api/v1/employees/1", "/api/v1/stages",
                 "/api/v1/creators?q=plain", "/api/v1/creators/" + seg("Zoë Ünal"),
                 "/api/v1/compare", "/api/v1/leaderboard", "/api/v1/pit?format=json&limit=2"]
        tags = {}
        for path in paths:
            st, hdr, body = self.request(path)
            self.assertEqual(st, 200, path)
            tag = hdr.get("etag")
            if hdr.get("cache-control") != "no-cache":
                self.problems.append("%s: Cache-Control %r, docs/API.md says no-cache" % (path, hdr.get("cache-control")))
            if not tag:
                self.problems.append("%s: no ETag (SPEC §4)" % path)
                continue
            tags.setdefault(tag, []).append(path)
            for inm in (tag, '"zz", ' + tag, "W/" + tag, "*"):
                st2, hdr2, body2 = self.request(path, {"If-None-Match": inm})
                if st2 != 304 or body2 != b"" or hdr2.get("etag") != tag:
                    self.problems.append("%s: If-None-Match %s gave %d, ETag %r, %d bytes"
                                         % (path, inm, st2, hdr2.get("etag"), len(body2)))
            st3, _, body3 = self.request(path, {"If-None-Match": '"other"'})
            if st3 != 200 or body3 != body:
                self.problems.append("%s: If-None-Match of another tag gave %d" % (path, st3))
        for tag, ps in tags.items():
            if len(ps) > 1:
                self.problems.append("different answers share the ETag %s: %s" % (tag, ps))
        st, hdr, body = self.request("/api/v1/pit?format=csv")
        self.assertEqual(st, 200)
        if not hdr.get("cache-control"):
            self.problems.append("pit csv: no Cache-Control")
        self.flush()

    def test_range_defaults_one_sided(self):
        """Only `from`: to = as_of.  Only `to`: the 90 days ending at `to`
        (our reading of SPEC §4's default).  The values follow the range."""
        f = D("2024-02-20")
        got = self.get_json("/api/v1/overview?from=2024-02-20&bucket=day")
        self.check_range(got, f, self.AS_OF, "day", "from only")
        self.same(got["departments"], self.ref.departments_block(f, self.AS_OF, "day"), "from only")
        t = D("2024-03-01")
        got = self.get_json("/api/v1/overview?to=2024-03-01")
        self.check_range(got, t - dt.timedelta(days=89), t, None, "to only")
        self.same(got["departments"], self.ref.departments_block(t - dt.timedelta(days=89), t, "week"),
                  "to only")

    def test_range_after_as_of(self):
        """A range wholly after as_of has nothing to report: a 400 naming
        `from`, or an empty answer; never a 5xx or a NaN."""
        for route in self.ROUTES_WITH_RANGE:
            sep = "&" if "?" in route else "?"
            path = route + sep + "from=2024-03-11&to=2024-04-30"
            st, hdr, body = self.request(path)
            if st == 400:
                if json.loads(body)["error"].get("param") != "from":
                    self.problems.append("%s: 400 naming %r" % (path, json.loads(body)["error"].get("param")))
            elif st == 200:
                json.loads(body.decode("utf-8"), parse_constant=no_nan)
            else:
                self.problems.append("%s: status %d" % (path, st))
        self.flush()

    def test_too_many_buckets(self):
        """A range of decades by day is refused naming `bucket` (or
        answered); by month it is answered."""
        st, hdr, body = self.request("/api/v1/overview?from=1990-01-01&to=2024-03-10&bucket=day")
        self.assertTrue(st == 200 or (st == 400 and json.loads(body)["error"]["param"] == "bucket"),
                        "%d %r" % (st, body[:200]))
        got = self.get_json("/api/v1/overview?from=1990-01-01&to=2024-03-10&bucket=month")
        self.assertEqual(len(got["departments"][0]["series"]), 34 * 12 + 3)
        self.same(got["departments"][0]["totals"],
                  self.ref.departments_block(D("1990-01-01"), self.AS_OF, "month")[0]["totals"], "decades")

    def test_flags_raised(self):
        """The hand-made set raises each kind of flag at least once."""
        got = self.get_json("/api/v1/departments/Sales?from=2024-02-01&to=2024-03-10")
        rules = {f["rule"] for e in got["employees"] for f in e["flags"]}
        self.assertEqual(rules, {"p50_ratio", "min_sla_hit_rate", "max_avg_open"})


if __name__ == "__main__":
    unittest.main()
