"""A private nginx on loopback serving files, for make bench (bench.py).

The reference for warm throughput: nginx serving the very bytes the daemon
answered, from files, with keep-alive and no access log.  Everything lives
under one prefix folder inside the bench's scratch folder (config, pid,
error log, temp paths, document root); nothing of the system's nginx
(/etc/nginx, /var/lib/nginx, /var/log/nginx, its service) is used or
touched.  The master runs in the foreground (`daemon off`), so the process
started here is nginx's master and it is stopped by that pid.

Workers: as root, nginx switches its workers to the `user` of its config
(nobody by default), who cannot read the bench's private scratch folder
(mode 0700, possibly under a folder only root may enter), so the config
names the current user (`user root;`) then; as another user the `user`
directive does not apply and is left out.  The temp paths, pid file and
error log point into the prefix, because nginx's compiled-in defaults are
writable by root only.
"""
import gzip
import http.client
import os
import shutil
import signal
import socket
import subprocess
import time


def free_port():
    """A loopback port nothing listens on right now (nginx cannot listen on
    port 0 and tell which port it got; a race with another program taking
    the port is retried by Nginx.start)."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


CONF = """\
# private nginx of make bench (bench/nginx.py); generated, removed at exit
{user}worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    types {{ }}
    default_type application/json;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    keepalive_requests 100000000;
    gzip off;
    gzip_static on;
    gzip_vary on;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/html;
        location / {{ }}
    }}
}}
"""


class Nginx:
    """nginx serving `files` ({url name: bytes}) from <prefix>/html; each
    file also gets a .gz twin (gzip level 6, what `gzip` does by default)
    that gzip_static sends to clients that accept gzip."""

    def __init__(self, binary, prefix, files, workers):
        self.bin = binary
        self.prefix = prefix
        self.workers = workers
        self.proc = None
        self.port = None
        html = os.path.join(prefix, "html")
        os.makedirs(os.path.join(prefix, "tmp"), exist_ok=True)
        os.makedirs(html, exist_ok=True)
        for name, body in files.items():
            path = os.path.join(html, name)
            with open(path, "wb") as f:
                f.write(body)
            with open(path + ".gz", "wb") as f:
                f.write(gzip.compress(body, 6, mtime=0))
            # same mtime on both: gzip_static then sends the same ETag
            # family and nginx does not consider the twin stale
            st = os.stat(path)
            os.utime(path + ".gz", (st.st_atime, st.st_mtime))

    def start(self, timeout=20.0):
        last = ""
        for attempt in range(3):
            self.port = free_port()
            conf = os.path.join(self.prefix, "nginx.conf")
            user = "user root;\n" if os.geteuid() == 0 else ""
            with open(conf, "w") as f:
                f.write(CONF.format(user=user, workers=self.workers, prefix=self.prefix,
                                    port=self.port))
            errf = open(os.path.join(self.prefix, "stderr.log"), "wb")
            # -e: the error log before the config is read (the compiled-in
            # /var/log/nginx/error.log is root's)
            self.proc = subprocess.Popen(
                [self.bin, "-p", self.prefix, "-c", conf, "-e", os.path.join(self.prefix, "error.log"),
                 "-g", "daemon off;"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=errf)
            errf.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                    c.request("GET", "/")
                    c.getresponse().read()
                    c.close()
                    return self
                except OSError:
                    time.sleep(0.05)
            last = self.log()
            self.stop()
            if "Address already in use" not in last:
                break
        raise RuntimeError("nginx did not start:\n" + last)

    def log(self):
        out = []
        for name in ("stderr.log", "error.log"):
            p = os.path.join(self.prefix, name)
            if os.path.exists(p):
                out.append(open(p, errors="replace").read())
        return "".join(out)

    def url(self, name):
        return "http://127.0.0.1:%d/%s" % (self.port, name)

    def workers_pids(self):
        try:
            with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def stop(self):
        """SIGQUIT to the master (graceful: it stops its workers), SIGKILL
        after 10 s to the master and then to each worker it had, by their
        own pids (a killed master does not take its workers along)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            workers = self.workers_pids()
            os.kill(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                for w in workers:
                    try:
                        os.kill(w, signal.SIGKILL)
                    except OSError:
                        pass
        self.proc = None


def find():
    """Path of the nginx binary, or None."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)
