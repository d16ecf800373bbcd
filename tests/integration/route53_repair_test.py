#!/usr/bin/env python3
"""`tern-dnscheck repair` against a fake Route53 that checks every SigV4
signature: a dry run prints the batch and sends nothing; --apply sends exactly
one ChangeResourceRecordSets batch (DELETE the shadowing CNAME with its exact
TTL and value, UPSERT the declared A) and waits through PENDING to INSYNC;
afterwards nothing is left to change; a wrong secret key is refused (403
SignatureDoesNotMatch, exit 1, no change); no credentials at all is a clear
error. Credentials come from the environment and from a profile of the shared
credentials file."""

import email
import json
import os
import sys

import fake_route53
import harness
from fake_route53 import FakeRoute53
import route53_common as common


def check_fake_against_suite(test, source_dir):
    """The fake's own verifier must agree with AWS's test suite, or a pass
    against it would prove little: header-signed cases whose paths need no
    normalization, with their query strings and folded, repeated headers."""
    suite = os.path.join(source_dir, "tests", "fixtures", "aws-sigv4-test-suite")
    checked = 0
    for case in sorted(os.listdir(suite)):
        directory = os.path.join(suite, case)
        if not os.path.isdir(directory):
            continue
        with open(os.path.join(directory, "context.json")) as f:
            context = json.load(f)
        if (context.get("credentials", {}).get("token") or context.get("sign_body")
                or "relative" in case or "slash" in case):
            continue  # the fake only sees what our client sends: no tokens, nothing to normalize
        with open(os.path.join(directory, "request.txt"), "rb") as f:
            request = f.read().decode("utf-8")
        head, _, body = request.partition("\n\n")
        first, _, header_text = head.partition("\n")
        method, rest = first.split(" ", 1)
        target = rest.rsplit(" HTTP/", 1)[0]
        raw_path, _, raw_query = target.partition("?")
        headers = email.message_from_string(header_text + "\n\n")
        headers["X-Amz-Date"] = "20150830T123600Z"
        signed = sorted({k.lower() for k in headers.keys()})
        creq = fake_route53.canonical_request(method, raw_path, raw_query, headers, signed,
                                              body.encode())
        with open(os.path.join(directory, "header-canonical-request.txt")) as f:
            want_creq = f.read().rstrip("\n")
        with open(os.path.join(directory, "header-signature.txt")) as f:
            want_signature = f.read().strip()
        got = fake_route53.expected_signature(context["credentials"]["secret_access_key"],
                                              "20150830T123600Z", creq or "", context["region"],
                                              context["service"])
        test.check(creq == want_creq, f"fake's canonical request for {case}:\n{creq}\nwant\n{want_creq}")
        test.check(got == want_signature, f"fake's signature for {case}: {got}, want {want_signature}")
        checked += 1
    test.check(checked >= 20, f"only {checked} suite cases checked the fake")
    test.log(f"the fake's verifier agrees with {checked} cases of the AWS SigV4 suite")


def body(test):
    args = harness.parse_args(__doc__)
    check_fake_against_suite(test, args.source_dir)
    tmp = harness.TempDir("tern-route53-")
    declared = tmp.file("declared.yml", common.DECLARED_YAML)
    fake = FakeRoute53({common.ZONE_ID: common.zone_record_sets()},
                       {common.ACCESS_KEY: common.SECRET_KEY}, page_size=3, pending_polls=1).start()
    try:
        base = [args.binary, "repair", f"--config.declared={declared}",
                f"--route53.endpoint={fake.endpoint}", "--wait.interval=0.2", "--wait.timeout=20"]

        # A dry run: the batch is printed, nothing is sent.
        code, out, err = common.run(base, common.child_env(tmp))
        test.log(out + err)
        test.check(code == 0, f"dry run exit code {code}, want 0")
        want_delete = "DELETE mail.example.com. CNAME 300 mailhost.example.net."
        want_upsert = "UPSERT mail.example.com. A 300 192.0.2.10"
        test.check(want_delete in out, f"dry run does not print {want_delete!r}")
        test.check(want_upsert in out, f"dry run does not print {want_upsert!r}")
        test.check("2 changes in one ChangeResourceRecordSets batch" in out, "dry run: no batch summary")
        test.check("dry run, nothing sent" in out, "dry run does not say nothing was sent")
        ops = fake.operations()
        test.check(set(ops) == {"ListResourceRecordSets"} and len(ops) >= 4,
                   f"dry run sent {ops}, want only ListResourceRecordSets, paginated (>= 4 pages of 3)")
        test.check(not fake.batches, "dry run changed the zone")
        code, out, _ = common.run(base + ["--detailed-exitcode"], common.child_env(tmp))
        test.check(code == 3, f"dry run with --detailed-exitcode: exit {code}, want 3")

        # --apply, with credentials from a profile of the shared credentials file.
        credentials = tmp.file("credentials", "[default]\naws_access_key_id = AKIDOTHER\n"
                               "aws_secret_access_key = other\n\n[dns]\n"
                               f"aws_access_key_id = {common.ACCESS_KEY}\n"
                               f"aws_secret_access_key = {common.SECRET_KEY}\n", mode=0o600)
        env = common.child_env(tmp, secret=None, AWS_SHARED_CREDENTIALS_FILE=credentials,
                               AWS_PROFILE="dns")
        fake.requests.clear()
        code, out, err = common.run(base + ["--apply"], env)
        test.log(out + err)
        test.check(code == 0, f"--apply exit code {code}, want 0: {err}")
        ops = fake.operations()
        test.check(ops.count("ChangeResourceRecordSets") == 1,
                   f"--apply sent {ops.count('ChangeResourceRecordSets')} ChangeResourceRecordSets, want 1")
        test.check(ops.count("GetChange") >= 2, f"--apply polled GetChange {ops.count('GetChange')} times, "
                   "want PENDING then INSYNC (>= 2)")
        test.check(all(r["status"] == 200 for r in fake.requests),
                   f"a request was refused: {[r for r in fake.requests if r['status'] != 200]}")
        test.require(len(fake.batches) == 1, f"{len(fake.batches)} batches recorded, want 1")
        batch = fake.batches[0]["changes"]
        want = [("DELETE", {"Name": "mail.example.com.", "Type": "CNAME", "TTL": 300,
                            "Values": ["mailhost.example.net."]}),
                ("UPSERT", {"Name": "mail.example.com.", "Type": "A", "TTL": 300,
                            "Values": ["192.0.2.10"]})]
        test.check(batch == want, f"batch {batch}, want {want}")
        test.check("INSYNC" in out, "--apply does not report INSYNC")
        mail = [rs for rs in fake.zones[common.ZONE_ID] if rs["Name"] == "mail.example.com."]
        test.check([rs["Type"] for rs in mail] == ["A"], f"mail.example.com. after repair: {mail}")

        # Nothing left to change.
        code, out, _ = common.run(base + ["--detailed-exitcode"], common.child_env(tmp))
        test.check(code == 0 and "in sync, nothing to change" in out,
                   f"after repair: exit {code}, output {out!r}")

        # A wrong secret key: refused, counted, clear, nothing changed.
        fake.requests.clear()
        code, out, err = common.run(base + ["--apply"], common.child_env(tmp, secret=common.WRONG_SECRET))
        test.check(code == 1, f"wrong secret: exit {code}, want 1")
        test.check("SignatureDoesNotMatch" in err and "HTTP 403" in err,
                   f"wrong secret: the error does not name SignatureDoesNotMatch: {err!r}")
        test.check(common.WRONG_SECRET not in out + err, "the secret key appears in the output")
        test.check([r["code"] for r in fake.requests] == ["SignatureDoesNotMatch"],
                   f"wrong secret: fake saw {fake.requests}")
        test.check(len(fake.batches) == 1, "wrong secret: a batch was applied")

        # No credentials anywhere.
        code, out, err = common.run(base, common.child_env(tmp, secret=None,
                                                           HOME=tmp.path + "/nonexistent"))
        test.check(code == 1 and "no AWS credentials" in err, f"no credentials: exit {code}, {err!r}")

        # A zone that is not declared, and bad flags.
        code, _, err = common.run(base + ["--zone=ZNOTDECLARED"], common.child_env(tmp))
        test.check(code == 1 and "not one of the route53_zones" in err, f"--zone: exit {code}, {err!r}")
        code, _, _ = common.run(base + ["--no-such-flag"], common.child_env(tmp))
        test.check(code == 2, f"bad flag: exit {code}, want 2")
    finally:
        fake.stop()


if __name__ == "__main__":
    sys.exit(harness.run_test("route53_repair_test", body, timeout=80))
