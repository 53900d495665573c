"""Flow analytics, time travel, business days and CSV exports (issue 11
points 1-7 and 9; docs/API.md, docs/ANALYTICS.md).

Each data set runs three daemons:
  A  the store with its configured as_of (the view of today);
  B  a copy of the store whose configured as_of is the time-travel day D;
  C  a copy cut to D (tickets opened after D deleted, closes after D
     removed), configured as_of D: the store as it would have been on D.
and a [calendar] with holidays on the edges (the range's end, closing
days, weekends).  Expected values come from agg_ref / flow_ref (brute
force over the point-in-time rows); the forecast is checked against an
independent Monte Carlo within a computed tolerance (flow_ref.mc_tolerance).

What is checked:
  - /wip, /scatter, /flow, /forecast against brute force, in calendar and
    business days, with and without a department, short and long ranges;
  - days=business on every analytics route (overview, departments,
    employees, stages, creators, compare, leaderboard) against agg_ref's
    aggregates with the business-day measure;
  - as_of=D on every GET route of A answers byte for byte what B answers
    without it; C (the cut store) answers the same analytics, and its meta
    differs exactly in the store-level `tickets` count;
  - format=csv: every table of every analytics route equals the JSON it
    was flattened from (same numbers, same rounding), with the documented
    columns, Content-Type and file name;
  - 400s naming the parameter for every new parameter.
"""
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import sqlite3
import tempfile
import unittest
import zlib

import agg_ref
import flow_ref
from daemon import Daemon
from test_api import (EDGE_ALIASES, ApiCase, Routes, load_tickets, no_nan, prepare_edge, q,
                      sanitizer_report, seg)

D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)
EPOCH = dt.date(1970, 1, 1)


# ---------------------------------------------------------------------------
# CSV tables as docs/API.md lists them: (rows, [(column, path)]) in the path
# language docs/API.md describes, evaluated here by our own walker.

def metric_cols(prefix):
    names = ["opened", "closed", "backlog_end", "avg_open", "lead_time_n", "lead_time_mean",
             "lead_time_p50", "lead_time_p90", "lead_time_min", "lead_time_max", "sla_hit_rate",
             "closes_per_week", "rework", "rework_rate"]
    paths = ["opened", "closed", "backlog_end", "avg_open", "lead_time.n", "lead_time.mean",
             "lead_time.p50", "lead_time.p90", "lead_time.min", "lead_time.max", "sla_hit_rate",
             "closes_per_week", "rework", "rework_rate"]
    return [(n, prefix + p) for n, p in zip(names, paths)]


def dist_cols(name, prefix, lead=False):
    keys = ["n", "mean", "p50", "p90"] + (["min", "max"] if lead else [])
    return [("%s_%s" % (name, k), prefix + k) for k in keys]


def kpi_cols(name, prefix):
    return [(name + k, prefix + k) for k in ("backlog", "sla_hit_rate", "throughput_per_week",
                                             "campaign_starts", "end_to_end_p50")]


ZONE_NAMES = ["under_p50", "p50", "p70", "p85", "p95"]

TABLES = {
    "overview": [
        ("departments", "departments[]", [("department", "name"), ("position", "position"),
                                          ("sla_days", "sla_days")] + metric_cols("totals.")),
        ("series", "departments[].series[]", [("department", "^1.name"), ("start", "start"),
                                              ("end", "end")] + metric_cols("")),
        ("end_to_end", "end_to_end.series[]", [(k, k) for k in ("start", "end", "n", "mean", "p50", "p90")]),
        ("rolling_28d", "end_to_end.rolling_28d[]", [("date", "date"), ("mean", "mean")]),
        ("weekday_profile", "weekday_profile[]", [("department", "department")] +
         [(d, "opened.%d" % i) for i, d in enumerate(flow_ref.WEEKDAYS)]),
        ("kpis", "kpis", kpi_cols("", "") + [("previous_from", "previous.from"),
                                             ("previous_to", "previous.to")] +
         kpi_cols("previous_", "previous.")),
    ],
    "department": [
        ("employees", "employees[]", [("id", "id"), ("name", "name")] + metric_cols("totals.") +
         [("workload_share", "totals.workload_share"), ("flags", "flags")] +
         [("score_" + k, "scores." + k) for k in ("lead_time_p50", "lead_time_mean", "closed",
                                                  "closes_per_week", "sla_hit_rate", "avg_open",
                                                  "workload_share")] +
         [("box_" + k, "box." + k) for k in ("n", "min", "q1", "median", "q3", "max")]),
        ("series", "employees[].series[]", [("id", "^1.id"), ("name", "^1.name"), ("start", "start"),
                                            ("end", "end")] + metric_cols("") +
         [("workload_share", "workload_share")]),
        ("department", "department.series[]", [("start", "start"), ("end", "end")] + metric_cols("")),
    ],
    "employee": [
        ("series", "series[]", [("start", "start"), ("end", "end")] + metric_cols("") +
         [("workload_share", "workload_share")]),
        ("daily", "daily[]", [(k, k) for k in ("date", "open", "initiated", "closed")]),
        ("histogram", "histogram[]", [("days", "days"), ("count", "count")]),
        ("totals", "", [("id", "employee.id"), ("name", "employee.name"), ("department", "employee.department")] +
         metric_cols("totals.") + [("workload_share", "totals.workload_share")] +
         [("department_" + n, p) for n, p in metric_cols("department.totals.")] +
         [("per_employee_" + k.replace(".", "_"), "per_employee." + k) for k in (
             "employees", "opened", "closed", "backlog_end", "avg_open", "lead_time.n",
             "lead_time.mean", "lead_time.p50", "lead_time.p90", "sla_hit_rate", "closes_per_week",
             "rework", "rework_rate", "workload_share")]),
    ],
    "stages": [
        ("departments", "departments[]", [("department", "name"), ("position", "position")] +
         dist_cols("stage", "stage.") + dist_cols("wait", "wait.") + [("p50_share", "p50_share")]),
        ("series", "departments[].series[]", [("department", "^1.name"), ("start", "start"), ("end", "end")] +
         dist_cols("stage", "stage.") + dist_cols("wait", "wait.")),
    ],
    "creators": [
        ("creators", "creators[]", [(k, k) for k in ("name", "tickets", "first_opened", "last_activity")]),
    ],
    "creator": [
        ("tickets", "tickets[]", [("creator", "^0.creator")] +
         [(k, k) for k in ("ticket_id", "department", "employee", "employee_id", "opened_on", "closed_on")]),
        ("stages", "stages[]", [("creator", "^0.creator")] +
         [(k, k) for k in ("department", "start", "end", "days", "wait_before", "tickets")]),
        ("events", "events[]", [("creator", "^0.creator")] +
         [(k, k) for k in ("at", "date", "activity", "resource", "lifecycle", "department", "stay",
                           "done")]),
    ],
    "handoffs": [
        ("flows", "flows[]", [(k, k) for k in ("from", "to", "handoffs", "pingpong")]),
        ("pairs", "pairs[]", [("rank", "#"), ("from_id", "from.id"), ("from", "from.name"),
                              ("from_department", "from.department"), ("to_id", "to.id"),
                              ("to", "to.name"), ("to_department", "to.department"),
                              ("handoffs", "handoffs"), ("pingpong", "pingpong")]),
    ],
    "compare": [
        ("departments", "departments[]", [("department", "name")] + dist_cols("a", "a.", True) +
         dist_cols("b", "b.", True) + [("change_p50", "change.p50"), ("change_mean", "change.mean"),
                                       ("p_value", "p_value"), ("verdict", "verdict")]),
        ("end_to_end", "end_to_end", dist_cols("a", "a.", True) + dist_cols("b", "b.", True) +
         [("change_p50", "change.p50"), ("change_mean", "change.mean"), ("p_value", "p_value"),
          ("verdict", "verdict")]),
    ],
    "leaderboard": [
        ("entries", "(day|week).departments[].(most_closed|fastest_p50|best_sla)[]",
         [("period", "^1@"), ("period_start", "^1.start"), ("period_end", "^1.end"),
          ("department", "^2.name"), ("board", "^3@"), ("rank", "rank"), ("id", "id"), ("name", "name"),
          ("value", "value"), ("closed", "closed")]),
    ],
    "wip": [
        ("items", "departments[].items[]", [("department", "^1.name")] +
         [(k, k) for k in ("ticket_id", "creator", "employee_id", "employee", "opened_on", "age", "zone")]),
        ("employees", "employees[]", [(k, k) for k in ("id", "name", "department", "open", "oldest_age")] +
         [(z, "zones." + z) for z in ZONE_NAMES]),
        ("oldest", "oldest[]", [("rank", "#")] + [(k, k) for k in (
            "ticket_id", "creator", "department", "employee_id", "employee", "opened_on", "age", "zone")]),
        ("departments", "departments[]", [("department", "name"), ("position", "position"),
                                          ("sla_days", "sla_days"), ("open", "open")] +
         [(k, "percentiles." + k) for k in ("n", "p50", "p70", "p85", "p95")] +
         [(z + "_count", "zones." + z) for z in ZONE_NAMES]),
    ],
    "scatter": [
        ("points", "departments[].points[]", [("department", "^1.name")] +
         [(k, k) for k in ("date", "days", "ticket_id", "creator", "employee_id", "employee", "outlier")]),
        ("rolling", "departments[].rolling[]", [("department", "^1.name")] +
         [(k, k) for k in ("date", "n", "q1", "median", "q3")]),
        ("outliers", "departments[].outliers[]", [("department", "^1.name")] +
         [(k, k) for k in ("date", "days", "ticket_id", "creator", "employee_id", "employee")]),
        ("stats", "departments[]", [("department", "name")] +
         [(k, "stats." + k) for k in ("n", "p50", "p85", "p95", "q1", "q3", "iqr", "fence_low",
                                      "fence_high")]),
    ],
    "flow": [
        ("daily", "departments[].daily[]", [("department", "^1.name")] +
         [(k, k) for k in ("date", "arrived", "in_progress", "done", "opened", "closed", "opened_ma28",
                           "closed_ma28")]),
        ("buckets", "departments[].buckets[]", [("department", "^1.name")] +
         [(k, k) for k in ("start", "end", "opened", "closed", "net_flow", "closes_per_week")]),
    ],
    "forecast": [
        ("forecast", "departments[]|campaign_starts", [
            ("department", "name"), ("measure", "measure"), ("history_days", "history.days"),
            ("history_total", "history.total"), ("mean_per_day", "history.mean_per_day"),
            ("open_now", "open_now"), ("by", "how_many.by"), ("days", "how_many.days"),
            ("at_least_p50", "how_many.p50"), ("at_least_p85", "how_many.p85"),
            ("at_least_p95", "how_many.p95"), ("items", "when.items"), ("done_by_p50", "when.p50"),
            ("done_by_p85", "when.p85"), ("done_by_p95", "when.p95")]),
    ],
}


def split_top(path, sep):
    """path split at sep outside parentheses."""
    out, depth, cur = [], 0, ""
    for ch in path:
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    out.append(cur)
    return out


def segments(path):
    return [p for p in split_top(path, ".") if p]


def walk(node, segs, levels):
    """Yield (row value, levels) for the row path segments."""
    if node is None:
        return
    if not segs:
        yield node, levels
        return
    seg, rest = segs[0], segs[1:]
    iterate = seg.endswith("[]")
    if iterate:
        seg = seg[:-2]
    if seg.startswith("("):
        for key in seg[1:-1].split("|"):
            v = node.get(key) if isinstance(node, dict) else None
            if v is None:
                continue
            if iterate:
                for i, e in enumerate(v):
                    yield from walk(e, rest, levels + [(e, key, i)])
            else:
                yield from walk(v, rest, levels + [(v, key, 0)])
        return
    v = node.get(seg) if isinstance(node, dict) else None
    if iterate:
        for i, e in enumerate(v or []):
            yield from walk(e, rest, levels + [(e, None, i)])
    else:
        yield from walk(v, rest, levels)


def value_at(root, row, levels, path):
    if path == "#":
        return levels[-1][2] + 1 if levels else 1
    v = row
    m = re.match(r"^\^(\d+)(@|\.(.*))?$", path)
    if m:
        n = int(m.group(1))
        if m.group(2) == "@":
            return levels[n - 1][1]
        v = root if n == 0 else levels[n - 1][0]
        path = m.group(3) or ""
    for part in [p for p in path.split(".") if p]:
        if isinstance(v, list):
            v = v[int(part)] if int(part) < len(v) else None
        elif isinstance(v, dict):
            v = v.get(part)
        else:
            v = None
    return v


def expected_rows(root, rows_path, cols):
    out = []
    for alt in split_top(rows_path, "|"):
        for row, levels in walk(root, segments(alt), []):
            out.append([value_at(root, row, levels, p) for _, p in cols])
    return out


# ---------------------------------------------------------------------------


class FlowCase(ApiCase):
    """A data set behind daemons A, B and C (module docstring)."""

    WEEKEND = "Sat, Sun"
    WEEKEND_DAYS = {5, 6}
    HOLIDAYS = []
    TRAVEL = None     # the day D
    RANGES = []       # [(from, to, bucket)] for the flow routes (from None = default)

    @classmethod
    def extra_config(cls):
        return "[calendar]\nweekend = %s\nholidays = %s\n" % (
            cls.WEEKEND, ", ".join(d.isoformat() for d in cls.HOLIDAYS))

    @classmethod
    def copy_store(cls, name, cut):
        """A copy of lt.db in folder `name` with a config whose as_of is D;
        cut: delete what did not exist on D (the store as it was then)."""
        sub = os.path.join(cls.dir, name)
        os.mkdir(sub)
        src = sqlite3.connect(os.path.join(cls.dir, "lt.db"))
        dst = sqlite3.connect(os.path.join(sub, "lt.db"))
        try:
            src.backup(dst)
            if cut:
                day = (cls.TRAVEL - EPOCH).days
                dst.execute("DELETE FROM tickets WHERE opened_on > ?", (day,))
                dst.execute("UPDATE tickets SET closed_on = NULL WHERE closed_on > ?", (day,))
                dst.commit()
        finally:
            src.close()
            dst.close()
        path = os.path.join(sub, "config.ini")
        with open(path, "w", encoding="utf-8") as f:
            f.write(cls.config_text(cls.TRAVEL.isoformat(), cls.extra_config()))
        return path

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="lt-flow-")
        cls.daemon = cls.at_d = cls.cut = None
        try:
            cls.prepare()
            cls.cfg = cls.write("config.ini", cls.config_text(cls.AS_OF.isoformat(), cls.extra_config()))
            tickets, emps, total = load_tickets(os.path.join(cls.dir, "lt.db"))
            cls.tickets, cls.store_total = tickets, total
            cls.emps = emps
            cls.emp_names = {i: n for i, (n, _) in emps.items()}
            cls.emp_ids = {(n, d): i for i, (n, d) in emps.items()}
            size, mn = cls.LEADERBOARD or (5, 3)
            business = flow_ref.business_measure(cls.WEEKEND_DAYS, cls.HOLIDAYS)
            cls.business = staticmethod(business)
            cls.ref = agg_ref.Ref(tickets, cls.DEPTS, cls.AS_OF, cls.THRESHOLDS, size, mn)
            cls.bref = agg_ref.Ref(tickets, cls.DEPTS, cls.AS_OF, cls.THRESHOLDS, size, mn, business)
            cfg_b = cls.copy_store("at_d", cut=False)
            cfg_c = cls.copy_store("cut", cut=True)
            cls.daemon = Daemon(cls.cfg)
            cls.at_d = Daemon(cfg_b)
            cls.cut = Daemon(cfg_c)
        except Exception:
            cls.stop_all()
            shutil.rmtree(cls.dir, True)
            raise

    @classmethod
    def stop_all(cls):
        problems = []
        for name in ("daemon", "at_d", "cut"):
            d = getattr(cls, name, None)
            if d is None:
                continue
            setattr(cls, name, None)
            rc = d.stop()
            log = d.text()
            if sanitizer_report(log):
                problems.append("%s: sanitizer report:\n%s" % (name, log))
            elif rc != 0:
                problems.append("%s: exit %d:\n%s" % (name, rc, log[-3000:]))
            bad = [l for l in log.splitlines() if re.search(r" 5\d\d \d+ ", l)]
            if bad:
                problems.append("%s: 5xx answers logged:\n%s" % (name, "\n".join(bad[:20])))
        return problems

    @classmethod
    def tearDownClass(cls):
        try:
            problems = cls.stop_all()
            if problems:
                raise AssertionError("%s: %s" % (cls.__name__, "\n".join(problems)))
        finally:
            shutil.rmtree(cls.dir, True)

    # -- HTTP on any daemon
    def get_from(self, daemon, path, status=200):
        saved = type(self).daemon
        try:
            type(self).daemon = daemon
            return self.request(path)
        finally:
            type(self).daemon = saved

    def json_of(self, path, daemon=None):
        st, hdr, body = self.get_from(daemon or self.daemon, path)
        self.assertEqual(st, 200, "%s: %d %r" % (path, st, body[:300]))
        self.assertTrue(hdr.get("content-type", "").startswith("application/json"), path)
        return json.loads(body.decode("utf-8"), parse_constant=no_nan)

    def frm_to(self, frm, to, as_of=None):
        as_of = as_of or self.AS_OF
        if frm is None:
            return as_of - dt.timedelta(days=89), as_of
        return frm, min(to, as_of)

    def qs(self, frm, to, **more):
        p = {}
        if frm is not None:
            p["from"], p["to"] = frm.isoformat(), to.isoformat()
        p.update({k: v for k, v in more.items() if v is not None})
        return q(p)

    # -- the new routes against brute force
    def check_wip(self, frm, to, days, dept=None, limit=None, as_of=None):
        as_of = as_of or self.AS_OF
        f, t = self.frm_to(frm, to, as_of)
        measure = self.business if days == "business" else agg_ref.calendar_days
        path = "/api/v1/wip" + self.qs(frm, to, days=days, department=dept, limit=limit and str(limit),
                                       as_of=None if as_of == self.AS_OF else as_of.isoformat())
        got = self.json_of(path)
        want = flow_ref.wip(self.tickets, self.DEPTS, as_of, f, t, measure, self.emp_ids,
                            limit or 10, dept)
        self.same(got["range"], {"from": f.isoformat(), "to": t.isoformat(), "as_of": as_of.isoformat(),
                                 "days": days or "calendar"}, path + " range")
        self.same(got, want, path)
        return got

    def check_scatter(self, frm, to, days, dept=None, as_of=None):
        as_of = as_of or self.AS_OF
        f, t = self.frm_to(frm, to, as_of)
        measure = self.business if days == "business" else agg_ref.calendar_days
        path = "/api/v1/scatter" + self.qs(frm, to, days=days, department=dept,
                                           as_of=None if as_of == self.AS_OF else as_of.isoformat())
        got = self.json_of(path)
        self.same(got, flow_ref.scatter(self.tickets, self.DEPTS, as_of, f, t, measure, self.emp_ids, dept),
                  path)
        return got

    def check_flow(self, frm, to, bucket, dept=None, as_of=None):
        as_of = as_of or self.AS_OF
        f, t = self.frm_to(frm, to, as_of)
        path = "/api/v1/flow" + self.qs(frm, to, bucket=bucket, department=dept,
                                        as_of=None if as_of == self.AS_OF else as_of.isoformat())
        got = self.json_of(path)
        self.assertEqual(got["range"]["bucket"], bucket or "week", path)
        want = flow_ref.flow(self.tickets, self.DEPTS, as_of, f, t, bucket or "week", dept)
        self.same(got, want, path)
        for d in got["departments"]:
            for x in d["daily"]:
                self.assertEqual(x["arrived"] - x["done"], x["in_progress"], "%s: arrived − done" % path)
        return got

    def check_forecast(self, to=None, history=None, by=None, items=None, dept=None, as_of=None):
        """Inputs exactly; percentiles within the Monte Carlo tolerance."""
        as_of = as_of or self.AS_OF
        t = min(to, as_of) if to else as_of
        path = "/api/v1/forecast" + q({k: v for k, v in (
            ("from", to and (to - dt.timedelta(days=30)).isoformat()), ("to", to and to.isoformat()),
            ("history", history and str(history)), ("by", by and by.isoformat()),
            ("items", None if items is None else str(items)), ("department", dept),
            ("as_of", None if as_of == self.AS_OF else as_of.isoformat())) if v is not None})
        got = self.json_of(path)
        h = history or 90
        hfrom = t - dt.timedelta(days=h - 1)
        by_day = by or t + dt.timedelta(days=28)
        ahead = (by_day - t).days
        self.same(got["method"], {"trials": 10000, "history_days": h, "history_from": hfrom.isoformat(),
                                  "history_to": t.isoformat(), "by": by_day.isoformat(),
                                  "horizon_days": 1095}, path + " method")
        rows = [(d, "closes") for d, _ in self.DEPTS if dept is None or d == dept]
        self.assertEqual([(r["name"], r["measure"]) for r in got["departments"]], rows, path)
        checks = [(got["departments"][i], flow_ref.daily_closes(self.tickets, as_of, hfrom, t, name),
                   flow_ref.open_on(self.tickets, as_of, t, name)) for i, (name, _) in enumerate(rows)]
        camp = got["campaign_starts"]
        self.assertEqual((camp["name"], camp["position"], camp["measure"]),
                         (self.DEPTS[-1][0], len(self.DEPTS), "campaign_starts"), path)
        checks.append((camp, flow_ref.daily_campaign_starts(self.tickets, self.DEPTS, as_of, hfrom, t),
                       flow_ref.in_flight(self.tickets, self.DEPTS, as_of, t)))
        tol = flow_ref.mc_tolerance(10000)
        for row, hist, open_now in checks:
            where = "%s %s/%s" % (path, row["name"], row["measure"])
            n_items = open_now if items is None else items
            self.same(row["history"], {"days": h, "total": sum(hist), "mean_per_day": sum(hist) / h}, where)
            self.assertEqual(row["open_now"], open_now, where + " open_now")
            self.assertEqual(row["how_many"]["days"], ahead, where)
            self.assertEqual(row["when"]["items"], n_items, where)
            totals, finish = flow_ref.monte_carlo(hist, ahead, n_items, seed=zlib.crc32(where.encode()))
            T = len(totals)
            for lvl in (50, 85, 95):
                p = lvl / 100
                x = row["how_many"]["p%d" % lvl]
                # "at least x with p": the daemon's x has share >= p of trials
                # reaching it, x + 1 has less; ours must agree within tol
                s_x = sum(1 for v in totals if v >= x) / T
                s_x1 = sum(1 for v in totals if v >= x + 1) / T
                self.assertGreaterEqual(s_x, p - tol, "%s at least p%d = %d: our share %.4f" % (where, lvl, x, s_x))
                self.assertLess(s_x1, p + tol, "%s at least p%d = %d: our share of %d is %.4f" % (where, lvl, x, x + 1, s_x1))
                date = row["when"]["p%d" % lvl]
                if date is None:
                    f_h = sum(1 for v in finish if v is not None) / T
                    self.assertLess(f_h, p + tol, "%s when p%d null, but %.4f of ours finished" % (where, lvl, f_h))
                    continue
                dd = (D(date) - t).days
                f_d = sum(1 for v in finish if v is not None and v <= dd) / T
                f_d1 = sum(1 for v in finish if v is not None and v <= dd - 1) / T
                self.assertGreaterEqual(f_d, p - tol, "%s when p%d = %s: our share %.4f" % (where, lvl, date, f_d))
                self.assertLess(f_d1, p + tol, "%s when p%d = %s: our share a day earlier %.4f" % (where, lvl, date, f_d1))
        return got

    # -- generic route checks with a reference
    def with_params(self, extra):
        """ApiCase.params() plus extra query parameters (for check_*)."""
        base = ApiCase.params

        def params(this, frm, to, bucket, **more):
            p = base(this, frm, to, bucket, **more)
            p.update(extra)
            return p
        return params

    def run_checks_with(self, ref, extra, fn):
        saved_ref, saved_params = self.ref, type(self).params
        try:
            self.ref = ref
            type(self).params = self.with_params(extra)
            fn()
        finally:
            self.ref = saved_ref
            type(self).params = saved_params

    # ---- tests ------------------------------------------------------------

    def test_wip(self):
        for frm, to, _ in self.RANGES:
            for days in (None, "business"):
                self.check_wip(frm, to, days)
        name = self.DEPTS[2][0]
        got = self.check_wip(None, None, None, dept=name, limit=3)
        self.assertEqual([d["name"] for d in got["departments"]], [name])
        self.check_wip(None, None, "business", limit=1000)

    def test_wip_basis(self):
        """A range of 89 days is short (the 365 days to `to`), 90 is not."""
        t = self.AS_OF - dt.timedelta(days=3)
        for n, short in ((89, True), (90, False), (1, True)):
            got = self.check_wip(t - dt.timedelta(days=n - 1), t, None)
            self.assertEqual(got["basis"]["short"], short, n)
            self.assertEqual(got["basis"]["from"],
                             (t - dt.timedelta(days=364 if short else n - 1)).isoformat(), n)

    def test_scatter(self):
        for frm, to, _ in self.RANGES:
            for days in (None, "business"):
                self.check_scatter(frm, to, days)
        self.check_scatter(None, None, None, dept=self.DEPTS[0][0])

    def test_flow(self):
        for frm, to, bucket in self.RANGES:
            self.check_flow(frm, to, bucket)
        self.check_flow(None, None, "month", dept=self.DEPTS[1][0])

    def test_forecast(self):
        self.check_forecast()
        self.check_forecast(to=self.AS_OF - dt.timedelta(days=40), history=30,
                            by=self.AS_OF + dt.timedelta(days=10), items=7)
        self.check_forecast(history=7, by=self.AS_OF + DAY, items=0, dept=self.DEPTS[-1][0])

    def test_forecast_deterministic(self):
        """Same data and parameters, same answer; the seed depends on
        neither the format nor the department filter."""
        path = "/api/v1/forecast?history=45&items=12"
        a = self.get_from(self.daemon, path)[2]
        b = self.get_from(self.daemon, path + "&days=calendar")[2]
        self.assertEqual(json.loads(a)["departments"], json.loads(b)["departments"])
        one = self.json_of(path + "&department=" + seg(self.DEPTS[1][0]))
        self.assertEqual(one["departments"][0], json.loads(a)["departments"][1])

    def test_business_days_on_every_route(self):
        """days=business: every day measure of the analytics routes is the
        business-day measure; dates and counts are those of calendar days."""
        frm, to = self.RANGES[1][0], self.RANGES[1][1]

        def checks():
            self.check_overview(frm, to, "week")
            self.check_stages(frm, to, "month")
            for name, _ in self.DEPTS:
                self.check_department(name, frm, to, "week")
            for eid in sorted(self.emps)[:6]:
                self.check_employee(eid, frm, to, "week")
            self.same(self.get_json("/api/v1/leaderboard?days=business"),
                      self.ref.leaderboard(self.emp_names), "leaderboard days=business")
            for (a, b) in self.COMPARE:
                path = "/api/v1/compare" + q({"a_from": a[0].isoformat(), "a_to": a[1].isoformat(),
                                              "b_from": b[0].isoformat(), "b_to": b[1].isoformat(),
                                              "days": "business"})
                self.same(self.get_json(path)["departments"],
                          self.ref.compare(self.eff(*a), self.eff(*b)), path)
            for name in [c["name"] for c in self.ref.creator_list()][:25]:
                path = "/api/v1/creators/" + seg(name) + "?days=business"
                Routes.same_timeline(self, self.get_json(path), self.ref.timeline(name), path)
        self.run_checks_with(self.bref, {"days": "business"}, checks)

    def test_business_days_differ(self):
        """The data set makes the two units differ (the test can fail)."""
        a = self.json_of("/api/v1/overview?days=calendar")
        b = self.json_of("/api/v1/overview?days=business")
        self.assertTrue(a["departments"] != b["departments"], "days=business changed no figure")
        self.assertEqual(b["range"]["days"], "business")

    # -- time travel
    def travel_paths(self):
        d = self.TRAVEL
        f = (d - dt.timedelta(days=50)).isoformat()
        dept = seg(self.DEPTS[0][0])
        creators = [c["name"] for c in agg_ref.Ref(self.tickets, self.DEPTS, d, self.THRESHOLDS, 5, 3)
                    .creator_list()][:3]
        paths = ["/api/v1/meta", "/api/v1/overview", "/api/v1/overview?bucket=day&from=" + f,
                 "/api/v1/overview?days=business&format=csv&table=kpis",
                 "/api/v1/departments/" + dept, "/api/v1/employees/%d" % min(self.emps),
                 "/api/v1/employees/%d?days=business&bucket=month" % max(self.emps),
                 "/api/v1/stages?bucket=month", "/api/v1/creators?q=a&limit=50",
                 "/api/v1/compare", "/api/v1/leaderboard", "/api/v1/leaderboard?days=business",
                 "/api/v1/pit?format=csv", "/api/v1/pit?format=json&limit=50&from=" + f,
                 "/api/v1/wip", "/api/v1/wip?days=business&limit=50", "/api/v1/scatter?from=" + f,
                 "/api/v1/flow?bucket=day", "/api/v1/forecast?items=5",
                 "/api/v1/forecast?format=csv", "/api/v1/wip?format=csv&table=items"]
        paths += ["/api/v1/creators/" + seg(c) for c in creators]
        return paths

    def test_as_of_equals_configured(self):
        """as_of=D on A answers what B (configured as_of D) answers."""
        for path in self.travel_paths():
            sep = "&" if "?" in path else "?"
            sa, ha, a = self.get_from(self.daemon, path + sep + "as_of=" + self.TRAVEL.isoformat())
            sb, hb, b = self.get_from(self.at_d, path)
            self.assertEqual((sa, sb), (200, 200), path)
            self.assertEqual(ha.get("content-type"), hb.get("content-type"), path)
            self.assertEqual(a, b, "%s: as_of=%s differs from a daemon configured so" % (path, self.TRAVEL))
        # and it is not today's answer
        today = self.get_from(self.daemon, "/api/v1/overview")[2]
        past = self.get_from(self.daemon, "/api/v1/overview?as_of=" + self.TRAVEL.isoformat())[2]
        self.assertNotEqual(today, past)

    def test_as_of_equals_store_cut_to_that_day(self):
        """The store as it was on D (C) gives the same analytics; the
        store-level facts of meta are the only difference."""
        for path in self.travel_paths():
            if path.startswith("/api/v1/meta"):
                continue
            sb, _, b = self.get_from(self.at_d, path)
            sc, _, c = self.get_from(self.cut, path)
            self.assertEqual((sb, sc), (200, 200), path)
            self.assertEqual(b, c, "%s: the view as of D differs from the store cut to D" % path)
        mb = self.json_of("/api/v1/meta", self.at_d)
        mc = self.json_of("/api/v1/meta", self.cut)
        differ = sorted(k for k in mb if mb[k] != mc.get(k))
        self.assertEqual(differ, ["tickets"], "meta keys that differ between B and C")
        self.assertGreater(mb["tickets"], mc["tickets"])

    def test_as_of_brute_force(self):
        """as_of=D against the brute force as of D (new routes and overview)."""
        d = self.TRAVEL
        self.check_wip(None, None, None, as_of=d)
        self.check_wip(d - dt.timedelta(days=20), d, "business", as_of=d)
        self.check_scatter(None, None, "business", as_of=d)
        self.check_flow(d - dt.timedelta(days=40), d + dt.timedelta(days=40), "week", as_of=d)
        self.check_forecast(as_of=d, items=4)
        size, mn = self.LEADERBOARD or (5, 3)
        ref = agg_ref.Ref(self.tickets, self.DEPTS, d, self.THRESHOLDS, size, mn)
        got = self.json_of("/api/v1/overview?as_of=%s&from=%s&to=%s" % (
            d, d - dt.timedelta(days=60), d + dt.timedelta(days=30)))
        want = ref.overview(d - dt.timedelta(days=60), d, "week")
        self.assertEqual(got["range"]["to"], d.isoformat())
        self.assertEqual(got["range"]["as_of"], d.isoformat())
        for k in ("departments", "end_to_end", "kpis", "weekday_profile"):
            self.same(got[k], want[k], "overview as_of %s: %s" % (d, k))
        self.same(self.json_of("/api/v1/leaderboard?as_of=%s" % d), ref.leaderboard(self.emp_names),
                  "leaderboard as_of")

    # -- CSV
    def csv_routes(self):
        dept = self.DEPTS[0][0]
        creator = [c["name"] for c in self.ref.creator_list()][0]
        f = (self.AS_OF - dt.timedelta(days=40)).isoformat()
        return [("overview", "/api/v1/overview?bucket=month"),
                ("department", "/api/v1/departments/%s?from=%s" % (seg(dept), f)),
                ("employee", "/api/v1/employees/%d?from=%s&days=business" % (min(self.emps), f)),
                ("stages", "/api/v1/stages?bucket=month"),
                ("creators", "/api/v1/creators?q=a"),
                ("creator", "/api/v1/creators/" + seg(creator)),
                ("compare", "/api/v1/compare?days=business"),
                ("leaderboard", "/api/v1/leaderboard"),
                ("wip", "/api/v1/wip?limit=5"),
                ("scatter", "/api/v1/scatter?days=business&from=" + f),
                ("flow", "/api/v1/flow?from=" + f),
                ("forecast", "/api/v1/forecast?items=9"),
                ("handoffs", "/api/v1/handoffs?limit=7&from=" + f)]

    def cell_matches(self, cell, want):
        if want is None:
            return cell == ""
        if isinstance(want, bool):
            return cell == ("true" if want else "false")
        if isinstance(want, int):
            return re.fullmatch(r"-?\d+", cell) is not None and int(cell) == want
        if isinstance(want, float):
            try:
                return float(cell) == want
            except ValueError:
                return False
        if isinstance(want, str):
            return cell == want
        return json.loads(cell) == want

    def test_csv_every_table(self):
        for route, path in self.csv_routes():
            root = self.json_of(path)
            filled = 0
            names = [t[0] for t in TABLES[route]]
            for i, (table, rows, cols) in enumerate(TABLES[route]):
                sep = "&" if "?" in path else "?"
                for tp in ([path + sep + "format=csv"] if i == 0 else []) + \
                          [path + sep + "format=csv&table=" + table]:
                    st, hdr, body = self.get_from(self.daemon, tp)
                    self.assertEqual(st, 200, "%s: %d %r" % (tp, st, body[:200]))
                    self.assertEqual(hdr.get("content-type"), "text/csv; charset=utf-8", tp)
                    m = re.fullmatch(r'attachment; filename="([a-z_]+)-([a-z_0-9]+)-(\d{4}-\d\d-\d\d)-(\d{4}-\d\d-\d\d)\.csv"',
                                     hdr.get("content-disposition", ""))
                    self.assertIsNotNone(m, "%s: %r" % (tp, hdr.get("content-disposition")))
                    self.assertEqual((m.group(1), m.group(2)), (route, table), tp)
                    rng = root.get("range") or root.get("b")
                    self.assertEqual((m.group(3), m.group(4)), (rng["from"], rng["to"]), tp)
                    self.assertTrue(hdr.get("etag"), tp)
                    text = body.decode("utf-8")
                    self.assertTrue(text.endswith("\n") and "\r\n" not in text.replace('\r\n"', ''), tp)
                    got = list(csv.reader(io.StringIO(text, newline="")))
                    self.assertEqual(got[0], [c for c, _ in cols], "%s: header" % tp)
                    want = expected_rows(root, rows, cols)
                    self.assertEqual(len(got) - 1, len(want), "%s: rows" % tp)
                    for r, (g, w) in enumerate(zip(got[1:], want)):
                        for c, (cell, v) in enumerate(zip(g, w)):
                            if not self.cell_matches(cell, v):
                                self.fail("%s row %d column %s: %r, JSON has %r" % (tp, r + 1, cols[c][0], cell, v))
                    filled += len(want) > 0
            self.assertGreater(filled, 0, "%s: the data set should fill its tables" % path)

    def test_csv_304(self):
        path = "/api/v1/wip?format=csv&table=employees"
        st, hdr, body = self.get_from(self.daemon, path)
        st2, hdr2, body2 = self.request(path, {"If-None-Match": hdr["etag"]})
        self.assertEqual((st, st2, body2), (200, 304, b""))
        # the JSON of the same request has another tag
        self.assertNotEqual(self.request("/api/v1/wip")[1].get("etag"), hdr["etag"])

    # -- bad parameters
    def setUp(self):
        self.problems = []

    def bad(self, path, param, status=400):
        """Expect a 400 naming param; misses are collected (flush)."""
        st, hdr, body = self.request(path)
        try:
            err = json.loads(body.decode("utf-8")).get("error") or {}
        except ValueError:
            err = {}
        if (st, err.get("status"), err.get("code"), err.get("param")) != (status, status, "bad_param", param) \
                or not err.get("message"):
            self.problems.append("%.120s: %d %r" % (path, st, body[:200]))

    def flush(self):
        if self.problems:
            self.fail("%d wrong answers:\n  %s" % (len(self.problems), "\n  ".join(self.problems)))

    def test_bad_parameters(self):
        later = (self.AS_OF + DAY).isoformat()
        routes = ["/api/v1/overview", "/api/v1/departments/" + seg(self.DEPTS[0][0]),
                  "/api/v1/employees/%d" % min(self.emps), "/api/v1/stages", "/api/v1/creators",
                  "/api/v1/compare", "/api/v1/leaderboard", "/api/v1/wip", "/api/v1/scatter",
                  "/api/v1/flow", "/api/v1/forecast"]
        for r in routes + ["/api/v1/meta", "/api/v1/pit"]:
            for v in ("2025-02-30", "yesterday", "", "1899-12-31"):
                self.bad(r + "?as_of=" + v, "as_of")
            self.bad(r + "?as_of=" + later, "as_of")
        for r in routes:
            for v in ("Business", "work", ""):
                self.bad(r + "?days=" + v, "days")
            for v in ("xlsx", "CSV", ""):
                self.bad(r + "?format=" + v, "format")
            self.bad(r + "?table=items", "table")
            self.bad(r + "?format=csv&table=nope", "table")
        self.bad("/api/v1/pit?days=business", "days")
        self.bad("/api/v1/meta?format=csv", "format")
        for r in ("/api/v1/wip", "/api/v1/scatter", "/api/v1/flow", "/api/v1/forecast"):
            self.bad(r + "?department=Nope", "department")
            self.bad(r + "?department=", "department")
        for v in ("0", "1001", "x"):
            self.bad("/api/v1/wip?limit=" + v, "limit")
        for v in ("6", "3651", "ninety"):
            self.bad("/api/v1/forecast?history=" + v, "history")
        for v in ("-1", "1000001", "1.5"):
            self.bad("/api/v1/forecast?items=" + v, "items")
        t = self.AS_OF
        for v in (t.isoformat(), (t - DAY).isoformat(), (t + dt.timedelta(days=366)).isoformat(), "soon"):
            self.bad("/api/v1/forecast?by=" + v, "by")
        self.bad("/api/v1/flow?bucket=year", "bucket")
        self.bad("/api/v1/wip?bucket=week", "bucket")  # wip has no series
        self.flush()


class FlowGen(FlowCase):
    """generate --creators 300 --seed 1 --days 400 (data to 2020-02-04),
    as_of 2020-01-20 (a Monday, and a holiday here), Sat/Sun weekend,
    holidays around Christmas (one on a Saturday, which changes nothing)."""

    AS_OF = D("2020-01-20")
    TRAVEL = D("2019-12-25")  # a holiday, a Wednesday
    DEPTS = [("Sales", 10), ("Contract", 3), ("Design", 28), ("Manufacturing", 25), ("Campaign", 22)]
    LEADERBOARD = (3, 2)
    HOLIDAYS = [D("2019-11-01"), D("2019-12-24"), D("2019-12-25"), D("2019-12-26"), D("2019-12-28"),
                D("2020-01-01"), D("2020-01-20")]
    RANGES = [(None, None, None),
              (D("2019-10-16"), D("2019-12-13"), "week"),
              (D("2019-12-20"), D("2020-03-01"), "day"),
              (D("2019-07-17"), D("2019-11-05"), "month")]
    COMPARE = [((D("2019-06-01"), D("2019-08-31")), (D("2019-09-01"), D("2019-11-30")))]

    @classmethod
    def prepare(cls):
        cls.write("config.ini", cls.config_text(""))
        cls.must(["generate", "--config", os.path.join(cls.dir, "config.ini"),
                  "--creators", 300, "--seed", 1, "--days", 400, "--start", "2019-01-01"])


class FlowEdge(FlowCase):
    """data/edge.csv + test_api's hand-made tickets (prepare_edge), as_of 2024-03-10 (a
    Sunday), a Fri/Sat weekend, holidays on a leap day, a Monday and the
    as_of; travel to a Saturday."""

    AS_OF = D("2024-03-10")
    TRAVEL = D("2024-03-02")
    DEPTS = [("Sales", 3), ("Contract", 3), ("Design", 30), ("Manufacturing", 5), ("Campaign", 25)]
    THRESHOLDS = {"p50_ratio": 1.5, "min_sla_hit_rate": 0.6, "max_avg_open": 1}
    LEADERBOARD = (2, 3)
    WEEKEND = "Friday, saturday"
    WEEKEND_DAYS = {4, 5}
    HOLIDAYS = [D("2024-01-01"), D("2024-02-29"), D("2024-03-04"), D("2024-03-10")]
    RANGES = [(None, None, None),
              (D("2024-02-01"), D("2024-03-31"), "week"),
              (D("2024-02-27"), D("2024-03-10"), "day"),
              (D("2023-12-15"), D("2024-03-09"), "month")]
    COMPARE = [((D("2024-01-01"), D("2024-02-10")), (D("2024-02-11"), D("2024-03-20")))]

    @classmethod
    def prepare(cls):
        prepare_edge(cls)

    @classmethod
    def extra_config(cls):
        return super().extra_config() + EDGE_ALIASES


del FlowCase  # a base, not a data set

if __name__ == "__main__":
    unittest.main()
