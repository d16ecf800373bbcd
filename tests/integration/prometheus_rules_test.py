#!/usr/bin/env python3
"""The bundled alert rules: rendered, valid, tested, documented, and built
only on metrics that exist.

- prometheus/rules/*.yml and the alert table of prometheus/README.md are
  exactly what prometheus/render-rules makes of the templates and
  prometheus/thresholds.yml (the one place the numbers live), and the
  templates hold no numbers of their own;
- `promtool check rules` accepts every rule file, and `promtool test rules`
  passes every case of prometheus/tests/, run against rules rendered with
  the cases' own pinned thresholds (prometheus/tests/test-thresholds.yml);
- every alert of the issue exists, in its area's file and group, with
  severity, category, summary, description (instance, value, threshold)
  and a runbook_url whose runbook section exists with its four parts;
- every alert has a case that fires it and one that must not fire;
- every metric a rule reads is documented in docs/exporters/*.md (or is a
  Prometheus/Alertmanager/Loki self-metric listed below), and every label a
  rule matches, groups by or prints exists on the metrics it reads.

python3 tests/integration/prometheus_rules_test.py --source-dir .
Exit 77 (skip) when promtool is not installed and the static checks pass.
"""
import argparse
import glob
import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

import yaml  # noqa: E402  python3-yaml

# The alerts issues 5 and 6 ask for, by area (the file prometheus/rules/<area>.yml).
EXPECTED_ALERTS = {
    "availability": ["ServerDown", "ServerUnreachable", "ExporterDown"],
    "cpu": ["HighCPUUsage", "CriticalCPUUsage", "HighIOWait"],
    "memory": ["HighMemoryUsage", "CriticalMemoryUsage", "HighSwapUsage"],
    "disk": ["HighDiskUsage", "CriticalDiskUsage", "DiskWillFillIn4Hours", "HighInodeUsage",
             "FilesystemReadOnly", "FilesystemDeviceError"],
    "network": ["HighNetworkErrors", "HighNetworkDrops"],
    "system": ["HighLoadAverage", "TooManyOpenFiles", "ClockSkew", "ClockNotSynchronising"],
    "containers": ["ContainerDown", "HighContainerRestartRate", "ContainerOOMKilled",
                   "ContainerUnhealthy", "ContainerHighMemory", "ContainerCPUThrottled"],
    "stack": ["PrometheusDown", "AlertmanagerDown", "GrafanaDown", "LokiDown",
              "PrometheusRuleEvaluationFailures", "PrometheusTargetScrapeSlow",
              "AlertmanagerNotificationsFailing"],
    "logs": ["LogShipperDown", "LogShipperDroppingLines", "LogShipperLagging",
             "LokiRequestErrors"],
    # issue 6
    "mail": ["MailQueueFull", "MailQueueGrowing", "PostfixDown", "DovecotDown", "HighRejectRate",
             "SASLAuthFailuresHigh", "IMAPLoginErrorsHigh", "MailboxQuotaNearlyFull",
             "MailcowContainerDown"],
    "watchdog": ["Watchdog"],
    # issue 8
    "haproxy": ["HAProxyDown", "HAProxyBackendDown", "HAProxyServerDown", "HAProxyHighHTTP5xxRate",
                "HAProxyHighQueue", "HAProxySessionsNearLimit", "HAProxyHighResponseTime"],
    "dns": ["DNSRecordMismatch", "DNSCNAMEConflict", "DNSLookupFailing", "Route53DriftDetected",
            "SiteDown", "SiteSlow", "CertificateExpiringSoon", "CertificateExpired"],
}
SEVERITIES = {"emergency", "critical", "warning", "info"}
CATEGORIES = {"availability", "cpu", "memory", "disk", "network", "system", "container",
              "stack", "logs", "mail", "security", "database", "mlops"}
# Always fires: no input can make it quiet, so it has no "must not fire" case.
ALWAYS_FIRING = {"Watchdog"}
RUNBOOK_PARTS = ["**Means.**", "**Check.**", "**Common causes.**", "**Do.**"]

# Labels every scraped series has: job from the scrape config, instance and
# server_role from the target files' relabeling (prometheus/prometheus.yml).
TARGET_LABELS = {"job", "instance", "server_role"}
# Metrics the rules may read that our exporters do not make, with their labels.
SELF_METRICS = {
    # Prometheus' per-target series (scrape_timeout_seconds with
    # --enable-feature=extra-scrape-metrics)
    "up": set(),
    "scrape_duration_seconds": set(),
    "scrape_timeout_seconds": set(),
    # Prometheus
    "prometheus_rule_evaluation_failures_total": {"rule_group"},
    # Alertmanager 0.25 (`reason` from 0.26 on)
    "alertmanager_notifications_total": {"integration"},
    "alertmanager_notifications_failed_total": {"integration", "reason"},
    # Loki (the _count series of its request histogram)
    "loki_request_duration_seconds_count": {"method", "route", "status_code", "ws"},
}
DOC_PAGES = ["docs/exporters/node.md", "docs/exporters/container.md", "docs/exporters/shipper.md",
             "docs/exporters/mail.md", "docs/exporters/haproxy.md",
             "docs/exporters/dnscheck.md"]
# tern-mail's collector pages: hand-written tables and prose, no generated
# section (read whole).
MAIL_DOC_DIR = "docs/exporters/mail"
PROSE_PREFIXES = ("node_", "container_", "promtail_", "tern_shipper_", "logentry_", "postfix_",
                  "dovecot_", "mailcow_", "mail_exporter_", "opendkim_", "dns_", "probe_",
                  "route53_")
# Numbers a template's expression may hold itself: none is a threshold.
ALLOWED_LITERALS = {"0", "1", "100"}
PROMQL_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
                   "group_right", "offset", "bool", "inf", "nan", "atan2"}


def load_renderer(source_dir):
    path = os.path.join(source_dir, "prometheus", "render-rules")
    loader = importlib.machinery.SourceFileLoader("render_rules", path)
    spec = importlib.util.spec_from_loader("render_rules", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


# ----------------------------------------------------------------- metrics


def documented_metrics(source_dir):
    """{name: set of labels, or None when only named in prose}."""
    metrics = {}
    row = re.compile(r"^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*(\w+)\s*\|\s*([^|]*)\|")
    prose = re.compile(r"`([a-z_][a-z0-9_]*)(?:\{([a-z_, ]*)\})?`")
    mail_dir = os.path.join(source_dir, MAIL_DOC_DIR)
    mail_pages = sorted(os.path.join(MAIL_DOC_DIR, n) for n in os.listdir(mail_dir)
                        if n.endswith(".md")) if os.path.isdir(mail_dir) else []
    for page in DOC_PAGES + mail_pages:
        with open(os.path.join(source_dir, page), encoding="utf-8") as f:
            text = f.read()
        begin = text.find("<!-- BEGIN GENERATED METRICS -->")
        end = text.find("<!-- END GENERATED METRICS -->")
        if begin < 0 or end < begin:
            begin = end = 0  # no generated table: every table row and all prose
            table = text
        else:
            table = text[begin:end]
        for line in table.splitlines():
            for name, kind, labels in metric_rows(line, row):
                metrics[name] = labels
                if kind in ("histogram", "summary"):
                    metrics[name + "_count"] = labels
                    metrics[name + "_sum"] = labels
                    if kind == "histogram":
                        metrics[name + "_bucket"] = labels | {"le"}
        # Families the pages describe in prose (they appear only once
        # something happened, so the generated table lacks them).
        # A name may be written with its labels in one place and without
        # (or with some) in another: the labels are the union.
        in_prose = {}
        for m in prose.finditer(text[:begin] + text[end:]):
            name = m.group(1)
            if not name.startswith(PROSE_PREFIXES) or name in metrics:
                continue
            labels = in_prose.setdefault(name, None)
            if m.group(2) is not None:
                in_prose[name] = (labels or set()) | {
                    p.strip() for p in m.group(2).split(",") if p.strip()}
        for name, labels in in_prose.items():
            metrics.setdefault(name, labels)
    return metrics


def metric_rows(line, row):
    """(name, type, labels) of one table row: `| `name` | type | labels |`,
    or the Mailcow page's `| `name`, `_suffix`, ... | labels | endpoint |`
    (no type column; `_suffix` continues the first name's
    mailcow_<object>_ prefix)."""
    m = row.match(line)
    if m:
        return [(m.group(1), m.group(2),
                 set(re.findall(r"`([a-zA-Z_][a-zA-Z0-9_]*)`", m.group(3))))]
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) < 2 or not cells[0].startswith("`mailcow_"):
        return []
    names = re.findall(r"`([a-zA-Z_][a-zA-Z0-9_]*)`", cells[0])
    prefix = "_".join(names[0].split("_")[:2]) if names else ""
    labels = set(re.findall(r"`([a-zA-Z_][a-zA-Z0-9_]*)`", cells[1]))
    return [(prefix + n if n.startswith("_") else n, "gauge", labels) for n in names]


MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
CLAUSE = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{([^}]*)\}")
IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def parse_expr(expr):
    """Returns (selectors: [(metric or None, {label: matcher text})],
    clause labels: set, bare metric names: set). A lexical reading that
    is enough for the expressions of these rules; self-checked in main."""
    clause_labels = set()
    for m in CLAUSE.finditer(expr):
        clause_labels |= {p.strip() for p in m.group(2).split(",") if p.strip()}
    text = CLAUSE.sub(" ", expr)
    selectors = []

    def take(m):
        labels = {lm.group(1): lm.group(3) for lm in MATCHER.finditer(m.group(2))}
        selectors.append((m.group(1), labels))
        return " __selector__ "

    text = SELECTOR.sub(take, text)
    text = re.sub(r"\[[^\]]*\]", " ", text)               # ranges, subqueries
    text = re.sub(r'"(?:[^"\\]|\\.)*"', " ", text)        # strings
    text = re.sub(r"\boffset\s+-?[0-9a-z]+", " ", text)   # offsets
    text = re.sub(r"(?<![a-zA-Z_:0-9])[0-9][0-9.eE+]*", " ", text)  # numbers (not route53_...)
    bare = set()
    for m in IDENT.finditer(text):
        name = m.group(0)
        rest = text[m.end():].lstrip()
        if name == "__selector__" or name in PROMQL_KEYWORDS or rest.startswith("("):
            continue
        bare.add(name)
    for name, _ in selectors:
        if name:
            bare.discard(name)
    return selectors, clause_labels, bare


def self_check_parser(test):
    selectors, clauses, bare = parse_expr(
        'sum without (path) (rate(a_total{x="1", y=~"b|c"}[5m])) / on (instance) group_left () '
        'count by (cpu) (b) > 3 and c offset 5m unless vector(1)')
    test.require(selectors == [("a_total", {"x": "1", "y": "b|c"})] and bare == {"b", "c"}
                 and clauses == {"path", "instance", "cpu"},
                 f"the PromQL reader misreads its own example: {selectors} {bare} {clauses}")


def metric_names_and_labels(test, where, expr, catalog, annotations):
    selectors, clause_labels, bare = parse_expr(expr)
    names = {n for n, _ in selectors if n} | bare
    known = set(TARGET_LABELS)
    for name in sorted(names):
        if name in SELF_METRICS:
            labels = SELF_METRICS[name]
        elif name in catalog:
            labels = catalog[name]
        else:
            test.fail(f"{where}: metric {name} is neither in docs/exporters/*.md nor a "
                      "known Prometheus/Alertmanager/Loki metric")
            continue
        if labels is not None:
            known |= labels
    for name, matchers in selectors:
        labels = SELF_METRICS.get(name, catalog.get(name)) if name else None
        if labels is None:
            continue
        for label in matchers:
            test.check(label in labels or label in TARGET_LABELS,
                       f"{where}: {name} has no label {label!r} (it has {sorted(labels)})")
    for label in sorted(clause_labels - known):
        test.fail(f"{where}: by/without/on label {label!r} is on none of its metrics")
    for text in annotations.values():
        for label in re.findall(r"\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)", str(text)):
            test.check(label in known,
                       f"{where}: an annotation prints $labels.{label}, a label none of its "
                       "metrics has")
    return names


# ---------------------------------------------------------------- runbooks


def runbook_sections(path):
    """{anchor: section text} of '## ' headings (GitHub's anchors)."""
    sections = {}
    if not os.path.exists(path):
        return sections
    with open(path, encoding="utf-8") as f:
        parts = re.split(r"^## (.+)$", f.read(), flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2]):
        anchor = re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")
        sections[anchor] = body
    return sections


# ------------------------------------------------------------------ checks


def check_rendering(test, source_dir, renderer):
    prom = os.path.join(source_dir, "prometheus")
    script = os.path.join(prom, "render-rules")
    result = subprocess.run([sys.executable, script, "--check"], capture_output=True,
                            text=True, timeout=60)
    test.check(result.returncode == 0,
               "prometheus/rules/*.yml or the README's alert table is not what "
               "prometheus/render-rules gives; run it and commit:\n"
               + result.stdout[-3000:] + result.stderr[-2000:])
    # No threshold hides in a template: every `for` is a setting and the
    # expressions hold no numbers of their own.
    for path in sorted(glob.glob(os.path.join(prom, "rules.in", "*.yml"))):
        with open(path, encoding="utf-8") as f:
            template = yaml.safe_load(f)
        for group in template.get("groups", []):
            for rule in group.get("rules", []):
                where = f"rules.in/{os.path.basename(path)}: {rule.get('alert')}"
                if "for" in rule:
                    test.check(renderer.PLACEHOLDER.fullmatch(str(rule["for"])),
                               f"{where}: `for: {rule['for']}` is not a <<setting>> of "
                               "thresholds.yml")
                expr = renderer.PLACEHOLDER.sub(" ", str(rule.get("expr", "")))
                expr = re.sub(r"\[[^\]]*\]", " ", expr)
                expr = re.sub(r'"(?:[^"\\]|\\.)*"', " ", expr)
                expr = re.sub(r"\boffset\s+\S+", " ", expr)
                for literal in re.findall(r"(?<![a-zA-Z_:0-9.])[0-9][0-9.eE]*", expr):
                    test.check(literal in ALLOWED_LITERALS,
                               f"{where}: the number {literal} belongs in thresholds.yml")
    # Every setting is explained by a comment in its paragraph.
    for name in ("thresholds.yml", os.path.join("tests", "test-thresholds.yml")):
        with open(os.path.join(prom, name), encoding="utf-8") as f:
            commented = False
            for line in f:
                if not line.strip():
                    commented = False
                elif line.lstrip().startswith("#"):
                    commented = True
                else:
                    key = line.split(":", 1)[0].strip()
                    test.check(commented or "#" in line,
                               f"prometheus/{name}: {key} has no comment saying what it is")
    # The cases' pinned thresholds name the same settings as the shipped ones.
    shipped = renderer.load_thresholds(os.path.join(prom, "thresholds.yml"))
    pinned = renderer.load_thresholds(os.path.join(prom, "tests", "test-thresholds.yml"))
    test.check(set(shipped) == set(pinned),
               "prometheus/tests/test-thresholds.yml and prometheus/thresholds.yml name "
               f"different settings: {sorted(set(shipped) ^ set(pinned))}")


def check_rules(test, source_dir, renderer):
    prom = os.path.join(source_dir, "prometheus")
    base_url = renderer.load_thresholds(os.path.join(prom, "thresholds.yml"))[
        "runbook_base_url"].rstrip("/")
    catalog = documented_metrics(source_dir)
    test.require(len(catalog) > 100, "docs/exporters/*.md: no METRICS tables found")
    alerts = {}
    severities = {}
    files = sorted(glob.glob(os.path.join(prom, "rules", "*.yml")))
    areas = [os.path.splitext(os.path.basename(p))[0] for p in files]
    test.check(set(areas) >= set(EXPECTED_ALERTS),
               f"prometheus/rules/ lacks {sorted(set(EXPECTED_ALERTS) - set(areas))}")
    for path, area in zip(files, areas):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        sections = runbook_sections(os.path.join(source_dir, "docs", "runbooks", f"{area}.md"))
        documented = set()
        for group in doc.get("groups", []):
            test.check(group.get("name") == f"tern-{area}",
                       f"rules/{area}.yml: group {group.get('name')!r} should be tern-{area}")
            for rule in group.get("rules", []):
                if "alert" not in rule:
                    continue
                name = rule["alert"]
                where = f"rules/{area}.yml: {name}"
                labels = rule.get("labels", {})
                # One name may have a rule per severity (CertificateExpiringSoon:
                # warning under 14 days, critical under 3), in the same file.
                severity = labels.get("severity")
                test.check(name not in alerts or (alerts[name] == area and
                                                  severity not in severities.get(name, set())),
                           f"{where}: alert name also in {alerts.get(name)} "
                           f"(a second rule of one name needs another severity)")
                severities.setdefault(name, set()).add(severity)
                alerts[name] = area
                notes = rule.get("annotations", {})
                if name in ALWAYS_FIRING:
                    test.check(labels.get("severity") == "none" and labels.get("category") == "meta",
                               f"{where}: the heartbeat has severity none, category meta")
                else:
                    test.check(labels.get("severity") in SEVERITIES,
                               f"{where}: severity {labels.get('severity')!r} not in {sorted(SEVERITIES)}")
                    test.check(labels.get("category") in CATEGORIES,
                               f"{where}: category {labels.get('category')!r} not in {sorted(CATEGORIES)}")
                for key in ("summary", "description", "runbook_url"):
                    test.check(str(notes.get(key, "")).strip(), f"{where}: no {key} annotation")
                description = str(notes.get("description", ""))
                if name not in ALWAYS_FIRING:
                    test.check("$labels.instance" in description,
                               f"{where}: the description does not name $labels.instance")
                test.check("$value" in description, f"{where}: the description does not show $value")
                test.check("threshold" in description,
                           f"{where}: the description does not state its threshold")
                anchor = name.lower()
                test.check(notes.get("runbook_url") == f"{base_url}/docs/runbooks/{area}.md#{anchor}",
                           f"{where}: runbook_url {notes.get('runbook_url')!r} is not "
                           f"{base_url}/docs/runbooks/{area}.md#{anchor}")
                if test.check(anchor in sections,
                              f"{where}: docs/runbooks/{area}.md has no '## {name}' section"):
                    documented.add(anchor)
                    for part in RUNBOOK_PARTS:
                        test.check(part in sections[anchor],
                                   f"docs/runbooks/{area}.md#{anchor}: no {part} part")
                metric_names_and_labels(test, where, str(rule.get("expr", "")), catalog, notes)
        for anchor in sorted(set(sections) - documented):
            test.fail(f"docs/runbooks/{area}.md: section #{anchor} has no alert")
    for area, names in EXPECTED_ALERTS.items():
        for name in names:
            test.check(alerts.get(name) == area,
                       f"alert {name} missing from prometheus/rules/{area}.yml")
    return alerts


def check_cases(test, source_dir, alerts):
    """Every alert has a case that fires it and one that must not."""
    firing, quiet = set(), set()
    tests_dir = os.path.join(source_dir, "prometheus", "tests")
    for path in sorted(glob.glob(os.path.join(tests_dir, "*_test.yml"))):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        area = os.path.basename(path)[:-len("_test.yml")]
        test.check(doc.get("rule_files") == [f"../rules/{area}.yml"],
                   f"tests/{os.path.basename(path)}: rule_files should be [../rules/{area}.yml]")
        for group in doc.get("tests", []):
            for case in group.get("alert_rule_test", []) or []:
                name = case.get("alertname")
                expected = case.get("exp_alerts") or []
                (firing if expected else quiet).add(name)
                for alert in expected:
                    labels = alert.get("exp_labels", {}) or {}
                    notes = alert.get("exp_annotations", {}) or {}
                    test.check({"severity", "category"} <= set(labels),
                               f"tests/{os.path.basename(path)}: {name} expected without "
                               "severity/category")
                    test.check({"summary", "description", "runbook_url"} <= set(notes),
                               f"tests/{os.path.basename(path)}: {name} expected without "
                               "all its annotations")
    for name in sorted(alerts):
        test.check(name in firing, f"{name}: no promtool case fires it")
        test.check(name in quiet or name in ALWAYS_FIRING,
                   f"{name}: no promtool case where it must not fire")
    for name in sorted((firing | quiet) - set(alerts)):
        test.fail(f"prometheus/tests: a case names {name}, which no rule defines")


def run_promtool(test, source_dir, renderer, promtool, tmp):
    prom = os.path.join(source_dir, "prometheus")
    rule_files = sorted(glob.glob(os.path.join(prom, "rules", "*.yml")))
    result = subprocess.run([promtool, "check", "rules", *rule_files], capture_output=True,
                            text=True, timeout=60)
    test.check(result.returncode == 0,
               "promtool check rules:\n" + (result.stdout + result.stderr)[-4000:])
    # The cases run against rules rendered with their own pinned thresholds.
    rendered = renderer.render_all(os.path.join(prom, "tests", "test-thresholds.yml"),
                                   os.path.join(prom, "rules.in"))
    os.makedirs(os.path.join(tmp, "rules"))
    os.makedirs(os.path.join(tmp, "tests"))
    for name, text in rendered.items():
        with open(os.path.join(tmp, "rules", name), "w", encoding="utf-8") as f:
            f.write(text)
    cases = []
    for path in sorted(glob.glob(os.path.join(prom, "tests", "*_test.yml"))):
        shutil.copy(path, os.path.join(tmp, "tests"))
        cases.append(os.path.join(tmp, "tests", os.path.basename(path)))
    result = subprocess.run([promtool, "test", "rules", *cases], capture_output=True, text=True,
                            timeout=90)
    output = result.stdout + result.stderr
    test.check(result.returncode == 0, "promtool test rules:\n" + output[-8000:])
    if result.returncode == 0:
        test.log(f"promtool test rules: {len(cases)} files passed")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", required=True, help="repository root")
    parser.add_argument("--promtool", default=shutil.which("promtool") or harness.PROMTOOL)
    parser.add_argument("--timeout", type=float, default=110)
    args = parser.parse_args()
    source_dir = os.path.abspath(args.source_dir)

    def body(test):
        self_check_parser(test)
        renderer = load_renderer(source_dir)
        check_rendering(test, source_dir, renderer)
        alerts = check_rules(test, source_dir, renderer)
        check_cases(test, source_dir, alerts)
        test.log(f"{len(alerts)} alerts checked")
        promtool = args.promtool
        if not (promtool and os.path.isfile(promtool) and os.access(promtool, os.X_OK)):
            if not test.failures:
                raise harness.SkipTest(f"promtool ({promtool}) is not installed; "
                                       "the static checks passed")
            test.log("promtool is not installed: its checks did not run")
            return
        with tempfile.TemporaryDirectory(prefix="tern-rules-") as tmp:
            run_promtool(test, source_dir, renderer, promtool, tmp)

    return harness.run_test("prometheus_rules_test", body, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
