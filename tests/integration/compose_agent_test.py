#!/usr/bin/env python3
"""compose/edge-agent.yml's Prometheus agent, for real: its series reach the
central Prometheus with instance = the server's name and its server_role.

    compose_agent_test.py --binary build/exporters/node/tern-node --source-dir .

On 127.0.0.1: tern-node; a "central" Prometheus (Debian's) with
--web.enable-remote-write-receiver behind bcrypt basic auth (its web config,
as a TLS proxy would check it; without htpasswd the auth part is skipped);
and Prometheus in agent mode started through compose/scripts/agent-entrypoint.sh
exactly as the container starts it, from compose/edge-agent/agent.yml with
only its target ports (9100, 9338, 9080 -> this test's) and intervals (1 s)
changed. Checked on the central Prometheus: `up` of the three jobs (node,
container, shipper; the last two have no exporter here, so 0) and node_load1
arrive with instance="mail-01" and server_role="mail", and no series has a
host:port instance; the remote-write password came from the file the
entrypoint wrote (the receiver refuses requests without it).

Exit 77 when prometheus, python3-yaml or tern-node is missing.
"""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

try:
    import yaml
except ImportError:
    yaml = None

HTPASSWD = "/usr/bin/htpasswd"


def query(port, expression, auth):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    response = harness.fetch(url, headers=auth)
    if response.status != 200:
        raise RuntimeError(f"query {expression!r}: HTTP {response.status} {response.text[:200]}")
    return json.loads(response.text)["data"]["result"]


def body(test, args):
    harness.require_program(harness.PROMETHEUS)
    harness.require_program(args.binary)
    if yaml is None:
        raise harness.SkipTest("python3-yaml is not installed")
    compose_dir = os.path.join(os.path.realpath(args.source_dir), "compose")
    tmp = harness.TempDir(prefix="tern-agent-")

    # The central Prometheus: receiver only, nothing scraped.
    user, password = "edge", "remote write " + os.urandom(6).hex()
    auth = {}
    receiver_args = []
    if os.access(HTPASSWD, os.X_OK):
        code, out, err = harness.run_command([HTPASSWD, "-nbBC", "10", user, password])
        test.require(code == 0, f"htpasswd failed: {err}")
        hashed = out.strip().split(":", 1)[1]
        web = tmp.file("web.yml", yaml.safe_dump({"basic_auth_users": {user: hashed}}))
        receiver_args.append(f"--web.config.file={web}")

        auth = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    else:
        test.skip(f"{HTPASSWD} missing (apache2-utils): the receiver runs without basic auth")
    central_port = harness.free_port()
    central_config = tmp.file("central.yml", "global:\n  scrape_interval: 1s\n")
    central = harness.Process([harness.PROMETHEUS, f"--config.file={central_config}",
                               f"--storage.tsdb.path={tmp.path}/central", f"--web.listen-address=127.0.0.1:{central_port}",
                               "--web.enable-remote-write-receiver", *receiver_args], name="central prometheus")

    node, node_port = harness.start_tern(args.binary, [])

    # The repository's template with this test's ports and a 1 s interval.
    with open(os.path.join(compose_dir, "edge-agent", "agent.yml")) as f:
        template = f.read()
    closed = []  # two distinct ports nothing listens on: container and shipper are down here
    while len(closed) < 2:
        port = harness.free_port()
        if port not in closed:
            closed.append(port)
    for default, port in (("127.0.0.1:9100", node_port), ("127.0.0.1:9338", closed[0]),
                          ("127.0.0.1:9080", closed[1])):
        test.require(default in template, f"edge-agent/agent.yml does not scrape {default}")
        template = template.replace(default, f"127.0.0.1:{port}")
    template = template.replace("scrape_interval: 15s", "scrape_interval: 1s").replace("scrape_timeout: 10s",
                                                                                      "scrape_timeout: 1s")
    template_path = tmp.file("agent.yml", template)
    run_dir = os.path.join(tmp.path, "agent-run")
    os.makedirs(run_dir)
    agent_port = harness.free_port()
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SERVER_NAME": "mail-01", "SERVER_ROLE": "mail",
           "REMOTE_WRITE_URL": f"http://127.0.0.1:{central_port}/api/v1/write",
           "REMOTE_WRITE_USERNAME": user if auth else "", "REMOTE_WRITE_PASSWORD": password if auth else "",
           "AGENT_CONFIG_DIR": run_dir, "AGENT_CONFIG_TEMPLATE": template_path, "PROMETHEUS": harness.PROMETHEUS,
           # This host "runs" tern-mail (its job is scraped, whether or not
           # anything listens on :9154 here), not tern-haproxy nor tern-dnscheck
           # (no series at all).
           "AGENT_EXTRA_JOBS": "mail"}
    # The container's command (edge-agent.yml) with a temporary WAL and port.
    agent = harness.Process(["/bin/sh", os.path.join(compose_dir, "scripts", "agent-entrypoint.sh"),
                             "--enable-feature=agent", f"--storage.agent.path={tmp.path}/wal",
                             f"--web.listen-address=127.0.0.1:{agent_port}"], name="prometheus agent", env=env)

    harness.wait_http(f"http://127.0.0.1:{central_port}/-/ready", timeout=30, headers=auth)
    if auth:
        test.check(harness.fetch(f"http://127.0.0.1:{central_port}/api/v1/query?query=up").status == 401,
                   "the receiver answers without credentials: the basic-auth part proves nothing")
    try:
        harness.wait_http(f"http://127.0.0.1:{agent_port}/-/ready", timeout=30)
    except TimeoutError as e:
        test.require(False, f"the agent did not start: {e}\n{agent.stderr_text()[-3000:]}")
    test.log("central, agent and tern-node are up; waiting for remote-written series")

    deadline = time.monotonic() + 40
    ups = []
    while time.monotonic() < deadline:
        ups = query(central_port, "up", auth)
        if {s["metric"].get("job") for s in ups} >= {"node", "container", "shipper", "mail"}:
            break
        time.sleep(1)
    jobs = {s["metric"].get("job"): s for s in ups}
    if not test.check(set(jobs) == {"node", "container", "shipper", "mail"},
                      f"up series of jobs {sorted(jobs)} arrived, not node, container, shipper and mail; "
                      "agent log:\n" + agent.stderr_text()[-2000:]):
        return
    for job, series in jobs.items():
        labels = series["metric"]
        test.check(labels.get("instance") == "mail-01" and labels.get("server_role") == "mail",
                   f"up{{job={job!r}}} arrived with labels {labels}")
    test.check(jobs["node"]["value"][1] == "1", f"up{{job='node'}} is {jobs['node']['value'][1]}")
    test.check(jobs["container"]["value"][1] == "0", "up{job='container'} should be 0: nothing listens there")
    with open(os.path.join(run_dir, "targets", "haproxy.json")) as f:
        test.check(json.load(f) == [], "haproxy.json should be empty: AGENT_EXTRA_JOBS does not name it")

    load = query(central_port, 'node_load1{job="node"}', auth)
    test.check(len(load) == 1 and load[0]["metric"].get("instance") == "mail-01"
               and load[0]["metric"].get("server_role") == "mail", f"node_load1 arrived as {load}")
    host_port = query(central_port, 'count({instance=~".+:[0-9]+"})', auth)
    test.check(not host_port, f"series with a host:port instance reached the central Prometheus: {host_port}")
    test.check(os.path.exists(os.path.join(run_dir, "remote_write_password")),
               "the entrypoint wrote no remote_write_password file")
    for process in (agent, central, node):
        process.stop()


def main():
    args = harness.parse_args(__doc__.splitlines()[0])
    return harness.run_test("compose_agent_test", lambda test: body(test, args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
