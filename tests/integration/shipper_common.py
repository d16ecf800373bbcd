"""Shared parts of the tern-shipper integration tests: the fake Loki beside a
tern-shipper with a Promtail-format config, containers named
`tern-ship-<run>-<role>` that are always removed, host log files written line
by line, and the bookkeeping that says which numbered line arrived how often.

No Loki runs on test machines: fake_loki.py stands in for it.

Other suites share the Docker daemon: these tests only ever create, inspect
or remove containers whose name starts with `tern-ship-`.

Python 3 standard library only.
"""

import collections
import datetime
import json
import os
import re
import signal
import socket
import time

import docker_env
import fake_loki
import harness as h

PREFIX = "tern-ship-"
IMAGE = docker_env.IMAGE
RUN_LABEL = "tern.ship.run"  # the shipper's docker_sd filter selects one run
PID_LABEL = "tern.ship.pid"  # lets the next run remove containers of a killed one
ROLE_LABEL = "tern.ship.role"  # relabelled to `role` by the config below
DOCKER_JOB = "tern-docker"
FILES_JOB = "tern-files"
HOST = socket.gethostname()


def parse_args(description, timeout=200):
    def extra(parser):
        parser.set_defaults(timeout=timeout)
        parser.add_argument("--only", default="", help="comma-separated scenarios to run (default: all)")

    return h.parse_args(description, extra)


def require_binary(path):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(f"{path} is not an executable file")


def require_docker():
    try:
        docker_env.require()
    except docker_env.Unavailable as e:
        raise h.SkipTest(str(e))


def docker_root():
    """The daemon's data root (the shipper's --docker.root); snap's Docker
    keeps it elsewhere than /var/lib/docker."""
    out = docker_env.docker("info", "--format", "{{.DockerRootDir}}", check=False).strip()
    return out or "/var/lib/docker"


def logging_driver():
    return docker_env.docker("info", "--format", "{{.LoggingDriver}}", check=False).strip()


# --------------------------------------------------------------------------
# Containers


def reap_stale(log=print):
    """Removes tern-ship- containers of test runs whose process is gone."""
    docker_env.reap_stale(PREFIX, PID_LABEL, log)


class Containers(docker_env.TestContainers):
    """Containers of one test run (see docker_env.TestContainers)."""

    prefix = PREFIX
    pid_label = PID_LABEL

    def run(self, role, script, labels=None, selected=True, run_label=None):
        """docker run -d IMAGE sh -c script; returns the name. `selected`
        containers carry the run label the shipper's docker_sd filter asks for."""
        all_labels = {ROLE_LABEL: role}
        if selected:
            all_labels[RUN_LABEL] = run_label or self.run_id
        all_labels.update(labels or {})
        return self._run(role, all_labels, ["--log-driver", "json-file"], ["sh", "-c", script])


def counting_script(prefix, count, stderr_every=0, pause_every=0, pause="0.1", then="sleep 3600"):
    """A busybox sh loop printing `<prefix> <i>` for i in 0..count-1 on stdout
    (and `<prefix>-err <i>` on stderr every `stderr_every` lines)."""
    body = f'echo "{prefix} $i"; '
    if stderr_every:
        body += f'if [ $((i % {stderr_every})) -eq 0 ]; then echo "{prefix}-err $i" >&2; fi; '
    if pause_every:
        body += f"if [ $((i % {pause_every})) -eq 0 ]; then sleep {pause}; fi; "
    return f"i=0; while [ $i -lt {count} ]; do {body}i=$((i+1)); done; {then}"


inspect = docker_env.inspect


def rfc3339_ns(text):
    """Docker's RFC 3339 time with up to 9 fraction digits -> unix ns, exactly."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)", text)
    if not match:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    whole, fraction, zone = match.groups()
    stamp = datetime.datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone))
    return int(stamp.timestamp()) * 1_000_000_000 + int((fraction or "").ljust(9, "0"))


def docker_log_times(name):
    """{(stream, line): [timestamps ns]} from `docker logs -t`, which gives the
    json-file's own times."""
    import subprocess

    completed = subprocess.run([docker_env.DOCKER, "logs", "-t", name], capture_output=True, timeout=60)
    times = collections.defaultdict(list)
    for stream, raw in (("stdout", completed.stdout), ("stderr", completed.stderr)):
        for line in raw.decode("utf-8", "replace").splitlines():
            stamp, _, text = line.partition(" ")
            try:
                times[(stream, text)].append(rfc3339_ns(stamp))
            except ValueError:
                pass
    return times


def json_log_records(path):
    """The records of a json-file log, or None when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):
        return None


def has_open(pid, path):
    """True when process pid holds `path` open (also once it is deleted)."""
    fd_dir = f"/proc/{pid}/fd"
    try:
        for fd in os.listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target == path or target == path + " (deleted)":
                return True
    except OSError:
        return False
    return False


# --------------------------------------------------------------------------
# Host files


class LogFile:
    """A host log file the test appends numbered lines to, remembering when
    each line was written."""

    def __init__(self, path, prefix):
        self.path = path
        self.prefix = prefix
        self.written = {}  # number -> time.time() after the write

    def touch(self):
        open(self.path, "a").close()
        return self

    def append(self, numbers, pause_every=0, pause=0.0):
        with open(self.path, "a") as f:
            for k, i in enumerate(numbers):
                f.write(f"{self.prefix} {i}\n")
                if pause_every and k % pause_every == pause_every - 1:
                    f.flush()
                    self.written.update({j: time.time() for j in numbers[k + 1 - pause_every : k + 1]})
                    time.sleep(pause)
            f.flush()
        now = time.time()
        for i in numbers:
            self.written.setdefault(i, now)


# --------------------------------------------------------------------------
# Config and process


def config_text(loki_url, positions, run_id=None, files_glob=None, sync_period="500ms", batchwait="200ms",
                batchsize=102400, min_backoff="100ms", max_backoff="1s", file_labels=None, docker_host=None):
    """A Promtail-format config: one client, a docker_sd job selecting the
    containers labelled with run_id, a static job on files_glob."""
    lines = [
        "positions:",
        f"  filename: {positions}",
        f"  sync_period: {sync_period}",
        "clients:",
        f"  - url: {loki_url}",
        f"    batchwait: {batchwait}",
        f"    batchsize: {batchsize}",
        "    timeout: 5s",
        "    backoff_config:",
        f"      min_period: {min_backoff}",
        f"      max_period: {max_backoff}",
        "scrape_configs:",
    ]
    if run_id is not None:
        lines += [
            f"  - job_name: {DOCKER_JOB}",
            "    docker_sd_configs:",
            f"      - host: {docker_host or 'unix://' + docker_env.SOCKET}",
            "        refresh_interval: 1s",
            "        filters:",
            "          - name: label",
            f'            values: ["{RUN_LABEL}={run_id}"]',
            "    relabel_configs:",
            "      - source_labels: [__meta_docker_container_label_tern_ship_role]",
            "        target_label: role",
        ]
    if files_glob is not None:
        lines += [
            f"  - job_name: {FILES_JOB}",
            "    static_configs:",
            "      - targets: [localhost]",
            "        labels:",
        ]
        for key, value in (file_labels or {"env": "it"}).items():
            lines.append(f"          {key}: {json.dumps(value)}")
        lines.append(f"          __path__: {json.dumps(files_glob)}")
    return "\n".join(lines) + "\n"


class Shipper:
    """tern-shipper on 127.0.0.1:<port chosen by the kernel>, restartable."""

    def __init__(self, binary, config_path, extra=()):
        self.binary = binary
        self.config_path = config_path
        self.extra = list(extra)
        self.process = None
        self.port = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.process, self.port = h.start_tern(
            self.binary, [f"--config.file={self.config_path}", f"--docker.root={docker_root()}", *self.extra],
            name=f"tern-shipper#{self.starts}")
        return self

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.alive()

    def kill9(self):
        os.kill(self.process.pid, signal.SIGKILL)
        return self.process.wait_exit(10)

    def stop(self, timeout=10):
        """SIGTERM; returns the exit code."""
        return self.process.stop(signal.SIGTERM, timeout=timeout)

    def metrics(self):
        return h.parse_exposition(h.scrape(self.port, timeout=10))

    def metric_sum(self, name, **labels):
        """Sum of the samples of `name` whose labels include `labels`; None
        when the family is missing."""
        try:
            families = self.metrics()
        except (OSError, RuntimeError, h.ExpositionError):
            return None
        values = [s.float_value() for family in families.values() for s in family.samples
                  if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
        return sum(values) if values else None

    def log_tail(self, lines=30):
        text = self.process.stderr_text() if self.process else ""
        return "\n".join(text.splitlines()[-lines:])


class Rig:
    """A fake Loki and a tern-shipper configured for it, in a directory of
    their own."""

    def __init__(self, test, binary, tmp, name, run_id=None, files=True, config_kwargs=None, extra=()):
        self.test = test
        self.dir = os.path.join(tmp, name)
        self.logs = os.path.join(self.dir, "logs")
        os.makedirs(self.logs)
        self.positions = os.path.join(self.dir, "positions.yaml")
        self.loki = fake_loki.FakeLoki(log=test.log).start()
        self.config_path = os.path.join(self.dir, "shipper.yaml")
        self.glob = os.path.join(self.logs, "*.log") if files else None
        with open(self.config_path, "w") as f:
            f.write(config_text(self.loki.url, self.positions, run_id, self.glob, **(config_kwargs or {})))
        self.shipper = Shipper(binary, self.config_path, extra)

    def file(self, name, prefix):
        return LogFile(os.path.join(self.logs, name), prefix)

    def start_following(self, *log_files, timeout=20):
        """Creates the files, starts the shipper and waits until it holds
        them open: a file created after the start is only found at the next
        glob scan, which would make the fault come before the first line."""
        for log_file in log_files:
            log_file.touch()
        self.shipper.start()
        for log_file in log_files:
            deadline = time.monotonic() + timeout
            while not has_open(self.shipper.pid, log_file.path):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"tern-shipper did not open {log_file.path} within {timeout} s")
                time.sleep(0.05)

    def close(self):
        if self.shipper.alive():
            self.shipper.stop()
        self.loki.stop()


# --------------------------------------------------------------------------
# What arrived


_NUMBERED = re.compile(r"(\S+) (\d+)")


def tally(entries, key=None):
    """Counter of (prefix, number) over the numbered lines among entries;
    `key(entry)` may add a component (e.g. the stream)."""
    counts = collections.Counter()
    for e in entries:
        match = _NUMBERED.fullmatch(e.line)
        if match:
            k = (match.group(1), int(match.group(2)))
            counts[(key(e), *k) if key else k] += 1
    return counts


def missing(counts, prefix, numbers, extra=None):
    keys = [((extra, prefix, i) if extra is not None else (prefix, i)) for i in numbers]
    return [k[-1] for k in keys if counts.get(k, 0) == 0]


def duplicated(counts, prefix=None):
    return sorted(k for k, n in counts.items() if n > 1 and (prefix is None or k[-2] == prefix))


def wait_all(loki, expected, timeout, settle=2.0, key=None):
    """Waits until every (prefix, number) in `expected` arrived, then `settle`
    seconds more for late duplicates. Returns the final tally."""
    deadline = time.monotonic() + timeout
    while True:
        counts = tally(loki.entries(), key)
        if all(counts.get(k, 0) for k in expected) or time.monotonic() >= deadline:
            break
        time.sleep(0.25)
    time.sleep(settle)
    return tally(loki.entries(), key)


def describe_numbers(numbers, limit=12):
    numbers = sorted(numbers)
    text = ", ".join(map(str, numbers[:limit]))
    return f"{len(numbers)} ({text}{', ...' if len(numbers) > limit else ''})"


def check_exactly_once(test, counts, prefix, numbers, what, duplicates_allowed=False):
    """Every number arrived; exactly once unless duplicates are allowed."""
    keys = [(prefix, i) for i in numbers]
    lost = [k[1] for k in keys if counts.get(k, 0) == 0]
    twice = [k[1] for k in keys if counts.get(k, 0) > 1]
    ok = test.check(not lost, f"{what}: {describe_numbers(lost)} of {len(keys)} '{prefix} <n>' lines never arrived")
    if twice:
        if duplicates_allowed:
            test.log(f"{what}: {describe_numbers(twice)} '{prefix} <n>' lines arrived more than once (allowed here)")
        else:
            ok = test.check(False, f"{what}: {describe_numbers(twice)} '{prefix} <n>' lines arrived more than once") and ok
    return ok


def check_receiver_clean(test, loki, what):
    errors = loki.errors()
    test.check(not errors, f"{what}: the fake Loki could not decode what it got: {errors[:3]}")
