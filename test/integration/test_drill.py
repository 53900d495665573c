"""Drill-down filters of GET /api/v1/pit (issue 13 point 7; docs/API.md).

`only=opened|closed|open` keeps the point-in-time rows with
initiated_contact = 1, ticket_closed = 1 or is_open = 1; `employee_id=N`
keeps one employee's tickets (by id: two employees may share a name);
`entry=first|reentry` keeps a creator's first ticket in its department or
its re-entries (docs/ANALYTICS.md "Rework": an earlier ticket of the same
creator in the same department, in (opened_on, ticket_id) order, ids as
bytes).  Every answer is compared with a brute force over SPEC §2's rows
(pit_ref.rows), JSON pages and CSV bytes alike; then the rows behind the
dashboard's figures are counted against the figures themselves (overview,
department, employee): closed and lead_time.n are the closed rows of the
bucket, their median the p50, backlog_end the open rows of the bucket's
last day, opened and rework the opened rows (all, re-entries), the
campaign starts the first tickets opened in the last department.

Data: generate --creators 260 --seed 5 --days 420 plus hand-made tickets:
an employee name held in two departments, re-entries opened on the same
day as the first ticket (the ticket id decides), ids whose byte order
differs from their alphabetical order.
"""
import datetime as dt
import os

import pit_ref
from test_api import ApiCase, q

D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)

EXTRA = """ticket_id,creator,employee,department,opened_on,closed_on
DR-b,Drill Creator,Sam Lee,Sales,2020-01-06,2020-01-20
DR-B,Drill Creator,Sam Lee,Sales,2020-01-06,2020-01-09
DR-a,Drill Creator,Sam Lee,Sales,2020-01-13,
DR-Z,Drill Creator,Sam Lee,Design,2020-01-21,2020-02-03
DR-y,Drill Creator,Sam Lee,Design,2020-01-25,
DR-c,Other Drill,Sam Lee,Design,2020-01-27,2020-01-27
DR-d,Other Drill,Sam Lee,Campaign,2020-01-29,
"""


def percentile(vals, p):
    xs = sorted(vals)
    if not xs:
        return None
    h = (len(xs) - 1) * p
    lo = int(h)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (h - lo) * (xs[hi] - xs[lo])


class Drill(ApiCase):
    AS_OF = D("2020-02-10")  # a Monday
    DEPTS = [("Sales", 10), ("Contract", 3), ("Design", 28), ("Manufacturing", 25), ("Campaign", 22)]

    @classmethod
    def prepare(cls):
        cfg = cls.write("config.ini", cls.config_text(""))
        cls.must(["generate", "--config", cfg, "--creators", 260, "--seed", 5, "--days", 420])
        cls.must(["import", "--config", cfg, cls.write("extra.csv", EXTRA)])

    # -- brute force
    def reentries(self):
        """ticket_id -> True when the ticket is a re-entry, from the rule's text."""
        out = {}
        for t in self.tickets:
            out[t["ticket_id"]] = any(
                u is not t and u["creator"] == t["creator"] and u["department"] == t["department"]
                and (u["opened"], u["ticket_id"].encode()) < (t["opened"], t["ticket_id"].encode())
                for u in self.by_creator[t["creator"]])
        return out

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.by_creator = {}
        for t in cls.tickets:
            cls.by_creator.setdefault(t["creator"], []).append(t)

    def want(self, frm, to, only=None, department=None, employee_id=None, entry=None,
             employee=None, creator=None):
        re_ = self.re_cache if hasattr(self, "re_cache") else None
        if re_ is None:
            re_ = type(self).re_cache = self.reentries()
        rows = pit_ref.rows(self.tickets, self.AS_OF, frm, to, department=department,
                            employee=employee, creator=creator)
        col = {"opened": 2, "open": 3, "closed": 5}.get(only)
        out = []
        for r in rows:
            t = r[1]
            if col is not None and r[col] != 1:
                continue
            if employee_id is not None and t["employee_id"] != employee_id:
                continue
            if entry == "first" and re_[t["ticket_id"]]:
                continue
            if entry == "reentry" and not re_[t["ticket_id"]]:
                continue
            out.append(r)
        return out

    def fetch(self, frm, to, page=10000, **filters):
        """Every JSON page of the query, concatenated."""
        base = dict({k: str(v) for k, v in filters.items() if v is not None},
                    **{"from": frm.isoformat(), "to": to.isoformat(), "format": "json", "limit": str(page)})
        rows, cursor = [], None
        for _ in range(10000):
            p = dict(base)
            if cursor:
                p["cursor"] = cursor
            got = self.get_json("/api/v1/pit" + q(p))
            if got["next_cursor"] is not None:
                self.assertEqual(len(got["rows"]), page, "a page before the last is short")
            rows.extend(got["rows"])
            cursor = got["next_cursor"]
            if cursor is None:
                return rows
        self.fail("the cursor never ends")

    def check(self, frm, to, page=10000, **filters):
        want = self.want(frm, to, **filters)
        got = self.fetch(frm, to, page, **filters)
        self.assertEqual(got, pit_ref.to_json(want), "pit json %s %s..%s" % (filters, frm, to))
        p = dict({k: str(v) for k, v in filters.items() if v is not None},
                 **{"from": frm.isoformat(), "to": to.isoformat(), "format": "csv"})
        st, _, body = self.request("/api/v1/pit" + q(p))
        self.assertEqual(st, 200, body[:300])
        self.assertEqual(body.decode("utf-8"), pit_ref.to_csv(want), "pit csv %s" % p)
        return want

    # -- the filters against brute force
    def test_only_each_kind(self):
        frm, to = D("2019-12-01"), D("2020-02-20")  # past as_of: clamped
        for only in ("opened", "closed", "open"):
            for dept in (None, "Design"):
                want = self.check(frm, to, only=only, department=dept)
                self.assertTrue(want, "the data set has %s rows" % only)

    def test_only_pages_with_a_cursor(self):
        """A cursor resumes after the last row kept, not the last row swept."""
        frm, to = D("2020-01-01"), D("2020-02-10")
        for only, page in (("closed", 7), ("opened", 13), ("open", 97)):
            self.check(frm, to, page, only=only)

    def test_employee_id(self):
        sams = [i for i, (n, _) in self.emps.items() if n == "Sam Lee"]
        self.assertEqual(len(sams), 3, "Sam Lee in Sales, Design and Campaign")
        frm, to = D("2020-01-01"), D("2020-02-10")
        for eid in sams:
            want = self.check(frm, to, employee_id=eid)
            self.assertTrue(want)
            self.assertEqual({r[1]["department"] for r in want}, {self.emps[eid][1]})
        some = sorted(self.emps)[4]
        for only in ("opened", "closed", "open"):
            self.check(D("2019-10-01"), D("2020-02-10"), only=only, employee_id=some)
        # with the name filter too: both must hold
        self.check(frm, to, employee_id=sams[0], employee="Sam Lee")
        self.assertEqual(self.fetch(frm, to, employee_id=sams[0], department=self.emps[sams[1]][1]), [])

    def test_entry(self):
        frm, to = D("2019-06-01"), D("2020-02-10")
        firsts = self.check(frm, to, only="opened", entry="first")
        again = self.check(frm, to, only="opened", entry="reentry")
        self.assertTrue(again, "the data set has re-entries")
        ids = {r[1]["ticket_id"] for r in again}
        # same-day tie: DR-B sorts before DR-b in byte order, so DR-b is the re-entry
        self.assertIn("DR-b", ids)
        self.assertNotIn("DR-B", ids)
        self.assertIn("DR-a", ids)
        self.assertIn("DR-y", ids)
        self.assertIn("DR-Z", {r[1]["ticket_id"] for r in firsts})
        self.check(D("2020-01-01"), D("2020-02-10"), only="open", entry="reentry", department="Sales")
        self.check(D("2020-01-01"), D("2020-02-10"), entry="first", creator="Drill Creator")

    def test_fields_ticket(self):
        """fields=ticket: each JSON row also names its ticket's employee_id,
        opened_on and closed_on (null while open at as_of, even when it
        closes after as_of)."""
        frm, to = D("2020-01-20"), D("2020-02-10")
        for only in ("opened", "open", None):
            want = self.want(frm, to, only=only)
            exp = pit_ref.to_json(want)
            for e, r in zip(exp, want):
                t = r[1]
                e["employee_id"] = t["employee_id"]
                e["opened_on"] = t["opened"].isoformat()
                e["closed_on"] = t["closed"].isoformat() if t["closed"] and t["closed"] <= self.AS_OF else None
            got = self.fetch(frm, to, 500, only=only, fields="ticket")
            self.assertEqual(got, exp, "fields=ticket only=%s" % only)
        self.assertTrue(any(t["closed"] and t["closed"] > self.AS_OF for t in self.tickets),
                        "the data set has closes after as_of")
        got = self.get_json("/api/v1/pit" + q({"fields": "ticket", "format": "csv"}), status=400)
        self.assertEqual(got["error"]["param"], "fields")
        got = self.get_json("/api/v1/pit" + q({"fields": "all", "format": "json"}), status=400)
        self.assertIn("fields: 'all' is not ticket", got["error"]["message"])

    def test_bad_values(self):
        for param, value, words in (("only", "closes", "only: 'closes' is not opened, closed or open"),
                                    ("entry", "1", "entry: '1' is not first or reentry"),
                                    ("employee_id", "999999", "employee_id: no employee with id 999999"),
                                    ("employee_id", "x", "employee_id"),
                                    ("employee_id", "0", "employee_id")):
            got = self.get_json("/api/v1/pit" + q({param: value, "format": "json"}), status=400)
            self.assertEqual(got["error"]["param"], param)
            self.assertIn(words, got["error"]["message"])

    # -- the rows behind the figures
    def test_rows_behind_overview_figures(self):
        frm, to = D("2019-11-13"), D("2020-02-10")
        ov = self.get_json("/api/v1/overview" + q({"from": frm.isoformat(), "to": to.isoformat(), "bucket": "week"}))
        last = self.DEPTS[-1][0]
        for d in ov["departments"]:
            for s in d["series"]:
                a, b = D(s["start"]), D(s["end"])
                closed = self.fetch(a, b, only="closed", department=d["name"])
                self.assertEqual(len(closed), s["closed"], "%s %s closed" % (d["name"], a))
                self.assertEqual(len(closed), s["lead_time"]["n"])
                p50 = percentile([r["days_to_close"] for r in closed], 0.5)
                if p50 is None:
                    self.assertIsNone(s["lead_time"]["p50"])
                else:
                    self.assertAlmostEqual(p50, s["lead_time"]["p50"], places=3)
                self.assertEqual(len(self.fetch(b, b, only="open", department=d["name"])), s["backlog_end"])
                self.assertEqual(len(self.fetch(a, b, only="opened", department=d["name"])), s["opened"])
                self.assertEqual(len(self.fetch(a, b, only="opened", entry="reentry", department=d["name"])),
                                 s["rework"])
        k = ov["kpis"]
        self.assertEqual(len(self.fetch(to, to, only="open")), k["backlog"])
        self.assertEqual(len(self.fetch(frm, to, only="opened", entry="first", department=last)),
                         k["campaign_starts"])
        closed = self.fetch(frm, to, only="closed")
        sla = dict(self.DEPTS)
        hit = sum(1 for r in closed if r["days_to_close"] <= sla[r["department"]])
        self.assertAlmostEqual(hit / len(closed), k["sla_hit_rate"], places=3)

    def test_rows_behind_employee_figures(self):
        frm, to = D("2019-12-02"), D("2020-02-10")
        for eid in sorted(self.emps)[::7]:
            got = self.get_json("/api/v1/employees/%d" % eid + q({"from": frm.isoformat(), "to": to.isoformat()}))
            t = got["totals"]
            closed = self.fetch(frm, to, only="closed", employee_id=eid)
            self.assertEqual(len(closed), t["closed"])
            self.assertEqual(len(self.fetch(frm, to, only="opened", employee_id=eid)), t["opened"])
            open_rows = self.fetch(frm, to, only="open", employee_id=eid)
            days = (to - frm).days + 1
            self.assertAlmostEqual(len(open_rows) / days, t["avg_open"], places=3)
            for day in got["daily"][-5:]:
                d = D(day["date"])
                self.assertEqual(len(self.fetch(d, d, only="open", employee_id=eid)), day["open"])
                self.assertEqual(len(self.fetch(d, d, only="opened", employee_id=eid)), day["initiated"])
                self.assertEqual(len(self.fetch(d, d, only="closed", employee_id=eid)), day["closed"])
