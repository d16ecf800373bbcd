#!/usr/bin/env python3
"""tern-mail's Postfix log counters beside Debian's prometheus-postfix-exporter
(postfix_exporter 0.3) on the same log file.

Both start on a log that already holds a line (neither counts it: both begin
at the end of the file), then the test appends real Postfix 3.7 lines and
compares every log-derived family Debian's exporter produces, family by
family: TYPE, HELP, label names and values. The showq side (postfix_up,
postfix_showq_*) is not compared here: the showq path does not exist.

Deliberate differences, each checked to be what we say it is (BUGS):
- postfix_smtp_delivery_delay_seconds: 0.3 records all four stages with an
  empty `stage` label; we fill it (before_queue_manager, queue_manager,
  connection_setup, transmission). Checked: its one series equals the sum of
  our four.
- postfix_smtpd_messages_processed_total: 0.3 keeps the comma after the SASL
  method (`PLAIN,`); we do not.
- postfix_smtp_deferred_messages_total: never incremented by 0.3; we count
  status=deferred (the same value as postfix_smtp_status_deferred).
- postfix/bounce "sender non-delivery notification" lines: unsupported in
  0.3 (postfix_unsupported_log_entries_total{service="bounce"}); we count them
  in postfix_bounce_non_delivery_notification_total.
- postfix_unsupported_log_entries_total has a `level` label (as in later
  postfix_exporter releases); values are compared summed over it.
Lines left out of the log on purpose, because we read them and 0.3 does not
(documented in docs/exporters/mail.md): multi-instance tags (postfix-in/smtpd),
rejects of other commands than RCPT (counted only in our
postfix_smtpd_rejects_by_reason_total), cleanup milter-reject (our
postfix_cleanup_messages_not_accepted_total).
"""

import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

DEBIAN_EXPORTER = "/usr/bin/prometheus-postfix-exporter"
# This test's own ports (the Debian exporter cannot bind port 0 and say which).
PORTS = range(19600, 19650)

P = "Nov 21 10:00:00 mx "
LINES = [
    P + "postfix/smtpd[1001]: connect from unknown[192.0.2.10]",
    P + "postfix/smtpd[1001]: connect from mail.example.net[198.51.100.7]",
    "2026-11-21T10:00:01.123456+00:00 mx postfix/smtpd[1001]: disconnect from unknown[192.0.2.10] "
    "ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4",
    P + "postfix/smtpd[1001]: lost connection after EHLO from unknown[192.0.2.10]",
    P + "postfix/smtpd[1001]: lost connection after AUTH from unknown[192.0.2.11]",
    P + "postfix/smtpd[1001]: NOQUEUE: reject: RCPT from unknown[192.0.2.10]: 554 5.7.1 Service "
    "unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; from=<a@example.net> "
    "to=<b@example.org> proto=ESMTP helo=<x>",
    P + "postfix/smtpd[1001]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 550 5.1.1 "
    "<nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table; "
    "from=<a@example.net> to=<nobody@example.org> proto=ESMTP helo=<x>",
    P + "postfix/smtpd[1001]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 554 5.7.1 "
    "<x@elsewhere.example>: Relay access denied; from=<a@example.net> to=<x@elsewhere.example> "
    "proto=ESMTP helo=<x>",
    P + "postfix/smtpd[1001]: NOQUEUE: reject: RCPT from x[198.51.100.7]: 450 4.2.0 "
    "<b@example.org>: Recipient address rejected: Greylisted, see http://postgrey/; "
    "from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<x>",
    P + "postfix/smtpd[1001]: 4B7C61A2B3: client=mail.example.net[198.51.100.7], "
    "sasl_method=PLAIN, sasl_username=alice@example.org",
    P + "postfix/smtpd[1001]: 4Q7Hm55Y2Wz1X2: client=mail.example.net[198.51.100.7]",
    P + "postfix/smtpd[1001]: warning: unknown[192.0.2.10]: SASL LOGIN authentication failed: "
    "UGFzc3dvcmQ6",
    P + "postfix/smtpd[1001]: warning: hostname mail.example.net does not resolve to address "
    "198.51.100.7: Name or service not known",
    P + "postfix/smtpd[1001]: Anonymous TLS connection established from unknown[192.0.2.10]: "
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
    "server-signature RSA-PSS (2048 bits) server-digest SHA256",
    P + "postfix/smtp[1002]: Untrusted TLS connection established to mx.example.com[203.0.113.5]:25: "
    "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
    P + "postfix/smtp[1002]: 4B7C61A2B3: to=<bob@example.com>, relay=mx.example.com[203.0.113.5]:25, "
    "delay=1.2, delays=0.1/0.01/0.5/0.59, dsn=2.0.0, status=sent (250 2.0.0 OK)",
    P + "postfix/smtp[1002]: 4B7C61A2B3: to=<bob@example.com>, relay=none, delay=30, "
    "delays=0.02/0/30/0, dsn=4.4.1, status=deferred (connect to mx.example.com[203.0.113.5]:25: "
    "Connection timed out)",
    P + "postfix/smtp[1002]: 4Q7Hm55Y2Wz1X2: to=<nobody@example.com>, "
    "relay=mx.example.com[203.0.113.5]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.1.1, "
    "status=bounced (host mx.example.com[203.0.113.5] said: 550 5.1.1 <nobody@example.com>: "
    "Recipient address rejected: User unknown (in reply to RCPT TO command))",
    P + "postfix/smtp[1002]: connect to mx.example.com[203.0.113.5]:25: Connection timed out",
    P + "postfix/bounce[1003]: 4Q7Hm55Y2Wz1X2: sender non-delivery notification: 5D0E81A2B4",
    P + "postfix/qmgr[900]: 4B7C61A2B3: from=<alice@example.org>, size=1234, nrcpt=2 (queue active)",
    P + "postfix/qmgr[900]: 5D0E81A2B4: from=<>, size=3456, nrcpt=1 (queue active)",
    P + "postfix/qmgr[900]: 4B7C61A2B3: removed",
    P + "postfix/cleanup[1004]: 4B7C61A2B3: message-id=<20261121100000.1@example.org>",
    P + "postfix/cleanup[1004]: 5D0E81A2B4: reject: header Subject: buy now from x[192.0.2.1]; "
    "from=<a@example.net> to=<b@example.org> proto=ESMTP helo=<x>: 5.7.1 no thanks",
    P + "postfix/lmtp[1005]: 4B7C61A2B3: to=<bob@example.org>, "
    "relay=mail.example.org[private/dovecot-lmtp], delay=0.1, delays=0.05/0/0.02/0.03, dsn=2.0.0, "
    "status=sent (250 2.0.0 <bob@example.org> Saved)",
    P + "postfix/pipe[1006]: 4B7C61A2B3: to=<bob@example.org>, relay=dovecot, delay=0.2, "
    "delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (delivered via dovecot service)",
    P + "postfix/anvil[1007]: statistics: max connection rate 1/60s for (smtp:192.0.2.10) at Nov 21 "
    "10:00:00",
    P + "postfix/smtpd[1001]: warning: TLS library problem: error:0A000126:SSL routines::unexpected eof",
    P + "opendkim[81]: 4B7C61A2B3: DKIM-Signature field added (s=mail, d=example.org)",
    P + "dovecot[77]: imap-login: Login: user=<alice@example.org>, method=PLAIN, rip=192.0.2.10",
    P + "rspamd[80]: <4b7c61>; proxy; rspamd_task_write_log: id: <x@y>, qid: <4B7C61A2B3>",
    "garbage",
]
BOUNCE_LINES = sum("postfix/bounce[" in line for line in LINES)
DEFERRED_LINES = sum(", status=deferred " in line for line in LINES)


def free_port():
    ports = list(PORTS)
    random.shuffle(ports)
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((h.LOOPBACK, port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port in 19600-19649")


def log_families(text):
    """Log-derived families only: not the Go runtime's, not showq's."""
    families = h.parse_exposition(text)
    return {
        name: f
        for name, f in families.items()
        if (name.startswith("postfix_") or name.startswith("opendkim_"))
        and name != "postfix_up"
        and not name.startswith("postfix_showq_")
    }


def summed(family, sample_name=None, drop=()):
    """{label tuple without `drop`: value summed}."""
    sample_name = sample_name or family.name
    out = {}
    for s in family.samples:
        if s.name != sample_name:
            continue
        key = tuple(sorted((k, v) for k, v in s.labels.items() if k not in drop))
        out[key] = out.get(key, 0.0) + s.float_value()
    return out


def compare(test, deb, ours):
    missing = sorted(set(deb) - set(ours))
    test.check(not missing, f"families of postfix_exporter 0.3 tern-mail lacks: {missing}")
    for name in sorted(set(deb) & set(ours)):
        a, b = deb[name], ours[name]
        test.check(a.type == b.type, f"{name}: TYPE {b.type}, 0.3 has {a.type}")
        test.check(a.help == b.help, f"{name}: HELP {b.help!r}, 0.3 has {a.help!r}")
        if name == "postfix_smtp_delivery_delay_seconds":
            test.check(
                not any(s.labels.get("stage") == "" for s in b.samples), f"{name}: an empty stage label"
            )
            stages = {s.labels.get("stage") for s in b.samples}
            test.check(
                stages == {"before_queue_manager", "queue_manager", "connection_setup", "transmission"},
                f"{name}: stages {sorted(stages)}",
            )
            for suffix in ("_count", "_sum"):
                theirs = sum(summed(a, name + suffix).values())
                mine = sum(summed(b, name + suffix).values())
                test.check(abs(theirs - mine) < 1e-6, f"{name}{suffix}: {mine}, 0.3 has {theirs} (all stages)")
            theirs = summed(a, name + "_bucket", drop=("stage",))
            mine = summed(b, name + "_bucket", drop=("stage",))
            test.check(theirs == mine, f"{name}_bucket summed over stages: {mine}, 0.3 has {theirs}")
            continue
        if name == "postfix_smtpd_messages_processed_total":
            theirs = {
                tuple((k, v.rstrip(",")) for k, v in key): value for key, value in summed(a).items()
            }
            test.check(theirs == summed(b), f"{name}: {summed(b)}, 0.3 has {summed(a)} (comma removed)")
            test.check(
                any(v.endswith(",") for s in a.samples for v in s.labels.values()),
                f"{name}: 0.3's trailing comma is gone; update the documented difference",
            )
            continue
        if name == "postfix_smtp_deferred_messages_total":
            test.check(sum(summed(a).values()) == 0, f"{name}: 0.3 incremented it; update the difference")
            test.check(
                sum(summed(b).values()) == DEFERRED_LINES, f"{name}: {summed(b)}, {DEFERRED_LINES} deferred lines"
            )
            continue
        if name == "postfix_unsupported_log_entries_total":
            theirs = summed(a)
            bounce = (("service", "bounce"),)
            test.check(
                theirs.get(bounce, 0) == BOUNCE_LINES,
                f"{name}: 0.3 counted {theirs.get(bounce, 0)} bounce lines as unsupported, expected {BOUNCE_LINES}",
            )
            theirs.pop(bounce, None)
            mine = summed(b, drop=("level",))
            test.check(theirs == mine, f"{name} (summed over level): {mine}, 0.3 has {theirs} (bounce removed)")
            continue
        test.check(
            a.label_name_sets() == b.label_name_sets(),
            f"{name}: label names {sorted(map(sorted, b.label_name_sets()))}, 0.3 has "
            f"{sorted(map(sorted, a.label_name_sets()))}",
        )
        for sample_name in sorted(a.sample_names()):
            theirs, mine = summed(a, sample_name), summed(b, sample_name)
            test.check(theirs == mine, f"{sample_name}: {mine}, 0.3 has {theirs}")
    bounce = ours.get("postfix_bounce_non_delivery_notification_total")
    test.check(
        bounce is not None and sum(summed(bounce).values()) == BOUNCE_LINES,
        f"postfix_bounce_non_delivery_notification_total: {bounce and summed(bounce)}, expected {BOUNCE_LINES}",
    )
    test.log(f"{len(set(deb) & set(ours))} families compared; tern-only: {sorted(set(ours) - set(deb))}")


def body(test):
    args = h.parse_args(__doc__)
    h.require_program(DEBIAN_EXPORTER)
    tmp = h.TempDir()
    log = tmp.file("mail.log", P + "postfix/smtpd[1]: connect from before-start[192.0.2.99]\n")
    common = [f"--postfix.logfile_path={log}", f"--postfix.showq_path={tmp.path}/nonexistent"]
    deb, deb_port = None, None
    for _ in range(3):
        deb_port = free_port()
        deb = h.Process([DEBIAN_EXPORTER, f"--web.listen-address={h.LOOPBACK}:{deb_port}", *common], name="postfix_exporter")
        try:
            h.wait_http(f"http://{h.LOOPBACK}:{deb_port}/metrics", timeout=10)
            break
        except TimeoutError:
            deb.stop()
            deb = None
    test.require(deb is not None, "Debian's postfix_exporter did not start")
    ours, our_port = h.start_tern(args.binary, ["--collector.postfix", *common], name="tern-mail")
    time.sleep(1.0)  # both tailers are at the end of the file
    with open(log, "a") as f:
        for line in LINES:
            f.write(line + "\n")

    expected_connects = sum("connect from " in l and "disconnect" not in l for l in LINES)
    deadline = time.monotonic() + 20
    deb_families = our_families = {}
    while time.monotonic() < deadline:
        deb_families = log_families(h.scrape(deb_port))
        our_families = log_families(h.scrape(our_port))
        lines = our_families.get("postfix_log_lines_total")
        garbage_seen = (
            "postfix_unsupported_log_entries_total" in deb_families
            and summed(deb_families["postfix_unsupported_log_entries_total"]).get((("service", ""),), 0) >= 3
        )
        if lines and sum(summed(lines).values()) >= len(LINES) and garbage_seen:
            break
        time.sleep(0.2)
    connects = our_families.get("postfix_smtpd_connects_total")
    test.require(
        connects is not None and sum(summed(connects).values()) == expected_connects,
        f"tern-mail counted {connects and summed(connects)} connects, expected {expected_connects} "
        "(the line present at start must not count)",
    )
    compare(test, deb_families, our_families)


if __name__ == "__main__":
    sys.exit(h.run_test("mail_postfix_log_compat_test", body, timeout=50))
