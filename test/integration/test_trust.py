"""Issue 13, "Trust": the API side of freshness, the generator's steady
state, small samples ([thresholds] min_closed), cut buckets and the
figures behind the definitions.

- Freshness: every import path (CLI import, POST /api/v1/tickets,
  POST /api/v1/import, POST /api/v1/events, and generate) sets the meta
  table's last_import, which /api/v1/meta serves beside last_data_day;
  `generate` without --start or --as-of ends at the configured as_of
  (today when it is empty).
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


if __name__ == "__main__":
    unittest.main()
