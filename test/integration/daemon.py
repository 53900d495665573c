"""A leadtimed daemon for the integration tests: `serve --port 0` in the
background, the bound port read from its log line, stderr collected by a
thread, stopped by its own pid; and run(), the CLI."""
import http.client
import os
import re
import signal
import subprocess
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")


def clean_env(extra=None):
    """The environment without systemd's variables (the tests set them)."""
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    env.pop("NOTIFY_SOCKET", None)
    env.update(extra or {})
    return env


def run(args, timeout=300, **kw):
    """leadtimed with args (bytes out, systemd's variables unset)."""
    return subprocess.run([BIN] + [str(a) for a in args], env=clean_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kw)


class Daemon:
    def __init__(self, cfg, env=None, start_timeout=60, binary=None, args=(), wrap=()):
        """binary: another leadtimed than LEADTIME_BIN; args: more options;
        wrap: a command that runs the daemon (as another user, in a mount
        namespace) by exec, so that self.proc.pid is the daemon's."""
        self.proc = subprocess.Popen(list(wrap) + [binary or BIN, "serve", "--config", cfg,
                                                   "--port", "0"] + list(args),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     env=clean_env(env))
        self.log = []
        self.port = None
        pat = re.compile(r"serving .* on http://127\.0\.0\.1:(\d+)/")
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.log.append(line.decode("utf-8", "replace"))
            m = pat.search(self.log[-1])
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            self.proc.kill()
            self.proc.wait()
            rest = self.proc.stderr.read().decode("utf-8", "replace")
            raise RuntimeError("daemon did not start:\n" + "".join(self.log) + rest)
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line.decode("utf-8", "replace"))

    def request(self, method, path, body=None, headers=None, timeout=60):
        """One request on a new connection: (status, headers with lower-case
        names, body)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            c.close()

    def text(self):
        return "".join(self.log)

    def wait_log(self, pattern, timeout=10):
        """The log once it matches pattern (stderr is read by a thread)."""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.text()

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Signal our own pid; returns the exit code (SIGKILL after timeout)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait()
        self.reader.join(10)
        return rc
