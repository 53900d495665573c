"""Issue 13, "Trust": the API side of freshness, the generator's steady
state, small samples ([thresholds] min_closed), cut buckets and the
figures behind the definitions.

- Freshness: every import path (CLI import, POST /api/v1/tickets,
  POST /api/v1/import, POST /api/v1/events, and generate) sets the meta
  table's last_import, which /api/v1/meta serves beside last_data_day;
  `generate` without --start or --as-of ends at the configured as_of
  (today when it is empty).
- Steady state: the generated demo's last 4 weeks close as much, start as
  many campaigns and hold as large a backlog as the weeks before (brute
  force over the generated CSV), while days to close keep growing.
"""
import datetime as dt
import http.client
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

from daemon import BIN, Daemon, clean_env

D = dt.date.fromisoformat
TOKEN = "trust-token-0123456789"


def run(args):
    return subprocess.run([BIN] + [str(a) for a in args], capture_output=True, env=clean_env())


def must(args):
    p = run(args)
    if p.returncode != 0:
        raise AssertionError("leadtimed %s: %s" % (" ".join(map(str, args)), p.stderr.decode()))
    return p


def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def get_json(port, path):
    status, data = request(port, "GET", path)
    if status != 200:
        raise AssertionError("GET %s: %d %s" % (path, status, data[:300]))
    return json.loads(data)


def read_csv_tickets(path):
    import csv
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Tmp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lt-trust-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def config(self, as_of="", extra="", name="config.ini"):
        p = self.path(name)
        with open(p, "w") as f:
            f.write("[data]\ndb = lt.db\nas_of = %s\nseed_demo = false\n[auth]\nwrite_token = %s\n%s"
                    % (as_of, TOKEN, extra))
        return p


def last_import(db):
    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'last_import'").fetchone()
        return row[0] if row else None
    finally:
        con.close()


def forget_import(db):
    con = sqlite3.connect(db)
    try:
        con.execute("UPDATE meta SET value = 1 WHERE key = 'last_import'")
        con.commit()
    finally:
        con.close()


class Freshness(Tmp):
    def test_generate_ends_at_as_of_or_today(self):
        today = dt.datetime.now(dt.timezone.utc).date()
        for as_of, want in (("", today), ("2024-03-31", D("2024-03-31"))):
            cfg = self.config(as_of, name="c%s.ini" % as_of)
            out = self.path("g%s.csv" % as_of)
            p = must(["generate", "--config", cfg, "--csv", out, "--creators", 150, "--days", 200])
            self.assertIn(b"as_of " + want.isoformat().encode(), p.stderr)
            rows = read_csv_tickets(out)
            days = [D(r["opened_on"]) for r in rows] + [D(r["closed_on"]) for r in rows if r["closed_on"]]
            self.assertLessEqual(max(days), want)
            self.assertGreaterEqual(min(days), want - dt.timedelta(days=199))
            # data up to the end: something happened in the last week
            self.assertGreaterEqual(max(days), want - dt.timedelta(days=7))
        # --start and --as-of still fix the data whatever the day
        cfg = self.config("")
        a = must(["generate", "--config", cfg, "--csv", "-", "--creators", 50, "--days", 100,
                  "--start", "2019-01-01"]).stdout
        b = must(["generate", "--config", cfg, "--csv", "-", "--creators", 50, "--days", 100,
                  "--as-of", "2019-04-10"]).stdout
        self.assertEqual(a, b)

    def test_every_import_path_sets_last_import(self):
        cfg = self.config("2019-12-31")
        db = self.path("lt.db")
        gen = self.path("gen.csv")
        must(["generate", "--config", cfg, "--csv", gen, "--creators", 60, "--as-of", "2019-12-31",
              "--days", 300])
        before = int(time.time())
        must(["import", "--config", cfg, gen])
        li = last_import(db)
        self.assertIsNotNone(li, "CLI import sets last_import")
        self.assertGreaterEqual(li, before - 1)
        self.assertLessEqual(li, int(time.time()) + 1)
        # the same file again changes nothing: the time stays
        forget_import(db)
        must(["import", "--config", cfg, gen])
        self.assertEqual(last_import(db), 1, "an import that changes nothing is not a new import")

        log = self.path("log.csv")
        must(["generate", "--config", cfg, "--events", "--csv", log, "--creators", 20, "--seed", 9,
              "--as-of", "2019-12-31", "--days", 200])
        d = Daemon(cfg)
        try:
            meta = get_json(d.port, "/api/v1/meta")
            self.assertEqual(meta["last_import"], 1)
            self.assertEqual(meta["last_data_day"], meta["data_bounds"]["last"])
            auth = {"Authorization": "Bearer " + TOKEN}
            ticket = [{"ticket_id": "TR-1", "creator": "Trust Creator", "employee": "Ana Lima",
                       "department": "Sales", "opened_on": "2019-12-30", "closed_on": ""}]
            csv_body = ("ticket_id,creator,employee,department,opened_on,closed_on\n"
                        "TR-2,Trust Creator,Ana Lima,Sales,2019-12-30,2019-12-31\n")
            with open(log, "rb") as f:
                events = f.read()
            for path, body, ctype in (("/api/v1/tickets", json.dumps(ticket), "application/json"),
                                      ("/api/v1/import", csv_body, "text/csv"),
                                      ("/api/v1/events", events, "text/csv")):
                forget_import(db)
                t0 = int(time.time())
                status, data = request(d.port, "POST", path, body, dict(auth, **{"Content-Type": ctype}))
                self.assertEqual(status, 200, "%s: %s" % (path, data[:300]))
                deadline = time.monotonic() + 30
                while True:
                    meta = get_json(d.port, "/api/v1/meta")
                    if meta["last_import"] != 1 or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                self.assertGreaterEqual(meta["last_import"], t0 - 1, path)
                self.assertLessEqual(meta["last_import"], int(time.time()) + 1, path)
                self.assertEqual(last_import(db), meta["last_import"], path)
            self.assertEqual(meta["last_data_day"], "2019-12-31")
        finally:
            d.stop()


class SteadyState(Tmp):
    AS_OF = D("2026-11-22")

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="lt-steady-")
        cfg = os.path.join(cls.base, "c.ini")
        with open(cfg, "w") as f:
            f.write("[data]\nseed_demo = false\nas_of =\n")
        out = os.path.join(cls.base, "g.csv")
        # many creators, so that a week's figures are not noise
        must(["generate", "--config", cfg, "--csv", out, "--creators", 8000, "--seed", 1,
              "--as-of", cls.AS_OF.isoformat()])
        cls.tickets = [dict(r, o=D(r["opened_on"]), c=D(r["closed_on"]) if r["closed_on"] else None)
                       for r in read_csv_tickets(out)]
        first = {}
        for t in cls.tickets:
            if t["department"] == "Campaign":
                first[t["creator"]] = min(first.get(t["creator"], t["o"]), t["o"])
        cls.campaign_starts = list(first.values())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, True)

    def week(self, k):
        """[a, b] of the k-th week ending at as_of (k = 0: the last 7 days)."""
        b = self.AS_OF - dt.timedelta(days=7 * k)
        return b - dt.timedelta(days=6), b

    def closes(self, a, b):
        return sum(1 for t in self.tickets if t["c"] and a <= t["c"] <= b)

    def starts(self, a, b):
        return sum(1 for d in self.campaign_starts if a <= d <= b)

    def backlog(self, d):
        return sum(1 for t in self.tickets if t["o"] <= d and (t["c"] is None or t["c"] > d))

    def compare(self, what, f, tol):
        last = [f(*self.week(k)) for k in range(0, 4)]
        before = [f(*self.week(k)) for k in range(4, 16)]
        recent, base = sum(last) / 4, sum(before) / 12
        self.assertGreater(base, 0, what)
        self.assertLess(abs(recent / base - 1), tol,
                        "%s: the last 4 weeks average %.1f against %.1f the 12 weeks before (%s | %s)"
                        % (what, recent, base, last, before))

    def test_last_weeks_close_as_many(self):
        self.compare("tickets closed per week", self.closes, 0.12)

    def test_last_weeks_start_as_many_campaigns(self):
        self.compare("campaign starts per week (the throughput KPI)", self.starts, 0.25)

    def test_backlog_stays_level(self):
        self.compare("open backlog at the end of the week", lambda a, b: self.backlog(b), 0.10)

    def test_some_work_open_at_as_of(self):
        n_open = sum(1 for t in self.tickets if t["c"] is None)
        self.assertGreater(n_open / len(self.tickets), 0.01)
        self.assertLess(n_open / len(self.tickets), 0.10)

    def test_days_to_close_still_grow(self):
        def mean_days(a, b):
            v = [(t["c"] - t["o"]).days for t in self.tickets if t["c"] and a <= t["c"] <= b]
            return sum(v) / len(v)
        start = self.AS_OF - dt.timedelta(days=1094)
        early = mean_days(start + dt.timedelta(days=180), start + dt.timedelta(days=360))
        late = mean_days(self.AS_OF - dt.timedelta(days=180), self.AS_OF)
        self.assertGreater(late, early * 1.15, "days to close grow over the years: %.1f then %.1f" % (early, late))


if __name__ == "__main__":
    unittest.main()
