#!/usr/bin/env python3
"""Keeps each binary's documentation page in step with the code.

The page docs/exporters/<name>.md has two generated sections, between marker
comments: the flags (the binary's own --help) and the metrics (name, type,
labels, help), taken from a real run of the binary against the fixture tree
with every optional collector and option switched on. This test regenerates
both and fails when the page differs; `--update` rewrites the page.

Families served from user content (textfile metrics) are left out: only
names with the exporter's own prefixes are documented.

usage: docs_test.py BINARY PAGE [--update] [--prefixes node_,process_]
                    [--wait-for NAME,NAME] -- EXTRA_ARGS...

--wait-for scrapes again (for up to 30 s) until those families appear, for
binaries that fill their state in the background (tern-container).
"""
import re
import subprocess
import sys
import time
import urllib.request

FLAGS_BEGIN = "<!-- BEGIN GENERATED FLAGS -->"
FLAGS_END = "<!-- END GENERATED FLAGS -->"
METRICS_BEGIN = "<!-- BEGIN GENERATED METRICS -->"
METRICS_END = "<!-- END GENERATED METRICS -->"


def scrape(binary, extra_args, wait_for=()):
    proc = subprocess.Popen(
        [binary, "--web.listen-address=127.0.0.1:0", *extra_args],
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 20
        address = None
        while time.time() < deadline and address is None:
            line = proc.stderr.readline()
            if not line:
                break
            match = re.search(r'msg="Listening on" address=(\S+)', line)
            if match:
                address = match.group(1)
        if address is None:
            raise SystemExit(f"{binary} did not start listening")
        deadline = time.time() + 30
        while True:
            with urllib.request.urlopen(f"http://{address}/metrics", timeout=20) as response:
                text = response.read().decode()
            missing = [n for n in wait_for if not re.search(rf"^{re.escape(n)}[{{ ]", text, re.M)]
            if not missing or time.time() > deadline:
                return text
            time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def metric_table(exposition, prefixes):
    families = {}
    order = []
    for line in exposition.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            families.setdefault(name, {"help": help_text, "type": "", "labels": set()})
            order.append(name)
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            families[name]["type"] = kind
        elif line and not line.startswith("#"):
            match = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s", line)
            if not match:
                continue
            name = match.group(1)
            base = name if name in families else re.sub(r"_(bucket|sum|count)$", "", name)
            for label in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', match.group(3) or ""):
                if label not in ("le", "quantile"):
                    families[base]["labels"].add(label)
    rows = ["| metric | type | labels | help |", "|---|---|---|---|"]
    for name in sorted(set(order)):
        if not name.startswith(prefixes):
            continue
        family = families[name]
        labels = ", ".join(f"`{l}`" for l in sorted(family["labels"]))
        help_text = family["help"].replace("|", "\\|")
        rows.append(f"| `{name}` | {family['type']} | {labels} | {help_text} |")
    return "\n".join(rows)


def replace_between(text, begin, end, body):
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"markers {begin} ... {end} missing")
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text)


def main():
    args = sys.argv[1:]
    extra = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    update = "--update" in args
    prefixes = ("node_", "process_", "promhttp_")
    if "--prefixes" in args:
        at = args.index("--prefixes")
        prefixes = tuple(args[at + 1].split(","))
        del args[at:at + 2]
    wait_for = ()
    if "--wait-for" in args:
        at = args.index("--wait-for")
        wait_for = tuple(args[at + 1].split(","))
        del args[at:at + 2]
    binary, page = [a for a in args if a != "--update"][:2]

    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    flags = "```text\n" + help_text.rstrip() + "\n```"
    metrics = metric_table(scrape(binary, extra, wait_for), prefixes)

    with open(page) as f:
        current = f.read()
    wanted = replace_between(current, FLAGS_BEGIN, FLAGS_END, flags)
    wanted = replace_between(wanted, METRICS_BEGIN, METRICS_END, metrics)
    return check_or_update(page, current, wanted, update)


def check_or_update(page, current, wanted, update):
    """0 when the page holds what was generated (or was rewritten with
    --update); otherwise prints the difference and returns 1."""
    if wanted == current:
        print(f"{page} is up to date")
        return 0
    if update:
        with open(page, "w") as f:
            f.write(wanted)
        print(f"rewrote {page}")
        return 0
    import difflib
    sys.stdout.writelines(difflib.unified_diff(
        current.splitlines(True), wanted.splitlines(True), page, page + " (generated)"))
    print(f"\n{page} is out of date: run this test with --update (see tests/integration/CMakeLists.txt)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
