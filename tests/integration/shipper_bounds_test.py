#!/usr/bin/env python3
"""tern-shipper's memory stays bounded whatever the input: a thousand files,
a million short lines in one file, and a 10 MiB line without a newline (cut
at the line limit, the rest skipped up to its newline). Every line arrives,
and the shipper's peak resident memory stays under a fixed bound.

fake_loki.py stands in for Loki (none runs on test machines), counting
entries only. No Docker needed.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_loki  # noqa: E402
import harness as h  # noqa: E402
import shipper_common as sc  # noqa: E402

FILES = 1000
LINES_PER_FILE = 5
SHORT_LINES = 1_000_000
HUGE_LINE = 10 * 1024 * 1024
# Generous against the 20 MiB benchmark target: this test is about memory not
# growing with the input, which without a bound would take well over 100 MiB.
PEAK_BOUND_MIB = 40


def vm_hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def body(args):
    def run(test):
        sc.require_binary(args.binary)
        tmp = h.TempDir()
        logs = os.path.join(tmp.path, "logs")
        os.makedirs(logs)
        for i in range(FILES):
            with open(os.path.join(logs, f"small-{i:04d}.log"), "w") as f:
                f.write("".join(f"small {i} {n}\n" for n in range(LINES_PER_FILE)))
        with open(os.path.join(logs, "many.log"), "w") as f:
            f.write("".join(f"short {n}\n" for n in range(SHORT_LINES)))
        huge = os.path.join(logs, "huge.log")
        with open(huge, "w") as f:
            f.write("x" * HUGE_LINE)  # no newline yet
        loki = fake_loki.FakeLoki(count_only=True, log=test.log).start()
        config = os.path.join(tmp.path, "shipper.yaml")
        with open(config, "w") as f:
            f.write(sc.config_text(loki.url, os.path.join(tmp.path, "positions"),
                                   files_glob=os.path.join(logs, "*.log"), batchsize=1048576))
        shipper = sc.Shipper(args.binary, config).start()
        try:
            expected = FILES * LINES_PER_FILE + SHORT_LINES + 1  # + the cut huge line
            deadline = time.monotonic() + 120
            while loki.stats()["entries"] < expected and time.monotonic() < deadline:
                time.sleep(0.2)
            with open(huge, "a") as f:
                f.write("\nafter the huge line\n")
            expected += 1
            while loki.stats()["entries"] < expected and time.monotonic() < deadline:
                time.sleep(0.2)
            got = loki.stats()["entries"]
            test.check(got == expected, f"{got} entries arrived, want {expected}")
            truncated = shipper.metric_sum("tern_shipper_lines_truncated_total")
            test.check(truncated == 1, f"tern_shipper_lines_truncated_total {truncated}, want 1")
            active = shipper.metric_sum("promtail_files_active_total")
            test.check(active == FILES + 2, f"promtail_files_active_total {active}, want {FILES + 2}")
            peak = vm_hwm_mib(shipper.pid)
            test.log(f"{got} entries from {FILES + 2} files; peak resident memory {peak:.1f} MiB")
            test.check(peak < PEAK_BOUND_MIB, f"peak resident memory {peak:.1f} MiB, bound {PEAK_BOUND_MIB} MiB")
            test.check(shipper.stop() == 0, "tern-shipper did not exit 0 on SIGTERM")
        finally:
            if shipper.alive():
                shipper.stop()
            loki.stop()

    return run


def main():
    args = sc.parse_args(__doc__.splitlines()[0], timeout=170)
    return h.run_test("shipper_bounds_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
