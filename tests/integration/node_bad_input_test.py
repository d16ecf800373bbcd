#!/usr/bin/env python3
"""Bad input loses nothing: tern-node on a fixture tree with broken files.

A copy of tests/fixtures/node/ with a missing /proc/loadavg, a garbage
/proc/meminfo, a truncated /proc/stat, a textfile with a syntax error and
malformed /proc/net files from tests/fixtures/node-malformed/. Over several
scrapes: every answer is 200 and valid exposition text; the broken collectors
report success 0 and the intact ones 1; each failure is logged once (with
the path), not once per scrape; the bad textfile sets
node_textfile_scrape_error 1 while the good one is still served; and a
repaired file brings its collector back, with one "recovered" line.
"""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BROKEN = {"loadavg", "meminfo", "stat", "cpu", "arp", "softnet", "sockstat", "netstat"}
INTACT = {"vmstat", "pressure", "entropy", "filefd", "netclass", "uname", "os", "diskstats", "hwmon"}


def body(args):
    def run(test):
        tmp = h.TempDir()
        source = os.path.join(args.source_dir, "tests", "fixtures", "node")
        tree = os.path.join(tmp.path, "node")
        shutil.copytree(source, tree, symlinks=True)
        proc = os.path.join(tree, "proc")
        os.remove(os.path.join(proc, "loadavg"))
        with open(os.path.join(proc, "meminfo"), "w") as f:
            f.write("MemTotal: lots kB\n\x00\xff garbage\n")
        with open(os.path.join(proc, "stat"), "w") as f:
            f.write("cpu  abc def\nctxt many\nbtime soon\n")
        malformed = os.path.join(args.source_dir, "tests", "fixtures", "node-malformed", "proc", "net")
        for name in ("arp", "softnet_stat", "sockstat", "netstat"):
            shutil.copy(os.path.join(malformed, name), os.path.join(proc, "net", name))
        textfiles = os.path.join(tmp.path, "textfile")
        os.makedirs(textfiles)
        with open(os.path.join(textfiles, "good.prom"), "w") as f:
            f.write("# TYPE backup_ok gauge\nbackup_ok 1\n")
        with open(os.path.join(textfiles, "bad.prom"), "w") as f:
            f.write("backup_age_seconds{job=\"db\" 12\n")

        tern, port = h.start_tern(args.binary, [
            f"--path.procfs={proc}", f"--path.sysfs={tree}/sys", f"--path.rootfs={tree}/rootfs",
            f"--path.udev.data={tree}/udev/data", f"--collector.textfile.directory={textfiles}",
            "--no-collector.netdev.netlink"])
        for attempt in range(3):
            text = h.scrape(port, timeout=20)  # raises unless HTTP 200
            families = h.parse_exposition(text)  # raises on invalid exposition
        success = h.collector_success(families)
        for name in sorted(BROKEN):
            test.check(success.get(name) == 0, f"{name}: success {success.get(name)}, want 0")
        for name in sorted(INTACT):
            test.check(success.get(name) == 1, f"{name}: success {success.get(name)}, want 1")
        test.check("backup_ok" in families, "the good textfile is no longer served")
        test.check("backup_age_seconds" not in families, "the bad textfile was served")
        error = families.get("node_textfile_scrape_error")
        test.check(error is not None and error.samples[0].float_value() == 1,
                   "node_textfile_scrape_error is not 1")

        log = tern.stderr_text()
        for name in sorted(BROKEN):
            lines = re.findall(rf'msg="collector failed" collector={name} .*', log)
            test.check(len(lines) == 1, f"{name}: logged {len(lines)} times over 3 scrapes, want once")
        loadavg_line = re.search(r'collector=loadavg err="([^"]*)"', log)
        test.check(loadavg_line is not None and f"{proc}/loadavg" in loadavg_line.group(1),
                   "the loadavg failure does not name the path")

        shutil.copy(os.path.join(source, "proc", "loadavg"), os.path.join(proc, "loadavg"))
        families = h.parse_exposition(h.scrape(port, timeout=20))
        test.check(h.collector_success(families).get("loadavg") == 1, "loadavg did not recover")
        code = tern.stop()
        test.check(code == 0, f"tern-node exited {code} on SIGTERM")
        recovered = re.findall(r'msg="collector recovered" collector=loadavg', tern.stderr_text())
        test.check(len(recovered) == 1, f"recovery logged {len(recovered)} times, want once")

    return run


if __name__ == "__main__":
    arguments = h.parse_args(__doc__)
    sys.exit(h.run_test("node_bad_input_test", body(arguments), arguments.timeout))
