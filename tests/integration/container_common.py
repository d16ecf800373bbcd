"""Shared parts of the tern-container integration tests: containers named
`tern-it-<run>-<role>` that are always removed, the cgroup files the kernel
keeps for them (the reference the exporter's numbers are compared with), and
the exporter itself.

Other suites share the Docker daemon: these tests only ever create, inspect
or remove containers whose name starts with `tern-it-`.

Python 3 standard library only.
"""

import datetime
import os
import time

import docker_env
import harness as h

PREFIX = "tern-it-"
IMAGE = docker_env.IMAGE
# Labels on every container of a run, so a run killed by a ctest timeout
# (SIGKILL: no finally) is cleaned up by the next one.
RUN_LABEL = "tern.it.run"
PID_LABEL = "tern.it.pid"


def parse_args(description):
    def extra(parser):
        parser.set_defaults(timeout=150)

    return h.parse_args(description, extra)


def require_docker():
    """SkipTest unless a daemon answers and the busybox image is there."""
    try:
        docker_env.require()
    except docker_env.Unavailable as e:
        raise h.SkipTest(str(e))


def reap_stale(log=print):
    """Removes tern-it- containers left by test runs that no longer exist."""
    docker_env.reap_stale(PREFIX, PID_LABEL, log)


class Containers(docker_env.TestContainers):
    """Containers of one test run (see docker_env.TestContainers)."""

    prefix = PREFIX
    pid_label = PID_LABEL

    def run(self, role, command, options=(), labels=None):
        """docker run -d; returns the container name."""
        return self._run(role, {RUN_LABEL: self.run_id, **(labels or {})}, options, command)


inspect = docker_env.inspect


def wait_until(predicate, timeout, interval=0.25, what="condition"):
    """Polls predicate() until it returns something truthy; returns it, or
    raises TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        time.sleep(interval)


def docker_time(text):
    """Docker's RFC 3339 time with nanoseconds -> unix seconds."""
    text = text.rstrip("Z")
    whole, _, fraction = text.partition(".")
    seconds = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.timezone.utc).timestamp()
    return seconds + (float("0." + fraction) if fraction else 0.0)


# --------------------------------------------------------------------------
# cgroup files of a running container, found from its init pid


def _cgroup_mounts():
    """{controller: (mount point, root)}; "" is the cgroup2 hierarchy."""
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields, rfields = left.split(), right.split()
            if len(rfields) < 3:
                continue
            root, mount_point, fstype = fields[3], fields[4], rfields[0]
            if fstype == "cgroup2":
                mounts.setdefault("", (mount_point, root))
            elif fstype == "cgroup":
                for option in rfields[2].split(","):
                    mounts.setdefault(option, (mount_point, root))
    return mounts


def _cgroup_paths(pid):
    """{controller: path} from /proc/<pid>/cgroup."""
    paths = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                paths[controller] = path
    return paths


class Cgroup:
    """The cgroup of a process, on v1 (one directory per controller) or v2."""

    def __init__(self, pid):
        self.pid = pid
        self.paths = _cgroup_paths(pid)
        self.mounts = _cgroup_mounts()
        self.v1 = "memory" in self.paths and "memory" in self.mounts

    def directory(self, controller):
        key = controller if self.v1 else ""
        mount_point, root = self.mounts[key]
        relative = os.path.relpath(self.paths[key], root) if root != "/" else self.paths[key].lstrip("/")
        return os.path.join(mount_point, relative)

    def read(self, controller, filename):
        with open(os.path.join(self.directory(controller), filename)) as f:
            return f.read()

    def path(self):
        """The cgroup path the exporter's id label is expected to carry."""
        return self.paths["cpu"] if self.v1 else self.paths[""]

    def cpu_seconds(self):
        if self.v1:
            return int(self.read("cpuacct", "cpuacct.usage")) / 1e9
        stat = dict(line.split() for line in self.read("cpu", "cpu.stat").splitlines())
        return int(stat["usage_usec"]) / 1e6

    def memory_usage(self):
        if self.v1:
            return int(self.read("memory", "memory.usage_in_bytes"))
        return int(self.read("memory", "memory.current"))

    def memory_stat(self):
        return {k: int(v) for k, v in (line.split() for line in self.read("memory", "memory.stat").splitlines())}


def net_dev(pid):
    """{interface: (rx bytes, rx packets, tx bytes, tx packets)} from the
    container's network namespace, as the host sees it."""
    result = {}
    with open(f"/proc/{pid}/net/dev") as f:
        for line in f.readlines()[2:]:
            interface, _, numbers = line.partition(":")
            n = numbers.split()
            result[interface.strip()] = (int(n[0]), int(n[1]), int(n[8]), int(n[9]))
    return result


# --------------------------------------------------------------------------
# The exporter


def start_exporter(binary, args=()):
    """tern-container on 127.0.0.1:<port chosen by the kernel>."""
    return h.start_tern(binary, list(args), name="tern-container")


def scrape(port):
    return h.parse_exposition(h.scrape(port, timeout=30))


def of_container(families, metric, name):
    """Samples of `metric` whose name label is `name`."""
    family = families.get(metric)
    if family is None:
        return []
    return [s for s in family.samples if s.name == metric and s.labels.get("name") == name]


def names_in(families):
    """Every name label value in the scrape."""
    found = set()
    for family in families.values():
        for sample in family.samples:
            if "name" in sample.labels:
                found.add(sample.labels["name"])
    return found
