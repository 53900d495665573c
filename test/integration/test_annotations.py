"""Annotations (issue 13 point 8): GET, POST /api/v1/annotations and
DELETE /api/v1/annotations/{id}, merged with config.ini's [annotations].

The test keeps its own list of the notes (the config's, and each one it
posts or deletes) and checks every GET, for random ranges, against that
list filtered and ordered by the rule of docs/API.md (date, then config
notes in file order, then stored notes by id).  Bad input of every kind
is refused with the status and the field named, and writes nothing.
ETags: a GET is revalidated (304) until a write, which bumps the data
version; then the old ETag gets a 200 with the new list.  The stored notes
survive a restart.  A bad [annotations] line stops the daemon at start
with FILE:LINE.  Seed: LEADTIME_ANNOT_SEED (default random, printed).
"""
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

from daemon import BIN, Daemon, clean_env

TOKEN = "annot-test-token"
CONFIG_NOTES = [("2025-03-01", "2 designers hired"), ("2025-01-15", "New CRM"),
                ("2025-03-01", "Budget freeze")]


def sanitizer_report(text):
    return any(m in text for m in ("Sanitizer", "runtime error:"))


class Annotations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.seed = int(os.environ.get("LEADTIME_ANNOT_SEED") or random.randrange(1 << 30))
        print("annotations: LEADTIME_ANNOT_SEED=%d" % cls.seed, file=sys.stderr)
        cls.rng = random.Random(cls.seed)
        cls.dir = tempfile.mkdtemp(prefix="lt-annot-")
        cls.db = os.path.join(cls.dir, "lt.db")
        subprocess.run([BIN, "generate", "--creators", "40", "--seed", "5", "--db", cls.db],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=clean_env())
        notes = "".join("%s = %s\n" % n for n in CONFIG_NOTES)
        cls.cfg = os.path.join(cls.dir, "config.ini")
        with open(cls.cfg, "w") as f:
            f.write("[data]\ndb = lt.db\nas_of = 2025-06-30\nseed_demo = false\n"
                    "[auth]\nwrite_token = %s\n[annotations]\n%s" % (TOKEN, notes))
        cls.daemon = Daemon(cls.cfg)
        # the reference: (date, source, id, text, order of the config line)
        cls.notes = [(d, "config", None, t, i) for i, (d, t) in enumerate(CONFIG_NOTES)]

    @classmethod
    def tearDownClass(cls):
        d, cls.daemon = cls.daemon, None
        if d is not None:
            rc = d.stop()
            log = d.text()
            shutil.rmtree(cls.dir, True)
            if sanitizer_report(log) or rc != 0:
                raise AssertionError("daemon exit %d:\n%s" % (rc, log[-4000:]))
        else:
            shutil.rmtree(cls.dir, True)

    # ---- HTTP ----

    def call(self, method, path, body=None, token=TOKEN, ctype="application/json", headers=None):
        url = "http://127.0.0.1:%d%s" % (self.daemon.port, path)
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None and ctype:
            req.add_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                raw = r.read()
                return r.status, dict(r.headers), json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, dict(e.headers), json.loads(raw) if raw else None

    def get(self, query=""):
        st, hd, body = self.call("GET", "/api/v1/annotations" + query, token=None)
        self.assertEqual(st, 200, body)
        return body, hd

    def expected(self, lo=None, hi=None):
        sel = [n for n in self.notes if (lo is None or n[0] >= lo) and (hi is None or n[0] <= hi)]
        # date, config before api, config by file order, api by id
        sel.sort(key=lambda n: (n[0], 0 if n[1] == "config" else 1,
                                n[4] if n[1] == "config" else n[2]))
        return [{"id": n[2], "date": n[0], "text": n[3], "source": n[1]} for n in sel]

    def check_list(self, lo=None, hi=None):
        q = []
        if lo:
            q.append("from=" + lo)
        if hi:
            q.append("to=" + hi)
        body, _ = self.get("?" + "&".join(q) if q else "")
        self.assertEqual(body["range"], {"from": lo, "to": hi})
        got = [{k: a[k] for k in ("id", "date", "text", "source")} for a in body["annotations"]]
        self.assertEqual(got, self.expected(lo, hi), (lo, hi))
        for a in body["annotations"]:
            if a["source"] == "config":
                self.assertIsNone(a["created"])
            else:
                self.assertRegex(a["created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def random_day(self):
        return (dt.date(2024, 11, 1) + dt.timedelta(days=self.rng.randrange(240))).isoformat()

    def random_ranges(self, n=12):
        out = [(None, None)]
        for _ in range(n):
            a, b = sorted([self.random_day(), self.random_day()])
            out.append(self.rng.choice([(a, b), (a, None), (None, b)]))
        return out

    def data_version(self):
        st, _, meta = self.call("GET", "/api/v1/meta", token=None)
        self.assertEqual(st, 200)
        return meta["data_version"]

    # ---- tests (run in name order: the later ones build on the earlier) ----

    def test_1_config_notes(self):
        self.check_list()
        for lo, hi in self.random_ranges():
            self.check_list(lo, hi)

    def test_2_post_list_delete(self):
        texts = ["Reorg of Design", "  Équipe élargie ✓  ", "Tab\tinside", "x" * 256,
                 "é" * 128, "Hiring freeze; see the memo", "<b>not html</b> & \"quotes\""]
        v0 = self.data_version()
        posted = 0
        for i in range(25):
            day = self.rng.choice([self.random_day(), "2025-03-01"])
            text = texts[i % len(texts)] if i < len(texts) else "note %d" % i
            st, _, body = self.call("POST", "/api/v1/annotations", {"date": day, "text": text})
            self.assertEqual(st, 201, body)
            posted += 1
            self.assertEqual(body["date"], day)
            self.assertEqual(body["text"], text.strip(" \t"))
            self.assertEqual(body["source"], "api")
            self.assertEqual(body["data_version"], v0 + posted)
            self.assertTrue(all(n[2] != body["id"] for n in self.notes))
            self.notes.append((day, "api", body["id"], text.strip(" \t"), None))
        for lo, hi in self.random_ranges():
            self.check_list(lo, hi)
        # delete a random third, then once more: 404 naming the id
        stored = [n for n in self.notes if n[1] == "api"]
        for n in self.rng.sample(stored, len(stored) // 3):
            st, _, body = self.call("DELETE", "/api/v1/annotations/%d" % n[2])
            self.assertEqual(st, 200, body)
            self.assertEqual(body["deleted"], n[2])
            self.notes.remove(n)
            st, _, body = self.call("DELETE", "/api/v1/annotations/%d" % n[2])
            self.assertEqual(st, 404, body)
            self.assertEqual(body["error"]["code"], "not_found")
            self.assertEqual(body["error"]["param"], "id")
        for lo, hi in self.random_ranges():
            self.check_list(lo, hi)

    def test_3_bad_input_writes_nothing(self):
        before, _ = self.get()
        v = self.data_version()
        long_text = "x" * 257
        cases = [
            ({"date": "2025-02-30", "text": "x"}, 400, "date", "not a date"),
            ({"date": "2025-2-3", "text": "x"}, 400, "date", "not a date"),
            ({"date": "1899-12-31", "text": "x"}, 400, "date", "not a date"),
            ({"date": 20250101, "text": "x"}, 400, "date", "must be a string"),
            ({"text": "x"}, 400, "date", "missing"),
            ({"date": "2025-01-01"}, 400, "text", "missing"),
            ({"date": "2025-01-01", "text": ""}, 400, "text", "empty"),
            ({"date": "2025-01-01", "text": " \t "}, 400, "text", "empty"),
            ({"date": "2025-01-01", "text": long_text}, 400, "text", "longer than 256 bytes"),
            ({"date": "2025-01-01", "text": "é" * 128 + "x"}, 400, "text", "longer than 256 bytes"),
            ({"date": "2025-01-01", "text": "two\nlines"}, 400, "text", "control character"),
            ({"date": "2025-01-01", "text": "nul\u0000"}, 400, None, "\\u0000 is not allowed"),
            ({"date": "2025-01-01", "text": 5}, 400, "text", "must be a string"),
            ({"date": "2025-01-01", "text": "x", "by": "me"}, 400, "by", "unknown field"),
            ([{"date": "2025-01-01", "text": "x"}], 400, None, "expected a JSON object"),
            (b'{"date": "2025-01-01", "text": ', 400, None, "line 1"),
            (b'{"date": "2025-01-01", "date": "2025-01-02", "text": "x"}', 400, None, "duplicate"),
        ]
        for body, status, param, words in cases:
            st, _, err = self.call("POST", "/api/v1/annotations", body)
            self.assertEqual(st, status, (body, err))
            self.assertEqual(err["error"].get("param"), param, (body, err))
            self.assertIn(words, err["error"]["message"], (body, err))
        st, _, err = self.call("POST", "/api/v1/annotations", {"date": "2025-01-01", "text": "x"},
                               token=None)
        self.assertEqual((st, err["error"]["code"]), (401, "unauthorized"))
        st, _, err = self.call("POST", "/api/v1/annotations", {"date": "2025-01-01", "text": "x"},
                               token="wrong")
        self.assertEqual(st, 401)
        st, _, err = self.call("POST", "/api/v1/annotations", {"date": "2025-01-01", "text": "x"},
                               ctype="text/plain")
        self.assertEqual(st, 415)
        st, _, err = self.call("POST", "/api/v1/annotations?x=1", {"date": "2025-01-01", "text": "x"})
        self.assertEqual((st, err["error"]["param"]), (400, "x"))
        st, _, err = self.call("DELETE", "/api/v1/annotations/1", token=None)
        self.assertEqual(st, 401)
        for bad in ("abc", "0", "-1", "1.5", "01", "99999999999999999999"):
            st, _, err = self.call("DELETE", "/api/v1/annotations/" + bad)
            self.assertEqual((st, err["error"]["param"]), (400, "id"), bad)
        st, _, err = self.call("DELETE", "/api/v1/annotations/123456789")
        self.assertEqual((st, err["error"]["code"]), (404, "not_found"))
        st, hd, err = self.call("PUT", "/api/v1/annotations", {"date": "2025-01-01", "text": "x"})
        self.assertEqual(st, 405)
        self.assertIn("POST", hd.get("Allow", ""))
        # GET parameters
        for q, param in (("?from=2025-13-01", "from"), ("?to=yesterday", "to"),
                         ("?from=2025-03-01&to=2025-02-01", "to"), ("?bucket=week", "bucket"),
                         ("?as_of=2025-01-01", "as_of")):
            st, _, err = self.call("GET", "/api/v1/annotations" + q, token=None)
            self.assertEqual((st, err["error"]["param"]), (400, param), q)
        after, _ = self.get()
        self.assertEqual(after, before)
        self.assertEqual(self.data_version(), v)

    def test_4_etag_follows_writes(self):
        body, hd = self.get("?from=2025-01-01")
        etag = hd["ETag"]
        self.assertEqual(hd.get("Cache-Control"), "no-cache")
        st, _, _ = self.call("GET", "/api/v1/annotations?from=2025-01-01", token=None,
                             headers={"If-None-Match": etag})
        self.assertEqual(st, 304)
        st, _, note = self.call("POST", "/api/v1/annotations", {"date": "2025-02-02", "text": "Fresh"})
        self.assertEqual(st, 201)
        self.notes.append(("2025-02-02", "api", note["id"], "Fresh", None))
        st, hd2, body2 = self.call("GET", "/api/v1/annotations?from=2025-01-01", token=None,
                                   headers={"If-None-Match": etag})
        self.assertEqual(st, 200)
        self.assertNotEqual(hd2["ETag"], etag)
        self.assertIn(note["id"], [a["id"] for a in body2["annotations"]])
        self.assertEqual(self.data_version(), note["data_version"])
        # a delete moves it again
        st, _, _ = self.call("DELETE", "/api/v1/annotations/%d" % note["id"])
        self.assertEqual(st, 200)
        self.notes[:] = [n for n in self.notes if n[2] != note["id"]]
        st, hd3, body3 = self.call("GET", "/api/v1/annotations?from=2025-01-01", token=None,
                                   headers={"If-None-Match": hd2["ETag"]})
        self.assertEqual(st, 200)
        self.assertNotIn(note["id"], [a["id"] for a in body3["annotations"]])
        self.check_list("2025-01-01", None)

    def test_5_restart_keeps_notes(self):
        rc = self.daemon.stop()
        self.assertEqual(rc, 0, self.daemon.text()[-3000:])
        self.assertFalse(sanitizer_report(self.daemon.text()), self.daemon.text())
        type(self).daemon = Daemon(self.cfg)
        self.check_list()
        for lo, hi in self.random_ranges(5):
            self.check_list(lo, hi)

    def test_6_bad_config_line(self):
        for line, words in (("2025-02-30 = x", "key '2025-02-30': not a date"),
                            ("2025-01-01 =", "key '2025-01-01': the note is empty")):
            path = os.path.join(self.dir, "bad.ini")
            with open(path, "w") as f:
                f.write("[data]\ndb = lt.db\n\n[annotations]\n%s\n" % line)
            p = subprocess.run([BIN, "serve", "--config", path, "--port", "0"], env=clean_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
            err = p.stderr.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 2, err)
            self.assertIn("%s:5: %s" % (path, words), err)


if __name__ == "__main__":
    unittest.main()
