"""Shared pieces of the Alertmanager tests (and the live-stack test): the
installed binaries, a real Alertmanager on 127.0.0.1 started from a rendered
config, a webhook receiver that records what Alertmanager sends, and the v2
API calls the tests need.

The repository's alertmanager/render_local.py makes the config loopback-only:
every receiver becomes a webhook to <receiver base URL>/<receiver name>, so
the request path tells which receiver an alert reached.
"""

import datetime
import http.server
import json
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def find_program(*names):
    """The first of names on PATH or in /usr/bin, else None."""
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
        if path:
            return path
    return None


def alertmanager_binary():
    # Debian calls it prometheus-alertmanager, upstream alertmanager.
    path = find_program("prometheus-alertmanager", "alertmanager")
    if path is None:
        raise h.SkipTest("prometheus-alertmanager is not installed")
    return path


def amtool_binary():
    path = find_program("amtool")
    if path is None:
        raise h.SkipTest("amtool is not installed")
    return path


def import_render_local(source_dir):
    """alertmanager/render_local.py of the checkout under test."""
    try:
        import yaml  # noqa: F401  (render_local needs Debian's python3-yaml)
    except ImportError:
        raise h.SkipTest("python3-yaml is not installed")
    sys.path.insert(0, os.path.join(source_dir, "alertmanager"))
    import render_local  # noqa: E402

    return render_local


# --------------------------------------------------------------------------
# The webhook receiver


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 (port 0) that answers 200 to every POST
    and keeps (receiver name from the path, decoded JSON body)."""

    def __init__(self):
        self.notifications = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                name = self.path.rstrip("/").rsplit("/", 1)[-1]
                with receiver._cond:
                    receiver.notifications.append((name, body))
                    receiver._cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((h.LOOPBACK, 0), Handler)
        self.port = self.server.server_address[1]
        self.base_url = f"http://{h.LOOPBACK}:{self.port}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def deliveries(self):
        """[(receiver, status, labels)] for every alert of every notification."""
        with self._cond:
            notifications = list(self.notifications)
        out = []
        for receiver, body in notifications:
            for alert in body.get("alerts", []):
                out.append((receiver, alert.get("status"), alert.get("labels", {})))
        return out

    def wait_for(self, predicate, timeout):
        """Waits until predicate(deliveries()) is true; returns it (or False)."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self.deliveries())
            if result or time.monotonic() >= deadline:
                return result
            with self._cond:
                self._cond.wait(min(0.1, max(0.0, deadline - time.monotonic())))


# --------------------------------------------------------------------------
# Alertmanager


def start_alertmanager(tmp, config_path, attempts=3, ready_timeout=20):
    """A real Alertmanager on 127.0.0.1 with clustering off; (process, port)."""
    binary = alertmanager_binary()
    return h.start_on_free_port(
        lambda port: [
            binary,
            f"--config.file={config_path}",
            f"--storage.path={os.path.join(tmp.path, f'am-data-{port}')}",
            f"--web.listen-address={h.LOOPBACK}:{port}",
            f"--web.external-url=http://{h.LOOPBACK}:{port}/",
            "--cluster.listen-address=",
            "--log.level=info",
        ],
        "alertmanager", timeout=ready_timeout, attempts=attempts)


def _request(method, url, payload=None, timeout=10):
    if not url.startswith(f"http://{h.LOOPBACK}:"):
        raise ValueError(f"tests only talk to {h.LOOPBACK}: {url}")
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def post_alerts(port, alerts):
    """POST /api/v2/alerts. alerts: [{"labels": {...}, "annotations": {...}}];
    startsAt is set to now, endsAt left to Alertmanager (resolve_timeout)."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    payload = [
        {
            "labels": a["labels"],
            "annotations": a.get("annotations", {}),
            "startsAt": now,
            "generatorURL": f"http://{h.LOOPBACK}/test",
        }
        for a in alerts
    ]
    status, body = _request("POST", f"http://{h.LOOPBACK}:{port}/api/v2/alerts", payload)
    if status != 200:
        raise RuntimeError(f"POST /api/v2/alerts: HTTP {status}: {body[:300]!r}")


def get_alerts(port):
    """Every alert Alertmanager holds (active, silenced and inhibited)."""
    url = f"http://{h.LOOPBACK}:{port}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true"
    status, body = _request("GET", url)
    if status != 200:
        raise RuntimeError(f"GET /api/v2/alerts: HTTP {status}: {body[:300]!r}")
    return json.loads(body)
