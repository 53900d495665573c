"""What can be checked of the Dockerfile and the systemd unit without Docker
or systemd (issue 5): paths copied exist, the build target exists, the unit
has the keys operations rely on, and the image's command line is one the
binary accepts."""
import os
import re
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def instructions(text):
    """Dockerfile instructions, continuation lines joined."""
    text = re.sub(r"\\\n", " ", text)
    return [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]


class Dockerfile(unittest.TestCase):
    def setUp(self):
        self.ins = instructions(read("Dockerfile"))

    def test_multi_stage_non_root_volume_healthcheck(self):
        froms = [l for l in self.ins if l.startswith("FROM ")]
        self.assertEqual(len(froms), 2)
        self.assertIn(" AS build", froms[0])
        self.assertIn("slim", froms[1])
        runtime = self.ins[self.ins.index(froms[1]):]
        users = [l for l in runtime if l.startswith("USER ")]
        self.assertTrue(users and users[-1] != "USER root")
        self.assertTrue(any(l.startswith("VOLUME /var/lib/leadtime") for l in runtime))
        self.assertTrue(any(l.startswith("HEALTHCHECK") and "/healthz" in l for l in runtime))

    def test_copied_paths_exist(self):
        for l in self.ins:
            if l.startswith("COPY ") and "--from=" not in l:
                srcs = l.split()[1:-1]
                for src in srcs:
                    self.assertTrue(os.path.exists(os.path.join(ROOT, src)), l)

    def test_build_target_is_the_makefile_binary(self):
        runs = " ".join(l for l in self.ins if l.startswith("RUN "))
        m = re.search(r"make (\S+)", runs)
        self.assertIsNotNone(m)
        target = m.group(1)
        r = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        copied = [l for l in self.ins if l.startswith("COPY --from=build")]
        self.assertTrue(any(target in l for l in copied), "the image takes what the build made")

    def test_build_stage_installs_every_library_the_makefile_links(self):
        build = " ".join(self.ins[:[i for i, l in enumerate(self.ins) if l.startswith("FROM ")][1]])
        for pkg in ("libmicrohttpd-dev", "libsqlite3-dev", "libjansson-dev", "libinih-dev",
                    "libsystemd-dev", "nodejs", "npm", "gzip"):
            self.assertIn(pkg, build)

    def test_entrypoint_is_accepted_by_the_binary(self):
        ep = [l for l in self.ins if l.startswith("ENTRYPOINT")][0]
        args = re.findall(r'"([^"]*)"', ep)
        self.assertEqual(args[:2], ["/usr/local/bin/leadtimed", "serve"])
        r = subprocess.run([BIN] + args[1:] + ["--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)


class Unit(unittest.TestCase):
    def setUp(self):
        self.keys = {}
        for line in read("packaging/leadtimed.service").splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                self.keys.setdefault(k.strip(), []).append(v.strip())

    def test_notify_and_reload(self):
        self.assertEqual(self.keys["Type"], ["notify"])  # notify-reload needs systemd 253
        self.assertIn("kill -HUP $MAINPID", self.keys["ExecReload"][0])
        self.assertIn("serve", self.keys["ExecStart"][0])

    def test_state_and_user(self):
        self.assertEqual(self.keys["StateDirectory"], ["leadtime"])
        self.assertTrue(self.keys.get("DynamicUser") == ["yes"] or "User" in self.keys)
        self.assertIn("/var/lib/leadtime/", self.keys["ExecStart"][0])

    def test_hardening(self):
        for k, v in (("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"),
                     ("PrivateTmp", "yes"), ("ProtectHome", "yes"),
                     ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX")):
            self.assertEqual(self.keys.get(k), [v], k)
        self.assertEqual(self.keys.get("CapabilityBoundingSet"), [""])

    def test_stop_timeout_covers_the_grace_period(self):
        # http_stop() waits up to 10 s for requests in flight
        self.assertGreater(int(self.keys["TimeoutStopSec"][0]), 10)


if __name__ == "__main__":
    unittest.main()
