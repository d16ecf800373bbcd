"""Shared pieces of tern-alerts' integration tests: start the binary with a
config written for the test, post Alertmanager-shaped webhooks, read the API,
and open the SQLite file directly to check what was stored."""

import datetime
import json
import os
import sqlite3
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

WEBHOOK_TOKEN = "webhook-token-for-tests"


def rfc3339(seconds_from_now=0.0, base=None):
    moment = (base or datetime.datetime.now(datetime.timezone.utc)) + datetime.timedelta(seconds=seconds_from_now)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def alert(name, instance, severity="critical", status="firing", starts_at=None, ends_at=None,
          fingerprint=None, summary=None, **labels):
    body = {
        "status": status,
        "labels": {"alertname": name, "instance": instance, "severity": severity, **labels},
        "annotations": {"summary": summary or f"{name} on {instance}", "description": "test alert",
                        "runbook_url": "https://runbooks.example.com/" + name},
        "startsAt": starts_at or rfc3339(),
        "endsAt": ends_at or ("0001-01-01T00:00:00Z" if status == "firing" else rfc3339()),
        "generatorURL": "http://prometheus.example.com:9090/graph",
    }
    body["fingerprint"] = fingerprint or f"{abs(hash((name, instance))) % (1 << 64):016x}"
    return body


def webhook(alerts, receiver="tern-alerts"):
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "receiver": receiver,
        "status": "firing" if firing else "resolved",
        "groupKey": "{}:{alertname=\"test\"}",
        "truncatedAlerts": 0,
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": alerts,
    }


def request(method, url, body=None, headers=None, timeout=15):
    """(status, bytes); body is bytes, a str or JSON-able."""
    if not url.startswith(f"http://{h.LOOPBACK}:"):
        raise ValueError(f"tests only talk to {h.LOOPBACK}: {url}")
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class AlertsServer:
    """tern-alerts on 127.0.0.1:0 with a config file written into tmp."""

    def __init__(self, binary, tmp, config_text="", db_name="alerts.db", extra_args=(), name="tern-alerts",
                 token=WEBHOOK_TOKEN, preexec=None):
        self.binary = binary
        self.tmp = tmp
        self.token = token
        self.db = os.path.join(tmp.path, db_name)
        config = ""
        if token:
            token_file = tmp.file("webhook_token", token + "\n", mode=0o600)
            config = f"webhook:\n  bearer_token_file: {token_file}\n"
        config += f"store:\n  path: {self.db}\n" + config_text
        self.config_path = tmp.file(f"{name}.yml", config)
        self.args = [binary, f"--web.listen-address={h.LOOPBACK}:0", f"--config.file={self.config_path}",
                     *extra_args]
        self.name = name
        self.start()

    def start(self):
        self.process = h.Process(self.args, name=self.name)
        self.port = self.process.wait_listening(timeout=15)
        self.url = f"http://{h.LOOPBACK}:{self.port}"

    def post(self, payload, token=None, path="/webhook", headers=None):
        all_headers = {"Content-Type": "application/json"}
        token = self.token if token is None else token
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        return request("POST", self.url + path, payload, all_headers)

    def get_json(self, path):
        status, body = request("GET", self.url + path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}: {body[:300]!r}")
        return json.loads(body)

    def metrics(self):
        return h.parse_exposition(h.scrape(self.port))

    def kill9(self):
        self.process.stop(sig=9, timeout=5)

    def stop(self):
        return self.process.stop()


def metric_value(families, name, **labels):
    """The value of one sample (a histogram's _count or _bucket too), or None."""
    for family in families.values():
        if not name.startswith(family.name):
            continue
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.float_value()
    return None


def db_rows(path, sql, args=()):
    """Reads the store with Python's sqlite3 (a second reader, as WAL allows)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()
