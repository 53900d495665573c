"""Long responses: exports that do not pin the store, slow readers, aborted
responses (issue 12, point 8).

- With `threads = 1` (every request on the thread that streams) and a
  client reading a CSV export of several MB slowly, imports made while it
  streams are seen at once by /api/v1/meta (the ticket count each import
  makes, counted from the rows sent), and the WAL stays bounded: checkpoints
  are not blocked by the export (its size stays within twice what the same
  imports left it at before the export, where main's export let it grow by
  every import).
- A client that reads steadily, slower than the whole file would need to
  arrive within connection_timeout (set to 3 s here), gets the whole file
  with its final chunk, the same bytes as `leadtimed pit`; its progress
  counts as activity.
- A client that goes away in the middle of an export, and one that stops
  reading until connection_timeout, are logged as `(aborted) client` /
  `(aborted) timeout` with the bytes produced, counted in /metrics as
  status "aborted" and in leadtime_http_aborted_total by reason (not as a
  200), and /metrics still passes promtool.

Margins are relative to the configured connection_timeout (wide ones); no
other wall-clock assertion.  The daemon is $LEADTIME_BIN; every process is
stopped by its own pid.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import daemon

BIN = daemon.BIN
AS_OF = "2026-11-22"
TOKEN = "t0ken-for-stream-tests"
FROM = "2023-11-25"            # the export: about 15 MB of CSV
FROM_STEADY = "2026-01-01"     # about 7 MB


run = daemon.run


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def dechunk(data):
    """(body, complete) of a chunked body: complete when the last chunk
    (size 0) and the final CRLF arrived."""
    body, pos = [], 0
    while True:
        nl = data.find(b"\r\n", pos)
        if nl < 0:
            return b"".join(body), False
        n = int(data[pos:nl].split(b";")[0], 16)
        if n == 0:
            return b"".join(body), data[nl + 2:nl + 4] == b"\r\n"
        chunk = data[nl + 2:nl + 2 + n]
        body.append(chunk)
        if len(chunk) < n or data[nl + 2 + n:nl + 4 + n] != b"\r\n":
            return b"".join(body), False
        pos = nl + 4 + n


class SlowReader(threading.Thread):
    """GET path on a raw socket and read it at `rate` bytes per second, a
    few KB at a time (a small receive buffer, so the server's queue is what
    it holds); stop() closes the socket in the middle."""

    def __init__(self, port, path, rate, step=4096):
        super().__init__(daemon=True)
        self.rate, self.step = rate, step
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        self.sock.settimeout(120)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                          % path.encode())
        self.data = bytearray()
        self.error = None
        self.finished = threading.Event()   # the server closed the stream
        self._halt = threading.Event()

    def run(self):
        t0 = time.monotonic()
        try:
            while not self._halt.is_set():
                b = self.sock.recv(self.step)
                if not b:
                    break
                self.data += b
                wait = t0 + len(self.data) / self.rate - time.monotonic()
                if wait > 0:
                    self._halt.wait(wait)
        except OSError as e:
            if not self._halt.is_set():
                self.error = e
        finally:
            if not self._halt.is_set():
                self.finished.set()

    def stop(self):
        """Go away in the middle: close the socket without reading on."""
        self._halt.set()
        self.join(30)
        self.sock.close()

    def wait_bytes(self, n, timeout=60):
        deadline = time.monotonic() + timeout
        while len(self.data) < n and time.monotonic() < deadline and not self.finished.is_set():
            time.sleep(0.02)
        return len(self.data) >= n

    def response(self):
        """(status, headers, body, complete)."""
        head, _, rest = bytes(self.data).partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = dict((k.strip().lower().decode(), v.strip().decode())
                       for k, v in (l.split(b":", 1) for l in lines[1:]))
        if headers.get("transfer-encoding") == "chunked":
            body, complete = dechunk(rest)
        else:
            body, complete = rest, True
        return status, headers, body, complete


class Daemon(daemon.Daemon):
    def meta(self):
        st, _, body = self.request("GET", "/api/v1/meta")
        assert st == 200, body
        return json.loads(body)

    def metrics(self):
        st, _, body = self.request("GET", "/metrics")
        assert st == 200, body
        return body.decode()


class Stream(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lt-stream-")
        cls.base = os.path.join(cls.tmp, "base.db")
        r = run(["generate", "--creators", "2500", "--seed", "5", "--as-of", AS_OF,
                 "--db", cls.base])
        assert r.returncode == 0, r.stderr
        # rows to import while exporting: ticket ids of their own
        csv = os.path.join(cls.tmp, "more.csv")
        r = run(["generate", "--creators", "30000", "--seed", "9", "--as-of", AS_OF,
                 "--csv", csv])
        assert r.returncode == 0, r.stderr
        with open(csv, "rb") as f:
            lines = [l for l in f.read().split(b"\n") if l]
        cls.header = lines[0]
        cls.rows = [b"S" + l for l in lines[1:]]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def fresh(self, name, server=""):
        db = os.path.join(self.tmp, name + ".db")
        shutil.copy(self.base, db)
        ini = os.path.join(self.tmp, name + ".ini")
        with open(ini, "w") as f:
            f.write("[data]\ndb = %s\nas_of = %s\nseed_demo = false\n"
                    "[server]\nthreads = 1\n%s[auth]\nwrite_token = %s\n"
                    % (db, AS_OF, server, TOKEN))
        return db, ini

    def start(self, ini):
        d = Daemon(ini)
        self.addCleanup(d.stop)
        return d

    def assert_clean(self, d):
        rc = d.stop()
        self.assertEqual(rc, 0, d.text())
        for marker in ("Sanitizer", "runtime error:"):
            self.assertNotIn(marker, d.text())

    def import_rows(self, d, rows):
        st, _, body = d.request("POST", "/api/v1/import", b"\n".join([self.header] + rows) + b"\n",
                             {"Content-Type": "text/csv", "Authorization": "Bearer " + TOKEN},
                             timeout=120)
        self.assertEqual(st, 200, body)

    def expected_pit(self, db, ini, frm):
        r = run(["pit", "--db", db, "--config", ini, "--from", frm, "--to", AS_OF])
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    # ---- the store is not pinned ----

    def test_imports_during_a_slow_export_are_seen_and_checkpointed(self):
        db, ini = self.fresh("pinned")
        d = self.start(ini)
        tickets = d.meta()["tickets"]
        chunk = 1500
        batches = [self.rows[i:i + chunk] for i in range(0, 24 * chunk, chunk)]
        self.assertEqual(len(batches[-1]), chunk, "not enough rows generated")
        # the WAL as imports leave it with nothing in the way: its
        # checkpoints bound it (autocheckpoint) and it is reused
        before = 0
        for b in batches[:8]:
            self.import_rows(d, b)
            tickets += len(b)
            before = max(before, size(db + "-wal"))
        self.assertEqual(d.meta()["tickets"], tickets)
        # the export, read slowly: it outlasts every import below
        reader = SlowReader(d.port, "/api/v1/pit?format=csv&from=%s&to=%s" % (FROM, AS_OF),
                            rate=100 * 1024)
        self.addCleanup(reader.sock.close)
        reader.start()
        self.assertTrue(reader.wait_bytes(256 * 1024), "the export did not start")
        during = 0
        for b in batches[8:]:
            self.import_rows(d, b)
            tickets += len(b)
            # every import is seen at once by the next request of the
            # thread that streams
            self.assertEqual(d.meta()["tickets"], tickets,
                             "an import made during the export is not seen")
            during = max(during, size(db + "-wal"))
        self.assertFalse(reader.finished.is_set(), "the export ended before the imports")
        self.assertLessEqual(during, 2 * before,
                             "the WAL grew past %d bytes (%d before the export): the export "
                             "blocks its checkpoints" % (during, before))
        reader.stop()
        self.assert_clean(d)

    # ---- a slow but steady reader ----

    def test_steady_slow_reader_gets_the_whole_file(self):
        """connection_timeout = 3: the file takes many times that to read
        at the client's pace, and arrives whole."""
        timeout = 3
        db, ini = self.fresh("steady", "connection_timeout = %d\n" % timeout)
        want = self.expected_pit(db, ini, FROM_STEADY)
        d = self.start(ini)
        # reading the whole file takes well over the timeout ...
        rate = 400 * 1024
        self.assertGreater(len(want) / rate, 4 * timeout)
        reader = SlowReader(d.port, "/api/v1/pit?format=csv&from=%s&to=%s" % (FROM_STEADY, AS_OF),
                            rate)
        self.addCleanup(reader.sock.close)
        reader.start()
        # ... and ends in time: the whole file at the client's pace, with
        # margin for a loaded machine
        self.assertTrue(reader.finished.wait(20 * len(want) / rate + 60), "the download hung")
        reader.join(30)
        self.assertIsNone(reader.error)
        status, headers, body, complete = reader.response()
        self.assertEqual(status, 200)
        self.assertTrue(complete, "no final chunk: the download was cut after %d of %d bytes"
                        % (len(body), len(want)))
        self.assertEqual(len(body), len(want))
        self.assertEqual(body, want)
        log = d.wait_log(r"GET /api/v1/pit 200 %d " % len(want))
        self.assertRegex(log, r"GET /api/v1/pit 200 %d [\d.]+ms\n" % len(want))
        self.assertNotIn("(aborted)", log)
        self.assert_clean(d)

    # ---- aborted responses ----

    def test_aborted_downloads_are_logged_and_counted_as_aborted(self):
        db, ini = self.fresh("abort", "connection_timeout = 2\n")
        d = self.start(ini)
        path = "/api/v1/pit?format=csv&from=%s&to=%s" % (FROM, AS_OF)
        # a client that goes away in the middle
        gone = SlowReader(d.port, path, rate=200 * 1024)
        self.addCleanup(gone.sock.close)
        gone.start()
        self.assertTrue(gone.wait_bytes(128 * 1024))
        gone.stop()
        log = d.wait_log(r"GET /api/v1/pit 200 \d+ [\d.]+ms \(aborted\) client", timeout=30)
        self.assertRegex(log, r"GET /api/v1/pit 200 \d+ [\d.]+ms \(aborted\) client\n")
        # a client that stops reading: dropped at connection_timeout
        s = socket.create_connection(("127.0.0.1", d.port), timeout=30)
        self.addCleanup(s.close)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200"))
        log = d.wait_log(r"GET /api/v1/pit 200 \d+ [\d.]+ms \(aborted\) timeout", timeout=60)
        m = re.search(r"GET /api/v1/pit 200 (\d+) [\d.]+ms \(aborted\) timeout\n", log)
        self.assertIsNotNone(m, log)
        self.assertGreater(int(m.group(1)), 0, "the bytes produced are logged")
        s.close()
        # a download that completes is still a 200
        st, _, body = d.request("GET", "/api/v1/pit?format=csv&from=%s&to=%s" % (AS_OF, AS_OF))
        self.assertEqual(st, 200)
        metrics = d.metrics()
        route = 'route="GET /api/v1/pit"'
        self.assertIn('leadtime_http_requests_total{%s,status="aborted"} 2\n' % route, metrics)
        self.assertIn('leadtime_http_requests_total{%s,status="200"} 1\n' % route, metrics)
        self.assertIn('leadtime_http_aborted_total{%s,reason="client"} 1\n' % route, metrics)
        self.assertIn('leadtime_http_aborted_total{%s,reason="timeout"} 1\n' % route, metrics)
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool is missing: scripts/install-deps.sh --test")
        p = subprocess.run([promtool, "check", "metrics"], input=metrics.encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, b""), p.stdout)
        self.assert_clean(d)


if __name__ == "__main__":
    unittest.main()
