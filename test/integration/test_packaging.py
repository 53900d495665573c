"""What can be checked of the Dockerfile and the systemd unit without Docker
or systemd (issue 5): paths copied exist, the build target exists, the
runtime image installs the package of every library the binary links, the
image's config edits leave a config the binary loads, the unit has the keys
operations rely on, and the command lines of both are ones the binary
accepts."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def stop_timeout_default():
    """[server] stop_timeout's built-in default (config.c)."""
    m = re.search(r"cfg->stop_timeout = (\d+);", read("server/config.c"))
    return int(m.group(1))


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
                    "libsystemd-dev", "libxlsxwriter-dev", "nodejs", "npm", "gzip"):
            self.assertIn(pkg, build)

    def runtime(self):
        return self.ins[[i for i, l in enumerate(self.ins) if l.startswith("FROM ")][1]:]

    def test_runtime_installs_every_library_the_binary_links(self):
        release = os.path.join(ROOT, "build", "leadtimed")
        if not (os.access(release, os.X_OK) and shutil.which("objdump") and shutil.which("dpkg")):
            self.skipTest("needs build/leadtimed, objdump and dpkg")
        needed = re.findall(r"NEEDED\s+(\S+)", subprocess.run(
            ["objdump", "-p", release], capture_output=True, text=True).stdout)
        paths = dict(re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(
            ["ldd", release], capture_output=True, text=True).stdout, re.M))
        installed = " ".join(l for l in self.runtime() if l.startswith("RUN "))
        self.assertGreaterEqual(len(needed), 5)
        for soname in needed:
            real = os.path.realpath(paths[soname])
            owner = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True)
            if owner.returncode != 0:  # merged /usr: dpkg knows the /lib name
                owner = subprocess.run(["dpkg", "-S", real.replace("/usr/lib/", "/lib/", 1)],
                                       capture_output=True, text=True)
            pkg = owner.stdout.split(":")[0]
            self.assertTrue(pkg, soname)
            if pkg != "libc6":  # in every Debian image
                self.assertRegex(installed, r"\b%s\b" % re.escape(pkg), soname)

    def test_runtime_config_loads(self):
        """The RUN lines that edit /etc/leadtime/config.ini, applied to a copy
        of config.ini: the binary loads the result; the graceful stop fits
        in `docker stop`'s 10 s."""
        tmp = tempfile.mkdtemp(prefix="lt-pkg-")
        self.addCleanup(shutil.rmtree, tmp, True)
        ini = os.path.join(tmp, "config.ini")
        shutil.copy(os.path.join(ROOT, "config.ini"), ini)
        edits = 0
        for l in self.runtime():
            for expr in re.findall(r"sed -i '([^']*)' /etc/leadtime/config\.ini", l):
                r = subprocess.run(["sed", "-i", expr, ini], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                edits += 1
        self.assertGreater(edits, 0)
        with open(ini) as f:
            text = f.read()
        self.assertRegex(text, r"(?m)^listen = 0\.0\.0\.0")
        m = re.search(r"(?m)^stop_timeout = (\d+)", text)
        self.assertTrue(m and int(m.group(1)) < 10, "a stop could outlast docker stop's 10 s")
        r = subprocess.run([BIN, "generate", "--config", ini, "--csv", os.path.join(tmp, "x.csv"),
                            "--creators", "1", "--days", "28"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

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
        args = self.keys["ExecStart"][0].split()
        self.assertEqual(args[:2], ["/usr/local/bin/leadtimed", "serve"])
        r = subprocess.run([BIN] + args[1:] + ["--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

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
        # SIGTERM waits up to [server] stop_timeout for requests in flight
        self.assertGreater(int(self.keys["TimeoutStopSec"][0]), stop_timeout_default())


if __name__ == "__main__":
    unittest.main()
