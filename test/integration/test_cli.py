"""Command-line tests of leadtimed (SPEC §2, §4): pit against the
brute-force reference of pit_ref.py, import (all or nothing, idempotent,
updates, error lists), generate determinism, and usage / config errors.

Every test works in its own temporary folder with its own config.ini and
database.  The binary is $LEADTIME_BIN (run.py sets it).
"""
import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import pit_ref

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")
D = dt.date.fromisoformat

# `generate --days 400` starts on 2019-01-01 (SPEC §4) and ends 399 days later
GEN_START = D("2019-01-01")
GEN_AS_OF = GEN_START + dt.timedelta(days=399)


def run(args, stdin=None, cwd=None):
    """Run leadtimed; bytes in, a CompletedProcess with bytes out."""
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)  # plain messages, no <N> prefixes
    return subprocess.run([BIN] + [str(a) for a in args], input=stdin, cwd=cwd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


def dump_db(path):
    """Every statement that would recreate the database, in order."""
    con = sqlite3.connect(path)
    try:
        # all but the import's wall-clock time (meta last_import)
        return [l for l in con.iterdump() if "'last_import'" not in l]
    finally:
        con.close()


def sanitizer_report(stderr):
    text = stderr.decode("utf-8", "replace")
    for marker in ("Sanitizer", "runtime error:"):
        if marker in text:
            return text
    return None


class Case(unittest.TestCase):
    """A test with a temporary folder and helpers for configs and runs."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lt-cli-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text, newline="\n"):
        with open(self.path(name), "w", encoding="utf-8", newline=newline) as f:
            f.write(text)
        return self.path(name)

    def config(self, as_of=None, aliases=None, name="config.ini", db="lt.db"):
        lines = ["[data]", "db = " + db, "as_of = " + (as_of.isoformat() if as_of else ""),
                 "seed_demo = false", "[aliases]"]
        for alias, real in (aliases or {}).items():
            lines.append("%s = %s" % (alias, real))
        return self.write(name, "\n".join(lines) + "\n")

    def ok(self, args, stdin=None):
        """Run and insist on exit 0 with a clean stderr; returns the process."""
        p = run(args, stdin)
        self.assertIsNone(sanitizer_report(p.stderr), sanitizer_report(p.stderr))
        self.assertEqual(p.returncode, 0, "leadtimed %s failed (%d):\n%s" % (
            " ".join(map(str, args)), p.returncode, p.stderr.decode("utf-8", "replace")))
        return p

    def usage_error(self, args, flag):
        """Exit code 2 and one line on stderr that names `flag`."""
        p = run(args)
        err = p.stderr.decode("utf-8", "replace")
        self.assertIsNone(sanitizer_report(p.stderr), err)
        self.assertEqual(p.returncode, 2, "%s: exit %d, stderr %r" % (args, p.returncode, err))
        self.assertEqual(p.stdout, b"")
        self.assertEqual(err.count("\n"), 1, "not one line: %r" % err)
        self.assertIn(flag, err)
        return err

    def assert_same_text(self, got, want, what):
        if got == want:
            return
        g, w = got.split("\n"), want.split("\n")
        for i, (a, b) in enumerate(zip(g, w)):
            if a != b:
                self.fail("%s: line %d differs\n got:  %r\n want: %r\n(%d lines, expected %d)"
                          % (what, i + 1, a, b, len(g), len(w)))
        self.fail("%s: %d lines, expected %d" % (what, len(g), len(w)))


# ---------------------------------------------------------------------------
# pit against the brute force, over generated data with noise added


class PitVsReference(Case):
    """Generated data (400 creators, seed 7, 400 days) with noise: ISO
    timestamps, misspelt employees declared as aliases, names with commas
    and quotes, hand-made tickets, shuffled rows and columns."""

    @classmethod
    def setUpClass(cls):
        cls.base = tempfile.mkdtemp(prefix="lt-pit-")
        base = cls.base
        gen = os.path.join(base, "gen.csv")
        p = run(["generate", "--csv", gen, "--creators", 400, "--seed", 7, "--days", 400, "--start", GEN_START])
        if p.returncode != 0:
            raise RuntimeError("generate failed: %s" % p.stderr.decode())
        with open(gen, encoding="utf-8", newline="") as f:
            truth = pit_ref.read_import_csv(f.read())
        rng = random.Random(20240229)

        # names with commas and quotes, renamed consistently
        creators = sorted({t["creator"] for t in truth})
        employees = sorted({t["employee"] for t in truth})
        c_new = {}
        for i, name in enumerate(rng.sample(creators, 12)):
            c_new[name] = [name + ', "Studio" Ltd', 'Zoë "Z" ' + name, name + ",", '"' + name + '"'][i % 4]
        picked = rng.sample(employees, 6)
        e_new = {picked[0]: picked[0] + ', Jr.', picked[1]: 'Kai "Speedy" ' + picked[1]}
        aliases = {}
        for real in picked[2:]:
            first, _, rest = real.partition(" ")
            miss = first + first[-1] + " " + rest  # "Omar Laine" -> "Omarr Laine"
            assert miss not in employees
            aliases[miss] = real
        misspelt = {real: miss for miss, real in aliases.items()}

        for t in truth:
            t["creator"] = c_new.get(t["creator"], t["creator"])
            t["employee"] = e_new.get(t["employee"], t["employee"])

        # hand-made tickets around as_of and ids whose byte order is not
        # their locale order
        a = GEN_AS_OF
        hand = [
            ("hand-a", a - dt.timedelta(days=3), a + dt.timedelta(days=4)),  # closed after as_of
            ("Hand-B", a - dt.timedelta(days=10), a - dt.timedelta(days=10)),  # same day
            ("HAND-b10", a + dt.timedelta(days=2), None),  # opened after as_of
            ("HAND-b2", D("2019-06-30"), D("2019-07-01")),
            ("_hand", D("2019-06-30"), None),
            ("hånd", D("2019-07-01"), D("2019-07-01")),
        ]
        for tid, o, c in hand:
            truth.append({"ticket_id": tid, "creator": 'Hand, "Made" Co', "employee": picked[0] + ", Jr.",
                          "department": "Design", "opened": o, "closed": c})

        # how each ticket is written: ~10% timestamps, some misspelt names
        def fields(t):
            opened = t["opened"].isoformat()
            closed = t["closed"].isoformat() if t["closed"] else ""
            if rng.random() < 0.1:
                opened = pit_ref.iso_for(t["opened"], rng)
            if t["closed"] and rng.random() < 0.1:
                closed = pit_ref.iso_for(t["closed"], rng)
            emp = t["employee"]
            if emp in misspelt and rng.random() < 0.4:
                emp = misspelt[emp]
            return {"ticket_id": t["ticket_id"], "creator": t["creator"], "employee": emp,
                    "department": t["department"], "opened_on": opened, "closed_on": closed}

        rows = list(truth)
        rng.shuffle(rows)
        order = ["closed_on", "employee", "ticket_id", "opened_on", "department", "creator"]
        text = pit_ref.write_import_csv(rows, fields, order=order)
        csv_path = os.path.join(base, "noisy.csv")
        with open(csv_path, "w", encoding="utf-8", newline="") as f:
            f.write(text)

        cfg = os.path.join(base, "config.ini")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write("[data]\ndb = lt.db\nas_of = %s\nseed_demo = false\n[aliases]\n" % GEN_AS_OF)
            for miss, real in aliases.items():
                f.write("%s = %s\n" % (miss, real))
        p = run(["import", "--config", cfg, csv_path])
        cls.import_result = p
        cls.truth = truth
        cls.cfg = cfg
        cls.c_new = c_new
        cls.e_new = e_new
        cls.aliases = aliases

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.base, True)

    def setUp(self):
        super().setUp()
        p = self.import_result
        self.assertEqual(p.returncode, 0, "import of the noisy file failed:\n%s" % p.stderr.decode())

    def test_import_counts(self):
        n = len(self.truth)
        self.assertEqual(self.import_result.stdout.decode().strip().split(": ", 1)[1],
                         "imported %d rows: %d new, 0 updated, 0 unchanged" % (n, n))
        self.assertIsNone(sanitizer_report(self.import_result.stderr))

    def pit(self, frm, to, as_of=None, fmt=None, **filters):
        args = ["pit", "--config", self.cfg, "--from", frm, "--to", to]
        if as_of:
            args += ["--as-of", as_of]
        if fmt:
            args += ["--format", fmt]
        for k, v in filters.items():
            args += ["--" + k, v]
        p = self.ok(args)
        self.assertEqual(p.stderr, b"")
        return p.stdout.decode("utf-8")

    def check(self, frm, to, as_of=GEN_AS_OF, min_rows=0, **filters):
        """pit CSV equals the reference byte for byte."""
        rs = pit_ref.rows(self.truth, as_of, D(frm), D(to), **filters)
        self.assertGreaterEqual(len(rs), min_rows)
        got = self.pit(frm, to, as_of.isoformat() if as_of != GEN_AS_OF else None, **filters)
        self.assert_same_text(got, pit_ref.to_csv(rs), "pit %s..%s %s" % (frm, to, filters))
        return rs

    def check_json(self, frm, to, as_of=GEN_AS_OF, **filters):
        rs = pit_ref.rows(self.truth, as_of, D(frm), D(to), **filters)
        got = json.loads(self.pit(frm, to, fmt="json", **filters))
        want = pit_ref.to_json(rs)
        self.assertEqual(len(got), len(want))
        for i, (g, w) in enumerate(zip(got, want)):
            self.assertEqual(g, w, "row %d" % i)
        return rs

    # ranges
    def test_range_before_the_data(self):
        self.check("2018-06-01", "2018-06-30")

    def test_range_everything_to_past_as_of(self):
        rs = self.check("2018-12-01", "2021-12-31", min_rows=20000)
        self.assertEqual(rs[-1][0], GEN_AS_OF)

    def test_range_cutting_tickets_at_both_ends(self):
        rs = self.check("2019-05-10", "2019-05-24", min_rows=500)
        # tickets cut at both ends are there: open before, still open after
        self.assertTrue(any(r[1]["opened"] < D("2019-05-10") and
                            (r[1]["closed"] is None or r[1]["closed"] > D("2019-05-24")) for r in rs))
        self.check("2019-05-10", "2019-07-20", min_rows=1000)

    def test_range_one_day(self):
        self.check("2019-06-30", "2019-06-30", min_rows=10)
        self.check("2019-07-01", "2019-07-01", min_rows=10)

    def test_range_ending_past_as_of(self):
        self.check("2020-01-15", "2020-06-01", min_rows=100)

    def test_range_from_as_of(self):
        self.check(GEN_AS_OF.isoformat(), GEN_AS_OF.isoformat(), min_rows=10)

    def test_range_from_after_as_of(self):
        self.check("2020-03-01", "2020-04-01")

    def test_earlier_as_of(self):
        # tickets closed after as_of stay open; those opened after it vanish
        rs = self.check("2019-09-01", "2019-12-31", as_of=D("2019-10-15"), min_rows=100)
        self.assertTrue(any(r[1]["closed"] and r[1]["closed"] > D("2019-10-15") for r in rs))

    # filters
    def test_filter_department(self):
        for dept in ("Sales", "Design", "Campaign"):
            self.check("2019-05-10", "2019-07-20", department=dept, min_rows=10)

    def test_filter_employee_through_alias(self):
        for real in self.aliases.values():
            self.check("2019-01-01", "2020-02-04", employee=real, min_rows=1)

    def test_filter_employee_with_comma_and_quotes(self):
        for name in self.e_new.values():
            self.check("2019-01-01", "2020-02-04", employee=name, min_rows=1)

    def test_filter_creator(self):
        for name in list(self.c_new.values())[:4] + ['Hand, "Made" Co']:
            self.check("2018-01-01", "2020-12-31", creator=name, min_rows=1)

    def test_filter_combined(self):
        emp = list(self.e_new.values())[0]
        self.check("2019-01-01", "2020-02-04", department="Design", employee=emp, min_rows=1)

    # JSON
    def test_json(self):
        self.check_json("2019-05-10", "2019-07-20")

    def test_json_filtered_and_empty(self):
        self.check_json("2018-01-01", "2020-12-31", creator='Hand, "Made" Co')
        self.assertEqual(json.loads(self.pit("2018-06-01", "2018-06-30", fmt="json")), [])


# ---------------------------------------------------------------------------
# the hand-made edge-case file


EDGE = os.path.join(HERE, "data", "edge.csv")
EDGE_AS_OF = D("2024-03-10")


class EdgeCases(Case):
    def load(self, text):
        truth = pit_ref.read_import_csv(text)
        csv_path = self.write("edge.csv", text, newline="")
        cfg = self.config(as_of=EDGE_AS_OF)
        self.ok(["import", "--config", cfg, csv_path])
        return truth, cfg

    def check_all(self, truth, cfg):
        queries = [
            ("2024-02-01", "2024-03-31", {}),
            ("2024-03-01", "2024-03-01", {}),
            ("2024-03-10", "2024-03-10", {}),
            ("2024-02-28", "2024-03-02", {"employee": "O'Neil, Pat"}),
            ("2024-02-01", "2024-03-31", {"creator": 'Studio, "Quoted" Ltd'}),
            ("2024-02-01", "2024-03-31", {"department": "Sales"}),
        ]
        for frm, to, filters in queries:
            args = ["pit", "--config", cfg, "--from", frm, "--to", to]
            for k, v in filters.items():
                args += ["--" + k, v]
            got = self.ok(args).stdout.decode("utf-8")
            want = pit_ref.to_csv(pit_ref.rows(truth, EDGE_AS_OF, D(frm), D(to), **filters))
            self.assert_same_text(got, want, "edge %s..%s %s" % (frm, to, filters))
        # another as_of, and JSON
        got = self.ok(["pit", "--config", cfg, "--from", "2024-02-01", "--to", "2024-03-31",
                       "--as-of", "2024-03-05"]).stdout.decode("utf-8")
        want = pit_ref.to_csv(pit_ref.rows(truth, D("2024-03-05"), D("2024-02-01"), D("2024-03-31")))
        self.assert_same_text(got, want, "edge, as_of 2024-03-05")
        got = json.loads(self.ok(["pit", "--config", cfg, "--from", "2024-02-01", "--to", "2024-03-31",
                                  "--format", "json"]).stdout)
        self.assertEqual(got, pit_ref.to_json(pit_ref.rows(truth, EDGE_AS_OF, D("2024-02-01"),
                                                           D("2024-03-31"))))

    def edge_text(self):
        with open(EDGE, encoding="utf-8", newline="") as f:
            return f.read()

    def test_edge_file_shape(self):
        raw = open(EDGE, "rb").read()
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        self.assertIn(b"\r\n", raw)
        truth = pit_ref.read_import_csv(self.edge_text())
        ids = [t["ticket_id"] for t in truth]
        self.assertNotEqual(sorted(ids, key=lambda s: s.encode()), sorted(ids, key=str.lower))
        self.assertTrue(any("\n" in t["creator"] for t in truth))

    def test_edge_csv(self):
        truth, cfg = self.load(self.edge_text())
        self.check_all(truth, cfg)

    def test_edge_csv_without_line_breaks(self):
        """The same cases with the line breaks inside names replaced by
        spaces, so the other edges are checked whatever happens to those."""
        truth = pit_ref.read_import_csv(self.edge_text())
        for t in truth:
            for k in ("creator", "employee"):
                t[k] = t[k].replace("\r\n", " ").replace("\n", " ")
        src = self.edge_text()[1:]  # without the BOM
        recs = list(csv.reader(io.StringIO(src, newline="")))
        flat = [[f.replace("\r\n", " ").replace("\n", " ") for f in r] for r in recs]
        text = "\ufeff" + "".join(",".join(pit_ref.csv_field(f) for f in r) + "\r\n" for r in flat)
        truth2, cfg = self.load(text)
        self.assertEqual(truth2, truth)
        self.check_all(truth, cfg)

    def test_names_with_line_breaks_roundtrip(self):
        """SPEC §2 quotes fields holding CR or LF: such names import and come
        back quoted."""
        tickets = [
            {"ticket_id": "N1", "creator": "Two\nLines, \"Q\"", "employee": "Kim\r\nPark",
             "department": "Sales", "opened": D("2024-03-01"), "closed": D("2024-03-03")},
            {"ticket_id": "N2", "creator": "Plain", "employee": "Eve",
             "department": "Sales", "opened": D("2024-03-02"), "closed": None},
        ]
        text = pit_ref.write_import_csv(tickets, lambda t: {
            "ticket_id": t["ticket_id"], "creator": t["creator"], "employee": t["employee"],
            "department": t["department"], "opened_on": t["opened"].isoformat(),
            "closed_on": t["closed"].isoformat() if t["closed"] else ""})
        csv_path = self.write("n.csv", text, newline="")
        cfg = self.config(as_of=D("2024-03-05"))
        self.ok(["import", "--config", cfg, csv_path])
        got = self.ok(["pit", "--config", cfg, "--from", "2024-03-01", "--to", "2024-03-05"]).stdout
        want = pit_ref.to_csv(pit_ref.rows(tickets, D("2024-03-05"), D("2024-03-01"), D("2024-03-05")))
        self.assert_same_text(got.decode("utf-8"), want, "names with line breaks")


# ---------------------------------------------------------------------------
# import


class Import(Case):
    def generated(self, creators=1000, seed=3):
        path = self.path("gen-%d-%d.csv" % (creators, seed))
        self.ok(["generate", "--csv", path, "--creators", creators, "--seed", seed, "--days", 700, "--start", GEN_START])
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()

    @staticmethod
    def records(text):
        """(first physical line, fields) of each data record."""
        reader = csv.reader(io.StringIO(text, newline=""))
        next(reader)
        out, line = [], reader.line_num
        for rec in reader:
            out.append((line + 1, rec))
            line = reader.line_num
        return out

    @staticmethod
    def join(header, recs):
        return header + "".join(",".join(pit_ref.csv_field(f) for f in r) + "\n" for r in recs)

    def test_bad_row_in_the_middle_changes_nothing(self):
        text = self.generated()
        header = text.split("\n", 1)[0] + "\n"
        recs = self.records(text)
        self.assertGreater(len(recs), 2000)
        cfg = self.config(as_of=D("2020-12-31"))
        db = self.path("lt.db")

        # a store holding the first 300 tickets, with one of them later changed
        first = [r for _, r in recs[:300]]
        self.ok(["import", "--config", cfg, self.write("first.csv", self.join(header, first))])
        before = dump_db(db)

        k = len(recs) // 2
        line, bad = recs[k]
        bad = list(bad)
        bad[4] = "2019-02-30"  # opened_on
        changed = [list(r) for _, r in recs]
        changed[k] = bad
        changed[0][1] += " (renamed)"  # an update that must not land either
        p = run(["import", "--config", cfg, self.write("bad.csv", self.join(header, changed))])
        err = p.stderr.decode()
        self.assertIsNone(sanitizer_report(p.stderr), err)
        self.assertEqual(p.returncode, 1, err)
        problems = [l for l in err.splitlines() if ": line " in l]
        self.assertEqual(len(problems), 1, err)
        self.assertIn("line %d: column opened_on: " % line, problems[0])
        self.assertIn("2019-02-30", problems[0])
        self.assertEqual(dump_db(db), before)

        # the same on an empty store
        os.unlink(db)
        p = run(["import", "--config", cfg, self.path("bad.csv")])
        self.assertEqual(p.returncode, 1)
        con = sqlite3.connect(db)
        self.assertEqual(con.execute("SELECT count(*) FROM tickets").fetchone()[0], 0)
        con.close()

    def test_same_file_twice_changes_nothing(self):
        text = self.generated(creators=600, seed=11)
        n = len(self.records(text))
        cfg = self.config(as_of=D("2020-12-31"))
        f = self.write("g.csv", text, newline="")
        p = self.ok(["import", "--config", cfg, f])
        self.assertIn("imported %d rows: %d new, 0 updated, 0 unchanged" % (n, n), p.stdout.decode())
        once = dump_db(self.path("lt.db"))
        p = self.ok(["import", "--config", cfg, f])
        self.assertIn("imported %d rows: 0 new, 0 updated, %d unchanged" % (n, n), p.stdout.decode())
        self.assertEqual(dump_db(self.path("lt.db")), once)

    def test_reimport_with_closed_on_updates(self):
        text = self.generated(creators=300, seed=5)
        header = text.split("\n", 1)[0] + "\n"
        recs = [list(r) for _, r in self.records(text)]
        cfg = self.config(as_of=D("2022-12-31"))
        self.ok(["import", "--config", cfg, self.write("a.csv", self.join(header, recs))])
        i = next(i for i, r in enumerate(recs) if r[5] == "")
        opened = D(recs[i][4])
        closed = opened + dt.timedelta(days=3)
        recs[i][5] = closed.isoformat()
        p = self.ok(["import", "--config", cfg, self.write("b.csv", self.join(header, recs))])
        self.assertIn("0 new, 1 updated, %d unchanged" % (len(recs) - 1), p.stdout.decode())
        out = self.ok(["pit", "--config", cfg, "--from", closed, "--to", closed + dt.timedelta(days=5),
                       "--creator", recs[i][1]]).stdout.decode()
        rows = [l for l in out.splitlines()[1:] if pit_ref.csv_field(recs[i][0]) in l.split(",")]
        self.assertEqual(len(rows), 1, out)  # closed: no rows after the closing day
        self.assertTrue(rows[0].startswith(closed.isoformat() + ","))
        self.assertTrue(rows[0].endswith(",0,0,3,1,3"), rows[0])

    def test_more_than_100_bad_rows(self):
        lines = ["ticket_id,creator,employee,department,opened_on,closed_on"]
        bad_lines = []
        for i in range(260):
            if i % 2:
                lines.append("X%d,Cy,Eve,Nowhere,2024-01-01," % i)
                bad_lines.append(len(lines))
            else:
                lines.append("X%d,Cy,Eve,Sales,2024-01-01," % i)
        cfg = self.config(as_of=D("2024-12-31"))
        p = run(["import", "--config", cfg, self.write("many.csv", "\n".join(lines) + "\n")])
        err = p.stderr.decode()
        self.assertIsNone(sanitizer_report(p.stderr), err)
        self.assertEqual(p.returncode, 1)
        listed = [l for l in err.splitlines() if ": line " in l]
        self.assertEqual(len(listed), 100)
        for l, n in zip(listed, bad_lines[:100]):
            self.assertIn(": line %d: column department: " % n, l)
        self.assertEqual(len(bad_lines), 130)
        rest = [l for l in err.splitlines() if ": line " not in l]
        self.assertTrue(any("30 more" in l and "130" in l for l in rest), err)
        con = sqlite3.connect(self.path("lt.db"))
        self.assertEqual(con.execute("SELECT count(*) FROM tickets").fetchone()[0], 0)
        con.close()

    def test_import_from_stdin(self):
        cfg = self.config(as_of=D("2024-12-31"))
        p = run(["import", "--config", cfg, "-"],
                stdin=b"ticket_id,creator,employee,department,opened_on,closed_on\r\n"
                      b"S1,Cy,Eve,Sales,2024-01-01,2024-01-02\r\n")
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertIn(b"1 new", p.stdout)

    def test_missing_file(self):
        cfg = self.config()
        p = run(["import", "--config", cfg, self.path("nope.csv")])
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"nope.csv", p.stderr)


# ---------------------------------------------------------------------------
# generate


class Generate(Case):
    def test_same_seed_same_database(self):
        self.ok(["generate", "--db", self.path("a.db"), "--seed", 1, "--start", GEN_START])
        self.ok(["generate", "--db", self.path("b.db"), "--seed", 1, "--start", GEN_START])
        self.ok(["generate", "--db", self.path("c.db"), "--seed", 2, "--start", GEN_START])
        a, b, c = (dump_db(self.path(n)) for n in ("a.db", "b.db", "c.db"))
        self.assertGreater(len(a), 1000)
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)

    def test_same_seed_same_csv_bytes(self):
        one = self.ok(["generate", "--csv", "-", "--seed", 9, "--creators", 200, "--start", GEN_START]).stdout
        two = self.ok(["generate", "--csv", "-", "--seed", 9, "--creators", 200, "--start", GEN_START]).stdout
        other = self.ok(["generate", "--csv", "-", "--seed", 10, "--creators", 200, "--start", GEN_START]).stdout
        self.assertEqual(one, two)
        self.assertNotEqual(one, other)
        self.assertTrue(one.startswith(b"ticket_id,creator,employee,department,opened_on,closed_on\n"))

    def test_generated_data_follows_spec(self):
        out = self.ok(["generate", "--csv", "-", "--seed", 4, "--days", 400, "--start", GEN_START]).stdout.decode()
        truth = pit_ref.read_import_csv(out)
        self.assertEqual({t["department"] for t in truth},
                         {"Sales", "Contract", "Design", "Manufacturing", "Campaign"})
        self.assertEqual(len({t["ticket_id"] for t in truth}), len(truth))
        self.assertGreaterEqual(min(t["opened"] for t in truth), GEN_START)
        last = max(max(t["opened"], t["closed"] or t["opened"]) for t in truth)
        self.assertLessEqual(last, GEN_AS_OF)
        self.assertTrue(all(t["closed"] is None or t["closed"] >= t["opened"] for t in truth))
        self.assertTrue(any(t["closed"] is None for t in truth))
        # the generated file imports as it is
        cfg = self.config(as_of=GEN_AS_OF)
        self.ok(["import", "--config", cfg, self.write("g.csv", out, newline="")])


# ---------------------------------------------------------------------------
# usage and config errors


class Usage(Case):
    def setUp(self):
        super().setUp()
        self.cfg = self.config(as_of=D("2019-03-31"))
        self.ok(["generate", "--db", self.path("lt.db"), "--creators", 20, "--days", 60, "--start", GEN_START])
        self.pit = ["pit", "--config", self.cfg]

    def test_unknown_flag(self):
        self.usage_error(self.pit + ["--from", "2019-01-01", "--to", "2019-01-02", "--bogus"], "--bogus")
        self.usage_error(self.pit + ["--from", "2019-01-01", "--to", "2019-01-02", "--bogus=1"], "--bogus")
        self.usage_error(["import", "--bogus", self.path("x.csv")], "--bogus")
        self.usage_error(["generate", "--bogus"], "--bogus")

    def test_bad_date(self):
        self.usage_error(self.pit + ["--from", "2019-02-30", "--to", "2019-03-01"], "--from")
        self.usage_error(self.pit + ["--from", "2019-02-01", "--to", "2019-3-01"], "--to")
        self.usage_error(self.pit + ["--from", "2019-02-01", "--to", "tomorrow"], "--to")
        self.usage_error(self.pit + ["--from", "2019-02-01", "--to", "2019-03-01",
                                     "--as-of", "2019-13-01"], "--as-of")

    def test_from_after_to(self):
        err = self.usage_error(self.pit + ["--from", "2019-03-02", "--to", "2019-03-01"], "--from")
        self.assertIn("--to", err)

    def test_missing_from_or_to(self):
        self.usage_error(self.pit + ["--to", "2019-03-01"], "--from")
        self.usage_error(self.pit + ["--from", "2019-03-01"], "--to")
        self.usage_error(self.pit + ["--to", "2019-03-01", "--from"], "--from")

    def test_unknown_names(self):
        rng = ["--from", "2019-01-01", "--to", "2019-01-31"]
        self.usage_error(self.pit + rng + ["--department", "Legal"], "--department")
        self.usage_error(self.pit + rng + ["--employee", "Nobody Atall"], "--employee")
        self.usage_error(self.pit + rng + ["--creator", "Nobody Atall"], "--creator")

    def test_bad_format(self):
        self.usage_error(self.pit + ["--from", "2019-01-01", "--to", "2019-01-31", "--format", "xml"],
                         "--format")

    def test_bad_numbers(self):
        self.usage_error(["generate", "--creators", "abc", "--db", self.path("n.db")], "--creators")
        self.usage_error(["generate", "--seed", "-1", "--db", self.path("n.db")], "--seed")
        self.usage_error(["generate", "--days", "0", "--db", self.path("n.db")], "--days")

    def test_unknown_command(self):
        p = run(["frobnicate"])
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"frobnicate", p.stderr)

    def config_error(self, text, line, key):
        cfg = self.write("bad.ini", text)
        for args in (["pit", "--config", cfg, "--from", "2019-01-01", "--to", "2019-01-02"],
                     ["import", "--config", cfg, self.write("e.csv", "")],
                     ["generate", "--config", cfg, "--csv", self.path("o.csv")]):
            p = run(args)
            err = p.stderr.decode()
            self.assertIsNone(sanitizer_report(p.stderr), err)
            self.assertEqual(p.returncode, 2, "%s: %s" % (args[0], err))
            self.assertIn("%s:%d: key '%s':" % (cfg, line, key), err)

    def test_config_unknown_key(self):
        self.config_error("[server]\nport = 8080\nbogus = 1\n", 3, "bogus")

    def test_config_bad_value(self):
        self.config_error("[data]\nas_of = 2024-02-30\n", 2, "as_of")
        self.config_error("; comment\n[server]\n\nport = 80x\n", 4, "port")
        self.config_error("[pipeline]\ndepartments = A, B\nsla_days = 1, 2, 3\n", 3, "sla_days")

    def test_config_not_utf8(self):
        """A Latin-1 byte in config.ini: FILE:LINE:COLUMN, exit 2, for every
        command that reads the file (a Latin-1 department used to vanish
        from every route without a word)."""
        cfg = self.path("latin1.ini")
        with open(cfg, "wb") as f:
            f.write(b"[data]\ndb = lt.db\n[pipeline]\ndepartments = Sales, Contr\xe9t\n"
                    b"sla_days = 1, 2\n")
        for args in (["pit", "--config", cfg, "--from", "2019-01-01", "--to", "2019-01-02"],
                     ["import", "--config", cfg, self.write("e.csv", "")],
                     ["generate", "--config", cfg, "--csv", self.path("o.csv")],
                     ["serve", "--config", cfg, "--port", "0"]):
            p = run(args)
            err = p.stderr.decode("utf-8", "replace")
            self.assertIsNone(sanitizer_report(p.stderr), err)
            self.assertEqual(p.returncode, 2, "%s: %s" % (args[0], err))
            self.assertIn("%s:4:27: not valid UTF-8 (byte 0xe9)" % cfg, err)

    def test_config_alias_with_a_control_character(self):
        cfg = self.write("alias.ini", "[data]\ndb = lt.db\n[aliases]\nAnn\x1b[2J = Ana Lima\n")
        p = run(["pit", "--config", cfg, "--from", "2019-01-01", "--to", "2019-01-02"])
        err = p.stderr.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 2, err)
        self.assertIn("%s:4: alias 'Ann?[2J': the alias contains a control character" % cfg, err)

    def test_help_and_version(self):
        for args in (["--help"], ["pit", "--help"], ["import", "--help"], ["generate", "--help"],
                     ["serve", "--help"]):
            p = self.ok(args)
            self.assertIn(b"usage", p.stdout.lower())
        for args in (["--version"], ["pit", "--version"], ["import", "--version"]):
            p = self.ok(args)
            self.assertTrue(p.stdout.startswith(b"leadtimed "), p.stdout)
            self.assertEqual(p.stdout.count(b"\n"), 1)


if __name__ == "__main__":
    unittest.main()
