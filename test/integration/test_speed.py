"""Issue 13 point 13, "Speed as felt": API JSON is gzipped for a client
that accepts it.

A 3-year store viewed day by day (the overview over 1,096 days with
bucket=day is the largest answer a page asks for) and the other large
answers of the pages (work in progress, the control chart, a department):
with Accept-Encoding: gzip each comes gzipped, decompresses to the very
bytes of the plain answer, is a fraction of its size, carries
Vary: Accept-Encoding and an ETag of its own that revalidates (304); a
client that does not accept gzip (no header, identity, gzip;q=0) gets the
plain bytes.  The sizes are in docs/BENCHMARKS.md "Speed as felt".
"""
import datetime as dt
import gzip
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from daemon import BIN, Daemon, clean_env

AS_OF = dt.date(2026, 11, 22)


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.putrequest("GET", path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


class Gzip(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="lt-speed-")
        cfg = os.path.join(cls.dir, "config.ini")
        with open(cfg, "w") as f:
            f.write("[data]\ndb = lt.db\nas_of = %s\nseed_demo = false\n" % AS_OF.isoformat())
        subprocess.run([BIN, "generate", "--config", cfg, "--creators", "1500", "--seed", "7",
                        "--days", "1095", "--as-of", AS_OF.isoformat()],
                       check=True, capture_output=True, env=clean_env())
        cls.d = Daemon(cfg)
        cls.frm = (AS_OF - dt.timedelta(days=3 * 365)).isoformat()
        cls.big = "/api/v1/overview?from=%s&to=%s&bucket=day" % (cls.frm, AS_OF.isoformat())

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.dir, True)

    def test_a_3_year_day_view_is_gzipped(self):
        st, plain_h, plain = get(self.d.port, self.big)
        self.assertEqual(st, 200)
        self.assertNotIn("content-encoding", plain_h)
        self.assertIn("accept-encoding", plain_h.get("vary", "").lower())
        doc = json.loads(plain)
        days = len(doc["end_to_end"]["series"])
        self.assertEqual(days, (AS_OF - dt.date.fromisoformat(self.frm)).days + 1, "a bucket per day")
        st, gz_h, gz = get(self.d.port, self.big, {"Accept-Encoding": "gzip, deflate, br"})
        self.assertEqual(st, 200)
        self.assertEqual(gz_h.get("content-encoding"), "gzip")
        self.assertIn("accept-encoding", gz_h.get("vary", "").lower())
        self.assertEqual(int(gz_h["content-length"]), len(gz))
        self.assertEqual(gzip.decompress(gz), plain, "the gzip bytes are the plain answer")
        self.assertLess(len(gz), len(plain) / 4, "%d gzip bytes for %d plain" % (len(gz), len(plain)))
        # one ETag per representation, each revalidates as itself
        self.assertNotEqual(gz_h["etag"], plain_h["etag"])
        st, _, body = get(self.d.port, self.big, {"Accept-Encoding": "gzip", "If-None-Match": gz_h["etag"]})
        self.assertEqual((st, body), (304, b""))
        st, _, body = get(self.d.port, self.big, {"If-None-Match": plain_h["etag"]})
        self.assertEqual((st, body), (304, b""))
        # again: the cached gzip body, the same bytes
        st, again_h, again = get(self.d.port, self.big, {"Accept-Encoding": "gzip"})
        self.assertEqual((st, again_h.get("content-encoding"), again), (200, "gzip", gz))

    def test_a_client_that_does_not_accept_gzip_gets_the_plain_bytes(self):
        _, _, plain = get(self.d.port, self.big)
        for ae in ("identity", "gzip;q=0", "br", "deflate"):
            st, h, body = get(self.d.port, self.big, {"Accept-Encoding": ae})
            self.assertEqual(st, 200, ae)
            self.assertNotIn("content-encoding", h, ae)
            self.assertEqual(body, plain, ae)

    def test_the_pages_large_answers_are_gzipped(self):
        meta = json.loads(get(self.d.port, "/api/v1/meta")[2])
        dept = meta["departments"][0]["name"]
        q = "from=%s&to=%s" % ((AS_OF - dt.timedelta(days=364)).isoformat(), AS_OF.isoformat())
        for path in ("/api/v1/wip?%s&limit=10" % q, "/api/v1/scatter?%s&department=%s" % (q, dept),
                     "/api/v1/departments/%s?%s&bucket=day" % (dept, q), "/api/v1/stages?%s&bucket=week" % q,
                     "/api/v1/flow?%s&bucket=day&department=%s" % (q, dept)):
            st, _, plain = get(self.d.port, path)
            self.assertEqual(st, 200, path)
            self.assertGreater(len(plain), 4096, path)
            st, h, gz = get(self.d.port, path, {"Accept-Encoding": "gzip"})
            self.assertEqual((st, h.get("content-encoding")), (200, "gzip"), path)
            self.assertEqual(gzip.decompress(gz), plain, path)
            self.assertLess(len(gz), len(plain) / 3, path)


if __name__ == "__main__":
    unittest.main()
