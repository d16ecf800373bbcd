#!/usr/bin/env python3
"""The dockprom "Docker Containers" dashboard on a live tern-container: every
container_* series selector its queries use (the committed list
tests/fixtures/dashboards/dockprom-docker-containers.selectors.txt) must
select at least one series of a running container, so no panel says
"No data".

Selectors, not just names: the per-container panels filter with
`{image!="",container_label_org_label_schema_group=""}`. The second matcher
names a Docker label (dockprom's monitoring stack marks its own containers
with org.label-schema.group), not a metric: `=""` selects every series that
lacks the label, so the exporter passes by not having it on ordinary
containers. container_label_* names are therefore never required as metrics
or labels; the matchers are evaluated against the scraped series instead.
machine_cpu_cores, which the dashboard also queries, is a cAdvisor machine
metric, not a container_* one, and is outside this list.

The list is extracted from ../shared/reference/dashboards/dockprom-docker-containers.json
beside the checkout with --update (the dashboard itself is not copied into
the repository); when that file is present the test also fails if the list
is out of date. Skips (77) when no Docker daemon answers.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import container_common as cc  # noqa: E402
import harness as h  # noqa: E402

LIST = os.path.join("tests", "fixtures", "dashboards", "dockprom-docker-containers.selectors.txt")
DASHBOARD = os.path.join("..", "shared", "reference", "dashboards", "dockprom-docker-containers.json")
SOURCE = "stefanprodan/dockprom @61b7267, grafana/provisioning/dashboards/ (\"Docker Containers\"), MIT"

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SELECTOR = re.compile(r'(?<![\w:])(container_[A-Za-z0-9_:]*)\s*(\{(?:[^{}"]|"(?:[^"\\]|\\.)*")*\})?')
_MATCHER = re.compile(r'\s*([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")


def queries(dashboard):
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "expr" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(dashboard)
    return found


def selectors_of(query):
    """container_* selectors of a query, matchers normalised; label names in
    grouping clauses are not selectors."""
    query = _GROUPING.sub(" ", query)
    found = set()
    for match in _SELECTOR.finditer(query):
        name, braces = match.group(1), match.group(2)
        matchers = parse_matchers(braces) if braces else []
        inside = ",".join(f'{label}{op}"{value}"' for label, op, value in matchers)
        found.add(f"{name}{{{inside}}}" if inside else name)
    return found


def parse_matchers(braces):
    body = braces.strip()[1:-1]
    matchers, pos = [], 0
    while pos < len(body):
        match = _MATCHER.match(body, pos)
        if not match:
            raise ValueError(f"cannot read matchers {braces!r}")
        matchers.append((match.group(1), match.group(2), match.group(3)))
        pos = match.end()
    return matchers


def extract(path):
    with open(path) as f:
        dashboard = json.load(f)
    selectors = set()
    for query in queries(dashboard):
        selectors |= selectors_of(query)
    return sorted(selectors)


def render(selectors):
    header = [
        "# container_* series selectors queried by the Grafana dashboard dockprom-docker-containers.json",
        f"# Source: {SOURCE}",
        "# Written by tests/integration/container_dashboard_test.py --update; regenerate, do not edit.",
    ]
    return "\n".join(header + selectors) + "\n"


def read_list(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def matches(sample, matchers):
    for label, op, value in matchers:
        have = sample.labels.get(label, "")
        if op == "=" and have != value:
            return False
        if op == "!=" and have == value:
            return False
        if op == "=~" and not re.fullmatch(value, have):
            return False
        if op == "!~" and re.fullmatch(value, have):
            return False
    return True


def selected(families, selector, name):
    """Series of container `name` that `selector` selects."""
    metric, _, braces = selector.partition("{")
    matchers = parse_matchers("{" + braces) if braces else []
    return [s for s in cc.of_container(families, metric, name) if matches(s, matchers)]


# The collector behind each dashboard metric, for "not yet implemented".
COLLECTOR_PREFIXES = (("container_cpu_", "cpu"), ("container_memory_", "memory"),
                      ("container_network_", "network"), ("container_fs_usage_", "disk"))


def collector_of(metric):
    for prefix, collector in COLLECTOR_PREFIXES:
        if metric.startswith(prefix):
            return collector
    return None


def body(args):
    def run(test):
        list_path = os.path.join(args.source_dir, LIST)
        dashboard = os.path.join(args.source_dir, DASHBOARD)
        if args.update:
            test.require(os.path.exists(dashboard), f"{dashboard} not found (is ../shared beside the checkout?)")
            os.makedirs(os.path.dirname(list_path), exist_ok=True)
            with open(list_path, "w") as f:
                f.write(render(extract(dashboard)))
            test.log(f"wrote {list_path}")
            return
        selectors = read_list(list_path)
        test.require(selectors, f"{list_path} lists no selectors")
        if os.path.exists(dashboard):
            test.check(extract(dashboard) == selectors,
                       f"{list_path} is out of date with {dashboard}: rewrite it with --update")
        cc.require_docker()
        test.require(os.access(args.binary, os.X_OK), f"{args.binary} is not an executable")
        available = h.tern_collectors(args.binary)
        not_yet = [s for s in selectors if collector_of(s.partition("{")[0]) not in available]
        for selector in not_yet:
            test.skip(f"{selector}: collector {collector_of(selector.partition('{')[0])} not yet implemented")
        selectors = [s for s in selectors if s not in not_yet]
        with cc.Containers(test) as c:
            # Some CPU, so rate() over the counters has something to show.
            name = c.run("dash", ["sh", "-c", "while :; do :; done"], ["--cpus", "0.1"])
            process, port = cc.start_exporter(args.binary)
            state = {}

            def all_selected():
                state["families"] = cc.scrape(port)
                state["missing"] = [s for s in selectors if not selected(state["families"], s, name)]
                return not state["missing"]

            # container_fs_usage_bytes is measured in the background: allow
            # the first measurement to land.
            try:
                cc.wait_until(all_selected, 30, interval=1, what="every selector answered")
            except TimeoutError:
                pass
            families = state["families"]
            for selector in state["missing"]:
                metric = selector.partition("{")[0]
                any_series = cc.of_container(families, metric, name)
                why = (f"series exist but the matchers exclude them: {any_series[0].labels}" if any_series
                       else "no series for this container")
                test.fail(f"{selector}: the dashboard queries it, {why}")
            test.log(f"{len(selectors) - len(state['missing'])} of {len(selectors)} dashboard selectors "
                     f"select {name}")
            process.stop()

    return run


def main():
    def extra(parser):
        parser.set_defaults(timeout=120)
        parser.add_argument("--update", action="store_true", help="rewrite the selector list from the dashboard")

    args = h.parse_args(__doc__.splitlines()[0], extra)
    return h.run_test("container_dashboard_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
