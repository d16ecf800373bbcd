#!/usr/bin/env python3
"""tern-alerts behind a real Alertmanager (Debian's 0.25, loopback) running
the repository's alertmanager/alertmanager.yml, rendered by
alertmanager/render_local.py (every receiver a webhook under tern-alerts'
/hook/, timings x0.005). Alerts are posted with `amtool alert add`:

- a critical alert arrives, with Alertmanager's own fingerprint, although
  several receivers (ntfy, critical-team) post it: one row;
- two alerts of one group (alertname, instance) arrive in one webhook;
- an emergency is repeated (repeat_interval 30m x0.005 = 9 s): the row is
  updated, no new transition;
- resolving them (amtool alert add --end) gives resolved rows with the
  transitions firing, resolved; a warning routed to warning-team is stored too.
"""

import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alertmanager_common as amc  # noqa: E402
import alerts_common as ac  # noqa: E402
import harness as h  # noqa: E402

TIME_FACTOR = 0.005


def now_rfc3339(offset=0.0):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def main():
    args = h.parse_args(__doc__)
    h.require_program(args.binary)

    def body(test):
        amtool = amc.amtool_binary()
        amc.alertmanager_binary()
        render_local = amc.import_render_local(args.source_dir)
        tmp = h.TempDir(prefix="tern-alerts-am-")
        server = ac.AlertsServer(args.binary, tmp, token=None,
                                 config_text="webhook:\n  path: /hook/\n")
        config = tmp.file("alertmanager.yml", render_local.render_file(
            os.path.join(args.source_dir, "alertmanager", "alertmanager.yml"), server.url + "/hook", TIME_FACTOR))
        am, port = amc.start_alertmanager(tmp, config)
        am_url = f"http://{h.LOOPBACK}:{port}"
        test.log(f"Alertmanager on {am_url}, tern-alerts on {server.url}")

        def amtool_add(*labels, start=None, end=None, summary="test"):
            command = [amtool, f"--alertmanager.url={am_url}", "alert", "add", *labels,
                       f"--annotation=summary={summary}", "--annotation=runbook_url=https://runbooks.example.com/x"]
            if start:
                command.append(f"--start={start}")
            if end:
                command.append(f"--end={end}")
            code, out, err = h.run_command(command, timeout=15)
            test.require(code == 0, f"amtool alert add {labels}: {err}")

        started = now_rfc3339(-5)
        critical = ("alertname=ServerDown", "severity=critical", "instance=web-1.example.com:9100", "category=availability")
        disk_a = ("alertname=CriticalDiskUsage", "severity=critical", "instance=db-1.example.com:9100", "mountpoint=/")
        disk_b = ("alertname=CriticalDiskUsage", "severity=critical", "instance=db-1.example.com:9100", "mountpoint=/var")
        emergency = ("alertname=ServerUnreachable", "severity=emergency", "instance=web-9.example.com:9100")
        warning = ("alertname=HighLoad", "severity=warning", "instance=web-2.example.com:9100")
        for labels in (critical, disk_a, disk_b, emergency, warning):
            amtool_add(*labels, start=started, summary=labels[0].split("=")[1])

        def rows():
            return {r[0]: r[1:] for r in ac.db_rows(
                server.db, "SELECT alertname || ' ' || instance || ' ' || coalesce(json_extract(raw, '$.labels.mountpoint'), '-'),"
                           " status, fingerprint, webhook_count, group_key FROM alerts")}

        def wait(predicate, timeout, what):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                current = ac.db_rows(server.db, "SELECT count(*) FROM alerts") and rows()
                if predicate(current):
                    return current
                time.sleep(0.2)
            test.fail(f"{what} within {timeout} s; stored: {rows()}")
            return rows()

        # warning-team's group_wait is 5m x0.005 = 1.5 s; critical 10 s x0.005.
        stored = wait(lambda r: len(r) == 5, 20, "five alerts did not arrive")
        for alert in amc.get_alerts(port):
            labels = alert["labels"]
            key = f"{labels['alertname']} {labels['instance']} {labels.get('mountpoint', '-')}"
            ours = stored.get(key)
            test.check(ours is not None and ours[1] == alert["fingerprint"],
                       f"{key}: stored fingerprint {ours and ours[1]} is not Alertmanager's {alert['fingerprint']}")
        count = ac.db_rows(server.db, "SELECT count(*), count(DISTINCT fingerprint) FROM alerts")[0]
        test.check(count == (5, 5), f"one row per fingerprint: {count}")
        disks = ac.db_rows(server.db, "SELECT DISTINCT group_key FROM alerts WHERE alertname = 'CriticalDiskUsage'")
        test.check(len(disks) == 1 and "CriticalDiskUsage" in disks[0][0], f"the disk alerts' group: {disks}")
        received = ac.metric_value(server.metrics(), "alerts_webhooks_received_total", result="ok") or 0
        test.log(f"{received:.0f} webhooks from Alertmanager so far")

        # The emergency repeats (repeat_interval 30m x0.005).
        before = ac.db_rows(server.db, "SELECT webhook_count FROM alerts WHERE alertname = 'ServerUnreachable'")[0][0]
        deadline = time.monotonic() + 25
        after = before
        while time.monotonic() < deadline and after <= before + 1:
            time.sleep(0.5)
            after = ac.db_rows(server.db, "SELECT webhook_count FROM alerts WHERE alertname = 'ServerUnreachable'")[0][0]
        test.check(after > before + 1, f"the emergency was not repeated: webhook_count {before} -> {after}")
        transitions = ac.db_rows(server.db, "SELECT count(*) FROM transitions t JOIN alerts a USING (fingerprint) "
                                            "WHERE a.alertname = 'ServerUnreachable'")[0][0]
        test.check(transitions == 1, f"repeats made transitions: {transitions}")

        # Resolve everything.
        ended = now_rfc3339(-1)
        for labels in (critical, disk_a, disk_b, emergency, warning):
            amtool_add(*labels, start=started, end=ended, summary=labels[0].split("=")[1])
        wait(lambda r: all(v[0] == "resolved" for v in r.values()), 30, "not every alert resolved")
        history = ac.db_rows(server.db, "SELECT a.alertname, group_concat(t.status, ',') FROM alerts a JOIN "
                                        "(SELECT * FROM transitions ORDER BY id) t USING (fingerprint) GROUP BY a.fingerprint")
        for name, statuses in history:
            test.check(statuses == "firing,resolved", f"{name}: transitions {statuses}")
        test.check(ac.db_rows(server.db, "SELECT count(*) FROM alerts")[0][0] == 5, "rows appeared on resolution")
        bad = ac.metric_value(server.metrics(), "alerts_webhooks_received_total", result="bad_request")
        test.check(bad == 0, f"tern-alerts refused {bad} of Alertmanager's webhooks")
        am.stop()
        server.stop()

    return h.run_test("alerts_alertmanager_test", body, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
