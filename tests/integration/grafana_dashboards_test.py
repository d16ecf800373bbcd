#!/usr/bin/env python3
"""Static checks of grafana/: the committed dashboards are the generator's
output; provisioning gives the datasources their fixed uids and reads the
dashboards with folders; every dashboard has the datasource, job and instance
variables; every panel a description and a unit; every Prometheus query
selects only metrics our exporters document (docs/exporters/*.md) or
Prometheus and Alertmanager emit themselves, is filtered by job and instance,
takes rates over $__rate_interval and parses (promtool check rules). A
misspelt metric fails here, before the live test sends the query to a real
Prometheus.

    python3 tests/integration/grafana_dashboards_test.py --source-dir .
"""

import argparse
import importlib.util
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grafana_dashboards as gd  # noqa: E402
import harness as h  # noqa: E402

EXPECTED_UIDS = {"tern-fleet", "tern-node", "tern-containers", "tern-sla", "tern-logs", "tern-mail",
                 "tern-haproxy", "tern-dns"}
MIN_SCHEMA_VERSION = 38  # Grafana 10.0

# The datasources every dashboard may refer to: uid -> (type, url).
DATASOURCES = {
    "prometheus": ("prometheus", "http://prometheus:9090"),
    "loki": ("loki", "http://loki:3100"),
    "alertmanager": ("alertmanager", "http://alertmanager:9093"),
}
GRAFANA_BUILTIN_UID = "-- Grafana --"  # the built-in annotation source
DASHBOARDS_MOUNT = "/etc/grafana/dashboards"

# Series that Prometheus makes itself, and the self-metrics of Prometheus
# 2.42 and Alertmanager 0.25 the dashboards use. Listed name by name, not by
# prefix, so a misspelt one fails; add a name only after checking it on the
# program's /metrics.
SELF_METRICS = {
    "up": "Prometheus: 1 when the target's last scrape succeeded",
    "ALERTS": "Prometheus: one series per pending or firing alert",
    "alertmanager_notifications_failed_total": "Alertmanager 0.25, by integration",
}

# Panels whose rate()/irate()/increase() deliberately use a fixed window
# instead of $__rate_interval. The panel description must name the window.
FIXED_RATE_WINDOWS = {
    ("tern-sla", "CPU busy, 7-day average"):
        ("7d", "a capacity figure: the average over a week, not the live usage"),
}

# Selectors that are deliberately not filtered by both $job and $instance:
# metric -> (the filters they need, as (label, accepted values), why).
UNFILTERED_SELECTORS = {
    "ALERTS": ([("instance", ("$instance", "$instance|"))],
               "an alert's job label is that of the series it fired on, and stack-wide alerts "
               "(Watchdog) have none: filtered by instance only, \"$instance|\" keeping the "
               "alerts without an instance in every selection"),
}

HIDDEN_COUNTER_FUNCTIONS = gd.COUNTER_FUNCTIONS


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# --------------------------------------------------------------------------
# What our exporters document


_ROW = re.compile(r"^\|\s*`([a-zA-Z_:][\w:]*)`\s*\|\s*(\w+)\s*\|")
_PROSE = re.compile(r"`([a-zA-Z_:][\w:]*)(?:\{[^}`]*\})?`")
_FAMILY_PREFIXES = ("node_", "container_", "promtail_", "tern_shipper_", "logentry_")
# tern-mail's collector pages (docs/exporters/mail/*.md) have hand-written
# tables (`| `name` | type | ...`, or Mailcow's `| `name`, `_suffix` | labels |`
# of gauges) and name the log counters in prose; they are read whole.
_MAIL_DOCS = os.path.join("docs", "exporters", "mail")
_MAIL_PREFIXES = ("postfix_", "dovecot_", "mailcow_", "mail_exporter_", "opendkim_")


def _mail_documented(source_dir):
    """{family: type} from docs/exporters/mail/*.md."""
    metrics = {}
    folder = os.path.join(source_dir, _MAIL_DOCS)
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not name.endswith(".md"):
            continue
        text = read(os.path.join(folder, name))
        for line in text.splitlines():
            match = _ROW.match(line)
            if match:
                metrics[match.group(1)] = match.group(2)
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 2 and cells[0].startswith("`mailcow_"):
                names = re.findall(r"`([a-zA-Z_][\w]*)`", cells[0])
                prefix = "_".join(names[0].split("_")[:2])
                for family in names:
                    metrics.setdefault(prefix + family if family.startswith("_") else family,
                                       "gauge")
        for match in _PROSE.finditer(text):
            family = match.group(1)
            if family.startswith(_MAIL_PREFIXES) and family not in metrics:
                metrics[family] = "counter" if family.endswith("_total") else "untyped"
    return metrics


def documented_metrics(source_dir):
    """{sample name: type} from the METRICS tables of docs/exporters/*.md, and
    the families the Metrics sections name in prose (those that appear only
    once something happened)."""
    metrics = {}
    docs = os.path.join(source_dir, "docs", "exporters")
    for name in sorted(os.listdir(docs)):
        if not name.endswith(".md"):
            continue
        text = read(os.path.join(docs, name))
        begin = text.find("<!-- BEGIN GENERATED METRICS -->")
        end = text.find("<!-- END GENERATED METRICS -->")
        if begin < 0 or end < 0:
            continue
        for line in text[begin:end].splitlines():
            match = _ROW.match(line)
            if match:
                metrics[match.group(1)] = match.group(2)
        section = text.find("## Metrics")
        if 0 <= section < begin:
            for match in _PROSE.finditer(text[section:begin]):
                family = match.group(1)
                if family.startswith(_FAMILY_PREFIXES) and family not in metrics:
                    metrics[family] = "counter" if family.endswith("_total") else "untyped"
    for family, kind in _mail_documented(source_dir).items():
        metrics.setdefault(family, kind)
    samples = {}
    for family, kind in metrics.items():
        samples[family] = kind
        if kind in ("histogram", "summary"):
            for suffix in ("_bucket", "_sum", "_count"):
                samples[family + suffix] = "counter"
    return samples


# --------------------------------------------------------------------------
# Checks


def check_generator(test, source_dir):
    path = os.path.join(source_dir, "grafana", "build_dashboards.py")
    spec = importlib.util.spec_from_file_location("build_dashboards", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    problems = module.check()
    test.check(not problems, "grafana/dashboards differs from grafana/build_dashboards.py's "
               "output; run python3 grafana/build_dashboards.py and commit:\n" + problems)


def check_provisioning(test, source_dir, yaml):
    path = os.path.join(source_dir, "grafana", "provisioning", "datasources", "datasources.yml")
    config = yaml.safe_load(read(path))
    test.check(config.get("apiVersion") == 1, f"{path}: apiVersion 1")
    by_uid = {ds.get("uid"): ds for ds in config.get("datasources", [])}
    test.check(set(by_uid) == set(DATASOURCES),
               f"{path}: datasource uids {sorted(by_uid)}, expected {sorted(DATASOURCES)}")
    for uid, (kind, url) in DATASOURCES.items():
        ds = by_uid.get(uid, {})
        test.check(ds.get("type") == kind, f"{path}: {uid} has type {ds.get('type')}, not {kind}")
        test.check(ds.get("url") == url, f"{path}: {uid} has url {ds.get('url')}, not {url}")
        test.check(ds.get("access", "proxy") == "proxy", f"{path}: {uid} access must be proxy")
    defaults = [uid for uid, ds in by_uid.items() if ds.get("isDefault")]
    test.check(defaults == ["prometheus"], f"{path}: the default datasource must be prometheus "
               f"alone, not {defaults}")
    test.check(by_uid.get("alertmanager", {}).get("jsonData", {}).get("implementation")
               == "prometheus", f"{path}: alertmanager needs jsonData.implementation prometheus")
    # $__rate_interval is four times the datasource's timeInterval: it must be
    # the scrape interval Prometheus really uses.
    prom_config = yaml.safe_load(read(os.path.join(source_dir, "prometheus", "prometheus.yml")))
    scrape = (prom_config.get("global") or {}).get("scrape_interval", "1m")
    interval = by_uid.get("prometheus", {}).get("jsonData", {}).get("timeInterval")
    test.check(interval == scrape, f"{path}: prometheus jsonData.timeInterval {interval} must "
               f"equal prometheus.yml's global scrape_interval {scrape}")

    path = os.path.join(source_dir, "grafana", "provisioning", "dashboards", "dashboards.yml")
    config = yaml.safe_load(read(path))
    providers = config.get("providers", [])
    test.check(config.get("apiVersion") == 1 and len(providers) == 1,
               f"{path}: apiVersion 1 and one provider")
    for provider in providers:
        options = provider.get("options", {})
        test.check(provider.get("type", "file") == "file", f"{path}: provider type file")
        test.check(options.get("path") == DASHBOARDS_MOUNT,
                   f"{path}: options.path {options.get('path')}, expected {DASHBOARDS_MOUNT}")
        test.check(options.get("foldersFromFilesStructure") is True,
                   f"{path}: foldersFromFilesStructure must be true")
        test.check(not provider.get("folder") and not provider.get("folderUid"),
                   f"{path}: folder and folderUid must be empty with foldersFromFilesStructure")


def check_compose_mounts(test, source_dir, yaml):
    """If a compose file mounts the dashboards or provisioning, it mounts ours."""
    compose_dir = os.path.join(source_dir, "compose")
    expected = {DASHBOARDS_MOUNT: os.path.join(source_dir, "grafana", "dashboards"),
                "/etc/grafana/provisioning": os.path.join(source_dir, "grafana", "provisioning")}
    seen = set()
    for name in sorted(os.listdir(compose_dir)) if os.path.isdir(compose_dir) else []:
        if not name.endswith((".yml", ".yaml")):
            continue
        try:
            config = yaml.safe_load(read(os.path.join(compose_dir, name))) or {}
        except yaml.YAMLError:
            continue  # compose's own test reports it
        for service in (config.get("services") or {}).values():
            for volume in (service or {}).get("volumes", []) or []:
                if isinstance(volume, dict):
                    source, target = volume.get("source", ""), volume.get("target", "")
                else:
                    parts = str(volume).split(":")
                    source, target = (parts[0], parts[1]) if len(parts) > 1 else ("", parts[0])
                target = target.rstrip("/")
                if target in expected and source.startswith("."):
                    seen.add(target)
                    resolved = os.path.normpath(os.path.join(compose_dir, source))
                    test.check(resolved == os.path.normpath(expected[target]),
                               f"compose/{name}: {target} is mounted from {source}, expected "
                               f"{os.path.relpath(expected[target], compose_dir)}")
    if not seen:
        test.skip("no compose file mounts the Grafana dashboards or provisioning yet")


def check_variables(test, board):
    uid = board.get("uid")
    by_name = {v.get("name"): v for v in gd.variables(board)}
    ds = by_name.get("datasource", {})
    test.check(ds.get("type") == "datasource" and ds.get("query") == "prometheus",
               f"{uid}: needs a datasource variable of type datasource, query prometheus")
    for var in gd.variables(board):
        if var.get("type") == "datasource":
            test.check(var.get("query") in {kind for kind, _ in DATASOURCES.values()},
                       f"{uid}: datasource variable {var.get('name')} of unknown type "
                       f"{var.get('query')}")
            current = (var.get("current") or {}).get("value")
            test.check(current in DATASOURCES, f"{uid}: datasource variable {var.get('name')} "
                       f"defaults to {current!r}, not a provisioned uid")
    for name in ("job", "instance"):
        var = by_name.get(name, {})
        definition = (var.get("query") or {}).get("query") if isinstance(var.get("query"), dict) \
            else var.get("query")
        test.check(var.get("type") == "query" and gd.datasource_type(board, var.get("datasource"))
                   == "prometheus" and re.match(rf"label_values\(.+,\s*{name}\)$", definition or ""),
                   f"{uid}: needs a Prometheus query variable {name} = label_values(..., {name})")
        test.check(var.get("definition") == definition,
                   f"{uid}: variable {name}'s definition differs from its query")
    if uid == "tern-logs":
        loki_vars = [v for v in gd.variables(board)
                     if v.get("type") == "datasource" and v.get("query") == "loki"]
        test.check(loki_vars, "tern-logs: needs a Loki datasource variable")
        search = by_name.get("search", {})
        test.check(search.get("type") == "textbox", "tern-logs: needs a textbox variable search")
        loki = list(gd.loki_queries(board))
        test.check(any('|~ "$search"' in q.expr for q in loki),
                   'tern-logs: a Loki query must filter lines with |~ "$search"')
        test.check(any(re.search(r"sum by \(container_name\) \(count_over_time\(.*\[\$__interval\]\)\)",
                                 q.expr) for q in loki),
                   "tern-logs: needs log volume by container_name over $__interval")
        for var in gd.variables(board):
            if var.get("type") == "query" and gd.datasource_type(board, var.get("datasource")) == "loki":
                test.check(var.get("allValue") == ".+", f"tern-logs: Loki variable {var['name']} "
                           "needs allValue .+ (Loki rejects selectors that match empty values)")


def check_datasource_ref(test, board, where, ref):
    uid = ref.get("uid") if isinstance(ref, dict) else ref
    if uid in DATASOURCES or uid == GRAFANA_BUILTIN_UID:
        return
    match = re.fullmatch(r"\$\{?(\w+)\}?", uid or "")
    var = next((v for v in gd.variables(board) if match and v.get("name") == match.group(1)), None)
    test.check(var is not None and var.get("type") == "datasource",
               f"{board.get('uid')}: {where}: datasource {uid!r} is neither a provisioned uid "
               f"({', '.join(sorted(DATASOURCES))}) nor a datasource variable")
    if var is not None and isinstance(ref, dict) and ref.get("type"):
        test.check(ref["type"] == var.get("query"), f"{board.get('uid')}: {where}: datasource "
                   f"type {ref['type']} but variable {uid} is of type {var.get('query')}")


def check_panels(test, board):
    uid = board.get("uid")
    titles = []
    for panel in gd.all_panels(board):
        if panel.get("type") == "row":
            test.check(panel.get("title"), f"{uid}: a row without a title")
            continue
        title = panel.get("title", "")
        titles.append(title)
        where = f"panel {title!r}"
        test.check(title, f"{uid}: panel {panel.get('id')} has no title")
        test.check(len(panel.get("description", "")) >= 20,
                   f"{uid}: {where} needs a description")
        unit = ((panel.get("fieldConfig") or {}).get("defaults") or {}).get("unit")
        test.check(unit, f"{uid}: {where} has no unit (fieldConfig.defaults.unit)")
        test.check(panel.get("targets"), f"{uid}: {where} has no queries")
        check_datasource_ref(test, board, where, panel.get("datasource"))
        for target in panel.get("targets", []):
            if "datasource" in target:
                check_datasource_ref(test, board, f"{where} {target.get('refId')}",
                                     target["datasource"])
            kind = gd.datasource_type(board, target.get("datasource") or panel.get("datasource"))
            test.check(kind in ("prometheus", "loki"),
                       f"{uid}: {where} {target.get('refId')}: datasource type {kind}")
        ref_ids = [t.get("refId") for t in panel.get("targets", [])]
        test.check(len(ref_ids) == len(set(ref_ids)) and all(ref_ids),
                   f"{uid}: {where}: refIds must be set and unique: {ref_ids}")
    duplicates = {t for t in titles if titles.count(t) > 1}
    test.check(not duplicates, f"{uid}: panel titles must be unique (the live test names "
               f"queries by title): {sorted(duplicates)}")
    for annotation in board.get("annotations", {}).get("list", []):
        check_datasource_ref(test, board, f"annotation {annotation.get('name')!r}",
                             annotation.get("datasource"))


def panel_description(board, title):
    for panel in gd.all_panels(board):
        if panel.get("title") == title:
            return panel.get("description", "")
    return ""


def check_queries(test, board, documented, used_fixed_windows):
    uid = board.get("uid")
    known = set(documented) | set(SELF_METRICS)
    counters = {name for name, kind in documented.items() if kind == "counter"}
    for query in gd.raw_prometheus_queries(board):
        where = f"{uid}: {query.panel!r} {query.ref_id}"
        try:
            found = gd.selectors(query.expr)
        except ValueError as e:
            test.fail(f"{where}: {e}: {query.expr}")
            continue
        for selector in found:
            if selector.metric is None:
                test.fail(f"{where}: a selector without a metric name: {query.expr}")
                continue
            test.check(selector.metric in known,
                       f"{where}: metric {selector.metric} is not in docs/exporters/*.md's METRICS "
                       f"nor in the Prometheus/Alertmanager self-metrics allow-list")
            matchers = {(label, op, value) for label, op, value in selector.matchers}
            required = [("job", ("$job",)), ("instance", ("$instance",))]
            if query.panel == "variable job":
                required = []  # the list of jobs itself
            elif query.panel == "variable instance":
                required = required[:1]  # the servers of the selected jobs
            elif selector.metric in UNFILTERED_SELECTORS:
                required = UNFILTERED_SELECTORS[selector.metric][0]
            for label, accepted in required:
                test.check(any((label, "=~", value) in matchers for value in accepted),
                           f'{where}: {selector.metric} must be filtered by '
                           f'{label}=~"{accepted[0]}"')
        for metric in gd.metrics_outside(query.expr, counters, HIDDEN_COUNTER_FUNCTIONS):
            test.fail(f"{where}: counter {metric} used outside rate()/increase(): {query.expr}")
        for function, window in gd.rate_windows(query.expr):
            if window == "$__rate_interval":
                continue
            allowed = FIXED_RATE_WINDOWS.get((uid, query.panel))
            if allowed and allowed[0] == window:
                used_fixed_windows.add((uid, query.panel))
                description = panel_description(board, query.panel)
                test.check(re.search(r"\b" + re.escape(window.rstrip("dhms")), description)
                           and "deliberate" in description,
                           f"{where}: the description must say the {window} window is deliberate")
            else:
                test.fail(f"{where}: {function}() over [{window}], not [$__rate_interval] "
                          f"(or list it in FIXED_RATE_WINDOWS with a reason): {query.expr}")


def check_substitution_and_syntax(test, boards, yaml, tmp):
    queries = []
    for board in boards:
        for query in gd.prometheus_queries(board, {"instance": ["a-server", "b.server"]}):
            test.check("$" not in query.expr and "[[" not in query.expr,
                       f"{query.uid}: {query.panel!r} {query.ref_id}: variables left after "
                       f"substitution: {query.expr}")
            queries.append(query)
    test.require(queries, "no Prometheus queries found")
    if not os.path.exists(h.PROMTOOL):
        test.skip(f"{h.PROMTOOL} is not installed: PromQL syntax not checked")
        return
    rules = [{"record": f"tern:dashboard_query:{i}", "expr": q.expr} for i, q in enumerate(queries)]
    path = tmp.file("dashboard-queries.yml", yaml.safe_dump({"groups": [
        {"name": "dashboard-queries", "rules": rules}]}, sort_keys=False))
    code, out, err = h.run_command([h.PROMTOOL, "check", "rules", path], timeout=30)
    if code != 0:
        text = out + err
        failed = {int(m) for m in re.findall(r'rule (\d+), "tern:dashboard_query', text)}
        for index in sorted(failed):
            q = queries[index - 1]  # promtool counts rules from 1
            test.fail(f"{q.uid}: {q.panel!r} {q.ref_id}: promtool rejects: {q.expr}")
        if not failed:
            test.fail(f"promtool check rules failed:\n{text}")
    else:
        test.log(f"promtool parsed all {len(queries)} substituted queries")


def check_empty_list(test, boards, source_dir):
    """Each LEGITIMATELY_EMPTY entry names a real query, and grafana/README.md
    lists its panel."""
    existing = {(q.uid, q.panel, q.ref_id) for b in boards for q in gd.raw_prometheus_queries(b)}
    readme = read(os.path.join(source_dir, "grafana", "README.md"))
    for entry in gd.LEGITIMATELY_EMPTY:
        test.check((entry.uid, entry.panel, entry.ref_id) in existing,
                   f"LEGITIMATELY_EMPTY names no query: {entry.uid} {entry.panel!r} {entry.ref_id}")
        rows = [line for line in readme.splitlines() if line.startswith(f"| `{entry.needs}` |")]
        test.check(any(entry.uid in row and entry.panel in row for row in rows),
                   f"grafana/README.md's table of empty queries must name {entry.uid} "
                   f"{entry.panel!r} in its `{entry.needs}` row")


def body(args):
    def run(test):
        try:
            import yaml
        except ImportError:
            raise h.SkipTest("python3-yaml is not installed")
        source_dir = args.source_dir
        check_generator(test, source_dir)
        check_provisioning(test, source_dir, yaml)
        check_compose_mounts(test, source_dir, yaml)

        files = gd.dashboard_files(source_dir)
        test.check(all(os.sep in rel for rel in files),
                   f"every dashboard belongs in a folder (grafana/dashboards/<folder>/): {files}")
        boards = gd.load_dashboards(source_dir)
        uids = [b.get("uid") for b in boards]
        test.check(set(uids) == EXPECTED_UIDS and len(uids) == len(set(uids)),
                   f"dashboard uids {sorted(uids)}, expected {sorted(EXPECTED_UIDS)}, each once")
        titles = [b.get("title") for b in boards]
        test.check(len(titles) == len(set(titles)), f"dashboard titles must be unique: {titles}")
        documented = documented_metrics(source_dir)
        test.require(len(documented) > 100, "docs/exporters/*.md list too few metrics")
        used_fixed_windows = set()
        for board in boards:
            uid = board.get("uid")
            test.check(board.get("schemaVersion", 0) >= MIN_SCHEMA_VERSION,
                       f"{uid}: schemaVersion {board.get('schemaVersion')} < {MIN_SCHEMA_VERSION}")
            test.check(board.get("id") is None, f"{uid}: id must be null for provisioning")
            test.check("__inputs" not in board, f"{uid}: __inputs breaks file provisioning")
            check_variables(test, board)
            check_panels(test, board)
            check_queries(test, board, documented, used_fixed_windows)
        for key in set(FIXED_RATE_WINDOWS) - used_fixed_windows:
            test.fail(f"FIXED_RATE_WINDOWS entry not used any more: {key}")
        check_substitution_and_syntax(test, boards, yaml, h.TempDir())
        check_empty_list(test, boards, source_dir)
        count = sum(1 for b in boards for _ in gd.raw_prometheus_queries(b))
        test.log(f"{len(boards)} dashboards, {count} Prometheus queries, "
                 f"{sum(1 for b in boards for _ in gd.loki_queries(b))} Loki queries checked")

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", required=True, help="repository root")
    parser.add_argument("--timeout", type=float, default=55, help="seconds for the whole test")
    args = parser.parse_args()
    return h.run_test("grafana_dashboards_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
