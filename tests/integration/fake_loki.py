#!/usr/bin/env python3
"""A stand-in for Loki's push endpoint, for the tern-shipper tests and benchmark.

No Loki runs on the test machines (Debian bookworm does not package it and no
registry is reachable), so this receiver takes its place: an HTTP/1.1 server on
127.0.0.1 that accepts `POST /loki/api/v1/push` with a snappy (block format)
compressed protobuf `logproto.PushRequest`, decodes it with the decoders below
(written here, standard library only) and keeps every entry: its labels, its
timestamp in nanoseconds and its line. It answers 204 like Loki, or on command
400 with a Loki-like reason, 429, 5xx, or stops listening for a while.

Used two ways:

- from a test, in the same process: `FakeLoki().start()`, then `.entries()`,
  `.respond(429, count=3)`, `.down(seconds=5)`, `.up()`, ...
- as a program (the benchmark runs it on its own core):

      python3 fake_loki.py --port 0 [--control-port 0] [--count-only]

  It logs `msg="Listening on" address=127.0.0.1:<port>` (the push server) and
  `msg="Control on" address=...` to stderr. The control server keeps answering
  while the push server is down: GET /entries (JSON), GET /stats (JSON),
  POST /control with a JSON body {"action": "ok" | "respond" | "down" | "up" |
  "clear", "status": 429, "count": 3, "seconds": 5, "body": "..."}.
  GET /entries and /stats also work on the push port while it is up.

`--count-only` (the benchmark) counts entries and line bytes without keeping
lines, and uses libsnappy through ctypes when the system has it (the pure
Python decompressor manages a few MB/s, less than the shipper sends).

`python3 fake_loki.py --self-test` checks the decoders against byte strings
built with the small encoders at the end of this file.

Everything received is checked: a body that is not valid snappy, not a valid
PushRequest, labels that do not parse as Loki's `{a="b", c="d"}` text, a
missing or wrong Content-Type: each is answered 400 and recorded in
`.errors()`, which the tests require to be empty.
"""

import argparse
import ctypes
import ctypes.util
import dataclasses
import http.server
import json
import re
import socket
import socketserver
import sys
import threading
import time

LOOPBACK = "127.0.0.1"
PUSH_PATH = "/loki/api/v1/push"


class DecodeError(ValueError):
    pass


# --------------------------------------------------------------------------
# Snappy, block format (https://github.com/google/snappy/blob/main/format_description.txt):
# a varint with the uncompressed length, then elements. The two low bits of an
# element's tag say what it is: 00 literal, 01 copy with a 1-byte offset,
# 10 copy with a 2-byte offset, 11 copy with a 4-byte offset.


def _uvarint(data, pos, limit=None):
    """(value, new pos) of a base-128 varint at data[pos]."""
    limit = len(data) if limit is None else limit
    result = 0
    shift = 0
    while True:
        if pos >= limit:
            raise DecodeError("truncated varint")
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise DecodeError("varint longer than 10 bytes")


def snappy_uncompressed_length(data):
    return _uvarint(data, 0)[0]


def snappy_decompress(data):
    """Block-format snappy -> bytes. Raises DecodeError on anything malformed."""
    data = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else data
    expected, pos = _uvarint(data, 0)
    if expected > 1 << 32:
        raise DecodeError(f"uncompressed length {expected} is absurd")
    out = bytearray()
    n = len(data)
    while pos < n:
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:
            length = tag >> 2
            if length >= 60:
                extra = length - 59
                if pos + extra > n:
                    raise DecodeError("truncated literal length")
                length = int.from_bytes(data[pos : pos + extra], "little")
                pos += extra
            length += 1
            if pos + length > n:
                raise DecodeError(f"literal of {length} bytes runs past the end")
            out += data[pos : pos + length]
            pos += length
            continue
        if kind == 1:
            if pos >= n:
                raise DecodeError("truncated copy-1")
            length = 4 + ((tag >> 2) & 7)
            offset = ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:
            if pos + 2 > n:
                raise DecodeError("truncated copy-2")
            length = (tag >> 2) + 1
            offset = data[pos] | (data[pos + 1] << 8)
            pos += 2
        else:
            if pos + 4 > n:
                raise DecodeError("truncated copy-4")
            length = (tag >> 2) + 1
            offset = int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        if offset == 0 or offset > len(out):
            raise DecodeError(f"copy offset {offset} outside the {len(out)} bytes decoded so far")
        start = len(out) - offset
        if offset >= length:
            out += out[start : start + length]
        else:  # overlapping: the pattern of `offset` bytes repeats
            pattern = bytes(out[start:])
            out += (pattern * (length // offset + 1))[:length]
        if len(out) > expected:
            raise DecodeError(f"output longer than the {expected} bytes announced")
    if len(out) != expected:
        raise DecodeError(f"decoded {len(out)} bytes, the header announced {expected}")
    return bytes(out)


class _LibSnappy:
    """libsnappy's C interface through ctypes, when the library is installed."""

    def __init__(self):
        name = ctypes.util.find_library("snappy") or "libsnappy.so.1"
        lib = ctypes.CDLL(name)
        self._uncompress = lib.snappy_uncompress
        self._uncompress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                     ctypes.POINTER(ctypes.c_size_t)]
        self._uncompress.restype = ctypes.c_int

    def decompress(self, data):
        length = snappy_uncompressed_length(data)
        if length > 1 << 32:
            raise DecodeError(f"uncompressed length {length} is absurd")
        buf = ctypes.create_string_buffer(max(1, length))
        out_len = ctypes.c_size_t(length)
        status = self._uncompress(bytes(data), len(data), buf, ctypes.byref(out_len))
        if status != 0:
            raise DecodeError(f"libsnappy: snappy_uncompress returned {status}")
        if out_len.value != length:
            raise DecodeError(f"libsnappy decoded {out_len.value} bytes, header said {length}")
        return buf.raw[:length]


def fast_snappy():
    """A decompress function backed by libsnappy, or None."""
    try:
        return _LibSnappy().decompress
    except (OSError, AttributeError):
        return None


# --------------------------------------------------------------------------
# Protobuf wire format: the few message types of logproto.PushRequest.
#   PushRequest   { repeated StreamAdapter streams = 1; }
#   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
#   EntryAdapter  { Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
#   Timestamp     { int64 seconds = 1; int32 nanos = 2; }
#   LabelPairAdapter { string name = 1; string value = 2; }

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5


def _fields(data, start, end):
    """Yields (field number, wire type, value) over data[start:end]; value is
    an int for VARINT/FIXED*, a (start, end) pair for LEN."""
    pos = start
    while pos < end:
        key, pos = _uvarint(data, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise DecodeError("field number 0")
        if wire == VARINT:
            value, pos = _uvarint(data, pos, end)
        elif wire == LEN:
            length, pos = _uvarint(data, pos, end)
            if pos + length > end:
                raise DecodeError(f"field {number}: {length} bytes run past the message end")
            value = (pos, pos + length)
            pos += length
        elif wire == FIXED64:
            if pos + 8 > end:
                raise DecodeError("truncated fixed64")
            value = int.from_bytes(data[pos : pos + 8], "little")
            pos += 8
        elif wire == FIXED32:
            if pos + 4 > end:
                raise DecodeError("truncated fixed32")
            value = int.from_bytes(data[pos : pos + 4], "little")
            pos += 4
        else:
            raise DecodeError(f"field {number}: wire type {wire} (groups) not expected")
        yield number, wire, value


def _expect(number, wire, want, what):
    if wire != want:
        raise DecodeError(f"{what}: field {number} has wire type {wire}, want {want}")


def _signed64(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(data, span, what):
    try:
        return bytes(data[span[0] : span[1]]).decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(f"{what} is not UTF-8: {e}") from None


@dataclasses.dataclass
class Stream:
    labels: str
    entries: list  # of (timestamp_ns, line, structured metadata list of (name, value))
    hash: int = 0


def decode_timestamp(data, start, end):
    seconds = nanos = 0
    for number, wire, value in _fields(data, start, end):
        if number == 1:
            _expect(number, wire, VARINT, "Timestamp.seconds")
            seconds = _signed64(value)
        elif number == 2:
            _expect(number, wire, VARINT, "Timestamp.nanos")
            nanos = _signed64(value)
    if not 0 <= nanos < 1_000_000_000:
        raise DecodeError(f"Timestamp.nanos {nanos} outside [0, 1e9)")
    return seconds * 1_000_000_000 + nanos


def decode_entry(data, start, end):
    timestamp = None
    line = ""
    metadata = []
    for number, wire, value in _fields(data, start, end):
        if number == 1:
            _expect(number, wire, LEN, "EntryAdapter.timestamp")
            timestamp = decode_timestamp(data, *value)
        elif number == 2:
            _expect(number, wire, LEN, "EntryAdapter.line")
            line = _text(data, value, "EntryAdapter.line")
        elif number == 3:
            _expect(number, wire, LEN, "EntryAdapter.structuredMetadata")
            pair = ["", ""]
            for n2, w2, v2 in _fields(data, *value):
                if n2 in (1, 2):
                    _expect(n2, w2, LEN, "LabelPairAdapter")
                    pair[n2 - 1] = _text(data, v2, "LabelPairAdapter")
            metadata.append(tuple(pair))
    if timestamp is None:
        raise DecodeError("EntryAdapter without a timestamp")
    return timestamp, line, metadata


def decode_push_request(data):
    """Uncompressed PushRequest bytes -> list of Stream."""
    streams = []
    for number, wire, value in _fields(data, 0, len(data)):
        if number != 1:
            continue
        _expect(number, wire, LEN, "PushRequest.streams")
        stream = Stream("", [])
        for n2, w2, v2 in _fields(data, *value):
            if n2 == 1:
                _expect(n2, w2, LEN, "StreamAdapter.labels")
                stream.labels = _text(data, v2, "StreamAdapter.labels")
            elif n2 == 2:
                _expect(n2, w2, LEN, "StreamAdapter.entries")
                stream.entries.append(decode_entry(data, *v2))
            elif n2 == 3:
                _expect(n2, w2, VARINT, "StreamAdapter.hash")
                stream.hash = v2
        streams.append(stream)
    return streams


def count_push_request(data):
    """(streams, entries, line bytes) of a PushRequest without building
    strings, for the benchmark. Still checks the framing. The common layout
    (entry = timestamp field then line field) takes an inlined fast path."""
    streams = entries = line_bytes = 0
    for number, wire, value in _fields(data, 0, len(data)):
        if number != 1 or wire != LEN:
            continue
        streams += 1
        pos, stream_end = value
        while pos < stream_end:
            if data[pos] == 0x12:  # entries (field 2, LEN), one-byte key
                length, start = _uvarint(data, pos + 1, stream_end)
                end = start + length
                if end > stream_end:
                    raise DecodeError("entry runs past the stream's end")
                pos = end
                entries += 1
                # 0x0a <len < 128> <timestamp> 0x12 <len> <line>
                if data[start] == 0x0A and data[start + 1] < 0x80:
                    p = start + 2 + data[start + 1]
                    if p < end and data[p] == 0x12:
                        n, after = _uvarint(data, p + 1, end)
                        if after + n == end:
                            line_bytes += n
                            continue
                for n3, w3, v3 in _fields(data, start, end):  # any other layout
                    if n3 == 2 and w3 == LEN:
                        line_bytes += v3[1] - v3[0]
                continue
            # any other field of the stream: skip it
            key, p = _uvarint(data, pos, stream_end)
            wire = key & 7
            if wire == VARINT:
                _, pos = _uvarint(data, p, stream_end)
            elif wire == LEN:
                n, p = _uvarint(data, p, stream_end)
                pos = p + n
            elif wire == FIXED64:
                pos = p + 8
            elif wire == FIXED32:
                pos = p + 4
            else:
                raise DecodeError(f"stream field with wire type {wire}")
            if pos > stream_end:
                raise DecodeError("stream field runs past the stream's end")
    return streams, entries, line_bytes


# --------------------------------------------------------------------------
# Loki's label text: {a="b", c="d"}, values quoted as Go's strconv.Quote does.

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
                   "\\": "\\", '"': '"', "'": "'"}


def parse_labels(text):
    """Loki label text -> list of (name, value) in the order written.
    Raises DecodeError when Loki would reject it as invalid labels."""
    pos = 0
    n = len(text)
    if not text.startswith("{"):
        raise DecodeError(f"labels {text!r} do not start with {{")
    pos = 1
    pairs = []
    while True:
        while pos < n and text[pos] == " ":
            pos += 1
        if pos < n and text[pos] == "}":
            pos += 1
            break
        if pairs:
            if pos >= n or text[pos] != ",":
                raise DecodeError(f"labels {text!r}: expected , at {pos}")
            pos += 1
            while pos < n and text[pos] == " ":
                pos += 1
        match = _LABEL_NAME.match(text, pos)
        if not match:
            raise DecodeError(f"labels {text!r}: bad label name at {pos}")
        name = match.group(0)
        pos = match.end()
        if text[pos : pos + 2] != '="':
            raise DecodeError(f'labels {text!r}: expected =" after {name}')
        pos += 2
        value = []
        while True:
            if pos >= n:
                raise DecodeError(f"labels {text!r}: unterminated value of {name}")
            c = text[pos]
            if c == '"':
                pos += 1
                break
            if c != "\\":
                value.append(c)
                pos += 1
                continue
            e = text[pos + 1 : pos + 2]
            if e in _SIMPLE_ESCAPES:
                value.append(_SIMPLE_ESCAPES[e])
                pos += 2
            elif e in ("x", "u", "U"):
                width = {"x": 2, "u": 4, "U": 8}[e]
                digits = text[pos + 2 : pos + 2 + width]
                if len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise DecodeError(f"labels {text!r}: bad \\{e} escape in {name}")
                value.append(chr(int(digits, 16)))
                pos += 2 + width
            elif e and e in "01234567":
                digits = text[pos + 1 : pos + 4]
                if len(digits) != 3 or not all(d in "01234567" for d in digits):
                    raise DecodeError(f"labels {text!r}: bad octal escape in {name}")
                value.append(chr(int(digits, 8)))
                pos += 4
            else:
                raise DecodeError(f"labels {text!r}: unknown escape \\{e} in {name}")
        pairs.append((name, "".join(value)))
    if text[pos:].strip():
        raise DecodeError(f"labels {text!r}: text after }}")
    if not pairs:
        raise DecodeError("empty label set (Loki rejects a stream without labels)")
    names = [p[0] for p in pairs]
    if len(set(names)) != len(names):
        raise DecodeError(f"labels {text!r}: a label name repeats")
    return pairs


# --------------------------------------------------------------------------
# The receiver


@dataclasses.dataclass
class Entry:
    labels: dict
    timestamp_ns: int
    line: str
    labels_text: str
    received: float  # time.time() when the request arrived
    request: int  # sequence number of the request that carried it
    metadata: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Request:
    number: int
    received: float
    status: int
    entries: int
    streams: int
    body_bytes: int
    headers: dict  # lower-case names


def loki_400_body(labels_text):
    """What Loki says when it rejects an entry as too old."""
    return (f"entry for stream '{labels_text}' has timestamp too old: 2020-01-01T00:00:00Z, "
            "oldest acceptable timestamp is: 2026-01-01T00:00:00Z")


class FakeLoki:
    """The push receiver. Thread-safe; see the module docstring."""

    def __init__(self, port=0, count_only=False, fast=None, log=None):
        self.port = port
        self.count_only = count_only
        # The tests exercise the decoder written here; the benchmark wants speed.
        self._decompress = fast_snappy() if fast or (fast is None and count_only) else None
        self._decompress = self._decompress or snappy_decompress
        self._log = log or (lambda message: None)
        self._lock = threading.Lock()
        self._entries = []
        self._rejected = []  # entries of requests answered 400 (never stored)
        self._requests = []
        self._errors = []
        self._plan = []  # [(status, remaining count or None, body)]
        self._down = False
        self._server = None
        self._thread = None
        self._connections = set()
        self._push_statuses = {}  # HTTP status -> pushes answered with it
        self._down_timer = None
        self.counts = {"requests": 0, "entries": 0, "line_bytes": 0, "body_bytes": 0,
                       "uncompressed_bytes": 0, "streams": 0}
        self.first_request = None
        self.last_request = None

    def metrics_text(self):
        """A few of Loki's own metrics under Loki's names, so a Prometheus can
        scrape the stand-in like the real thing (the live-stack test does)."""
        lines = ["# TYPE loki_build_info gauge", 'loki_build_info{version="fake"} 1',
                 "# TYPE loki_request_duration_seconds histogram"]
        with self._lock:
            statuses = sorted(self._push_statuses.items())
        route = 'method="POST",route="loki_api_v1_push"'
        for status, count in statuses:
            labels = f'{route},status_code="{status}",ws="false"'
            lines.append(f'loki_request_duration_seconds_bucket{{{labels},le="+Inf"}} {count}')
            lines.append(f"loki_request_duration_seconds_sum{{{labels}}} 0")
            lines.append(f"loki_request_duration_seconds_count{{{labels}}} {count}")
        return "\n".join(lines) + "\n"

    # ---- life cycle

    def start(self):
        """Binds 127.0.0.1:port (0: the kernel picks) and serves in a thread."""
        self._server = _Server((LOOPBACK, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    @property
    def url(self):
        return f"http://{LOOPBACK}:{self.port}{PUSH_PATH}"

    def stop(self):
        if self._down_timer:
            self._down_timer.cancel()
        with self._lock:
            self._down = True
            self._close_locked()

    def _close_locked(self):
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        for conn in list(self._connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._connections.clear()

    def down(self, seconds=None):
        """Stops listening and drops open connections: the shipper sees
        connection refused. Back after `seconds` if given, else on up().
        A request is either stored and answered before this returns, or not
        stored at all, so going down never creates a duplicate."""
        if self._down_timer:
            self._down_timer.cancel()
            self._down_timer = None
        with self._lock:
            self._down = True
            self._close_locked()
        self._log(f"fake loki: down{f' for {seconds} s' if seconds else ''}")
        if seconds:
            self._down_timer = threading.Timer(seconds, self.up)
            self._down_timer.daemon = True
            self._down_timer.start()

    def up(self):
        with self._lock:
            if self._server is not None:
                return
            deadline = time.monotonic() + 10
            while True:
                try:
                    self._server = _Server((LOOPBACK, self.port), _Handler, self)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            self._down = False
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            daemon=True)
            self._thread.start()
        self._log("fake loki: up")

    def is_down(self):
        return self._down

    # ---- behaviour

    def ok(self):
        """Answer 204 from now on."""
        with self._lock:
            self._plan = []

    def respond(self, status, count=None, body=None):
        """Answer the next `count` pushes (all, if None, until ok()) with
        `status`. A 400 gets Loki's "timestamp too old" text unless `body`."""
        with self._lock:
            self._plan.append([status, count, body])

    def clear(self):
        with self._lock:
            self._entries = []
            self._rejected = []
            self._requests = []
            self._errors = []
            for key in self.counts:
                self.counts[key] = 0

    # ---- results

    def entries(self):
        with self._lock:
            return list(self._entries)

    def rejected(self):
        with self._lock:
            return list(self._rejected)

    def requests(self):
        with self._lock:
            return list(self._requests)

    def errors(self):
        with self._lock:
            return list(self._errors)

    def stats(self):
        with self._lock:
            result = dict(self.counts)
            result["errors"] = len(self._errors)
            result["first_request"] = self.first_request
            result["last_request"] = self.last_request
            result["statuses"] = {}
            for r in self._requests:
                result["statuses"][str(r.status)] = result["statuses"].get(str(r.status), 0) + 1
            result["down"] = self._down
            return result

    def entries_json(self):
        return json.dumps([dataclasses.asdict(e) for e in self.entries()])

    # ---- called by the handler

    def _next_planned(self):
        """(status, body) for this request, consuming the plan."""
        while self._plan:
            status, count, body = self._plan[0]
            if count is None:
                return status, body
            if count > 0:
                self._plan[0][1] -= 1
                if self._plan[0][1] == 0:
                    self._plan.pop(0)
                return status, body
            self._plan.pop(0)
        return 204, None

    def _handle_push(self, headers, body):
        """Returns (status, response body) or None to drop the connection."""
        received = time.time()
        error = None
        streams = None
        counted = None
        raw_len = 0
        ctype = headers.get("content-type", "")
        if ctype.split(";")[0].strip() != "application/x-protobuf":
            error = f"Content-Type {ctype!r}, want application/x-protobuf"
        else:
            try:
                raw = self._decompress(body)
                raw_len = len(raw)
                if self.count_only:
                    counted = count_push_request(raw)
                else:
                    streams = decode_push_request(raw)
                    for s in streams:
                        s.pairs = parse_labels(s.labels)
            except DecodeError as e:
                error = str(e)
        with self._lock:
            if self._down:
                return None
            number = len(self._requests) + 1 if not self.count_only else self.counts["requests"] + 1
            self.counts["requests"] += 1
            self.counts["body_bytes"] += len(body)
            self.counts["uncompressed_bytes"] += raw_len
            if self.first_request is None:
                self.first_request = received
            self.last_request = received
            if error is not None:
                self._errors.append(f"request {number}: {error}")
                self._requests.append(Request(number, received, 400, 0, 0, len(body), headers))
                return 400, error
            status, reply = self._next_planned()
            if counted is not None:
                n_streams, n_entries = counted[0], counted[1]
            else:
                n_streams, n_entries = len(streams), sum(len(s.entries) for s in streams)
            if not self.count_only or status != 204:
                self._requests.append(Request(number, received, status, n_entries, n_streams, len(body),
                                              {k: v for k, v in headers.items() if k != "authorization"}))
            if status == 204:
                self.counts["streams"] += n_streams
                self.counts["entries"] += n_entries
                if counted is not None:
                    self.counts["line_bytes"] += counted[2]
                else:
                    for s in streams:
                        labels = dict(s.pairs)
                        for ts, line, md in s.entries:
                            self.counts["line_bytes"] += len(line.encode())
                            self._entries.append(Entry(labels, ts, line, s.labels, received, number, md))
                return 204, None
            if status == 400 and streams:
                for s in streams:
                    labels = dict(s.pairs)
                    for ts, line, md in s.entries:
                        self._rejected.append(Entry(labels, ts, line, s.labels, received, number, md))
            if reply is None:
                first = streams[0].labels if streams else "{}"
                reply = loki_400_body(first) if status == 400 else f"fake loki: answering {status} as told"
            return status, reply

    def _control(self, command):
        action = command.get("action")
        if action == "ok":
            self.ok()
        elif action == "respond":
            self.respond(int(command["status"]), command.get("count"), command.get("body"))
        elif action == "down":
            threading.Thread(target=self.down, args=(command.get("seconds"),), daemon=True).start()
        elif action == "up":
            self.up()
        elif action == "clear":
            self.clear()
        else:
            raise ValueError(f"unknown action {action!r}")


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, handler, loki, control=False):
        self.loki = loki
        self.control = control
        super().__init__(address, handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Loki's Go server
    server_version = "fake-loki"
    sys_version = ""

    def setup(self):
        super().setup()
        if not self.server.control:
            with self.server.loki._lock:
                self.server.loki._connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            if not self.server.control:
                with self.server.loki._lock:
                    self.server.loki._connections.discard(self.connection)

    def log_message(self, *args):
        pass

    def _reply(self, status, body=b"", content_type="text/plain; charset=utf-8"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204 and body:
            self.wfile.write(body)
        self.wfile.flush()

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length)

    def do_GET(self):
        loki = self.server.loki
        if self.path == "/entries":
            self._reply(200, loki.entries_json(), "application/json")
        elif self.path == "/stats":
            self._reply(200, json.dumps(loki.stats()), "application/json")
        elif self.path == "/ready":
            self._reply(200, "ready\n")
        elif self.path == "/metrics":
            self._reply(200, loki.metrics_text(), "text/plain; version=0.0.4")
        else:
            self._reply(404, "not found\n")

    def do_POST(self):
        loki = self.server.loki
        body = self._read_body()
        if self.server.control:
            if self.path != "/control":
                self._reply(404, "not found\n")
                return
            try:
                loki._control(json.loads(body or b"{}"))
            except (ValueError, KeyError, TypeError) as e:
                self._reply(400, f"{e}\n")
                return
            self._reply(200, "ok\n")
            return
        if self.path != PUSH_PATH:
            self._reply(404, "404 page not found\n")
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        result = loki._handle_push(headers, body)
        if result is None:
            self.close_connection = True
            return
        status, reply = result
        with loki._lock:
            loki._push_statuses[status] = loki._push_statuses.get(status, 0) + 1
        self._reply(status, reply or b"")


def start_control(loki, port=0):
    """A second server for /control, /entries and /stats that stays up while
    the push server is down."""
    server = _Server((LOOPBACK, port), _Handler, loki, control=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


# --------------------------------------------------------------------------
# Encoders, for the self-test and the tests' own checks


def encode_uvarint(value):
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number, wire, payload):
    key = encode_uvarint((number << 3) | wire)
    if wire == VARINT:
        return key + encode_uvarint(payload & ((1 << 64) - 1))
    return key + encode_uvarint(len(payload)) + payload


def encode_push_request(streams):
    """[(labels text, [(timestamp ns, line), ...]), ...] -> PushRequest bytes."""
    out = bytearray()
    for labels, entries in streams:
        body = bytearray(_field(1, LEN, labels.encode()))
        for ts, line in entries:
            seconds, nanos = divmod(ts, 1_000_000_000)
            stamp = b""
            if seconds:
                stamp += _field(1, VARINT, seconds)
            if nanos:
                stamp += _field(2, VARINT, nanos)
            entry = _field(1, LEN, stamp) + _field(2, LEN, line.encode())
            body += _field(2, LEN, entry)
        body += _field(3, VARINT, 12345)
        out += _field(1, LEN, bytes(body))
    return bytes(out)


def _literal(chunk):
    n = len(chunk) - 1
    if n < 60:
        return bytes([n << 2]) + chunk
    size = (n.bit_length() + 7) // 8
    return bytes([(59 + size) << 2]) + n.to_bytes(size, "little") + chunk


def _copy(offset, length):
    out = bytearray()
    while length > 0:
        # copy-1 when it fits (length 4..11, offset < 2048), else copy-2 / copy-4 of up to 64
        if 4 <= length <= 11 and offset < 2048:
            out += bytes([1 | ((length - 4) << 2) | ((offset >> 8) << 5), offset & 0xFF])
            return bytes(out)
        step = min(length, 64)
        if length - step and length - step < 4:
            step = length - 4
        if offset < 65536:
            out += bytes([2 | ((step - 1) << 2)]) + offset.to_bytes(2, "little")
        else:
            out += bytes([3 | ((step - 1) << 2)]) + offset.to_bytes(4, "little")
        length -= step
    return bytes(out)


def snappy_compress(data, use_copy4=False):
    """A small greedy snappy compressor (4-byte hash matches), for tests."""
    out = bytearray(encode_uvarint(len(data)))
    table = {}
    i = lit = 0
    n = len(data)
    while i + 4 <= n:
        key = data[i : i + 4]
        cand = table.get(key)
        table[key] = i
        if cand is not None and i - cand < (1 << 32):
            length = 4
            while i + length < n and data[cand + length] == data[i + length]:
                length += 1
            if lit < i:
                out += _literal(data[lit:i])
            offset = i - cand
            if use_copy4:
                remaining = length
                while remaining:
                    step = min(remaining, 64)
                    out += bytes([3 | ((step - 1) << 2)]) + offset.to_bytes(4, "little")
                    remaining -= step
            else:
                out += _copy(offset, length)
            i += length
            lit = i
        else:
            i += 1
    if lit < n:
        out += _literal(data[lit:])
    return bytes(out)


def snappy_compress_literal(data):
    """Snappy with literals only (what a simple encoder may send)."""
    out = bytearray(encode_uvarint(len(data)))
    for i in range(0, len(data), 65536):
        out += _literal(data[i : i + 65536])
    return bytes(out)


def self_test():
    """Checks the decoders against hand-built and self-encoded byte strings.
    Returns a list of failures."""
    failures = []

    def check(cond, message):
        if not cond:
            failures.append(message)

    # Hand-built snappy: "abcd" literal, then a copy-1 of length 8, offset 4
    # (overlapping: repeats "abcd"), then a copy-2 of 3 at offset 12.
    hand = bytes([15, 3 << 2]) + b"abcd" + bytes([1 | (4 << 2), 4]) + bytes([2 | (2 << 2), 12, 0])
    check(snappy_decompress(hand) == b"abcdabcdabcdabc", f"hand-built snappy: {snappy_decompress(hand)!r}")
    # A long literal with a 2-byte length (tag 61).
    payload = bytes(range(256)) * 3
    check(snappy_decompress(_literal_block(payload)) == payload, "literal with 2-byte length")
    for bad, why in ((b"\x05\x00a", "short output"), (b"\x04\x01\x00", "offset 0"),
                     (b"\x08\x0cab", "truncated literal"), (b"\x80", "truncated varint"),
                     (bytes([4, 0]) + b"a" + bytes([1, 9]), "offset past start")):
        try:
            snappy_decompress(bad)
            failures.append(f"snappy accepted a bad block ({why})")
        except DecodeError:
            pass

    labels = '{container_name="web-1", job="docker", odd="a\\"b\\\\c\\nd\\u00e9"}'
    entries = [(1_700_000_000_123_456_789, "line 0"), (1_700_000_000_123_456_790, "line 1 " + "x" * 200),
               (0, ""), (5, "é ünïcode ✓")]
    raw = encode_push_request([(labels, entries), ('{a="1"}', [(1, "x" * 70000)])])
    for name, compressed in (("greedy", snappy_compress(raw)), ("copy-4", snappy_compress(raw, True)),
                             ("literal", snappy_compress_literal(raw))):
        try:
            got = decode_push_request(snappy_decompress(compressed))
        except DecodeError as e:
            failures.append(f"{name}: {e}")
            continue
        check(len(got) == 2 and got[0].labels == labels and got[0].hash == 12345,
              f"{name}: streams {[(s.labels, s.hash) for s in got]}")
        check([(e[0], e[1]) for e in got[0].entries] == entries, f"{name}: entries {got[0].entries}")
        check(got[1].entries[0][1] == "x" * 70000, f"{name}: 70000-byte line")
        check(count_push_request(snappy_decompress(compressed)) == (2, 5, sum(len(e[1].encode()) for e in entries) + 70000),
              f"{name}: count_push_request {count_push_request(snappy_decompress(compressed))}")
    lib = fast_snappy()
    if lib is not None:
        check(lib(snappy_compress(raw)) == raw, "libsnappy disagrees with the Python decoder")
    check(len(snappy_compress(b"a" * 10000)) < 600, "greedy compressor does not compress")

    # The labels of the first stream.
    pairs = parse_labels(labels)
    check(pairs == [("container_name", "web-1"), ("job", "docker"), ("odd", 'a"b\\c\ndé')], f"labels {pairs}")
    for bad in ("", "{", "{a=b}", '{a="b"', '{a="b" c="d"}', "{}", '{1a="b"}', '{a="b", a="c"}', '{a="\\q"}'):
        try:
            parse_labels(bad)
            failures.append(f"labels {bad!r} accepted")
        except DecodeError:
            pass

    # Timestamps before 1970 and the largest nanos.
    neg = _field(2, LEN, _field(1, LEN, _field(1, VARINT, -2) + _field(2, VARINT, 999_999_999)) + _field(2, LEN, b"old"))
    got = decode_push_request(_field(1, LEN, _field(1, LEN, b'{a="b"}') + neg))
    check(got[0].entries[0][0] == -2 * 10**9 + 999_999_999, f"negative seconds: {got[0].entries[0][0]}")
    # Unknown fields of every wire type are skipped.
    extra = _field(9, VARINT, 7) + bytes([(10 << 3) | FIXED64]) + b"\0" * 8 + bytes([(11 << 3) | FIXED32]) + b"\0" * 4
    got = decode_push_request(extra + _field(1, LEN, _field(1, LEN, b'{a="b"}') + extra))
    check(len(got) == 1 and got[0].labels == '{a="b"}', "unknown fields not skipped")
    try:
        decode_push_request(_field(1, LEN, b"\x0a\x05ab"))
        failures.append("truncated stream accepted")
    except DecodeError:
        pass

    # Over HTTP: 204 and stored; 429 as told; 400 with the stream's labels; down and up.
    loki = FakeLoki().start()
    try:
        body = snappy_compress(encode_push_request([(labels, entries)]))
        check(_post(loki.port, body) == 204, "push not answered 204")
        got = loki.entries()
        check(len(got) == 4 and got[0].labels["container_name"] == "web-1" and got[0].timestamp_ns == entries[0][0],
              f"stored entries {got[:1]}")
        loki.respond(429, count=1)
        check(_post(loki.port, body) == 429, "429 not answered")
        check(_post(loki.port, body) == 204, "204 not back after one 429")
        loki.respond(400, count=1)
        status = _post(loki.port, body, want_body=True)
        check(status[0] == 400 and "has timestamp too old" in status[1] and "web-1" in status[1], f"400: {status}")
        check(len(loki.rejected()) == 4, "rejected entries not recorded")
        check(_post(loki.port, body, ctype="application/json") == 400 and loki.errors(), "wrong content type accepted")
        port = loki.port
        loki.down()
        try:
            _post(port, body)
            failures.append("push answered while down")
        except OSError:
            pass
        loki.up()
        check(_post(port, body) == 204, "not back up on the same port")
        check(len(loki.entries()) == 12, f"{len(loki.entries())} entries stored, want 12")
    finally:
        loki.stop()
    return failures


def _literal_block(payload):
    return encode_uvarint(len(payload)) + _literal(payload)


def _post(port, body, ctype="application/x-protobuf", want_body=False):
    import http.client

    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
    try:
        conn.request("POST", PUSH_PATH, body=body, headers={"Content-Type": ctype})
        response = conn.getresponse()
        text = response.read().decode()
        return (response.status, text) if want_body else response.status
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description="A stand-in for Loki's push endpoint (no Loki runs here).")
    parser.add_argument("--port", type=int, default=3100, help="push port on 127.0.0.1, 0: any (default 3100)")
    parser.add_argument("--control-port", type=int, default=0, help="control port on 127.0.0.1 (default: any)")
    parser.add_argument("--count-only", action="store_true",
                        help="count entries and bytes, keep no lines (benchmark)")
    parser.add_argument("--self-test", action="store_true", help="check the decoders and exit")
    args = parser.parse_args()
    if args.self_test:
        failures = self_test()
        for failure in failures:
            print(f"FAIL: {failure}")
        print("fake_loki self-test: " + ("ok" if not failures else f"{len(failures)} failure(s)"))
        return 1 if failures else 0
    loki = FakeLoki(args.port, count_only=args.count_only, log=lambda m: print(m, file=sys.stderr, flush=True)).start()
    control = start_control(loki, args.control_port)
    decoder = "libsnappy" if loki._decompress is not snappy_decompress else "python"
    print(f'level=info msg="Listening on" address={LOOPBACK}:{loki.port} decoder={decoder}', file=sys.stderr,
          flush=True)
    print(f'level=info msg="Control on" address={LOOPBACK}:{control.server_address[1]}', file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
