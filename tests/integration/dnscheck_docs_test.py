#!/usr/bin/env python3
"""docs/exporters/dnscheck.md's generated sections (docs_test.py) from a real
run of tern-dnscheck against a private dnsmasq and an openssl s_server, so
every family (answers, TTL bounds, TLS series) appears.

usage: dnscheck_docs_test.py BINARY PAGE [--update]"""

import datetime
import os
import sys

import dnscheck_env as env
import harness


def main():
    binary, page = sys.argv[1:3]
    update = "--update" in sys.argv[3:]
    for program in (env.DNSMASQ, env.OPENSSL):
        if not os.access(program, os.X_OK):
            print(f"SKIPPED: {program} is not installed")
            return harness.SKIP_EXIT_CODE
    tmp = harness.TempDir()
    try:
        _, dns_port = env.start_dnsmasq(tmp, "zone", ["host-record=www.example.test,192.0.2.1"])
        pki = env.Pki(tmp)
        now = env.utc_now()
        cert, key = pki.issue("site", ["localhost"], now - datetime.timedelta(days=1),
                              now + datetime.timedelta(days=10))
        _, https_port = env.start_s_server(cert, key)
        declared = tmp.file("declared.yml", f"""resolvers:
  - {{name: system, servers: ["127.0.0.1:{dns_port}"]}}
  - {{name: second, servers: ["127.0.0.1:{dns_port}"]}}
records:
  - {{name: www.example.test, type: A, values: [192.0.2.1], ttl: {{max: 3600}}, resolvers: [system, second]}}
sites:
  - {{url: "https://localhost:{https_port}/", ca_file: {pki.ca_cert}}}
tls:
  - {{endpoint: "127.0.0.1:{https_port}", server_name: localhost, ca_file: {pki.ca_cert}}}
""")
        args = [sys.executable, os.path.join(os.path.dirname(__file__), "docs_test.py"), binary, page,
                "--prefixes", "dns_,probe_,dnscheck_,route53_,process_,promhttp_",
                "--wait-for", "dns_record_answer_info,probe_ssl_earliest_cert_expiry"]
        if update:
            args.append("--update")
        code, out, err = harness.run_command(
            [*args, "--", f"--config.declared={declared}"], timeout=60)
        print(out + err)
        return code
    finally:
        harness.stop_all_children()


if __name__ == "__main__":
    sys.exit(main())
