#!/usr/bin/env python3
"""A stand-in for Mailcow's HTTP API, for the tern-mail mailcow tests.

Mailcow cannot run on the test machines (it is a dozen containers pulled from
a registry), so this server takes its place. It speaks the real wire format:
the real paths (/api/v1/get/mailq/all, /api/v1/get/mailbox/all,
/api/v1/get/domain/all, /api/v1/get/quarantine/all,
/api/v1/get/rspamd/actions, /api/v1/get/status/containers), the `X-API-Key`
header, and answers in the format of the examples in mailcow-dockerized's
data/web/api/openapi.yaml, replayed from tests/fixtures/mail/mailcow/*.json.
A missing or wrong key gets Mailcow's 401 {"type": "error", "msg":
"authentication failed"}.

On command, per path, it answers a fault instead:
  "401"        Mailcow's 401 even with the right key
  "500"        an HTTP 500 with an HTML body (what PHP-FPM behind nginx sends)
  "timeout"    sleeps `seconds` (longer than --mailcow.timeout), then answers
  "truncated"  a complete HTTP answer whose JSON body is cut in half
  "cut"        headers announcing the whole body, half of it, then a close

HTTP/1.1 with keep-alive, one thread per connection, 127.0.0.1 only; HTTPS
with a given certificate.

In a test: `fake = FakeMailcow(fixtures_dir, key).start()`, then `fake.port`,
`fake.fault(path, "500")`, `fake.clear()`, `fake.requests()`.
As a program: `python3 fake_mailcow.py --fixtures DIR --key-file FILE --port 0`.
"""

import argparse
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time

ROUTES = {
    "/api/v1/get/mailq/all": "mailq.json",
    "/api/v1/get/mailbox/all": "mailbox.json",
    "/api/v1/get/domain/all": "domain.json",
    "/api/v1/get/quarantine/all": "quarantine.json",
    "/api/v1/get/rspamd/actions": "rspamd_actions.json",
    "/api/v1/get/status/containers": "containers.json",
}
UNAUTHORIZED = b'{"type":"error","msg":"authentication failed"}'
SERVER_ERROR = b"<html><body><h1>500 Internal Server Error</h1></body></html>"


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeMailcow:
    def __init__(self, fixtures_dir, api_key):
        self.fixtures_dir = fixtures_dir
        self.api_key = api_key
        self._lock = threading.Lock()
        self._faults = {}  # path: (kind, seconds)
        self._requests = []  # (path, key_ok)
        self._server = None
        self.port = None

    # -- control
    def fault(self, path, kind, seconds=3.0):
        with self._lock:
            self._faults[path] = (kind, seconds)

    def clear(self):
        with self._lock:
            self._faults.clear()

    def requests(self):
        with self._lock:
            return list(self._requests)

    def reset_requests(self):
        with self._lock:
            self._requests.clear()

    def body(self, path):
        with open(os.path.join(self.fixtures_dir, ROUTES[path]), "rb") as f:
            return f.read()

    # -- serving
    def start(self, port=0, tls=None):
        """tls: (certificate file, key file) to serve HTTPS instead of HTTP."""
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json", length=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                key_ok = self.headers.get("X-API-Key") == fake.api_key
                with fake._lock:
                    fake._requests.append((path, key_ok))
                    kind, seconds = fake._faults.get(path, ("ok", 0))
                if path not in ROUTES:
                    self._send(404, b'{"type":"error","msg":"route not found"}')
                    return
                if not key_ok or kind == "401":
                    self._send(401, UNAUTHORIZED)
                    return
                if kind == "500":
                    self._send(500, SERVER_ERROR, content_type="text/html")
                    return
                body = fake.body(path)
                try:
                    if kind == "timeout":
                        time.sleep(seconds)
                        self._send(200, body)
                    elif kind == "truncated":
                        self._send(200, body[: len(body) // 2])
                    elif kind == "cut":
                        self._send(200, body[: len(body) // 2], length=len(body))
                        self.close_connection = True
                    else:
                        self._send(200, body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self._server = _Server(("127.0.0.1", port), Handler)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def main():
    parser = argparse.ArgumentParser(description="A stand-in for Mailcow's HTTP API.")
    parser.add_argument("--fixtures", required=True, help="tests/fixtures/mail/mailcow")
    parser.add_argument("--key-file", required=True, help="file holding the expected API key")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with open(args.key_file) as f:
        key = f.read().strip()
    fake = FakeMailcow(args.fixtures, key).start(args.port)
    print(f'msg="Listening on" address=127.0.0.1:{fake.port}', file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
