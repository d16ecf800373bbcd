#!/usr/bin/env python3
"""tern-alerts' webhook against bad input and faults, and its store:

- 401 without or with a wrong bearer token; 400 with the reason for garbage
  JSON, a payload that is not Alertmanager's, and a body over the limit;
  nothing stored by any of them;
- repeats of one alert keep one row; resolution is a transition; the API,
  the stats and /metrics agree with the SQLite file;
- a payload of 10,000 alerts (with the body limit raised) is one transaction;
- kill -9 between webhooks and during a concurrent burst loses nothing that
  was answered 200, and never leaves half a webhook;
- a read-only database file answers 503 (Alertmanager retries), shows in
  /metrics and the log, and the service recovers when the file is writable;
- a full disk (a file size limit, `prlimit --fsize`) answers 503, keeps every
  acknowledged webhook whole, and the store opens fine without the limit.
"""

import json
import os
import pwd
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alerts_common as ac  # noqa: E402
import harness as h  # noqa: E402


def check_refusals(test, server):
    ok_payload = ac.webhook([ac.alert("DiskFull", "db-1.example.com:9100")])
    status, body = server.post(ok_payload, token="")
    test.check(status == 401, f"no token: HTTP {status}")
    status, body = server.post(ok_payload, token="wrong-token")
    test.check(status == 401, f"wrong token: HTTP {status}")
    status, body = server.post(ok_payload, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    test.check(status == 401, f"basic auth where a bearer token is configured: HTTP {status}")
    status, body = server.post(b"{this is not json")
    test.check(status == 400 and b"invalid JSON" in body, f"garbage: HTTP {status} {body!r}")
    status, body = server.post({"alerts": [{"status": "maybe", "labels": {"a": "b"}}]})
    test.check(status == 400 and b"alerts[0].status" in body, f"wrong status: HTTP {status} {body!r}")
    status, body = server.post(b"x" * (1024 * 1024 + 1))
    test.check(status == 400 and b"exceeds the limit of 1048576 bytes" in body,
               f"oversized: HTTP {status} {body[:200]!r}")
    status, _ = ac.request("GET", server.url + "/webhook")
    test.check(status == 405, f"GET /webhook: HTTP {status}")
    test.check(ac.db_rows(server.db, "SELECT count(*) FROM alerts")[0][0] == 0, "refused webhooks stored something")
    families = server.metrics()
    test.check(ac.metric_value(families, "alerts_webhooks_received_total", result="unauthorized") == 3,
               "unauthorized webhooks not counted")
    # The oversized one is refused by the server before the handler sees it.
    test.check(ac.metric_value(families, "alerts_webhooks_received_total", result="bad_request") == 2,
               "bad requests not counted")


def check_dedup(test, server):
    starts = ac.rfc3339(-120)
    firing = ac.alert("ServerDown", "web-1.example.com:9100", starts_at=starts, fingerprint="00000000000000a1")
    for _ in range(3):
        status, body = server.post(ac.webhook([firing]))
        test.check(status == 200, f"firing webhook: HTTP {status} {body!r}")
    resolved = dict(firing, status="resolved", endsAt=ac.rfc3339())
    status, _ = server.post(ac.webhook([resolved]))
    test.check(status == 200, f"resolved webhook: HTTP {status}")
    rows = ac.db_rows(server.db, "SELECT status, webhook_count, flap_count FROM alerts WHERE fingerprint = ?",
                      ("00000000000000a1",))
    test.check(rows == [("resolved", 4, 0)], f"one row per fingerprint: {rows}")
    history = ac.db_rows(server.db, "SELECT status FROM transitions WHERE fingerprint = ? ORDER BY id",
                         ("00000000000000a1",))
    test.check(history == [("firing",), ("resolved",)], f"transitions: {history}")
    detail = server.get_json("/api/v1/alerts/00000000000000a1")
    test.check(detail["alert"]["status"] == "resolved", f"API detail: {detail['alert']}")
    test.check([t["status"] for t in detail["history"]] == ["firing", "resolved"], f"API history: {detail['history']}")
    test.check(detail["alert"]["raw"]["labels"]["alertname"] == "ServerDown", "raw alert kept")
    # A second alert, and the filters.
    server.post(ac.webhook([ac.alert("HighLoad", "web-2.example.com:9100", severity="warning")]))
    listing = server.get_json("/api/v1/alerts?status=firing")
    test.check(listing["total"] == 1 and listing["alerts"][0]["alertname"] == "HighLoad", f"status filter: {listing}")
    listing = server.get_json("/api/v1/alerts?severity=critical&instance=web-1.example.com%3A9100")
    test.check(listing["total"] == 1, f"severity+instance filter: {listing}")
    listing = server.get_json("/api/v1/alerts?limit=1&offset=1")
    test.check(listing["total"] == 2 and len(listing["alerts"]) == 1, f"paging: {listing}")
    status, _ = ac.request("GET", server.url + "/api/v1/alerts?limit=0")
    test.check(status == 400, f"limit=0: HTTP {status}")
    status, _ = ac.request("GET", server.url + "/api/v1/alerts/ffffffffffffffff")
    test.check(status == 404, f"unknown fingerprint: HTTP {status}")
    stats = server.get_json("/api/v1/stats")
    test.check(stats["byStatus"] == {"firing": 1, "resolved": 1}, f"stats: {stats}")
    test.check(stats["bySeverity"]["warning"] == {"firing": 1}, f"stats by severity: {stats}")
    families = server.metrics()
    test.check(ac.metric_value(families, "alerts_stored", status="firing", severity="warning") == 1,
               "alerts_stored gauge")
    test.check((ac.metric_value(families, "alerts_store_duration_seconds_count") or 0) >= 5, "store latency histogram")


def check_kill9(test, binary):
    tmp = h.TempDir()
    server = ac.AlertsServer(binary, tmp, name="kill9")
    acknowledged = []
    for i in range(20):
        fp = f"{0xb000 + i:016x}"
        status, _ = server.post(ac.webhook([ac.alert("Seq", f"seq-{i}.example.com:9100", fingerprint=fp)]))
        if status == 200:
            acknowledged.append(fp)
    server.kill9()
    stored = {r[0] for r in ac.db_rows(server.db, "SELECT fingerprint FROM alerts")}
    test.check(len(acknowledged) == 20 and set(acknowledged) <= stored,
               f"kill -9 between webhooks lost {set(acknowledged) - stored}")

    # A burst from 4 threads, killed in the middle.
    server.start()
    acks = []
    lock = threading.Lock()
    stop = threading.Event()

    def burst(worker):
        n = 0
        while not stop.is_set():
            batch = f"w{worker}-{n}"
            alerts = [ac.alert("Burst", f"{batch}-{k}.example.com:9100", fingerprint=f"{worker:02x}{n:08x}{k:06x}",
                               batch=batch) for k in range(5)]
            try:
                status, _ = server.post(ac.webhook(alerts))
            except OSError:
                return
            if status == 200:
                with lock:
                    acks.append(batch)
            n += 1

    threads = [threading.Thread(target=burst, args=(w,), daemon=True) for w in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    server.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=20)
    rows = ac.db_rows(server.db, "SELECT json_extract(raw, '$.labels.batch'), count(*) FROM alerts "
                                 "WHERE alertname = 'Burst' GROUP BY 1")
    per_batch = dict(rows)
    lost = [b for b in acks if per_batch.get(b) != 5]
    partial = {b: c for b, c in per_batch.items() if c != 5}
    test.log(f"burst: {len(acks)} webhooks acknowledged before kill -9, {len(per_batch)} batches stored")
    test.check(acks, "the burst got no webhook through before the kill")
    test.check(not lost, f"kill -9 during a burst lost acknowledged webhooks: {lost[:5]}")
    test.check(not partial, f"half-stored webhooks after kill -9: {partial}")
    # And it starts again on the same file.
    server.start()
    status, _ = server.post(ac.webhook([ac.alert("AfterCrash", "x.example.com:9100")]))
    test.check(status == 200, f"after kill -9 and restart: HTTP {status}")
    server.stop()


def check_read_only(test, binary):
    """The process must not be root for a read-only file to be read-only."""
    if os.geteuid() == 0:
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            test.skip("read-only store: no 'nobody' user to drop to")
            return
        setpriv = shutil.which("setpriv")
        if not setpriv:
            test.skip("read-only store: setpriv (util-linux) is missing")
            return
        wrapper = [setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    else:
        wrapper = []
    tmp = h.TempDir()
    os.chmod(tmp.path, 0o777)
    token_file = tmp.file("token", ac.WEBHOOK_TOKEN, mode=0o644)
    db = os.path.join(tmp.path, "ro.db")
    config = tmp.file("ro.yml", f"webhook:\n  bearer_token_file: {token_file}\nstore:\n  path: {db}\n")
    process = h.Process([*wrapper, binary, f"--web.listen-address={h.LOOPBACK}:0", f"--config.file={config}"],
                        name="read-only")
    port = process.wait_listening(timeout=15)
    url = f"http://{h.LOOPBACK}:{port}"
    headers = {"Authorization": f"Bearer {ac.WEBHOOK_TOKEN}"}
    status, _ = ac.request("POST", url + "/webhook", ac.webhook([ac.alert("Before", "a.example.com:9100")]), headers)
    test.check(status == 200, f"writable store: HTTP {status}")
    process.stop()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.chmod(db + suffix, 0o444)
    os.chmod(tmp.path, 0o555)  # no new -wal/-shm either
    try:
        process = h.Process([*wrapper, binary, f"--web.listen-address={h.LOOPBACK}:0", f"--config.file={config}"],
                            name="read-only")
        port = process.wait_listening(timeout=15)
        url = f"http://{h.LOOPBACK}:{port}"
        for _ in range(3):
            status, body = ac.request("POST", url + "/webhook",
                                      ac.webhook([ac.alert("During", "b.example.com:9100")]), headers)
            test.check(status == 503, f"read-only store: HTTP {status} {body[:200]!r}")
        families = h.parse_exposition(h.scrape(port))
        test.check(ac.metric_value(families, "alerts_store_up") == 0, "alerts_store_up not 0 on a read-only store")
        test.check(ac.metric_value(families, "alerts_webhooks_received_total", result="unavailable") == 3,
                   "503s not counted")
        errors = sum(s.float_value() for s in families["alerts_store_errors_total"].samples)
        test.check(errors >= 3, f"store errors not counted: {errors}")
        ready = h.fetch(url + "/-/ready")
        test.check(ready.status == 503 and "unavailable" in ready.text, f"/-/ready on a read-only store: {ready.status}")
        test.check(h.fetch(url + "/-/healthy").status == 200, "/-/healthy on a read-only store")
        logged = [line for line in process.lines if "store unavailable" in line]
        test.check(len(logged) == 1, f"the store error should be logged once, got {len(logged)}")
    finally:
        os.chmod(tmp.path, 0o777)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.chmod(db + suffix, 0o666)
    status, body = ac.request("POST", url + "/webhook", ac.webhook([ac.alert("After", "c.example.com:9100")]), headers)
    test.check(status == 200, f"store writable again: HTTP {status} {body[:200]!r}")
    test.check(h.fetch(url + "/-/ready").status == 200, "/-/ready once the store is writable again")
    process.stop()
    names = {r[0] for r in ac.db_rows(db, "SELECT alertname FROM alerts")}
    test.check(names == {"Before", "After"}, f"stored after recovery: {names}")


def check_basic_auth(test, binary):
    """Alertmanager's http_config.basic_auth against webhook.basic_auth."""
    import base64
    tmp = h.TempDir()
    password_file = tmp.file("password", "s3cret pass\n", mode=0o600)
    config = tmp.file("basic.yml", f"webhook:\n  basic_auth:\n    username: alertmanager\n"
                                   f"    password_file: {password_file}\nstore:\n  path: {tmp.path}/basic.db\n")
    process = h.Process([binary, f"--web.listen-address={h.LOOPBACK}:0", f"--config.file={config}"], name="basic")
    port = process.wait_listening(timeout=15)
    url = f"http://{h.LOOPBACK}:{port}/webhook"
    payload = ac.webhook([ac.alert("Basic", "a.example.com:9100")])

    def basic(user, password):
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}

    status, _ = ac.request("POST", url, payload, basic("alertmanager", "s3cret pass"))
    test.check(status == 200, f"basic auth, right password: HTTP {status}")
    for headers in (basic("alertmanager", "wrong"), basic("other", "s3cret pass"), {}, {"Authorization": "Bearer s3cret pass"},
                    {"Authorization": "Basic !!!"}):
        status, _ = ac.request("POST", url, payload, headers)
        test.check(status == 401, f"basic auth, {headers}: HTTP {status}")
    process.stop()


def check_disk_full(test, binary):
    prlimit = shutil.which("prlimit")
    if not prlimit:
        test.skip("disk full: prlimit (util-linux) is missing")
        return
    tmp = h.TempDir()
    token_file = tmp.file("token", ac.WEBHOOK_TOKEN)
    db = os.path.join(tmp.path, "full.db")
    config = tmp.file("full.yml", f"webhook:\n  bearer_token_file: {token_file}\nstore:\n  path: {db}\n")
    # Every file the process writes stops at 1 MiB: the WAL fills up.
    process = h.Process([prlimit, "--fsize=1048576", binary, f"--web.listen-address={h.LOOPBACK}:0",
                         f"--config.file={config}"], name="disk-full")
    port = process.wait_listening(timeout=15)
    url = f"http://{h.LOOPBACK}:{port}"
    headers = {"Authorization": f"Bearer {ac.WEBHOOK_TOKEN}"}
    acknowledged, refused = [], 0
    for batch in range(200):
        alerts = [ac.alert("Full", f"b{batch}-{k}.example.com:9100", fingerprint=f"{batch:08x}{k:08x}",
                           batch=f"b{batch}", summary="x" * 200) for k in range(20)]
        status, body = ac.request("POST", url + "/webhook", ac.webhook(alerts), headers)
        if status == 200:
            acknowledged.append(f"b{batch}")
        elif status == 503:
            refused += 1
            if refused >= 3:
                break
        else:
            test.fail(f"disk full: HTTP {status} {body[:200]!r}")
            break
    test.check(refused >= 3, f"disk full: no 503 after {len(acknowledged)} webhooks")
    test.check(process.alive(), "disk full: the process died (SIGXFSZ?)")
    if process.alive():
        families = h.parse_exposition(h.scrape(port))
        errors = sum(s.float_value() for s in families["alerts_store_errors_total"].samples)
        test.check(errors >= 3, f"disk full: store errors not counted ({errors})")
    process.stop()
    test.log(f"disk full: {len(acknowledged)} webhooks stored, then 503")
    # Without the limit the file opens and holds every acknowledged webhook, whole.
    process = h.Process([binary, f"--web.listen-address={h.LOOPBACK}:0", f"--config.file={config}"], name="after-full")
    port = process.wait_listening(timeout=15)
    status, _ = ac.request("POST", f"http://{h.LOOPBACK}:{port}/webhook",
                           ac.webhook([ac.alert("AfterFull", "z.example.com:9100")]), headers)
    test.check(status == 200, f"after the disk is free again: HTTP {status}")
    process.stop()
    per_batch = dict(ac.db_rows(db, "SELECT json_extract(raw, '$.labels.batch'), count(*) FROM alerts "
                                    "WHERE alertname = 'Full' GROUP BY 1"))
    lost = [b for b in acknowledged if per_batch.get(b) != 20]
    partial = {b: c for b, c in per_batch.items() if c != 20}
    test.check(not lost, f"disk full lost acknowledged webhooks: {lost[:5]}")
    test.check(not partial, f"disk full left half webhooks: {partial}")


def main():
    args = h.parse_args(__doc__)
    h.require_program(args.binary)

    def body(test):
        tmp = h.TempDir()
        server = ac.AlertsServer(args.binary, tmp)
        check_refusals(test, server)
        check_dedup(test, server)
        server.stop()
        check_big_payload_simple(test, args.binary)
        check_kill9(test, args.binary)
        check_read_only(test, args.binary)
        check_disk_full(test, args.binary)
        check_basic_auth(test, args.binary)

    return h.run_test("alerts_webhook_test", body, timeout=args.timeout)


def check_big_payload_simple(test, binary):
    tmp = h.TempDir()
    token_file = tmp.file("token", ac.WEBHOOK_TOKEN)
    db = os.path.join(tmp.path, "big.db")
    config = tmp.file("big.yml", f"webhook:\n  bearer_token_file: {token_file}\n  max_body_bytes: 16777216\n"
                                 f"store:\n  path: {db}\n")
    process = h.Process([binary, f"--web.listen-address={h.LOOPBACK}:0", f"--config.file={config}"], name="big")
    port = process.wait_listening(timeout=15)
    alerts = [ac.alert("BulkAlert", f"host-{i}.example.com:9100", fingerprint=f"{i:016x}") for i in range(10000)]
    payload = json.dumps(ac.webhook(alerts))
    started = time.monotonic()
    status, body = ac.request("POST", f"http://{h.LOOPBACK}:{port}/webhook", payload,
                              {"Authorization": f"Bearer {ac.WEBHOOK_TOKEN}"}, timeout=60)
    took = time.monotonic() - started
    test.check(status == 200, f"10,000 alerts: HTTP {status} {body[:200]!r}")
    test.log(f"10,000 alerts ({len(payload)} bytes) stored in {took:.2f} s")
    count = ac.db_rows(db, "SELECT count(*) FROM alerts")[0][0]
    test.check(count == 10000, f"10,000 alerts: {count} rows")
    process.stop()


if __name__ == "__main__":
    sys.exit(main())
