#!/usr/bin/env python3
"""A real Prometheus (Debian's /usr/bin/prometheus) scrapes tern-node every
second on 127.0.0.1; queries through its HTTP API must return data.

This is what users run: Prometheus' own Accept and
X-Prometheus-Scrape-Timeout-Seconds headers, gzip, and its text parser.
"""

import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

WAIT_SECONDS = 30


def start_prometheus(tmp, target_port):
    config = tmp.file(
        "prometheus.yml",
        "global:\n"
        "  scrape_interval: 1s\n"
        "  scrape_timeout: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: node\n"
        "    static_configs:\n"
        f"      - targets: ['{h.LOOPBACK}:{target_port}']\n",
    )
    return h.start_on_free_port(
        lambda port: [
            h.PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={os.path.join(tmp.path, 'data')}",
            f"--web.listen-address={h.LOOPBACK}:{port}",
            "--log.level=warn",
        ],
        "prometheus", timeout=WAIT_SECONDS)


def query(port, promql):
    url = f"http://{h.LOOPBACK}:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    response = h.fetch(url, timeout=5)
    if response.status != 200:
        raise RuntimeError(f"query {promql!r}: HTTP {response.status}: {response.text[:300]}")
    answer = json.loads(response.text)
    if answer.get("status") != "success":
        raise RuntimeError(f"query {promql!r}: {answer}")
    return answer["data"]["result"]


def wait_for_result(port, promql, timeout=WAIT_SECONDS, ok=lambda result: bool(result)):
    """Polls a query until it returns data; returns the result or None."""
    deadline = time.monotonic() + timeout
    result = []
    while time.monotonic() < deadline:
        result = query(port, promql)
        if ok(result):
            return result
        time.sleep(0.5)
    return None


def body(args):
    def run(test):
        h.require_program(h.PROMETHEUS)
        tmp = h.TempDir()
        # The real host, like a user's; the default collectors.
        tern, tern_port = h.start_tern(args.binary, [])
        available = h.tern_collectors(args.binary)
        prometheus, port = start_prometheus(tmp, tern_port)
        test.log(f"tern-node on {tern_port}, Prometheus on {port}")

        up = wait_for_result(port, 'up{job="node"} == 1')
        if not up:
            targets = h.fetch(f"http://{h.LOOPBACK}:{port}/api/v1/targets").text
            test.require(False, f'up{{job="node"}} did not become 1 within {WAIT_SECONDS} s; targets: {targets[:1000]}')
        test.log('up{job="node"} == 1')

        targets = json.loads(h.fetch(f"http://{h.LOOPBACK}:{port}/api/v1/targets").text)
        for target in targets["data"]["activeTargets"]:
            test.check(not target.get("lastError"), f"scrape error reported by Prometheus: {target.get('lastError')}")

        samples = query(port, 'scrape_samples_scraped{job="node"}')
        test.check(samples and float(samples[0]["value"][1]) > 0, f"scrape_samples_scraped: {samples}")

        success = wait_for_result(port, 'node_scrape_collector_success{job="node"}', timeout=5)
        test.check(success, "node_scrape_collector_success returned no data")
        if success:
            reported = sorted(r["metric"].get("collector") for r in success)
            failed = sorted(r["metric"].get("collector") for r in success if r["value"][1] != "1")
            test.log(f"node_scrape_collector_success: {len(reported)} collectors, failing here: {failed or 'none'}")

        if "loadavg" in available:
            load = wait_for_result(port, 'node_load1{job="node"}', timeout=5)
            test.check(load, "node_load1 returned no data")
        else:
            test.skip("node_load1: collector loadavg not yet implemented")

        # A counter that moves on every scrape, so rate() is checked even
        # before the cpu collector exists.
        rate = wait_for_result(
            port,
            'rate(promhttp_metric_handler_requests_total{job="node",code="200"}[5s])',
            ok=lambda r: bool(r) and float(r[0]["value"][1]) > 0,
        )
        test.check(rate, "rate(promhttp_metric_handler_requests_total[5s]) never became positive")

        if "cpu" in available:
            cpu = wait_for_result(port, 'rate(node_cpu_seconds_total{job="node"}[5s])')
            test.check(cpu, "rate(node_cpu_seconds_total[5s]) returned no data within 30 s")
            if cpu:
                test.log(f"rate(node_cpu_seconds_total[5s]): {len(cpu)} series")
        else:
            test.skip("rate(node_cpu_seconds_total[5s]): collector cpu not yet implemented")

        prometheus.stop()
        code = tern.stop()
        test.check(code == 0, f"tern-node exited {code} on SIGTERM")

    return run


def main():
    args = h.parse_args(__doc__.splitlines()[0])
    return h.run_test("node_prometheus_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
