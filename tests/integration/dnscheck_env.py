"""Private servers for tern-dnscheck's tests, all on 127.0.0.1: dnsmasq
instances serving a test zone (authoritatively, so NS lookups work), BIND 9
named instances serving real zone files, a UDP server that answers
SERVFAIL, a UDP port that never answers, a certificate authority with
certificates made by `openssl ca` (exact notBefore/notAfter), `openssl
s_server` HTTPS servers and a plain HTTP server answering 500.

Python 3 standard library only. Every address is 127.0.0.1 or a
documentation address (192.0.2.x) inside the zone's data.
"""

import datetime
import http.server
import os
import socket
import subprocess
import threading

import harness

DNSMASQ = "/usr/sbin/dnsmasq"
NAMED = "/usr/sbin/named"
NAMED_CHECKZONE = "/usr/bin/named-checkzone"
BLACKBOX = "/usr/bin/prometheus-blackbox-exporter"
OPENSSL = "/usr/bin/openssl"


def start_dnsmasq(tmp, name, records):
    """A dnsmasq on 127.0.0.1:<free port> serving `records` (dnsmasq config
    lines) authoritatively for example.test. Returns (process, port)."""
    config = tmp.file(
        f"{name}.conf",
        "\n".join(
            [
                "no-resolv",
                "no-hosts",
                "auth-zone=example.test",
                "auth-server=ns.example.test,127.0.0.1",
                "host-record=ns.example.test,127.0.0.1",
                *records,
            ]
        )
        + "\n",
    )
    last = ""
    for _ in range(3):
        port = harness.free_port()
        process = harness.Process(
            [DNSMASQ, "--no-daemon", f"--conf-file={config}", f"--port={port}",
             "--listen-address=127.0.0.1", "--bind-interfaces", "--log-facility=-"],
            name=name,
        )
        if process.wait_for_line(lambda line: "started" in line, 5):
            return process, port
        last = process.stderr_text()
        process.stop()
    raise RuntimeError(f"dnsmasq {name} did not start: {last}")


def _udp_and_tcp_free(port):
    """True when both UDP and TCP port on 127.0.0.1 are free (named binds
    both; harness.free_port only tries TCP)."""
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((harness.LOOPBACK, port))
            except OSError:
                return False
    return True


def start_named(tmp, name, zone_text, origin="example.test", extra_zones=None, query_log=False,
                attempts=3):
    """A BIND 9 named on 127.0.0.1:<free port>, authoritative only (no
    recursion), serving zone_text as the primary zone `origin`. The zone is
    checked with named-checkzone first (when installed), so a bad fixture
    fails here with named-checkzone's words. extra_zones ({origin: text}) are
    served too, unchecked: a test may hand one a broken file on purpose, and
    named then answers SERVFAIL for its names. Everything named writes (pid,
    lock, session key, managed keys) stays in its own directory under tmp;
    there is no rndc control channel. named runs in the foreground (-g) and
    logs to stderr, with every query it receives when query_log is set
    ("query: www.example.test IN A +E(0)K": + means recursion desired).
    Returns (process, port)."""
    directory = os.path.join(tmp.path, name)
    os.makedirs(directory, exist_ok=True)
    zones = {origin: zone_text, **(extra_zones or {})}
    for zone, text in zones.items():
        with open(os.path.join(directory, f"{zone}.zone"), "w") as f:
            f.write(text)
    if os.access(NAMED_CHECKZONE, os.X_OK):
        code, out, err = harness.run_command(
            [NAMED_CHECKZONE, origin, os.path.join(directory, f"{origin}.zone")])
        if code != 0:
            raise RuntimeError(f"named-checkzone {origin} ({name}): {out}{err}")

    def config(port):
        zone_blocks = "".join(
            f'zone "{zone}" {{ type primary; file "{zone}.zone"; }};\n' for zone in zones)
        return f"""options {{
  directory "{directory}";
  pid-file "{directory}/named.pid";
  lock-file "{directory}/named.lock";
  session-keyfile "{directory}/session.key";
  managed-keys-directory "{directory}";
  listen-on port {port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer {{ none; }};
  querylog {"yes" if query_log else "no"};
}};
controls {{ }};
{zone_blocks}"""

    conf = os.path.join(directory, "named.conf")
    last = ""
    for _ in range(attempts):
        port = harness.free_port()
        if not _udp_and_tcp_free(port):
            continue
        with open(conf, "w") as f:
            f.write(config(port))
        # -g: foreground, log to stderr; -4: IPv4 only; -n 1: one worker
        # thread (the test machines are small).
        process = harness.Process([NAMED, "-g", "-4", "-n", "1", "-c", conf], name=name)
        # named keeps running when it cannot bind its port: a clash shows as
        # an "address in use" line before "running".
        line = process.wait_for_line(
            lambda l: ("in use" in l and "clash")
            or (l.rstrip().endswith(" running") and "running"), 10)
        if line == "running":
            return process, port
        last = process.stderr_text()
        process.stop()
    raise RuntimeError(f"named {name} did not start: {last[-3000:]}")


class UdpServer:
    """A UDP socket on 127.0.0.1: answers every query with `rcode` (SERVFAIL
    by default), or never answers when rcode is None."""

    def __init__(self, rcode=2):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((harness.LOOPBACK, 0))
        self.port = self.sock.getsockname()[1]
        self.rcode = rcode
        if rcode is not None:
            threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            if len(data) < 12:
                continue
            # Same id and question; QR and RA set, the rcode, no records.
            flags = (data[2] | 0x80, (data[3] & 0xF0) | 0x80 | self.rcode)
            reply = data[:2] + bytes(flags) + data[4:6] + b"\x00\x00\x00\x00\x00\x00" + data[12:]
            # The question ends where any EDNS OPT record (additional) starts.
            question_end = 12
            while data[question_end] != 0:
                question_end += data[question_end] + 1
            question_end += 5
            reply = reply[:question_end]
            self.sock.sendto(reply, peer)

    def close(self):
        self.sock.close()


class Pki:
    """A test CA and certificates signed by it with exact validity."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.dir = os.path.join(tmp.path, "pki")
        os.makedirs(self.dir, exist_ok=True)
        self.ca_key = os.path.join(self.dir, "ca.key")
        self.ca_cert = os.path.join(self.dir, "ca.pem")
        self._run([OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                   "-nodes", "-keyout", self.ca_key, "-out", self.ca_cert, "-days", "30",
                   "-subj", "/CN=tern test CA"])
        open(os.path.join(self.dir, "index.txt"), "w").close()
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("1000\n")
        self.config = os.path.join(self.dir, "ca.cnf")
        with open(self.config, "w") as f:
            f.write(
                "[ca]\ndefault_ca = test\n[test]\n"
                f"dir = {self.dir}\ndatabase = $dir/index.txt\nserial = $dir/serial\n"
                "new_certs_dir = $dir\ndefault_md = sha256\npolicy = anything\n"
                "unique_subject = no\ncopy_extensions = copy\n"
                "[anything]\ncommonName = supplied\n"
            )

    def _run(self, args):
        code, out, err = harness.run_command(args, timeout=30)
        if code != 0:
            raise RuntimeError(f"{' '.join(args)}: {err}")
        return out

    def issue(self, name, dns_names, not_before, not_after):
        """A key and certificate for dns_names, valid between the two UTC
        datetimes. Returns (cert path, key path)."""
        key = os.path.join(self.dir, f"{name}.key")
        csr = os.path.join(self.dir, f"{name}.csr")
        cert = os.path.join(self.dir, f"{name}.pem")
        san = ",".join(f"DNS:{n}" for n in dns_names)
        self._run([OPENSSL, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                   "-keyout", key, "-out", csr, "-subj", f"/CN={dns_names[0]}",
                   "-addext", f"subjectAltName={san}"])
        fmt = "%Y%m%d%H%M%SZ"
        self._run([OPENSSL, "ca", "-batch", "-config", self.config, "-cert", self.ca_cert,
                   "-keyfile", self.ca_key, "-in", csr, "-out", cert, "-notext",
                   "-startdate", not_before.strftime(fmt), "-enddate", not_after.strftime(fmt)])
        return cert, key


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def start_s_server(cert, key):
    """openssl s_server answering HTTP (-www) on a free port."""
    last = ""
    for _ in range(3):
        port = harness.free_port()
        process = harness.Process(
            [OPENSSL, "s_server", "-accept", f"127.0.0.1:{port}", "-cert", cert, "-key", key,
             "-www", "-quiet", "-naccept", "1000"],
            name="s_server",
        )
        import time
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((harness.LOOPBACK, port), timeout=0.5):
                    return process, port
            except OSError:
                if not process.alive():
                    break
                time.sleep(0.05)
        last = process.stderr_text()
        process.stop()
    raise RuntimeError(f"s_server did not start: {last}")


class LocalHttpServer:
    """A threaded http.server on 127.0.0.1:<free port> with `handler`."""

    def __init__(self, handler):
        self.server = http.server.ThreadingHTTPServer((harness.LOOPBACK, 0), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Status500Server(LocalHttpServer):
    """Plain HTTP on 127.0.0.1 answering every GET with 500."""

    def __init__(self):
        class Handler(QuietHandler):
            def do_GET(self):
                body = b"internal error\n"
                self.send_response(500)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)


class RedirectServer(LocalHttpServer):
    """Plain HTTP on 127.0.0.1: GET /hop redirects (302) to /last, which
    redirects (301) to `final_url`. Records each request as (method, path)."""

    def __init__(self, final_url):
        seen = self.requests = []

        class Handler(QuietHandler):
            def do_GET(self):
                seen.append((self.command, self.path))
                location = {"/hop": "/last", "/last": final_url}.get(self.path)
                self.send_response({"/hop": 302, "/last": 301}.get(self.path, 404))
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(Handler)


def start_blackbox_and_tern(binary, modules):
    """blackbox_exporter and tern-dnscheck serving /probe from the same module
    file. Returns (blackbox, blackbox_port, tern, tern_port)."""
    blackbox, blackbox_port = harness.start_on_free_port(
        lambda port: [BLACKBOX, f"--config.file={modules}",
                      f"--web.listen-address={harness.LOOPBACK}:{port}"],
        "blackbox_exporter", ready_path="/-/ready")
    tern, tern_port = harness.start_tern(binary, [f"--config.file={modules}"], name="tern-dnscheck")
    return blackbox, blackbox_port, tern, tern_port


def hashed_ca_dir(tmp, ca_cert):
    """A directory holding `ca_cert` under its subject-hash name (as
    ca-certificates lays out /etc/ssl/certs), for SSL_CERT_DIR."""
    directory = os.path.join(tmp.path, "trusted")
    os.makedirs(directory, exist_ok=True)
    subject_hash = subprocess.run([OPENSSL, "x509", "-hash", "-noout", "-in", ca_cert],
                                  capture_output=True, text=True, check=True).stdout.strip()
    with open(ca_cert) as source, open(os.path.join(directory, f"{subject_hash}.0"), "w") as out:
        out.write(source.read())
    return directory


def refused_port():
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as s:
        s.bind((harness.LOOPBACK, 0))
        return s.getsockname()[1]


def cert_not_after(path):
    """notAfter of a PEM certificate as Unix seconds (openssl x509 -enddate)."""
    code, out, err = harness.run_command([OPENSSL, "x509", "-in", path, "-noout", "-enddate"])
    text = out.strip().split("=", 1)[1]
    parsed = datetime.datetime.strptime(text, "%b %d %H:%M:%S %Y GMT")
    return parsed.replace(tzinfo=datetime.timezone.utc).timestamp()
