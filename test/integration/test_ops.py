"""Operations tests of leadtimed (SPEC §4 writes, §5; issue 5).

- systemd notification protocol on a NOTIFY_SOCKET of our own: READY=1 once
  serving, RELOADING=1 (with MONOTONIC_USEC) then READY=1 on SIGHUP (a bad
  config.ini on reload is logged and the running one kept), STOPPING=1 on
  SIGTERM, exit 0; order checked; journald level prefixes on the log lines.
- graceful stop: SIGTERM while a large CSV stream is in flight; the stream
  completes with every row (the same bytes as `leadtimed pit`), new
  connections are refused, an idle keep-alive connection does not hold the
  stop, exit 0; a client that stops reading holds the stop no longer than
  [server] stop_timeout, and is dropped after connection_timeout anyway.
- kill -9 during a large import (CLI and HTTP, ~200k rows), timed by the
  WAL file so that the kill lands while the commit is being written: the
  store passes `PRAGMA integrity_check` and holds exactly the old or the new
  data; the daemon starts on it again.
- online backup (`sqlite3 .backup`, `VACUUM INTO`, the commands of
  docs/OPERATIONS.md) while an import runs beside the daemon: every copy is
  intact and holds the old or the new data; the commands wait out a lock
  held for a moment (an importer closing its connection) instead of failing
  with `database is locked`.
- concurrent imports and readers: no error, no 5xx; readers see the old or
  the new data; ETags and data_version change after the write.
- the write API: 401/403/413/415/422 (the same row errors as the CLI),
  all or nothing, aliases, bodies of clients that may not write are not
  buffered (401, not 413).

The daemon is $LEADTIME_BIN (the ASan build in `make test`).  Every process
is stopped by its own pid.
"""
import hashlib
import http.client
import json
import os
import re
import shlex
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
MB = 1 << 20
OPERATIONS = os.path.join(ROOT, "docs", "OPERATIONS.md")
# Python's connections to a store a daemon or an importer may be writing:
# they wait for a lock (SQLite's busy timeout) this long, seconds
BUSY_S = 60


run = daemon.run


def write_config(path, db, token=TOKEN, server="", extra=""):
    """A config for db; [server] max_body_mb = 1 unless server sets it."""
    if "max_body_mb" not in server:
        server = "max_body_mb = 1\n" + server
    with open(path, "w") as f:
        f.write("[data]\ndb = %s\nas_of = %s\nseed_demo = false\n"
                "[server]\n%s[auth]\nwrite_token = %s\n%s"
                % (db, AS_OF, server, token, extra))


def store_digest(db):
    """(integrity_check, ticket count, digest of every ticket row)."""
    con = sqlite3.connect(db, timeout=BUSY_S)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = con.execute("SELECT ticket_id, creator_id, employee_id, department_id, "
                           "opened_on, closed_on FROM tickets ORDER BY ticket_id").fetchall()
    finally:
        con.close()
    return ok, len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def backup_commands(db, out):
    """The backup commands of docs/OPERATIONS.md ("Back up the store") as
    argument lists, for the store db and the copy out."""
    with open(OPERATIONS, encoding="utf-8") as f:
        doc = f.read()
    section = doc.split("\n## Back up the store\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    cmds = []
    for line in block.splitlines():
        if not line.startswith("sqlite3 "):
            continue
        args = shlex.split(line)
        args = [db if a == "/var/lib/leadtime/leadtime.db" else a for a in args]
        cmds.append([re.sub(r"'/backup/[^']*'", "'%s'" % out, a) for a in args])
    assert len(cmds) == 2 and all(db in c for c in cmds), block
    return cmds


def busy_timeout_ms(cmd):
    """The busy timeout a sqlite3 shell command sets (-cmd '.timeout MS'), or 0."""
    for a, b in zip(cmd, cmd[1:]):
        m = re.fullmatch(r"\.timeout (\d+)", b)
        if a == "-cmd" and m:
            return int(m.group(1))
    return 0


def has_open(pid, path):
    """Whether process pid (ours) has path open."""
    fds = "/proc/%d/fd" % pid
    try:
        for fd in os.listdir(fds):
            try:
                if os.readlink(os.path.join(fds, fd)) == path:
                    return True
            except OSError:
                pass
    except OSError:
        pass
    return False


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def kill_when(proc, ready, timeout=120):
    """SIGKILL proc (ours) as soon as ready() holds; True when it was still
    running then, False when it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.001)
    return False


def notify_fields(data):
    """A notification datagram as a dict: "READY=1\\nX=2" -> {READY: 1, X: 2}."""
    return dict(l.split("=", 1) for l in data.split("\n") if "=" in l)


def head_only(port, path, headers, length):
    """POST the head of a request announcing `length` body bytes, send none
    of them; (status, body) of the answer (the daemon refuses a body it
    will not keep before reading it, and closes the connection)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.putrequest("POST", path)
        for k, v in headers.items():
            c.putheader(k, v)
        c.putheader("Content-Length", str(length))
        c.endheaders()
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


Daemon = daemon.Daemon


class Ops(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lt-ops-")
        cls.base = os.path.join(cls.tmp, "base.db")
        r = run(["generate", "--creators", "2500", "--seed", "5", "--as-of", AS_OF,
                 "--db", cls.base])
        assert r.returncode == 0, r.stderr
        # a large data set as CSV (~200k tickets) for the import tests
        cls.csv = os.path.join(cls.tmp, "more.csv")
        r = run(["generate", "--creators", "50000", "--seed", "9", "--as-of", AS_OF,
                 "--csv", cls.csv])
        assert r.returncode == 0, r.stderr
        # ticket ids of their own (the generator numbers both sets alike)
        with open(cls.csv, "rb") as f:
            lines = f.read().split(b"\n")
        cls.csv_bytes = b"\n".join(lines[:1] + [b"M" + l for l in lines[1:] if l]) + b"\n"
        with open(cls.csv, "wb") as f:
            f.write(cls.csv_bytes)
        cls._new = None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fresh(self, name, token=TOKEN, server="", extra=""):
        """A copy of the base store and a config for it."""
        db = os.path.join(self.tmp, name + ".db")
        for sfx in ("", "-wal", "-shm"):
            if os.path.exists(db + sfx):
                os.unlink(db + sfx)
        shutil.copy(self.base, db)
        ini = os.path.join(self.tmp, name + ".ini")
        write_config(ini, db, token, server, extra)
        return db, ini

    def new_state(self):
        """store_digest() of the base store after a complete import of the
        large CSV (computed once)."""
        if Ops._new is None:
            db, _ = self.fresh("reference")
            r = run(["import", "--db", db, self.csv])
            self.assertEqual(r.returncode, 0, r.stderr)
            Ops._new = store_digest(db)
        return Ops._new

    def assert_clean(self, d, rc):
        self.assertEqual(rc, 0, d.text())
        for marker in ("Sanitizer", "runtime error:"):
            self.assertNotIn(marker, d.text())
        self.assertNotRegex(d.text(), r"\s5\d\d \d+ ", "a 5xx was logged")

    def assert_old_or_new(self, db, old, new):
        """The store is intact and holds exactly old or new; True when new."""
        ok, n, digest = store_digest(db)
        self.assertEqual(ok, "ok")
        self.assertIn((n, digest), (old[1:], new[1:]),
                      "the store holds neither the old nor the new data")
        return (n, digest) == new[1:]

    def test_second_daemon_on_the_same_port_fails(self):
        """A second daemon on a port in use exits 1 naming it, instead of
        sharing the port (SO_REUSEPORT would split the connections between
        two stores); the first one keeps serving."""
        db, ini = self.fresh("port")
        d = Daemon(ini)
        try:
            r = subprocess.run([daemon.BIN, "serve", "--config", ini, "--port", str(d.port)],
                               capture_output=True, env=daemon.clean_env(), timeout=60)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(b"cannot listen on 127.0.0.1 port %d" % d.port, r.stderr)
            self.assertEqual(d.request("GET", "/healthz")[0], 200)
        finally:
            self.assert_clean(d, d.stop())

    # ---- systemd ----

    def test_notify_socket_sequence(self):
        db, ini = self.fresh("notify", token="")
        sock_path = os.path.join(self.tmp, "notify.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(sock_path)
        s.settimeout(30)
        self.addCleanup(s.close)
        msgs = []

        def expect(key):
            while True:
                fields = notify_fields(s.recv(4096).decode())
                msgs.append(fields)
                if fields.get(key) == "1":
                    return fields

        def monotonic_usec():
            return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000

        d = Daemon(ini, env={"NOTIFY_SOCKET": sock_path})
        self.addCleanup(d.stop)  # also when an assertion fails first
        try:
            expect("READY")
            # READY=1 means serving: the port answers at once
            st, _, body = d.request("GET", "/healthz")
            self.assertEqual((st, body), (200, b"ok\n"))
            # a good reload: thresholds change and the new value is served
            write_config(ini, db, "", extra="[thresholds]\np50_ratio = 2.5\n")
            before = monotonic_usec()
            os.kill(d.proc.pid, signal.SIGHUP)
            m = expect("RELOADING")
            after = monotonic_usec()
            # the time the reload began, as systemd 253+ wants it (252 ignores it)
            self.assertIn("MONOTONIC_USEC", m)
            self.assertTrue(before <= int(m["MONOTONIC_USEC"]) <= after, (before, m, after))
            expect("READY")
            st, _, body = d.request("GET", "/api/v1/departments/Sales")
            self.assertEqual(json.loads(body)["thresholds"]["p50_ratio"], 2.5)
            # a bad reload: logged, the running config kept, still serving
            with open(ini, "a") as f:
                f.write("[server]\nport = 80x\n")
            os.kill(d.proc.pid, signal.SIGHUP)
            expect("RELOADING")
            expect("READY")
            st, _, body = d.request("GET", "/api/v1/departments/Sales")
            self.assertEqual(st, 200)
            self.assertEqual(json.loads(body)["thresholds"]["p50_ratio"], 2.5)
            log = d.wait_log(r"keeping the running one")
            self.assertRegex(log, r"<3>.*ini:\d+: key 'port': '80x'")
            self.assertRegex(log, r"<3>reload: the new configuration is bad")
            # no token configured: writes are refused with 403
            st, _, body = d.request("POST", "/api/v1/tickets", b"[]",
                                    {"Content-Type": "application/json",
                                     "Authorization": "Bearer x"})
            self.assertEqual(st, 403)
            os.kill(d.proc.pid, signal.SIGTERM)
            expect("STOPPING")
        finally:
            rc = d.stop()
        self.assert_clean(d, rc)
        order = [k for m in msgs for k in ("READY", "RELOADING", "STOPPING") if m.get(k) == "1"]
        self.assertEqual(order, ["READY", "RELOADING", "READY", "RELOADING", "READY",
                                 "STOPPING"], msgs)
        # journald reads the level from the prefix (stderr is not a terminal)
        log = d.wait_log(r"<6>stopped")
        for line in (r"<6>leadtimed \S+ serving ", r"<6>SIGHUP: reloading ",
                     r"<6>reload: configuration in force", r"<6>SIGTERM: stopping",
                     r"<6>GET /healthz 200 3 ", r"<6>stopped"):
            self.assertRegex(log, line)

    # ---- graceful stop ----

    def test_sigterm_finishes_a_stream_in_flight(self):
        """SIGTERM while a long CSV stream is in flight and an idle
        keep-alive connection is open: no new connection is taken, the
        stream completes, and the daemon exits as soon as it has, well
        before [server] stop_timeout (the idle connection does not hold
        the stop).  Every window is relative to the configured limits."""
        stop_s = conn_s = 120
        db, ini = self.fresh("stream", server="stop_timeout = %d\nconnection_timeout = %d\n"
                             % (stop_s, conn_s))
        frm = "2023-11-25"
        want = run(["pit", "--db", db, "--from", frm, "--to", AS_OF, "--config", ini]).stdout
        self.assertGreater(want.count(b"\n"), 100000, "the stream must be long")
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        try:
            # an idle keep-alive connection (a browser tab) must not hold the stop
            idle = http.client.HTTPConnection("127.0.0.1", d.port, timeout=conn_s)
            idle.request("GET", "/healthz")
            self.assertEqual(idle.getresponse().read(), b"ok\n")
            c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=conn_s)
            c.request("GET", "/api/v1/pit?format=csv&from=%s&to=%s" % (frm, AS_OF))
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            got = r.read(65536)
            t_term = time.monotonic()
            os.kill(d.proc.pid, signal.SIGTERM)
            # no new connections once stopping (the stream, unread, holds
            # the stop meanwhile): refused once the daemon took the signal
            d.wait_log(r"SIGTERM: stopping", timeout=stop_s / 2)
            deadline = time.monotonic() + stop_s / 2
            while True:
                try:
                    socket.create_connection(("127.0.0.1", d.port), timeout=conn_s).close()
                except OSError:
                    break
                self.assertLess(time.monotonic(), deadline, "new connections taken while stopping")
                time.sleep(0.05)
            got += r.read()
            c.close()
            d.proc.wait(timeout=2 * stop_s)
            took = time.monotonic() - t_term
            # the stream was the last request in flight: out once it ended,
            # not at the end of the grace period
            self.assertLess(took, stop_s, "the stop waited for stop_timeout")
            idle.close()
        finally:
            rc = d.stop()
        self.assertEqual(len(got), len(want))
        self.assertEqual(got, want, "the stream in flight was cut")
        self.assert_clean(d, rc)

    def test_sigterm_gives_up_on_a_stalled_client(self):
        """A client that stops reading a stream holds the stop for
        [server] stop_timeout seconds, then is dropped; exit 0, nothing
        leaked.  connection_timeout is far longer, so the stop cannot
        have been ended by it."""
        stop_s, conn_s = 2, 120
        db, ini = self.fresh("stall", server="stop_timeout = %d\nconnection_timeout = %d\n"
                             % (stop_s, conn_s))
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        s.settimeout(conn_s)
        self.addCleanup(s.close)
        s.connect(("127.0.0.1", d.port))
        s.sendall(b"GET /api/v1/pit?format=csv&from=2023-11-25&to=%s HTTP/1.1\r\n"
                  b"Host: x\r\n\r\n" % AS_OF.encode())
        self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
        time.sleep(0.5)  # the server fills the socket buffers and waits
        t0 = time.monotonic()
        os.kill(d.proc.pid, signal.SIGTERM)
        rc = d.proc.wait(timeout=conn_s)
        took = time.monotonic() - t0
        self.assertGreaterEqual(took, 0.9 * stop_s, "the stream in flight was not given its time")
        self.assertLess(took, conn_s / 2, "stop_timeout did not bound the stop")
        self.assert_clean(d, d.stop())
        self.assertRegex(d.text(), r"GET /api/v1/pit 200 \d+ [\d.]+ms \(aborted\)")

    def test_stalled_reader_is_dropped_by_connection_timeout(self):
        """A client that stops reading a stream is inactive: dropped after
        [server] connection_timeout; others are served meanwhile (before
        that timeout could have freed anything)."""
        conn_s = 3
        db, ini = self.fresh("stall-read", server="connection_timeout = %d\n" % conn_s)
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        s.settimeout(10 * conn_s)
        self.addCleanup(s.close)
        s.connect(("127.0.0.1", d.port))
        t_sent = time.monotonic()  # no activity on the connection before this
        s.sendall(b"GET /api/v1/pit?format=csv&from=2023-11-25&to=%s HTTP/1.1\r\n"
                  b"Host: x\r\n\r\n" % AS_OF.encode())
        self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
        t0 = time.monotonic()
        st, _, _ = d.request("GET", "/api/v1/meta", timeout=10 * conn_s)
        self.assertEqual(st, 200)
        self.assertLess(time.monotonic() - t0, conn_s, "a reader waited for the stalled stream")
        pat = r"GET /api/v1/pit 200 \d+ [\d.]+ms \(aborted\)"
        log = d.wait_log(pat, timeout=10 * conn_s)
        self.assertRegex(log, pat)
        took = time.monotonic() - t_sent
        self.assertGreaterEqual(took, 0.9 * conn_s, "dropped before connection_timeout")
        self.assertLess(took, 10 * conn_s)
        # what the kernel buffered is there, then the end: the stream was cut
        got = b""
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            got += b
        self.assertFalse(got.endswith(b"0\r\n\r\n"), "the stream completed")
        self.assert_clean(d, d.stop())

    # ---- kill -9 ----

    def test_kill_9_during_cli_import(self):
        """The CLI validates for seconds, then writes the whole import in one
        commit that takes a few tens of milliseconds: the kill is timed by
        watching the WAL grow (mid-commit) or the main file change (the
        checkpoint after the commit).  Either way the store must hold
        exactly the old or the new data (in our runs: old, then new)."""
        new = self.new_state()
        killed = []
        for name, at in (("in the commit", 1 * MB), ("in the checkpoint", None)):
            db, _ = self.fresh("kill-cli")
            old = store_digest(db)
            wal, mtime = db + "-wal", os.stat(db).st_mtime_ns
            if at is None:
                ready = lambda: size(wal) > 0 and os.stat(db).st_mtime_ns != mtime  # noqa: E731
            else:
                ready = lambda: size(wal) >= at  # noqa: E731
            p = subprocess.Popen([BIN, "import", "--db", db, self.csv], env=daemon.clean_env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if kill_when(p, ready):
                killed.append(name)
            else:
                self.assertEqual(p.returncode, 0)
            self.assert_old_or_new(db, old, new)
        self.assertTrue(killed, "every import ended before its kill")

    def test_kill_9_during_http_import(self):
        new = self.new_state()
        db, ini = self.fresh("kill-http", server="max_body_mb = 32\n")
        old = store_digest(db)
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        wal = db + "-wal"
        base = size(wal)
        t = threading.Thread(target=self.swallow, args=(d, self.csv_bytes), daemon=True)
        t.start()
        self.assertTrue(kill_when(d.proc, lambda: size(wal) >= base + MB),
                        "the daemon ended before its kill")
        t.join(30)
        d.stop()
        self.assert_old_or_new(db, old, new)
        # the daemon starts on the store and serves what it holds
        _, n, _ = store_digest(db)
        d2 = Daemon(ini)
        self.addCleanup(d2.stop)
        st, _, body = d2.request("GET", "/api/v1/meta")
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(body)["tickets"], n)
        self.assert_clean(d2, d2.stop())

    @staticmethod
    def swallow(d, body):
        try:
            d.request("POST", "/api/v1/import", body,
                      {"Content-Type": "text/csv", "Authorization": "Bearer " + TOKEN},
                      timeout=120)
        except (OSError, http.client.HTTPException):
            pass

    # ---- online backup ----

    def test_online_backup_while_importing(self):
        """docs/OPERATIONS.md: its `sqlite3 DB .backup` and `VACUUM INTO`
        commands while the daemon serves and an import writes beside it:
        each copy is intact and holds the store before the import or after
        it.  (The importer holds a lock for a moment when it closes: a shell
        without a busy timeout failed then with `database is locked`.)"""
        db, ini = self.fresh("backup")
        old = store_digest(db)
        part = os.path.join(self.tmp, "part.csv")
        with open(part, "wb") as f:
            f.write(b"\n".join(self.csv_bytes.split(b"\n")[:50001]) + b"\n")
        d = Daemon(ini)
        self.addCleanup(d.stop)  # also when an assertion fails first
        cli = shutil.which("sqlite3")
        p = subprocess.Popen([BIN, "import", "--db", db, part], env=daemon.clean_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        copies = []
        while True:
            running = p.poll() is None
            out = os.path.join(self.tmp, "backup-%d.db" % len(copies))
            vacuum = len(copies) % 2 == 1
            if cli:
                cmd = backup_commands(db, out)[1 if vacuum else 0]
                r = subprocess.run([cli] + cmd[1:], capture_output=True, timeout=120)
                self.assertEqual(r.returncode, 0, r.stderr)
            else:  # the same SQLite calls through Python's module
                src = sqlite3.connect(db, timeout=BUSY_S)
                if vacuum:
                    src.execute("VACUUM INTO ?", (out,))
                else:
                    dst = sqlite3.connect(out)
                    src.backup(dst)
                    dst.close()
                src.close()
            copies.append(store_digest(out))
            os.unlink(out)
            if not running:
                break
            time.sleep(0.1)
        self.assertEqual(p.wait(), 0, p.stderr.read())
        new = store_digest(db)
        self.assertNotEqual(new, old)
        self.assertGreaterEqual(len(copies), 3)
        for c in copies:
            self.assertIn(c, (old, new))
        self.assertEqual(copies[-1], new, "the backup after the import misses it")
        st, _, body = d.request("GET", "/healthz")
        self.assertEqual(st, 200)
        self.assert_clean(d, d.stop())

    def test_backup_waits_out_a_lock(self):
        """The backup commands of docs/OPERATIONS.md started while another
        process holds the store's lock (as an importer or the daemon does
        for a moment while it closes its connection): they wait for it
        (their busy timeout) and succeed, instead of failing at once with
        `database is locked`.  The lock is released only once the command
        has the store open, and well inside its timeout."""
        cli = shutil.which("sqlite3")
        if not cli:
            self.fail("no sqlite3 shell (scripts/install-deps.sh --test installs it)")
        db, _ = self.fresh("locked")
        want = store_digest(db)
        out = os.path.join(self.tmp, "locked-copy.db")
        for cmd in backup_commands(db, out):
            wait_ms = busy_timeout_ms(cmd)
            self.assertGreaterEqual(wait_ms, 5000, "%s: the command sets no busy timeout" % cmd)
            holder = sqlite3.connect(db, isolation_level=None, timeout=BUSY_S)
            try:
                holder.execute("PRAGMA locking_mode = EXCLUSIVE")
                holder.execute("BEGIN EXCLUSIVE")
                holder.execute("UPDATE meta SET value = value WHERE key = 'data_version'")
                # the lock is held: a reader without a busy timeout fails now
                with self.assertRaisesRegex(sqlite3.OperationalError, "locked"):
                    probe = sqlite3.connect(db, timeout=0)
                    try:
                        probe.execute("SELECT count(*) FROM tickets").fetchone()
                    finally:
                        probe.close()
                p = subprocess.Popen([cli] + cmd[1:], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
                # release once the shell has the file open (and so meets the
                # lock), and at the latest at half its timeout
                deadline = time.monotonic() + wait_ms / 2000
                while not has_open(p.pid, db) and p.poll() is None and \
                        time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(min(0.3, max(0.0, deadline - time.monotonic())))
            finally:
                holder.execute("COMMIT")
                holder.close()
            _, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, "%s: %r" % (cmd, err))
            self.assertEqual(store_digest(out), want, cmd)
            os.unlink(out)

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
        big = good + b"".join(b"W-%d,C,Ana Lima,Sales,2026-11-01,\n" % i
                              for i in range(2, 60000))
        self.assertGreater(len(big), MB)
        try:
            st, hdr, _ = d.request("POST", "/api/v1/import", good, {"Content-Type": "text/csv"})
            self.assertEqual(st, 401)
            self.assertIn("bearer", hdr.get("www-authenticate", "").lower())
            for bad_auth in ("Bearer nope", "Bearer " + TOKEN + "x", "Bearer " + TOKEN[:-1],
                             "Basic " + TOKEN, TOKEN, "Bearer", "Bearer  " + TOKEN):
                st, _, _ = d.request("POST", "/api/v1/import", good,
                                     {"Content-Type": "text/csv", "Authorization": bad_auth})
                self.assertEqual(st, 401, bad_auth)
            # a body of a client that may not write is not even read: 401
            # (not 413) as soon as the head is in, before the body is sent
            st, _ = head_only(d.port, "/api/v1/import", {"Content-Type": "text/csv"}, len(big))
            self.assertEqual(st, 401)
            st, _, _ = d.request("POST", "/api/v1/import", good,
                                 dict(auth, **{"Content-Type": "application/x-www-form-urlencoded"}))
            self.assertEqual(st, 415)
            st, _, _ = d.request("POST", "/api/v1/tickets", b"[]", dict(auth, **{"Content-Type": "text/csv"}))
            self.assertEqual(st, 415)
            # an announced length past max_body_mb: 413 before the body
            st, body = head_only(d.port, "/api/v1/import", csv_type, len(big))
            self.assertEqual(st, 413, body)
            # 422: the same problems as the CLI, nothing written
            bad = (b"ticket_id,creator,employee,department,opened_on,closed_on\n"
                   b"X1,C,Ana Lima,Sales,2024-01-01,\n"
                   b"X2,C,Ana Lima,Legal,2024-01-01,\n"
                   b"X3,C,Ana Lima,Sales,2024-01-05,2024-01-01\n"
                   b"X1,C,Ana Lima,Sales,2024-01-01,\n"
                   b"X4,,Ana Lima,Sales,2024-02-30,\n")
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
            self.assertGreaterEqual(len(cli_lines), 5)
            self.assertEqual(err["problems"], cli_lines)
            self.assertEqual(err["count"], len(cli_lines))
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
            # all or nothing over JSON too: one bad item, nothing written
            before = store_digest(db)
            two = json.dumps([{"ticket_id": "W-9", "creator": "C", "employee": "Ana Lima",
                               "department": "Sales", "opened_on": "2026-11-01"},
                              {"ticket_id": "W-10", "creator": "C", "employee": "Ana Lima",
                               "department": "Sales", "opened_on": "yesterday"}]).encode()
            st, _, body = d.request("POST", "/api/v1/tickets", two, jtype)
            self.assertEqual(st, 422, body)
            self.assertEqual(len(json.loads(body)["error"]["problems"]), 1)
            self.assertEqual(store_digest(db), before)
            # aliases: a misspelt name lands on the employee
            st, _, body = d.request("POST", "/api/v1/aliases",
                                    json.dumps([{"alias": "Anna Lima", "name": "Ana Lima"}]).encode(),
                                    {"Content-Type": "application/json"})
            self.assertEqual(st, 401)
            st, _, body = d.request("POST", "/api/v1/aliases",
                                    json.dumps([{"alias": "Anna Lima", "name": "Ana Lima"}]).encode(),
                                    jtype)
            self.assertEqual(st, 200, body)
            # alias names obey the import's rules: no control characters
            for a, n in (("Ann\u001b[2Ja", "Ana Lima"), ("Ana L", "Ana\u0007Lima")):
                st, _, body = d.request("POST", "/api/v1/aliases",
                                        json.dumps([{"alias": a, "name": n}]).encode(), jtype)
                self.assertEqual(st, 422, body)
                self.assertIn("control characters", json.loads(body)["error"]["message"])
            st, _, body = d.request("GET", "/api/v1/aliases")
            self.assertIn({"alias": "Anna Lima", "name": "Ana Lima"}, json.loads(body)["aliases"])
            self.assertEqual(len(json.loads(body)["aliases"]), 1)
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
