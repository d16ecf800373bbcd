#!/usr/bin/env python3
"""Prints every node_* metric name a Grafana dashboard's queries use.

Queries are every "expr" anywhere in the JSON (panels, nested rows, legacy
rows[].panels, annotations) and the templating variables' query/definition
(label_values(node_uname_info{...}, job) and friends). Within a query,
string literals, label matchers, grouping clauses and Grafana variables are
removed first, so label names and values are never mistaken for metrics.

A name ending in _bucket is a histogram series: it is printed as its base
name, and so are <base>_sum and <base>_count for that base. Every other name
is printed as written in the query.

Usage: extract_node_metrics.py [dashboard.json] > names.txt
Default dashboard: ../shared/reference/dashboards/node-exporter-full.json
relative to the repository root.
"""

import argparse
import json
import os
import re
import sys

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
DEFAULT_DASHBOARD = os.path.join(REPO_ROOT, "..", "shared", "reference", "dashboards", "node-exporter-full.json")
DEFAULT_SOURCE = (
    "rfmoz/grafana-dashboards @4b1729d, prometheus/node-exporter-full.json "
    '(grafana.com dashboard 1860, "Node Exporter Full"), Apache-2.0'
)

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\[\[[^\]]*\]\]|\$\w+")
_MATCHERS = re.compile(r"\{[^{}]*\}")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
# label_values(metric-or-selector, label): the last argument is a label.
_LABEL_VALUES = re.compile(r"\blabel_values\s*\(([^()]*?)(?:,\s*[A-Za-z_]\w*\s*)?\)")
_METRIC = re.compile(r"(?<![\w:.$])node_[A-Za-z0-9_:]*")


def queries(dashboard):
    """Every PromQL string in the dashboard."""
    found = []

    def walk(node, in_templating=False):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    found.append(value)
                elif in_templating and key in ("query", "definition"):
                    if isinstance(value, str):
                        found.append(value)
                    elif isinstance(value, dict) and isinstance(value.get("query"), str):
                        found.append(value["query"])
                walk(value, in_templating or key == "templating")
        elif isinstance(node, list):
            for item in node:
                walk(item, in_templating)

    walk(dashboard)
    return found


def metric_names(query):
    text = _STRING.sub(" ", query)
    text = _GRAFANA_VARIABLE.sub(" ", text)
    # Matchers hold label names; grouping clauses hold label names.
    text = _MATCHERS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _LABEL_VALUES.sub(lambda m: " " + m.group(1) + " ", text)
    return set(_METRIC.findall(text))


def histogram_bases(names):
    """Collapses a histogram's _bucket/_sum/_count series to its base name."""
    bases = {n[: -len("_bucket")] for n in names if n.endswith("_bucket")}
    out = set()
    for name in names:
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in bases:
                name = name[: -len(suffix)]
                break
        out.add(name)
    return out


def extract(path):
    with open(path) as f:
        dashboard = json.load(f)
    names = set()
    for query in queries(dashboard):
        names |= metric_names(query)
    return sorted(histogram_bases(names))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dashboard", nargs="?", default=DEFAULT_DASHBOARD)
    parser.add_argument("--source", help="where the dashboard comes from, for the header")
    args = parser.parse_args()
    if not os.path.exists(args.dashboard):
        print(f"{args.dashboard}: not found (is ../shared beside the checkout?)", file=sys.stderr)
        return 1
    source = args.source
    if source is None:
        is_default = os.path.exists(DEFAULT_DASHBOARD) and os.path.samefile(args.dashboard, DEFAULT_DASHBOARD)
        source = DEFAULT_SOURCE if is_default else args.dashboard
    names = extract(args.dashboard)
    print(f"# node_* metric names queried by the Grafana dashboard {os.path.basename(args.dashboard)}")
    print(f"# Source: {source}")
    print("# Written by tests/node/dashboard/extract_node_metrics.py; used by")
    print("# tests/integration/node_dashboard_test.py. Regenerate, do not edit.")
    for name in names:
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
