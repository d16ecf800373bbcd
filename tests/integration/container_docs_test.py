#!/usr/bin/env python3
"""docs/exporters/container.md against a live tern-container.

The metric table needs containers to exist, so this starts one running
container with a CPU quota, a memory limit and compose labels from the test
image, then hands over to docs_test.py. Docker labels are switched off for the
run (--no-container.store-labels) so the table does not depend on which other
containers the daemon holds; container_label_* is described in the page.

usage: container_docs_test.py BINARY PAGE [--update]
"""
import os
import subprocess
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import docker_env  # noqa: E402

# Every family the table must show; docs_test waits until they appear.
WAIT_FOR = ",".join([
    "container_cpu_cfs_periods_total", "container_memory_usage_bytes", "container_state",
    "container_network_receive_bytes_total", "container_fs_usage_bytes", "container_last_seen",
    "container_exporter_docker_up",
])


def main():
    binary, page, *rest = sys.argv[1:]
    try:
        docker_env.require()
    except docker_env.Unavailable as e:
        print(f"SKIPPED: {e}")
        return docker_env.SKIP_EXIT_CODE
    name = f"tern-docs-{uuid.uuid4().hex[:8]}"
    docker_env.docker("run", "-d", "--name", name, "--cpus", "0.5", "--memory", "64m",
                      "--label", "com.docker.compose.project=docs",
                      "--label", "com.docker.compose.service=web",
                      docker_env.IMAGE, "sh", "-c", "echo data > /written; sleep 600")
    try:
        return subprocess.call([
            sys.executable, os.path.join(HERE, "docs_test.py"), binary, page, *rest,
            "--prefixes", "container_,process_,promhttp_", "--wait-for", WAIT_FOR, "--",
            "--no-container.store-labels", "--collector.disk.interval=1",
        ])
    finally:
        docker_env.docker("rm", "-f", name, check=False)


if __name__ == "__main__":
    sys.exit(main())
