"""Event logs and mapped exports end to end (issue 10), against references
written here from the issue's text, not from the program:

- `derive()` is the stay rules of docs/ANALYTICS.md "Event logs" (a stay
  is a maximal run of one department's mapped events; CASE/Department/n;
  close = next or last; done), over events read by Python's own csv,
  ElementTree and datetime; `pit_ref` turns its tickets into the rows
  `leadtimed pit` must print, byte for byte.
- generated logs (`generate --events`, CSV and XES, gzip'd by Python):
  the same store from each; its tickets are `generate`'s; re-import is a
  no-op; a longer log updates only its cases; bad rows name line and
  column and write nothing.
- a hand-made XES activity log (test/integration/data/escalation.xes).
- the study's combined.csv shape and a Jira export, loaded with config only;
  their expected tickets computed with csv, strptime and zoneinfo.
- POST /api/v1/events (401, 403, 413, 415, 422, formats, gzip) and the
  re-derivation when a daemon reloads or starts with a changed [stages].

Every daemon and process is stopped by its own pid.
"""
import collections
import csv
import datetime as dt
import fnmatch
import gzip
import http.client
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zoneinfo

import daemon
import pit_ref

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
BIN = daemon.BIN
UTC = dt.timezone.utc
DEPTS = ["Sales", "Contract", "Design", "Manufacturing", "Campaign"]
TOKEN = "ev3nts-t0ken"
GEN = ["--creators", 400, "--seed", 11, "--days", 400, "--start", "2019-01-01"]
GEN_AS_OF = dt.date(2019, 1, 1) + dt.timedelta(days=399)


def run(args, stdin=None, timeout=300):
    return subprocess.run([BIN] + [str(a) for a in args], input=stdin, env=daemon.clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def must(args, stdin=None):
    p = run(args, stdin)
    if p.returncode != 0:
        raise AssertionError("leadtimed %s: exit %d\n%s" % (args[0], p.returncode, p.stderr.decode()))
    return p


def dump_db(path):
    con = sqlite3.connect(path)
    try:
        # all but the import's wall-clock time (meta last_import)
        return [l for l in con.iterdump() if "'last_import'" not in l]
    finally:
        con.close()


def store_tickets(db):
    """{ticket_id: (creator, employee, department, opened, closed)} of a store."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT t.ticket_id, c.name, e.name, d.name, t.opened_on, t.closed_on FROM tickets t "
            "JOIN creators c ON c.id = t.creator_id JOIN employees e ON e.id = t.employee_id "
            "JOIN departments d ON d.id = t.department_id").fetchall()
    finally:
        con.close()
    epoch = dt.date(1970, 1, 1)
    return {r[0]: (r[1], r[2], r[3], epoch + dt.timedelta(days=r[4]),
                   None if r[5] is None else epoch + dt.timedelta(days=r[5])) for r in rows}


def data_version(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()[0]
    finally:
        con.close()


# ---- the reference: the rules, written out ----

def mapper(stages=None, done=("Done",), depts=DEPTS):
    """activity -> department, "done" or None, as the issue says: done
    patterns first; with [stages] the first department (pipeline order)
    with a matching glob; without, the department of that name, any case."""
    def matches(a, patterns):
        return any(fnmatch.fnmatchcase(a, p.lower()) for p in patterns)

    def code(activity):
        a = activity.strip().lower()
        if matches(a, done):
            return "done"
        if stages is None:
            return next((d for d in depts if d.lower() == a), None)
        return next((d for d in depts if matches(a, stages.get(d, []))), None)
    return code


def derive(events, code, close="next", aliases=None):
    """Tickets (pit_ref dicts) of events [{case, activity, at (aware), resource, order}]."""
    aliases = aliases or {}
    by_case = collections.defaultdict(list)
    for e in events:
        by_case[e["case"]].append(e)
    out = []
    for case, evs in by_case.items():
        evs.sort(key=lambda e: (e["at"], e["order"]))
        seen = collections.Counter()
        cur = last = None
        for e in evs:
            c = code(e["activity"])
            day = e["at"].astimezone(UTC).date()
            if c is None:
                continue
            if c == "done":
                if cur is not None:
                    cur["closed"] = day
                cur = None
                continue
            if cur is not None and cur["department"] == c:
                last = e
                continue
            if cur is not None:
                cur["closed"] = last["at"].astimezone(UTC).date() if close == "last" else day
            seen[c] += 1
            emp = (e["resource"] or "").strip() or "unassigned"
            cur = {"ticket_id": "%s/%s/%d" % (case, c, seen[c]), "creator": case,
                   "employee": aliases.get(emp, emp), "department": c, "opened": day, "closed": None}
            out.append(cur)
            last = e
        if cur is not None and close == "last":
            cur["closed"] = last["at"].astimezone(UTC).date()
    return out


def read_csv_log(text):
    events = []
    for i, r in enumerate(csv.DictReader(io.StringIO(text, newline=""))):
        events.append({"case": r["case"].strip(), "activity": r["activity"],
                       "at": dt.datetime.fromisoformat(r["timestamp"].strip()),
                       "resource": r.get("resource") or "", "order": i})
    return events


def read_xes_log(path, default_tz=UTC):
    """Events of an XES file through ElementTree (direct attribute children
    of <trace> and <event> only)."""
    ns = "{http://www.xes-standard.org/}"
    events = []
    order = 0
    for trace in ET.parse(path).getroot().iter(ns + "trace"):
        attrs = {a.get("key"): a.get("value") for a in trace if a.tag != ns + "event"}
        for ev in trace.findall(ns + "event"):
            a = {x.get("key"): x.get("value") for x in ev}
            at = dt.datetime.fromisoformat(a["time:timestamp"])
            if at.tzinfo is None:
                at = at.replace(tzinfo=default_tz)
            events.append({"case": attrs["concept:name"], "activity": a["concept:name"], "at": at,
                           "resource": a.get("org:resource", ""), "order": order})
            order += 1
    return events


def as_tuples(tickets):
    return {t["ticket_id"]: (t["creator"], t["employee"], t["department"], t["opened"], t["closed"])
            for t in tickets}


class Case(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lt-events-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text, mode="w"):
        with open(self.path(name), mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as f:
            f.write(text)
        return self.path(name)

    def config(self, name="config.ini", db="lt.db", as_of=GEN_AS_OF, extra="", token=""):
        return self.write(name, "[data]\ndb = %s\nas_of = %s\nseed_demo = false\n[auth]\nwrite_token = %s\n%s"
                          % (db, as_of, token, extra))


class GeneratedLog(Case):
    """`generate --events` against `generate`, the reference and itself."""

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="lt-evgen-")
        b = cls.base
        cls.cfg = os.path.join(b, "gen.ini")
        with open(cls.cfg, "w") as f:
            f.write("[data]\nseed_demo = false\nas_of = %s\n" % GEN_AS_OF)
        must(["generate", "--config", cls.cfg, "--csv", os.path.join(b, "tickets.csv")] + GEN)
        must(["generate", "--config", cls.cfg, "--events", "--csv", os.path.join(b, "log.csv")] + GEN)
        must(["generate", "--config", cls.cfg, "--events", "--xes", os.path.join(b, "log.xes")] + GEN)
        with open(os.path.join(b, "log.xes"), "rb") as f, \
                gzip.open(os.path.join(b, "log.xes.gz"), "wb") as g:
            g.write(f.read())
        with open(os.path.join(b, "log.csv"), encoding="utf-8", newline="") as f:
            cls.log_text = f.read()
        with open(os.path.join(b, "tickets.csv"), encoding="utf-8", newline="") as f:
            cls.generated = pit_ref.read_import_csv(f.read())
        # the same log with every row in instant order, cases interleaved
        lines = cls.log_text.splitlines(keepends=True)
        rows = list(csv.reader(io.StringIO(cls.log_text, newline="")))
        order = sorted(range(1, len(rows)), key=lambda i: dt.datetime.fromisoformat(rows[i][2]))
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(rows[0])
        for i in order:
            w.writerow(rows[i])
        cls.sorted_path = os.path.join(b, "sorted.csv")
        with open(cls.sorted_path, "w", encoding="utf-8", newline="") as f:
            f.write(out.getvalue())
        assert len(lines) == len(rows)
        cls.dbs = {}
        for name, src in (("csv", "log.csv"), ("xes.gz", "log.xes.gz"), ("sorted", "sorted.csv")):
            db = os.path.join(b, name + ".db")
            p = run(["import", "--events", "--config", cls.cfg, "--db", db, os.path.join(b, src)])
            cls.dbs[name] = (db, p)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, True)

    def imported(self, name):
        db, p = self.dbs[name]
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return db

    def test_csv_xes_gz_and_interleaved_give_identical_stores(self):
        ref = dump_db(self.imported("csv"))
        self.assertGreater(len(ref), 1000)
        self.assertEqual(dump_db(self.imported("xes.gz")), ref)
        self.assertEqual(dump_db(self.imported("sorted")), ref)
        out = self.dbs["xes.gz"][1].stdout.decode()
        self.assertIn("(xes, gzip)", out)

    def test_tickets_are_generates(self):
        got = store_tickets(self.imported("csv"))
        want = collections.Counter((t["creator"], t["employee"], t["department"], t["opened"], t["closed"])
                                   for t in self.generated)
        self.assertEqual(collections.Counter(got.values()), want)
        # the ids map one to one: generate's ABBRk-NNNNNNN is the case's
        # first stay there, -R1 its re-entry
        for t in self.generated:
            n = 2 if t["ticket_id"].endswith("-R1") else 1
            tid = "%s/%s/%d" % (t["creator"], t["department"], n)
            self.assertEqual(got[tid], (t["creator"], t["employee"], t["department"], t["opened"],
                                        t["closed"]), tid)
        self.assertTrue(any(t["ticket_id"].endswith("-R1") for t in self.generated))
        self.assertTrue(any(t["closed"] is None for t in self.generated))

    def test_pit_equals_the_reference_derivation(self):
        db = self.imported("csv")
        tickets = derive(read_csv_log(self.log_text), mapper())
        self.assertEqual(as_tuples(tickets), store_tickets(db))
        ranges = [(dt.date(2019, 1, 1), GEN_AS_OF), (dt.date(2019, 6, 1), dt.date(2019, 6, 30)),
                  (GEN_AS_OF - dt.timedelta(days=6), GEN_AS_OF + dt.timedelta(days=5))]
        for frm, to in ranges:
            p = must(["pit", "--config", self.cfg, "--db", db, "--from", frm, "--to", to])
            want = pit_ref.to_csv(pit_ref.rows(tickets, GEN_AS_OF, frm, to))
            self.assertEqual(p.stdout.decode(), want, "pit %s..%s" % (frm, to))

    def test_offsets_cross_midnight_in_the_log(self):
        crossing = [e for e in read_csv_log(self.log_text)
                    if e["at"].date() != e["at"].astimezone(UTC).date()]
        self.assertGreater(len(crossing), 50)

    def test_reimport_is_a_no_op(self):
        db = os.path.join(self.dir, "again.db")
        shutil.copy(self.imported("csv"), db)
        before, version = dump_db(db), data_version(db)
        p = must(["import", "--events", "--config", self.cfg, "--db", db, os.path.join(self.base, "log.csv")])
        self.assertIn(" 0 new, 0 changed, 400 unchanged", p.stdout.decode())
        self.assertEqual(data_version(db), version)
        self.assertEqual(dump_db(db), before)
        # the same events as XES are the same events
        must(["import", "--events", "--config", self.cfg, "--db", db, os.path.join(self.base, "log.xes")])
        self.assertEqual(dump_db(db), before)

    def test_longer_log_updates_only_its_cases(self):
        events = read_csv_log(self.log_text)
        cut = dt.datetime(2019, 9, 1, tzinfo=UTC)
        rows = list(csv.reader(io.StringIO(self.log_text, newline="")))
        short = io.StringIO()
        w = csv.writer(short, lineterminator="\n")
        w.writerow(rows[0])
        for e, r in zip(events, rows[1:]):
            if e["at"] < cut:
                w.writerow(r)
        db = self.path("grow.db")
        must(["import", "--events", "--config", self.cfg, "--db", db, self.write("short.csv", short.getvalue())])
        before = store_tickets(db)
        con = sqlite3.connect(db)
        ids_before = dict(con.execute("SELECT ticket_id, id FROM tickets"))
        con.close()
        later = {e["case"] for e in events if e["at"] >= cut}
        earlier = {e["case"] for e in events if e["at"] < cut}
        p = must(["import", "--events", "--config", self.cfg, "--db", db, os.path.join(self.base, "log.csv")])
        out = p.stdout.decode()
        grown, new = len(later & earlier), len(later - earlier)
        self.assertIn("%d new, %d changed, %d unchanged" % (new, grown, 400 - new - grown), out)
        after = store_tickets(db)
        self.assertEqual(after, store_tickets(self.imported("csv")))
        con = sqlite3.connect(db)
        ids_after = dict(con.execute("SELECT ticket_id, id FROM tickets"))
        con.close()
        for tid, row in before.items():
            if row[0] not in later:  # a case without new events: untouched
                self.assertEqual(after[tid], row)
                self.assertEqual(ids_after[tid], ids_before[tid])

    def test_bad_rows_name_line_and_column_and_write_nothing(self):
        lines = self.log_text.splitlines(keepends=True)
        bad = list(lines)
        rng = random.Random(5)
        picks = sorted(rng.sample(range(1, len(lines)), 3))
        rows = [next(csv.reader([bad[i]])) for i in picks]
        rows[0][2] = "2019-02-30T10:00:00Z"
        rows[1][0] = " "
        rows[2][1] = ""
        for i, r in zip(picks, rows):
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow(r)
            bad[i] = out.getvalue()
        db = self.path("bad.db")
        shutil.copy(self.imported("csv"), db)
        before = dump_db(db)
        p = run(["import", "--events", "--config", self.cfg, "--db", db, self.write("bad.csv", "".join(bad))])
        self.assertEqual(p.returncode, 1)
        err = p.stderr.decode()
        path = self.path("bad.csv")
        self.assertIn("%s: line %d: column timestamp: not a real calendar date ('2019-02-30T10:00:00Z')\n"
                      % (path, picks[0] + 1), err)
        self.assertIn("%s: line %d: column case: required, but empty\n" % (path, picks[1] + 1), err)
        self.assertIn("%s: line %d: column activity: required, but empty\n" % (path, picks[2] + 1), err)
        self.assertIn("3 problems in %d events; nothing was imported" % (len(lines) - 1), err)
        self.assertEqual(dump_db(db), before)

    def test_bad_xes_names_line_and_column(self):
        with open(os.path.join(self.base, "log.xes"), encoding="utf-8") as f:
            lines = f.read().split("\n")
        i = next(k for k, l in enumerate(lines) if "time:timestamp" in l and k > 40)
        col = lines[i].index("<") + 1
        lines[i] = lines[i].replace("value=\"", "value=\"x", 1)
        db = self.path("badx.db")
        p = run(["import", "--events", "--config", self.cfg, "--db", db,
                 self.write("bad.xes", "\n".join(lines))])
        self.assertEqual(p.returncode, 1)
        self.assertIn("line %d: column %d: time:timestamp: not a timestamp" % (i + 1, col), p.stderr.decode())
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("SELECT count(*) FROM tickets").fetchone()[0], 0)
        self.assertEqual(con.execute("SELECT count(*) FROM events").fetchone()[0], 0)
        con.close()


class HandMadeXes(Case):
    """escalation.xes: an activity log (close = last) with [stages] globs."""
    STAGES = collections.OrderedDict([
        ("Intake", ["Initial Submission"]),
        ("Tier 1", ["Review*", "Troubleshoot*"]),
        ("Tier 3", ["Development", "Root cause*", "Tier 3 *"]),
        ("Management", ["Escalat*", "Exec*"]),
    ])

    def test_hand_made_xes(self):
        cfg = self.config(as_of=dt.date(2024, 3, 1), extra=(
            "[pipeline]\ndepartments = Intake, Tier 1, Tier 3, Management\nsla_days = 1, 3, 5, 2\n"
            "[events]\nclose = last\ndone = Resolution Confirm*\n[stages]\n" +
            "".join("%s = %s\n" % (d, ", ".join(p)) for d, p in self.STAGES.items())))
        src = os.path.join(DATA, "escalation.xes")
        events = read_xes_log(src)
        p = must(["import", "--events", "--config", cfg, src])
        self.assertIn("%d events (xes) in 4 cases" % len(events), p.stdout.decode())
        self.assertIn("2 events skipped (their activity maps to no department): 'Communication' (2)",
                      p.stdout.decode())
        want = derive(events, mapper(self.STAGES, done=["Resolution Confirm*"], depts=list(self.STAGES)),
                      close="last")
        got = store_tickets(self.path("lt.db"))
        self.assertEqual(got, as_tuples(want))
        D = dt.date
        # by hand, from the file: INC-1001's Tier 1 stay runs from Review
        # (08-Jan 09:40 -06:00) to its last event, Troubleshooting (10-Jan
        # 17:55 -06:00 = 23:55 UTC, still the 10th); the nested
        # concept:name "Development" inside a <list> is no event; Tier 3
        # is closed by the Resolution Confirmation on the 16th
        self.assertEqual(got["INC-1001/Tier 1/1"], ("INC-1001", "Dana Whitfield", "Tier 1", D(2024, 1, 8), D(2024, 1, 10)))
        self.assertEqual(got["INC-1001/Tier 3/1"], ("INC-1001", "Raj Patel", "Tier 3", D(2024, 1, 11), D(2024, 1, 16)))
        # 23:50 +01:00 on the 9th is the 9th in UTC (22:50); no resource
        self.assertEqual(got["INC-1002/Intake/1"], ("INC-1002", "unassigned", "Intake", D(2024, 1, 9), D(2024, 1, 9)))
        # Tier 1 twice around Management and Tier 3: n = 1, 2, 3
        self.assertEqual(got["INC-1002/Tier 1/3"][3:], (D(2024, 1, 22), D(2024, 1, 22)))
        # the re-opened INC-1003: Tier 1 again after the first confirmation
        self.assertEqual(got["INC-1003/Tier 1/2"], ("INC-1003", "Mia Chen", "Tier 1", D(2024, 2, 5), D(2024, 2, 6)))
        # 20:30 -05:00 is the next UTC day
        self.assertEqual(got['INC-1004 "Printer, again"/Tier 3/1'][3], D(2024, 2, 11))
        self.assertEqual(len(got), len(want))


class StudyFiles(Case):
    """combined.csv and a Jira export with config only (README shows both configs)."""

    COMBINED = ("[import]\nticket_id = row\nid_prefix = combined-\n"
                "opened_on = start_date\nclosed_on = end_date\n")
    JIRA = ("[import]\nprofile = jira\ncreator = Custom field (Creator)\n"
            "timezone = Europe/Berlin\n")

    def test_combined_csv(self):
        cfg = self.config(as_of=dt.date(2021, 12, 31), extra=self.COMBINED)
        src = os.path.join(DATA, "combined.csv")
        p = must(["import", "--config", cfg, src])
        self.assertIn("imported 3074 rows: 3074 new", p.stdout.decode())
        with open(src, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["", "creator", "employee", "department", "start_date", "end_date"])
        want = {}
        for n, r in enumerate(rows[1:], 1):
            dept = next(d for d in DEPTS if d.upper() == r[3])
            want["combined-%06d" % n] = (r[1], r[2], dept, dt.date.fromisoformat(r[4]),
                                         dt.date.fromisoformat(r[5]) if r[5] else None)
        self.assertEqual(store_tickets(self.path("lt.db")), want)
        # again: nothing changes
        version = data_version(self.path("lt.db"))
        p = must(["import", "--config", cfg, src])
        self.assertIn("3074 unchanged", p.stdout.decode())
        self.assertEqual(data_version(self.path("lt.db")), version)
        # without the mapping, every row is refused (the starting point)
        plain = self.config(name="plain.ini", db="plain.db")
        p = run(["import", "--config", plain, src])
        self.assertEqual(p.returncode, 1)
        self.assertIn("line 1: column 1: unknown column ''", p.stderr.decode())

    def test_jira_export(self):
        cfg = self.config(as_of=dt.date(2025, 6, 30), extra=self.JIRA)
        src = os.path.join(DATA, "jira_export.csv")
        must(["import", "--config", cfg, src])
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")

        def utc_day(text):
            local = dt.datetime.strptime(text, "%d/%b/%y %I:%M %p")
            return local.replace(tzinfo=berlin).astimezone(UTC).date()
        with open(src, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        h = rows[0]
        self.assertEqual(h.count("Labels"), 3)
        col = {name: h.index(name) for name in ("Issue key", "Custom field (Creator)", "Assignee",
                                               "Project name", "Created", "Resolved")}
        want = {}
        shifted = 0
        for r in rows[1:]:
            opened = utc_day(r[col["Created"]])
            shifted += opened != dt.datetime.strptime(r[col["Created"]], "%d/%b/%y %I:%M %p").date()
            want[r[col["Issue key"]]] = (r[col["Custom field (Creator)"]], r[col["Assignee"]],
                                        r[col["Project name"]], opened,
                                        utc_day(r[col["Resolved"]]) if r[col["Resolved"]] else None)
        self.assertGreater(shifted, 2)  # local dates that are another UTC day
        self.assertEqual(store_tickets(self.path("lt.db")), want)

    def test_did_you_mean(self):
        cfg = self.config(extra=self.COMBINED)
        src = self.write("c.csv", ",creator,employee,department,start_date,end_date\n"
                                  "0,Ann,Bo,MANUFACTURNG,2019-01-01,\n")
        p = run(["import", "--config", cfg, src])
        self.assertEqual(p.returncode, 1)
        self.assertIn("%s: line 2: column department: not a configured department (did you mean "
                      "Manufacturing?) ('MANUFACTURNG')" % src, p.stderr.decode())


def post(port, path, body, headers):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        c.request("POST", path, body=body, headers=headers)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def get_json(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        c.close()


LOG = ("case,activity,timestamp,resource\n"
       "Ann,Sales,2024-03-01T09:00:00Z,Ana Lima\n"
       "Ann,Contract,2024-03-04T09:00:00+02:00,Ben Costa\n"
       "Bo,Sales,2024-03-02T23:30:00-02:00,\n"
       "Bo,Note,2024-03-03T10:00:00Z,\n")


class HttpRoute(Case):
    """POST /api/v1/events on a running daemon."""

    def start(self, cfg):
        d = daemon.Daemon(cfg)
        self.addCleanup(d.stop)
        return d

    def test_route(self):
        d = self.start(self.config(as_of=dt.date(2024, 3, 31), token=TOKEN,
                                   extra="[server]\nmax_body_mb = 1\n"))
        auth = {"Authorization": "Bearer " + TOKEN}
        csv_h = dict(auth, **{"Content-Type": "text/csv"})
        self.assertEqual(post(d.port, "/api/v1/events", LOG, {"Content-Type": "text/csv"})[0], 401)
        self.assertEqual(post(d.port, "/api/v1/events", LOG, {"Authorization": "Bearer nope",
                                                              "Content-Type": "text/csv"})[0], 401)
        st, body = post(d.port, "/api/v1/events", LOG, dict(auth, **{"Content-Type": "image/png"}))
        self.assertEqual(st, 415, body)
        st, body = post(d.port, "/api/v1/events", LOG, dict(csv_h, **{"Content-Encoding": "br"}))
        self.assertEqual(st, 415, body)
        self.assertIn(b"Content-Encoding must be gzip or identity", body)
        # bad rows: 422 with every problem, nothing written
        st, body = post(d.port, "/api/v1/events", LOG + "Cy,Sales,2024-02-30,\n,Sales,2024-03-01,\n", csv_h)
        self.assertEqual(st, 422, body)
        err = json.loads(body)["error"]
        self.assertEqual(err["problems"], ["line 6: column timestamp: not a real calendar date ('2024-02-30')",
                                           "line 7: column case: required, but empty"])
        self.assertEqual(get_json(d.port, "/api/v1/meta")[1]["tickets"], 0)
        # CSV, gzip'd, declared by Content-Encoding
        st, body = post(d.port, "/api/v1/events", gzip.compress(LOG.encode()),
                        dict(csv_h, **{"Content-Encoding": "gzip"}))
        self.assertEqual(st, 200, body)
        r = json.loads(body)
        self.assertEqual((r["format"], r["compressed"], r["events"], r["cases"], r["skipped"]),
                         ("csv", True, 4, 2, 1))
        self.assertEqual(r["skipped_activities"], [{"activity": "Note", "events": 1}])
        self.assertEqual(r["tickets"], {"rows": 3, "inserted": 3, "updated": 0, "unchanged": 0, "removed": 0})
        version = r["data_version"]
        meta = get_json(d.port, "/api/v1/meta")[1]
        self.assertEqual((meta["tickets"], meta["data_version"]), (3, version))
        # the same events as XES (application/xml), then JSON: no change
        xes = ('<log><trace><string key="concept:name" value="Ann"/>'
               '<event><string key="concept:name" value="Sales"/><string key="org:resource" value="Ana Lima"/>'
               '<date key="time:timestamp" value="2024-03-01T09:00:00Z"/></event>'
               '<event><string key="concept:name" value="Contract"/><string key="org:resource" value="Ben Costa"/>'
               '<date key="time:timestamp" value="2024-03-04T07:00:00Z"/></event></trace>'
               '<trace><string key="concept:name" value="Bo"/><event><string key="concept:name" value="Sales"/>'
               '<date key="time:timestamp" value="2024-03-03T01:30:00Z"/></event>'
               '<event><string key="concept:name" value="Note"/>'
               '<date key="time:timestamp" value="2024-03-03T10:00:00Z"/></event></trace></log>')
        st, body = post(d.port, "/api/v1/events", xes, dict(auth, **{"Content-Type": "application/xml"}))
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["cases_unchanged"], 2)
        self.assertEqual(json.loads(body)["data_version"], version)
        events = [{"case": "Bo", "activity": "Sales", "timestamp": "2024-03-03T01:30:00Z"},
                  {"case": "Bo", "activity": "Note", "timestamp": "2024-03-03T10:00:00Z"},
                  {"case": "Bo", "activity": "Design", "timestamp": "2024-03-09T10:00:00Z", "resource": "Cy"}]
        st, body = post(d.port, "/api/v1/events", json.dumps(events),
                        dict(auth, **{"Content-Type": "application/json"}))
        self.assertEqual(st, 200, body)
        r = json.loads(body)
        self.assertEqual((r["cases_changed"], r["tickets"]["inserted"], r["tickets"]["updated"]), (1, 1, 1))
        st, rows = get_json(d.port, "/api/v1/pit?format=json&from=2024-03-08&to=2024-03-09&creator=Bo")
        self.assertEqual(st, 200)
        got = [(x["report_date"], x["ticket_id"], x["is_open"], x["ticket_closed"]) for x in rows["rows"]]
        self.assertEqual(got, [("2024-03-08", "Bo/Sales/1", 1, 0), ("2024-03-09", "Bo/Design/1", 1, 0),
                               ("2024-03-09", "Bo/Sales/1", 0, 1)])
        # gzip recognised by its bytes alone (application/gzip); JSON errors
        st, body = post(d.port, "/api/v1/events", gzip.compress(b"[1]"),
                        dict(auth, **{"Content-Type": "application/gzip"}))
        self.assertEqual(st, 422, body)
        self.assertEqual(json.loads(body)["error"]["problems"], ["item 1: not a JSON object"])
        # more than 8 x max_body_mb once decompressed: 413
        bomb = gzip.compress(b'case,activity,timestamp\n"' + b"x" * (9 << 20))
        self.assertLess(len(bomb), 1 << 20)
        st, body = post(d.port, "/api/v1/events", bomb, csv_h)
        self.assertEqual(st, 413, body)
        self.assertEqual(get_json(d.port, "/api/v1/meta")[1]["data_version"], version + 1)
        self.assertEqual(d.stop(), 0)
        self.assertNotIn("Sanitizer", d.text())

    def test_problems_stay_utf8(self):
        """A problem quoting bytes that are not UTF-8 (a Latin-1 file), or a
        long value cut for the message, is still a JSON string: '?' for
        each bad byte, the cut on a character boundary."""
        d = self.start(self.config(token=TOKEN))
        h = {"Authorization": "Bearer " + TOKEN, "Content-Type": "text/csv"}
        st, body = post(d.port, "/api/v1/events",
                        "case,activity,timestamp\nKai Ekstr\u00f6m,Sales,2024-03-01\n".encode("latin-1"), h)
        self.assertEqual(st, 422, body)
        self.assertEqual(json.loads(body)["error"]["problems"],
                         ["line 2: column case: is not valid UTF-8 ('Kai Ekstr?m')"])
        rows = "ticket_id,creator,employee,department,opened_on,closed_on\nT1,Ann,Bob,%s,2024-01-01,\n"
        st, body = post(d.port, "/api/v1/import", (rows % ("D\u00e9" * 40)).encode("utf-8"), h)
        self.assertEqual(st, 422, body)
        self.assertEqual(json.loads(body)["error"]["problems"],
                         ["line 2: column department: not a configured department ('%s...')"
                          % ("D\u00e9" * 20)])
        self.assertEqual(d.stop(), 0)

    def test_no_token_configured(self):
        d = self.start(self.config())
        st, body = post(d.port, "/api/v1/events", LOG, {"Authorization": "Bearer x", "Content-Type": "text/csv"})
        self.assertEqual(st, 403, body)


class TimelineEvents(Case):
    """GET /api/v1/creators/{name}: `events`, the case's stored events with
    the department each maps to and the stay it falls in (the timeline's
    markers), cut at as_of, and fresh after a longer log."""

    @staticmethod
    def iso(at):
        at = at.astimezone(UTC)
        return at.strftime("%Y-%m-%dT%H:%M:%S") + (".%06d" % at.microsecond if at.microsecond else "") + "Z"

    def expected(self, rows, case, as_of):
        code = mapper()
        evs = sorted((r for r in rows if r["case"] == case), key=lambda r: (r["at"], r["order"]))
        out, stay = [], None
        for r in evs:
            day = r["at"].astimezone(UTC).date()
            if day > as_of:
                break
            c = code(r["activity"])
            dept = c if c not in (None, "done") else None
            lane = dept or stay
            stay = dept or (None if c == "done" else stay)
            out.append({"at": self.iso(r["at"]), "date": day.isoformat(), "activity": r["activity"],
                        "resource": r["resource"] or None, "lifecycle": r["lifecycle"] or None,
                        "department": dept, "stay": lane, "done": c == "done"})
        return out

    def test_markers(self):
        cfg = self.config(token=TOKEN)
        log = self.path("log.csv")
        must(["generate", "--config", cfg, "--events", "--csv", log, "--creators", 60, "--seed", 5,
              "--days", 400, "--start", "2019-01-01"])
        must(["import", "--events", "--config", cfg, log])
        with open(log, encoding="utf-8", newline="") as f:
            text = f.read()
        rows = [{"case": r["case"], "activity": r["activity"],
                 "at": dt.datetime.fromisoformat(r["timestamp"]), "resource": r["resource"],
                 "lifecycle": r["lifecycle"], "order": i}
                for i, r in enumerate(csv.DictReader(io.StringIO(text, newline="")))]
        d = daemon.Daemon(cfg)
        self.addCleanup(d.stop)
        cases = sorted({r["case"] for r in rows})
        marked = 0
        for case in random.Random(7).sample(cases, 12):
            path = "/api/v1/creators/" + urllib.parse.quote(case, safe="")
            st, body = get_json(d.port, path)
            self.assertEqual(st, 200, body)
            want = self.expected(rows, case, GEN_AS_OF)
            self.assertEqual(body["events"], want, case)
            self.assertEqual(body["events_total"], len(want))
            marked += sum(1 for e in want if e["department"] is None and e["stay"])
            # time travel: an earlier as_of lists the events up to it
            first = body["tickets"][0]["opened_on"]
            cut = min(dt.date.fromisoformat(first) + dt.timedelta(days=20), GEN_AS_OF)
            st, early = get_json(d.port, path + "?as_of=" + cut.isoformat())
            self.assertEqual(st, 200, early)
            self.assertEqual(early["events"], self.expected(rows, case, cut), case)
        self.assertGreater(marked, 3, "some events map to no department but fall in a stay")
        # a longer log that adds a note inside a stay: the same tickets, new events
        case = cases[0]
        path = "/api/v1/creators/" + urllib.parse.quote(case, safe="")
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
        c.request("GET", path)
        r1 = c.getresponse()
        etag, before = r1.getheader("ETag"), json.loads(r1.read())
        c.close()
        first = next(r for r in sorted(rows, key=lambda r: (r["at"], r["order"])) if r["case"] == case)
        note_at = first["at"] + dt.timedelta(minutes=1)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([case, "Note added", note_at.isoformat(),
                                                        first["resource"], ""])
        st, body = post(d.port, "/api/v1/events", (text + out.getvalue()).encode("utf-8"),
                        {"Authorization": "Bearer " + TOKEN, "Content-Type": "text/csv"})
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)["tickets"]["inserted"] + json.loads(body)["tickets"]["updated"], 0)
        rows.append({"case": case, "activity": "Note added", "at": note_at, "resource": first["resource"],
                     "lifecycle": "", "order": len(rows)})
        c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
        c.request("GET", path)
        r2 = c.getresponse()
        after = json.loads(r2.read())
        self.assertNotEqual(r2.getheader("ETag"), etag)
        c.close()
        self.assertEqual(after["events"], self.expected(rows, case, GEN_AS_OF))
        self.assertEqual(len(after["events"]), len(before["events"]) + 1)
        self.assertEqual(after["tickets"], before["tickets"])
        self.assertEqual(d.stop(), 0, d.text())


class Rederive(Case):
    """A reload or a start with a changed [stages] derives the tickets again."""

    LOG = ("case,activity,timestamp\n"
           "A,Lead,2024-01-01T10:00Z\nA,Qualified,2024-01-03T10:00Z\nA,Signed,2024-01-05T10:00Z\n"
           "B,Lead,2024-01-02T10:00Z\nB,Qualified,2024-01-04T10:00Z\n")

    def stages(self, sales, contract):
        return self.config(as_of=dt.date(2024, 1, 31), token=TOKEN,
                           extra="[stages]\nSales = %s\nContract = %s\n" % (sales, contract))

    def test_reload_and_restart(self):
        cfg = self.stages("Lead, Qualified", "Signed")
        must(["import", "--events", "--config", cfg, self.write("log.csv", self.LOG)])
        db = self.path("lt.db")
        D = dt.date
        self.assertEqual(store_tickets(db)["A/Sales/1"][3:], (D(2024, 1, 1), D(2024, 1, 5)))
        d = daemon.Daemon(cfg)
        self.addCleanup(d.stop)
        v0 = get_json(d.port, "/api/v1/meta")[1]["data_version"]
        # Qualified moves to Contract: reload
        self.stages("Lead", "Qualified, Signed")
        os.kill(d.proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + 60
        while get_json(d.port, "/api/v1/meta")[1]["data_version"] == v0 and time.monotonic() < deadline:
            time.sleep(0.05)
        t = store_tickets(db)
        self.assertEqual(t["A/Sales/1"][3:], (D(2024, 1, 1), D(2024, 1, 3)))
        self.assertEqual(t["A/Contract/1"][3:], (D(2024, 1, 3), None))
        self.assertEqual(t["B/Contract/1"][3:], (D(2024, 1, 4), None))
        self.assertIn("event cases derived again", d.wait_log("derived again"))
        st, rows = get_json(d.port, "/api/v1/pit?format=json&from=2024-01-03&to=2024-01-03&creator=A")
        self.assertEqual([(x["ticket_id"], x["ticket_closed"]) for x in rows["rows"]],
                         [("A/Contract/1", 0), ("A/Sales/1", 1)])
        self.assertEqual(d.stop(), 0)
        # stopped; the config changes again; the next start derives again
        self.stages("Lead, Qualified, Signed", "Nothing")
        d2 = daemon.Daemon(cfg)
        self.addCleanup(d2.stop)
        t = store_tickets(db)
        self.assertEqual(set(t), {"A/Sales/1", "B/Sales/1"})
        self.assertEqual(t["A/Sales/1"][3:], (D(2024, 1, 1), None))
        self.assertEqual(d2.stop(), 0)
        # a reload whose rules cannot derive a case keeps the running config
        cfg3 = self.stages("Lead", "Qualified")
        d3 = daemon.Daemon(cfg3)
        self.addCleanup(d3.stop)
        long_case = "x" * 120
        st, body = post(d3.port, "/api/v1/events", "case,activity,timestamp\n%s,Lead,2024-01-09\n" % long_case,
                        {"Authorization": "Bearer " + TOKEN, "Content-Type": "text/csv"})
        self.assertEqual(st, 200, body)
        with open(cfg3, "a") as f:
            f.write("[pipeline]\ndepartments = Sales, Contract, Manufacturing and Assembly\nsla_days = 1, 2, 3\n")
        with open(cfg3) as f:
            text = f.read().replace("Sales = Lead\n", "Manufacturing and Assembly = Lead\n")
        with open(cfg3, "w") as f:
            f.write(text)
        os.kill(d3.proc.pid, signal.SIGHUP)
        log = d3.wait_log("keeping the running configuration", timeout=60)
        self.assertIn("is longer than 128 bytes", log)
        self.assertIn("%s/Sales/1" % long_case, store_tickets(db))
        self.assertEqual(d3.stop(), 0)


class TimeZones(Case):
    """Timestamps without an offset, read in a named zone, against Python's
    zoneinfo (fold = 0) on the same tzdata: thousands of wall-clock times,
    every half hour around each 2024 and 2045 transition (2045 is past the
    files' explicit transitions: the POSIX rule of their footer)."""
    ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
             "America/Santiago", "Pacific/Chatham", "Africa/Casablanca"]

    def test_against_zoneinfo(self):
        rng = random.Random(44)
        checked = 0
        for zname in self.ZONES:
            zone = zoneinfo.ZoneInfo(zname)
            local = [dt.datetime(2019, 1, 1) + dt.timedelta(minutes=rng.randrange(27 * 365 * 1440))
                     for _ in range(400)]
            for year in (2024, 2045):
                # the hours around every offset change of the year
                t = dt.datetime(year, 1, 1, tzinfo=UTC)
                prev = t.astimezone(zone).utcoffset()
                while t.year == year:
                    off = t.astimezone(zone).utcoffset()
                    if off != prev:
                        wall = (t + off).replace(tzinfo=None)
                        local += [wall + dt.timedelta(minutes=m) for m in range(-150, 151, 30)]
                    prev = off
                    t += dt.timedelta(hours=1)
            rows = ["case,activity,timestamp"]
            want = {}
            for i, w in enumerate(local):
                text = w.strftime("%Y-%m-%d %H:%M:%S")
                rows.append("c%d,Sales,%s" % (i, text))
                want["c%d" % i] = int(w.replace(tzinfo=zone).timestamp()) * 1000000
            db = "tz-%s.db" % zname.replace("/", "-")
            cfg = self.config(name=db + ".ini", db=db, extra="[events]\ntimezone = %s\n" % zname)
            must(["import", "--events", "--config", cfg, self.write(db + ".csv", "\n".join(rows) + "\n")])
            con = sqlite3.connect(self.path(db))
            got = dict(con.execute("SELECT c.name, e.at FROM events e JOIN event_cases c ON c.id = e.case_id"))
            con.close()
            self.assertEqual(got, want, zname)
            checked += len(want)
        self.assertGreater(checked, 2500)


class Usage(Case):
    """Bad flags and bad [events]/[stages]/[import] keys: one line, exit 2."""

    def test_flags(self):
        for args, msg in ((["import", "--format", "xes", "x"], "--format is for --events"),
                          (["import", "--events", "--format", "yaml", "x"], "--format: 'yaml' is not csv, json or xes"),
                          (["generate", "--xes", "a.xes"], "--xes writes an event log: give --events too"),
                          (["generate", "--events", "--db", "x.db"], "--events writes one log")):
            p = run(args)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(msg, p.stderr.decode())

    def test_config_errors(self):
        log = self.write("log.csv", LOG)
        for extra, line, msg in (("[events]\ntimezone = Europe/Berln\n", 8, "key 'timezone': 'Europe/Berln' is not a time zone"),
                                 ("[stages]\nDesing = *design*\n", 8, "key 'Desing': not a department of [pipeline] (did you mean Design?)"),
                                 ("[events]\nclose = later\n", 8, "key 'close': 'later' is not one of next, last"),
                                 ("[import]\nticket_id = row\n", 8, "key 'ticket_id': 'row' numbers the rows")):
            cfg = self.config(extra=extra)
            p = run(["import", "--events", "--config", cfg, log])
            self.assertEqual(p.returncode, 2, extra)
            self.assertIn("%s:%d: %s" % (cfg, line, msg), p.stderr.decode())


if __name__ == "__main__":
    unittest.main()
