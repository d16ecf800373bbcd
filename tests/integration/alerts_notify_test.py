#!/usr/bin/env python3
"""tern-alerts' paging against stand-ins for Twilio, ntfy and Appwrite
(fake_notify.py, speaking their real request formats):

- a critical alert reaches ntfy and the Appwrite Messaging topic once, however
  often Alertmanager repeats it; an emergency also texts both on-call numbers
  through Twilio's Messages API; a warning is stored, never sent;
- a resolution is sent where the firing went, and only there;
- a flapping alert (20 fire/resolve cycles) pages no more than its rate limit;
- a send that fails (HTTP 503) is retried with backoff and counted;
- a page still queued when the process is killed (-9) is sent after restart,
  once;
- the Appwrite database sink holds one document per fingerprint, updated on
  resolution.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alerts_common as ac  # noqa: E402
import fake_notify  # noqa: E402
import harness as h  # noqa: E402


def config_for(fake, tmp):
    sid = tmp.file("twilio_sid", fake.twilio_sid + "\n", mode=0o600)
    token = tmp.file("twilio_token", fake.twilio_token + "\n", mode=0o600)
    ntfy = tmp.file("ntfy_token", fake.ntfy_token + "\n", mode=0o600)
    key = tmp.file("appwrite_key", fake.appwrite_key + "\n", mode=0o600)
    return f"""
channels:
  sms:
    type: twilio
    url: {fake.url}
    account_sid_file: {sid}
    auth_token_file: {token}
    from: "+15005550006"
    to: ["+15005550001", "+15005550002"]
  push:
    type: ntfy
    url: {fake.url}
    topic: tern-alerts
    token_file: {ntfy}
  appwrite-push:
    type: appwrite
    url: {fake.url}/v1
    project_id: {fake.appwrite_project}
    key_file: {key}
    topic: critical-alerts
routes:
  - matchers: ['severity="emergency"']
    channels: [sms, push, appwrite-push]
  - matchers: ['severity="critical"']
    channels: [push, appwrite-push]
rate_limits:
  per_alert: {{burst: 2, refill_every: 1h}}
  global: {{burst: 100, refill_every: 1s}}
retry:
  initial_backoff: 200ms
  max_backoff: 1s
  max_attempts: 20
appwrite_database:
  url: {fake.url}/v1
  project_id: {fake.appwrite_project}
  key_file: {key}
"""


def ntfy_for(fake, instance, tags=None):
    return [r for r in fake.of("ntfy") if instance in r["body"]["title"]
            and (tags is None or r["body"]["tags"] == tags)]


def main():
    args = h.parse_args(__doc__)
    h.require_program(args.binary)

    def body(test):
        fake = fake_notify.FakeNotify()
        tmp = h.TempDir()
        server = ac.AlertsServer(args.binary, tmp, config_for(fake, tmp))

        # A critical alert, repeated three times: paged once per channel.
        critical = ac.alert("ServerDown", "web-1.example.com:9100", starts_at=ac.rfc3339(-60),
                            fingerprint="00000000000000c1")
        for _ in range(3):
            status, _ = server.post(ac.webhook([critical]))
            test.check(status == 200, f"critical webhook: HTTP {status}")
        test.check(fake.wait_for(lambda f: ntfy_for(f, "web-1") and f.of("appwrite_messaging"), 10),
                   "the critical alert reached neither ntfy nor Appwrite")
        # An emergency: Twilio to both numbers too. A warning: nothing.
        emergency = ac.alert("ServerUnreachable", "web-2.example.com:9100", severity="emergency",
                             fingerprint="00000000000000e1")
        warning = ac.alert("HighLoad", "web-3.example.com:9100", severity="warning", fingerprint="00000000000000f1")
        server.post(ac.webhook([emergency, warning]))
        test.check(fake.wait_for(lambda f: len(f.of("twilio")) >= 2, 10), "no SMS for the emergency")
        time.sleep(1.0)  # anything extra would arrive now
        ntfy = ntfy_for(fake, "web-1")
        test.check(len(ntfy) == 1, f"ntfy paged {len(ntfy)} times for one critical alert")
        if ntfy:
            n = ntfy[0]
            test.check(n["path"] == "/tern-alerts", f"ntfy topic path {n['path']}")
            test.check(n["body"]["priority"] == "high" and n["body"]["tags"] == "rotating_light",
                       f"ntfy headers: {n['body']}")
            test.check(n["body"]["title"] == "CRITICAL: ServerDown on web-1.example.com:9100", f"ntfy title: {n['body']}")
            test.check(n["body"]["message"].startswith("ServerDown on web-1.example.com:9100"), f"ntfy message {n['body']}")
        sms = fake.of("twilio")
        test.check(sorted(r["body"]["To"] for r in sms) == ["+15005550001", "+15005550002"],
                   f"SMS recipients: {[r['body'] for r in sms]}")
        test.check(all(r["body"]["From"] == "+15005550006" and r["body"]["Body"].startswith("EMERGENCY: ServerUnreachable")
                       for r in sms), f"SMS bodies: {[r['body'] for r in sms]}")
        test.check(not ntfy_for(fake, "web-3"), "a warning was paged")
        apush = fake.of("appwrite_messaging")
        test.check(len(apush) == 2 and all(r["body"]["topics"] == ["critical-alerts"] for r in apush),
                   f"Appwrite messages: {[r['body'] for r in apush]}")

        # Resolution: where the firing went.
        server.post(ac.webhook([dict(critical, status="resolved", endsAt=ac.rfc3339())]))
        server.post(ac.webhook([dict(warning, status="resolved", endsAt=ac.rfc3339())]))
        test.check(fake.wait_for(lambda f: ntfy_for(f, "web-1", "white_check_mark"), 10), "no resolved message on ntfy")
        time.sleep(0.5)
        test.check(len(ntfy_for(fake, "web-1", "white_check_mark")) == 1, "resolved sent more than once")
        test.check(not ntfy_for(fake, "web-3"), "a resolved warning was sent")

        # A flapping alert: 20 cycles, each a new startsAt.
        base = time.time() - 3600
        for cycle in range(20):
            starts = ac.rfc3339(-3600 + cycle * 60)
            flap = ac.alert("Flapping", "flap.example.com:9100", starts_at=starts, fingerprint="00000000000000d1")
            server.post(ac.webhook([flap]))
            server.post(ac.webhook([dict(flap, status="resolved", endsAt=ac.rfc3339(-3600 + cycle * 60 + 30))]))
        time.sleep(2.0)
        firing = ntfy_for(fake, "flap.example.com", "rotating_light")
        resolved = ntfy_for(fake, "flap.example.com", "white_check_mark")
        test.check(len(firing) == 2, f"flapping alert paged {len(firing)} times (limit 2)")
        test.check(len(resolved) == 2, f"flapping alert resolved {len(resolved)} times (2 paged)")
        row = ac.db_rows(server.db, "SELECT flap_count FROM alerts WHERE fingerprint = '00000000000000d1'")
        test.check(row == [(19,)], f"flap count: {row}")
        families = server.metrics()
        test.check(ac.metric_value(families, "alerts_notifications_suppressed_total", channel="push") == 18,
                   "suppressed pages not counted")

        # Failures are retried.
        fake.fail_next("ntfy", 2, 503)
        server.post(ac.webhook([ac.alert("DiskFull", "db-1.example.com:9100", fingerprint="00000000000000b1")]))
        test.check(fake.wait_for(lambda f: ntfy_for(f, "db-1"), 15), "a failed send was not retried")
        families = server.metrics()
        test.check((ac.metric_value(families, "alerts_notification_retries_total", channel="push") or 0) >= 2,
                   "retries not counted")
        test.check((ac.metric_value(families, "alerts_notifications_sent_total", channel="push") or 0) >= 4,
                   "sent not counted")

        # kill -9 with a page queued (ntfy failing): sent once after restart.
        fake.fail_next("ntfy", 1000, 503)
        server.post(ac.webhook([ac.alert("OutOfMemory", "db-2.example.com:9100", fingerprint="00000000000000b2")]))
        fake.wait_for(lambda f: [r for r in f.of("ntfy", accepted_only=False) if "db-2" in r["headers"].get("title", "")], 10)
        server.kill9()
        fake.fail_next("ntfy", 0)
        server.start()
        test.check(fake.wait_for(lambda f: ntfy_for(f, "db-2"), 15), "the queued page was lost by kill -9")
        time.sleep(1.0)
        test.check(len(ntfy_for(fake, "db-2")) == 1, "the queued page was sent twice")

        # The Appwrite database: one document per fingerprint, updated.
        test.check(fake.wait_for(lambda f: f.documents.get("00000000000000c1", {}).get("status") == "resolved", 10),
                   f"Appwrite document: {fake.documents.get('00000000000000c1')}")
        doc = fake.documents.get("00000000000000c1", {})
        test.check(doc.get("alertname") == "ServerDown" and doc.get("severity") == "critical"
                   and doc.get("fingerprint") == "00000000000000c1", f"Appwrite document attributes: {doc}")
        test.check("00000000000000f1" in fake.documents, "the warning is not in the Appwrite database")
        server.stop()
        fake.stop()

    return h.run_test("alerts_notify_test", body, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
