"""Operations tests of leadtimed (SPEC §4 writes, §5; issue 5).

- systemd notification protocol on a NOTIFY_SOCKET of our own: READY=1 once
  serving, RELOADING=1 then READY=1 on SIGHUP (a bad config.ini on reload is
  logged and the running one kept), STOPPING=1 on SIGTERM, exit 0; order
  checked.
- graceful stop: SIGTERM while a large CSV stream is in flight; the stream
  completes with every row, new connections are refused, exit 0.
- kill -9 during a large import (CLI and HTTP): the store passes
  `PRAGMA integrity_check` and holds exactly the old or the new data.
- concurrent imports and readers: no error, no 5xx; readers see the old or
  the new data; ETags and data_version change after the write.
- the write API: 401/403/413/415/422 (the same row errors as the CLI),
  all or nothing, aliases.

The daemon is $LEADTIME_BIN (the ASan build in `make test`).  Every process
is stopped by its own pid.
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest

import daemon

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")
AS_OF = "2026-11-22"
TOKEN = "t0ken-for-tests"


def run(args, timeout=300):
    return subprocess.run([BIN] + [str(a) for a in args], env=daemon.clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def write_config(path, db, token=TOKEN, extra=""):
    with open(path, "w") as f:
        f.write("[data]\ndb = %s\nas_of = %s\nseed_demo = false\n"
                "[server]\nmax_body_mb = 1\n[auth]\nwrite_token = %s\n%s"
                % (db, AS_OF, token, extra))


def store_digest(db):
    """(integrity_check, ticket count, digest of every ticket row)."""
    con = sqlite3.connect(db)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = con.execute("SELECT ticket_id, creator_id, employee_id, department_id, "
                           "opened_on, closed_on FROM tickets ORDER BY ticket_id").fetchall()
    finally:
        con.close()
    return ok, len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


class Daemon(daemon.Daemon):
    def request(self, method, path, body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            c.close()


class Lifecycle(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lt-life-")
        cls.base = os.path.join(cls.tmp, "base.db")
        r = run(["generate", "--creators", "2500", "--seed", "5", "--as-of", AS_OF,
                 "--db", cls.base])
        assert r.returncode == 0, r.stderr
        # a second data set as CSV: new tickets for the import tests
        cls.csv = os.path.join(cls.tmp, "more.csv")
        r = run(["generate", "--creators", "12000", "--seed", "9", "--as-of", AS_OF,
                 "--csv", cls.csv])
        assert r.returncode == 0, r.stderr
        # ticket ids of their own (the generator numbers both sets alike)
        with open(cls.csv, "rb") as f:
            lines = f.read().split(b"\n")
        cls.csv_bytes = b"\n".join(lines[:1] + [b"M" + l for l in lines[1:] if l]) + b"\n"
        with open(cls.csv, "wb") as f:
            f.write(cls.csv_bytes)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fresh(self, name, token=TOKEN, extra=""):
        """A copy of the base store and a config for it."""
        db = os.path.join(self.tmp, name + ".db")
        for sfx in ("", "-wal", "-shm"):
            if os.path.exists(db + sfx):
                os.unlink(db + sfx)
        shutil.copy(self.base, db)
        ini = os.path.join(self.tmp, name + ".ini")
        write_config(ini, db, token, extra)
        return db, ini

    def assert_clean(self, d, rc):
        self.assertEqual(rc, 0, d.text())
        for marker in ("Sanitizer", "runtime error:"):
            self.assertNotIn(marker, d.text())
        self.assertNotRegex(d.text(), r"\s5\d\d \d+ ", "a 5xx was logged")

    # ---- systemd ----

    def test_notify_socket_sequence(self):
        db, ini = self.fresh("notify", token="")
        sock_path = os.path.join(self.tmp, "notify.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(sock_path)
        s.settimeout(30)
        msgs = []

        def expect(word):
            while True:
                data = s.recv(4096).decode()
                msgs.append(data)
                if word in data.split("\n"):
                    return data

        d = Daemon(ini, env={"NOTIFY_SOCKET": sock_path})

        self.addCleanup(d.stop)  # also when an assertion fails first
        try:
            expect("READY=1")
            st, _, body = d.request("GET", "/healthz")
            self.assertEqual((st, body), (200, b"ok\n"))
            # a good reload: thresholds change and the new value is served
            write_config(ini, db, "", "[thresholds]\np50_ratio = 2.5\n")
            os.kill(d.proc.pid, signal.SIGHUP)
            expect("RELOADING=1")
            expect("READY=1")
            st, _, body = d.request("GET", "/api/v1/departments/Sales")
            self.assertEqual(json.loads(body)["thresholds"]["p50_ratio"], 2.5)
            # a bad reload: logged, the running config kept, still serving
            with open(ini, "a") as f:
                f.write("[server]\nport = 80x\n")
            os.kill(d.proc.pid, signal.SIGHUP)
            expect("RELOADING=1")
            expect("READY=1")
            st, _, body = d.request("GET", "/api/v1/departments/Sales")
            self.assertEqual(st, 200)
            self.assertEqual(json.loads(body)["thresholds"]["p50_ratio"], 2.5)
            self.assertRegex(d.wait_log(r"port.*80x"), r"port.*80x")
            # no token configured: writes are refused with 403
            st, _, body = d.request("POST", "/api/v1/tickets", b"[]",
                                    {"Content-Type": "application/json",
                                     "Authorization": "Bearer x"})
            self.assertEqual(st, 403)
            os.kill(d.proc.pid, signal.SIGTERM)
            expect("STOPPING=1")
        finally:
            rc = d.stop()
            s.close()
        self.assert_clean(d, rc)
        order = [m for m in msgs if m in ("READY=1", "RELOADING=1", "STOPPING=1")]
        self.assertEqual(order, ["READY=1", "RELOADING=1", "READY=1", "RELOADING=1", "READY=1",
                                 "STOPPING=1"], msgs)
        self.assertIn("stopped", d.wait_log("stopped"))

    # ---- graceful stop ----

    def test_sigterm_finishes_a_stream_in_flight(self):
        db, ini = self.fresh("stream")
        frm = "2023-11-25"
        want = run(["pit", "--db", db, "--from", frm, "--to", AS_OF, "--config", ini]).stdout
        self.assertGreater(want.count(b"\n"), 100000, "the stream must be long")
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        try:
            c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
            c.request("GET", "/api/v1/pit?format=csv&from=%s&to=%s" % (frm, AS_OF))
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            got = r.read(65536)
            os.kill(d.proc.pid, signal.SIGTERM)
            time.sleep(0.5)
            # no new connections once stopping
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", d.port), timeout=2).close()
            got += r.read()
            c.close()
        finally:
            rc = d.stop()
        self.assertEqual(got, want, "the stream in flight was cut")
        self.assert_clean(d, rc)

    # ---- kill -9 ----

    def check_old_or_new(self, db, old, new):
        ok, n, digest = store_digest(db)
        self.assertEqual(ok, "ok")
        self.assertIn((n, digest), (old[1:], new[1:]),
                      "the store holds neither the old nor the new data")
        return (n, digest) == new[1:]

    def test_kill_9_during_cli_import(self):
        # the expected end states: before, and after a complete import
        db_new, _ = self.fresh("kill-ref")
        r = run(["import", "--db", db_new, self.csv])
        self.assertEqual(r.returncode, 0, r.stderr)
        new = store_digest(db_new)
        for delay in (0.3, 1.0, 2.5):
            db, _ = self.fresh("kill-cli")
            old = store_digest(db)
            p = subprocess.Popen([BIN, "import", "--db", db, self.csv], env=daemon.clean_env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
            p.wait()
            self.check_old_or_new(db, old, new)

    def test_kill_9_during_http_import(self):
        db, ini = self.fresh("kill-http")
        old = store_digest(db)
        body = self.csv_bytes[:900000]
        body = body[:body.rindex(b"\n") + 1]  # under max_body_mb = 1
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        t = threading.Thread(target=lambda: self.swallow(d, body), daemon=True)
        t.start()
        time.sleep(0.8)
        d.stop(signal.SIGKILL)
        t.join(30)
        ok, n, digest = store_digest(db)
        self.assertEqual(ok, "ok")
        # old, or exactly the rows of the partial body
        part, _ = self.fresh("kill-http-part")
        p = os.path.join(self.tmp, "part.csv")
        with open(p, "wb") as f:
            f.write(body)
        self.assertEqual(run(["import", "--db", part, p]).returncode, 0)
        self.assertIn((n, digest), (old[1:], store_digest(part)[1:]))

    @staticmethod
    def swallow(d, body):
        try:
            d.request("POST", "/api/v1/import", body,
                      {"Content-Type": "text/csv", "Authorization": "Bearer " + TOKEN})
        except OSError:
            pass

    # ---- concurrency ----

    def test_concurrent_imports_and_readers(self):
        db, ini = self.fresh("conc")
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        errors, statuses = [], {}
        stop = threading.Event()
        paths = ["/api/v1/meta", "/api/v1/overview?bucket=month", "/api/v1/departments/Design",
                 "/api/v1/pit?format=json&limit=500", "/healthz", "/api/v1/stages"]

        def reader(k):
            i = 0
            while not stop.is_set():
                path = paths[(k + i) % len(paths)]
                i += 1
                try:
                    st, _, body = d.request("GET", path)
                    statuses[st] = statuses.get(st, 0) + 1
                    if st != 200:
                        errors.append("%s: %d %r" % (path, st, body[:100]))
                    elif path == "/api/v1/meta":
                        # a reader sees a whole version: ticket count matches
                        m = json.loads(body)
                        if m["tickets"] not in counts:
                            errors.append("meta saw %d tickets" % m["tickets"])
                except Exception as e:  # noqa: BLE001 - every failure is reported
                    errors.append("%s: %r" % (path, e))

        st, hdr, body = d.request("GET", "/api/v1/overview?bucket=month")
        etag0 = hdr["etag"]
        v0 = json.loads(d.request("GET", "/api/v1/meta")[2])["data_version"]
        lines = self.csv_bytes.split(b"\n")
        header, rows = lines[0], [x for x in lines[1:] if x]
        chunks = [rows[i:i + 3000] for i in range(0, 9000, 3000)]
        counts = [store_digest(db)[1]]
        for c in chunks:
            counts.append(counts[-1] + len(c))
        threads = [threading.Thread(target=reader, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        try:
            for c in chunks:
                st, _, body = d.request("POST", "/api/v1/import",
                                        b"\n".join([header] + c) + b"\n",
                                        {"Content-Type": "text/csv",
                                         "Authorization": "Bearer " + TOKEN}, timeout=120)
                self.assertEqual(st, 200, body)
                time.sleep(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        self.assertEqual(errors, [])
        self.assertGreater(sum(statuses.values()), 50)
        meta = json.loads(d.request("GET", "/api/v1/meta")[2])
        self.assertEqual(meta["tickets"], counts[-1])
        self.assertGreater(meta["data_version"], v0)
        st, hdr, _ = d.request("GET", "/api/v1/overview?bucket=month",
                               headers={"If-None-Match": etag0})
        self.assertEqual(st, 200, "the old ETag still matched after a write")
        self.assertNotEqual(hdr["etag"], etag0)
        self.assert_clean(d, d.stop())

    # ---- the write API ----

    def test_write_api_statuses(self):
        db, ini = self.fresh("write")
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        auth = {"Authorization": "Bearer " + TOKEN}
        csv_type = dict(auth, **{"Content-Type": "text/csv"})
        good = b"ticket_id,creator,employee,department,opened_on,closed_on\n" \
               b"W-1,New Creator,Ana Lima,Sales,2026-11-01,\n"
        try:
            st, hdr, _ = d.request("POST", "/api/v1/import", good, {"Content-Type": "text/csv"})
            self.assertEqual(st, 401)
            self.assertIn("bearer", hdr.get("www-authenticate", "").lower())
            st, _, _ = d.request("POST", "/api/v1/import", good,
                                 {"Content-Type": "text/csv", "Authorization": "Bearer nope"})
            self.assertEqual(st, 401)
            st, _, _ = d.request("POST", "/api/v1/import", good,
                                 dict(auth, **{"Content-Type": "application/x-www-form-urlencoded"}))
            self.assertEqual(st, 415)
            big = good + b"".join(b"W-%d,C,Ana Lima,Sales,2026-11-01,\n" % i
                                  for i in range(2, 60000))
            self.assertGreater(len(big), 1 << 20)
            st, _, body = d.request("POST", "/api/v1/import", big, csv_type)
            self.assertEqual(st, 413, body)
            # 422: the same problems as the CLI, nothing written
            bad = (b"ticket_id,creator,employee,department,opened_on,closed_on\n"
                   b"X1,C,Ana Lima,Sales,2024-01-01,\n"
                   b"X2,C,Ana Lima,Legal,2024-01-01,\n"
                   b"X3,C,Ana Lima,Sales,2024-01-05,2024-01-01\n")
            before = store_digest(db)
            st, _, body = d.request("POST", "/api/v1/import", bad, csv_type)
            self.assertEqual(st, 422)
            err = json.loads(body)["error"]
            self.assertEqual(err["code"], "bad_rows")
            p = os.path.join(self.tmp, "bad.csv")
            with open(p, "wb") as f:
                f.write(bad)
            cli = run(["import", "--db", db, p])
            self.assertEqual(cli.returncode, 1)
            cli_lines = [l.split(": ", 1)[1] for l in cli.stderr.decode().splitlines()
                         if re.match(r".*: line \d+: ", l)]
            self.assertEqual(err["problems"], cli_lines)
            self.assertEqual(store_digest(db), before)
            # JSON tickets, then the same write again changes nothing
            tickets = json.dumps([{"ticket_id": "W-1", "creator": "New Creator",
                                   "employee": "Ana Lima", "department": "Sales",
                                   "opened_on": "2026-11-01", "closed_on": None}]).encode()
            jtype = dict(auth, **{"Content-Type": "application/json"})
            st, _, body = d.request("POST", "/api/v1/tickets", tickets, jtype)
            self.assertEqual(st, 200, body)
            self.assertEqual(json.loads(body)["inserted"], 1)
            st, _, body = d.request("POST", "/api/v1/tickets", tickets, jtype)
            self.assertEqual((st, json.loads(body)["unchanged"]), (200, 1))
            st, _, body = d.request("GET", "/api/v1/creators/New%20Creator")
            self.assertEqual(st, 200, "a write is visible to the next read")
            # aliases: a misspelt name lands on the employee
            st, _, body = d.request("POST", "/api/v1/aliases",
                                    json.dumps([{"alias": "Anna Lima", "name": "Ana Lima"}]).encode(),
                                    jtype)
            self.assertEqual(st, 200, body)
            st, _, body = d.request("GET", "/api/v1/aliases")
            self.assertIn({"alias": "Anna Lima", "name": "Ana Lima"}, json.loads(body)["aliases"])
            st, _, body = d.request("POST", "/api/v1/import",
                                    good.replace(b"Ana Lima", b"Anna Lima").replace(b"W-1", b"W-2"),
                                    csv_type)
            self.assertEqual(st, 200, body)
            tl = json.loads(d.request("GET", "/api/v1/creators/New%20Creator")[2])
            self.assertEqual({t["employee"] for t in tl["tickets"]}, {"Ana Lima"})
        finally:
            rc = d.stop()
        self.assert_clean(d, rc)


if __name__ == "__main__":
    unittest.main()
