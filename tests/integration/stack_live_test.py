#!/usr/bin/env python3
"""The stack's provisioning, live: this repository's Prometheus and
Alertmanager configuration, rules and dashboards against real programs.

Starts, on 127.0.0.1 and in a temporary directory: Debian's Prometheus and
Alertmanager with the repository's own configuration (prometheus/render_local.py
and alertmanager/render_local.py point the targets at this test's processes and
every receiver at a webhook in this test), tern-node, tern-container (against
the Docker engine of the `docker` fixture, with a few containers of its own),
tern-shipper, tern-mail, tern-haproxy (a private HAProxy, haproxy_env.py) and
tern-dnscheck (a private dnsmasq and an openssl s_server, dnscheck_env.py).
tern-mail reads a Postfix log this test writes
(deliveries, rejects of each class, a SASL failure), Mailcow's API from
fake_mailcow.py (the mailcow fixtures, mailboxes on), and, when this machine
can run them (root, Debian's postfix and dovecot-imapd), the showq socket of a
private Postfix (postfix_env.py) and the sockets of a private Dovecot
(dovecot_env.py) with an IMAP session open; otherwise those collectors point
at nothing (postfix_up/dovecot_up 0) and the panels that need them may be
empty. Then asserts:
  - every target is up, with instance = the server name and a server_role;
  - every rule group evaluates without error on real data;
  - every PromQL query of every bundled dashboard (panels and variables),
    with its template variables substituted, is accepted and returns data,
    except queries that grafana_dashboards.LEGITIMATELY_EMPTY lists as needing
    what a test host may lack (hardware sensors, conntrack, PSI, block I/O);
  - an alert forced by a test-only rule reaches the webhook through
    Alertmanager's routing with the labels the rules and relabeling give it,
    and Watchdog reaches its heartbeat receiver.

Loki and Grafana have no Debian packages and cannot run here: fake_loki.py
stands in for Loki (the push API, /ready and a few of Loki's own metrics in
Loki's formats), and Grafana's part is played by this test, which sends the
dashboards' queries to Prometheus itself. The grafana job has no target.

This test grows with every exporter: add its binary and its targets.
"""

import importlib.util
import json
import os
import sys
import time
import urllib.parse

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alertmanager_common  # noqa: E402
import docker_env  # noqa: E402
import dovecot_env  # noqa: E402
import fake_loki  # noqa: E402
import fake_mailcow  # noqa: E402
import postfix_env  # noqa: E402
import grafana_dashboards  # noqa: E402
import haproxy_env  # noqa: E402
import harness as h  # noqa: E402

SERVER_NAME = "stack-test-host"
SERVER_ROLE = "test"
INTERVAL = "1s"
FORCED_ALERT = "TernLiveTestForced"

# What this test provides for the dashboards: containers (running, one with
# --cpus and --memory limits, one exited) and a Loki stand-in that answers
# pushes. Queries that grafana_dashboards.LEGITIMATELY_EMPTY says need
# something else (hardware sensors, conntrack, PSI, block I/O) may be empty.
PROVIDED = {"containers", "cpu-limit", "memory-limit", "loki-push"}
# The job each single-exporter dashboard is viewed with; the fleet and SLA
# dashboards mix jobs and keep their default (all).
DASHBOARD_JOB = {"tern-node": "node", "tern-containers": "container", "tern-logs": "shipper",
                 "tern-mail": "mail", "tern-haproxy": "haproxy",
                 "tern-dns": "dnscheck"}
MAILCOW_KEY = "stack-test-mailcow-key"
# What tern-mail's log holds once the dashboards are checked: lines of a
# Mailcow Postfix (documentation addresses), appended after tern-mail started
# (it reads a log from its end, like postfix_exporter).
P = "Nov 21 10:00:00 mail-01 postfix/"
POSTFIX_LINES = [
    P + "smtpd[1001]: connect from unknown[192.0.2.10]",
    P + "smtpd[1001]: NOQUEUE: reject: RCPT from unknown[192.0.2.10]: 554 5.7.1 Service unavailable; "
    "Client host [192.0.2.10] blocked using zen.spamhaus.org; from=<a@example.net> to=<b@example.org> "
    "proto=ESMTP helo=<x>",
    P + "smtpd[1001]: NOQUEUE: reject: RCPT from unknown[192.0.2.10]: 550 5.1.1 <nobody@example.org>: "
    "Recipient address rejected: User unknown in virtual mailbox table; from=<a@example.net> "
    "to=<nobody@example.org> proto=ESMTP helo=<x>",
    P + "smtpd[1001]: warning: unknown[192.0.2.10]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
    P + "smtpd[1001]: disconnect from unknown[192.0.2.10] ehlo=1 mail=1 rcpt=0/2 quit=1 commands=3/5",
    P + "smtpd[1002]: connect from mail.example.net[198.51.100.7]",
    P + "smtpd[1002]: 4B7C61A2B3: client=mail.example.net[198.51.100.7], sasl_method=PLAIN, "
    "sasl_username=alice@example.org",
    P + "qmgr[900]: 4B7C61A2B3: from=<alice@example.org>, size=1234, nrcpt=3 (queue active)",
    P + "smtp[1003]: 4B7C61A2B3: to=<bob@example.com>, relay=mx.example.com[203.0.113.5]:25, delay=1.2, "
    "delays=0.1/0.01/0.5/0.59, dsn=2.0.0, status=sent (250 2.0.0 OK)",
    P + "smtp[1003]: 4B7C61A2B3: to=<carol@example.com>, relay=none, delay=30, delays=0.02/0/30/0, "
    "dsn=4.4.1, status=deferred (connect to mx.example.com[203.0.113.5]:25: Connection timed out)",
    P + "smtp[1003]: 4B7C61A2B3: to=<nobody@example.com>, relay=mx.example.com[203.0.113.5]:25, "
    "delay=0.9, delays=0.1/0/0.3/0.5, dsn=5.1.1, status=bounced (host mx.example.com[203.0.113.5] "
    "said: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown (in reply to "
    "RCPT TO command))",
    P + "smtpd[1002]: disconnect from mail.example.net[198.51.100.7] ehlo=1 auth=1 mail=1 rcpt=3 "
    "data=1 quit=1 commands=8",
]


# --------------------------------------------------------------------------
# The test's own processes


class StackContainers(docker_env.TestContainers):
    prefix = "tern-stack-"
    pid_label = "tern.stack.pid"

    def start(self, run_label):
        labels = {"tern.stack.run": run_label, "com.docker.compose.project": "stacktest"}
        # A healthy service that logs, a memory-limited one, and one that
        # exited non-zero: the containers dashboard's states, health and limits.
        self._run("web", {**labels, "com.docker.compose.service": "web"},
                  ["--health-cmd", "true", "--health-interval", "1s", "--memory", "64m"],
                  ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done"])
        self._run("worker", {**labels, "com.docker.compose.service": "worker"},
                  ["--memory", "32m", "--cpus", "0.5"], ["sleep", "3600"])
        self._run("job", {**labels, "com.docker.compose.service": "job"}, [], ["sh", "-c", "exit 3"])


class MailServers:
    """What tern-mail reads here: a log file this test writes, fake_mailcow,
    and a private Postfix and Dovecot when this machine can run them.
    `provided` names the LEGITIMATELY_EMPTY needs they cover."""

    def __init__(self, test, source_dir, temp_dir):
        self.test, self.source_dir, self.temp_dir = test, source_dir, temp_dir
        self.tmp = temp_dir.path
        self.log_path = os.path.join(self.tmp, "mail.log")
        self.key_file = temp_dir.file("mailcow-api-key", MAILCOW_KEY + "\n", mode=0o600)
        self.mailcow = self.postfix = self.dovecot = self.imap = None
        self.provided = set()

    def start(self):
        open(self.log_path, "w").close()
        fixtures = os.path.join(self.source_dir, "tests", "fixtures", "mail", "mailcow")
        self.mailcow = fake_mailcow.FakeMailcow(fixtures, MAILCOW_KEY).start()
        try:
            self.postfix = postfix_env.PostfixInstance(self.temp_dir)
            self.postfix.start()
            self.provided.add("postfix-queue")
        except (h.SkipTest, RuntimeError, OSError) as error:
            self.test.skip(f"no private Postfix ({error}): the queue panels may be empty")
            if self.postfix:
                self.postfix.stop()  # a master that started but did not come up
            self.postfix = None
        try:
            self.dovecot = dovecot_env.Dovecot(self.source_dir, self.temp_dir)
            self.provided.add("dovecot")
        except (h.SkipTest, RuntimeError, OSError) as error:
            self.test.skip(f"no private Dovecot ({error}): the Dovecot panels may be empty")
            self.dovecot = None

    def tern_mail_args(self):
        missing = os.path.join(self.tmp, "missing")
        showq = self.postfix.showq_path if self.postfix else os.path.join(missing, "showq")
        stats = self.dovecot.stats_socket if self.dovecot else os.path.join(missing, "stats-reader")
        return [f"--postfix.showq_path={showq}",
                # never the machine's own Postfix through postqueue -j
                f"--postfix.postqueue_path={os.path.join(missing, 'postqueue')}",
                f"--postfix.logfile_path={self.log_path}",
                f"--dovecot.socket-path={stats}", "--dovecot.timeout=2",
                "--collector.mailcow", f"--mailcow.url=http://{h.LOOPBACK}:{self.mailcow.port}/",
                f"--mailcow.api-key-file={self.key_file}", "--mailcow.mailboxes"]

    def write_log(self):
        """The log lines, and an IMAP session (one command) that stays open."""
        with open(self.log_path, "a") as f:
            f.write("".join(line + "\n" for line in POSTFIX_LINES))
        if self.dovecot:
            import imaplib
            self.imap = imaplib.IMAP4(h.LOOPBACK, self.dovecot.port, timeout=10)
            self.imap.login(dovecot_env.USER, dovecot_env.PASSWORD)
            self.imap.select("INBOX")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.imap:
            try:
                self.imap.logout()
            except Exception:  # imaplib's own errors and OSError alike
                pass
        if self.dovecot:
            self.dovecot.stop()
        if self.postfix:
            self.postfix.stop()
        if self.mailcow:
            self.mailcow.stop()
        return False


def shipper_config(tmp, loki_url, run_label, log_glob):
    return f"""positions:
  filename: {tmp}/shipper-positions.yaml
clients:
  - url: {loki_url}
    batchwait: 200ms
scrape_configs:
  - job_name: docker
    docker_sd_configs:
      - host: unix://{docker_env.SOCKET}
        refresh_interval: 1s
        filters:
          - name: label
            values: ["tern.stack.run={run_label}"]
  - job_name: system
    static_configs:
      - targets: [localhost]
        labels:
          __path__: {log_glob}
"""


def load_module(name, path):
    # prometheus/ and alertmanager/ both have a render_local.py: load each
    # under its own name.
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_alertmanager(source_dir, out_path, base_url):
    local = load_module("alertmanager_render_local", os.path.join(source_dir, "alertmanager", "render_local.py"))
    # Timings shortened twentyfold: critical's group_wait of 10 s becomes 0.5 s.
    with open(out_path, "w") as f:
        f.write(local.render_file(os.path.join(source_dir, "alertmanager", "alertmanager.yml"), base_url,
                                  time_factor=0.05))


def render_prometheus(source_dir, out_dir, targets):
    local = load_module("prometheus_render_local", os.path.join(source_dir, "prometheus", "render_local.py"))
    config = local.render(out_dir, targets, SERVER_NAME, SERVER_ROLE, INTERVAL,
                                     source_dir=os.path.join(source_dir, "prometheus"))
    # A test-only rule that always fires, routed like any critical alert.
    with open(os.path.join(out_dir, "rules", "zz-live-test.yml"), "w") as f:
        f.write(f"""groups:
  - name: live-test
    rules:
      - alert: {FORCED_ALERT}
        expr: up{{job="node"}} == 1
        labels: {{severity: critical, category: availability}}
        annotations: {{summary: "forced by stack_live_test", description: "always fires",
                       runbook_url: "https://example.com/runbook"}}
""")
    return config


# --------------------------------------------------------------------------
# Prometheus API


class Prometheus:
    def __init__(self, port):
        self.base = f"http://{h.LOOPBACK}:{port}"

    def get(self, path, **params):
        query = urllib.parse.urlencode(params, doseq=True)
        response = h.fetch(f"{self.base}{path}?{query}", timeout=10)
        body = json.loads(response.body)
        if body.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr):
        return self.get("/api/v1/query", query=expr)

    def label_values(self, label, match=None):
        params = {"match[]": match} if match else {}
        return self.get(f"/api/v1/label/{label}/values", **params)


def wait_until(test, what, predicate, timeout, interval=0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, RuntimeError, ValueError) as error:
            last = error
        time.sleep(interval)
    test.fail(f"{what} within {timeout} s (last: {last!r})")
    return None


# --------------------------------------------------------------------------
# The checks


def check_targets(test, prometheus, jobs):
    def all_up():
        active = prometheus.get("/api/v1/targets", state="active")["activeTargets"]
        up = {t["labels"]["job"] for t in active if t["health"] == "up"}
        return active if up >= set(jobs) and all(t["health"] == "up" for t in active) else None

    active = wait_until(test, "every target up", all_up, 30)
    if not active:
        for t in prometheus.get("/api/v1/targets", state="active")["activeTargets"]:
            test.log(f"  {t['labels'].get('job')} {t['scrapeUrl']}: {t['health']} {t.get('lastError')}")
        return
    test.check(sorted(t["labels"]["job"] for t in active) == sorted(jobs),
               f"targets: jobs {sorted(t['labels']['job'] for t in active)}, want {sorted(jobs)}")
    for t in active:
        labels = t["labels"]
        test.check(labels.get("instance") == SERVER_NAME and labels.get("server_role") == SERVER_ROLE,
                   f"target {t['scrapeUrl']}: labels {labels}, want instance={SERVER_NAME} "
                   f"server_role={SERVER_ROLE}")
    test.log(f"targets: {len(active)} up ({', '.join(sorted(jobs))})")


def check_mail(test, prometheus, mail):
    """The mail job's collectors answer: up, the log counted, Mailcow read,
    the private Postfix and Dovecot (when started) read."""
    selector = f'job="mail",instance="{SERVER_NAME}"'
    want = {
        f'postfix_smtp_messages_processed_total{{{selector},status="bounced"}}': 1,
        f'sum(postfix_smtpd_rejects_by_reason_total{{{selector}}})': 2,
        f'mailcow_up{{{selector}}}': 1,
        f'count(mailcow_mailbox_quota_used{{{selector}}})': 2,
    }
    if mail.postfix:
        want[f'postfix_up{{{selector},path="{mail.postfix.showq_path}"}}'] = 1
        want[f'count(postfix_showq_queue_depth{{{selector}}})'] = 5
    if mail.dovecot:
        want[f'dovecot_up{{{selector}}}'] = 1
        want[f'dovecot_sessions{{{selector},protocol="imap"}}'] = 1

    def values():
        got = {}
        for expr in want:
            result = prometheus.query(expr)["result"]
            got[expr] = float(result[0]["value"][1]) if result else None
        return got if got == want else None

    if wait_until(test, "tern-mail's series in Prometheus", values, 30):
        test.log(f"mail: log, Mailcow{', Postfix queue' if mail.postfix else ''}"
                 f"{', Dovecot' if mail.dovecot else ''} scraped as expected")
    else:
        for expr in want:
            test.log(f"  {expr} = {prometheus.query(expr)['result']}, want {want[expr]}")


def check_rules(test, prometheus, rule_files_dir):
    expected_groups = set()
    for name in os.listdir(rule_files_dir):
        if name.endswith(".yml"):
            with open(os.path.join(rule_files_dir, name)) as f:
                expected_groups |= {g["name"] for g in (yaml.safe_load(f) or {}).get("groups", [])}

    def evaluated_twice():
        groups = prometheus.get("/api/v1/rules")["groups"]
        seen = {g["name"] for g in groups}
        if seen != expected_groups:
            return None
        # Rules evaluate every second here; a group's first pass may have
        # run before the first scrape, so look after a second pass.
        first = min(g["lastEvaluation"] for g in groups)
        return groups if first > started_at else None

    started_at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 1))
    groups = wait_until(test, f"all {len(expected_groups)} rule groups evaluated", evaluated_twice, 30)
    if not groups:
        return
    rules = 0
    for group in groups:
        for rule in group["rules"]:
            rules += 1
            test.check(rule["health"] == "ok" and not rule.get("lastError"),
                       f"rule {group['name']}/{rule['name']}: health {rule['health']}: {rule.get('lastError')}")
    firing = sorted({r["name"] for g in groups for r in g["rules"]
                     if r.get("type") == "alerting" and r.get("state") == "firing"})
    test.log(f"rules: {rules} rules in {len(groups)} groups evaluate without error; "
             f"firing here: {', '.join(firing) or 'none'}")


def check_dashboards(test, prometheus, source_dir, provided, skip_uids=()):
    checked = empty = 0
    for dashboard in grafana_dashboards.load_dashboards(source_dir):
        uid = dashboard.get("uid")
        if uid in skip_uids:
            test.skip(f"dashboard {uid}: its exporter was not started ({skip_uids[uid]})")
            continue
        values = {"instance": SERVER_NAME}
        if uid in DASHBOARD_JOB:
            values["job"] = DASHBOARD_JOB[uid]
        for query in grafana_dashboards.prometheus_queries(dashboard, values):
            where = f"dashboard {uid}, panel {query.panel!r} ({query.ref_id})"
            checked += 1
            try:
                result = prometheus.query(query.expr)["result"]
            except (OSError, RuntimeError) as error:
                test.fail(f"{where}: {query.expr}: {error}")
                continue
            if result:
                continue
            reason = grafana_dashboards.empty_reason(query)
            if reason and reason.needs not in provided:
                empty += 1
                test.log(f"empty as allowed ({reason.needs}): {where}")
                continue
            test.fail(f"{where}: no data: {query.expr}")
    test.log(f"dashboards: {checked} queries accepted, {checked - empty} with data, "
             f"{empty} empty as LEGITIMATELY_EMPTY allows on this host")


def check_alert_delivery(test, webhook, alertmanager_port):
    def forced(deliveries):
        return [labels for receiver, status, labels in deliveries
                if receiver == "critical-team" and status == "firing" and labels.get("alertname") == FORCED_ALERT]

    alerts = webhook.wait_for(forced, 40)
    if test.check(alerts, f"{FORCED_ALERT} not delivered to critical-team within 40 s"):
        want = {"alertname": FORCED_ALERT, "severity": "critical", "category": "availability",
                "job": "node", "instance": SERVER_NAME, "server_role": SERVER_ROLE}
        test.check(all(alerts[0].get(k) == v for k, v in want.items()),
                   f"{FORCED_ALERT} labels {alerts[0]}, want at least {want}")
    watchdog = webhook.wait_for(
        lambda deliveries: [l for r, _, l in deliveries if r == "watchdog" and l.get("alertname") == "Watchdog"], 20)
    if not test.check(watchdog, "Watchdog not delivered to the watchdog receiver within 20 s"):
        for alert in alertmanager_common.get_alerts(alertmanager_port):
            test.log(f"  Alertmanager holds {alert['labels']}: {alert['status']}, receivers "
                     f"{[r['name'] for r in alert.get('receivers', [])]}")
    receivers = sorted({receiver for receiver, _, _ in webhook.deliveries()})
    test.log(f"alerts: delivered to {', '.join(receivers)}")


# --------------------------------------------------------------------------


def start_dnscheck(temp_dir, binary):
    """tern-dnscheck with a declared state on a private dnsmasq (a record that
    matches, one with a shadowing CNAME) and an HTTPS site and TLS endpoint on
    openssl s_server with a certificate from a test CA. Returns its port."""
    import datetime
    import dnscheck_env
    for program in (dnscheck_env.DNSMASQ, dnscheck_env.OPENSSL):
        h.require_program(program)
    _, dns_port = dnscheck_env.start_dnsmasq(temp_dir, "zone", [
        "host-record=www.example.test,192.0.2.1",
        "cname=mail.example.test,relay.example.test",
        "host-record=relay.example.test,192.0.2.50",
    ])
    pki = dnscheck_env.Pki(temp_dir)
    now = dnscheck_env.utc_now()
    cert, key = pki.issue("site", ["localhost"], now - datetime.timedelta(days=1),
                          now + datetime.timedelta(days=10))
    _, https_port = dnscheck_env.start_s_server(cert, key)
    declared = temp_dir.file("declared.yml", f"""check_interval: 2s
resolvers:
  - {{name: system, servers: ["127.0.0.1:{dns_port}"]}}
  - {{name: second, servers: ["127.0.0.1:{dns_port}"]}}
records:
  - {{name: www.example.test, type: A, values: [192.0.2.1], ttl: {{max: 3600}}, resolvers: [system, second]}}
  - {{name: mail.example.test, type: A, values: [192.0.2.10]}}
sites:
  - {{url: "https://localhost:{https_port}/", ca_file: {pki.ca_cert}}}
tls:
  - {{endpoint: "127.0.0.1:{https_port}", server_name: localhost, ca_file: {pki.ca_cert}}}
""")
    _, port = h.start_tern(binary, [f"--config.declared={declared}"], name="tern-dnscheck")
    return port


def main():
    def extra(parser):
        parser.add_argument("--container-binary", required=True)
        parser.add_argument("--shipper-binary", required=True)
        parser.add_argument("--mail-binary", required=True)
        parser.add_argument("--haproxy-binary", help="tern-haproxy; with Debian's haproxy, the "
                                                     "haproxy job and dashboard are checked too")
        parser.add_argument("--dnscheck-binary", help="tern-dnscheck; with dnsmasq and openssl, "
                                                      "the dnscheck job and dashboard are checked too")

    args = h.parse_args(__doc__.splitlines()[0], extra)

    def body(test):
        for program in (h.PROMETHEUS, args.binary, args.container_binary, args.shipper_binary,
                        args.mail_binary):
            h.require_program(program)
        try:
            docker_env.require()
        except docker_env.Unavailable as error:
            raise h.SkipTest(f"Docker: {error}")
        temp_dir = h.TempDir(prefix="tern-stack-")
        tmp = temp_dir.path
        run_label = f"{os.getpid()}"

        mail = MailServers(test, args.source_dir, temp_dir)
        with StackContainers(test) as containers, mail:
            containers.start(run_label)
            loki = fake_loki.FakeLoki(log=test.log).start()
            log_dir = os.path.join(tmp, "logs")
            os.makedirs(log_dir)
            with open(os.path.join(log_dir, "app.log"), "w") as f:
                f.write("".join(f"host line {i}\n" for i in range(50)))

            node, node_port = h.start_tern(args.binary, [], name="tern-node")
            container, container_port = h.start_tern(
                args.container_binary, [f"--docker.socket={docker_env.SOCKET}"], name="tern-container")
            shipper_yaml = os.path.join(tmp, "shipper.yaml")
            with open(shipper_yaml, "w") as f:
                f.write(shipper_config(tmp, loki.url, run_label, os.path.join(log_dir, "*.log")))
            shipper, shipper_port = h.start_tern(args.shipper_binary, [f"--config.file={shipper_yaml}"],
                                                 name="tern-shipper")
            mail.start()
            tern_mail, mail_port = h.start_tern(args.mail_binary, mail.tern_mail_args(), name="tern-mail")
            # HAProxy: a private instance (a failing server, one in
            # maintenance, a backend answering 500) and tern-haproxy as
            # compose/haproxy.yml runs it.
            haproxy_jobs, skip_uids, haproxy = {}, {}, None
            if not args.haproxy_binary:
                skip_uids["tern-haproxy"] = "no --haproxy-binary"
            elif not os.access(haproxy_env.HAPROXY, os.X_OK):
                skip_uids["tern-haproxy"] = f"{haproxy_env.HAPROXY} is not installed"
            else:
                h.require_program(args.haproxy_binary)
                haproxy = haproxy_env.HAProxyEnv(temp_dir).start()
                haproxy.set_maint("be_app", "app3")
                for path in ["/"] * 20 + ["/fail"] * 2:
                    haproxy_env.http_get(haproxy.frontend_port, path)
                _, haproxy_port = h.start_tern(
                    args.haproxy_binary, [f"--haproxy.scrape-uri=unix:{haproxy.socket_path}",
                                          "--haproxy.server-exclude-states=MAINT"], name="tern-haproxy")
                haproxy_jobs["haproxy"] = [f"{h.LOOPBACK}:{haproxy_port}"]
            for uid, why in skip_uids.items():
                test.skip(f"{uid}: {why}")

            dnscheck_port = None
            if args.dnscheck_binary:
                dnscheck_port = start_dnscheck(temp_dir, args.dnscheck_binary)

            webhook = alertmanager_common.WebhookReceiver()
            alertmanager_yml = os.path.join(tmp, "alertmanager.yml")
            render_alertmanager(args.source_dir, alertmanager_yml, webhook.base_url)
            alertmanager, alertmanager_port = alertmanager_common.start_alertmanager(temp_dir, alertmanager_yml)
            jobs = {
                "node": [f"{h.LOOPBACK}:{node_port}"],
                "container": [f"{h.LOOPBACK}:{container_port}"],
                "shipper": [f"{h.LOOPBACK}:{shipper_port}"],
                "mail": [f"{h.LOOPBACK}:{mail_port}"],
                "alertmanager": [f"{h.LOOPBACK}:{alertmanager_port}"],
                "loki": [f"{h.LOOPBACK}:{loki.port}"],
                **haproxy_jobs,
            }
            if dnscheck_port:
                jobs["dnscheck"] = [f"{h.LOOPBACK}:{dnscheck_port}"]
            config_dir = os.path.join(tmp, "prometheus")

            def prometheus_args(port):
                config = render_prometheus(args.source_dir, config_dir,
                                           {**jobs, "prometheus": [f"{h.LOOPBACK}:{port}"]})
                return [h.PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp}/prometheus-data",
                        f"--web.listen-address={h.LOOPBACK}:{port}",
                        # Watchdog fires at the first evaluation, perhaps before the
                        # Alertmanager target is discovered; Prometheus sends it
                        # again only after this delay (1m by default).
                        "--rules.alert.resend-delay=1s"]

            prometheus_process, prometheus_port = h.start_on_free_port(prometheus_args, "prometheus", timeout=30)
            jobs["prometheus"] = [f"{h.LOOPBACK}:{prometheus_port}"]
            prometheus = Prometheus(prometheus_port)

            check_targets(test, prometheus, jobs)
            mail.write_log()
            check_mail(test, prometheus, mail)
            check_rules(test, prometheus, os.path.join(config_dir, "rules"))
            # Rates need two samples inside their window; the scrapes run every second.
            time.sleep(3)
            if not dnscheck_port:
                skip_uids["tern-dns"] = "no --dnscheck-binary"
            check_dashboards(test, prometheus, args.source_dir, PROVIDED | mail.provided, skip_uids)
            check_alert_delivery(test, webhook, alertmanager_port)
            for process in (node, container, shipper, tern_mail, alertmanager, prometheus_process):
                test.check(process.alive(), f"{process.name} exited: {process.stderr_text()[-500:]}")
            loki.stop()
            webhook.stop()
            if haproxy:
                haproxy.stop()

    return h.run_test("stack_live_test", body, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
