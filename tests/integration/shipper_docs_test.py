#!/usr/bin/env python3
"""docs/exporters/shipper.md against a live tern-shipper.

Starts fake_loki (a stand-in for Loki: none runs on test machines), writes a
config with one host-file target whose pipeline has a metrics stage, and one
line for it to count, then hands over to docs_test.py.

usage: shipper_docs_test.py BINARY PAGE [--update]
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fake_loki  # noqa: E402

WAIT_FOR = ",".join([
    "promtail_read_lines_total", "promtail_sent_entries_total", "promtail_request_duration_seconds_bucket",
    "promtail_custom_docs_lines_total",
])


def main():
    binary, page, *rest = sys.argv[1:]
    loki = fake_loki.FakeLoki(port=0)
    loki.start()
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "app.log")
        with open(log, "w") as f:
            f.write("level=error msg=\"docs\"\n")
        config = os.path.join(tmp, "config.yaml")
        with open(config, "w") as f:
            f.write(f"""positions:
  filename: {tmp}/positions
clients:
  - url: {loki.url}
scrape_configs:
  - job_name: docs
    static_configs:
      - labels: {{__path__: "{tmp}/*.log"}}
    pipeline_stages:
      - regex: {{expression: 'level=(?P<level>\\w+)'}}
      - metrics:
          docs_lines_total:
            type: Counter
            description: Lines seen by the docs run.
            source: level
            config: {{action: inc}}
""")
        try:
            return subprocess.call([
                sys.executable, os.path.join(HERE, "docs_test.py"), binary, page, *rest,
                "--prefixes", "promtail_,tern_shipper_,process_,promhttp_",
                "--wait-for", WAIT_FOR, "--", f"--config.file={config}",
            ])
        finally:
            loki.stop()


if __name__ == "__main__":
    sys.exit(main())
