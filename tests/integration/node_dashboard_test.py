#!/usr/bin/env python3
"""The "Node Exporter Full" dashboard on this host: every node_* name its
queries use (the committed list tests/node/dashboard/node-exporter-full.metrics.txt)
that node_exporter 1.5 produces here with our 23 collectors must also be
produced by tern-node. Names from collectors tern-node does not have yet are
printed as not yet implemented.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def read_names(path):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def produced(families):
    """Family names and sample names: a histogram listed by its base name
    and a plain series both count."""
    return set(families) | h.all_sample_names(families)


def body(args):
    def run(test):
        list_path = os.path.join(args.source_dir, "tests", "node", "dashboard", "node-exporter-full.metrics.txt")
        names = read_names(list_path)
        test.require(names, f"{list_path} lists no names")
        tmp = h.TempDir()
        ne, ours, implemented = h.run_side_by_side(args.binary, test, tmp)
        ne_names, our_names = produced(ne), produced(ours)

        not_here, not_yet, ok = [], {}, []
        for name in names:
            if name not in ne_names:
                not_here.append(name)
                continue
            collector = h.collector_of(name)
            if name in our_names:
                ok.append(name)
            elif collector is None or collector in implemented:
                test.fail(f"{name}: the dashboard uses it, node_exporter produces it here, tern-node does not "
                          f"(collector {collector or 'runtime'})")
            else:
                not_yet.setdefault(collector, []).append(name)
        for collector, missing in sorted(not_yet.items()):
            test.skip(f"collector {collector} not yet implemented: {' '.join(missing)}")
        test.log(f"{len(names)} dashboard names: {len(ok)} produced by both, "
                 f"{sum(map(len, not_yet.values()))} waiting for collectors, "
                 f"{len(not_here)} not produced by node_exporter on this host with these collectors")
        test.log("not produced by node_exporter here: " + " ".join(not_here))

    return run


def main():
    args = h.parse_args(__doc__.splitlines()[0])
    return h.run_test("node_dashboard_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
