"""Malformed and hostile HTTP against leadtimed (issue 5, docs/SECURITY.md).

Every request here is written byte for byte on a raw socket, so nothing
(no client library) cleans it up first.  Each case asserts the exact status
the daemon must answer; none may be a 5xx, and the daemon must still answer
a normal request afterwards.  Slow clients (slowloris) and half-open
connections must not starve a normal client.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")


def raw(port, data, timeout=10):
    """Send bytes, read until the server closes or times out; (status, text)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    chunks = []
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server may answer and close before reading it all
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            chunks.append(b)
    finally:
        s.close()
    text = b"".join(chunks)
    m = re.match(rb"HTTP/1\.[01] (\d{3})", text)
    return (int(m.group(1)) if m else None), text


def get(port, target, extra=b""):
    return raw(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
               extra + b"\r\n")


class Abuse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lt-abuse-")
        db = os.path.join(cls.tmp, "a.db")
        env = dict(os.environ)
        env.pop("JOURNAL_STREAM", None)
        r = subprocess.run([BIN, "generate", "--creators", "300", "--seed", "3", "--as-of",
                            "2026-11-22", "--db", db], env=env, capture_output=True)
        assert r.returncode == 0, r.stderr
        ini = os.path.join(cls.tmp, "c.ini")
        with open(ini, "w") as f:
            f.write("[data]\ndb = a.db\nas_of = 2026-11-22\nseed_demo = false\n"
                    "[server]\nmax_body_mb = 1\nper_ip_connections = 40\nconnection_timeout = 3\n"
                    "threads = 2\n[auth]\nwrite_token = secret\n")
        cls.proc = subprocess.Popen([BIN, "serve", "--config", ini, "--port", "0"],
                                    stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
        cls.log = []
        pat = re.compile(r"on http://127\.0\.0\.1:(\d+)/")
        cls.port = None
        while cls.port is None:
            line = cls.proc.stderr.readline()
            if not line:
                raise RuntimeError("daemon did not start: " + "".join(cls.log))
            cls.log.append(line.decode("utf-8", "replace"))
            m = pat.search(cls.log[-1])
            if m:
                cls.port = int(m.group(1))
        threading.Thread(target=cls._drain, daemon=True).start()

    @classmethod
    def _drain(cls):
        for line in cls.proc.stderr:
            cls.log.append(line.decode("utf-8", "replace"))

    @classmethod
    def tearDownClass(cls):
        os.kill(cls.proc.pid, signal.SIGTERM)
        rc = cls.proc.wait(timeout=60)
        time.sleep(0.2)
        text = "".join(cls.log)
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, "exit %d\n%s" % (rc, text[-3000:])
        for marker in ("Sanitizer", "runtime error:"):
            assert marker not in text, text[-3000:]
        assert not re.search(r" 5\d\d \d+ [\d.]+ms", text), "a 5xx was logged"

    def alive(self):
        st, _ = get(self.port, b"/healthz")
        self.assertEqual(st, 200)

    def test_malformed_requests(self):
        p = self.port
        big = b"/api/v1/meta?" + b"a" * 9000
        cases = [
            (b"BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (404, 405, 501)),
            (b"DELETE /api/v1/meta HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (405,)),
            (b"GET " + big + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (414,)),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70000 +
             b"\r\nConnection: close\r\n\r\n", (413, 414, 431, 400)),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
             b"".join(b"X-%d: y\r\n" % i for i in range(3000)) + b"Connection: close\r\n\r\n",
             (413, 431, 400)),
            (b"GET /api/v1/departments/Sales%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
             (404,)),
            (b"GET /api/v1/overview?from=%E0%80%AF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
             (400,)),
            (b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (404, 400)),
            (b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
             (404,)),
            (b"GET /index.html%00.png HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (404,)),
            (b"GET /api/v1/meta?x=%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (400,)),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: a\x00b\r\n\r\n",
             (400, 200)),
            (b"POST /api/v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n"
             b"Content-Type: text/csv\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
             b"Connection: close\r\n\r\n0\r\n\r\n", (400,)),
            (b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n"
             b"Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]",
             (415,)),
            (b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n"
             b"Content-Type: application/json\r\nContent-Length: 4\r\nConnection: close\r\n\r\n[{,]",
             (400,)),
            (b"POST /api/v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret\r\n"
             b"Content-Type: text/csv\r\nContent-Length: 2000000\r\nConnection: close\r\n\r\n" +
             b"x" * 2000000, (413,)),
            (b"POST /api/v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
             b"Content-Type: text/csv\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
             (401,)),
            (b"GARBAGE\r\n\r\n", (400, None)),
            (b"GET / HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n", (505, 400)),
        ]
        wrong = []
        for req, ok in cases:
            st, text = raw(p, req)
            if st not in ok:
                wrong.append("%r...: got %r, want %r: %r" % (req[:60], st, ok, text[:120]))
        self.assertEqual(wrong, [])
        self.alive()

    def test_static_files_never_touch_the_disk(self):
        for target in (b"/etc/passwd", b"/..%2fMakefile", b"/config.ini", b"/server/main.c",
                       b"//etc/passwd", b"/js/../../config.ini"):
            st, text = get(self.port, target)
            self.assertEqual(st, 404, (target, text[:200]))
        st, text = get(self.port, b"/")
        self.assertEqual(st, 200)
        head = text.split(b"\r\n\r\n", 1)[0].lower()
        for h in (b"content-security-policy: default-src 'self'", b"x-content-type-options: nosniff",
                  b"referrer-policy:", b"x-frame-options:"):
            self.assertIn(h, head)

    def test_slow_clients_do_not_starve_others(self):
        """Slowloris: 25 connections that send a header line now and then,
        plus 10 half-open ones that send nothing (35, under the per-IP limit
        of 40); a normal client is served promptly meanwhile, and the silent
        ones are dropped by the connection timeout."""
        held = []
        for i in range(25):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            held.append(s)
        for i in range(10):
            held.append(socket.create_connection(("127.0.0.1", self.port), timeout=5))
        try:
            for _ in range(3):
                t0 = time.monotonic()
                self.alive()
                self.assertLess(time.monotonic() - t0, 2.0)
                for s in held[:25]:
                    try:
                        s.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        pass
                time.sleep(0.5)
            # connection_timeout = 3: the silent ones are closed by the server
            time.sleep(4)
            closed = 0
            for s in held[25:]:
                try:
                    s.settimeout(1)
                    closed += s.recv(1) == b""
                except (ConnectionResetError, socket.timeout):
                    closed += 0
            self.assertEqual(closed, 10, "half-open connections outlived the timeout")
        finally:
            for s in held:
                s.close()
        self.alive()

    def test_per_ip_limit(self):
        """per_ip_connections = 40: of 45 connections held at once from one
        address, at most 40 are served and the others refused (connections
        of earlier tests that the server has not closed yet may still count,
        so "at most"); once they are closed, a client gets in again."""
        held = [socket.create_connection(("127.0.0.1", self.port), timeout=5)
                for _ in range(45)]
        try:
            time.sleep(1.5)  # let the daemon accept (or refuse) every one
            for s in held:
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                except OSError:
                    pass
            served = 0
            for s in held:
                try:
                    s.settimeout(3)
                    served += s.recv(64).startswith(b"HTTP/1.1 200")
                except OSError:
                    pass
            self.assertLessEqual(served, 40, "connections over the per-IP limit were served")
            self.assertGreaterEqual(served, 30, "the limit refused far too many")
        finally:
            for s in held:
                s.close()
        time.sleep(0.3)
        self.alive()


if __name__ == "__main__":
    unittest.main()
