#!/usr/bin/env python3
"""tern-dnscheck's /probe next to Debian's prometheus-blackbox-exporter, both
reading the same module file: for http (HTTPS and plain, a 500, a refused
port), tcp with TLS and dns modules against servers on 127.0.0.1, the same
family names, HELP texts, types and label names, and the same
probe_success. Values that are timings differ, of course."""

import datetime
import sys
import urllib.parse

import dnscheck_env as env
import harness


def body(test):
    args = harness.parse_args(__doc__)
    harness.require_program(env.BLACKBOX)
    harness.require_program(env.DNSMASQ)
    harness.require_program(env.OPENSSL)
    tmp = harness.TempDir()
    _, dns_port = env.start_dnsmasq(tmp, "zone", [
        "host-record=www.example.test,192.0.2.1",
        "mx-host=example.test,mx.example.test,10",
    ])
    pki = env.Pki(tmp)
    now = env.utc_now()
    cert, key = pki.issue("site", ["localhost"], now - datetime.timedelta(days=1),
                          now + datetime.timedelta(days=10))
    _, https_port = env.start_s_server(cert, key)
    status500 = env.Status500Server()
    refused = env.refused_port()
    redirects = env.RedirectServer(f"https://localhost:{https_port}/landed")
    modules = tmp.file("blackbox.yml", f"""modules:
  http_header_ok:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      fail_if_header_not_matches: [{{header: Content-Type, regexp: "html"}}]
      tls_config: {{insecure_skip_verify: true}}
  http_header_missing:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      fail_if_header_matches: [{{header: X-Absent, regexp: "x"}}]
      tls_config: {{insecure_skip_verify: true}}
  http_header_allowed_auth:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      fail_if_header_matches: [{{header: X-Absent, regexp: "x", allow_missing: true}}]
      basic_auth: {{username: probe, password: not-a-secret}}
      tls_config: {{insecure_skip_verify: true}}
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      tls_config:
        insecure_skip_verify: true
  http_ca:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
      fail_if_body_not_matches_regexp: ["s_server"]
      tls_config:
        ca_file: {pki.ca_cert}
  tls_connect:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      tls: true
      tls_config:
        ca_file: {pki.ca_cert}
        server_name: localhost
  dns_www:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      query_name: www.example.test
      query_type: A
  dns_nx:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      query_name: nothing.example.test
      query_type: A
      valid_rcodes: [NOERROR]
""")
    blackbox, blackbox_port, tern, tern_port = env.start_blackbox_and_tern(args.binary, modules)
    probes = [
        ("http_2xx", f"https://localhost:{https_port}/"),
        ("http_ca", f"https://localhost:{https_port}/"),
        ("http_2xx", f"http://127.0.0.1:{status500.port}/"),
        ("http_2xx", f"http://127.0.0.1:{refused}/"),
        ("http_2xx", f"http://127.0.0.1:{redirects.port}/hop"),
        ("http_header_ok", f"https://localhost:{https_port}/"),
        ("http_header_missing", f"https://localhost:{https_port}/"),
        ("http_header_allowed_auth", f"https://localhost:{https_port}/"),
        ("tls_connect", f"127.0.0.1:{https_port}"),
        ("tls_connect", f"127.0.0.1:{refused}"),
        ("dns_www", f"127.0.0.1:{dns_port}"),
        ("dns_nx", f"127.0.0.1:{dns_port}"),
    ]
    for module, target in probes:
        query = urllib.parse.urlencode({"module": module, "target": target})
        theirs = harness.parse_exposition(harness.scrape(blackbox_port, f"/probe?{query}"))
        ours = harness.parse_exposition(harness.scrape(tern_port, f"/probe?{query}"))
        what = f"{module} {target}"
        test.require("probe_success" in theirs and "probe_success" in ours, f"{what}: no probe_success")
        test.log(f"{what}: {len(ours)} families, probe_success "
                 f"tern {ours['probe_success'].series()} blackbox {theirs['probe_success'].series()}")
        test.check(set(ours) == set(theirs),
                   f"{what}: families only in tern {sorted(set(ours) - set(theirs))}, "
                   f"only in blackbox {sorted(set(theirs) - set(ours))}")
        for name in set(ours) & set(theirs):
            test.check(ours[name].type == theirs[name].type,
                       f"{what}: {name} type {ours[name].type} vs {theirs[name].type}")
            test.check(ours[name].help == theirs[name].help,
                       f"{what}: {name} HELP {ours[name].help!r} vs {theirs[name].help!r}")
            test.check(ours[name].label_name_sets() == theirs[name].label_name_sets(),
                       f"{what}: {name} labels {ours[name].label_name_sets()} vs "
                       f"{theirs[name].label_name_sets()}")
        for name in ("probe_success", "probe_http_status_code", "probe_ssl_earliest_cert_expiry",
                     "probe_dns_answer_rrs", "probe_ip_protocol", "probe_ip_addr_hash",
                     "probe_http_ssl", "probe_failed_due_to_regex", "probe_http_redirects"):
            if name in ours and name in theirs:
                test.check(ours[name].series() == theirs[name].series(),
                           f"{what}: {name} {ours[name].series()} vs {theirs[name].series()}")
        for name in ("probe_tls_version_info", "probe_ssl_last_chain_info"):
            if name in ours and name in theirs:
                test.check(set(ours[name].series()) == set(theirs[name].series()),
                           f"{what}: {name} {ours[name].series()} vs {theirs[name].series()}")
    # blackbox's answers to a bad request.
    for query in ("module=nope&target=x", "module=http_2xx"):
        theirs = harness.fetch(f"http://127.0.0.1:{blackbox_port}/probe?{query}")
        ours = harness.fetch(f"http://127.0.0.1:{tern_port}/probe?{query}")
        test.check(ours.status == theirs.status == 400,
                   f"/probe?{query}: tern {ours.status}, blackbox {theirs.status}")
        test.check(ours.text.strip() == theirs.text.strip(),
                   f"/probe?{query}: tern {ours.text!r}, blackbox {theirs.text!r}")
    status500.close()
    blackbox.stop()
    tern.stop()

    # An unknown option stops the start-up with its line, as blackbox does.
    bad = tmp.file("bad.yml", "modules:\n  m:\n    prober: http\n    http:\n      valid_status_code: [200]\n")
    process = harness.Process([args.binary, f"--config.file={bad}",
                               f"--web.listen-address={harness.LOOPBACK}:0"], name="bad")
    code = process.wait_exit(10)
    test.check(code == 1, f"unknown module option: exit code {code}, want 1")
    test.check(f"{bad}:5: field valid_status_code not found" in process.stderr_text(),
               f"unknown module option: {process.stderr_text()}")


if __name__ == "__main__":
    sys.exit(harness.run_test("dnscheck_blackbox_compat_test", body, timeout=60))
