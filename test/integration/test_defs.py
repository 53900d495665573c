"""Definitions the pages rest on (issue 13 point 6; docs/API.md, docs/ANALYTICS.md).

- `per_employee` of GET /api/v1/employees/{id}: the department's
  per-employee average the employee page compares a person with, computed
  here straight from SPEC §2's point-in-time rows (pit_ref.rows), grouped
  by employee: N = the department's employees with at least one row in the
  range; counts the mean of the employees' counts; rework_rate Σ rework ÷
  Σ opened; workload_share 1 ÷ N; lead-time p50 / mean / p90 and the SLA
  share the mean of the employees' own figures over those with at least
  [thresholds] min_closed closes.  The rows themselves are checked against
  the daemon's /api/v1/pit first, so "the rows" are the ones it serves.
- end-to-end: /api/v1/stages' end_to_end and /api/v1/compare's
  end_to_end are the overview's figure of the same range (end_to_end.totals,
  kpis.end_to_end_p50), and compare's equals a brute force over the
  creators' first tickets (first department → last department, dated by
  the campaign start) with the Mann–Whitney test.
- the leaderboard on a store built to hold ties and a 0% SLA share: equal
  values share a rank (standard competition ranking, 1, 2, 2, 4), nobody
  at 0% is among the best within SLA, and the CSV's rank column is the
  JSON's rank.
"""
import datetime as dt
import os

import agg_ref
import pit_ref
from test_api import ApiCase, q

D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)


def pct(vals, p):
    return agg_ref.pct(sorted(vals), p)


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else None


class PerEmployee(ApiCase):
    """generate --creators 260 --seed 11 --days 300: about 60 employees in
    five departments, min_closed 4."""

    AS_OF = D("2019-10-20")
    DEPTS = [("Sales", 10), ("Contract", 3), ("Design", 28), ("Manufacturing", 25), ("Campaign", 22)]
    THRESHOLDS = {"p50_ratio": 1.5, "min_sla_hit_rate": 0.6, "max_avg_open": 25, "min_closed": 4}
    RANGES = [(D("2019-08-01"), D("2019-10-20"), "week"), (D("2019-10-14"), D("2019-10-20"), "day"),
              (D("2019-01-01"), D("2019-12-31"), "month"), (D("2018-01-01"), D("2018-02-01"), "month")]

    @classmethod
    def prepare(cls):
        cfg = cls.write("config.ini", cls.config_text(""))
        cls.must(["generate", "--config", cfg, "--creators", 260, "--seed", 11, "--days", 300,
                  "--start", "2019-01-01"])

    def brute(self, dept, frm, to):
        """The per-employee block from the rows of SPEC §2 alone."""
        frm, to = frm, min(to, self.AS_OF)
        sla = dict(self.DEPTS)[dept]
        rows = pit_ref.rows(self.tickets, self.AS_OF, frm, to, department=dept)
        rework = agg_ref.mark_reentries(self.tickets)
        again = {t["ticket_id"] for t in rework if t["_rework"]}
        days = (to - frm).days + 1
        per = {}
        for d, t, ini, opn, age, cl, dtc in rows:
            e = per.setdefault(t["employee_id"], {"opened": 0, "closed": 0, "backlog_end": 0,
                                                  "open_sum": 0, "rework": 0, "dtc": []})
            e["opened"] += ini
            e["closed"] += cl
            e["open_sum"] += opn
            if d == to:
                e["backlog_end"] += opn
            if ini and t["ticket_id"] in again:
                e["rework"] += 1
            if cl:
                e["dtc"].append(dtc)
        n = len(per)
        if n == 0:
            return {"employees": 0, "opened": None, "closed": None, "backlog_end": None,
                    "avg_open": None, "closes_per_week": None, "rework": None, "rework_rate": None,
                    "workload_share": None, "sla_hit_rate": None,
                    "lead_time": {"n": 0, "p50": None, "mean": None, "p90": None}}
        mc = self.THRESHOLDS["min_closed"]
        judged = [e for e in per.values() if len(e["dtc"]) >= mc]
        opened = sum(e["opened"] for e in per.values())
        return {
            "employees": n,
            "min_closed": mc,
            "opened": opened / n,
            "closed": sum(e["closed"] for e in per.values()) / n,
            "backlog_end": sum(e["backlog_end"] for e in per.values()) / n,
            "avg_open": mean(e["open_sum"] / days for e in per.values()),
            "closes_per_week": mean(e["closed"] / (days / 7) for e in per.values()),
            "rework": sum(e["rework"] for e in per.values()) / n,
            "rework_rate": sum(e["rework"] for e in per.values()) / opened if opened else None,
            "workload_share": 1 / n,
            "lead_time": {"n": len(judged),
                          "p50": mean(pct(e["dtc"], 0.5) for e in judged),
                          "mean": mean(mean(e["dtc"]) for e in judged),
                          "p90": mean(pct(e["dtc"], 0.9) for e in judged)},
            "sla_hit_rate": mean(sum(1 for v in e["dtc"] if v <= sla) / len(e["dtc"]) for e in judged),
        }

    def test_rows_are_the_served_rows(self):
        """The brute force starts from the rows the daemon serves."""
        frm, to = self.RANGES[1][:2]
        got = self.get_json("/api/v1/pit" + q({"from": frm.isoformat(), "to": to.isoformat(),
                                                "format": "json", "limit": "10000"}))
        self.assertEqual(got["rows"], pit_ref.to_json(pit_ref.rows(self.tickets, self.AS_OF, frm, to)))

    def test_per_employee_is_the_brute_force(self):
        by_dept = {}
        for eid, (_, dept) in sorted(self.emps.items()):
            by_dept.setdefault(dept, []).append(eid)
        judged_some = False
        for frm, to, bucket in self.RANGES:
            for dept, ids in by_dept.items():
                want = self.brute(dept, frm, to)
                judged_some |= want["lead_time"]["n"] > 0
                # the same block on every employee page of the department
                for eid in ids[:3]:
                    path = "/api/v1/employees/%d%s" % (eid, q({"from": frm.isoformat(), "to": to.isoformat(),
                                                               "bucket": bucket}))
                    got = self.get_json(path)
                    self.same(got.get("per_employee"), want, path + " per_employee")
                    # counts: the department's totals ÷ N
                    n = want["employees"]
                    if n:
                        tot = got["department"]["totals"]
                        self.assertAlmostEqual(got["per_employee"]["closed"], tot["closed"] / n, delta=6e-4)
                        self.assertAlmostEqual(got["per_employee"]["opened"], tot["opened"] / n, delta=6e-4)
        self.assertTrue(judged_some, "the data set has employees with min_closed closes")

    def test_small_employees_do_not_count_in_the_lead_time(self):
        """An employee under min_closed counts in N but not in lead_time.n."""
        frm, to, bucket = self.RANGES[0]
        for dept, _ in self.DEPTS:
            want = self.brute(dept, frm, to)
            if want["employees"] > want["lead_time"]["n"] > 0:
                return
        self.fail("no department has both judged and small employees in %s..%s" % (frm, to))

    def test_csv_totals_row_has_the_block(self):
        eid = min(self.emps)
        frm, to, _ = self.RANGES[0]
        st, _, body = self.request("/api/v1/employees/%d%s" % (eid, q({"from": frm.isoformat(), "to": to.isoformat(),
                                                                         "format": "csv", "table": "totals"})))
        self.assertEqual(st, 200, body[:300])
        head, row = body.decode("utf-8").splitlines()[:2]
        cols = dict(zip(head.split(","), row.split(",")))
        want = self.brute(self.emps[eid][1], frm, to)
        self.assertEqual(int(cols["per_employee_employees"]), want["employees"])
        self.assertAlmostEqual(float(cols["per_employee_closed"]), want["closed"], delta=6e-4)
        self.assertAlmostEqual(float(cols["per_employee_lead_time_p50"]), want["lead_time"]["p50"], delta=6e-4)

    # -- end-to-end: one figure on every page
    def e2e_values(self):
        """[(campaign start, days)]: per creator with a ticket in the first
        and the last department, first opened in the first → first opened
        in the last (as of as_of)."""
        first, last = self.DEPTS[0][0], self.DEPTS[-1][0]
        per = {}
        for t in self.tickets:
            if t["opened"] > self.AS_OF:
                continue
            c = per.setdefault(t["creator"], {})
            c[t["department"]] = min(c.get(t["department"], t["opened"]), t["opened"])
        return [(c[last], (c[last] - c[first]).days) for c in per.values() if first in c and last in c]

    def test_stages_end_to_end_is_the_overview(self):
        vals = self.e2e_values()
        for frm, to, bucket in self.RANGES:
            p = q({"from": frm.isoformat(), "to": to.isoformat(), "bucket": bucket})
            ov = self.get_json("/api/v1/overview" + p)
            st = self.get_json("/api/v1/stages" + p)
            self.assertEqual(st["end_to_end"], ov["end_to_end"]["totals"], p)
            self.assertEqual(st["end_to_end"]["p50"], ov["kpis"]["end_to_end_p50"], p)
            mine = [v for d, v in vals if frm <= d <= min(to, self.AS_OF)]
            self.same(st["end_to_end"], agg_ref.dist(mine), "stages%s end_to_end" % p)

    def test_compare_end_to_end(self):
        vals = self.e2e_values()
        periods = [((D("2019-05-01"), D("2019-07-31")), (D("2019-08-01"), D("2019-10-20"))),
                   ((D("2019-09-01"), D("2019-09-30")), (D("2019-10-01"), D("2019-10-31"))),
                   ((D("2018-01-01"), D("2018-02-01")), (D("2019-10-14"), D("2019-10-20")))]
        tested = False
        for a, b in periods:
            got = self.get_json("/api/v1/compare" + q({"a_from": a[0].isoformat(), "a_to": a[1].isoformat(),
                                                       "b_from": b[0].isoformat(), "b_to": b[1].isoformat()}))
            e = got["end_to_end"]
            va = [v for d, v in vals if a[0] <= d <= min(a[1], self.AS_OF)]
            vb = [v for d, v in vals if b[0] <= d <= min(b[1], self.AS_OF)]
            want_a, want_b = agg_ref.lead_block(va), agg_ref.lead_block(vb)
            p = agg_ref.mann_whitney_p(va, vb)
            self.same(e, {"a": want_a, "b": want_b,
                          "change": {"p50": None if not va or not vb else want_b["p50"] - want_a["p50"],
                                     "mean": None if not va or not vb else want_b["mean"] - want_a["mean"]},
                          "p_value": p,
                          "verdict": None if p is None else ("likely a real change" if p < 0.05 else "could be chance")},
                      "compare %s %s end_to_end" % (a, b))
            tested |= p is not None
            # each side is the overview's figure of that range
            for side, (f, t) in (("a", a), ("b", b)):
                ov = self.get_json("/api/v1/overview" + q({"from": f.isoformat(), "to": t.isoformat()}))
                self.assertEqual(e[side]["p50"], ov["kpis"]["end_to_end_p50"])
                self.assertEqual(e[side]["n"], ov["end_to_end"]["totals"]["n"])
        self.assertTrue(tested, "one comparison has enough campaigns for a test")
        st, _, body = self.request("/api/v1/compare?format=csv&table=end_to_end")
        self.assertEqual(st, 200, body[:300])
        lines = body.decode("utf-8").splitlines()
        self.assertEqual(len(lines), 2, "one row")
        self.assertTrue(lines[0].startswith("a_n,a_mean,a_p50"), lines[0])


TIES = """ticket_id,creator,employee,department,opened_on,closed_on
A1,C1,Ann,Sales,2024-03-04,2024-03-05
A2,C2,Ann,Sales,2024-03-04,2024-03-05
A3,C3,Ann,Sales,2024-03-04,2024-03-09
B1,C4,Bob,Sales,2024-03-05,2024-03-06
B2,C5,Bob,Sales,2024-03-05,2024-03-06
B3,C6,Bob,Sales,2024-03-06,2024-03-07
Y1,C7,Cy,Sales,2024-03-04,2024-03-06
Y2,C8,Cy,Sales,2024-03-05,2024-03-07
Y3,C9,Cy,Sales,2024-03-06,2024-03-08
D1,C10,Dee,Sales,2024-03-06,2024-03-07
D2,C11,Dee,Sales,2024-03-07,2024-03-08
E1,C12,Eli,Sales,2024-02-25,2024-03-05
E2,C13,Eli,Sales,2024-02-26,2024-03-06
F1,C14,Fay,Sales,2024-03-08,2024-03-09
G1,C15,Gus,Sales,2024-03-09,2024-03-10
G2,C16,Gus,Sales,2024-03-09,2024-03-10
H1,C17,Hal,Sales,2024-03-08,2024-03-10
H2,C18,Hal,Sales,2024-03-09,2024-03-10
Z1,C19,Zed,Sales,2024-02-20,2024-03-10
Z2,C20,Zed,Sales,2024-02-21,2024-03-10
K1,C1,Kai,Campaign,2024-03-06,2024-03-08
K2,C4,Kai,Campaign,2024-03-07,2024-03-09
L1,C7,Lia,Campaign,2024-03-06,2024-03-08
L2,C10,Lia,Campaign,2024-03-07,2024-03-09
"""


class Ties(ApiCase):
    """A hand-made store with ties on every board and a 0% SLA share:
    as_of Monday 2024-03-11, so the day is 2024-03-10 and the week
    2024-03-04..10; Sales SLA 3 days, [leaderboard] size 10, min_closed 2.
    Week: Ann, Bob, Cy close 3 (a three-way tie), Dee, Eli, Gus, Hal, Zed 2, Fay 1;
    medians of 1 day for Ann, Bob, Dee, Gus; Eli at 9 days and Zed at 19:
    0% within SLA.  Day: Gus and Hal close 2 each, Zed 2 at 0%."""

    AS_OF = D("2024-03-11")
    DEPTS = [("Sales", 3), ("Campaign", 5)]
    LEADERBOARD = (10, 2)

    @classmethod
    def prepare(cls):
        cfg = cls.write("config.ini", cls.config_text(""))
        cls.must(["import", "--config", cfg, cls.write("ties.csv", TIES)])

    def brute(self, start, end):
        """{department: {board: [(rank, name, value)]}} from the tickets."""
        out = {}
        for dept, sla in self.DEPTS:
            per = {}
            for t in self.tickets:
                if t["department"] == dept and t["closed"] and start <= t["closed"] <= end:
                    per.setdefault(t["employee"], []).append((t["closed"] - t["opened"]).days)
            mc = self.LEADERBOARD[1]
            boards = {
                "most_closed": (sorted(per, key=lambda n: (-len(per[n]), n)), lambda n: len(per[n])),
                "fastest_p50": (sorted((n for n in per if len(per[n]) >= mc), key=lambda n: (pct(per[n], 0.5), n)),
                                lambda n: pct(per[n], 0.5)),
                "best_sla": (sorted((n for n in per if len(per[n]) >= mc and any(v <= sla for v in per[n])),
                                    key=lambda n: (-sum(v <= sla for v in per[n]) / len(per[n]), n)),
                             lambda n: sum(v <= sla for v in per[n]) / len(per[n])),
            }
            res = {}
            for b, (order, val) in boards.items():
                # standard competition ranking: 1 + the number strictly better
                res[b] = [(1 + sum(1 for m in order if (val(m) > val(n) if b != "fastest_p50" else val(m) < val(n))),
                           n, val(n)) for n in order[:self.LEADERBOARD[0]]]
            out[dept] = res
        return out

    def test_ties_share_a_rank(self):
        got = self.get_json("/api/v1/leaderboard")
        for period, (start, end) in (("day", (D("2024-03-10"), D("2024-03-10"))),
                                     ("week", (D("2024-03-04"), D("2024-03-10")))):
            want = self.brute(start, end)
            for d in got[period]["departments"]:
                for b in ("most_closed", "fastest_p50", "best_sla"):
                    mine = [(e["rank"], e["name"], e["value"]) for e in d[b]]
                    w = want[d["name"]][b]
                    self.assertEqual([(r, n) for r, n, _ in mine], [(r, n) for r, n, _ in w],
                                     "%s %s %s" % (period, d["name"], b))
                    for (_, _, gv), (_, _, wv) in zip(mine, w):
                        self.assertAlmostEqual(gv, wv, delta=6e-4)
        week = {d["name"]: d for d in got["week"]["departments"]}["Sales"]
        self.assertEqual([e["rank"] for e in week["most_closed"]], [1, 1, 1, 4, 4, 4, 4, 4, 9])
        self.assertEqual([e["rank"] for e in week["fastest_p50"]][:5], [1, 1, 1, 1, 5])

    def test_nobody_at_zero_percent_is_best_within_sla(self):
        got = self.get_json("/api/v1/leaderboard")
        names = set()
        for period in ("day", "week"):
            for d in got[period]["departments"]:
                self.assertTrue(all(e["value"] > 0 for e in d["best_sla"]), "%s %s: %r" % (period, d["name"], d["best_sla"]))
                names |= {e["name"] for e in d["fastest_p50"]} - {e["name"] for e in d["best_sla"]}
        # Eli and Zed closed enough to be ranked, at 0%: on the fastest board, not the best SLA one
        self.assertIn("Eli", names)
        self.assertIn("Zed", names)

    def test_csv_rank_is_the_rank(self):
        got = self.get_json("/api/v1/leaderboard")
        st, _, body = self.request("/api/v1/leaderboard?format=csv")
        self.assertEqual(st, 200, body[:300])
        lines = body.decode("utf-8").splitlines()
        head = lines[0].split(",")
        rows = [dict(zip(head, ln.split(","))) for ln in lines[1:]]
        want = [(p, d["name"], b, str(e["rank"]), e["name"]) for p in ("day", "week")
                for d in got[p]["departments"] for b in ("most_closed", "fastest_p50", "best_sla") for e in d[b]]
        self.assertEqual([(r["period"], r["department"], r["board"], r["rank"], r["name"]) for r in rows], want)
