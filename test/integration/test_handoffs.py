"""Rework and handoffs (issue 10, point 6) against a brute force written from
docs/ANALYTICS.md "Rework and handoffs".

The data is random and built to have what the generator lacks: paths that go
back (Design -> Manufacturing -> Design), the same employee twice in a row,
same-day tickets whose order is their ticket_id's, tickets opened after
as_of, and tickets of a department that is then dropped from the pipeline
(they stay in the store: they take part in every creator's order, but no
handoff to or from them is shown).

Checked, for several ranges, every department filter and a small limit:
GET /api/v1/handoffs field by field (matrix, pingpong, flows, departments'
given/received, totals, pairs in order, pairs_total) and its two CSV
tables; the rework counts and rates of the overview's departments and of
every employee of the department pages.  Then a write (POST /api/v1/import
moving tickets to other employees and departments, adding some) and the
same checks again on the live daemon, and once more on a fresh daemon.
Seed: LEADTIME_HANDOFF_SEED (default random, printed).
"""
import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

from agg_ref import close
from daemon import BIN, Daemon, clean_env

DAY = dt.timedelta(days=1)
AS_OF = dt.date(2024, 6, 30)
DEPTS = ["Sales", "Contract", "Design", "Manufacturing", "Campaign"]
SLA = [14, 3, 30, 25, 25]
LEGACY = "Legacy"  # in the data, then dropped from the pipeline
TOKEN = "handoff-test-token"


def emp_names(dept):
    return ["%s %s" % (n, dept[:3]) for n in ("Ann", "Bo", "Cy")]


def random_tickets(rng, ncreators):
    out = []
    for c in range(ncreators):
        creator = "Creator %03d" % c
        day = AS_OF - dt.timedelta(days=rng.randrange(20, 420))
        k = 0
        for j in range(rng.randrange(1, 10)):
            r = rng.random()
            if r < 0.25 and k > 0:
                k -= 1                      # back to the previous department
            elif r < 0.8:
                k = min(k + 1, len(DEPTS) - 1)
            dept = LEGACY if rng.random() < 0.05 else DEPTS[k]
            emp = rng.choice(emp_names(dept))
            opened = day
            closed = None if rng.random() < 0.15 else opened + dt.timedelta(days=rng.randrange(0, 20))
            # ticket ids in no particular order: same-day ties sort by id
            tid = "T%05d" % rng.randrange(100000)
            while any(t["ticket_id"] == tid for t in out):
                tid = "T%05d" % rng.randrange(100000)
            out.append({"ticket_id": tid, "creator": creator, "employee": emp,
                        "department": dept, "opened": opened, "closed": closed})
            if rng.random() < 0.7:
                day = (closed or opened) + dt.timedelta(days=rng.randrange(-2, 6))
    return out


def csv_text(tickets):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ticket_id", "creator", "employee", "department", "opened_on", "closed_on"])
    for t in tickets:
        w.writerow([t["ticket_id"], t["creator"], t["employee"], t["department"],
                    t["opened"].isoformat(), t["closed"].isoformat() if t["closed"] else ""])
    return buf.getvalue()


# ---- the reference, from the definitions ----

def path_order(tickets):
    """{creator: [tickets in (opened_on, ticket_id) order]} of every ticket."""
    by = {}
    for t in tickets:
        by.setdefault(t["creator"], []).append(t)
    for ts in by.values():
        ts.sort(key=lambda t: (t["opened"], t["ticket_id"].encode("utf-8")))
    return by


def handoff_events(tickets):
    """[(giver ticket, receiver ticket, pingpong)] of every creator."""
    out = []
    for ts in path_order(tickets).values():
        prev = None
        for a, b in zip(ts, ts[1:]):
            ga, gb = (a["department"], a["employee"]), (b["department"], b["employee"])
            if ga == gb:
                continue
            pp = prev is not None and prev == (gb, ga)
            out.append((a, b, pp))
            prev = (ga, gb)
    return out


def reentries(tickets):
    """The ticket ids that are re-entries."""
    again = set()
    for ts in path_order(tickets).values():
        seen = set()
        for t in ts:
            if t["department"] in seen:
                again.add(t["ticket_id"])
            seen.add(t["department"])
    return again


def ref_handoffs(tickets, depts, frm, to, dept, limit, emp_ids):
    to = min(to, AS_OF)
    nd = len(depts)
    pos = {d: i for i, d in enumerate(depts)}
    matrix = [[0] * nd for _ in range(nd)]
    pmatrix = [[0] * nd for _ in range(nd)]
    pairs = {}
    for a, b, pp in handoff_events(tickets):
        if not (frm <= b["opened"] <= to):
            continue
        if a["department"] not in pos or b["department"] not in pos:
            continue
        i, j = pos[a["department"]], pos[b["department"]]
        matrix[i][j] += 1
        pmatrix[i][j] += pp
        if dept is None or dept in (a["department"], b["department"]):
            key = ((a["department"], a["employee"]), (b["department"], b["employee"]))
            h, p = pairs.get(key, (0, 0))
            pairs[key] = (h + 1, p + pp)
    # snapshot order of employees: department position, then name, then id
    order = lambda de: (pos[de[0]], de[1].encode("utf-8"), emp_ids[de])
    plist = sorted(pairs.items(), key=lambda kv: (-kv[1][0], -kv[1][1], order(kv[0][0]),
                                                  order(kv[0][1])))
    end = lambda de: {"id": emp_ids[de], "name": de[1], "department": de[0]}
    total = sum(map(sum, matrix))
    ptotal = sum(map(sum, pmatrix))
    return {
        "department": dept,
        "totals": {"handoffs": total, "pingpong": ptotal,
                   "pingpong_rate": ptotal / total if total else None},
        "departments": [{"name": d, "position": i + 1, "sla_days": SLA[DEPTS.index(d)],
                         "given": sum(matrix[i]), "received": sum(r[i] for r in matrix),
                         "pingpong_given": sum(pmatrix[i]),
                         "pingpong_received": sum(r[i] for r in pmatrix)}
                        for i, d in enumerate(depts)],
        "matrix": matrix, "pingpong": pmatrix,
        "flows": [{"from": depts[i], "to": depts[j], "handoffs": matrix[i][j],
                   "pingpong": pmatrix[i][j]}
                  for i in range(nd) for j in range(nd) if matrix[i][j]],
        "pairs": [{"from": end(k[0]), "to": end(k[1]), "handoffs": v[0], "pingpong": v[1]}
                  for k, v in plist[:limit]],
        "pairs_total": len(plist),
    }


def ref_rework(tickets, again, frm, to, group):
    """{group: (opened, rework)} over tickets opened in [frm, min(to, as_of)]."""
    to = min(to, AS_OF)
    out = {}
    for t in tickets:
        if frm <= t["opened"] <= to:
            g = group(t)
            o, r = out.get(g, (0, 0))
            out[g] = (o + 1, r + (t["ticket_id"] in again))
    return out


class Handoffs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        seed = int(os.environ.get("LEADTIME_HANDOFF_SEED") or random.randrange(1 << 30))
        print("test_handoffs: seed %d (LEADTIME_HANDOFF_SEED=%d to repeat)" % (seed, seed),
              file=sys.stderr)
        cls.seed = seed
        cls.rng = random.Random(seed)
        cls.dir = tempfile.mkdtemp(prefix="lt-handoffs-")
        cls.db = os.path.join(cls.dir, "t.db")
        cls.tickets = random_tickets(cls.rng, 160)
        # import with Legacy configured, then serve without it
        cls.write_config("import.ini", DEPTS + [LEGACY], SLA + [5])
        cls.write_config("serve.ini", DEPTS, SLA)
        path = os.path.join(cls.dir, "t.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write(csv_text(cls.tickets))
        r = subprocess.run([BIN, "import", "--config", os.path.join(cls.dir, "import.ini"), path],
                           capture_output=True, env=clean_env())
        assert r.returncode == 0, r.stderr.decode()
        cls.d = Daemon(os.path.join(cls.dir, "serve.ini"))

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        assert rc == 0, cls.d.text()
        shutil.rmtree(cls.dir)

    @classmethod
    def write_config(cls, name, depts, sla):
        with open(os.path.join(cls.dir, name), "w", encoding="utf-8") as f:
            f.write("[server]\nlisten = 127.0.0.1\n[data]\ndb = t.db\nas_of = %s\n"
                    "seed_demo = false\n[pipeline]\ndepartments = %s\nsla_days = %s\n"
                    "[auth]\nwrite_token = %s\n"
                    % (AS_OF.isoformat(), ", ".join(depts), ", ".join(map(str, sla)), TOKEN))

    def get(self, d, path, raw=False):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (d.port, path), timeout=60) as r:
            self.assertEqual(r.status, 200, path)
            body = r.read()
        return body.decode("utf-8") if raw else json.loads(body)

    def emp_ids(self, d):
        meta = self.get(d, "/api/v1/meta")
        return {(e["department"], e["name"]): e["id"] for e in meta["employees"]}

    def same(self, got, want, where):
        if isinstance(want, float) or isinstance(got, float):
            self.assertTrue(close(got, want), "%s: %r != %r" % (where, got, want))
        elif isinstance(want, dict):
            self.assertEqual(set(got), set(want) | ({"range"} & set(got)), where)
            for k in want:
                self.same(got[k], want[k], "%s.%s" % (where, k))
        elif isinstance(want, list):
            self.assertEqual(len(got), len(want), where)
            for i, (g, w) in enumerate(zip(got, want)):
                self.same(g, w, "%s[%d]" % (where, i))
        else:
            self.assertEqual(got, want, where)

    def ranges(self):
        return [(AS_OF - 419 * DAY, AS_OF), (AS_OF - 90 * DAY, AS_OF - 30 * DAY),
                (AS_OF - 200 * DAY, AS_OF + 40 * DAY), (AS_OF - 10 * DAY, AS_OF - 10 * DAY)]

    def check_all(self, d):
        ids = self.emp_ids(d)
        where = "seed %d" % self.seed
        events = handoff_events(self.tickets)
        self.assertTrue(sum(pp for _, _, pp in events) >= 10, "the data has ping-pongs")
        for frm, to in self.ranges():
            for dept in [None] + DEPTS:
                for limit in (3, 1000):
                    params = {"from": frm.isoformat(), "to": to.isoformat(), "limit": limit}
                    if dept:
                        params["department"] = dept
                    path = "/api/v1/handoffs?" + urllib.parse.urlencode(params)
                    got = self.get(d, path)
                    want = ref_handoffs(self.tickets, DEPTS, frm, to, dept, limit, ids)
                    self.same(got, want, "%s %s" % (where, path))
            # the CSV tables are the JSON's rows
            params = urllib.parse.urlencode({"from": frm.isoformat(), "to": to.isoformat(),
                                             "limit": 1000, "format": "csv"})
            flows = list(csv.DictReader(io.StringIO(self.get(d, "/api/v1/handoffs?%s&table=flows"
                                                             % params, raw=True))))
            self.assertEqual([(r["from"], r["to"], int(r["handoffs"]), int(r["pingpong"]))
                              for r in flows],
                             [(x["from"], x["to"], x["handoffs"], x["pingpong"])
                              for x in want_all(self, frm, to, ids)["flows"]], where)
            pairs = list(csv.DictReader(io.StringIO(self.get(d, "/api/v1/handoffs?%s&table=pairs"
                                                             % params, raw=True))))
            self.assertEqual([(int(r["rank"]), int(r["from_id"]), r["to"], int(r["handoffs"]))
                              for r in pairs],
                             [(i + 1, x["from"]["id"], x["to"]["name"], x["handoffs"])
                              for i, x in enumerate(want_all(self, frm, to, ids)["pairs"])], where)
        self.check_rework(d)

    def check_rework(self, d):
        again = reentries(self.tickets)
        self.assertTrue(len(again) >= 20, "the data has re-entries")
        for frm, to in self.ranges()[:3]:
            q = urllib.parse.urlencode({"from": frm.isoformat(), "to": to.isoformat(),
                                        "bucket": "month"})
            ov = self.get(d, "/api/v1/overview?" + q)
            want = ref_rework(self.tickets, again, frm, to, lambda t: t["department"])
            for x in ov["departments"]:
                o, r = want.get(x["name"], (0, 0))
                self.assertEqual((x["totals"]["opened"], x["totals"]["rework"]), (o, r), x["name"])
                self.same(x["totals"]["rework_rate"], r / o if o else None, x["name"])
            for name in DEPTS:
                dp = self.get(d, "/api/v1/departments/%s?%s" % (name, q))
                wemp = ref_rework(self.tickets, again, frm, to,
                                  lambda t: (t["department"], t["employee"]))
                for e in dp["employees"]:
                    o, r = wemp.get((name, e["name"]), (0, 0))
                    self.assertEqual((e["totals"]["opened"], e["totals"]["rework"]), (o, r),
                                     "%s %s" % (name, e["name"]))
                    # the series add up to the totals
                    self.assertEqual(sum(b["rework"] for b in e["series"]), r)

    def test_1_handoffs_and_rework(self):
        self.check_all(self.d)

    def test_2_after_a_write_and_on_a_fresh_daemon(self):
        rng = self.rng
        # (the served pipeline refuses Legacy: its tickets stay as they are)
        changed = rng.sample([t for t in self.tickets if t["department"] != LEGACY], 40)
        for t in changed:
            if rng.random() < 0.5:
                t["department"] = rng.choice(DEPTS)
            t["employee"] = rng.choice(emp_names(t["department"]))
            if rng.random() < 0.3:
                t["opened"] -= dt.timedelta(days=rng.randrange(0, 5))
        extra = random_tickets(rng, 10)
        for i, t in enumerate(extra):
            t["ticket_id"] = "X%04d" % i
            t["department"] = t["department"] if t["department"] != LEGACY else "Sales"
            t["employee"] = rng.choice(emp_names(t["department"]))
            t["creator"] = rng.choice(self.tickets)["creator"]
        self.tickets.extend(extra)
        body = csv_text(changed + extra).encode("utf-8")
        req = urllib.request.Request("http://127.0.0.1:%d/api/v1/import" % self.d.port, data=body,
                                     method="POST", headers={"Content-Type": "text/csv",
                                                             "Authorization": "Bearer " + TOKEN})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                self.assertEqual(r.status, 200)
        except urllib.error.HTTPError as e:
            self.fail("seed %d: POST /api/v1/import: %d %s" % (self.seed, e.code, e.read()[:500]))
        self.check_all(self.d)
        fresh = Daemon(os.path.join(self.dir, "serve.ini"))
        try:
            self.check_all(fresh)
        finally:
            self.assertEqual(fresh.stop(), 0, fresh.text())


def want_all(t, frm, to, ids):
    return ref_handoffs(t.tickets, DEPTS, frm, to, None, 1000, ids)


if __name__ == "__main__":
    unittest.main()
