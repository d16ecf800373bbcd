"""Stand-ins for the services tern-alerts pages through, which cannot run
here: one HTTP server on 127.0.0.1 that speaks the request formats of

- Twilio's Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json,
  form-encoded To, From, Body, HTTP basic auth AccountSid:AuthToken; answers
  201 with a message resource (sid, status "queued");
- ntfy: POST /{topic} with the message as body and Title, Priority, Tags
  headers, optional "Authorization: Bearer"; answers 200 with the event;
- Appwrite: POST /v1/messaging/messages/push (Messaging, JSON messageId,
  title, body, topics) and POST /v1/databases/{db}/collections/{coll}/documents
  (JSON documentId, data) + PATCH .../documents/{id}, both with
  X-Appwrite-Project and X-Appwrite-Key; 409 for an id that exists.

Every request is recorded (service, path, headers, parsed body). Wrong
credentials get the service's 401; `fail_next(service, n, status)` makes the
next n requests to a service fail, to test retries.
"""

import base64
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


class FakeNotify:
    def __init__(self, twilio_sid="AC00000000000000000000000000000001", twilio_token="twilio-secret",
                 ntfy_token="tk_ntfy_secret", appwrite_project="monitoring", appwrite_key="appwrite-key"):
        self.twilio_sid = twilio_sid
        self.twilio_token = twilio_token
        self.ntfy_token = ntfy_token
        self.appwrite_project = appwrite_project
        self.appwrite_key = appwrite_key
        self.requests = []  # dicts: service, method, path, headers, body
        self.documents = {}  # Appwrite documents by id
        self.message_ids = set()
        self._failures = {}  # service -> [remaining, status]
        self._cond = threading.Condition()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                fake._handle(self)

            def do_PATCH(self):
                fake._handle(self)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # A client killed with -9 (the restart test) resets its
                # connections: expected, not worth a traceback.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.server = Server((h.LOOPBACK, 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{h.LOOPBACK}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, service, count, status=503):
        with self._cond:
            self._failures[service] = [count, status]

    def of(self, service, accepted_only=True):
        with self._cond:
            return [r for r in self.requests if r["service"] == service and (r["accepted"] or not accepted_only)]

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                result = predicate(self)
                if result or time.monotonic() >= deadline:
                    return result
                self._cond.wait(min(0.1, max(0.0, deadline - time.monotonic())))

    # ------------------------------------------------------------------

    def _reply(self, handler, status, body):
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length)
        path = urllib.parse.urlsplit(handler.path).path
        headers = {k.lower(): v for k, v in handler.headers.items()}
        if path.startswith("/2010-04-01/Accounts/"):
            service = "twilio"
        elif path.startswith("/v1/messaging/"):
            service = "appwrite_messaging"
        elif path.startswith("/v1/databases/"):
            service = "appwrite_database"
        else:
            service = "ntfy"
        record = {"service": service, "method": handler.command, "path": path, "headers": headers,
                  "raw": raw.decode("utf-8", "replace"), "accepted": False}
        status, body = self._answer(service, handler.command, path, headers, raw, record)
        with self._cond:
            self.requests.append(record)
            self._cond.notify_all()
        self._reply(handler, status, body)

    def _answer(self, service, method, path, headers, raw, record):
        with self._cond:
            failure = self._failures.get(service)
            if failure and failure[0] > 0:
                failure[0] -= 1
                return failure[1], {"message": "injected failure"}
        if service == "twilio":
            expected = "Basic " + base64.b64encode(f"{self.twilio_sid}:{self.twilio_token}".encode()).decode()
            if headers.get("authorization") != expected:
                return 401, {"code": 20003, "message": "Authenticate", "status": 401}
            if path != f"/2010-04-01/Accounts/{self.twilio_sid}/Messages.json":
                return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
            if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                return 400, {"code": 21601, "message": "form encoding required", "status": 400}
            form = dict(urllib.parse.parse_qsl(record["raw"], keep_blank_values=True))
            record["body"] = form
            for key in ("To", "From", "Body"):
                if not form.get(key):
                    return 400, {"code": 21604, "message": f"A '{key}' parameter is required.", "status": 400}
            record["accepted"] = True
            return 201, {"sid": f"SM{len(self.requests):032d}", "status": "queued", "to": form["To"],
                         "from": form["From"], "body": form["Body"], "account_sid": self.twilio_sid}
        if service == "ntfy":
            if self.ntfy_token and headers.get("authorization") != f"Bearer {self.ntfy_token}":
                return 401, {"code": 40101, "http": 401, "error": "unauthorized"}
            topic = path.strip("/")
            record["body"] = {"topic": topic, "message": record["raw"], "title": headers.get("title", ""),
                              "priority": headers.get("priority", ""), "tags": headers.get("tags", "")}
            record["accepted"] = True
            return 200, {"id": f"n{len(self.requests)}", "time": int(time.time()), "event": "message",
                         "topic": topic, "message": record["raw"]}
        # Appwrite
        if headers.get("x-appwrite-project") != self.appwrite_project or headers.get("x-appwrite-key") != self.appwrite_key:
            return 401, {"message": "The current user is not authorized to perform the requested action.",
                         "code": 401, "type": "general_unauthorized_scope"}
        try:
            body = json.loads(record["raw"])
        except ValueError:
            return 400, {"message": "Invalid JSON", "code": 400, "type": "general_argument_invalid"}
        record["body"] = body
        if service == "appwrite_messaging":
            if path != "/v1/messaging/messages/push":
                return 404, {"message": "Route not found", "code": 404}
            message_id = body.get("messageId")
            with self._cond:
                if message_id in self.message_ids:
                    return 409, {"message": "Message with the requested ID already exists.", "code": 409,
                                 "type": "message_already_exists"}
                self.message_ids.add(message_id)
            record["accepted"] = True
            return 201, {"$id": message_id, "status": "processing", "topics": body.get("topics", [])}
        parts = path.split("/")  # /v1/databases/{db}/collections/{coll}/documents[/{id}]
        if len(parts) < 7 or parts[3] == "" or parts[4] != "collections" or parts[6] != "documents":
            return 404, {"message": "Route not found", "code": 404}
        with self._cond:
            if method == "POST":
                doc_id = body.get("documentId")
                if doc_id in self.documents:
                    return 409, {"message": "Document with the requested ID already exists.", "code": 409,
                                 "type": "document_already_exists"}
                self.documents[doc_id] = dict(body.get("data", {}))
            else:
                doc_id = parts[7] if len(parts) > 7 else ""
                if doc_id not in self.documents:
                    return 404, {"message": "Document not found", "code": 404, "type": "document_not_found"}
                self.documents[doc_id].update(body.get("data", {}))
        record["accepted"] = True
        return 200 if method == "PATCH" else 201, {"$id": doc_id, "$databaseId": parts[3],
                                                   "$collectionId": parts[5], **self.documents[doc_id]}
