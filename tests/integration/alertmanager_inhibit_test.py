#!/usr/bin/env python3
"""The repository's inhibition rules in a real Alertmanager (Debian's
prometheus-alertmanager) on 127.0.0.1, clustering off, with the config
rendered by alertmanager/render_local.py (timings x0.01, every receiver a
webhook to this test's receiver).

Alerts are posted through the v2 API, the sources first, then:

- same alert, two severities: TernInhibitPair critical and warning on
  mail-01; the warning is inhibited (API: state suppressed, inhibitedBy the
  critical's fingerprint; `amtool alert query --inhibited` lists it) and only
  the critical reaches the webhook. The same warning on proxy-01 is the
  control: it must arrive, which also proves the warning groups have been
  flushed when the absences are checked.
- ServerDown on lb-01 inhibits a warning and a critical of lb-01, but not
  ServerUnreachable of lb-01 (its escalation), while the same warning on
  monitor-01 goes through.
- a threshold pair with two names: CriticalDiskUsage on proxy-01 "/"
  inhibits HighDiskUsage on proxy-01 "/", not HighDiskUsage on "/data".
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alertmanager_common as amc  # noqa: E402
import harness as h  # noqa: E402

TIME_FACTOR = 0.01  # warning group_wait 5m -> 3 s, critical 10s -> 100 ms
DELIVERY_TIMEOUT = 20


def labels(alertname, severity, instance, category, **extra):
    roles = {"mail-01": "mail", "proxy-01": "proxy", "lb-01": "lb", "monitor-01": "monitoring"}
    out = {"alertname": alertname, "severity": severity, "instance": instance,
           "server_role": roles[instance], "category": category}
    out.update(extra)
    return out


SOURCES = {
    "pair critical": labels("TernInhibitPair", "critical", "mail-01", "system"),
    "ServerDown lb-01": labels("ServerDown", "critical", "lb-01", "availability", job="node"),
    "disk / critical": labels("CriticalDiskUsage", "critical", "proxy-01", "disk", mountpoint="/"),
}
# name: (labels, inhibited by, receivers it must reach when not inhibited)
TARGETS = {
    "pair warning": (labels("TernInhibitPair", "warning", "mail-01", "system"), "pair critical", None),
    "pair warning, other server": (labels("TernInhibitPair", "warning", "proxy-01", "system"), None, {"warning-team"}),
    "lb-01 warning": (labels("HighCPUUsage", "warning", "lb-01", "cpu"), "ServerDown lb-01", None),
    "lb-01 critical": (labels("ContainerDown", "critical", "lb-01", "container", name="haproxy"),
                       "ServerDown lb-01", None),
    # Its own escalation is not silenced by ServerDown (it silences ServerDown).
    "lb-01 unreachable": (labels("ServerUnreachable", "emergency", "lb-01", "availability", job="node"), None,
                          {"critical-team", "ntfy"}),
    "monitor-01 warning": (labels("HighCPUUsage", "warning", "monitor-01", "cpu"), None, {"warning-team"}),
    "disk / warning": (labels("HighDiskUsage", "warning", "proxy-01", "disk", mountpoint="/"), "disk / critical", None),
    "disk /data warning": (labels("HighDiskUsage", "warning", "proxy-01", "disk", mountpoint="/data"), None,
                           {"warning-team"}),
}
SOURCE_RECEIVERS = {"critical-team", "ntfy"}


def key(label_set):
    return tuple(sorted(label_set.items()))


def annotate(label_set):
    return {
        "labels": label_set,
        "annotations": {
            "summary": f"{label_set['alertname']} on {label_set['instance']} (test)",
            "description": "Posted by alertmanager_inhibit_test.",
            "runbook_url": "https://github.com/example/tern/blob/main/docs/runbooks/test.md",
        },
    }


def by_labels(alerts):
    return {key(a["labels"]): a for a in alerts}


def body(args):
    def run(test):
        amtool = amc.amtool_binary()
        amc.alertmanager_binary()
        render_local = amc.import_render_local(args.source_dir)
        tmp = h.TempDir(prefix="tern-am-inhibit-")
        hook = amc.WebhookReceiver()
        try:
            config = tmp.file(
                "alertmanager.yml",
                render_local.render_file(
                    os.path.join(args.source_dir, "alertmanager", "alertmanager.yml"), hook.base_url, TIME_FACTOR
                ),
            )
            am, port = amc.start_alertmanager(tmp, config)
            test.log(f"Alertmanager on {h.LOOPBACK}:{port}, webhook on {hook.base_url}")

            amc.post_alerts(port, [annotate(s) for s in SOURCES.values()])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                held = by_labels(amc.get_alerts(port))
                if all(key(s) in held for s in SOURCES.values()):
                    break
                time.sleep(0.1)
            test.require(all(key(s) in held for s in SOURCES.values()), "the source alerts never showed in the API")
            amc.post_alerts(port, [annotate(t[0]) for t in TARGETS.values()])

            # The API: inhibited targets are suppressed by their source
            # (polled until so, or 10 s: the inhibitor learns of alerts
            # asynchronously).
            def settled(held):
                if not all(key(t[0]) in held for t in TARGETS.values()):
                    return False
                return all(
                    (held[key(t[0])]["status"]["state"] == "suppressed") == bool(t[1]) for t in TARGETS.values()
                )

            deadline = time.monotonic() + 10
            held = by_labels(amc.get_alerts(port))
            while not settled(held) and time.monotonic() < deadline:
                time.sleep(0.1)
                held = by_labels(amc.get_alerts(port))
            test.require(
                all(key(t[0]) in held for t in TARGETS.values()), "not every posted alert showed in the API"
            )
            fingerprints = {name: held[key(s)]["fingerprint"] for name, s in SOURCES.items()}
            for name, s in SOURCES.items():
                status = held[key(s)]["status"]
                test.check(status["state"] == "active", f"source {name} is {status}, expected active")
            for name, (label_set, source, _) in TARGETS.items():
                status = held[key(label_set)]["status"]
                if source:
                    test.check(
                        status["state"] == "suppressed" and fingerprints[source] in status.get("inhibitedBy", []),
                        f"{name} is {status}, expected suppressed, inhibitedBy {source} ({fingerprints[source]})",
                    )
                else:
                    test.check(
                        status["state"] == "active" and not status.get("inhibitedBy"),
                        f"{name} is {status}, expected active (not inhibited)",
                    )

            # amtool sees the same.
            code, out, err = h.run_command(
                [amtool, f"--alertmanager.url=http://{h.LOOPBACK}:{port}", "-o", "json",
                 "alert", "query", "--inhibited"],
                timeout=20,
            )
            if test.check(code == 0, f"amtool alert query --inhibited failed: {err}"):
                listed = json.loads(out or "[]")
                inhibited = {key(a["labels"]) for a in listed if a.get("status", {}).get("inhibitedBy")}
                for name, (label_set, source, _) in TARGETS.items():
                    test.check(
                        (key(label_set) in inhibited) == bool(source),
                        f"amtool alert query --inhibited {'does not list' if source else 'lists'} {name} as inhibited",
                    )

            # The webhook: every source and every uninhibited target arrives ...
            expected = {(key(s), r) for s in SOURCES.values() for r in SOURCE_RECEIVERS}
            expected |= {(key(t[0]), r) for t in TARGETS.values() if not t[1] for r in t[2]}

            def arrived(deliveries):
                got = {(key(labels_), receiver) for receiver, status, labels_ in deliveries if status == "firing"}
                return expected <= got

            started = time.monotonic()
            complete = hook.wait_for(arrived, DELIVERY_TIMEOUT)
            got = {(key(l), r) for r, s, l in hook.deliveries()}
            for label_set, receiver in sorted(expected - got):
                test.fail(f"{dict(label_set)['alertname']} on {dict(label_set)['instance']} never reached {receiver}")
            if complete:
                test.log(f"expected notifications arrived in {time.monotonic() - started:.1f} s")
            # ... and, the warning groups having flushed (their controls
            # arrived), a little longer for any straggler: no inhibited one.
            time.sleep(1.0)
            inhibited = {key(t[0]): name for name, t in TARGETS.items() if t[1]}
            for receiver, status, label_set in hook.deliveries():
                if key(label_set) in inhibited:
                    test.fail(f"inhibited alert {inhibited[key(label_set)]} reached {receiver} ({status})")
            test.check(am.alive(), "Alertmanager exited:\n" + am.stderr_text()[-2000:])
            failures = [line for line in am.stderr_text().splitlines() if "level=error" in line]
            test.check(not failures, "Alertmanager logged errors:\n" + "\n".join(failures[:10]))
        finally:
            hook.stop()

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", required=True, help="repository root")
    parser.add_argument("--timeout", type=float, default=55)
    args = parser.parse_args()
    return h.run_test("alertmanager_inhibit_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
