"""Faults of the store under a running daemon, and the pipeline of pit
(issue 12 points 2, 7 and 9).

- pit after a department left the pipeline: `GET /api/v1/pit` (CSV, JSON
  pages) and `leadtimed pit` give exactly the rows of the remaining
  departments (brute force, pit_ref.py), after SIGHUP and on a fresh
  start; `department=` naming the dropped one answers like /api/v1/wip.
- the db file made read-only under the daemon (chmod as an unprivileged
  user; as root, `chattr +i`, which stops root too): writes answer 503
  `store_read_only` (not 500), /healthz 503; once writable again the next
  write succeeds (the writer connection is opened afresh), and the store
  starts again with every acknowledged write.
- the db file removed, or replaced by another store (renamed over it,
  removed and copied anew), before and after the writer connection opened:
  writes answer 503 `store_gone` and nothing is written anywhere, the log
  names the path and the old and new inode (or "missing"), /healthz 503;
  a restart serves the new file.
- a full disk (a 6 MiB tmpfs in a mount namespace of the daemon's own) and
  `[data] max_size_mb`: the write answers 507 `store_full`, /healthz 503;
  room made (the filler removed; a larger limit and SIGHUP): 200 again.
- a store that fails `PRAGMA quick_check` is not served (exit code 1, the
  finding in the log).
- acknowledged HTTP writes are synchronous = FULL: strace sees the daemon
  fdatasync its -wal before a one-row import answers.
"""
import datetime as dt
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
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


run = daemon.run


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


NOBODY = 65534


def tickets_csv(prefix, n):
    """n new tickets (ids prefix-1 ... prefix-n) as import CSV bytes."""
    lines = ["ticket_id,creator,employee,department,opened_on,closed_on"]
    for i in range(1, n + 1):
        lines.append("%s-%d,Fault Creator %d,Fault Employee %d,Sales,2026-01-%02d,"
                     % (prefix, i, i % 97, i % 5, 1 + i % 28))
    return ("\n".join(lines) + "\n").encode()


def count_tickets(db):
    # a daemon may be serving (and writing) the store: wait for its locks
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=60)
    try:
        return con.execute("SELECT count(*) FROM tickets").fetchone()[0]
    finally:
        con.close()


def chattr(flag, paths):
    return subprocess.run(["chattr", flag] + [p for p in paths if os.path.exists(p)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE).returncode == 0


def wait_for(pred, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    return pred()


class StoreFaults(unittest.TestCase):
    """Faults of the database file under a running daemon."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lt-faults-")
        os.chmod(cls.tmp, 0o755)
        cls.base = os.path.join(cls.tmp, "base.db")
        cfg = os.path.join(cls.tmp, "gen.ini")
        write_config(cfg, cls.base)
        r = run(["generate", "--config", cfg, "--creators", "120", "--days", "200", "--seed", "4",
                 "--as-of", AS_OF])
        assert r.returncode == 0, r.stderr
        cls.base_count = count_tickets(cls.base)
        cls.seq = 0

    @classmethod
    def tearDownClass(cls):
        for root, dirs, files in os.walk(cls.tmp):
            chattr("-i", [os.path.join(root, f) for f in files])
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fresh(self, name, owner=None, **cfgkw):
        """A folder with a copy of the base store and its config.ini."""
        d = os.path.join(self.tmp, name)
        os.mkdir(d)
        db = os.path.join(d, "leadtime.db")
        shutil.copy(self.base, db)
        cfg = os.path.join(d, "config.ini")
        write_config(cfg, db, **cfgkw)
        if owner is not None:
            for p in (d, db, cfg):
                os.chown(p, owner, owner)
        return d, db, cfg

    def post(self, d, n=3, body=None):
        """POST /api/v1/import of n new tickets: (status, JSON body, n)."""
        StoreFaults.seq += 1
        body = body if body is not None else tickets_csv("F%d" % self.seq, n)
        st, _, raw = d.request("POST", "/api/v1/import", body=body,
                               headers={"Authorization": "Bearer " + TOKEN,
                                        "Content-Type": "text/csv"})
        return st, json.loads(raw) if raw else None, n

    def health(self, d):
        st, _, raw = d.request("GET", "/healthz")
        return st, raw.decode("utf-8", "replace")

    def assert_fault(self, got, status, code, *words):
        st, body, _ = got
        self.assertEqual(st, status, body)
        err = body["error"]
        self.assertEqual(err["code"], code, body)
        for w in words:
            self.assertIn(w, err["message"], body)
        self.assertNotIn(self.tmp, err["message"], "an error body names a path (docs/SECURITY.md)")

    def assert_health(self, d, status, code=None, *words):
        st, text = self.health(d)
        self.assertEqual(st, status, text)
        if code:
            err = json.loads(text)["error"]
            self.assertEqual(err["code"], code, text)
            for w in words:
                self.assertIn(w, err["message"], text)
            self.assertNotIn(self.tmp, err["message"], "an error body names a path (docs/SECURITY.md)")

    def restart_count(self, cfg, db, want, wrap=()):
        """A fresh daemon starts on the store and serves `want` tickets."""
        d = Daemon(cfg, wrap=wrap)
        try:
            st, _, raw = d.request("GET", "/api/v1/meta")
            self.assertEqual(st, 200, raw)
            self.assertEqual(json.loads(raw)["tickets"], want, "tickets after the restart")
            self.assertEqual(self.health(d)[0], 200)
        finally:
            self.assertEqual(d.stop(), 0, d.text())
        self.assertEqual(count_tickets(db), want)

    # ---- read-only ----

    def read_only_cycle(self, name, owner, wrap, ro, rw):
        """The write path across a read-only spell, before and after the
        writer connection opened."""
        _, db, cfg = self.fresh(name, owner=owner)
        files = [db, db + "-wal", db + "-shm"]
        acked = self.base_count
        d = Daemon(cfg, wrap=wrap)
        try:
            # the writer is not open yet: it would open read-only
            ro(files)
            self.assert_fault(self.post(d), 503, "store_read_only", "read-only", "nothing was written")
            self.assert_fault(self.post(d), 503, "store_read_only")
            self.assert_health(d, 503, "store_read_only", "not writable")
            self.assertIn(db + ": cannot open for writing: the file is read-only", d.wait_log("read-only"))
            rw(files)
            self.assertEqual(wait_for(lambda: self.health(d)[0] == 200), True, self.health(d))
            st, body, n = self.post(d)
            self.assertEqual(st, 200, body)
            acked += n
            # the writer is open now; the files turn read-only under it
            ro(files)
            st, body, n = self.post(d)
            if st == 200:        # chmod: the descriptor open for writing still writes
                acked += n
            else:
                self.assert_fault((st, body, n), 503, "store_read_only")
            self.assert_health(d, 503, "store_read_only")
            rw(files)
            self.assertEqual(wait_for(lambda: self.health(d)[0] == 200), True, self.health(d))
            st, body, n = self.post(d)
            self.assertEqual(st, 200, body)
            acked += n
            self.assertIn("the store takes writes again", d.wait_log("the store takes writes again"))
        finally:
            rw(files)
            self.assertEqual(d.stop(), 0, d.text())
        self.restart_count(cfg, db, acked, wrap=wrap)

    def test_read_only_as_an_unprivileged_user(self):
        if os.geteuid() != 0:
            self.read_only_cycle("ro-user", None, (),
                                 lambda fs: [os.chmod(f, 0o444) for f in fs if os.path.exists(f)],
                                 lambda fs: [os.chmod(f, 0o644) for f in fs if os.path.exists(f)])
            return
        setpriv = shutil.which("setpriv")
        if not setpriv:
            self.skipTest("running as root without setpriv(1): cannot run the daemon as a user "
                          "chmod stops (the root case is test_read_only_immutable)")
        wrap = (setpriv, "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups")
        probe = subprocess.run(list(wrap) + [BIN, "--version"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        if probe.returncode != 0:
            self.skipTest("uid %d cannot run %s (a folder above it is not open to others: %s); "
                          "the root case is test_read_only_immutable"
                          % (NOBODY, BIN, probe.stderr.decode("utf-8", "replace").strip()))

        def mode(m):
            return lambda fs: [os.chmod(f, m) for f in fs if os.path.exists(f)]
        self.read_only_cycle("ro-user", NOBODY, wrap, mode(0o444), mode(0o644))

    def test_read_only_immutable(self):
        """As root (CI): `chattr +i` on the db and its -wal (not the -shm:
        SQLite maps it, and a write to an immutable mapping is SIGBUS)."""
        probe = os.path.join(self.tmp, "chattr-probe")
        open(probe, "w").close()
        if not chattr("+i", [probe]):
            self.skipTest("chattr +i is not supported on %s (not root, or the file system "
                          "has no immutable flag)" % self.tmp)
        chattr("-i", [probe])
        self.read_only_cycle("ro-immutable", None, (),
                             lambda fs: self.assertTrue(chattr("+i", fs[:2])),
                             lambda fs: chattr("-i", fs[:2]))

    # ---- removed, replaced ----

    def gone_case(self, name, how, write_first):
        d_dir, db, cfg = self.fresh(name)
        other = os.path.join(self.tmp, name + "-other.db")
        src = sqlite3.connect(self.base)
        dst = sqlite3.connect(other)
        src.backup(dst)
        dst.execute("DELETE FROM tickets WHERE ticket_id LIKE 'SAL%'")
        dst.commit()
        dst.close()
        src.close()
        other_count = count_tickets(other)
        self.assertLess(other_count, self.base_count)
        old_ino = os.stat(db).st_ino
        acked = self.base_count
        d = Daemon(cfg)
        try:
            if write_first:
                st, body, n = self.post(d)
                self.assertEqual(st, 200, body)
                acked += n
            if how == "removed":
                os.remove(db)
            elif how == "renamed over":
                tmp = db + ".restore"
                shutil.copy(other, tmp)
                os.replace(tmp, db)
            else:  # removed, then copied anew
                os.remove(db)
                shutil.copy(other, db)
            new = "missing" if how == "removed" else "now inode %d" % os.stat(db).st_ino
            word = "removed" if how == "removed" else "replaced"
            self.assert_fault(self.post(d), 503, "store_gone", word, new, "inode %d" % old_ino)
            self.assert_fault(self.post(d), 503, "store_gone")
            self.assert_health(d, 503, "store_gone", word)
            log = d.wait_log("inode %d" % old_ino)
            # the line of the change (each refused request has its own line too)
            line = [l for l in log.splitlines()
                    if "inode %d" % old_ino in l and not re.search(r"(GET|POST) /", l)]
            self.assertTrue(line, log)
            self.assertIn(db, line[0])
            self.assertIn(new, line[0])
            self.assertEqual(len(line), 1, "one log line for the change, not one per request")
            # reads go on, from the file opened at start
            st, _, raw = d.request("GET", "/api/v1/meta")
            self.assertEqual(st, 200, raw)
            self.assertEqual(json.loads(raw)["tickets"], acked)
            # nothing written anywhere: no new file, the new one untouched
            if how == "removed":
                self.assertFalse(os.path.exists(db), "a write made a new file (split brain)")
            else:
                self.assertEqual(count_tickets(db), other_count)
        finally:
            self.assertEqual(d.stop(), 0, d.text())
        if how != "removed":
            self.assertEqual(count_tickets(db), other_count)
            self.restart_count(cfg, db, other_count)
            # and the new file takes writes
            d = Daemon(cfg)
            try:
                st, body, n = self.post(d)
                self.assertEqual(st, 200, body)
            finally:
                self.assertEqual(d.stop(), 0, d.text())
            self.assertEqual(count_tickets(db), other_count + n)

    def test_removed_while_serving(self):
        self.gone_case("gone-rm", "removed", True)

    def test_removed_before_the_writer_opened(self):
        self.gone_case("gone-rm-first", "removed", False)

    def test_replaced_by_rename_while_serving(self):
        self.gone_case("gone-mv", "renamed over", True)

    def test_replaced_by_copy_before_the_writer_opened(self):
        self.gone_case("gone-cp-first", "copied", False)

    def test_replaced_by_copy_while_serving(self):
        self.gone_case("gone-cp", "copied", True)

    # ---- full ----

    def test_full_disk(self):
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest("needs root and unshare(1) to mount a small tmpfs of the daemon's own")
        probe = subprocess.run(["unshare", "-m", "sh", "-c",
                                "mount -t tmpfs -o size=1m tmpfs %s" % self.tmp],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if probe.returncode != 0:
            self.skipTest("cannot mount a tmpfs in a mount namespace: %s" % probe.stderr.decode())
        d_dir, _, _ = self.fresh("full")
        mnt = os.path.join(d_dir, "mnt")
        os.mkdir(mnt)
        db = os.path.join(mnt, "leadtime.db")
        cfg = os.path.join(d_dir, "full.ini")
        write_config(cfg, db)
        script = ("mount -t tmpfs -o size=6m tmpfs '%s' && cp '%s' '%s' && exec \"$@\""
                  % (mnt, self.base, db))
        d = Daemon(cfg, wrap=("unshare", "-m", "sh", "-c", script, "sh"))
        try:
            inside = "/proc/%d/root%s" % (d.proc.pid, mnt)
            self.assertTrue(os.path.exists(inside + "/leadtime.db"))
            self.assertEqual(self.health(d)[0], 200)
            fs = os.statvfs(inside)
            free = fs.f_bfree * fs.f_frsize
            filler = inside + "/filler"
            with open(filler, "wb") as f:
                f.write(b"\0" * (free - (256 << 10)))
            big = tickets_csv("FULL", 6000)
            self.assert_fault(self.post(d, body=big), 507, "store_full", "full", "nothing was written")
            self.assert_health(d, 503, "store_full", "free")
            st, _, raw = d.request("GET", "/api/v1/meta")
            self.assertEqual(json.loads(raw)["tickets"], self.base_count, "a part was written")
            os.remove(filler)
            self.assertEqual(wait_for(lambda: self.health(d)[0] == 200), True, self.health(d))
            st, body, _ = self.post(d, body=big)
            self.assertEqual(st, 200, body)
            self.assertEqual(body["inserted"], 6000)
        finally:
            self.assertEqual(d.stop(), 0, d.text())

    def test_max_size_mb(self):
        size_mb = -(-os.path.getsize(self.base) // (1 << 20)) + 2
        _, db, cfg = self.fresh("quota", data="max_size_mb = %d\n" % size_mb)
        d = Daemon(cfg)
        try:
            self.assertEqual(self.health(d)[0], 200)
            got = None
            for i in range(200):
                got = self.post(d, n=1500)
                if got[0] != 200:
                    break
            self.assert_fault(got, 507, "store_full", "max_size_mb", "nothing was written")
            self.assert_health(d, 503, "store_full", "max_size_mb = %d" % size_mb)
            self.assertLessEqual(os.path.getsize(db), size_mb << 20)
            write_config(cfg, db, data="max_size_mb = %d\n" % (size_mb + 8))
            os.kill(d.proc.pid, signal.SIGHUP)
            d.wait_log("reload: configuration in force", timeout=120)
            self.assertEqual(wait_for(lambda: self.health(d)[0] == 200), True, self.health(d))
            st, body, _ = self.post(d, n=1500)
            self.assertEqual(st, 200, body)
        finally:
            self.assertEqual(d.stop(), 0, d.text())

    # ---- damaged ----

    def test_damaged_store_is_not_served(self):
        _, db, cfg = self.fresh("damaged")
        con = sqlite3.connect(db)
        page = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND "
                           "tbl_name = 'tickets' AND sql IS NOT NULL ORDER BY rootpage DESC"
                           ).fetchone()[0]
        con.execute("PRAGMA journal_mode = DELETE")
        con.close()
        with open(db, "r+b") as f:
            f.seek((root - 1) * page)
            f.write(b"\xa5" * page)
        con = sqlite3.connect(db)
        self.assertNotEqual(con.execute("PRAGMA quick_check").fetchone()[0], "ok")
        con.close()
        with self.assertRaises(RuntimeError) as e:
            Daemon(cfg).stop()
        self.assertIn("quick_check", str(e.exception))
        self.assertIn("damaged", str(e.exception))
        r = run(["serve", "--config", cfg, "--port", "0"], timeout=120)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"restore a backup", r.stderr)

    # ---- durability ----

    def test_http_writes_are_synchronous_full(self):
        strace = shutil.which("strace")
        if not strace:
            self.skipTest("strace(1) is not installed: cannot watch the daemon's fdatasync calls")
        _, db, cfg = self.fresh("durable")
        d = Daemon(cfg)
        out = os.path.join(self.tmp, "durable.strace")
        tracer = None
        try:
            self.assertEqual(self.post(d)[0], 200)  # the writer is open
            threads = len(os.listdir("/proc/%d/task" % d.proc.pid))
            tracer = subprocess.Popen([strace, "-f", "-y", "-e", "trace=fsync,fdatasync", "-o", out,
                                       "-p", str(d.proc.pid)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # "Process N attached with T threads", or one line per thread
            seen = 0
            while seen < threads:
                line = tracer.stderr.readline().decode("utf-8", "replace")
                if not line:
                    break
                m = re.search(r"attached(?: with (\d+) threads)?", line)
                if m:
                    seen += int(m.group(1) or 1)
            if seen < threads:
                self.skipTest("strace cannot attach to the daemon (ptrace not allowed here): " + line)
            st, body, _ = self.post(d, n=1)
            self.assertEqual(st, 200, body)
        finally:
            if tracer:
                tracer.send_signal(signal.SIGINT)
                tracer.wait(30)
            self.assertEqual(d.stop(), 0, d.text())
        with open(out) as f:
            trace = f.read()
        syncs = re.findall(r"f(?:data)?sync\(\d+<([^>]*)>\)", trace)
        self.assertIn(db + "-wal", syncs, "no sync of the WAL before the answer:\n" + trace)


if __name__ == "__main__":
    unittest.main()
