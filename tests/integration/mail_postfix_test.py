#!/usr/bin/env python3
"""tern-mail's postfix collector against a real, private Postfix instance
(postfix_env.py): mail submitted over SMTP for an unreachable relay defers;
one message is held. Checks:

- postfix_showq_queue_depth{queue} equals what `postqueue -j` lists, for all
  five queues (always present, even empty); the histograms' counts agree;
  the held message shows in `hold`; postfix_up{path=<showq>} is 1.
- the fallback: a wrong showq path makes tern-mail run `postqueue -j`
  (MAIL_CONFIG names the private instance) with the same depths, and says so
  in postfix_showq_source_info{source="postqueue"}.
- a rejected RCPT moves postfix_smtpd_messages_rejected_total once the log
  side (mail::postfix::LogSource) is built in; skipped with a message if not.
- side by side with Debian's prometheus-postfix-exporter on the same showq
  socket: the same histogram families, buckets and counts per queue.
- no source at all: postfix_up 0, the error logged once, no crash; a showq
  that accepts and never answers ends the scrape at --postfix.timeout.

Deliberate differences from prometheus-postfix-exporter 0.3.0 on the queue
side: we add postfix_showq_queue_depth{queue} (kumina/postfix_exporter#66),
postfix_showq_source_info{source} and postfix_showq_parse_errors_total{source};
postfix_up{path} also has a series for the log (its path, or
docker:<container>) once the log side is merged.
"""

import os
import smtplib
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import postfix_env  # noqa: E402

QUEUES = ["active", "deferred", "hold", "incoming", "maildrop"]
DEBIAN_EXPORTER = "/usr/bin/prometheus-postfix-exporter"
N_MESSAGES = 5


def submit(instance, count, recipients=("user@example.com",)):
    with smtplib.SMTP(harness.LOOPBACK, instance.smtp_port, timeout=10) as smtp:
        for i in range(count):
            smtp.sendmail("sender@example.org", list(recipients),
                          f"Subject: tern test {i}\r\n\r\n" + "x" * (100 * (i + 1)) + "\r\n")


def reject_one(instance):
    with smtplib.SMTP(harness.LOOPBACK, instance.smtp_port, timeout=10) as smtp:
        try:
            smtp.sendmail("sender@example.org", ["reject@example.net"], "Subject: no\r\n\r\nx\r\n")
        except smtplib.SMTPRecipientsRefused:
            return True
    return False


def depth_from_postqueue(messages):
    depth = {q: 0 for q in QUEUES}
    for message in messages:
        depth[message["queue_name"]] = depth.get(message["queue_name"], 0) + 1
    return depth


def series(families, name, **labels):
    family = families.get(name)
    if family is None:
        return None
    for sample in family.samples:
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.float_value()
    return None


def histogram(families, name, queue):
    """{le: count} plus count, for one queue."""
    family = families.get(name)
    if family is None:
        return None
    buckets = {}
    count = None
    for sample in family.samples:
        if sample.labels.get("queue") != queue:
            continue
        if sample.name == name + "_bucket":
            buckets[float(sample.labels["le"])] = sample.float_value()
        elif sample.name == name + "_count":
            count = sample.float_value()
    return buckets, count


def scrape_families(port):
    return harness.parse_exposition(harness.scrape(port))


def check_queue(test, families, expected, what):
    for queue in QUEUES:
        test.check(series(families, "postfix_showq_queue_depth", queue=queue) == expected[queue],
                   f"{what}: depth of {queue} is "
                   f"{series(families, 'postfix_showq_queue_depth', queue=queue)}, "
                   f"postqueue -j lists {expected[queue]}")
        for name in ("postfix_showq_message_size_bytes", "postfix_showq_message_age_seconds"):
            got = histogram(families, name, queue)
            test.check(got is not None and got[1] == expected[queue],
                       f"{what}: {name}{{queue={queue}}} count {got and got[1]} != {expected[queue]}")


def body(test, args):
    tmp = harness.TempDir(prefix="tern-postfix-")
    instance = postfix_env.PostfixInstance(tmp)
    instance.start()
    try:
        run(test, args, tmp, instance)
    finally:
        instance.stop()


def run(test, args, tmp, instance):
    submit(instance, N_MESSAGES)
    messages = instance.wait_queue(
        lambda m: len(m) == N_MESSAGES and all(x["queue_name"] == "deferred" for x in m))
    instance.hold(messages[0]["queue_id"])
    messages = instance.wait_queue(lambda m: sum(x["queue_name"] == "hold" for x in m) == 1)
    expected = depth_from_postqueue(messages)
    test.log(f"postqueue -j: {expected}")

    tern, port = harness.start_tern(args.binary, [
        f"--postfix.showq_path={instance.showq_path}",
        f"--postfix.logfile_path={instance.log_file}",
    ], name="tern-mail")
    families = scrape_families(port)
    check_queue(test, families, expected, "showq")
    test.check(series(families, "postfix_up", path=instance.showq_path) == 1,
               "postfix_up{path=<showq>} is not 1")
    test.check(series(families, "postfix_showq_source_info", source="showq") == 1,
               "postfix_showq_source_info{source=showq} is not 1")
    test.check(expected["hold"] == 1 and series(families, "postfix_showq_queue_depth",
                                                queue="hold") == 1, "the held message is not in hold")

    # The log side: a rejected RCPT moves the reject counter.
    if series(families, "postfix_up", path=instance.log_file) is None:
        test.skip("the log side (mail::postfix::LogSource) is not built in yet: "
                  "no postfix_up{path=<log>}, reject counters not checked")
    else:
        test.check(series(families, "postfix_up", path=instance.log_file) == 1,
                   "postfix_up{path=<log>} is not 1")

        def rejected(fams):
            family = fams.get("postfix_smtpd_messages_rejected_total")
            return sum(s.float_value() for s in family.samples) if family else 0.0

        before = rejected(families)
        test.check(reject_one(instance), "the RCPT to reject@example.net was not refused")
        deadline = time.monotonic() + 8
        after = before
        while time.monotonic() < deadline and after <= before:
            time.sleep(0.3)
            after = rejected(scrape_families(port))
        test.check(after == before + 1,
                   f"postfix_smtpd_messages_rejected_total went {before} -> {after}, expected +1")

    # Side by side with Debian's prometheus-postfix-exporter on the same socket.
    if not os.access(DEBIAN_EXPORTER, os.X_OK):
        test.skip(f"{DEBIAN_EXPORTER} is not installed: no side-by-side comparison")
    else:
        compare_with_debian(test, instance, port)

    tern.stop()

    # The fallback: showq unreachable, postqueue -j of the private instance.
    env = dict(os.environ, MAIL_CONFIG=instance.config_dir)
    fallback = harness.Process([args.binary, f"--web.listen-address={harness.LOOPBACK}:0",
                                f"--postfix.showq_path={tmp.path}/no-such-showq",
                                f"--postfix.logfile_path={instance.log_file}",
                                f"--postfix.postqueue_path={postfix_env.POSTQUEUE}"],
                               name="tern-mail-fallback", env=env)
    fallback_port = fallback.wait_listening(timeout=10)
    families = scrape_families(fallback_port)
    check_queue(test, families, depth_from_postqueue(instance.postqueue_json()), "postqueue -j")
    test.check(series(families, "postfix_showq_source_info", source="postqueue") == 1,
               "postfix_showq_source_info{source=postqueue} is not 1")
    fallback.stop()

    # Neither source: postfix_up 0 and a clear error, not a crash.
    broken = harness.Process([args.binary, f"--web.listen-address={harness.LOOPBACK}:0",
                              f"--postfix.showq_path={tmp.path}/no-such-showq",
                              f"--postfix.logfile_path={tmp.path}/no-such.log",
                              f"--postfix.postqueue_path={tmp.path}/no-such-postqueue"],
                             name="tern-mail-broken")
    broken_port = broken.wait_listening(timeout=10)
    families = scrape_families(broken_port)
    test.check(series(families, "postfix_up", path=f"{tmp.path}/no-such-showq") == 0,
               "postfix_up{path=<missing showq>} is not 0")
    test.check(series(families, "postfix_showq_queue_depth", queue="deferred") is None,
               "queue depth exposed although no source could be read")
    scrape_families(broken_port)
    time.sleep(0.2)
    errors = [line for line in broken.stderr_text().splitlines()
              if "no-such-showq" in line and "level=error" in line]
    test.check(len(errors) == 1, f"the unreadable queue should be logged once, got {len(errors)}: "
                                 f"{broken.stderr_text()[-800:]}")
    test.check(broken.alive(), "tern-mail died on an unreadable queue")
    broken.stop()

    # A showq that accepts and never answers: the scrape ends at the deadline.
    stuck_path = os.path.join(tmp.path, "stuck-showq")
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stuck.bind(stuck_path)
    stuck.listen(16)
    hung = harness.Process([args.binary, f"--web.listen-address={harness.LOOPBACK}:0",
                            f"--postfix.showq_path={stuck_path}", "--postfix.timeout=1",
                            f"--postfix.logfile_path={instance.log_file}"], name="tern-mail-stuck")
    hung_port = hung.wait_listening(timeout=10)
    started = time.monotonic()
    families = scrape_families(hung_port)
    took = time.monotonic() - started
    test.check(took < 4, f"a stuck showq held the scrape {took:.1f} s (timeout 1 s)")
    test.check(series(families, "postfix_up", path=stuck_path) == 0,
               "postfix_up{path=<stuck showq>} is not 0")
    hung.stop()
    stuck.close()


def compare_with_debian(test, instance, tern_port):
    debian, debian_port = harness.start_on_free_port(
        lambda p: [DEBIAN_EXPORTER, f"--web.listen-address={harness.LOOPBACK}:{p}",
                   f"--postfix.showq_path={instance.showq_path}",
                   f"--postfix.logfile_path={instance.log_file}"],
        name="prometheus-postfix-exporter", ready_path="/metrics")
    # Ages move with time: scrape both back to back, retry once if a message
    # crossed a bucket boundary in between.
    for attempt in range(2):
        ours = scrape_families(tern_port)
        theirs = scrape_families(debian_port)
        mismatches = []
        for name in ("postfix_showq_message_size_bytes", "postfix_showq_message_age_seconds"):
            test.check(ours[name].type == theirs[name].type == "histogram",
                       f"{name}: types differ or are not histogram")
            for queue in QUEUES:
                if histogram(ours, name, queue) != histogram(theirs, name, queue):
                    mismatches.append(f"{name}{{queue={queue}}}: ours {histogram(ours, name, queue)}"
                                      f" theirs {histogram(theirs, name, queue)}")
        if not mismatches:
            break
    for mismatch in mismatches:
        test.fail(f"side by side: {mismatch}")
    test.check(series(theirs, "postfix_up", path=instance.showq_path) == 1,
               "prometheus-postfix-exporter could not read the same showq socket")
    debian.stop()


def main():
    args = harness.parse_args(__doc__.splitlines()[0])
    return harness.run_test("mail_postfix_test", lambda test: body(test, args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
