#!/usr/bin/env python3
"""tern-node's web side and process behaviour: endpoints, content type, gzip,
--web.telemetry-path, TLS and bcrypt basic auth from --web.config.file, web
config errors, flag errors, --version, signals and JSON logs.

Runs against the fixture tree so scrapes are quick and the same everywhere.
"""

import base64
import gzip
import http.client
import json
import os
import signal
import socket
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4"


def fixture_args(source_dir):
    fixtures = os.path.join(source_dir, "tests", "fixtures", "node")
    return [
        f"--path.procfs={fixtures}/proc",
        f"--path.sysfs={fixtures}/sys",
        f"--path.rootfs={fixtures}/rootfs",
        f"--path.udev.data={fixtures}/udev/data",
    ]


def shape(families):
    """What two scrapes of the same exporter share: names, types, help and
    series, not values."""
    return {
        name: (f.type, f.help, frozenset((s.name, s.label_key()) for s in f.samples))
        for name, f in families.items()
    }


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def check_endpoints(test, args):
    tern, port = h.start_tern(args.binary, fixture_args(args.source_dir))
    base = f"http://{h.LOOPBACK}:{port}"
    for path in ("/", "/-/healthy", "/-/ready"):
        r = h.fetch(base + path)
        test.check(r.status == 200, f"GET {path}: HTTP {r.status}, want 200")
    landing = h.fetch(base + "/")
    test.check("/metrics" in landing.text, "landing page does not link to /metrics")

    plain = h.fetch(base + "/metrics")
    test.check(plain.status == 200, f"GET /metrics: HTTP {plain.status}")
    content_type = plain.headers.get("content-type", "")
    test.check(
        content_type.startswith(TEXT_CONTENT_TYPE),
        f"/metrics Content-Type is {content_type!r}, want {TEXT_CONTENT_TYPE!r}",
    )
    test.check(
        "content-encoding" not in plain.headers,
        f"/metrics without Accept-Encoding came with Content-Encoding {plain.headers.get('content-encoding')}",
    )
    plain_families = h.parse_exposition(plain.text)
    test.check("node_scrape_collector_success" in plain_families, "/metrics has no node_scrape_collector_success")
    test.check("process_cpu_seconds_total" in plain_families, "/metrics has no process_cpu_seconds_total")

    zipped = h.fetch(base + "/metrics", headers={"Accept-Encoding": "gzip"})
    test.check(
        zipped.headers.get("content-encoding") == "gzip",
        f"Accept-Encoding: gzip answered with Content-Encoding {zipped.headers.get('content-encoding')!r}",
    )
    if zipped.headers.get("content-encoding") == "gzip":
        try:
            unzipped = gzip.decompress(zipped.body).decode()
        except (OSError, EOFError) as e:
            test.fail(f"gzip body does not decompress: {e}")
        else:
            test.check(
                shape(h.parse_exposition(unzipped)) == shape(plain_families),
                "gzip and plain /metrics differ in families or series",
            )
    both = h.fetch(base + "/metrics", headers={"Accept-Encoding": "gzip, deflate"})
    test.check(
        both.headers.get("content-encoding") == "gzip",
        f"Accept-Encoding: gzip, deflate answered with {both.headers.get('content-encoding')!r}",
    )
    # node_exporter only ever gzips; cpp-httplib prefers brotli when offered.
    # Allowed (the client asked for it), but shown, since it costs more CPU.
    brotli = h.fetch(base + "/metrics", headers={"Accept-Encoding": "gzip, deflate, br"})
    test.log(f"note: Accept-Encoding: gzip, deflate, br -> Content-Encoding {brotli.headers.get('content-encoding')!r}")
    for header in ("abc", "-3", "0.1", "1e9"):
        r = h.fetch(base + "/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": header})
        test.check(r.status == 200, f"X-Prometheus-Scrape-Timeout-Seconds: {header}: HTTP {r.status}, want 200")
    missing = h.fetch(base + "/no-such-page")
    test.check(missing.status == 404, f"GET /no-such-page: HTTP {missing.status}, want 404")

    # Prometheus keeps its connection open between scrapes: stopping must not
    # wait for it.
    keep_alive = http.client.HTTPConnection(h.LOOPBACK, port, timeout=10)
    keep_alive.request("GET", "/metrics")
    keep_alive.getresponse().read()
    started = time.monotonic()
    code = tern.stop(signal.SIGTERM, timeout=5)
    took = time.monotonic() - started
    keep_alive.close()
    test.check(
        code == 0 and took < 5,
        f"SIGTERM with an idle keep-alive connection: exit code {code} after {took:.1f} s, want 0 within 5 s",
    )


def check_sigint_and_exporter_metrics_flag(test, args):
    tern, port = h.start_tern(args.binary, fixture_args(args.source_dir) + ["--web.disable-exporter-metrics"])
    families = h.parse_exposition(h.scrape(port))
    own = sorted(n for n in families if n.startswith(("process_", "promhttp_", "go_")))
    test.check(not own, f"--web.disable-exporter-metrics still serves {own}")
    test.check("node_scrape_collector_success" in families, "--web.disable-exporter-metrics dropped collector metrics")
    started = time.monotonic()
    code = tern.stop(signal.SIGINT, timeout=5)
    took = time.monotonic() - started
    test.check(code == 0 and took < 5, f"SIGINT: exit code {code} after {took:.1f} s, want 0 within 5 s")


def check_telemetry_path(test, args):
    tern, port = h.start_tern(args.binary, fixture_args(args.source_dir) + ["--web.telemetry-path=/custom-metrics"])
    base = f"http://{h.LOOPBACK}:{port}"
    r = h.fetch(base + "/custom-metrics")
    test.check(r.status == 200 and "node_scrape_collector_success" in r.text, f"GET /custom-metrics: HTTP {r.status}")
    r = h.fetch(base + "/metrics")
    test.check(r.status == 404, f"GET /metrics with --web.telemetry-path=/custom-metrics: HTTP {r.status}, want 404")
    landing = h.fetch(base + "/")
    test.check("/custom-metrics" in landing.text, "landing page does not link to the telemetry path")
    tern.stop()


def make_certificate(tmp):
    code, out, err = h.run_command(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", os.path.join(tmp.path, "server.key"), "-out", os.path.join(tmp.path, "server.crt"),
        ],
        timeout=20,
    )
    if code != 0:
        raise RuntimeError(f"openssl req failed: {err}")
    return os.path.join(tmp.path, "server.crt"), os.path.join(tmp.path, "server.key")


def make_bcrypt_hash(user, password):
    code, out, err = h.run_command(["htpasswd", "-nbBC", "10", user, password], timeout=20)
    if code != 0:
        raise RuntimeError(f"htpasswd failed: {err}")
    line = out.strip().splitlines()[0]
    name, _, hashed = line.partition(":")
    assert name == user and hashed.startswith("$2"), line
    return hashed


def check_tls_and_auth(test, args):
    h.require_program("/usr/bin/openssl")
    h.require_program("/usr/bin/htpasswd")
    tmp = h.TempDir()
    cert, key = make_certificate(tmp)
    hashed = make_bcrypt_hash("user", "pass")
    config = tmp.file(
        "web.yml",
        # Relative paths resolve against the config file's folder.
        "tls_server_config:\n"
        "  cert_file: server.crt\n"
        "  key_file: server.key\n"
        "basic_auth_users:\n"
        f"  user: '{hashed}'\n",
    )
    tern = h.Process(
        [args.binary, f"--web.listen-address={h.LOOPBACK}:0", f"--web.config.file={config}", *fixture_args(args.source_dir)],
        name="tern-node (tls)",
    )
    port = tern.wait_listening()
    test.check(
        tern.wait_for_line(lambda l: "Listening on" in l and "tls=true" in l, 1) is not None,
        "the Listening on line does not say tls=true",
    )
    context = ssl.create_default_context(cafile=cert)  # verifies the chain and 127.0.0.1
    url = f"https://{h.LOOPBACK}:{port}/metrics"
    try:
        h.fetch(f"https://{h.LOOPBACK}:{port}/-/healthy", tls_context=context)
    except OSError as e:
        code = tern.wait_exit(2)
        how = f"it died with exit code {code}" if code is not None else "it is still running"
        if code is not None and code < 0:
            how += f" ({signal.Signals(-code).name})"
        test.fail(f"first HTTPS request failed ({type(e).__name__}: {e}); {how}; stderr:\n{tern.stderr_text()[-1500:]}")
        tern.stop()
        return

    r = h.fetch(url, tls_context=context)
    test.check(r.status == 401, f"TLS /metrics without credentials: HTTP {r.status}, want 401")
    test.check(
        r.headers.get("www-authenticate", "").lower().startswith("basic"),
        f"401 without WWW-Authenticate: Basic (got {r.headers.get('www-authenticate')!r})",
    )
    r = h.fetch(url, tls_context=context, headers=basic("user", "wrong"))
    test.check(r.status == 401, f"TLS /metrics with a wrong password: HTTP {r.status}, want 401")
    r = h.fetch(url, tls_context=context, headers=basic("nobody", "pass"))
    test.check(r.status == 401, f"TLS /metrics with an unknown user: HTTP {r.status}, want 401")
    r = h.fetch(url, tls_context=context, headers=basic("user", "pass"))
    test.check(
        r.status == 200 and "node_scrape_collector_success" in r.text,
        f"TLS /metrics with the right credentials: HTTP {r.status}, want 200 with metrics",
    )
    # Twice: the second check goes through the verified-credentials cache.
    r = h.fetch(url, tls_context=context, headers=basic("user", "pass"))
    test.check(r.status == 200, f"second TLS /metrics with the right credentials: HTTP {r.status}")
    r = h.fetch(url, tls_context=context, headers=basic("user", "pass2"))
    test.check(r.status == 401, f"TLS /metrics with a wrong password after a right one: HTTP {r.status}, want 401")
    for garbage in ("Basic !!!notbase64", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer abc", "Basic "):
        r = h.fetch(url, tls_context=context, headers={"Authorization": garbage})
        test.check(r.status == 401, f"TLS /metrics with Authorization {garbage!r}: HTTP {r.status}, want 401")
    r = h.fetch(f"https://{h.LOOPBACK}:{port}/-/healthy", tls_context=context)
    test.check(r.status == 401, f"TLS /-/healthy without credentials: HTTP {r.status}, want 401 (as node_exporter)")

    # Plain HTTP on the TLS port must not serve metrics.
    try:
        r = h.fetch(f"http://{h.LOOPBACK}:{port}/metrics", headers=basic("user", "pass"), timeout=5)
        test.check(r.status != 200, "plain HTTP to the TLS port served /metrics")
    except Exception:
        pass  # connection reset or a garbled answer: fine
    code = tern.stop()
    test.check(code == 0, f"tern-node with TLS exited {code} on SIGTERM")


def expect_startup_failure(test, args, extra, want_code, want_in_stderr, what):
    tern = h.Process([args.binary, f"--web.listen-address={h.LOOPBACK}:0", *fixture_args(args.source_dir), *extra], name=what)
    code = tern.wait_exit(10)
    if code is None:
        tern.stop(signal.SIGKILL)
        test.fail(f"{what}: still running after 10 s, want exit code {want_code}")
        return
    stderr = tern.stderr_text() + tern.stdout_text()
    test.check(code == want_code, f"{what}: exit code {code}, want {want_code}; output:\n{stderr}")
    for needle in want_in_stderr:
        test.check(needle in stderr, f"{what}: output does not mention {needle!r}:\n{stderr}")


def check_startup_errors(test, args):
    tmp = h.TempDir()
    unknown = tmp.file("unknown.yml", "basic_auth_users:\n  user: '$2y$10$abcdefghijklmnopqrstuu5Yl6Uq7P9t2zS2p0fI7h1LG5pXJXzey'\nno_such_key: 1\n")
    expect_startup_failure(test, args, [f"--web.config.file={unknown}"], 1, [unknown, "no_such_key"], "web config with an unknown key")
    missing_cert = tmp.file(
        "missing-cert.yml",
        "tls_server_config:\n  cert_file: /nonexistent/server.crt\n  key_file: /nonexistent/server.key\n",
    )
    expect_startup_failure(test, args, [f"--web.config.file={missing_cert}"], 1, ["/nonexistent/server.crt"], "web config naming a missing cert file")
    h.require_program("/usr/bin/openssl")
    cert, key = make_certificate(tmp)
    garbage_key = tmp.file("garbage.key", "not a key\n")
    bad_key = tmp.file(
        "bad-key.yml", f"tls_server_config:\n  cert_file: {cert}\n  key_file: {garbage_key}\n"
    )
    expect_startup_failure(test, args, [f"--web.config.file={bad_key}"], 1, ["key"], "web config with a key that is not PEM")
    not_yaml = tmp.file("broken.yml", "tls_server_config: [unclosed\n")
    expect_startup_failure(test, args, [f"--web.config.file={not_yaml}"], 1, [not_yaml], "web config that is not YAML")
    absent = os.path.join(tmp.path, "absent.yml")
    expect_startup_failure(test, args, [f"--web.config.file={absent}"], 1, [absent], "web config file that does not exist")

    expect_startup_failure(test, args, ["--no-such-flag"], 2, ["no-such-flag"], "unknown flag")
    expect_startup_failure(test, args, ["--log.level=loud"], 2, ["loud"], "bad --log.level value")
    expect_startup_failure(test, args, ["--collector.no-such-collector"], 2, ["no-such-collector"], "unknown collector")

    # Port in use: hold a listening socket, then ask tern-node for that port.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((h.LOOPBACK, 0))
        holder.listen(1)
        busy = holder.getsockname()[1]
        tern = h.Process(
            [args.binary, f"--web.listen-address={h.LOOPBACK}:{busy}", *fixture_args(args.source_dir)],
            name="tern-node (port in use)",
        )
        code = tern.wait_exit(10)
        if code is None:
            tern.stop(signal.SIGKILL)
            test.fail("port in use: tern-node still running after 10 s, want exit code 1")
        else:
            text = tern.stderr_text()
            test.check(code == 1, f"port in use: exit code {code}, want 1; stderr:\n{text}")
            test.check(str(busy) in text, f"port in use: stderr does not name the address:\n{text}")


def check_version_and_help(test, args):
    code, out, err = h.run_command([args.binary, "--version"], timeout=10)
    test.check(code == 0, f"--version exited {code}")
    test.check("tern-node" in out + err and "version" in out + err, f"--version printed {out + err!r}")
    code, out, err = h.run_command([args.binary, "--help"], timeout=10)
    test.check(code == 0, f"--help exited {code}")
    for flag in (
        "--web.listen-address", "--web.telemetry-path", "--web.config.file", "--web.disable-exporter-metrics",
        "--log.level", "--log.format", "--collector.disable-defaults", "--path.procfs", "--path.sysfs",
        "--path.rootfs", "--path.udev.data", "--scrape.timeout",
    ):
        test.check(flag in out, f"--help does not list {flag}")


def check_json_logs(test, args):
    tern = h.Process(
        [args.binary, f"--web.listen-address={h.LOOPBACK}:0", "--log.format=json", *fixture_args(args.source_dir)],
        name="tern-node (json logs)",
    )
    port = tern.wait_listening()
    h.scrape(port)
    code = tern.stop()
    test.check(code == 0, f"tern-node with --log.format=json exited {code} on SIGTERM")
    lines = [l for l in tern.lines if l.strip()]
    test.check(len(lines) >= 2, f"--log.format=json logged only {lines}")
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            test.fail(f"--log.format=json wrote a line that is not JSON: {line}")
            continue
        test.check(isinstance(entry, dict), f"JSON log line is not an object: {line}")
        if isinstance(entry, dict):
            for key in ("ts", "level", "msg"):
                test.check(key in entry, f"JSON log line without {key!r}: {line}")


def body(args):
    def run(test):
        for part in (
            check_version_and_help,
            check_endpoints,
            check_sigint_and_exporter_metrics_flag,
            check_telemetry_path,
            check_tls_and_auth,
            check_startup_errors,
            check_json_logs,
        ):
            test.log(f"--- {part.__name__}")
            try:
                part(test, args)
            except (OSError, RuntimeError, ValueError) as e:
                # One broken part (a crash, a refused connection) must not
                # hide the results of the others.
                test.fail(f"{part.__name__}: {type(e).__name__}: {e}")
            h.stop_all_children()

    return run


def main():
    args = h.parse_args(__doc__.splitlines()[0])
    return h.run_test("node_web_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
