#!/usr/bin/env python3
"""The route53 collector against a fake Route53 that checks every SigV4
signature: the zone is read in the background over several pages, and
/metrics shows the drift (the CNAME shadowing the declared A, a missing
record, records in sync), the API counters and the last sync time; a wrong
secret key shows route53_api_up 0 and a SignatureDoesNotMatch error count,
and the key never appears in the log."""

import sys
import time

import harness
from fake_route53 import FakeRoute53
import route53_common as common

DECLARED = common.DECLARED_YAML + """\
  - name: www.example.com
    type: A
    values: [192.0.2.21]
  - name: ipv6.example.com
    type: AAAA
    values: ["2001:db8::1"]
"""


def start(args, tmp, fake, declared, secret):
    env = common.child_env(tmp, secret=secret)
    process = harness.Process([args.binary, f"--web.listen-address={harness.LOOPBACK}:0",
                               "--collector.disable-defaults", "--collector.route53",
                               f"--config.declared={declared}", f"--route53.endpoint={fake.endpoint}",
                               "--route53.interval=1"], name="tern-dnscheck", env=env)
    return process, process.wait_listening(timeout=10)


def scrape_until(test, port, predicate, what, timeout=15):
    deadline = time.monotonic() + timeout
    families = {}
    while time.monotonic() < deadline:
        families = harness.parse_exposition(harness.scrape(port))
        if predicate(families):
            return families
        time.sleep(0.2)
    test.fail(f"{what} within {timeout} s")
    return families


def value(families, family_name, **labels):
    family = families.get(family_name)
    if family is None:
        return None
    for sample in family.samples:
        if all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.float_value()
    return None


def body(test):
    args = harness.parse_args(__doc__)
    tmp = harness.TempDir("tern-route53-")
    declared = tmp.file("declared.yml", DECLARED)
    fake = FakeRoute53({common.ZONE_ID: common.zone_record_sets()},
                       {common.ACCESS_KEY: common.SECRET_KEY}, page_size=3).start()
    try:
        process, port = start(args, tmp, fake, declared, common.SECRET_KEY)
        families = scrape_until(test, port, lambda f: "route53_last_sync_timestamp_seconds" in f,
                                "no successful Route53 sync")
        test.check(value(families, "route53_api_up") == 1, "route53_api_up is not 1")
        sync = value(families, "route53_last_sync_timestamp_seconds") or 0
        test.check(abs(sync - time.time()) < 30, f"route53_last_sync_timestamp_seconds {sync} is not now")
        expected_drift = {
            ("mail.example.com", "A"): 1,   # shadowed by the CNAME
            ("example.com", "MX"): 0,
            ("example.com", "TXT"): 0,
            ("host0.example.com", "A"): 0,
            ("www.example.com", "A"): 1,    # other address
            ("ipv6.example.com", "AAAA"): 1,  # missing
        }
        for (name, type_), want in expected_drift.items():
            got = value(families, "route53_record_drift", name=name, type=type_)
            test.check(got == want, f"route53_record_drift{{name={name},type={type_}}} = {got}, want {want}")
        test.check(len(families["route53_record_drift"].samples) == len(expected_drift),
                   "route53_record_drift has extra series")
        test.check(value(families, "route53_cname_conflict", name="mail.example.com") == 1,
                   "route53_cname_conflict{name=mail.example.com} is not 1")
        test.check(value(families, "route53_cname_conflict", name="www.example.com") == 0,
                   "route53_cname_conflict{name=www.example.com} is not 0")
        pages = [r for r in fake.requests if r["operation"] == "ListResourceRecordSets"]
        test.check(len(pages) >= 4 and any("name=" in r["query"] for r in pages),
                   f"the zone (10 record sets, 3 a page) was not read over several pages: {len(pages)}")
        requests = value(families, "route53_api_requests_total", operation="ListResourceRecordSets")
        test.check(requests is not None and requests >= 4,
                   f"route53_api_requests_total{{operation=ListResourceRecordSets}} = {requests}")
        test.check(value(families, "route53_api_requests_total", operation="ChangeResourceRecordSets") == 0,
                   "the collector sent a change")
        test.check(all(r["status"] == 200 for r in fake.requests), "the fake refused a request")
        test.check(value(families, "dnscheck_scrape_collector_success", collector="route53") == 1,
                   "dnscheck_scrape_collector_success{collector=route53} is not 1")

        # Drift repaired behind the exporter's back: the next sync sees it.
        with fake.lock:
            zone = fake.zones[common.ZONE_ID]
            zone[:] = [rs for rs in zone if rs["Name"] != "mail.example.com."]
            zone.append({"Name": "mail.example.com.", "Type": "A", "TTL": 300, "Values": ["192.0.2.10"]})
        scrape_until(test, port, lambda f: value(f, "route53_record_drift", name="mail.example.com",
                                                 type="A") == 0 and
                     value(f, "route53_cname_conflict", name="mail.example.com") == 0,
                     "the repaired record still drifts")
        process.stop()

        # A wrong secret key.
        fake.requests.clear()
        process, port = start(args, tmp, fake, declared, common.WRONG_SECRET)
        families = scrape_until(test, port, lambda f: value(f, "route53_api_up") is not None,
                                "no route53_api_up with a wrong key")
        test.check(value(families, "route53_api_up") == 0, "route53_api_up is not 0 with a wrong key")
        errors = value(families, "route53_api_errors_total", operation="ListResourceRecordSets",
                       code="SignatureDoesNotMatch")
        test.check(errors is not None and errors >= 1,
                   f"route53_api_errors_total{{code=SignatureDoesNotMatch}} = {errors}")
        test.check(value(families, "dnscheck_scrape_collector_success", collector="route53") == 0,
                   "the collector reports success with a wrong key")
        test.check("route53_record_drift" not in families, "drift exported without a successful read")
        test.check(fake.requests and all(r["code"] == "SignatureDoesNotMatch" for r in fake.requests),
                   "the fake did not refuse the wrong signature")
        process.stop()
        log = process.stderr_text() + process.stdout_text()
        test.check("SignatureDoesNotMatch" in log, "the log does not name the error")
        test.check(common.WRONG_SECRET not in log and common.SECRET_KEY not in log,
                   "a secret key appears in the log")
    finally:
        fake.stop()


if __name__ == "__main__":
    sys.exit(harness.run_test("route53_drift_test", body, timeout=80))
