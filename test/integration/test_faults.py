"""Faults of the store under a running daemon, and the pipeline of pit
(issue 12 points 2, 7 and 9).

- pit after a department left the pipeline: `GET /api/v1/pit` (CSV, JSON
  pages) and `leadtimed pit` give exactly the rows of the remaining
  departments (brute force, pit_ref.py), after SIGHUP and on a fresh
  start; `department=` naming the dropped one answers like /api/v1/wip.
"""
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.parse

import daemon
import pit_ref

BIN = daemon.BIN
AS_OF = "2026-03-31"
TOKEN = "fault-token"
EPOCH = dt.date(1970, 1, 1)
PIPELINE = [("Sales", 14), ("Contract", 3), ("Design", 30), ("Manufacturing", 25),
            ("Campaign", 25)]


def run(args, timeout=300, **kw):
    return subprocess.run([BIN] + [str(a) for a in args], env=daemon.clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kw)


def write_config(path, db, depts=PIPELINE, data="", server=""):
    with open(path, "w") as f:
        f.write("[data]\ndb = %s\nas_of = %s\nseed_demo = false\n%s"
                "[server]\n%s[auth]\nwrite_token = %s\n"
                "[pipeline]\ndepartments = %s\nsla_days = %s\n"
                % (db, AS_OF, data, server, TOKEN, ", ".join(d for d, _ in depts),
                   ", ".join(str(s) for _, s in depts)))


def store_tickets(db):
    """Every ticket of the store as pit_ref wants it (read with sqlite3)."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT t.ticket_id, c.name, e.name, d.name, t.opened_on, t.closed_on "
            "FROM tickets t JOIN creators c ON c.id = t.creator_id "
            "JOIN employees e ON e.id = t.employee_id "
            "JOIN departments d ON d.id = t.department_id").fetchall()
    finally:
        con.close()
    day = lambda n: EPOCH + dt.timedelta(days=n)
    return [{"ticket_id": tid, "creator": c, "employee": e, "department": d,
             "opened": day(o), "closed": day(cl) if cl is not None else None}
            for tid, c, e, d, o, cl in rows]


class Daemon(daemon.Daemon):
    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            c.close()

    def get(self, path, params=None):
        if params:
            path += "?" + urllib.parse.urlencode(params)
        return self.request("GET", path)


class PitPipeline(unittest.TestCase):
    """pit reports the departments of the pipeline in force, as every other
    route does."""
    DROP = "Design"
    FROM, TO = "2025-10-01", "2026-01-15"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lt-faults-pit-")
        cls.db = os.path.join(cls.tmp, "pit.db")
        cls.cfg = os.path.join(cls.tmp, "config.ini")
        write_config(cls.cfg, cls.db)
        r = run(["generate", "--config", cls.cfg, "--creators", "150", "--days", "300",
                 "--seed", "3", "--as-of", AS_OF])
        assert r.returncode == 0, r.stderr
        cls.all = store_tickets(cls.db)
        cls.kept = [t for t in cls.all if t["department"] != cls.DROP]
        assert len(cls.kept) < len(cls.all), "the generator gave the dropped department no ticket"

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def dropped_config(self):
        write_config(self.cfg, self.db, [d for d in PIPELINE if d[0] != self.DROP])

    def want(self, **kw):
        f, t = dt.date.fromisoformat(self.FROM), dt.date.fromisoformat(self.TO)
        return pit_ref.rows(self.kept, dt.date.fromisoformat(AS_OF), f, t, **kw)

    def check_http(self, d, where, **filters):
        want = self.want(**filters)
        self.assertTrue(want, "%s: the reference has no rows for %s" % (where, filters))
        base = dict(filters, **{"from": self.FROM, "to": self.TO})
        st, hdr, body = d.get("/api/v1/pit", dict(base, format="csv"))
        self.assertEqual(st, 200, body[:300])
        got = body.decode("utf-8")
        self.assertFalse("," + self.DROP + "," in got, "%s: pit csv has rows of %s" % (where, self.DROP))
        self.assertEqual(got, pit_ref.to_csv(want), "%s: pit csv %s" % (where, filters))
        rows, cursor, pages = [], None, 0
        limit = max(1, min(10000, (len(want) + 2) // 3))
        while True:
            p = dict(base, format="json", limit=str(limit))
            if cursor:
                p["cursor"] = cursor
            st, _, body = d.get("/api/v1/pit", p)
            self.assertEqual(st, 200, body[:300])
            page = json.loads(body)
            rows.extend(page["rows"])
            cursor = page["next_cursor"]
            pages += 1
            if not cursor or pages > len(want) // limit + 3:
                break
        self.assertIsNone(cursor, "%s: cursor never ends" % where)
        if len(want) > 1:
            self.assertGreater(pages, 1, "%s: one page only: the cursor is not exercised" % where)
        self.assertEqual(rows, pit_ref.to_json(want), "%s: pit json %s" % (where, filters))

    def check_cli(self, where):
        want = self.want()
        r = run(["pit", "--config", self.cfg, "--from", self.FROM, "--to", self.TO])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.decode("utf-8"), pit_ref.to_csv(want), "%s: leadtimed pit" % where)
        r = run(["pit", "--config", self.cfg, "--from", self.FROM, "--to", self.TO,
                 "--format", "json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), pit_ref.to_json(want), "%s: leadtimed pit json" % where)
        r = run(["pit", "--config", self.cfg, "--from", self.FROM, "--to", self.TO,
                 "--department", self.DROP])
        self.assertEqual(r.returncode, 2, "%s: --department %s: %s" % (where, self.DROP, r.stderr))
        self.assertIn(b"no department 'Design' in the pipeline", r.stderr)
        self.assertEqual(r.stdout, b"")

    def check_dropped_filter(self, d, where):
        """department=<dropped> answers as /api/v1/wip does for it."""
        st, _, body = d.get("/api/v1/pit", {"from": self.FROM, "to": self.TO,
                                            "department": self.DROP, "format": "json"})
        wst, _, wbody = d.get("/api/v1/wip", {"department": self.DROP})
        self.assertEqual(wst, 400, wbody)
        self.assertEqual(st, wst, "%s: pit department=%s: %s" % (where, self.DROP, body))
        got, ref = json.loads(body)["error"], json.loads(wbody)["error"]
        self.assertEqual((got["code"], got.get("param"), got["message"]),
                         (ref["code"], ref.get("param"), ref["message"]), where)
        st, _, body = d.get("/api/v1/pit", {"from": self.FROM, "to": self.TO,
                                            "department": self.DROP})
        self.assertEqual(st, 400, body)
        # an employee who only ever worked in the dropped department
        others = {t["employee"] for t in self.kept}
        only = sorted({t["employee"] for t in self.all if t["department"] == self.DROP} - others)
        if only:
            st, _, body = d.get("/api/v1/pit", {"from": self.FROM, "to": self.TO,
                                                "employee": only[0]})
            self.assertEqual(st, 400, "%s: employee of %s only: %s" % (where, self.DROP, body))

    def check_all(self, d, where):
        self.check_http(d, where)
        self.check_http(d, where, department="Sales")
        emp = sorted({t["employee"] for t in self.kept if t["department"] == "Manufacturing"})[0]
        self.check_http(d, where, employee=emp)
        # a creator with tickets in the dropped department and others
        both = sorted({t["creator"] for t in self.all if t["department"] == self.DROP} &
                      {t["creator"] for t in self.kept})
        self.check_http(d, where, creator=both[0])
        self.check_dropped_filter(d, where)
        self.check_cli(where)

    def test_pit_after_a_department_left_the_pipeline(self):
        write_config(self.cfg, self.db)
        d = Daemon(self.cfg)
        try:
            # before: the department's rows are there
            st, _, body = d.get("/api/v1/pit", {"from": self.FROM, "to": self.TO})
            self.assertEqual(st, 200)
            self.assertTrue(("," + self.DROP + ",").encode() in body, "no rows of %s before" % self.DROP)
            self.dropped_config()
            os.kill(d.proc.pid, signal.SIGHUP)
            d.wait_log("reload: configuration in force", timeout=120)
            self.assertIn("reload: configuration in force", d.text())
            self.check_all(d, "after SIGHUP")
        finally:
            self.assertEqual(d.stop(), 0, d.text())
        d = Daemon(self.cfg)
        try:
            self.check_all(d, "fresh start")
        finally:
            self.assertEqual(d.stop(), 0, d.text())
            write_config(self.cfg, self.db)


if __name__ == "__main__":
    unittest.main()
