#!/usr/bin/env python3
"""End to end: tern-node with its default collectors against the fixture tree
tests/fixtures/node/, /metrics compared with tests/node/golden/e2e-output.prom,
then `promtool check metrics` on the full output.

Rewrite the golden file with --update or UPDATE_GOLDEN=1, then read the diff.

promtool's lint standard is node_exporter's own: a lint line about our output
is accepted only if promtool prints the same line for node_exporter 1.5's
output with the same collectors, on this host or on the same fixture tree.
"""

import difflib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

# Families that change on every run or name the build: not in the golden.
DROPPED_FAMILY = re.compile(
    r"^(process_|promhttp_|go_|node_time_|node_timex_)"
    r"|_build_info$"
    r"|^node_scrape_collector_duration_seconds$"
)
# Values read from the real host even with --path.* pointing at fixtures:
# statfs() of the mount points and the textfile files' mtimes. The series
# stay in the golden, their values are written as 0.
HOST_VALUES = {
    "node_filesystem_avail_bytes",
    "node_filesystem_free_bytes",
    "node_filesystem_size_bytes",
    "node_filesystem_files",
    "node_filesystem_files_free",
    "node_textfile_mtime_seconds",
}
# uname(2) describes the machine running the test: label names are kept,
# their values masked.
HOST_LABELS = {"node_uname_info"}

GOLDEN_HEADER = """\
# tern-node end-to-end output on tests/fixtures/node, written by
# tests/integration/node_e2e_test.py --update (or UPDATE_GOLDEN=1).
# Left out as volatile: process_*, promhttp_*, *_build_info, node_time_*,
# node_timex_*, node_scrape_collector_duration_seconds.
# Host-dependent values written as 0: {values}.
# Host-dependent label values written as "masked": {labels}.
""".format(values=", ".join(sorted(HOST_VALUES)), labels=", ".join(sorted(HOST_LABELS)))


def fixture_args(source_dir, tmp):
    fixtures = os.path.join(source_dir, "tests", "fixtures", "node")
    args = [
        f"--path.procfs={fixtures}/proc",
        f"--path.sysfs={fixtures}/sys",
        f"--path.rootfs={fixtures}/rootfs",
        f"--path.udev.data={fixtures}/udev/data",
        # Netlink would report this host's interfaces (docker0 comes and
        # goes with dockerd); the fixture's net/dev is what is compared.
        "--no-collector.netdev.netlink",
    ]
    textfile_dir = os.path.join(fixtures, "textfile")
    if not os.path.isdir(textfile_dir):
        textfile_dir = os.path.join(tmp.path, "textfile-empty")
        os.makedirs(textfile_dir, exist_ok=True)
    return args, textfile_dir


def normalise(families):
    kept = {}
    for name, family in families.items():
        if DROPPED_FAMILY.search(name):
            continue
        if name in HOST_VALUES:
            for sample in family.samples:
                sample.value = "0"
        if name in HOST_LABELS:
            for sample in family.samples:
                sample.labels = {k: "masked" for k in sample.labels}
        kept[name] = family
    return kept


def lint_lines(text, test, who):
    """promtool check metrics on text: (lint lines, parse error or None)."""
    code, out, err = h.run_command([h.PROMTOOL, "check", "metrics"], timeout=20, input_text=text)
    lines = [l for l in (out + err).splitlines() if l.strip()]
    if code not in (0, 3) or any(l.startswith("error") for l in lines):
        return set(lines), f"promtool exit code {code} on {who}'s output: " + "; ".join(lines[:5])
    return set(lines), None


def body(args):
    def run(test):
        tmp = h.TempDir()
        paths, textfile_dir = fixture_args(args.source_dir, tmp)
        tern_args = list(paths)
        if h.tern_has_flag(args.binary, "--collector.textfile.directory"):
            tern_args.append(f"--collector.textfile.directory={textfile_dir}")
        tern, port = h.start_tern(args.binary, tern_args)
        text = h.scrape(port, timeout=20)
        code = tern.stop()
        test.check(code == 0, f"tern-node exited {code} on SIGTERM")

        families = h.parse_exposition(text)
        success = h.collector_success(families)
        test.log(f"collectors: {', '.join(f'{c}={v:g}' for c, v in sorted(success.items()))}")
        available = h.tern_collectors(args.binary)
        missing = [c for c in h.NODE_COLLECTORS if c not in available]
        if missing:
            test.skip(f"not yet implemented in tern-node (not in the golden): {' '.join(missing)}")

        actual = GOLDEN_HEADER + h.render_exposition(normalise(families))
        golden_path = os.path.join(args.source_dir, "tests", "node", "golden", "e2e-output.prom")
        if args.update or os.environ.get("UPDATE_GOLDEN") == "1":
            os.makedirs(os.path.dirname(golden_path), exist_ok=True)
            with open(golden_path, "w") as f:
                f.write(actual)
            test.log(f"wrote {golden_path}")
        elif not os.path.exists(golden_path):
            test.fail(f"{golden_path} does not exist; run with UPDATE_GOLDEN=1 and review it")
        else:
            with open(golden_path) as f:
                expected = f.read()
            if expected != actual:
                diff = list(
                    difflib.unified_diff(
                        expected.splitlines(), actual.splitlines(), "golden", "tern-node", lineterm="", n=1
                    )
                )
                shown = "\n".join(diff[:200]) + ("\n..." if len(diff) > 200 else "")
                golden_collectors = set(re.findall(r'collector="([^"]+)"', expected))
                new = sorted(set(success) - golden_collectors)
                hint = (
                    f" (collectors not in the golden yet: {' '.join(new)})" if new else ""
                ) + "; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff"
                test.fail(f"output differs from {golden_path}{hint}\n{shown}")
            else:
                test.log(f"golden matches ({len(actual.splitlines())} lines)")

        # promtool on the full output, held to node_exporter's standard.
        if not os.access(h.PROMTOOL, os.X_OK):
            test.skip(f"promtool check metrics: {h.PROMTOOL} is not installed")
            return
        ours, error = lint_lines(text, test, "tern-node")
        if error:
            test.fail(error)
            return
        if not ours:
            test.log("promtool check metrics: clean")
            return
        if not os.access(h.NODE_EXPORTER, os.X_OK):
            test.skip(f"{len(ours)} promtool lint line(s) not judged: {h.NODE_EXPORTER} is not installed")
            return
        allowed = set()
        ne_textfile = os.path.join(tmp.path, "ne-textfile-empty")
        os.makedirs(ne_textfile, exist_ok=True)
        collectors = ["--collector.disable-defaults"] + [f"--collector.{c}" for c in h.NODE_COLLECTORS]
        for where, extra in (
            ("fixture tree", paths + [f"--collector.textfile.directory={textfile_dir}"]),
            ("this host", [f"--collector.textfile.directory={ne_textfile}"]),
        ):
            ne, ne_port = h.start_node_exporter(collectors + extra)
            ne_text = h.scrape(ne_port, timeout=20)
            ne.stop()
            lines, ne_error = lint_lines(ne_text, test, f"node_exporter ({where})")
            if ne_error:
                test.fail(ne_error)
            allowed |= lines
        extra_lint = sorted(ours - allowed)
        test.log(
            f"promtool check metrics: {len(ours)} lint line(s), "
            f"{len(ours) - len(extra_lint)} also printed for node_exporter's output"
        )
        kinds = {}
        for line in ours & allowed:
            kind = line.split(" ", 1)[1] if " " in line else line
            kinds[kind] = kinds.get(kind, 0) + 1
        for kind, count in sorted(kinds.items()):
            test.log(f"  {count} x (as for node_exporter): {kind}")
        for line in extra_lint:
            test.fail(f"promtool lint not seen for node_exporter: {line}")

    return run


def main():
    args = h.parse_args(
        __doc__.splitlines()[0],
        lambda p: p.add_argument("--update", action="store_true", help="rewrite the golden file"),
    )
    return h.run_test("node_e2e_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
