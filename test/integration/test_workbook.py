"""The weekly workbook (GET /api/v1/workbook.xlsx, `leadtimed workbook`;
docs/ANALYTICS.md "The weekly workbook").

Each file is opened as the zip it is (xlsx_read.py: zipfile + ElementTree)
and every cell of Summary and Averages, and of each employee sheet, is
compared with a brute force over the point-in-time rows of SPEC §2
(agg_ref.pit_rows / agg_ref.metrics, materialised day by day from the
tickets read straight from the SQLite store); so are the sheet list, the
header rows, number formats, frozen panes, column widths, the links from
the Summary to the employee sheets, and the three-colour scales (mean − SD
/ mean / mean + SD over the values computed here, colours by the metric's
good direction).

Data sets:
  Gen   generate --creators 150 --seed 11 --days 300 (data 2019-01-01 to
        late 2019), as_of 2019-10-02 (a Wednesday): tickets close after
        as_of and as_of's week is still running.
  Names hand-made tickets for employees whose names a sheet cannot hold as
        they are (shared by two departments, equal but for case, reserved
        words, []:*?/\\, apostrophes, line breaks, more than 31 characters,
        non-ASCII), one ticket open since 2015 (the history is cut to 260
        weeks), one employee without work in the week.
"""
import datetime as dt
import json
import math
import os
import random
import shutil
import tempfile
import unittest

import agg_ref
import xlsx_read
from daemon import Daemon
from test_api import ApiCase, load_tickets, run, sanitizer_report

D = dt.date.fromisoformat
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
HISTORY_WEEKS = 260
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# columns: (header, number format, sense): +1 more is good, -1 less is good,
# 0 neutral, None no colour scale
METRICS = [("Closed", "0", 1), ("Median days", "0.0", -1), ("P90 days", "0.0", -1),
           ("SLA hit rate", "0.0%", 1), ("Avg open", "0.00", 0), ("Closes per week", "0.00", 1)]
AVG_HEADS = ["Department", "Employees", "Opened", "Closed", "Backlog at end", "Median days",
             "P90 days", "Mean days", "SLA hit rate", "Avg open", "Closes per week"]
AVG_COL = {"Closed": 3, "Median days": 5, "P90 days": 6, "SLA hit rate": 8, "Avg open": 9,
           "Closes per week": 10}
RED, WHITE, GREEN = "FFF8696B", "FFFFFFFF", "FF63BE7B"
BLUE, PURPLE = "FF8EB4E3", "FFB4A7D6"


def monday(d):
    return d - dt.timedelta(days=d.weekday())


def iso_week(d):
    y, w, _ = d.isocalendar()
    return "%04d-W%02d" % (y, w)


def metric_values(m):
    lt = m["lead_time"]
    return [m["closed"], lt["p50"], lt["p90"], m["sla_hit_rate"], m["avg_open"],
            m["closes_per_week"]]


def scale_of(values):
    """(n, mean, population sd, drawn) of the values that are not None."""
    v = [x for x in values if x is not None]
    if not v:
        return 0, None, None, False
    mean = sum(v) / len(v)
    sd = math.sqrt(sum((x - mean) ** 2 for x in v) / len(v))
    return len(v), mean, sd, len(v) >= 2 and len(set(v)) > 1


def colours(sense):
    return {1: [RED, WHITE, GREEN], -1: [GREEN, WHITE, RED], 0: [BLUE, WHITE, PURPLE]}[sense]


class Expected:
    """The workbook of one week, by brute force over the pit rows."""

    def __init__(self, tickets, depts, as_of, week_monday):
        self.depts = depts
        self.sla = dict(depts)
        self.as_of = as_of
        self.monday = week_monday
        self.end = min(week_monday + 6 * DAY, as_of)
        first = min((t["opened"] for t in tickets), default=week_monday)
        self.hist_from = min(week_monday, max(monday(first), week_monday - (HISTORY_WEEKS - 1) * WEEK))
        rows = agg_ref.pit_rows(tickets, as_of, self.hist_from, self.end)
        self.by_emp = {}
        self.by_dept = {}
        for r in rows:
            t = r["t"]
            self.by_emp.setdefault((t["department"], t["employee"]), {}).setdefault(r["d"], []).append(r)
            self.by_dept.setdefault(t["department"], {}).setdefault(r["d"], []).append(r)
        sla_of = lambda r: self.sla[r["t"]["department"]]
        self.sla_of = sla_of
        pos = {n: i for i, (n, _) in enumerate(depts)}
        active = [k for k, idx in self.by_emp.items()
                  if agg_ref.rows_in(idx, self.monday, self.end)]
        self.emps = sorted(active, key=lambda k: (pos[k[0]], k[1].encode("utf-8")))
        self.summary = [(dept, name, agg_ref.metrics(agg_ref.rows_in(self.by_emp[(dept, name)], self.monday,
                                                                     self.end), self.monday, self.end, sla_of))
                        for dept, name in self.emps]
        self.week_rows = [r for r in rows if self.monday <= r["d"] <= self.end]

    def dept_totals(self, dept):
        rs = [r for r in self.week_rows if dept is None or r["t"]["department"] == dept]
        return agg_ref.metrics(rs, self.monday, self.end, self.sla_of)

    def history(self, dept, name):
        """[(week start, end, metrics)] from the employee's first week with rows."""
        idx = self.by_emp[(dept, name)]
        out = []
        for s, e in agg_ref.buckets(self.hist_from, self.end, "week"):
            rs = agg_ref.rows_in(idx, s, e)
            if not out and not rs:
                continue
            out.append((s, e, agg_ref.metrics(rs, s, e, self.sla_of)))
        return out

    def span(self):
        cut = ", cut at as_of" if self.end < self.monday + 6 * DAY else ""
        return "%s (%s to %s%s)" % (iso_week(self.monday), self.monday, self.end, cut)


class WorkbookCase:
    """A data set behind a running daemon (mixed into a TestCase)."""

    AS_OF = None
    DEPTS = None
    WEEKS = []  # (label, `week` argument or None, the Monday it names)

    @classmethod
    def config_text(cls):
        return "\n".join([
            "[server]", "listen = 127.0.0.1", "threads = 4",
            "[data]", "db = lt.db", "as_of = " + cls.AS_OF.isoformat(), "seed_demo = false",
            "[pipeline]", "departments = " + ", ".join(n for n, _ in cls.DEPTS),
            "sla_days = " + ", ".join(str(s) for _, s in cls.DEPTS)]) + "\n"

    # run leadtimed; exit 0 and no sanitizer report, else raise
    must = ApiCase.__dict__["must"]

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="lt-wb-")
        cls.daemon = None
        try:
            cls.cfg = os.path.join(cls.dir, "config.ini")
            with open(cls.cfg, "w", encoding="utf-8") as f:
                f.write(cls.config_text())
            cls.prepare()
            cls.tickets, _, _ = load_tickets(os.path.join(cls.dir, "lt.db"))
            cls.daemon = Daemon(cls.cfg)
            cls.books = {}
        except Exception:
            shutil.rmtree(cls.dir, True)
            raise

    @classmethod
    def tearDownClass(cls):
        # stop the daemon and check its exit, log and sanitizer report as the API tests do
        ApiCase.tearDownClass.__func__(cls)

    # -- fetching
    def request(self, path, headers=None):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.daemon.port, timeout=120)
        try:
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def fetch(self, week):
        path = "/api/v1/workbook.xlsx" + ("" if week is None else "?week=" + week)
        st, hdr, body = self.request(path)
        self.assertEqual(st, 200, "%s: %d %r" % (path, st, body[:300]))
        return hdr, body

    def book(self, label, week, mon):
        if label not in self.books:
            hdr, body = self.fetch(week)
            self.assertEqual(hdr.get("content-type"), XLSX)
            self.assertEqual(hdr.get("content-disposition"),
                             'attachment; filename="leadtime-%s.xlsx"' % iso_week(mon))
            self.assertTrue(hdr.get("etag"))
            self.books[label] = (body, xlsx_read.read(body),
                                 Expected(self.tickets, self.DEPTS, self.AS_OF, mon))
        return self.books[label]

    # -- comparisons
    def num(self, got, want, where):
        if want is None:
            self.assertIsNone(got, "%s: %r, expected a blank" % (where, got))
            return
        self.assertIsInstance(got, float, "%s: %r, expected the number %r" % (where, got, want))
        self.assertLessEqual(abs(got - want), 1e-9 * max(1.0, abs(want)),
                             "%s: %r, expected %r" % (where, got, want))

    def cells(self, sheet, row, want, fmts, where):
        """Row `row` of sheet holds want (str = text, number/None = number
        cell), each with its number format."""
        for c, (w, f) in enumerate(zip(want, fmts)):
            cell = sheet.cells.get((row, c))
            at = "%s!%s row %d col %d" % (where, sheet.name, row + 1, c + 1)
            if isinstance(w, str):
                self.assertIsNotNone(cell, at + ": missing")
                self.assertEqual(cell.value, w, at)
                continue
            if isinstance(w, dt.date):
                self.assertEqual(xlsx_read.excel_date(cell.value), w, at)
            else:
                self.num(None if cell is None else cell.value, w, at)
            if cell is not None:
                self.assertEqual(cell.fmt, f, at + ": number format")

    def frame(self, sheet, title, heads, where):
        """Title row, header row (bold), frozen below the header, fitted widths."""
        self.assertEqual(sheet.value(0, 0), title, where)
        self.assertEqual(sheet.row(1, len(heads)), heads, where)
        self.assertTrue(all(sheet.cells[(1, c)].bold for c in range(len(heads))), where)
        self.assertEqual(sheet.pane, {"ySplit": "2", "topLeftCell": "A3", "activePane": "bottomLeft",
                                      "state": "frozen"}, where)

    def widths_fit(self, sheet, rows, ncols, where):
        """Each column at least as wide as its longest text or shown number."""
        for c in range(ncols):
            longest = 0
            for r in rows:
                cell = sheet.cells.get((r, c))
                if cell is None or cell.value is None:
                    continue
                if isinstance(cell.value, str):
                    longest = max(longest, len(cell.value))
                elif cell.fmt == "yyyy-mm-dd":
                    longest = max(longest, 10)
                else:
                    longest = max(longest, len("%.2f" % cell.value))
            self.assertIn(c, sheet.widths, "%s: column %d has no width" % (where, c + 1))
            self.assertGreaterEqual(sheet.widths[c], longest, "%s: column %d" % (where, c + 1))
            self.assertLessEqual(sheet.widths[c], longest * 1.3 + 6, "%s: column %d" % (where, c + 1))

    def scales(self, sheet, want, where):
        """want: [((r0, c), (r1, c), mean, sd, sense)] exactly, in any order."""
        got = sorted(sheet.scales, key=lambda s: s[0])
        want = sorted(want, key=lambda s: (s[0], s[1]))
        self.assertEqual([g[0] for g in got], [(w[0], w[1]) for w in want],
                         "%s: the ranges with a colour scale" % where)
        for (rng, cfvo, cols), (a, b, mean, sd, sense) in zip(got, want):
            at = "%s: scale %s" % (where, rng)
            self.assertEqual([t for t, _ in cfvo], ["num", "num", "num"], at)
            for (_, v), w in zip(cfvo, (mean - sd, mean, mean + sd)):
                self.num(v, w, at)
            self.assertEqual(cols, colours(sense), at)

    # -- the sheets
    def check_summary(self, wb, exp, where):
        sh = wb["Summary"]
        heads = ["Department", "Employee"] + [h for h, _, _ in METRICS]
        self.frame(sh, "Leadtime weekly workbook: week %s, as of %s" % (exp.span(), exp.as_of), heads, where)
        fmts = ["General", "General"] + [f for _, f, _ in METRICS]
        want_scales = []
        row = 2
        for dept, _ in self.DEPTS:
            block = [(n, m) for d, n, m in exp.summary if d == dept]
            for name, m in block:
                self.cells(sh, row, [dept, name] + metric_values(m), fmts, where)
                loc = sh.links.get((row, 1))
                self.assertIsNotNone(loc, "%s: no link on %r" % (where, name))
                self.assertTrue(loc.startswith("'") and loc.endswith("'!A1"), loc)
                target = loc[1:-4].replace("''", "'")
                self.assertIn(target, wb["order"], "%s: %r links to a missing sheet" % (where, name))
                self.assertEqual(wb[target].value(0, 0).split(": weekly history")[0],
                                 "%s, %s" % (name, dept), "%s: %r links to %r" % (where, name, target))
                row += 1
            for c, (_, _, sense) in enumerate(METRICS):
                n, mean, sd, on = scale_of([metric_values(m)[c] for _, m in block])
                if on:
                    want_scales.append(((row - len(block), 2 + c), (row - 1, 2 + c), mean, sd, sense))
        self.assertEqual(sh.nrows(), row + 1 + (4 if exp.summary else 1),
                         "%s: Summary rows (employees, a blank, the notes)" % where)
        self.scales(sh, want_scales, where + " Summary")
        self.widths_fit(sh, range(1, row), len(heads), where + " Summary")
        return want_scales

    def check_averages(self, wb, exp, where):
        sh = wb["Averages"]
        self.frame(sh, "Department and company figures: week %s" % exp.span(), AVG_HEADS, where)
        fmts = ["General", "0", "0", "0", "0", "0.0", "0.0", "0.0", "0.0%", "0.00", "0.00"]
        total = 0
        for i, (dept, _) in enumerate(self.DEPTS + [(None, 0)]):
            m = exp.dept_totals(dept)
            n = sum(1 for d, _, _ in exp.summary if d == dept) if dept else total
            total += n
            lt = m["lead_time"]
            self.cells(sh, 2 + i, [dept or "All departments", n, m["opened"], m["closed"],
                                   m["backlog_end"], lt["p50"], lt["p90"], lt["mean"],
                                   m["sla_hit_rate"], m["avg_open"], m["closes_per_week"]], fmts, where)
        row = 2 + len(self.DEPTS) + 2
        self.assertEqual(sh.value(row, 0), "The Summary's colour scales: its employees' values per department")
        row += 2
        heads = ["Department", "Statistic"] + [""] * 9
        for h, c in AVG_COL.items():
            heads[c] = h
        self.assertEqual(sh.row(row, 11), [h or None for h in heads], where)
        row += 1
        for dept, _ in self.DEPTS:
            block = [m for d, _, m in exp.summary if d == dept]
            for st in ("employees' mean", "SD", "values", "colours"):
                self.assertEqual(sh.row(row, 2), [dept, st], where)
                for c, (h, f, sense) in enumerate(METRICS):
                    n, mean, sd, on = scale_of([metric_values(m)[c] for m in block])
                    cell = sh.cells.get((row, AVG_COL[h]))
                    at = "%s: Averages %s %s %s" % (where, dept, st, h)
                    if st == "colours":
                        word = ("none" if not on else "neutral" if sense == 0 else
                                "green higher" if sense > 0 else "green lower")
                        self.assertEqual(cell.value, word, at)
                        continue
                    want = {"employees' mean": mean, "SD": sd, "values": n}[st]
                    self.num(None if cell is None else cell.value, want, at)
                    if cell is not None and want is not None:
                        self.assertEqual(cell.fmt, "0" if st == "values" else
                                         "0.00" if f == "0" else f, at)
                row += 1
        self.assertEqual(sh.nrows(), row, where)
        self.assertEqual(sh.scales, [], "%s: Averages has no colour scale" % where)
        tables = list(range(1, 3 + len(self.DEPTS))) + list(range(6 + len(self.DEPTS), row))
        self.widths_fit(sh, tables, len(AVG_HEADS), where + " Averages")

    def check_employee(self, wb, exp, sheet_name, dept, name, where):
        sh = wb[sheet_name]
        hist = exp.history(dept, name)
        title = "%s, %s: weekly history %s to %s, as of %s" % (
            name, dept, iso_week(hist[0][0]), iso_week(exp.monday), exp.as_of)
        heads = ["Week", "Start", "End", "Opened"] + [h for h, _, _ in METRICS]
        where = "%s sheet %r" % (where, sheet_name)
        self.frame(sh, title, heads, where)
        fmts = ["General", "yyyy-mm-dd", "yyyy-mm-dd", "0"] + [f for _, f, _ in METRICS]
        for i, (s, e, m) in enumerate(hist):
            self.cells(sh, 2 + i, [iso_week(s), s, e, m["opened"]] + metric_values(m), fmts, where)
        self.assertEqual(sh.nrows(), 2 + len(hist), where)
        self.assertEqual(hist[-1][0], exp.monday)
        want = []
        for c, (_, _, sense) in enumerate(METRICS):
            n, mean, sd, on = scale_of([metric_values(m)[c] for _, _, m in hist])
            if on:
                want.append(((2, 4 + c), (1 + len(hist), 4 + c), mean, sd, sense))
        self.scales(sh, want, where)
        self.widths_fit(sh, range(1, 2 + len(hist)), len(heads), where)
        return len(hist)

    def check_book(self, label, week, mon):
        body, wb, exp = self.book(label, week, mon)
        where = "%s (week %s)" % (label, week)
        self.assertEqual(wb["order"][:2], ["Summary", "Averages"], where)
        self.assertEqual(len(wb["order"]), 2 + len(exp.summary), "%s: one sheet per employee" % where)
        self.assertEqual(len(set(n.lower() for n in wb["order"])), len(wb["order"]), where)
        self.check_summary(wb, exp, where)
        self.check_averages(wb, exp, where)
        self.assertIn("<dcterms:created xsi:type=\"dcterms:W3CDTF\">%sT00:00:00Z</dcterms:created>"
                      % self.AS_OF, wb["core"])
        # every employee sheet, in the Summary's order
        for i, (dept, name, _) in enumerate(exp.summary):
            self.check_employee(wb, exp, wb["order"][2 + i], dept, name, where)
        return wb, exp

    def test_weeks(self):
        for label, week, mon in self.WEEKS:
            with self.subTest(week=label):
                self.check_book(label, week, mon)

    def test_cli_writes_the_same_file(self):
        for label, week, mon in self.WEEKS[:2]:
            body, _, _ = self.book(label, week, mon)
            out = os.path.join(self.dir, "cli-%s.xlsx" % label)
            args = ["workbook", "--config", self.cfg, "-o", out] + ([] if week is None else ["--week", week])
            p = self.must(args)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), body, "%s: CLI and HTTP differ" % label)
            self.assertIn(iso_week(mon), p.stderr.decode())
            # --output and standard output give the same bytes
            p = self.must(["workbook", "--config", self.cfg, "--output=-"] +
                          ([] if week is None else ["--week=" + week]))
            self.assertEqual(p.stdout, body)
        self.assertEqual(sorted(f for f in os.listdir(self.dir) if ".xlsx" in f),
                         ["cli-%s.xlsx" % l for l, _, _ in sorted(self.WEEKS[:2])],
                         "a temporary file was left behind")


class Gen(WorkbookCase, unittest.TestCase):
    AS_OF = D("2019-10-02")
    DEPTS = [("Sales", 14), ("Contract", 3), ("Design", 30), ("Manufacturing", 25), ("Campaign", 25)]
    WEEKS = [("default", None, D("2019-09-23")),
             ("iso", "2019-W40", D("2019-09-30")),          # as_of's week: cut at as_of
             ("date", "2019-03-06", D("2019-03-04")),
             ("first", "2019-W01", D("2018-12-31"))]

    @classmethod
    def prepare(cls):
        cls.must(["generate", "--config", cls.cfg, "--creators", 150, "--seed", 11, "--days", 300, "--start", "2019-01-01"])

    def test_data_set_has_its_cases(self):
        self.assertTrue(any(t["closed"] and t["closed"] > self.AS_OF for t in self.tickets))
        self.assertTrue(any(t["opened"] > self.AS_OF for t in self.tickets))

    def test_etag_and_304(self):
        st, hdr, body = self.request("/api/v1/workbook.xlsx?week=2019-W39")
        self.assertEqual(st, 200)
        st2, hdr2, body2 = self.request("/api/v1/workbook.xlsx?week=2019-09-25")
        self.assertEqual((st2, body2, hdr2["etag"]), (200, body, hdr["etag"]))
        st3, hdr3, body3 = self.request("/api/v1/workbook.xlsx?week=2019-W39",
                                        {"If-None-Match": hdr["etag"]})
        self.assertEqual((st3, body3), (304, b""))
        self.assertEqual(hdr3["etag"], hdr["etag"])
        st4, hdr4, _ = self.request("/api/v1/workbook.xlsx?week=2019-W38")
        self.assertNotEqual(hdr4["etag"], hdr["etag"])

    def test_concurrent_builds(self):
        """Workbooks built at the same time on several threads are the
        bytes the CLI writes, one process per week."""
        import threading
        weeks = ["2019-W%02d" % w for w in range(20, 25)]
        got = {}

        def fetch(w):
            got[w] = self.request("/api/v1/workbook.xlsx?week=" + w)

        threads = [threading.Thread(target=fetch, args=(w,)) for w in weeks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        for w in weeks:
            st, hdr, body = got[w]
            self.assertEqual(st, 200, w)
            p = self.must(["workbook", "--config", self.cfg, "--week", w, "-o", "-"])
            self.assertEqual(body, p.stdout, w)

    def bad_http(self, query, says):
        st, hdr, body = self.request("/api/v1/workbook.xlsx" + query)
        self.assertEqual(st, 400, "%s: %d" % (query, st))
        err = json.loads(body)["error"]
        self.assertEqual(err["code"], "bad_param", query)
        self.assertIn(says, err["message"], query)
        return err

    def test_bad_week_http(self):
        for q, says in [("?week=2019-W41", "week 2019-W41 (from 2019-10-07) starts after as_of (2019-10-02)"),
                        ("?week=2019-10-07", "starts after as_of"),
                        ("?week=2019-W53", "week: '2019-W53' is not an ISO week (YYYY-Www"),
                        ("?week=2019-w40", "is not an ISO week"),
                        ("?week=next", "week: 'next' is not"),
                        ("?week=", "week: '' is not"),
                        ("?week=1899-12-31", "starts before 1900"),
                        ("?week=%FF", "not valid UTF-8")]:
            self.assertEqual(self.bad_http(q, says)["param"], "week", q)
        self.assertEqual(self.bad_http("?week=2019-W40&week=2019-W39", "given more than once")["param"], "week")
        self.assertEqual(self.bad_http("?from=2019-01-01", "unknown parameter")["param"], "from")

    def bad_cli(self, args, says):
        p = run(["workbook", "--config", self.cfg] + args)
        err = p.stderr.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 2, "%s: exit %d: %s" % (args, p.returncode, err))
        self.assertIn(says, err, args)
        self.assertIsNone(sanitizer_report(err))

    def test_bad_week_cli(self):
        out = os.path.join(self.dir, "bad.xlsx")
        self.bad_cli(["--week", "2019-W41", "-o", out], "leadtimed workbook: --week: week 2019-W41")
        self.bad_cli(["--week", "2019-W53", "-o", out], "--week: '2019-W53' is not an ISO week")
        self.bad_cli(["--week", "x", "-o", out], "--week: 'x' is not")
        self.bad_cli(["--week"], "--week needs a value")
        self.bad_cli([], "-o FILE is required")
        self.bad_cli(["-o"], "-o needs a value")
        self.bad_cli(["-o", out, "--output", out], "-o and --output given together")
        self.bad_cli(["-x", out], "unknown option '-x'")
        self.bad_cli(["-o", out, "extra"], "unexpected argument 'extra'")
        self.assertFalse(os.path.exists(out))

    def test_cli_runtime_failures(self):
        # a folder that does not exist: exit 1, nothing written
        p = run(["workbook", "--config", self.cfg, "-o", os.path.join(self.dir, "no", "such.xlsx")])
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(b"cannot create", p.stderr)
        # a store that does not exist: exit 1, no store created
        missing = os.path.join(self.dir, "missing.db")
        p = run(["workbook", "--config", self.cfg, "--db", missing, "-o", os.path.join(self.dir, "m.xlsx")])
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "m.xlsx")))
        self.assertFalse(os.path.exists(missing))

    def test_cli_as_of_and_replace(self):
        """--as-of moves the default week; an existing file is replaced whole."""
        out = os.path.join(self.dir, "asof.xlsx")
        with open(out, "wb") as f:
            f.write(b"old contents, longer than nothing" * 100)
        self.must(["workbook", "--config", self.cfg, "--as-of", "2019-06-30", "-o", out])
        with open(out, "rb") as f:
            wb = xlsx_read.read(f.read())
        self.assertIn("week 2019-W26 (2019-06-24 to 2019-06-30), as of 2019-06-30", wb["Summary"].value(0, 0))
        os.unlink(out)


# tickets for the sheet-name cases: (employee, department)
NAME_CASES = [
    ("'Quoted'", "Sales"), ("ANA LIMA", "Sales"), ("Ana Lima", "Sales"),
    ("Maximiliana Konstantinopoulou-Papadimitriou", "Sales"), ("O'Brien", "Sales"),
    ("Summary", "Sales"), ("Zoë Ekström", "Sales"), ("Ötzi", "Sales"),
    ("Ana Lima", "Design"), ("Kim\nPark", "Design"), ("Team: A/B [x]?", "Design"), ("ötzi", "Design"),
]
# the sheet names docs/ANALYTICS.md's rules give, in the Summary's order
SHEETS = ["_Quoted_", "ANA LIMA (Sales)", "Ana Lima (Sales) 2", "Maximiliana Konstantinopoulou-P",
          "O'Brien", "Summary (Sales)", "Zoë Ekström", "Ötzi (Sales)",
          "Ana Lima (Design)", "Kim_Park", "Team_ A_B _x__", "ötzi (Design)"]


def csv_field(s):
    if any(ch in s for ch in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


class Names(WorkbookCase, unittest.TestCase):
    AS_OF = D("2025-04-06")  # a Sunday: its week is the default
    DEPTS = [("Sales", 7), ("Design", 30)]
    WEEKS = [("default", None, D("2025-03-31")),
             ("before", "2025-W10", D("2025-03-03"))]

    @classmethod
    def prepare(cls):
        rng = random.Random(3)
        lines = ["ticket_id,creator,employee,department,opened_on,closed_on"]
        n = 0
        for emp, dept in NAME_CASES:
            for _ in range(rng.randrange(4, 12)):
                o = D("2025-01-06") + rng.randrange(91) * DAY
                c = o + rng.randrange(0, 25) * DAY
                n += 1
                lines.append(",".join(["T%03d" % n, "C%d" % rng.randrange(30), csv_field(emp), dept,
                                       o.isoformat(), "" if rng.random() < 0.15 else c.isoformat()]))
            # work in the week: one ticket open through it (closed or not)
            n += 1
            lines.append(",".join(["T%03d" % n, "C%d" % n, csv_field(emp), dept, "2025-03-28",
                                   "2025-04-02" if n % 2 else ""]))
        # work in 2025-W10 only
        lines.append("G1,Gone Creator,Gone Employee,Sales,2025-01-10,2025-01-20")
        lines.append("G2,Gone Creator,Gone Employee,Sales,2025-02-24,2025-03-05")
        # open since 2015: Ana Lima (Sales)'s history is cut to 260 weeks
        lines.append("T999,Old Creator,Ana Lima,Sales,2015-06-01,")
        path = os.path.join(cls.dir, "names.csv")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(lines) + "\n")
        cls.must(["import", "--config", cls.cfg, path])

    def test_sheet_names(self):
        body, wb, exp = self.book("default", None, D("2025-03-31"))
        self.assertEqual([(n, d) for d, n, _ in exp.summary],
                         sorted(NAME_CASES, key=lambda k: (k[1] != "Sales", k[0].encode())))
        self.assertEqual(wb["order"], ["Summary", "Averages"] + SHEETS)
        # Excel's rules, checked here too: length, characters, apostrophes
        for name in wb["order"]:
            self.assertLessEqual(len(name.encode("utf-16-le")) // 2, 31, name)
            self.assertFalse(set(name) & set("[]:*?/\\"), name)
            self.assertFalse(name.startswith("'") or name.endswith("'"), name)

    def test_history_window(self):
        body, wb, exp = self.book("default", None, D("2025-03-31"))
        sh = wb["Ana Lima (Sales) 2"]
        self.assertEqual(sh.nrows(), 2 + HISTORY_WEEKS)
        self.assertEqual(sh.value(2, 0), iso_week(D("2025-03-31") - (HISTORY_WEEKS - 1) * WEEK))
        self.assertEqual(sh.value(1 + HISTORY_WEEKS, 0), "2025-W14")

    def test_employee_without_work_has_no_sheet(self):
        body, wb, exp = self.book("before", "2025-W10", D("2025-03-03"))
        self.assertIn("Gone Employee", [n for _, n, _ in exp.summary])
        body, wb, exp = self.book("default", None, D("2025-03-31"))
        self.assertNotIn("Gone Employee", [n for _, n, _ in exp.summary])
        self.assertNotIn("Gone Employee", wb["order"])
