"""Packaging (issues 5 and 12).

What can be checked of the Dockerfile without Docker: paths copied exist,
the build target exists, both stages install the package of every library
the binary links, the image's config edits leave a config the binary
loads, the entry point is one the binary accepts.

`make install` / `uninstall` into a DESTDIR: the layout (binary, the unit
generated from packaging/leadtimed.service.in with its ExecStart following
BINDIR and SYSCONFDIR, the config and its example, the man page), an
existing config kept, uninstall removing it all; the unit passes
`systemd-analyze verify`; the man page passes groff's and man's warnings
and describes every command, option, config key, exit code and signal the
sources have.  The release binary is hardened (PIE, BIND_NOW, RELRO,
fortify, stack protector) and the Makefile puts CPPFLAGS/CFLAGS/LDFLAGS
after its own flags.  `make dist` builds a tarball that builds offline
with npm and node out of reach and serves the dashboard with the Chart.js
it carries; `make deb` builds the .deb from it, whose binary, unit,
config and maintainer scripts are checked and whose binary serves."""
import glob
import gzip
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import unittest
import urllib.request

from daemon import Daemon

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")
RELEASE = os.path.join(ROOT, "build", "leadtimed")
BUILD_TIMEOUT = 1200  # seconds a build may take on a loaded machine


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def make_env(extra=None):
    """The environment for a make run from a test: no jobserver or flags
    of an outer make (make test runs this suite)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env.update(extra or {})
    return env


def run_make(args, cwd=ROOT, env=None, check=True):
    r = subprocess.run(["make"] + list(args), cwd=cwd, env=make_env(env), capture_output=True,
                       text=True, timeout=BUILD_TIMEOUT)
    if check and r.returncode != 0:
        raise AssertionError("make %s failed (%d):\n%s\n%s" % (" ".join(args), r.returncode,
                                                               r.stdout[-4000:], r.stderr[-4000:]))
    return r


def makefile_var(name):
    m = re.search(r"(?m)^%s\s*:?=\s*(.*)$" % re.escape(name), read("Makefile"))
    return m.group(1).strip()


VERSION = makefile_var("VERSION")


def dev_packages():
    """The Debian package that ships the .pc file of each library in the
    Makefile's PKGS."""
    out = {}
    for lib in makefile_var("PKGS").split():
        pcdir = subprocess.run(["pkg-config", "--variable=pcfiledir", lib], capture_output=True,
                               text=True).stdout.strip()
        pc = os.path.realpath(os.path.join(pcdir, lib + ".pc"))
        owner = subprocess.run(["dpkg", "-S", pc], capture_output=True, text=True)
        if owner.returncode != 0:  # merged /usr: dpkg knows the /lib name
            owner = subprocess.run(["dpkg", "-S", pc.replace("/usr/lib/", "/lib/", 1)],
                                   capture_output=True, text=True)
        pkg = owner.stdout.split(":")[0]
        assert pkg, "no package owns %s (%s)" % (pc, lib)
        out[lib] = pkg
    return out


def stop_timeout_default():
    """[server] stop_timeout's built-in default (config.c)."""
    m = re.search(r"cfg->stop_timeout = (\d+);", read("server/config.c"))
    return int(m.group(1))


def instructions(text):
    """Dockerfile instructions, continuation lines joined."""
    text = re.sub(r"\\\n", " ", text)
    return [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]


def unit_keys(text):
    keys = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            keys.setdefault(k.strip(), []).append(v.strip())
    return keys


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, fs in os.walk(root) for f in fs)


def http_get(port, path, headers=None):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers=headers or {})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, dict(r.headers), r.read()


_TMP = []


def tmpdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    _TMP.append(d)
    return d


def tearDownModule():
    for d in _TMP:
        shutil.rmtree(d, True)


_INSTALLS = {}


def installed(**make_vars):
    """A DESTDIR holding `make install` with these variables (made once)."""
    key = tuple(sorted(make_vars.items()))
    if key not in _INSTALLS:
        dest = tmpdir("lt-install-")
        run_make(["-s", "install", "DESTDIR=" + dest] + ["%s=%s" % kv for kv in key])
        _INSTALLS[key] = dest
    return _INSTALLS[key]


def unit_dir_for_usr():
    """Where `make install PREFIX=/usr` puts the unit: systemd's own answer
    (pkg-config), else /lib/systemd/system."""
    r = subprocess.run(["pkg-config", "--variable=systemdsystemunitdir", "systemd"],
                       capture_output=True, text=True)
    return r.stdout.strip() or "/lib/systemd/system"


def vendor_sources():
    """The four Chart.js bundles stage-web.sh takes from node_modules:
    {staged name: path}."""
    out = {}
    for pkg, path, name in re.findall(r"^\s*vendor (\S+) (\S+) (\S+)$", read("scripts/stage-web.sh"),
                                      re.M):
        with open(os.path.join(ROOT, "node_modules", pkg, "package.json")) as f:
            v = re.search(r'^  "version": "(.*)",$', f.read(), re.M).group(1)
        out["%s-%s.min.js" % (name, v)] = os.path.join(ROOT, "node_modules", pkg, path)
    return out


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
        pkgs = list(dev_packages().values())
        self.assertIn("nettle-dev", pkgs)
        for pkg in pkgs + ["nodejs", "npm", "gzip"]:
            self.assertRegex(build, r"\b%s\b" % re.escape(pkg))

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
    """The unit as `make install` writes it with the default PREFIX."""

    def setUp(self):
        dest = installed()
        with open(os.path.join(dest, "usr/local/lib/systemd/system/leadtimed.service")) as f:
            self.keys = unit_keys(f.read())

    def test_notify_and_reload(self):
        self.assertEqual(self.keys["Type"], ["notify"])  # notify-reload needs systemd 253
        self.assertIn("kill -HUP $MAINPID", self.keys["ExecReload"][0])
        self.assertIn("serve", self.keys["ExecStart"][0])
        args = self.keys["ExecStart"][0].split()
        self.assertEqual(args[:4], ["/usr/local/bin/leadtimed", "serve", "--config",
                                    "/usr/local/etc/leadtime/config.ini"])
        r = subprocess.run([BIN] + args[1:] + ["--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_state_and_user(self):
        self.assertEqual(self.keys["StateDirectory"], ["leadtime"])
        # a dynamic user, or the .deb's static one of the same name
        self.assertEqual(self.keys.get("DynamicUser"), ["yes"])
        self.assertEqual(self.keys.get("User"), ["leadtime"])
        self.assertEqual(self.keys.get("Group"), ["leadtime"])
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


USR_LAYOUT = {  # make install PREFIX=/usr: what goes where
    "bin": "usr/bin/leadtimed",
    "man": "usr/share/man/man1/leadtimed.1",
    "config": "etc/leadtime/config.ini",
    "example": "usr/share/doc/leadtime/examples/config.ini",
    "readme": "usr/share/doc/leadtime/README.md",
    "operations": "usr/share/doc/leadtime/docs/OPERATIONS.md",
}


def verify_unit(unit_text, binary, mandir, workdir):
    """systemd-analyze verify of a unit whose ExecStart is pointed at binary
    (the path it names is not installed here), with man pages looked up in
    mandir; (exit code, output)."""
    path = os.path.join(workdir, "leadtimed.service")
    with open(path, "w") as f:
        f.write(re.sub(r"(?m)^ExecStart=\S+", "ExecStart=" + binary, unit_text))
    env = dict(os.environ, MANPATH=mandir)
    r = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                       env=env, timeout=120)
    return r.returncode, (r.stdout + r.stderr).strip()


class Install(unittest.TestCase):
    """make install DESTDIR=… PREFIX=/usr, and make uninstall."""

    @classmethod
    def setUpClass(cls):
        cls.dest = installed(PREFIX="/usr")
        cls.unit_path = os.path.join(unit_dir_for_usr().lstrip("/"), "leadtimed.service")

    def path(self, rel):
        return os.path.join(self.dest, rel)

    def test_layout(self):
        files = files_under(self.dest)
        expected = sorted(list(USR_LAYOUT.values()) + [self.unit_path]
                          + ["usr/share/doc/leadtime/docs/" + os.path.basename(d)
                             for d in glob.glob(os.path.join(ROOT, "docs", "*.md"))])
        self.assertEqual(files, sorted(set(expected)))
        self.assertEqual(os.stat(self.path(USR_LAYOUT["bin"])).st_mode & 0o777, 0o755)
        for rel in files:
            if rel != USR_LAYOUT["bin"]:
                self.assertEqual(os.stat(self.path(rel)).st_mode & 0o777, 0o644, rel)
        r = subprocess.run([self.path(USR_LAYOUT["bin"]), "--version"], capture_output=True,
                           text=True)
        self.assertEqual(r.stdout, "leadtimed %s\n" % VERSION)
        with open(self.path(USR_LAYOUT["bin"]), "rb") as a, open(RELEASE, "rb") as b:
            self.assertEqual(a.read(), b.read(), "the installed binary is build/leadtimed")

    def test_unit_follows_bindir_and_sysconfdir(self):
        with open(self.path(self.unit_path)) as f:
            text = f.read()
        self.assertNotRegex(text, r"@[A-Z]+@", "a template variable left")
        keys = unit_keys(text)
        self.assertEqual(keys["ExecStart"], [
            "/usr/bin/leadtimed serve --config /etc/leadtime/config.ini "
            "--db /var/lib/leadtime/leadtime.db"])
        self.assertEqual(keys["WorkingDirectory"], ["/var/lib/leadtime"])
        # the same unit under another BINDIR and SYSCONFDIR
        other = installed(PREFIX="/opt/lt", BINDIR="/opt/lt/sbin", SYSCONFDIR="/etc/opt/lt")
        with open(os.path.join(other, "opt/lt/lib/systemd/system/leadtimed.service")) as f:
            keys = unit_keys(f.read())
        self.assertEqual(keys["ExecStart"][0].split()[:4],
                         ["/opt/lt/sbin/leadtimed", "serve", "--config",
                          "/etc/opt/lt/leadtime/config.ini"])
        self.assertTrue(os.path.isfile(os.path.join(other, "opt/lt/sbin/leadtimed")))
        self.assertTrue(os.path.isfile(os.path.join(other, "etc/opt/lt/leadtime/config.ini")))
        with open(os.path.join(other, "opt/lt/share/man/man1/leadtimed.1")) as f:
            self.assertIn("/etc/opt/lt/leadtime/config.ini", f.read())

    def test_unit_passes_systemd_analyze_verify(self):
        with open(self.path(self.unit_path)) as f:
            text = f.read()
        work = tmpdir("lt-verify-")
        mandir = self.path("usr/share/man")
        rc, out = verify_unit(text, RELEASE, mandir, work)
        self.assertEqual((rc, out), (0, ""))
        # the check can fail: a misspelt key, a man page that is not there
        rc, out = verify_unit(text.replace("ProtectHome=yes", "ProtectHome=yes\nProtectHoem=yes"),
                              RELEASE, mandir, work)
        self.assertIn("ProtectHoem", out)
        rc, out = verify_unit(text, RELEASE, os.path.join(work, "none"), work)
        self.assertNotEqual(rc, 0)
        self.assertIn("leadtimed(1)", out)

    def test_installed_config_keeps_the_store_in_the_state_directory(self):
        with open(self.path(USR_LAYOUT["config"])) as f:
            text = f.read()
        with open(self.path(USR_LAYOUT["example"])) as f:
            self.assertEqual(f.read(), text)
        self.assertRegex(text, r"(?m)^db = /var/lib/leadtime/leadtime\.db$")
        self.assertRegex(text, r"(?m)^seed_demo = false\b")
        # every other line is the repository's config.ini
        orig = read("config.ini").splitlines()
        inst = text.splitlines()
        self.assertEqual(len(orig), len(inst))
        changed = [(a, b) for a, b in zip(orig, inst) if a != b]
        self.assertEqual([a.split(" =")[0] for a, _ in changed], ["db", "seed_demo"])
        # the binary loads it: a store given by --db, no demo data
        tmp = tmpdir("lt-cfg-")
        db = os.path.join(tmp, "x.db")
        d = Daemon(self.path(USR_LAYOUT["config"]), binary=RELEASE, args=["--db", db])
        try:
            status, _, body = http_get(d.port, "/api/v1/meta")
            self.assertEqual(status, 200)
            self.assertIn(b'"tickets":0', body)
        finally:
            self.assertEqual(d.stop(), 0)
        self.assertNotIn("generating demo data", d.text())

    def test_existing_config_is_kept_and_uninstall_removes_the_rest(self):
        dest = tmpdir("lt-reinstall-")
        args = ["DESTDIR=" + dest, "PREFIX=/usr"]
        run_make(["-s", "install"] + args)
        cfg = os.path.join(dest, USR_LAYOUT["config"])
        with open(cfg, "a") as f:
            f.write("; edited by the operator\n")
        r = run_make(["install"] + args)
        self.assertIn("keeping the existing", r.stdout)
        with open(cfg) as f:
            self.assertTrue(f.read().endswith("; edited by the operator\n"))
        # uninstall: everything but the edited config goes
        r = run_make(["uninstall"] + args)
        self.assertIn("keeping", r.stdout)
        self.assertEqual(files_under(dest), [USR_LAYOUT["config"]])
        for gone in ("usr/share/doc/leadtime", "usr/bin/leadtimed"):
            self.assertFalse(os.path.exists(os.path.join(dest, gone)), gone)
        # an unchanged config goes too, and its folder
        os.unlink(cfg)
        run_make(["-s", "install"] + args)
        self.assertGreater(len(files_under(dest)), 5)
        run_make(["-s", "uninstall"] + args)
        self.assertEqual(files_under(dest), [])
        self.assertFalse(os.path.exists(os.path.join(dest, "etc/leadtime")))


def render_man(path, width=400):
    """The page as text, one long line per paragraph (no hyphenation)."""
    r = subprocess.run(["groff", "-man", "-Tutf8", "-rLL=%dn" % width, "-rHY=0", "-P-cbou", path],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.replace("\u2010", "-").replace("\u2212", "-")


def man_sections(text):
    """{SECTION: text} of the top-level sections, {[sub]: text} of the
    subsections (lines indented by three spaces)."""
    out, name, buf = {}, None, []
    for line in text.splitlines():
        m = re.match(r"^([A-Z][A-Z ]+)$", line) or re.match(r"^   (\[\w+\])$", line)
        if m:
            if name:
                out[name] = "\n".join(buf)
            name, buf = m.group(1), []
        else:
            buf.append(line)
    if name:
        out[name] = "\n".join(buf)
    return out


class ManPage(unittest.TestCase):
    """leadtimed.1 as installed: no warnings from groff, man and lexgrog;
    every command, option, config key, exit code and signal of the sources
    described."""

    @classmethod
    def setUpClass(cls):
        cls.page = os.path.join(installed(PREFIX="/usr"), USR_LAYOUT["man"])
        cls.text = render_man(cls.page)
        cls.sections = man_sections(cls.text)

    def test_no_warnings(self):
        r = subprocess.run(["groff", "-man", "-ww", "-z", self.page], capture_output=True,
                           text=True)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        r = subprocess.run(["man", "--warnings", "-l", self.page], capture_output=True,
                           text=True, env=env)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertIn("LEADTIMED(1)", r.stdout)
        r = subprocess.run(["lexgrog", self.page], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('"leadtimed - ', r.stdout)
        # the check can fail: a macro groff does not know
        bad = os.path.join(tmpdir("lt-man-"), "bad.1")
        with open(self.page) as f, open(bad, "w") as g:
            g.write(f.read().replace(".SH OPTIONS", ".SH OPTIONS\n.XYZ nonsense"))
        r = subprocess.run(["groff", "-man", "-ww", "-z", bad], capture_output=True, text=True)
        self.assertIn("XYZ", r.stderr)

    def test_version_and_paths(self):
        r = subprocess.run([RELEASE, "--version"], capture_output=True, text=True)
        self.assertIn(r.stdout.strip(), self.text.splitlines()[-1])  # the footer
        self.assertNotRegex(self.text, r"@[A-Z]+@", "a template variable left")
        self.assertIn("/etc/leadtime/config.ini", self.sections["FILES"])
        self.assertIn("/var/lib/leadtime/leadtime.db", self.sections["FILES"])

    def test_every_command_and_option(self):
        main = read("server/main.c")
        usage = re.search(r'usage_main\[\] =(.*?);\n', main, re.S).group(1)
        commands = re.findall(r'"  ([a-z]+) {2,}', usage.split("commands:")[1].split("options")[0])
        self.assertEqual(len(commands), 5)
        synopsis = self.sections["SYNOPSIS"]
        for c in commands:
            self.assertRegex(synopsis, r"leadtimed (\[)?%s\b" % c)
            self.assertRegex(self.sections["COMMANDS"], r"(?m)^       %s\b" % c, c)
        options = set(re.findall(r'\{ "([a-z][a-z-]*)", CLI_', main))
        options |= set(re.findall(r"--([a-z][a-z-]+)", main))
        self.assertGreater(len(options), 20)
        for o in sorted(options):
            flag = "-" + o if len(o) == 1 else "--" + o
            self.assertRegex(self.text, r"(?<![\w-])%s(?![\w-])" % re.escape(flag), flag)

    def test_every_config_key_in_its_section(self):
        keys = re.findall(r'\{ "(\w+)", "(\w+)", K_', read("server/config.c"))
        self.assertGreater(len(keys), 40)
        for section, key in keys:
            sec = "[%s]" % section
            self.assertIn(sec, self.sections, sec)
            self.assertRegex(self.sections[sec], r"(?<![\w-])%s(?![\w-])" % key, sec + " " + key)
        for sec in ("[aliases]", "[stages]"):  # read by config.c's handler itself
            self.assertIn(sec, self.sections)

    def test_exit_codes_and_signals(self):
        codes = re.findall(r"CLI_\w+ = (\d+),", read("server/cli.h"))
        self.assertEqual(sorted(codes), ["0", "1", "2"])
        for c in codes:
            self.assertRegex(self.sections["EXIT STATUS"], r"(?m)^       %s\s" % c)
        main = read("server/main.c")
        sigs = set(re.findall(r"sigaddset\(&sigs, (SIG\w+)\)", main))
        sigs |= set(re.findall(r"signal\((SIG\w+),", main))
        self.assertEqual(sigs, {"SIGTERM", "SIGINT", "SIGHUP", "SIGPIPE"})
        for sig in sigs:
            self.assertIn(sig, self.sections["SIGNALS"])


def elf_facts(path):
    dyn = subprocess.run(["readelf", "-dW", path], capture_output=True, text=True).stdout
    hdr = subprocess.run(["readelf", "-hW", path], capture_output=True, text=True).stdout
    seg = subprocess.run(["readelf", "-lW", path], capture_output=True, text=True).stdout
    syms = subprocess.run(["nm", "-D", path], capture_output=True, text=True).stdout
    return dyn, hdr, seg, syms


class Hardening(unittest.TestCase):
    def check_binary(self, path):
        dyn, hdr, seg, syms = elf_facts(path)
        self.assertRegex(hdr, r"Type:\s+DYN ")                       # PIE
        self.assertRegex(dyn, r"\(FLAGS_1\)\s+Flags: .*\bPIE\b")
        self.assertRegex(dyn, r"\(FLAGS\)\s+.*\bBIND_NOW\b")          # -z now
        self.assertRegex(dyn, r"\(FLAGS_1\)\s+Flags: .*\bNOW\b")
        self.assertIn("GNU_RELRO", seg)                               # -z relro
        self.assertRegex(seg, r"GNU_STACK .* RW ")                    # no executable stack
        self.assertIn("__stack_chk_fail", syms)                       # -fstack-protector-strong
        fortified = set(re.findall(r"__(\w+)_chk@", syms))            # _FORTIFY_SOURCE
        self.assertTrue({"memcpy", "snprintf"} <= fortified, fortified)
        # SHA-256 and the compare are nettle's
        self.assertRegex(dyn, r"NEEDED.*libnettle\.so")
        self.assertRegex(syms, r"U nettle_sha256_digest\b")
        self.assertRegex(syms, r"U nettle_memeql_sec\b")

    def test_release_binary(self):
        self.check_binary(RELEASE)

    def test_flags_order_werror_and_fortify(self):
        """A packager's flags come after ours; WERROR picks -Werror; a
        caller's own _FORTIFY_SOURCE replaces ours."""
        def dry(*args):
            b = tmpdir("lt-dry-")
            return run_make(["-n", "-B", "BUILD=" + b] + list(args) + [b + "/leadtimed"]).stdout

        def lines(out):
            cc = [l for l in out.splitlines() if " -c -o " in l and l.endswith("server/http.c")]
            ld = [l for l in out.splitlines() if re.search(r" -o \S+/leadtimed ", l)]
            self.assertEqual((len(cc), len(ld)), (1, 1), out[-2000:])
            return cc[0], ld[0]

        out = dry("WERROR=1", "CPPFLAGS=-DLT_CPP_MARK", "CFLAGS=-DLT_C_MARK -O3",
                  "LDFLAGS=-Wl,-O1 -Wl,--LT-LD-MARK")
        cc, ld = lines(out)
        w = cc.split()
        for f in ("-Werror", "-D_FORTIFY_SOURCE=2", "-fstack-protector-strong", "-fPIE", "-Wall"):
            self.assertIn(f, w)
        self.assertLess(w.index("-Wall"), w.index("-DLT_CPP_MARK"))
        self.assertLess(w.index("-DLT_CPP_MARK"), w.index("-DLT_C_MARK"))
        self.assertLess(w.index("-O2"), w.index("-O3"), "the caller's -O3 wins")
        l = ld.split()
        for f in ("-pie", "-Wl,-z,relro", "-Wl,-z,now"):
            self.assertIn(f, l)
        self.assertLess(l.index("-Wl,-z,now"), l.index("-Wl,--LT-LD-MARK"))
        cc, _ = lines(dry("WERROR=0", "CPPFLAGS=-D_FORTIFY_SOURCE=3"))
        w = cc.split()
        self.assertNotIn("-Werror", w)
        self.assertEqual([f for f in w if "_FORTIFY_SOURCE" in f], ["-D_FORTIFY_SOURCE=3"])


SHIM = """#!/bin/sh
echo "$0 $*" >> "%s"
echo "$0: not available to this build" >&2
exit 127
"""


def serve_and_fetch(test, binary, cfg, args=()):
    """Start binary on cfg; /healthz, the overview page and the Chart.js
    bundle it references (plain and gzip); returns {name: bytes}."""
    d = Daemon(cfg, binary=binary, args=args)
    try:
        status, _, body = http_get(d.port, "/healthz")
        test.assertEqual((status, body), (200, b"ok\n"))
        status, headers, page = http_get(d.port, "/")
        test.assertEqual(status, 200)
        test.assertIn("text/html", headers["Content-Type"])
        names = re.findall(r"vendor/(chart-[0-9.]+\.min\.js)", page.decode())
        test.assertTrue(names, "the page loads Chart.js")
        status, headers, js = http_get(d.port, "/vendor/" + names[0])
        test.assertEqual(status, 200)
        test.assertIn("javascript", headers["Content-Type"])
        status, headers, gz = http_get(d.port, "/vendor/" + names[0],
                                       {"Accept-Encoding": "gzip"})
        test.assertEqual(headers.get("Content-Encoding"), "gzip")
        test.assertEqual(gzip.decompress(gz), js)
    finally:
        test.assertEqual(d.stop(), 0)
    return {names[0]: js}


def minimal_config(tmp):
    cfg = os.path.join(tmp, "config.ini")
    with open(cfg, "w") as f:
        f.write("[data]\ndb = store.db\nseed_demo = false\n")
    return cfg


class Dist(unittest.TestCase):
    """make dist: the tarball builds with npm and node out of reach and
    serves the dashboard with the Chart.js it carries."""

    @classmethod
    def setUpClass(cls):
        cls.build = tmpdir("lt-dist-")
        run_make(["-s", "dist", "BUILD=" + cls.build])
        cls.tarball = os.path.join(cls.build, "leadtime-%s.tar.gz" % VERSION)

    def test_contents(self):
        prefix = "leadtime-%s/" % VERSION
        with tarfile.open(self.tarball) as t:
            members = t.getmembers()
            names = [m.name for m in members]
            for m in members:
                self.assertTrue(m.name == prefix[:-1] or m.name.startswith(prefix), m.name)
                self.assertEqual((m.uid, m.gid), (0, 0), m.name)
            rel = {n[len(prefix):] for n in names if n.startswith(prefix)}
            tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True,
                                     text=True).stdout.split()
            tracked = {f for f in tracked if os.path.exists(os.path.join(ROOT, f))}
            self.assertEqual(tracked - rel, set(), "every file git tracks")
            vendor = vendor_sources()
            self.assertEqual(len(vendor), 4)
            extra = {n for n in rel - tracked if t.getmember(prefix + n).isfile()}
            self.assertEqual(extra, {"web-vendor/" + n for n in vendor})
            for n, src in vendor.items():
                with open(src, "rb") as f:
                    self.assertEqual(t.extractfile(prefix + "web-vendor/" + n).read(), f.read(), n)
        # reproducible: the same tree gives the same bytes
        again = tmpdir("lt-dist2-")
        run_make(["-s", "dist", "BUILD=" + again])
        with open(self.tarball, "rb") as a, open(os.path.join(again, os.path.basename(self.tarball)),
                                                  "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_builds_offline_without_npm_and_serves(self):
        tmp = tmpdir("lt-offline-")
        with tarfile.open(self.tarball) as t:
            t.extractall(tmp)
        src = os.path.join(tmp, "leadtime-%s" % VERSION)
        shims = os.path.join(tmp, "shims")
        os.mkdir(shims)
        calls = os.path.join(tmp, "calls.log")
        for tool in ("npm", "node", "npx"):
            with open(os.path.join(shims, tool), "w") as f:
                f.write(SHIM % calls)
            os.chmod(os.path.join(shims, tool), 0o755)
        env = {"PATH": shims + os.pathsep + os.environ["PATH"], "HOME": tmp}
        r = run_make(["-j2", "AUTO_DEPS=0"], cwd=src, env=env)
        self.assertFalse(os.path.exists(calls), "the build ran npm or node")
        self.assertFalse(os.path.exists(os.path.join(src, "node_modules")))
        self.assertIn("scripts/stage-web.sh", r.stdout)
        cc = [l for l in r.stdout.splitlines() if " -c -o build/obj/http.o " in l]
        self.assertEqual(len(cc), 1)
        self.assertNotIn("-Werror", cc[0].split(), "no -Werror outside a git checkout")
        binary = os.path.join(src, "build", "leadtimed")
        Hardening.check_binary(self, binary)
        served = serve_and_fetch(self, binary, minimal_config(tmp))
        vendor = vendor_sources()
        for name, body in served.items():
            with open(vendor[name], "rb") as f:
                self.assertEqual(body, f.read(), name)


class Deb(unittest.TestCase):
    """make deb: dpkg-buildpackage -us -uc -b on the dist tarball."""

    @classmethod
    def setUpClass(cls):
        cls.build = tmpdir("lt-deb-")
        run_make(["deb", "BUILD=" + cls.build])
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                              text=True).stdout.strip()
        cls.deb = os.path.join(cls.build, "deb", "leadtime_%s-1_%s.deb" % (VERSION, arch))
        cls.root = tmpdir("lt-debx-")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        cls.ctrl = tmpdir("lt-debc-")
        subprocess.run(["dpkg-deb", "-e", cls.deb, cls.ctrl], check=True)

    def field(self, name):
        return subprocess.run(["dpkg-deb", "-f", self.deb, name], capture_output=True,
                              text=True).stdout.strip()

    def test_control(self):
        self.assertEqual(self.field("Package"), "leadtime")
        self.assertEqual(self.field("Version"), VERSION + "-1")
        depends = self.field("Depends")
        for pkg in ("libnettle8", "libmicrohttpd12", "libsqlite3-0", "adduser", "tzdata"):
            self.assertRegex(depends, r"\b%s\b" % re.escape(pkg))
        # Build-Depends name the -dev package of every library the Makefile links
        control = read("debian/control")
        bd = re.search(r"^Build-Depends:(.*?)^\S", control, re.M | re.S).group(1)
        self.assertIn("debhelper-compat (= 13)", bd)
        for lib, pkg in dev_packages().items():
            self.assertRegex(bd, r"\b%s\b" % re.escape(pkg), lib)
        # and so does scripts/install-deps.sh's C build group
        deps = re.search(r'^PKGS="(.*?)"', read("scripts/install-deps.sh"), re.M | re.S).group(1)
        for lib, pkg in dev_packages().items():
            self.assertIn(pkg, deps.split(), lib)
        changelog = read("debian/changelog").splitlines()[0]
        self.assertTrue(changelog.startswith("leadtime (%s-" % VERSION), changelog)

    def test_files(self):
        unit = os.path.join(unit_dir_for_usr(), "leadtimed.service").lstrip("/")
        for rel in ("usr/bin/leadtimed", unit, "etc/leadtime/config.ini",
                    "usr/share/man/man1/leadtimed.1.gz", "usr/share/doc/leadtime/copyright",
                    "usr/share/doc/leadtime/examples/config.ini"):
            self.assertTrue(os.path.isfile(os.path.join(self.root, rel)), rel)
        with open(os.path.join(self.ctrl, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/leadtime/config.ini"])
        with open(os.path.join(self.root, unit)) as f:
            keys = unit_keys(f.read())
        self.assertEqual(keys["ExecStart"][0].split()[:4],
                         ["/usr/bin/leadtimed", "serve", "--config", "/etc/leadtime/config.ini"])
        Hardening.check_binary(self, os.path.join(self.root, "usr/bin/leadtimed"))
        # the packaged man page is the installed one, compressed
        with gzip.open(os.path.join(self.root, "usr/share/man/man1/leadtimed.1.gz"), "rt") as f:
            self.assertIn('.TH LEADTIMED 1 ', f.read())

    def test_maintainer_scripts(self):
        with open(os.path.join(self.ctrl, "postinst")) as f:
            post = f.read()
        self.assertIn("adduser --system --group", post)
        self.assertIn("dpkg-statoverride --update --add root leadtime 0640 /etc/leadtime/config.ini",
                      post)
        self.assertIn("deb-systemd-helper enable 'leadtimed.service'", post)   # dh_installsystemd
        self.assertIn("deb-systemd-invoke $_dh_action 'leadtimed.service'", post)
        with open(os.path.join(self.ctrl, "prerm")) as f:
            self.assertIn("deb-systemd-invoke stop 'leadtimed.service'", f.read())
        for script in ("postinst", "prerm", "postrm"):
            r = subprocess.run(["sh", "-n", os.path.join(self.ctrl, script)], capture_output=True,
                               text=True)
            self.assertEqual((r.returncode, r.stderr), (0, ""), script)

    def test_packaged_binary_serves_with_the_packaged_config(self):
        tmp = tmpdir("lt-debrun-")
        served = serve_and_fetch(self, os.path.join(self.root, "usr/bin/leadtimed"),
                                 os.path.join(self.root, "etc/leadtime/config.ini"),
                                 args=["--db", os.path.join(tmp, "leadtime.db")])
        self.assertEqual(len(served), 1)
        unit = os.path.join(unit_dir_for_usr(), "leadtimed.service").lstrip("/")
        with open(os.path.join(self.root, unit)) as f:
            rc, out = verify_unit(f.read(), os.path.join(self.root, "usr/bin/leadtimed"),
                                  os.path.join(self.root, "usr/share/man"), tmp)
        self.assertEqual((rc, out), (0, ""))


if __name__ == "__main__":
    unittest.main()
