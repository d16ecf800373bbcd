"""A private HAProxy on loopback for the tern-haproxy tests: a stats socket
(unix, admin level), a TCP stats socket, a stats page with basic auth and
HAProxy's own Prometheus exporter, one frontend, a backend of real servers
(small HTTP servers on loopback: one answering, one whose port is closed so
its health check fails, one put into maintenance through the socket) and a
backend whose server answers 500.

Python 3 standard library only. Everything listens on 127.0.0.1.
"""

import http.server
import os
import shutil
import socket
import socketserver
import threading
import time
import urllib.request

import harness

HAPROXY = "/usr/sbin/haproxy"
HAPROXY_EXPORTER = "/usr/bin/prometheus-haproxy-exporter"
STATS_USER = "stats"
STATS_PASSWORD = "s3cret-for-tests"


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        body = b"ok\n" if self.server.status < 400 else b"failing\n"
        self.send_response(self.server.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # HAProxy's health checks hang up early; not worth a trace


class AppServer:
    """An HTTP server on 127.0.0.1 that answers every GET with `status`."""

    def __init__(self, status=200):
        self.server = _Server((harness.LOOPBACK, 0), _Handler)
        self.server.status = status
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port():
    """A loopback port nothing listens on (bound and released)."""
    with socket.socket() as s:
        s.bind((harness.LOOPBACK, 0))
        return s.getsockname()[1]


def runtime_api(path, command, timeout=5):
    """One command on the runtime API's unix socket; the answer text."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(command.encode() + b"\n")
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode()


def show_stat(path):
    """{(pxname, svname): {column: value}} from `show stat`."""
    text = runtime_api(path, "show stat")
    lines = [l for l in text.splitlines() if l]
    header = lines[0][2:].split(",")
    table = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(",")))
        table[(row["pxname"], row["svname"])] = row
    return table


def http_get(port, path="/", timeout=5):
    """GET on the frontend; the status code (errors are codes too)."""
    request = urllib.request.Request(f"http://{harness.LOOPBACK}:{port}{path}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        e.read()
        return e.code


class HAProxyEnv:
    """Starts everything; stop() (or the end of the test) takes it down."""

    def __init__(self, tmp, servers=None):
        harness.require_program(HAPROXY)
        self.tmp = tmp
        self.apps = [AppServer(200), AppServer(200)]
        self.failing = AppServer(500)
        self.socket_path = os.path.join(tmp.path, "admin.sock")
        self.password_file = tmp.file("stats-password", STATS_PASSWORD + "\n", mode=0o600)
        self.process = None
        self.frontend_port = self.stats_port = self.tcp_port = self.tls_port = None
        # A TLS stats page with a self-signed certificate, when openssl is here.
        self.pem = self._self_signed() if shutil.which("openssl") else None
        # `servers` extra servers in a second backend (the benchmark's 200).
        self.extra_servers = servers or 0

    def _self_signed(self):
        key, cert = self.tmp.file("stats.key"), self.tmp.file("stats.crt")
        code, _, err = harness.run_command(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert], timeout=30)
        if code != 0:
            raise RuntimeError(f"openssl req failed: {err}")
        with open(key) as k, open(cert) as c:
            return self.tmp.file("stats.pem", c.read() + k.read(), mode=0o600)

    def config(self):
        extra = ""
        if self.extra_servers:
            lines = [f"backend be_many\n  balance roundrobin"]
            for i in range(self.extra_servers):
                port = self.apps[i % 2].port
                lines.append(f"  server s{i:03d} {harness.LOOPBACK}:{port}")
            extra = "\n".join(lines) + "\n"
        return f"""global
  stats socket {self.socket_path} mode 600 level admin
  stats socket ipv4@{harness.LOOPBACK}:{self.tcp_port} level admin
  pidfile {self.tmp.path}/haproxy.pid
defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
frontend fe_main
  bind {harness.LOOPBACK}:{self.frontend_port}
  maxconn 500
  use_backend be_fail if {{ path_beg /fail }}
  default_backend be_app
backend be_app
  balance roundrobin
  option httpchk GET /
  default-server inter 200ms fall 1 rise 1
  server app1 {harness.LOOPBACK}:{self.apps[0].port} check maxconn 100
  server app2 {harness.LOOPBACK}:{closed_port()} check
  server app3 {harness.LOOPBACK}:{self.apps[1].port} check
backend be_fail
  server fail1 {harness.LOOPBACK}:{self.failing.port}
{extra}listen stats
  bind {harness.LOOPBACK}:{self.stats_port}
  stats enable
  stats uri /stats
  stats auth {STATS_USER}:{STATS_PASSWORD}
  http-request use-service prometheus-exporter if {{ path /metrics }}
""" + (f"""listen stats_tls
  bind {harness.LOOPBACK}:{self.tls_port} ssl crt {self.pem}
  stats enable
  stats uri /stats
""" if self.pem else "")

    def start(self, timeout=15):
        last = ""
        for _ in range(3):
            self.frontend_port, self.stats_port, self.tcp_port, self.tls_port = (
                harness.free_port(), harness.free_port(), harness.free_port(), harness.free_port())
            if len({self.frontend_port, self.stats_port, self.tcp_port, self.tls_port}) < 4:
                continue
            path = self.tmp.file("haproxy.cfg", self.config())
            code, _, err = harness.run_command([HAPROXY, "-c", "-q", "-f", path])
            if code != 0:
                raise RuntimeError(f"haproxy rejects the test config: {err}")
            self.process = harness.Process([HAPROXY, "-db", "-f", path], name="haproxy")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.process.alive():
                try:
                    table = show_stat(self.socket_path)
                    # Ready when the closed port's check has failed.
                    if table[("be_app", "app2")]["status"].startswith("DOWN"):
                        return self
                except (OSError, KeyError, IndexError):
                    pass
                time.sleep(0.1)
            last = self.process.stderr_text()[-2000:]
            self.process.stop()
        raise RuntimeError(f"haproxy did not start: {last}")

    def set_maint(self, backend, server):
        answer = runtime_api(self.socket_path, f"set server {backend}/{server} state maint")
        if answer.strip():
            raise RuntimeError(f"set server state maint: {answer}")

    def pid(self):
        return self.process.pid  # -db: one process, in the foreground

    def stop(self):
        if self.process:
            self.process.stop()
        for app in self.apps + [self.failing]:
            app.stop()
