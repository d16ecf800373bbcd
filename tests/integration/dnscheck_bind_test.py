#!/usr/bin/env python3
"""tern-dnscheck's record checks against BIND 9 (named, Debian's bind9), what
most operators run, serving a real zone file on 127.0.0.1: correct records
with TTLs chosen per record (an authoritative answer carries the zone's TTL
exactly), a wrong A, a CNAME shadowing a required A, a name without the MX,
a name that does not exist, the zone's servers found by NS lookup
(resolver "authoritative"); a second named whose zone disagrees on one name;
SERVFAIL from a zone named cannot load, REFUSED for a zone it does not serve
and a port that never answers: errors with their reason, within the timeout,
and the scrape never waits. Then the same named probed through /probe next to
Debian's prometheus-blackbox-exporter on one module file (when installed)."""

import os
import re
import sys
import time
import urllib.parse

import dnscheck_env as env
import harness

# 40 TXT records of 60 bytes at big.example.test: about 2.8 kB, more than
# fits a UDP answer (512 bytes, or 1232 with EDNS).
BIG_TXT_COUNT = 40
BIG_TXT_PREFIX = "tern-big-answer-" + "x" * 42
BIG_TXT_VALUES = [f"{BIG_TXT_PREFIX}{i:02d}" for i in range(BIG_TXT_COUNT)]

# The zone under test. Every TTL differs, so a TTL taken from the wrong
# record (or a default) shows.
ZONE = """$ORIGIN example.test.
$TTL 900
@       3600  IN SOA  ns.example.test. hostmaster.example.test. (
                      2024060101 ; serial
                      3600       ; refresh
                      600        ; retry
                      86400      ; expire
                      120 )      ; negative caching TTL
@       3600  IN NS   ns
ns      3600  IN A    127.0.0.1
www     300   IN A    192.0.2.1
shared  450   IN A    192.0.2.5
wrong   300   IN A    192.0.2.99
; mail was meant to hold an A record; a CNAME at the name shadows it.
mail    600   IN CNAME relay
relay   1200  IN A    192.0.2.50
@       3600  IN TXT  "v=spf1 -all"
; example.test itself has no MX: other.example.test has one.
other   1800  IN MX   10 mx
mx      1800  IN A    192.0.2.25
; What real zones hold: a TXT split into character-strings, round-robin A,
; AAAA, CAA, a wildcard, an owner written in capitals, a CNAME leaving the
; zone, and an answer too big for UDP (named sets TC; the query goes to TCP).
spf     600   IN TXT  "v=spf1 ip4:192.0.2.0/24 " "-all"
multi   300   IN A    192.0.2.13
multi   300   IN A    192.0.2.11
multi   300   IN A    192.0.2.12
v6      300   IN AAAA 2001:db8::1
@       3600  IN CAA  0 issue "letsencrypt.org"
*.wild  300   IN A    192.0.2.8
UPPER   300   IN A    192.0.2.7
away    600   IN CNAME target.elsewhere.test.
""" + "".join(f'big     600   IN TXT  "{BIG_TXT_PREFIX}{i:02d}"\n' for i in range(BIG_TXT_COUNT))

# The second server: a stale copy of the zone, www points elsewhere.
SECOND_ZONE = """$ORIGIN example.test.
$TTL 900
@       3600  IN SOA  ns.example.test. hostmaster.example.test. 2024050101 3600 600 86400 120
@       3600  IN NS   ns
ns      3600  IN A    127.0.0.1
www     60    IN A    192.0.2.77
shared  450   IN A    192.0.2.5
"""

# No SOA, no NS: named refuses to load it and answers SERVFAIL for its names.
BROKEN_ZONE = """$ORIGIN broken.test.
www     300   IN A    192.0.2.3
"""


def series(families, name):
    family = families.get(name)
    return {} if family is None else {s.label_key(): s.float_value() for s in family.samples}


def value(families, metric, **labels):
    return series(families, metric).get(tuple(sorted(labels.items())))


def failed_lookup_logged(stderr, name, resolver, reason):
    """The debug line "lookup failed" for name and resolver whose err holds
    reason (logfmt, values quoted or not)."""
    for line in stderr.splitlines():
        if "lookup failed" not in line:
            continue
        fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line))
        fields = {k: v.strip('"') for k, v in fields.items()}
        if fields.get("name") == name and fields.get("resolver") == resolver \
                and reason in fields.get("err", ""):
            return True
    return False


def check_records(test, args, tmp, port, second_port):
    silent = env.UdpServer(rcode=None)
    declared = tmp.file("declared.yml", f"""check_interval: 30s
resolvers:
  - name: system
    servers: ["127.0.0.1:{port}"]
  - name: second
    servers: ["127.0.0.1:{second_port}"]
  - name: silent
    servers: ["127.0.0.1:{silent.port}"]
records:
  - {{name: www.example.test, type: A, values: [192.0.2.1], ttl: {{min: 300, max: 300}},
     resolvers: [system, authoritative, second]}}
  - {{name: shared.example.test, type: A, values: [192.0.2.5], resolvers: [system, second]}}
  - {{name: wrong.example.test, type: A, values: [192.0.2.2]}}
  - {{name: mail.example.test, type: A, values: [192.0.2.10], resolvers: [system, authoritative]}}
  - {{name: example.test, type: MX, values: ["10 mx.example.test"]}}
  - {{name: other.example.test, type: MX, values: ["10 mx.example.test"]}}
  - {{name: example.test, type: TXT, values: ["v=spf1 -all"], ttl: {{min: 3600, max: 86400}}}}
  - {{name: nothing.example.test, type: A, values: [192.0.2.4], resolvers: [system, authoritative]}}
  - {{name: www.broken.test, type: A, values: [192.0.2.3],
     resolvers: [system, silent, authoritative]}}
  - {{name: www.elsewhere.test, type: A, values: [192.0.2.6]}}
  - {{name: spf.example.test, type: TXT, values: ["v=spf1 ip4:192.0.2.0/24 -all"]}}
  - {{name: multi.example.test, type: A, values: [192.0.2.12, 192.0.2.13, 192.0.2.11]}}
  - {{name: v6.example.test, type: AAAA, values: ["2001:DB8:0::1"]}}
  - {{name: example.test, type: CAA, values: ['0 issue "letsencrypt.org"']}}
  - {{name: a.wild.example.test, type: A, values: [192.0.2.8]}}
  - {{name: Upper.Example.Test., type: A, values: [192.0.2.7]}}
  - {{name: mail.example.test, type: CNAME, values: [relay.example.test]}}
  - {{name: away.example.test, type: A, values: [192.0.2.9]}}
  - {{name: big.example.test, type: TXT, values: [{", ".join(BIG_TXT_VALUES)}]}}
""")
    started = time.monotonic()
    tern, tern_port = harness.start_tern(args.binary, [
        f"--config.declared={declared}", f"--dns.authoritative-port={port}",
        "--dns.timeout=1", "--log.level=debug"], name="tern-dnscheck")
    families = {}
    slowest_scrape = 0.0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        scrape_started = time.monotonic()
        families = harness.parse_exposition(harness.scrape(tern_port))
        slowest_scrape = max(slowest_scrape, time.monotonic() - scrape_started)
        if "dns_check_last_cycle_timestamp_seconds" in families:
            break
        time.sleep(0.1)
    test.require("dns_record_match" in families,
                 "no DNS results within 15 s:\n" + tern.stderr_text()[-2000:])
    test.log(f"first DNS cycle done {time.monotonic() - started:.2f} s after start, "
             f"slowest scrape meanwhile {slowest_scrape * 1000:.0f} ms")
    test.check(slowest_scrape < 0.5, f"a scrape took {slowest_scrape:.2f} s: it waited on DNS")

    def check(metric, expected, **labels):
        got = value(families, metric, **labels)
        test.check(got == expected, f"{metric}{labels} = {got}, want {expected}")
        return got == expected

    def absent(metric, **labels):
        got = value(families, metric, **labels)
        test.check(got is None, f"{metric}{labels} = {got}, want no series")

    A = "A"
    # The correct record, from the server named as resolver and from the
    # zone's servers found by SOA and NS lookups.
    for resolver in ("system", "authoritative"):
        check("dns_lookup_success", 1, name="www.example.test", type=A, resolver=resolver)
        check("dns_record_match", 1, name="www.example.test", type=A, resolver=resolver)
        check("dns_record_cname_conflict", 0, name="www.example.test", type=A, resolver=resolver)
        check("dns_record_ttl_seconds", 300, name="www.example.test", type=A, resolver=resolver)
        check("dns_record_ttl_within_bounds", 1, name="www.example.test", type=A,
              resolver=resolver)
        check("dns_record_answer_info", 1, name="www.example.test", type=A, resolver=resolver,
              rcode="NOERROR", values="192.0.2.1")
    check("dns_record_expected_info", 1, name="www.example.test", type=A, values="192.0.2.1")

    # Two servers that disagree; and agree on another name.
    check("dns_record_match", 0, name="www.example.test", type=A, resolver="second")
    check("dns_lookup_success", 1, name="www.example.test", type=A, resolver="second")
    check("dns_record_answer_info", 1, name="www.example.test", type=A, resolver="second",
          rcode="NOERROR", values="192.0.2.77")
    check("dns_record_ttl_seconds", 60, name="www.example.test", type=A, resolver="second")
    check("dns_record_ttl_within_bounds", 0, name="www.example.test", type=A, resolver="second")
    check("dns_resolvers_agree", 0, name="www.example.test", type=A)
    check("dns_resolvers_agree", 1, name="shared.example.test", type=A)
    for resolver in ("system", "second"):
        check("dns_record_match", 1, name="shared.example.test", type=A, resolver=resolver)
        check("dns_record_ttl_seconds", 450, name="shared.example.test", type=A, resolver=resolver)

    # A wrong A: answered, not matching, the served value visible.
    check("dns_record_match", 0, name="wrong.example.test", type=A, resolver="system")
    check("dns_lookup_success", 1, name="wrong.example.test", type=A, resolver="system")
    check("dns_record_answer_info", 1, name="wrong.example.test", type=A, resolver="system",
          rcode="NOERROR", values="192.0.2.99")
    check("dns_record_ttl_seconds", 300, name="wrong.example.test", type=A, resolver="system")
    absent("dns_resolvers_agree", name="wrong.example.test", type=A)

    # The CNAME shadowing the required A. named follows the chain inside its
    # zone: the answer's A is relay's, with relay's TTL.
    for resolver in ("system", "authoritative"):
        check("dns_record_cname_conflict", 1, name="mail.example.test", type=A, resolver=resolver)
        check("dns_record_match", 0, name="mail.example.test", type=A, resolver=resolver)
        check("dns_lookup_success", 1, name="mail.example.test", type=A, resolver=resolver)
        check("dns_record_answer_info", 1, name="mail.example.test", type=A, resolver=resolver,
              rcode="NOERROR", values="192.0.2.50")
        check("dns_record_ttl_seconds", 1200, name="mail.example.test", type=A, resolver=resolver)

    # The missing MX: NOERROR with no data, an answer that does not match.
    check("dns_record_match", 0, name="example.test", type="MX", resolver="system")
    check("dns_lookup_success", 1, name="example.test", type="MX", resolver="system")
    check("dns_record_answer_info", 1, name="example.test", type="MX", resolver="system",
          rcode="NOERROR", values="")
    absent("dns_record_ttl_seconds", name="example.test", type="MX", resolver="system")
    check("dns_record_cname_conflict", 0, name="example.test", type="MX", resolver="system")
    # The MX where it is.
    check("dns_record_match", 1, name="other.example.test", type="MX", resolver="system")
    check("dns_record_ttl_seconds", 1800, name="other.example.test", type="MX", resolver="system")

    # TXT at the apex, TTL within its bounds (the lower bound inclusive).
    check("dns_record_match", 1, name="example.test", type="TXT", resolver="system")
    check("dns_record_ttl_seconds", 3600, name="example.test", type="TXT", resolver="system")
    check("dns_record_ttl_within_bounds", 1, name="example.test", type="TXT", resolver="system")

    # NXDOMAIN: the server answered (lookup_success 1), nothing matches, the
    # rcode shows in answer_info with no values, and there is no TTL.
    for resolver in ("system", "authoritative"):
        check("dns_lookup_success", 1, name="nothing.example.test", type=A, resolver=resolver)
        check("dns_record_match", 0, name="nothing.example.test", type=A, resolver=resolver)
        check("dns_record_cname_conflict", 0, name="nothing.example.test", type=A,
              resolver=resolver)
        check("dns_record_answer_info", 1, name="nothing.example.test", type=A,
              resolver=resolver, rcode="NXDOMAIN", values="")
        absent("dns_record_ttl_seconds", name="nothing.example.test", type=A, resolver=resolver)
    check("dns_resolvers_agree", 1, name="nothing.example.test", type=A)

    # Real zone data: split TXT strings joined, the answer's order ignored,
    # addresses and names compared in canonical form.
    for name, rtype, values in (
            ("spf.example.test", "TXT", "v=spf1 ip4:192.0.2.0/24 -all"),
            ("multi.example.test", A, "192.0.2.11,192.0.2.12,192.0.2.13"),
            ("v6.example.test", "AAAA", "2001:db8::1"),
            ("example.test", "CAA", "0 issue letsencrypt.org"),
            ("a.wild.example.test", A, "192.0.2.8"),
            ("upper.example.test", A, "192.0.2.7"),
            ("mail.example.test", "CNAME", "relay.example.test")):
        check("dns_record_match", 1, name=name, type=rtype, resolver="system")
        check("dns_record_answer_info", 1, name=name, type=rtype, resolver="system",
              rcode="NOERROR", values=values)
    check("dns_record_cname_conflict", 0, name="mail.example.test", type="CNAME",
          resolver="system")
    check("dns_record_ttl_seconds", 600, name="mail.example.test", type="CNAME",
          resolver="system")
    # A CNAME leaving the zone: named (no recursion) gives the CNAME alone.
    check("dns_record_cname_conflict", 1, name="away.example.test", type=A, resolver="system")
    check("dns_record_match", 0, name="away.example.test", type=A, resolver="system")
    check("dns_lookup_success", 1, name="away.example.test", type=A, resolver="system")
    check("dns_record_answer_info", 1, name="away.example.test", type=A, resolver="system",
          rcode="NOERROR", values="")
    # The answer too big for UDP: all 40 values, over TCP.
    check("dns_lookup_success", 1, name="big.example.test", type="TXT", resolver="system")
    check("dns_record_match", 1, name="big.example.test", type="TXT", resolver="system")
    check("dns_record_ttl_seconds", 600, name="big.example.test", type="TXT", resolver="system")

    # Errors, not hangs: SERVFAIL from named (the zone it could not load),
    # silence, the zone's servers not found, REFUSED from a server that does
    # not serve the zone. Each is lookup_success 0 with its reason logged.
    stderr = tern.stderr_text()
    for resolver in ("system", "silent", "authoritative"):
        check("dns_lookup_success", 0, name="www.broken.test", type=A, resolver=resolver)
        check("dns_record_match", 0, name="www.broken.test", type=A, resolver=resolver)
        infos = [s.labels for s in families["dns_record_answer_info"].samples
                 if s.labels.get("name") == "www.broken.test"
                 and s.labels.get("resolver") == resolver]
        test.check(not infos, f"dns_record_answer_info for a failed lookup: {infos}")
        absent("dns_record_ttl_seconds", name="www.broken.test", type=A, resolver=resolver)
    check("dns_resolvers_agree", 0, name="www.broken.test", type=A)
    check("dns_lookup_success", 0, name="www.elsewhere.test", type=A, resolver="system")
    for name, resolver, reason in (("www.broken.test", "system", "SERVFAIL"),
                                   ("www.broken.test", "silent", "timeout"),
                                   ("www.broken.test", "authoritative", "SERVFAIL"),
                                   ("www.elsewhere.test", "system", "REFUSED")):
        test.check(failed_lookup_logged(stderr, name, resolver, reason),
                   f"no 'lookup failed' log line for {name} {resolver} with err {reason}")
    servfail_took = value(families, "dns_lookup_duration_seconds", name="www.broken.test",
                          type=A, resolver="system")
    test.check(servfail_took is not None and servfail_took < 0.5,
               f"named's SERVFAIL took {servfail_took} s to count: it should be at once")
    silent_took = value(families, "dns_lookup_duration_seconds", name="www.broken.test",
                        type=A, resolver="silent")
    test.check(silent_took is not None and 0.5 <= silent_took <= 1.5,
               f"the silent server's query took {silent_took} s, want about the 1 s timeout")
    check("dns_check_failed_lookups", 4)
    cycle = value(families, "dns_check_cycle_duration_seconds")
    test.check(cycle is not None and cycle < 2.5, f"DNS cycle took {cycle} s")
    test.log(f"DNS cycle {cycle:.3f} s; SERVFAIL after {servfail_took * 1000:.1f} ms, "
             f"silent after {silent_took:.3f} s")

    text = harness.scrape(tern_port)
    if os.path.exists(harness.PROMTOOL):
        code, out, err = harness.run_command(["promtool", "check", "metrics"], input_text=text)
        test.check("error" not in (out + err).lower(), f"promtool check metrics: {out}{err}")
    tern.stop()
    silent.close()


def check_blackbox(test, args, tmp, port):
    """/probe on the same named, tern-dnscheck and blackbox_exporter reading
    the same module file."""
    if not os.access(env.BLACKBOX, os.X_OK):
        test.skip(f"{env.BLACKBOX} is not installed: no comparison with blackbox_exporter")
        return
    modules = tmp.file("blackbox.yml", """modules:
  dns_www:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      query_name: www.example.test
      query_type: A
      valid_rcodes: [NOERROR]
  dns_mx:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      query_name: other.example.test
      query_type: MX
      valid_rcodes: [NOERROR]
  dns_nx:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      query_name: nothing.example.test
      query_type: A
      valid_rcodes: [NOERROR]
  dns_soa:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      query_name: example.test
      query_type: SOA
      valid_rcodes: [NOERROR]
  dns_big:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      query_name: big.example.test
      query_type: TXT
      valid_rcodes: [NOERROR]
  dns_big_tcp:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      transport_protocol: tcp
      query_name: big.example.test
      query_type: TXT
      valid_rcodes: [NOERROR]
  dns_servfail:
    prober: dns
    timeout: 5s
    dns:
      preferred_ip_protocol: ip4
      query_name: www.broken.test
      query_type: A
      valid_rcodes: [NOERROR]
""")
    blackbox, blackbox_port, tern, tern_port = env.start_blackbox_and_tern(args.binary, modules)
    target = f"127.0.0.1:{port}"
    expected_success = {"dns_www": 1, "dns_mx": 1, "dns_nx": 0, "dns_soa": 1, "dns_big": 1,
                        "dns_big_tcp": 1, "dns_servfail": 0}
    # dns_big over UDP: named fits 6 of the 40 TXT records in 512 bytes and
    # sets TC; both count what came, neither retries over TCP.
    for module, success in expected_success.items():
        query = urllib.parse.urlencode({"module": module, "target": target})
        theirs = harness.parse_exposition(harness.scrape(blackbox_port, f"/probe?{query}"))
        ours = harness.parse_exposition(harness.scrape(tern_port, f"/probe?{query}"))
        what = f"/probe {module} {target}"
        test.require("probe_success" in theirs and "probe_success" in ours,
                     f"{what}: no probe_success")
        counts = {name: (ours[name].series() if name in ours else None,
                         theirs[name].series() if name in theirs else None)
                  for name in ("probe_dns_answer_rrs", "probe_dns_authority_rrs",
                               "probe_dns_additional_rrs")}
        test.log(f"{what}: probe_success tern {ours['probe_success'].series()} blackbox "
                 f"{theirs['probe_success'].series()}; rrs (tern, blackbox) "
                 + ", ".join(f"{k[10:]} {[list(s.values()) if s else s for s in v]}"
                             for k, v in counts.items()))
        test.check(theirs["probe_success"].series() == {(): success},
                   f"{what}: blackbox probe_success {theirs['probe_success'].series()}, "
                   f"want {success} (the fixture is not what the test thinks)")
        ours_dns = {n for n in ours if n.startswith("probe_dns_")}
        theirs_dns = {n for n in theirs if n.startswith("probe_dns_")}
        test.check(ours_dns == theirs_dns,
                   f"{what}: probe_dns_* only in tern {sorted(ours_dns - theirs_dns)}, "
                   f"only in blackbox {sorted(theirs_dns - ours_dns)}")
        for name in sorted(ours_dns & theirs_dns):
            test.check(ours[name].sample_names() == theirs[name].sample_names(),
                       f"{what}: {name} series names {sorted(ours[name].sample_names())} vs "
                       f"{sorted(theirs[name].sample_names())}")
            test.check(ours[name].type == theirs[name].type,
                       f"{what}: {name} type {ours[name].type} vs {theirs[name].type}")
            test.check(ours[name].label_name_sets() == theirs[name].label_name_sets(),
                       f"{what}: {name} labels {ours[name].label_name_sets()} vs "
                       f"{theirs[name].label_name_sets()}")
        for name in ("probe_success", "probe_dns_answer_rrs", "probe_dns_authority_rrs",
                     "probe_dns_additional_rrs", "probe_dns_query_succeeded", "probe_dns_serial"):
            test.check((name in ours) == (name in theirs),
                       f"{what}: {name} in tern {name in ours}, in blackbox {name in theirs}")
            if name in ours and name in theirs:
                test.check(ours[name].series() == theirs[name].series(),
                           f"{what}: {name} tern {ours[name].series()} vs blackbox "
                           f"{theirs[name].series()}")
    blackbox.stop()
    tern.stop()


def body(test):
    args = harness.parse_args(__doc__)
    harness.require_program(env.NAMED)
    tmp = harness.TempDir()
    named, port = env.start_named(tmp, "named", ZONE, extra_zones={"broken.test": BROKEN_ZONE},
                                  query_log=True)
    second, second_port = env.start_named(tmp, "named-second", SECOND_ZONE)
    test.check("broken.test/IN: not loaded due to errors" in named.stderr_text(),
               "named loaded the broken zone: the SERVFAIL case is not tested")
    check_records(test, args, tmp, port, second_port)
    # "authoritative" was found, not assumed: named saw the zone looked up
    # (SOA, NS) and the record asked without recursion desired (RD=0, "-"),
    # as a client of the zone's own servers does.
    log = named.stderr_text()
    for query in ("query: example.test IN NS +", "query: www.example.test IN A -",
                  "query: www.example.test IN A +"):
        test.check(query in log, f"named's query log has no '{query}'")
    check_blackbox(test, args, tmp, port)
    second.stop()
    named.stop()


if __name__ == "__main__":
    sys.exit(harness.run_test("dnscheck_bind_test", body, timeout=60))
