#!/usr/bin/env python3
"""Renders this folder's Prometheus configuration for a Prometheus on loopback.

The central configuration (prometheus.yml, rules/) is used as is; only what
points at the fleet changes: every targets/<job>.yml is rewritten to the
addresses given here (jobs given none get an empty list, so no example server
is ever contacted), and the scrape and evaluation intervals can be shortened.
scripts/run-local and the live-stack test (tests/integration/stack_live_test.py)
both use it, so they run the same configuration users deploy.

    render_local.py --out DIR --target node=127.0.0.1:9100 \
        --target alertmanager=127.0.0.1:9093 [--server-name local] [--interval 5s]

Python 3 with python3-yaml (Debian's package).
"""

import argparse
import os
import shutil
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))


def target_files(config):
    """{job name: [target file path relative to the config]} from file_sd."""
    files = {}
    for job in config.get("scrape_configs", []):
        for sd in job.get("file_sd_configs", []):
            files.setdefault(job["job_name"], []).extend(sd.get("files", []))
    return files


def render(out_dir, targets, server_name="local", server_role="local", interval=None,
           source_dir=HERE):
    """Writes prometheus.yml, targets/ and rules/ into out_dir; returns the
    path of the rendered prometheus.yml. `targets` maps a job name to a list
    of host:port strings."""
    with open(os.path.join(source_dir, "prometheus.yml")) as f:
        config = yaml.safe_load(f)
    known = target_files(config)
    unknown = sorted(set(targets) - set(known))
    if unknown:
        raise ValueError(f"no such job in prometheus.yml: {', '.join(unknown)}")
    if interval:
        config["global"].update(scrape_interval=interval, evaluation_interval=interval,
                                scrape_timeout=interval)

    os.makedirs(os.path.join(out_dir, "targets"), exist_ok=True)
    labels = {"__server_name": server_name, "server_role": server_role}
    # The alerting section reads targets/alertmanager.yml too: one file per
    # path, whichever job names it.
    written = {}
    for job, paths in known.items():
        for path in paths:
            entries = written.setdefault(path, [])
            if targets.get(job):
                entries.append({"targets": list(targets[job]), "labels": labels})
    for path, entries in written.items():
        with open(os.path.join(out_dir, path), "w") as f:
            yaml.safe_dump(entries, f)

    rules_out = os.path.join(out_dir, "rules")
    shutil.rmtree(rules_out, ignore_errors=True)
    shutil.copytree(os.path.join(source_dir, "rules"), rules_out)
    rendered = os.path.join(out_dir, "prometheus.yml")
    with open(rendered, "w") as f:
        f.write("# Rendered by prometheus/render_local.py from the repository's prometheus.yml.\n")
        yaml.safe_dump(config, f, sort_keys=False)
    return rendered


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="directory to write into")
    parser.add_argument("--target", action="append", default=[], metavar="JOB=HOST:PORT",
                        help="a target for a job (repeatable)")
    parser.add_argument("--server-name", default="local", help="the instance label (local)")
    parser.add_argument("--server-role", default="local", help="the server_role label (local)")
    parser.add_argument("--interval", help="scrape and evaluation interval, e.g. 5s")
    args = parser.parse_args()
    targets = {}
    for spec in args.target:
        job, sep, address = spec.partition("=")
        if not sep or not address:
            parser.error(f"--target {spec!r}: expected JOB=HOST:PORT")
        targets.setdefault(job, []).append(address)
    try:
        print(render(args.out, targets, args.server_name, args.server_role, args.interval))
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"render_local.py: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
