#!/usr/bin/env python3
"""alertmanager/alertmanager.yml, checked with the installed amtool (0.25):

- `amtool check-config` accepts it (copied into a temporary directory with
  the secret directory /etc/alertmanager/secrets/ rewritten to one holding
  dummy files), and also the config with ntfy switched on as README.md says;
- secrets only as files under /etc/alertmanager/secrets/, from the documented
  set, never inline; addresses and URLs only from the example domains;
- every row of the routing table in the issue, the documented category x
  severity combinations, Watchdog, info/none and unlabelled alerts, with
  `amtool config routes test --verify.receivers=...`; the group_wait and
  repeat_interval each receiver gets, from a walk of the route tree that must
  agree with amtool on the receivers;
- the notification templates render (amtool template render) with summary,
  description, runbook_url, instance and server_role, and never "<no value>";
- alertmanager/render_local.py: the rendered config passes check-config,
  routes every case to the same receivers, scales the timings, holds no
  file reference and no URL off loopback, and refuses a non-loopback base URL.

Nothing is started and nothing is contacted.
"""

import argparse
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alertmanager_common as amc  # noqa: E402
import harness as h  # noqa: E402

try:
    import yaml
except ImportError:  # Debian's python3-yaml
    print("SKIPPED: python3-yaml is not installed", flush=True)
    sys.exit(h.SKIP_EXIT_CODE)

SECRETS_DIR = "/etc/alertmanager/secrets/"
SECRET_NAMES = {"smtp_auth_password", "slack_api_url", "webhook_token", "ntfy_token", "tern_alerts_token"}
# Fields that would hold a secret inline; the config must use their *_file twin.
INLINE_SECRET_KEYS = {
    "smtp_auth_password", "smtp_auth_secret", "auth_password", "auth_secret", "slack_api_url", "api_url",
    "credentials", "password", "bearer_token", "api_key", "service_key", "routing_key", "bot_token", "token",
}
PLACEHOLDER_DOMAINS = ("example.com", "example.org")
# Services of compose/central.yml, reached by their compose name on the
# stack's network: not a real address either.
COMPOSE_SERVICE_HOSTS = ("tern-alerts",)

RECEIVERS = {
    # name: the integrations it must have (in the committed config)
    "critical-team": {"webhook_configs", "email_configs", "slack_configs"},
    "warning-team": {"email_configs"},
    "security-team": {"webhook_configs", "email_configs"},
    "dba-team": {"webhook_configs", "email_configs"},
    "mlops-team": {"webhook_configs", "email_configs"},
    "watchdog": {"webhook_configs"},
    "ntfy": set(),  # off until switched on
    "blackhole": set(),
}


def alert(severity=None, category=None, alertname="TernRouteTest", **extra):
    labels = {"alertname": alertname, "instance": "mail-01", "server_role": "mail"}
    if severity is not None:
        labels["severity"] = severity
    if category is not None:
        labels["category"] = category
    labels.update(extra)
    return labels


# (what, labels, receivers in route order, {receiver: (group_wait, repeat_interval)})
CASES = [
    # The table, one row each.
    ("row emergency", alert("emergency", "system"), ["ntfy", "critical-team"],
     {"critical-team": ("0s", "30m"), "ntfy": ("0s", "30m")}),
    ("row critical", alert("critical", "cpu"), ["ntfy", "critical-team"],
     {"critical-team": ("10s", "1h"), "ntfy": ("10s", "1h")}),
    ("row warning", alert("warning", "disk"), ["warning-team"], {"warning-team": ("5m", "12h")}),
    ("row security", alert("warning", "security"), ["security-team"], {"security-team": ("20s", "2h")}),
    ("row database", alert("warning", "database"), ["dba-team"], {"dba-team": ("1m", "3h")}),
    ("row mlops", alert("warning", "mlops"), ["mlops-team"], {"mlops-team": ("1m", "3h")}),
    # Category and severity together: the team AND critical-team, each with its own timings.
    ("critical database", alert("critical", "database"), ["ntfy", "dba-team", "critical-team"],
     {"dba-team": ("1m", "3h"), "critical-team": ("10s", "1h")}),
    ("emergency database", alert("emergency", "database"), ["ntfy", "dba-team", "critical-team"],
     {"dba-team": ("1m", "3h"), "critical-team": ("0s", "30m")}),
    ("critical security", alert("critical", "security"), ["ntfy", "security-team", "critical-team"],
     {"security-team": ("20s", "2h"), "critical-team": ("10s", "1h")}),
    ("emergency security", alert("emergency", "security"), ["ntfy", "security-team", "critical-team"],
     {"security-team": ("20s", "2h"), "critical-team": ("0s", "30m")}),
    ("critical mlops", alert("critical", "mlops"), ["ntfy", "mlops-team", "critical-team"],
     {"mlops-team": ("1m", "3h"), "critical-team": ("10s", "1h")}),
    ("emergency mlops", alert("emergency", "mlops"), ["ntfy", "mlops-team", "critical-team"],
     {"mlops-team": ("1m", "3h"), "critical-team": ("0s", "30m")}),
    # The bundled categories are severity-routed only.
    ("critical availability", alert("critical", "availability", alertname="ServerDown"), ["ntfy", "critical-team"],
     {"critical-team": ("10s", "1h")}),
    ("warning container", alert("warning", "container"), ["warning-team"], {"warning-team": ("5m", "12h")}),
    # Not sent to people.
    ("info", alert("info", "system"), ["blackhole"], {}),
    ("info database", alert("info", "database"), ["blackhole"], {}),
    ("severity none", alert("none", "meta", alertname="SomeHeartbeat"), ["blackhole"], {}),
    # Watchdog: its own receiver, short repeat, and nothing else, whatever its labels.
    ("Watchdog", {"alertname": "Watchdog", "severity": "none", "category": "meta"}, ["watchdog"],
     {"watchdog": ("0s", "5m")}),
    ("Watchdog with another severity", {"alertname": "Watchdog", "severity": "critical"}, ["watchdog"],
     {"watchdog": ("0s", "5m")}),
    # Mislabelled alerts still reach someone.
    ("no severity", alert(None, None, alertname="UsersOwnRule"), ["warning-team"], {"warning-team": ("5m", "12h")}),
    ("unknown severity", alert("page", "database"), ["warning-team"], {"warning-team": ("5m", "12h")}),
]


# --------------------------------------------------------------------------
# A walk of the route tree (Alertmanager's Route.Match), for the timings
# amtool does not print.

_MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')


def matches(matcher, labels):
    m = _MATCHER.match(matcher)
    if not m:
        raise ValueError(f"matcher this test cannot read: {matcher!r}")
    name, op, value = m.group(1), m.group(2), m.group(3).encode().decode("unicode_escape")
    actual = labels.get(name, "")
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    found = re.fullmatch(value, actual) is not None
    return found if op == "=~" else not found


def walk(route, labels, parent=None):
    """[(receiver, {group_wait, group_interval, repeat_interval})] in route
    order, or [] when route does not match."""
    if "match" in route or "match_re" in route:
        raise ValueError(f"route {route.get('receiver')}: use matchers:, not the deprecated match/match_re")
    effective = dict(parent or {})
    for key in ("receiver", "group_wait", "group_interval", "repeat_interval"):
        if key in route:
            effective[key] = route[key]
    if not all(matches(m, labels) for m in route.get("matchers") or []):
        return []
    found = []
    for child in route.get("routes") or []:
        child_found = walk(child, labels, effective)
        found += child_found
        if child_found and not child.get("continue", False):
            break
    return found or [(effective["receiver"], effective)]


def all_routes(route, parent=None):
    """Every route node with its effective timings."""
    effective = dict(parent or {})
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if key in route:
            effective[key] = route[key]
    yield route, effective
    for child in route.get("routes") or []:
        yield from all_routes(child, effective)


# --------------------------------------------------------------------------


def walk_values(node, path=""):
    """(path, key, value) for every mapping entry, recursively."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk_values(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_values(value, f"{path}[{i}]")


def switch_on_ntfy(text):
    """README.md's switch: remove "# " in front of the commented lines that
    follow "- name: ntfy"."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == "- name: ntfy")
    i = start + 1
    changed = 0
    while i < len(lines) and lines[i].startswith("    #"):
        lines[i] = lines[i].replace("# ", "", 1)
        changed += 1
        i += 1
    if changed == 0:
        raise ValueError("no commented lines after '- name: ntfy'")
    return "\n".join(lines)


def stage_config(tmp, source_dir, name, text):
    """The config in a directory of its own beside a copy of templates/, with
    the secret directory pointed at tmp/secrets (dummy files, mode 0600)."""
    directory = os.path.join(tmp.path, name)
    shutil.copytree(os.path.join(source_dir, "alertmanager", "templates"), os.path.join(directory, "templates"))
    secrets = os.path.join(tmp.path, "secrets") + "/"
    path = os.path.join(directory, "alertmanager.yml")
    with open(path, "w") as f:
        f.write(text.replace(SECRETS_DIR, secrets))
    return path


def check_config(test, amtool, path, what):
    code, out, err = h.run_command([amtool, "check-config", path], timeout=30)
    test.check(code == 0 and "SUCCESS" in out, f"amtool check-config rejects {what}:\n{out}{err}")


def route_test(amtool, path, labels, expected):
    args = [amtool, "config", "routes", "test", f"--config.file={path}", f"--verify.receivers={','.join(expected)}"]
    args += [f"{k}={v}" for k, v in sorted(labels.items())]
    code, out, err = h.run_command(args, timeout=30)
    return code, out.strip().splitlines()[0] if out.strip() else ""


def check_routes(test, amtool, render_local, path, config, what, time_factor=1.0):
    for name, labels, expected, timings in CASES:
        code, actual = route_test(amtool, path, labels, expected)
        test.check(code == 0, f"{what}: {name} {labels}: amtool routes it to {actual!r}, expected {','.join(expected)}")
        walked = walk(config["route"], labels)
        test.check(
            [r for r, _ in walked] == actual.split(","),
            f"{what}: {name}: the test's route walk gives {[r for r, _ in walked]}, amtool {actual!r}",
        )
        by_receiver = {r: t for r, t in walked}
        for receiver, (group_wait, repeat_interval) in timings.items():
            got = by_receiver.get(receiver)
            if not test.check(got is not None, f"{what}: {name}: no route to {receiver}"):
                continue
            for key, want in (("group_wait", group_wait), ("repeat_interval", repeat_interval)):
                want_seconds = render_local.parse_duration(want) * time_factor
                if want_seconds:
                    want_seconds = max(want_seconds, render_local.MIN_SCALED_SECONDS)
                got_seconds = render_local.parse_duration(got[key])
                test.check(
                    abs(got_seconds - want_seconds) < 0.0015,
                    f"{what}: {name}: {receiver} gets {key} {got[key]}, expected {want} x{time_factor:g}",
                )


def check_secrets_and_domains(test, config, text, what):
    for path, key, value in walk_values(config):
        if key in INLINE_SECRET_KEYS:
            test.fail(f"{what}: {path}.{key} holds a secret inline; use its *_file twin under {SECRETS_DIR}")
        if str(key).endswith("_file"):
            ok = isinstance(value, str) and value.startswith(SECRETS_DIR) and value[len(SECRETS_DIR):] in SECRET_NAMES
            test.check(
                ok, f"{what}: {path}.{key} = {value!r}: secrets come from {SECRETS_DIR}<one of {sorted(SECRET_NAMES)}>"
            )
    hosts = set(re.findall(r"https?://([^/:\"'\s?]+)", text))
    hosts |= set(re.findall(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)", text))
    for key in ("smtp_smarthost", "smtp_hello"):
        value = (config.get("global") or {}).get(key)
        if value:
            hosts.add(value.rsplit(":", 1)[0])
    for host in sorted(hosts):
        test.check(
            host.endswith(PLACEHOLDER_DOMAINS) or host in COMPOSE_SERVICE_HOSTS,
            f"{what}: {host} is not a placeholder from {PLACEHOLDER_DOMAINS}; real addresses belong in the user's copy",
        )


def check_receivers(test, render_local, config):
    receivers = {r["name"]: r for r in config.get("receivers", [])}
    test.check(set(receivers) == set(RECEIVERS), f"receivers are {sorted(receivers)}, expected {sorted(RECEIVERS)}")
    for name, integrations in RECEIVERS.items():
        if name not in receivers:
            continue
        have = {k for k, v in receivers[name].items() if k.endswith("_configs") and v}
        test.check(have == integrations, f"receiver {name} has {sorted(have)}, expected {sorted(integrations)}")
    for route, effective in all_routes(config["route"]):
        gi, ri = effective.get("group_interval"), effective.get("repeat_interval")
        if gi and ri:
            test.check(
                render_local.parse_duration(gi) <= render_local.parse_duration(ri),
                f"route {route.get('matchers')}: group_interval {gi} is longer than repeat_interval {ri}",
            )


SAMPLE = {
    "receiver": "critical-team",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "HighDiskUsage", "instance": "mail-01", "server_role": "mail",
                "severity": "warning", "category": "disk", "mountpoint": "/var",
            },
            "annotations": {
                "summary": "Disk /var on mail-01 is 83% full",
                "description": "Only 17% of /var is free on mail-01.",
                "runbook_url": "https://github.com/example/tern/blob/main/docs/runbooks/disk.md#highdiskusage",
            },
            "startsAt": "2024-05-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://monitor-01.example.com:9090/graph",
        },
        {
            # A user's own rule without annotations or server labels.
            "status": "resolved",
            "labels": {"alertname": "UsersOwnRule"},
            "annotations": {},
            "startsAt": "2024-05-01T09:00:00Z",
            "endsAt": "2024-05-01T09:30:00Z",
            "generatorURL": "",
        },
    ],
    "groupLabels": {"alertname": "HighDiskUsage", "instance": "mail-01"},
    "commonLabels": {"alertname": "HighDiskUsage", "instance": "mail-01", "server_role": "mail", "severity": "warning"},
    "commonAnnotations": {"summary": "Disk /var on mail-01 is 83% full"},
    "externalURL": "http://monitor-01.example.com:9093",
}


def check_templates(test, tmp, amtool, source_dir):
    data = tmp.file("template-data.json", json.dumps(SAMPLE))
    glob = os.path.join(source_dir, "alertmanager", "templates", "*.tmpl")
    first = SAMPLE["alerts"][0]
    wanted = {
        "tern.subject": ["FIRING:1", "WARNING", "HighDiskUsage", "mail-01", "(mail)", first["annotations"]["summary"]],
        "tern.text": [
            first["annotations"]["summary"], first["annotations"]["description"], first["annotations"]["runbook_url"],
            "mail-01", "role mail", "Resolved (1)", "UsersOwnRule", SAMPLE["externalURL"],
        ],
        "tern.slack.text": [
            first["annotations"]["summary"], first["annotations"]["description"], first["annotations"]["runbook_url"],
            "mail-01", "role mail", "UsersOwnRule",
        ],
    }
    for name, parts in wanted.items():
        code, out, err = h.run_command(
            [amtool, "template", "render", f"--template.glob={glob}",
             f'--template.text={{{{ template "{name}" . }}}}', f"--template.data={data}"],
            timeout=30,
        )
        if not test.check(code == 0, f"amtool template render {name} failed: {err.strip()}"):
            continue
        for part in parts:
            test.check(part in out, f"template {name} leaves out {part!r}:\n{out}")
        test.check("<no value>" not in out, f"template {name} prints <no value> for a missing label:\n{out}")
        if name == "tern.subject":
            test.check("\n" not in out.strip(), f"the subject is more than one line: {out!r}")


def check_render_local(test, tmp, amtool, render_local, source_dir):
    config_path = os.path.join(source_dir, "alertmanager", "alertmanager.yml")
    base = f"http://{h.LOOPBACK}:9/hook"  # never contacted: nothing is started here
    factor = 0.01
    text = render_local.render_file(config_path, base, factor)
    path = tmp.file("rendered.yml", text)
    check_config(test, amtool, path, "the render_local config")
    rendered = yaml.safe_load(text)
    test.check(
        set(rendered.get("global", {})) <= {"resolve_timeout"},
        f"render_local keeps global settings that can send: {sorted(rendered.get('global', {}))}",
    )
    for receiver in rendered["receivers"]:
        hooks = receiver.get("webhook_configs") or []
        others = [k for k in receiver if k.endswith("_configs") and k != "webhook_configs"]
        test.check(
            not others and len(hooks) == 1 and hooks[0].get("url") == f"{base}/{receiver['name']}"
            and hooks[0].get("send_resolved") is True and set(hooks[0]) == {"url", "send_resolved"},
            f"render_local receiver {receiver['name']} is not one webhook to {base}/{receiver['name']}: {receiver}",
        )
    for path_, key, value in walk_values(rendered):
        test.check(not str(key).endswith("_file"), f"render_local leaves {path_}.{key}")
    original = yaml.safe_load(open(config_path))
    test.check(
        rendered.get("inhibit_rules") == original.get("inhibit_rules"),
        "render_local changes the inhibit rules",
    )
    test.check(
        all(os.path.isabs(t) for t in rendered.get("templates", [])) and rendered.get("templates"),
        f"render_local templates are not absolute paths: {rendered.get('templates')}",
    )
    check_routes(test, amtool, render_local, path, rendered, "render_local x0.01", time_factor=factor)
    unscaled = render_local.render(original, base, 1.0, config_dir=os.path.dirname(config_path))
    test.check(unscaled["route"] == original["route"], "render_local with factor 1 changes the route tree")
    for bad in ("http://example.com:80/hook", "https://127.0.0.1:9/hook", "http://127.0.0.1/hook",
                "http://localhost:9/hook", "ftp://127.0.0.1:9/hook"):
        try:
            render_local.render(original, bad)
            test.fail(f"render_local accepts the base URL {bad}")
        except render_local.RenderError:
            pass
    code, out, err = h.run_command(
        [sys.executable, os.path.join(source_dir, "alertmanager", "render_local.py"),
         "--config", config_path, "--base-url", base, "--time-factor", "0.5"],
        timeout=30,
    )
    test.check(code == 0 and "receivers:" in out, f"render_local.py CLI failed ({code}): {err}")


def body(args):
    def run(test):
        amtool = amc.amtool_binary()
        render_local = amc.import_render_local(args.source_dir)
        tmp = h.TempDir(prefix="tern-am-config-")
        secrets = os.path.join(tmp.path, "secrets")
        os.makedirs(secrets)
        for name in SECRET_NAMES:
            tmp.file(os.path.join("secrets", name), "dummy-secret-for-amtool\n", mode=0o600)

        source = os.path.join(args.source_dir, "alertmanager", "alertmanager.yml")
        text = open(source).read()
        config = yaml.safe_load(text)

        test.log("check-config, secrets, placeholders, receivers")
        path = stage_config(tmp, args.source_dir, "committed", text)
        check_config(test, amtool, path, "alertmanager/alertmanager.yml")
        check_secrets_and_domains(test, config, text, "alertmanager.yml")
        check_receivers(test, render_local, config)

        test.log(f"routes: {len(CASES)} cases")
        check_routes(test, amtool, render_local, path, config, "alertmanager.yml")

        test.log("ntfy switched on as README.md says")
        ntfy_text = switch_on_ntfy(text)
        ntfy_config = yaml.safe_load(ntfy_text)
        ntfy_path = stage_config(tmp, args.source_dir, "ntfy-on", ntfy_text)
        check_config(test, amtool, ntfy_path, "the config with ntfy switched on")
        check_secrets_and_domains(test, ntfy_config, ntfy_text, "alertmanager.yml with ntfy on")
        ntfy = next(r for r in ntfy_config["receivers"] if r["name"] == "ntfy")
        hooks = ntfy.get("webhook_configs") or [{}]
        test.check(
            "template=alertmanager" in hooks[0].get("url", "")
            and hooks[0].get("http_config", {}).get("authorization", {}).get("credentials_file")
            == SECRETS_DIR + "ntfy_token",
            f"the ntfy webhook, switched on, is not ntfy's alertmanager template with the token file: {ntfy}",
        )
        test.check(ntfy_config["route"] == config["route"], "switching ntfy on changes the routes")
        check_routes(test, amtool, render_local, ntfy_path, ntfy_config, "ntfy on")

        test.log("templates")
        check_templates(test, tmp, amtool, args.source_dir)

        test.log("render_local")
        check_render_local(test, tmp, amtool, render_local, args.source_dir)

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", required=True, help="repository root")
    parser.add_argument("--timeout", type=float, default=55)
    args = parser.parse_args()
    return h.run_test("alertmanager_config_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
