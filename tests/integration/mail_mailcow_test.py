#!/usr/bin/env python3
"""tern-mail's mailcow collector against fake_mailcow.py, a stand-in for
Mailcow's HTTP API speaking its real wire format (Mailcow itself cannot run
here): the values exported match the replayed answers (the fixtures in the
format of mailcow's openapi.yaml); a 401, a 500, a timeout, truncated JSON and
a connection cut mid-body each give mailcow_api_success 0 for their endpoint
only, logged once, while the scrape still answers within the timeout; the API
key never shows in the logs or /metrics; per-mailbox series only with
--mailcow.mailboxes; start-up errors are clear when the collector is on and
absent when it is off; HTTPS with a self-signed certificate is refused unless
--no-mailcow.tls-verify.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from fake_mailcow import FakeMailcow  # noqa: E402

KEY = "Mc-7f3a9e1b2c4d-SECRET-KEY-5e6f"
TIMEOUT = 1.0  # --mailcow.timeout
ENDPOINTS = [
    "api/v1/get/mailq/all",
    "api/v1/get/domain/all",
    "api/v1/get/quarantine/all",
    "api/v1/get/rspamd/actions",
    "api/v1/get/status/containers",
]
MAILBOX = "api/v1/get/mailbox/all"
FAULTS = ["401", "500", "timeout", "truncated", "cut"]


def base_args(port):
    return [
        "--collector.mailcow",
        "--no-collector.postfix",
        "--no-collector.dovecot",
        f"--mailcow.url=http://{h.LOOPBACK}:{port}/",
        f"--mailcow.timeout={TIMEOUT}",
        "--log.level=debug",
    ]


def scrape(port):
    started = time.monotonic()
    text = h.scrape(port, timeout=15)
    return h.parse_exposition(text), text, time.monotonic() - started


def series(families, name):
    family = families.get(name)
    return family.series() if family else {}


def success(families):
    return {dict(k)["endpoint"]: v for k, v in series(families, "mailcow_api_success").items()}


def failure_lines(tern, endpoint):
    return [l for l in tern.lines if "Mailcow API endpoint failed" in l and endpoint in l]


def load(fixtures, name):
    with open(os.path.join(fixtures, name)) as f:
        return json.load(f)


def check_values(test, families, fixtures):
    # Queue: a count per queue, every Postfix queue present.
    mailq = load(fixtures, "mailq.json")
    want = {q: 0 for q in ("active", "deferred", "hold", "incoming", "maildrop")}
    for m in mailq:
        want[m["queue_name"]] += 1
    got = {dict(k)["queue"]: v for k, v in series(families, "mailcow_mailq").items()}
    test.check(got == want, f"mailcow_mailq {got} != {want}")
    size = {dict(k)["queue"]: v for k, v in series(families, "mailcow_mailq_size_bytes").items()}
    test.check(size.get("deferred") == 5000, f"mailcow_mailq_size_bytes {size}")

    # Domains: every field, numbers and numeric strings alike.
    fields = {
        "mailcow_domain_active": "active",
        "mailcow_domain_mailboxes": "mboxes_in_domain",
        "mailcow_domain_max_mailboxes": "max_num_mboxes_for_domain",
        "mailcow_domain_aliases": "aliases_in_domain",
        "mailcow_domain_max_aliases": "max_num_aliases_for_domain",
        "mailcow_domain_quota_allowed": "max_quota_for_domain",
        "mailcow_domain_quota_used": "bytes_total",
        "mailcow_domain_messages": "msgs_total",
    }
    for domain in load(fixtures, "domain.json"):
        for metric, key in fields.items():
            got = series(families, metric).get((("domain", domain["domain_name"]),))
            test.check(got == float(domain[key]),
                       f"{metric}{{domain={domain['domain_name']}}} = {got}, want {domain[key]}")

    quarantine = load(fixtures, "quarantine.json")
    got = {dict(k)["is_virus"]: v for k, v in series(families, "mailcow_quarantine_count").items()}
    want = {"0": float(sum(1 for q in quarantine if not q["virus_flag"])),
            "1": float(sum(1 for q in quarantine if q["virus_flag"]))}
    test.check(got == want, f"mailcow_quarantine_count {got} != {want}")

    got = {dict(k)["action"]: v for k, v in series(families, "mailcow_rspamd_action").items()}
    want = {a: float(n) for a, n in load(fixtures, "rspamd_actions.json")}
    test.check(got == want, f"mailcow_rspamd_action {got} != {want}")

    containers = load(fixtures, "containers.json")
    got = {dict(k)["container"]: v for k, v in series(families, "mailcow_container_running").items()}
    want = {c["container"]: (1.0 if c["state"] == "running" else 0.0)
            for c in containers.values() if c["container"].endswith("-mailcow")}
    test.check(got == want, f"mailcow_container_running {got} != {want}")
    start = series(families, "mailcow_container_start")
    key = (("container", "acme-mailcow"), ("image", "mailcow/acme:1.63"))
    test.check(abs(start.get(key, 0) - 1577048408.27) < 0.01,
               f"mailcow_container_start acme-mailcow = {start.get(key)}")


def check_secret(test, tern, text):
    test.check(KEY not in text, "the API key appears in /metrics")
    test.check(KEY not in tern.stderr_text() and KEY not in tern.stdout_text(),
               "the API key appears in tern-mail's output")


def body(test, args):
    fixtures = os.path.join(args.source_dir, "tests", "fixtures", "mail", "mailcow")
    tmp = h.TempDir(prefix="tern-mailcow-")
    key_file = tmp.file("mailcow.key", KEY + "\n", mode=0o600)
    fake = FakeMailcow(fixtures, KEY).start()

    # 1. Values, without --mailcow.mailboxes; the key from a file.
    tern, port = h.start_tern(args.binary, [*base_args(fake.port), f"--mailcow.api-key-file={key_file}"],
                              name="tern-mail")
    families, text, took = scrape(port)
    got = success(families)
    test.check(got == {e: 1.0 for e in ENDPOINTS}, f"mailcow_api_success {got}")
    test.check(set(series(families, "mailcow_api_duration_seconds")) ==
               {(("endpoint", e),) for e in ENDPOINTS}, "mailcow_api_duration_seconds endpoints")
    test.check(series(families, "mailcow_up") == {(): 1.0}, "mailcow_up is not 1")
    check_values(test, families, fixtures)
    mailbox_names = [n for n in families if n.startswith("mailcow_mailbox_")]
    test.check(not mailbox_names, f"mailbox series without --mailcow.mailboxes: {mailbox_names}")
    test.check(all(p != "/" + MAILBOX for p, _ in fake.requests()),
               "the mailbox list was read without --mailcow.mailboxes")
    test.check(fake.requests() and all(ok for _, ok in fake.requests()),
               "a request came without the right X-API-Key")

    # 2. Each fault on one endpoint: success 0 there only, the scrape in time.
    for i, kind in enumerate(FAULTS):
        endpoint = ENDPOINTS[i % len(ENDPOINTS)]
        before = len(failure_lines(tern, endpoint))
        fake.clear()
        fake.fault("/" + endpoint, kind, seconds=TIMEOUT + 2)
        for attempt in range(2):  # twice: the error is logged once
            families, text, took = scrape(port)
            want = {e: (0.0 if e == endpoint else 1.0) for e in ENDPOINTS}
            got = success(families)
            test.check(got == want, f"{kind} on {endpoint}: mailcow_api_success {got}")
            test.check(took < TIMEOUT + 1.5, f"{kind} on {endpoint}: the scrape took {took:.2f} s")
            test.check(series(families, "mailcow_up") == {(): 1.0}, f"{kind}: mailcow_up not 1")
        # The other endpoints' series are still there.
        if endpoint != "api/v1/get/mailq/all":
            test.check("mailcow_mailq" in families, f"{kind} on {endpoint} hid mailcow_mailq")
        # Log lines reach us through a reader thread: wait for the first.
        tern.wait_for_line(lambda l: "Mailcow API endpoint failed" in l and endpoint in l, timeout=5)
        time.sleep(0.2)
        logged = failure_lines(tern, endpoint)
        test.check(len(logged) == before + 1,
                   f"{kind} on {endpoint}: {len(logged) - before} log lines for one error")
        test.log(f"{kind} on {endpoint}: {logged[-1] if logged else '(not logged)'}")
    # Exactly one line per distinct error, though each fault was scraped twice.
    failed = [l for l in tern.lines if "Mailcow API endpoint failed" in l]
    test.check(len(failed) == len(FAULTS), f"{len(failed)} failure lines for {len(FAULTS)} faults")
    fake.clear()
    families, text, took = scrape(port)
    test.check(success(families) == {e: 1.0 for e in ENDPOINTS}, "no recovery after the faults")
    check_values(test, families, fixtures)
    tern.stop()  # then every line it wrote has been read
    check_secret(test, tern, text)

    # 3. --mailcow.mailboxes, the key from the environment; every mailbox series.
    env = dict(os.environ, MAILCOW_API_KEY=KEY)
    tern = h.Process([args.binary, f"--web.listen-address={h.LOOPBACK}:0", *base_args(fake.port),
                      "--mailcow.mailboxes"], name="tern-mail", env=env)
    port = tern.wait_listening(timeout=10)
    families, text, took = scrape(port)
    test.check(success(families).get(MAILBOX) == 1.0, f"mailbox endpoint: {success(families)}")
    fields = {
        "mailcow_mailbox_quota_allowed": "quota",
        "mailcow_mailbox_quota_used": "quota_used",
        "mailcow_mailbox_messages": "messages",
        "mailcow_mailbox_last_login": "last_imap_login",
    }
    for mailbox in load(fixtures, "mailbox.json"):
        for metric, key in fields.items():
            got = series(families, metric).get((("mailbox", mailbox["username"]),))
            want = float(mailbox[key]) if key in mailbox else None
            test.check(got == want, f"{metric}{{mailbox={mailbox['username']}}} = {got}, want {want}")
    tern.stop()  # then every line it wrote has been read
    check_secret(test, tern, text)

    # 4. A wrong key: every endpoint 401, mailcow_up 0, the collector failed.
    wrong = tmp.file("wrong.key", "not-the-key\n", mode=0o600)
    tern, port = h.start_tern(args.binary, [*base_args(fake.port), f"--mailcow.api-key-file={wrong}"],
                              name="tern-mail")
    families, text, took = scrape(port)
    test.check(set(success(families).values()) == {0.0}, f"wrong key: {success(families)}")
    test.check(series(families, "mailcow_up") == {(): 0.0}, "wrong key: mailcow_up is not 0")
    test.check(h.collector_success(families, "mail_exporter").get("mailcow") == 0.0,
               "wrong key: the collector did not fail")
    test.check(tern.wait_for_line(lambda l: "401" in l and "api/v1/get/domain/all" in l, timeout=5),
               "wrong key: no clear log line with the 401")
    tern.stop()

    # 5. Start-up: enabled without a key or URL is a clear error; off, nothing is needed.
    env = {k: v for k, v in os.environ.items() if k != "MAILCOW_API_KEY"}
    proc = h.Process([args.binary, f"--web.listen-address={h.LOOPBACK}:0", *base_args(fake.port)],
                     name="tern-mail", env=env)
    code = proc.wait_exit(10)
    test.check(code not in (None, 0), f"no API key: exit code {code}")
    test.check("MAILCOW_API_KEY" in proc.stderr_text(), "no API key: unclear error:\n" +
               proc.stderr_text()[-500:])
    proc = h.Process([args.binary, f"--web.listen-address={h.LOOPBACK}:0", "--collector.mailcow",
                      f"--mailcow.api-key-file={key_file}"], name="tern-mail", env=env)
    code = proc.wait_exit(10)
    test.check(code not in (None, 0) and "--mailcow.url" in proc.stderr_text(),
               f"no URL: exit code {code}, stderr:\n" + proc.stderr_text()[-500:])
    tern = h.Process([args.binary, f"--web.listen-address={h.LOOPBACK}:0", "--no-collector.postfix",
                      "--no-collector.dovecot"], name="tern-mail", env=env)
    port = tern.wait_listening(timeout=10)
    families, text, took = scrape(port)
    test.check(not any(n.startswith("mailcow_") for n in families),
               "mailcow series while the collector is off")
    tern.stop()
    fake.stop()

    # 6. HTTPS with a self-signed certificate: refused by default, read with
    # --no-mailcow.tls-verify.
    cert = make_certificate(tmp)
    if cert is None:
        test.skip("HTTPS part: openssl cannot make a certificate here")
        return
    tls_fake = FakeMailcow(fixtures, KEY).start(tls=cert)
    tls_args = [a.replace("http://", "https://") for a in base_args(tls_fake.port)]
    tern, port = h.start_tern(args.binary, [*tls_args, f"--mailcow.api-key-file={key_file}"],
                              name="tern-mail")
    families, text, took = scrape(port)
    test.check(set(success(families).values()) == {0.0}, f"unverified TLS: {success(families)}")
    test.check(tern.wait_for_line(lambda l: "certificate" in l.lower(), timeout=5),
               "unverified TLS: no log line naming the certificate")
    tern.stop()
    tern, port = h.start_tern(args.binary, [*tls_args, f"--mailcow.api-key-file={key_file}",
                                            "--no-mailcow.tls-verify"], name="tern-mail")
    families, text, took = scrape(port)
    test.check(success(families) == {e: 1.0 for e in ENDPOINTS}, f"TLS: {success(families)}")
    check_values(test, families, fixtures)
    tern.stop()
    tls_fake.stop()


def make_certificate(tmp):
    code, out, err = h.run_command(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", os.path.join(tmp.path, "server.key"), "-out", os.path.join(tmp.path, "server.crt")],
        timeout=20)
    if code != 0:
        return None
    return os.path.join(tmp.path, "server.crt"), os.path.join(tmp.path, "server.key")


def main():
    args = h.parse_args(__doc__.splitlines()[0])
    return h.run_test("mail_mailcow_test", lambda test: body(test, args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
