#!/usr/bin/env python3
"""tern-dnscheck's scheduled checks against real servers on 127.0.0.1:
dnsmasq serving a test zone (correct records, a wrong A, a CNAME shadowing a
required A, a missing MX), a second dnsmasq that disagrees, a server that
answers SERVFAIL and a port that never answers; HTTPS sites and a TLS
endpoint on openssl s_server with certificates made here (valid for 10 days,
expired, wrong host name), a 500 page and a refused connection. Also: a bad
declared file stops the start-up with its line."""

import datetime
import os
import sys
import time

import dnscheck_env as env
import harness


def series(families, name):
    family = families.get(name)
    return {} if family is None else {s.label_key(): s.float_value() for s in family.samples}


def value(families, metric, **labels):
    return series(families, metric).get(tuple(sorted(labels.items())))


def body(test):
    args = harness.parse_args(__doc__)
    harness.require_program(env.DNSMASQ)
    harness.require_program(env.OPENSSL)
    tmp = harness.TempDir()

    # DNS: the zone, a resolver that disagrees, SERVFAIL, silence.
    primary, primary_port = env.start_dnsmasq(tmp, "primary", [
        "host-record=www.example.test,192.0.2.1",
        "host-record=wrong.example.test,192.0.2.99",
        "cname=mail.example.test,relay.example.test",
        "host-record=relay.example.test,192.0.2.50",
        "txt-record=example.test,\"v=spf1 -all\"",
        "mx-host=other.example.test,mx.example.test,10",
    ])
    second, second_port = env.start_dnsmasq(tmp, "second", [
        "host-record=www.example.test,192.0.2.77",
    ])
    servfail = env.UdpServer(rcode=2)
    silent = env.UdpServer(rcode=None)

    # TLS: a CA, certificates, servers.
    pki = env.Pki(tmp)
    now = env.utc_now()
    valid_cert, valid_key = pki.issue("valid", ["localhost"], now - datetime.timedelta(days=1),
                                      now + datetime.timedelta(days=10))
    expired_cert, expired_key = pki.issue("expired", ["localhost"], now - datetime.timedelta(days=30),
                                          now - datetime.timedelta(days=1))
    wrong_cert, wrong_key = pki.issue("wrong", ["wrong.example.test"], now - datetime.timedelta(days=1),
                                      now + datetime.timedelta(days=10))
    _, valid_port = env.start_s_server(valid_cert, valid_key)
    _, expired_port = env.start_s_server(expired_cert, expired_key)
    _, wrong_port = env.start_s_server(wrong_cert, wrong_key)
    status500 = env.Status500Server()
    redirects = env.RedirectServer(f"https://localhost:{valid_port}/landed")
    trusted_dir = env.hashed_ca_dir(tmp, pki.ca_cert)
    refused = env.refused_port()
    not_after = env.cert_not_after(valid_cert)

    sites = {
        "valid": f"https://localhost:{valid_port}/",
        "expired": f"https://localhost:{expired_port}/",
        "wrong_host": f"https://localhost:{wrong_port}/",
        "status500": f"http://127.0.0.1:{status500.port}/",
        "refused": f"https://localhost:{refused}/",
        "redirected": f"http://127.0.0.1:{redirects.port}/hop",
    }
    # Verified with the system's trust store: SSL_CERT_DIR points it at a
    # hashed directory holding the test CA (read lazily, as /etc/ssl/certs),
    # and no SSL_CERT_FILE (some hosts set one) so the directory is used alone.
    store_site = f"https://localhost:{valid_port}/?system-store"
    declared = tmp.file("declared.yml", f"""check_interval: 30s
resolvers:
  - name: system
    servers: ["127.0.0.1:{primary_port}"]
  - name: second
    servers: ["127.0.0.1:{second_port}"]
  - name: servfail
    servers: ["127.0.0.1:{servfail.port}"]
  - name: silent
    servers: ["127.0.0.1:{silent.port}"]
records:
  - {{name: www.example.test, type: A, values: [192.0.2.1], resolvers: [system, authoritative, second]}}
  - {{name: wrong.example.test, type: A, values: [192.0.2.2]}}
  - {{name: mail.example.test, type: A, values: [192.0.2.10], resolvers: [system, authoritative]}}
  - {{name: example.test, type: MX, values: ["10 mx.example.test"]}}
  - {{name: example.test, type: TXT, values: ["v=spf1 -all"], ttl: {{min: 60, max: 86400}}}}
  - {{name: broken.example.test, type: A, values: [192.0.2.3], resolvers: [servfail, silent]}}
sites:
""" + "".join(f"  - {{url: \"{url}\", ca_file: {pki.ca_cert}, timeout: 3s}}\n" for url in sites.values())
        + f"  - {{url: \"{store_site}\", timeout: 3s}}\n"
        + f"""tls:
  - {{endpoint: "127.0.0.1:{valid_port}", server_name: localhost, ca_file: {pki.ca_cert}}}
  - {{endpoint: "127.0.0.1:{wrong_port}", server_name: localhost, ca_file: {pki.ca_cert}}}
""")

    started = time.monotonic()
    tern, port = harness.start_tern(args.binary, [
        f"--config.declared={declared}", f"--dns.authoritative-port={primary_port}",
        "--dns.timeout=1"], name="tern-dnscheck",
        env={**{k: v for k, v in os.environ.items() if k != "SSL_CERT_FILE"},
             "SSL_CERT_DIR": trusted_dir})
    # The first cycles run at start; a scrape never waits for them.
    families = {}
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        scrape_started = time.monotonic()
        families = harness.parse_exposition(harness.scrape(port))
        test.check(time.monotonic() - scrape_started < 0.5, "a scrape waited on the network")
        if "dns_check_last_cycle_timestamp_seconds" in families and \
                "dnscheck_probe_last_cycle_timestamp_seconds" in families:
            break
        time.sleep(0.1)
    test.require("dns_record_match" in families and "probe_success" in families,
                 "no results within 15 s:\n" + tern.stderr_text()[-2000:])
    test.log(f"first cycles done {time.monotonic() - started:.2f} s after start")

    def check(metric, expected, **labels):
        got = value(families, metric, **labels)
        test.check(got == expected, f"{metric}{labels} = {got}, want {expected}")

    A = "A"
    check("dns_record_match", 1, name="www.example.test", type=A, resolver="system")
    check("dns_record_match", 1, name="www.example.test", type=A, resolver="authoritative")
    check("dns_record_match", 0, name="www.example.test", type=A, resolver="second")
    check("dns_resolvers_agree", 0, name="www.example.test", type=A)
    check("dns_record_answer_info", 1, name="www.example.test", type=A, resolver="second",
          rcode="NOERROR", values="192.0.2.77")
    check("dns_record_match", 0, name="wrong.example.test", type=A, resolver="system")
    check("dns_lookup_success", 1, name="wrong.example.test", type=A, resolver="system")
    check("dns_record_answer_info", 1, name="wrong.example.test", type=A, resolver="system",
          rcode="NOERROR", values="192.0.2.99")
    for resolver in ("system", "authoritative"):
        check("dns_record_cname_conflict", 1, name="mail.example.test", type=A, resolver=resolver)
        check("dns_record_match", 0, name="mail.example.test", type=A, resolver=resolver)
    check("dns_record_cname_conflict", 0, name="www.example.test", type=A, resolver="system")
    check("dns_record_match", 0, name="example.test", type="MX", resolver="system")
    check("dns_lookup_success", 1, name="example.test", type="MX", resolver="system")
    check("dns_record_match", 1, name="example.test", type="TXT", resolver="system")
    check("dns_record_ttl_within_bounds", 1, name="example.test", type="TXT", resolver="system")
    test.check((value(families, "dns_record_ttl_seconds", name="example.test", type="TXT",
                      resolver="system") or 0) > 0, "no TTL for the TXT record")
    for resolver in ("servfail", "silent"):
        check("dns_lookup_success", 0, name="broken.example.test", type=A, resolver=resolver)
        check("dns_record_match", 0, name="broken.example.test", type=A, resolver=resolver)
    silent_took = value(families, "dns_lookup_duration_seconds", name="broken.example.test",
                        type=A, resolver="silent")
    test.check(silent_took is not None and 0.5 <= silent_took <= 1.5,
               f"the silent server's query took {silent_took} s, want about the 1 s timeout")
    cycle = value(families, "dns_check_cycle_duration_seconds")
    test.check(cycle is not None and cycle < 2, f"DNS cycle took {cycle} s")

    # Sites and TLS.
    def probe(metric, target):
        return value(families, metric, target=target)

    check("probe_success", 1, target=sites["valid"])
    check("probe_http_status_code", 200, target=sites["valid"])
    check("probe_http_ssl", 1, target=sites["valid"])
    expiry = probe("probe_ssl_earliest_cert_expiry", sites["valid"])
    test.check(expiry is not None and abs(expiry - not_after) <= 1,
               f"site certificate expiry {expiry}, notAfter {not_after}")
    check("probe_tls_version_info", 1, target=sites["valid"], version="TLS 1.3")
    for phase in ("resolve", "connect", "tls", "processing", "transfer"):
        test.check(value(families, "probe_http_duration_seconds", target=sites["valid"],
                         phase=phase) is not None, f"no {phase} phase")
    check("probe_success", 0, target=sites["expired"])
    check("probe_success", 0, target=sites["wrong_host"])
    check("probe_success", 0, target=sites["status500"])
    check("probe_http_status_code", 500, target=sites["status500"])
    check("probe_success", 0, target=sites["refused"])
    check("probe_http_status_code", 0, target=sites["refused"])
    valid_tls = f"127.0.0.1:{valid_port}"
    check("probe_success", 1, target=valid_tls)
    tls_expiry = probe("probe_ssl_earliest_cert_expiry", valid_tls)
    test.check(tls_expiry is not None and abs(tls_expiry - not_after) <= 1,
               f"TLS endpoint expiry {tls_expiry}, notAfter {not_after}")
    last_chain = probe("probe_ssl_last_chain_expiry_timestamp_seconds", valid_tls)
    test.check(last_chain is not None and abs(last_chain - not_after) <= 1,
               f"verified chain expiry {last_chain}, notAfter {not_after}")
    check("probe_success", 0, target=f"127.0.0.1:{wrong_port}")
    check("probe_success", 1, target=store_site)
    # 302 then 301 to https: followed, counted, the last hop's TLS reported.
    check("probe_success", 1, target=sites["redirected"])
    check("probe_http_redirects", 2, target=sites["redirected"])
    check("probe_http_ssl", 1, target=sites["redirected"])
    check("probe_http_status_code", 200, target=sites["redirected"])
    test.check(probe("probe_ssl_earliest_cert_expiry", sites["redirected"]) is not None,
               "no certificate series after the redirect to https")
    test.check(("GET", "/hop") in redirects.requests and ("GET", "/last") in redirects.requests,
               f"redirect hops seen: {redirects.requests}")
    code, out, err = harness.run_command(["promtool", "check", "metrics"],
                                         input_text=harness.scrape(port)) \
        if harness.os.path.exists(harness.PROMTOOL) else (0, "", "")
    test.check("error" not in (out + err).lower(), f"promtool check metrics: {out}{err}")
    tern.stop()
    servfail.close()
    silent.close()
    status500.close()

    # A bad declared file: exit 1 with the line.
    bad = tmp.file("bad.yml", "records:\n  - name: a.example.test\n    type: A\n    values: [not-an-ip]\n")
    process = harness.Process([args.binary, f"--config.declared={bad}",
                               f"--web.listen-address={harness.LOOPBACK}:0"], name="bad")
    code = process.wait_exit(10)
    test.check(code == 1, f"bad declared file: exit code {code}, want 1")
    test.check(f"{bad}:4: \\\"not-an-ip\\\" is not an IPv4 address" in process.stderr_text()
               or f"{bad}:4: " in process.stderr_text(),
               f"bad declared file: no line in the error: {process.stderr_text()}")


if __name__ == "__main__":
    sys.exit(harness.run_test("dnscheck_e2e_test", body, timeout=60))
