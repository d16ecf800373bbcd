"""Shared pieces of the integration tests: child processes that always die
with the test, bounded waits, HTTP(S) fetches to 127.0.0.1 only, and a parser
for the Prometheus text exposition format.

Python 3 standard library only (Debian bookworm's python3).
"""

import argparse
import atexit
import ctypes
import dataclasses
import gzip
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

LOOPBACK = "127.0.0.1"
# Ports this suite may use when a program cannot bind port 0 and tell us.
PORT_RANGE = range(19300, 19400)
# ctest's SKIP_RETURN_CODE: the whole test cannot run on this machine.
SKIP_EXIT_CODE = 77

# The collectors tern-node will have once every branch is merged; the
# compatibility tests run node_exporter with exactly these.
NODE_COLLECTORS = (
    "arp conntrack cpu diskstats entropy filefd filesystem hwmon loadavg meminfo netclass "
    "netdev netstat os pressure sockstat softnet stat textfile time timex uname vmstat"
).split()

NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
PROMTOOL = "/usr/bin/promtool"
PROMETHEUS = "/usr/bin/prometheus"


# --------------------------------------------------------------------------
# Test bookkeeping


class SkipTest(Exception):
    """The whole test cannot run here (a tool is missing)."""


class Test:
    """Collects failures instead of stopping at the first one, so one run
    shows everything that is wrong."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.skips = []

    def log(self, message):
        print(message, flush=True)

    def check(self, condition, message):
        if not condition:
            self.fail(message)
        return bool(condition)

    def fail(self, message):
        self.failures.append(message)
        print(f"FAIL: {message}", flush=True)

    def skip(self, message):
        """A part that cannot be compared yet; printed, never silent."""
        self.skips.append(message)
        print(f"SKIP: {message}", flush=True)

    def require(self, condition, message):
        """A failure that makes the rest of the test meaningless."""
        if not condition:
            self.fail(message)
            raise _Abort()


class _Abort(Exception):
    pass


class TestTimeout(BaseException):
    """Raised by the watchdog. A BaseException, so that no `except OSError`
    or `except Exception` in a polling loop swallows it."""


def parse_args(description, extra=None):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--binary", required=True, help="path to tern-node")
    parser.add_argument("--source-dir", required=True, help="repository root")
    parser.add_argument("--timeout", type=float, default=55, help="seconds for the whole test")
    if extra:
        extra(parser)
    return parser.parse_args()


def run_test(name, body, timeout=55):
    """Runs body(test) under a watchdog; returns the process exit code."""
    test = Test(name)
    atexit.register(stop_all_children)

    def on_alarm(signum, frame):
        raise TestTimeout(f"{name} took longer than {timeout:.0f} s")

    def on_stop(signum, frame):
        stop_all_children()
        sys.exit(128 + signum)

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_stop)
    signal.alarm(max(1, int(timeout)))
    started = time.monotonic()
    try:
        body(test)
    except SkipTest as e:
        print(f"SKIPPED: {e}", flush=True)
        return SKIP_EXIT_CODE
    except _Abort:
        pass
    except TestTimeout as e:
        test.fail(str(e))
    except Exception as e:  # a crash in the test is a failure, with its trace
        traceback.print_exc()
        test.failures.append(f"{type(e).__name__}: {e}")
    finally:
        signal.alarm(0)
        stop_all_children()
    took = time.monotonic() - started
    if test.skips:
        print(f"{len(test.skips)} part(s) skipped, see SKIP lines above")
    if test.failures:
        print(f"{name}: {len(test.failures)} failure(s) in {took:.1f} s")
        for failure in test.failures:
            print(f"  - {failure.splitlines()[0]}")
        return 1
    print(f"{name}: ok in {took:.1f} s")
    return 0


def require_program(path):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise SkipTest(f"{path} is not installed")
    return path


# --------------------------------------------------------------------------
# Child processes

_children = []
_children_lock = threading.Lock()
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # Runs in the child before exec: if the test is killed (even SIGKILL by a
    # ctest timeout), the kernel kills the child too.
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


class Process:
    """A child process whose stderr (and stdout) lines are collected by a
    reader thread, so waiting for a log line never blocks without bound."""

    def __init__(self, args, name=None, env=None, cwd=None):
        self.args = [str(a) for a in args]
        self.name = name or os.path.basename(self.args[0])
        self.lines = []
        self.stdout_lines = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            preexec_fn=_die_with_parent,
        )
        with _children_lock:
            _children.append(self)
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stderr, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout_lines), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, into):
        for raw in iter(stream.readline, b""):
            with self._cond:
                into.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def wait_for_line(self, predicate, timeout):
        """Returns the first stderr line for which predicate(line) is truthy
        (and its result), or None when the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cond:
            while True:
                while seen < len(self.lines):
                    result = predicate(self.lines[seen])
                    seen += 1
                    if result:
                        return result
                if self.proc.poll() is not None and not any(r.is_alive() for r in self._readers):
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 0.1))

    def wait_listening(self, timeout=10):
        """Waits for the exporter-toolkit style "Listening on" line and
        returns the port."""
        address = self.wait_for_line(listening_address, timeout)
        if address is None:
            raise RuntimeError(
                f"{self.name} did not log 'Listening on' within {timeout} s "
                f"(exit code {self.proc.poll()}); stderr:\n" + self.stderr_text()
            )
        return int(address.rsplit(":", 1)[1])

    def wait_exit(self, timeout):
        """Exit code, or None if still running after timeout."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        for reader in self._readers:
            reader.join(timeout=2)
        return code

    def stderr_text(self):
        with self._cond:
            return "\n".join(self.lines)

    def stdout_text(self):
        with self._cond:
            return "\n".join(self.stdout_lines)

    def stop(self, sig=signal.SIGTERM, timeout=5):
        """Signals the process and waits; SIGKILL if it does not stop."""
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for reader in self._readers:
            reader.join(timeout=2)
        with _children_lock:
            if self in _children:
                _children.remove(self)
        return self.proc.returncode


def stop_all_children():
    with _children_lock:
        children = list(_children)
    for child in children:
        try:
            child.stop(timeout=3)
        except Exception:
            pass


def run_command(args, timeout=15, input_text=None):
    """Runs a short command to completion: (exit code, stdout, stderr)."""
    completed = subprocess.run(
        [str(a) for a in args],
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_die_with_parent,
    )
    return completed.returncode, completed.stdout, completed.stderr


_LOGFMT_LISTENING = re.compile(r'msg="?Listening on"?\s.*\baddress=(\S+)')


def listening_address(line):
    """host:port from a "Listening on" log line in logfmt or JSON."""
    line = line.strip()
    if line.startswith("{"):
        try:
            entry = json.loads(line)
        except ValueError:
            return None
        if entry.get("msg") == "Listening on" and "address" in entry:
            return str(entry["address"])
        return None
    match = _LOGFMT_LISTENING.search(line)
    return match.group(1).strip('"') if match else None


def free_port():
    """A port in our range that is free right now (for programs that cannot
    report the port they bound)."""
    ports = list(PORT_RANGE)
    random.shuffle(ports)
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((LOOPBACK, port))
                return port
            except OSError:
                continue
    raise RuntimeError(f"no free port in {PORT_RANGE.start}-{PORT_RANGE.stop - 1}")


def start_on_free_port(make_args, name, ready_path="/-/ready", timeout=20, attempts=3):
    """Starts a program that cannot bind port 0 and report it (Prometheus,
    Alertmanager): make_args(port) gives its command line for a port free in
    PORT_RANGE; waits until GET ready_path answers 200. A port taken between
    the check and the bind costs a retry on another. Returns (process, port)."""
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        process = Process(make_args(port), name=name)
        try:
            wait_http(f"http://{LOOPBACK}:{port}{ready_path}", timeout=timeout)
            return process, port
        except TimeoutError as e:
            last_error = f"{e}\n{process.stderr_text()[-2000:]}"
            process.stop()
    raise RuntimeError(f"{name} did not start: {last_error}")


class TempDir:
    """A temporary directory removed when the test ends."""

    def __init__(self, prefix="tern-it-"):
        self.path = tempfile.mkdtemp(prefix=prefix)
        atexit.register(shutil.rmtree, self.path, True)

    def file(self, name, content=None, mode=0o644):
        path = os.path.join(self.path, name)
        if content is not None:
            with open(path, "w") as f:
                f.write(content)
            os.chmod(path, mode)
        return path


# --------------------------------------------------------------------------
# HTTP


@dataclasses.dataclass
class Response:
    status: int
    headers: dict  # lower-case names
    body: bytes

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def fetch(url, headers=None, timeout=10, tls_context=None, decode_gzip=False):
    """GET url (which must be on 127.0.0.1). HTTP errors are responses, not
    exceptions; a connection failure raises."""
    if not (url.startswith(f"http://{LOOPBACK}:") or url.startswith(f"https://{LOOPBACK}:")):
        raise ValueError(f"tests only talk to {LOOPBACK}: {url}")
    request = urllib.request.Request(url, headers=headers or {})
    handlers = [urllib.request.ProxyHandler({})]  # never go through a proxy
    if tls_context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=tls_context))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout) as r:
            response = Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.read())
    except urllib.error.HTTPError as e:
        response = Response(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())
    if decode_gzip and response.headers.get("content-encoding") == "gzip":
        response.body = gzip.decompress(response.body)
    return response


def insecure_tls_context():
    """For self-signed test certificates."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def wait_http(url, timeout=10, ok=lambda r: r.status == 200, **kwargs):
    """Polls url until ok(response); returns the last response or raises."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            response = fetch(url, timeout=min(5, max(0.5, deadline - time.monotonic())), **kwargs)
            if ok(response):
                return response
            last_error = f"HTTP {response.status}: {response.text[:200]}"
        except (OSError, urllib.error.URLError) as e:
            last_error = str(e)
        time.sleep(0.2)
    raise TimeoutError(f"{url} not ready within {timeout} s: {last_error}")


# --------------------------------------------------------------------------
# Exposition text


@dataclasses.dataclass
class Sample:
    name: str
    labels: dict
    value: str  # as written, so goldens keep the exact text

    def label_key(self):
        return tuple(sorted(self.labels.items()))

    def float_value(self):
        return float(self.value)


@dataclasses.dataclass
class Family:
    name: str
    type: str = "untyped"
    help: str = None
    samples: list = dataclasses.field(default_factory=list)

    def label_name_sets(self):
        """The distinct sets of label names of this family's series, without
        the histogram/summary bucket labels."""
        return {frozenset(k for k in s.labels if k not in ("le", "quantile")) for s in self.samples}

    def series(self, sample_name=None):
        """{sorted label tuple: float value} for one sample name."""
        sample_name = sample_name or self.name
        return {s.label_key(): s.float_value() for s in self.samples if s.name == sample_name}

    def sample_names(self):
        return {s.name for s in self.samples}


class ExpositionError(ValueError):
    pass


_SUFFIXES = {
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("_sum", "_count"),
}
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _unescape(text, quote):
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "n":
                out.append("\n")
            elif nxt == "\\":
                out.append("\\")
            elif nxt == '"' and quote:
                out.append('"')
            else:
                out.append("\\" + nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _parse_labels(text, pos, line_number):
    """Parses `{a="b",...}` starting at text[pos] == '{'; returns (labels, end)."""
    labels = {}
    pos += 1
    while True:
        while pos < len(text) and text[pos] == " ":
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return labels, pos + 1
        match = _LABEL_NAME.match(text, pos)
        if not match:
            raise ExpositionError(f"line {line_number}: bad label name at column {pos + 1}")
        name = match.group(0)
        pos = match.end()
        if text[pos : pos + 2] != '="':
            raise ExpositionError(f'line {line_number}: expected =" after label {name}')
        pos += 2
        start = pos
        while pos < len(text) and text[pos] != '"':
            pos += 2 if text[pos] == "\\" else 1
        if pos >= len(text):
            raise ExpositionError(f"line {line_number}: unterminated value of label {name}")
        if name in labels:
            raise ExpositionError(f"line {line_number}: label {name} repeated")
        labels[name] = _unescape(text[start:pos], quote=True)
        pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos < len(text) and text[pos] != "}":
            raise ExpositionError(f"line {line_number}: expected , or }} after label {name}")


def parse_exposition(text):
    """Text format 0.0.4 -> {family name: Family}, in the order written.
    Raises ExpositionError on anything malformed, since a scraper would too."""
    families = {}
    typed = set()
    current = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                rest = parts[3] if len(parts) > 3 else ""
                family = families.get(name)
                if family is None:
                    family = families[name] = Family(name)
                elif family.samples and current is not family:
                    raise ExpositionError(f"line {number}: {name} appears in two places")
                if parts[1] == "HELP":
                    if family.help is not None:
                        raise ExpositionError(f"line {number}: second HELP for {name}")
                    family.help = _unescape(rest, quote=False)
                else:
                    if name in typed:
                        raise ExpositionError(f"line {number}: second TYPE for {name}")
                    typed.add(name)
                    if rest not in ("counter", "gauge", "histogram", "summary", "untyped"):
                        raise ExpositionError(f"line {number}: unknown type {rest!r}")
                    family.type = rest
                current = family
            continue
        match = _NAME.match(line)
        if not match:
            raise ExpositionError(f"line {number}: bad metric name: {line[:80]}")
        sample_name = match.group(0)
        pos = match.end()
        labels = {}
        if pos < len(line) and line[pos] == "{":
            labels, pos = _parse_labels(line, pos, number)
        fields = line[pos:].split()
        if not 1 <= len(fields) <= 2:
            raise ExpositionError(f"line {number}: expected value [timestamp]: {line[:80]}")
        value = fields[0]
        try:
            float(value)
        except ValueError:
            raise ExpositionError(f"line {number}: bad value {value!r}")
        family = None
        if current is not None:
            if sample_name == current.name or sample_name in (
                current.name + s for s in _SUFFIXES.get(current.type, ())
            ):
                family = current
        if family is None:
            if sample_name in families:
                raise ExpositionError(f"line {number}: {sample_name} appears in two places")
            family = families[sample_name] = Family(sample_name)
            current = family
        for existing in family.samples:
            if existing.name == sample_name and existing.labels == labels:
                raise ExpositionError(f"line {number}: duplicate series {sample_name}{labels}")
        family.samples.append(Sample(sample_name, labels, value))
    return families


def _escape_label(value):
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(value):
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def render_exposition(families):
    """Canonical text: families by name, samples by name then labels."""
    out = []
    for name in sorted(families):
        family = families[name]
        if family.help is not None:
            out.append(f"# HELP {name} {_escape_help(family.help)}")
        out.append(f"# TYPE {name} {family.type}")
        for sample in sorted(family.samples, key=lambda s: (s.name, s.label_key())):
            labels = ",".join(f'{k}="{_escape_label(v)}"' for k, v in sorted(sample.labels.items()))
            out.append(f"{sample.name}{{{labels}}} {sample.value}" if labels else f"{sample.name} {sample.value}")
    return "\n".join(out) + "\n"


def all_sample_names(families):
    names = set()
    for family in families.values():
        names |= family.sample_names()
    return names


# --------------------------------------------------------------------------
# Which collector a node family comes from
#
# node_exporter does not say; these rules are node_exporter 1.5's naming,
# checked against it running one collector at a time. None means the
# exporter itself (scrape wrapper, process, HTTP handler, build info).

_STAT_FAMILIES = {
    "node_boot_time_seconds",
    "node_context_switches_total",
    "node_forks_total",
    "node_intr_total",
    "node_procs_blocked",
    "node_procs_running",
}
_PREFIXES = [
    ("node_scrape_collector_", None),
    ("node_exporter_build_info", None),
    ("process_", None),
    ("promhttp_", None),
    ("go_", None),
    ("node_arp_", "arp"),
    ("node_nf_conntrack_", "conntrack"),
    # cpufreq (not in our set) shares the node_cpu_ prefix.
    ("node_cpu_frequency_", "cpufreq"),
    ("node_cpu_scaling_", "cpufreq"),
    ("node_cpu_", "cpu"),
    ("node_disk_", "diskstats"),
    ("node_entropy_", "entropy"),
    ("node_filefd_", "filefd"),
    ("node_filesystem_", "filesystem"),
    ("node_hwmon_", "hwmon"),
    ("node_load", "loadavg"),
    ("node_memory_numa_", "meminfo_numa"),
    ("node_memory_", "meminfo"),
    ("node_netstat_", "netstat"),
    ("node_os_", "os"),
    ("node_pressure_", "pressure"),
    ("node_sockstat_", "sockstat"),
    ("node_softnet_", "softnet"),
    ("node_textfile_", "textfile"),
    ("node_time_", "time"),
    ("node_timex_", "timex"),
    ("node_uname_", "uname"),
    ("node_vmstat_", "vmstat"),
]
_NETDEV = re.compile(r"node_network_(receive|transmit)_\w+_total$|node_network_address_info$")


def collector_of(name):
    """The node_exporter collector that produces family (or sample) `name`,
    None for the exporter's own metrics, or "other:<name>" when unknown."""
    if name in _STAT_FAMILIES:
        return "stat"
    if name.startswith("node_network_"):
        return "netdev" if _NETDEV.match(name) else "netclass"
    for prefix, collector in _PREFIXES:
        if name.startswith(prefix):
            return collector
    return "other:" + name


# --------------------------------------------------------------------------
# The two exporters


def tern_collectors(binary):
    """Collectors tern-node has, from the --collector.<name> flags in --help."""
    code, out, err = run_command([binary, "--help"], timeout=10)
    if code != 0:
        raise RuntimeError(f"{binary} --help exited {code}: {err}")
    return sorted(set(re.findall(r"--collector\.([a-z0-9_]+),--no-collector\.\1(?![\w.])", out)))


def tern_has_flag(binary, flag):
    code, out, _ = run_command([binary, "--help"], timeout=10)
    return re.search(re.escape(flag) + r"(?![\w.-])", out) is not None


def start_tern(binary, args, name="tern-node", env=None):
    process = Process([binary, f"--web.listen-address={LOOPBACK}:0", *args], name=name, env=env)
    port = process.wait_listening(timeout=10)
    return process, port


def start_node_exporter(args):
    require_program(NODE_EXPORTER)
    process = Process([NODE_EXPORTER, f"--web.listen-address={LOOPBACK}:0", *args], name="node_exporter")
    port = process.wait_listening(timeout=10)
    return process, port


def scrape(port, path="/metrics", **kwargs):
    scheme = "https" if kwargs.get("tls_context") else "http"
    response = fetch(f"{scheme}://{LOOPBACK}:{port}{path}", **kwargs)
    if response.status != 200:
        raise RuntimeError(f"GET {path} on port {port}: HTTP {response.status}: {response.text[:300]}")
    return response.text


def collector_success(families, namespace="node"):
    """{collector: success value} from <namespace>_scrape_collector_success."""
    family = families.get(f"{namespace}_scrape_collector_success")
    if family is None:
        return {}
    return {s.labels.get("collector"): s.float_value() for s in family.samples}


def run_side_by_side(binary, test, tmp):
    """Runs node_exporter and tern-node on the real host, both with
    --collector.disable-defaults and the 23 collectors (only those tern-node
    has for tern-node). Returns (ne_families, tern_families, tern_collector_list)."""
    require_program(NODE_EXPORTER)
    available = tern_collectors(binary)
    ours = [c for c in NODE_COLLECTORS if c in available]
    for c in NODE_COLLECTORS:
        if c not in available:
            test.skip(f"collector {c}: not yet implemented in tern-node")
    textfile_dir = os.path.join(tmp.path, "textfile")
    os.makedirs(textfile_dir, exist_ok=True)
    ne_args = ["--collector.disable-defaults", f"--collector.textfile.directory={textfile_dir}"]
    ne_args += [f"--collector.{c}" for c in NODE_COLLECTORS]
    tern_args = ["--collector.disable-defaults"] + [f"--collector.{c}" for c in ours]
    if "textfile" in ours:
        tern_args.append(f"--collector.textfile.directory={textfile_dir}")
    ne, ne_port = start_node_exporter(ne_args)
    tern, tern_port = start_tern(binary, tern_args)
    # Back to back, so slowly moving values agree.
    ne_text = scrape(ne_port, timeout=20)
    tern_text = scrape(tern_port, timeout=20)
    ne.stop()
    tern.stop()
    ne_families = parse_exposition(ne_text)
    tern_families = parse_exposition(tern_text)
    reported = collector_success(tern_families)
    test.check(
        sorted(reported) == sorted(ours),
        f"tern-node's node_scrape_collector_success lists {sorted(reported)}, "
        f"but the collectors enabled were {ours}",
    )
    return ne_families, tern_families, sorted(reported)
