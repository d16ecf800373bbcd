"""A stand-in for the Route53 API on 127.0.0.1, for tests: it speaks the
real XML of API 2013-04-01 (namespace https://route53.amazonaws.com/doc/2013-04-01/)
for ListResourceRecordSets (paginated with NextRecordName/NextRecordType/
NextRecordIdentifier and maxitems), ChangeResourceRecordSets and GetChange.

Every request's SigV4 signature is recomputed here from what arrived (with
hmac/hashlib, independently of the C++ signer) and a mismatch is answered like
AWS: 403 with an <ErrorResponse> whose code is SignatureDoesNotMatch. Change
batches are applied atomically with Route53's rules (a DELETE must match the
current record set exactly; a CNAME cannot share its name with other
records) and recorded, with every request, for the tests to inspect.

Use from a test:
    fake = FakeRoute53(zones, credentials={"AKID": "secret"}, page_size=2)
    fake.start()            # binds 127.0.0.1:0; fake.endpoint is the URL
    ... fake.requests, fake.batches, fake.zones ...
    fake.stop()
or run it alone: python3 fake_route53.py zones.json --access-key AKID --secret-key-file FILE
"""

import argparse
import datetime
import hashlib
import hmac
import http.server
import json
import re
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

NAMESPACE = "https://route53.amazonaws.com/doc/2013-04-01/"
NS = {"r": NAMESPACE}
REGION, SERVICE = "us-east-1", "route53"
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


def _uri_encode(text, keep_slash):
    safe = "-._~" + ("/" if keep_slash else "")
    return urllib.parse.quote(text, safe=safe)


def _sort_key(name):
    """Route53 lists record sets by name with its labels reversed."""
    return list(reversed(name.rstrip(".").lower().split(".")))


def canonical_request(method, raw_path, raw_query, headers, signed, body):
    path = urllib.parse.unquote(raw_path) or "/"
    pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
    query = "&".join(
        f"{k}={v}" for k, v in sorted((_uri_encode(k, False), _uri_encode(v, False)) for k, v in pairs)
    )
    lines = []
    for name in signed:
        values = headers.get_all(name) or []
        if not values:
            return None
        lines.append(name + ":" + ",".join(" ".join(v.split()) for v in values))
    return "\n".join(
        [method, _uri_encode(path, True), query, "\n".join(lines) + "\n", ";".join(signed),
         hashlib.sha256(body).hexdigest()]
    )


def expected_signature(secret, amz_date, creq, region=REGION, service=SERVICE):
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(creq.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _record_set_xml(rs):
    out = [f"<ResourceRecordSet><Name>{escape(rs['Name'])}</Name><Type>{rs['Type']}</Type>"]
    if rs.get("SetIdentifier"):
        out.append(f"<SetIdentifier>{escape(rs['SetIdentifier'])}</SetIdentifier>")
    if rs.get("AliasTarget"):
        a = rs["AliasTarget"]
        out.append(f"<AliasTarget><HostedZoneId>{a['HostedZoneId']}</HostedZoneId>"
                   f"<DNSName>{escape(a['DNSName'])}</DNSName>"
                   f"<EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>")
    else:
        out.append(f"<TTL>{rs['TTL']}</TTL><ResourceRecords>")
        out.extend(f"<ResourceRecord><Value>{escape(v)}</Value></ResourceRecord>"
                   for v in rs["Values"])
        out.append("</ResourceRecords>")
    out.append("</ResourceRecordSet>")
    return "".join(out)


class _Error(Exception):
    def __init__(self, status, code, message, invalid_batch=False):
        super().__init__(message)
        self.status, self.code, self.message, self.invalid_batch = status, code, message, invalid_batch


class FakeRoute53:
    def __init__(self, zones, credentials, page_size=100, pending_polls=1, clock_skew_limit=300):
        # zones: {zone_id: [record set dicts: Name, Type, TTL, Values (, SetIdentifier, AliasTarget)]}
        self.zones = {zid: [dict(rs) for rs in sets] for zid, sets in zones.items()}
        self.credentials = dict(credentials)
        self.page_size = page_size
        self.pending_polls = pending_polls
        self.clock_skew_limit = clock_skew_limit
        self.requests = []  # {"method", "path", "query", "operation", "status", "code"}
        self.batches = []   # {"zone", "comment", "changes": [(action, record set)], "xml"}
        self.changes = {}   # change id -> polls left before INSYNC
        self.lock = threading.Lock()
        self._server = None
        self._thread = None

    # ------------------------------------------------------------ serving
    def start(self):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _handle(self, handler, method):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        raw_path, _, raw_query = handler.path.partition("?")
        entry = {"method": method, "path": raw_path, "query": raw_query, "operation": "?",
                 "status": 200, "code": ""}
        try:
            operation, handler_fn, args = self._route(method, raw_path)
            entry["operation"] = operation
            self._verify(handler, method, raw_path, raw_query, body)
            status, xml = handler_fn(raw_query, body, *args)
        except _Error as e:
            entry["status"], entry["code"] = e.status, e.code
            status, xml = e.status, self._error_xml(e)
        with self.lock:
            self.requests.append(entry)
        data = ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/xml")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000")
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, method, path):
        m = re.fullmatch(r"/2013-04-01/hostedzone/([A-Za-z0-9]+)/rrset/?", path)
        if m and method == "GET":
            return "ListResourceRecordSets", self._list, (m.group(1),)
        if m and method == "POST":
            return "ChangeResourceRecordSets", self._change, (m.group(1),)
        m = re.fullmatch(r"/2013-04-01/change/([A-Za-z0-9]+)", path)
        if m and method == "GET":
            return "GetChange", self._get_change, (m.group(1),)
        raise _Error(404, "UnknownOperationException", f"no operation {method} {path}")

    @staticmethod
    def _error_xml(e):
        if e.invalid_batch:
            return (f'<InvalidChangeBatch xmlns="{NAMESPACE}"><Messages><Message>{escape(e.message)}'
                    f"</Message></Messages><RequestId>00000000-0000-4000-8000-000000000000"
                    f"</RequestId></InvalidChangeBatch>")
        kind = "Sender" if e.status < 500 else "Receiver"
        return (f'<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{kind}</Type><Code>{e.code}</Code>'
                f"<Message>{escape(e.message)}</Message></Error>"
                f"<RequestId>00000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>")

    # ------------------------------------------------------------ SigV4
    def _verify(self, handler, method, raw_path, raw_query, body):
        auth = handler.headers.get("Authorization")
        amz_date = handler.headers.get("X-Amz-Date", "")
        if not auth:
            raise _Error(403, "MissingAuthenticationToken", "Missing Authentication Token")
        m = _AUTH.match(auth)
        if not m or not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
            raise _Error(403, "IncompleteSignature", f"Authorization header is malformed: {auth[:60]}")
        if m["key"] not in self.credentials:
            raise _Error(403, "InvalidClientTokenId",
                         "The security token included in the request is invalid.")
        if (m["region"], m["service"]) != (REGION, SERVICE) or m["date"] != amz_date[:8]:
            raise _Error(403, "SignatureDoesNotMatch",
                         f"Credential should be scoped to a valid region/service: "
                         f"{m['date']}/{m['region']}/{m['service']}")
        signed = m["signed"].split(";")
        if "host" not in signed or "x-amz-date" not in signed or signed != sorted(signed):
            raise _Error(403, "SignatureDoesNotMatch", "host and x-amz-date must be signed")
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
        skew = abs((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds())
        if skew > self.clock_skew_limit:
            raise _Error(403, "SignatureDoesNotMatch", "Signature expired or not yet current")
        creq = canonical_request(method, raw_path, raw_query, handler.headers, signed, body)
        if creq is None:
            raise _Error(403, "SignatureDoesNotMatch", "a signed header is missing")
        expected = expected_signature(self.credentials[m["key"]], amz_date, creq)
        if not hmac.compare_digest(expected, m["signature"]):
            raise _Error(403, "SignatureDoesNotMatch",
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your AWS Secret Access Key and signing method. Consult "
                         "the service documentation for details.")

    # ------------------------------------------------------------ operations
    def _zone(self, zone_id):
        if zone_id not in self.zones:
            raise _Error(404, "NoSuchHostedZone", f"No hosted zone found with ID: {zone_id}")
        return self.zones[zone_id]

    def _list(self, raw_query, body, zone_id):
        query = dict(urllib.parse.parse_qsl(raw_query, keep_blank_values=True))
        with self.lock:
            sets = sorted(self._zone(zone_id),
                          key=lambda rs: (_sort_key(rs["Name"]), rs["Type"], rs.get("SetIdentifier", "")))
        try:
            max_items = int(query.get("maxitems", "300"))
        except ValueError:
            raise _Error(400, "InvalidInput", "maxitems must be a number")
        if not 1 <= max_items <= 300:
            raise _Error(400, "InvalidInput", "maxitems must be between 1 and 300")
        if "type" in query and "name" not in query:
            raise _Error(400, "InvalidInput", "type requires name")
        page_size = min(max_items, self.page_size)
        start = 0
        if "name" in query:
            key = (_sort_key(query["name"]), query.get("type", ""), query.get("identifier", ""))
            while start < len(sets) and (_sort_key(sets[start]["Name"]), sets[start]["Type"],
                                         sets[start].get("SetIdentifier", "")) < key:
                start += 1
        page = sets[start:start + page_size]
        more = start + page_size < len(sets)
        out = [f'<ListResourceRecordSetsResponse xmlns="{NAMESPACE}"><ResourceRecordSets>']
        out.extend(_record_set_xml(rs) for rs in page)
        out.append(f"</ResourceRecordSets><IsTruncated>{'true' if more else 'false'}</IsTruncated>"
                   f"<MaxItems>{max_items}</MaxItems>")
        if more:
            nxt = sets[start + page_size]
            out.append(f"<NextRecordName>{escape(nxt['Name'])}</NextRecordName>"
                       f"<NextRecordType>{nxt['Type']}</NextRecordType>")
            if nxt.get("SetIdentifier"):
                out.append(f"<NextRecordIdentifier>{escape(nxt['SetIdentifier'])}</NextRecordIdentifier>")
        out.append("</ListResourceRecordSetsResponse>")
        return 200, "".join(out)

    def _change(self, raw_query, body, zone_id):
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            raise _Error(400, "MalformedInput", f"Could not parse the request body: {e}")
        if root.tag != f"{{{NAMESPACE}}}ChangeResourceRecordSetsRequest":
            raise _Error(400, "MalformedInput", f"unexpected root element {root.tag}")
        comment = root.findtext("r:ChangeBatch/r:Comment", default="", namespaces=NS)
        changes = []
        for change in root.findall("r:ChangeBatch/r:Changes/r:Change", NS):
            rs_node = change.find("r:ResourceRecordSet", NS)
            if rs_node is None:
                raise _Error(400, "InvalidInput", "a Change without a ResourceRecordSet")
            rs = {"Name": rs_node.findtext("r:Name", "", NS), "Type": rs_node.findtext("r:Type", "", NS),
                  "Values": [v.text or "" for v in rs_node.findall(
                      "r:ResourceRecords/r:ResourceRecord/r:Value", NS)]}
            ttl = rs_node.findtext("r:TTL", None, NS)
            if ttl is not None:
                rs["TTL"] = int(ttl)
            changes.append((change.findtext("r:Action", "", NS), rs))
        if not changes:
            raise _Error(400, "InvalidInput", "the batch has no changes")
        with self.lock:
            current = [dict(rs) for rs in self._zone(zone_id)]
            messages = []
            for action, rs in changes:
                key = (rs["Name"].lower(), rs["Type"])
                found = [i for i, c in enumerate(current) if (c["Name"].lower(), c["Type"]) == key]
                if action == "DELETE":
                    if not found:
                        messages.append(f"Tried to delete resource record set [name='{rs['Name']}', "
                                        f"type='{rs['Type']}'] but it was not found")
                    elif (current[found[0]].get("TTL"), sorted(current[found[0]]["Values"])) != (
                            rs.get("TTL"), sorted(rs["Values"])):
                        messages.append(f"Tried to delete resource record set [name='{rs['Name']}', "
                                        f"type='{rs['Type']}'] but the values provided do not match "
                                        f"the current values")
                    else:
                        del current[found[0]]
                elif action in ("CREATE", "UPSERT"):
                    if action == "CREATE" and found:
                        messages.append(f"Tried to create resource record set [name='{rs['Name']}', "
                                        f"type='{rs['Type']}'] but it already exists")
                        continue
                    if "TTL" not in rs or not rs["Values"]:
                        messages.append(f"{rs['Name']} {rs['Type']}: TTL and values are required")
                        continue
                    for i in reversed(found):
                        del current[i]
                    current.append(rs)
                else:
                    messages.append(f"unknown action {action}")
            names = {}
            for c in current:
                names.setdefault(c["Name"].lower(), []).append(c["Type"])
            for name, types in names.items():
                if "CNAME" in types and len(types) > 1:
                    messages.append(f"RRSet of type CNAME with DNS name {name} is not permitted as it "
                                    f"conflicts with other records with the same DNS name in zone")
            if messages:
                raise _Error(400, "InvalidChangeBatch", "; ".join(messages), invalid_batch=True)
            self.zones[zone_id] = current
            change_id = f"C{len(self.batches) + 1:013d}FAKE"
            self.changes[change_id] = self.pending_polls
            self.batches.append({"zone": zone_id, "comment": comment, "changes": changes,
                                 "xml": body.decode("utf-8", "replace")})
        status = "PENDING" if self.pending_polls > 0 else "INSYNC"
        return 200, (f'<ChangeResourceRecordSetsResponse xmlns="{NAMESPACE}">'
                     f"{self._change_info(change_id, status, comment)}"
                     f"</ChangeResourceRecordSetsResponse>")

    def _get_change(self, raw_query, body, change_id):
        with self.lock:
            if change_id not in self.changes:
                raise _Error(404, "NoSuchChange", f"A change with the specified change ID does not exist: {change_id}")
            left = self.changes[change_id]
            self.changes[change_id] = max(0, left - 1)
        status = "PENDING" if left > 0 else "INSYNC"
        return 200, (f'<GetChangeResponse xmlns="{NAMESPACE}">{self._change_info(change_id, status, "")}'
                     f"</GetChangeResponse>")

    @staticmethod
    def _change_info(change_id, status, comment):
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        return (f"<ChangeInfo><Id>/change/{change_id}</Id><Status>{status}</Status>"
                f"<SubmittedAt>{now}</SubmittedAt>"
                + (f"<Comment>{escape(comment)}</Comment>" if comment else "") + "</ChangeInfo>")

    # ------------------------------------------------------------ helpers for tests
    def operations(self):
        with self.lock:
            return [r["operation"] for r in self.requests]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zones", help='JSON: {"Z1": [{"Name": ..., "Type": ..., "TTL": ..., "Values": [...]}]}')
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key-file", required=True, help="file holding the secret key")
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    with open(args.zones) as f:
        zones = json.load(f)
    with open(args.secret_key_file) as f:
        secret = f.read().strip()
    fake = FakeRoute53(zones, {args.access_key: secret}, page_size=args.page_size).start()
    print(f"listening on {fake.endpoint}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
