#!/usr/bin/env python3
"""A Docker engine for the tern-container integration tests.

    docker_env.py start   # a daemon answering on /var/run/docker.sock, image tern-busybox:test
    docker_env.py stop    # stops dockerd only if `start` started it

`start` leaves a daemon that already answers `GET /_ping` alone. Otherwise it
starts `dockerd` (default data root, log in /tmp/tern-dockerd/dockerd.log),
waits up to 60 s for it, and writes its pid to /tmp/tern-dockerd/dockerd.pid:
that file is the only thing `stop` acts on, so a daemon somebody else runs is
never stopped. No registry is reachable, so the test image is a `docker import`
of a root file system holding only /bin/busybox (busybox-static) and links to
its applets.

Exit codes: 0 done, 77 (ctest: skipped) when dockerd, docker or busybox is
not installed or dockerd cannot start here (no cgroups, no privileges),
1 anything else. ctest runs `start` and `stop` as the FIXTURES_SETUP and
FIXTURES_CLEANUP of the "docker" fixture, once per run even under -j; a lock
file also keeps two concurrent runs from starting two daemons.

The tests import this module for `require()`, `docker()` and `ping()`.
Python 3 standard library only.
"""

import argparse
import contextlib
import fcntl
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tarfile
import time

SKIP_EXIT_CODE = 77
SOCKET = "/var/run/docker.sock"
# Debian's docker.io client; /usr/local/bin/docker on this machine may be a
# different client, so it is not taken from PATH.
DOCKER = "/usr/bin/docker"
DOCKERD = "/usr/sbin/dockerd"
BUSYBOX = "/bin/busybox"
IMAGE = "tern-busybox:test"
STATE_DIR = "/tmp/tern-dockerd"
PID_FILE = os.path.join(STATE_DIR, "dockerd.pid")
LOG_FILE = os.path.join(STATE_DIR, "dockerd.log")
LOCK_FILE = os.path.join(STATE_DIR, "lock")
START_TIMEOUT = 60
# Never start a second dockerd beside a running one to try this out: a daemon
# started with --bridge=none deletes the docker0 interface the other one uses.


class Unavailable(Exception):
    """Docker cannot be used on this machine: the tests skip."""


# --------------------------------------------------------------------------
# Talking to the daemon


def api_get(path, socket_path=None, timeout=5):
    """GET path on the Engine API over a unix socket: (status, body bytes).
    HTTP/1.0, so the daemon answers without chunked encoding and closes."""
    socket_path = socket_path or SOCKET
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(socket_path)
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: docker\r\n\r\n".encode())
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split()
    if len(parts) < 2 or not parts[1].isdigit():
        raise OSError(f"not an HTTP answer on {socket_path}: {status_line!r}")
    return int(parts[1]), body


def ping(socket_path=None, timeout=3):
    """True when a Docker daemon answers GET /_ping with 200 OK."""
    try:
        status, body = api_get("/_ping", socket_path, timeout)
    except OSError:
        return False
    return status == 200 and body.strip() == b"OK"


def docker(*args, timeout=60, check=True, input_bytes=None):
    """Runs the docker client; returns stdout as text. Raises RuntimeError
    with the client's stderr when check and it fails."""
    completed = subprocess.run(
        [DOCKER, *map(str, args)],
        input=input_bytes,
        capture_output=True,
        timeout=timeout,
    )
    out = completed.stdout.decode("utf-8", "replace")
    if check and completed.returncode != 0:
        err = completed.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"docker {' '.join(map(str, args))} exited {completed.returncode}: {err}")
    return out


# --------------------------------------------------------------------------
# The daemon


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale(prefix, pid_label, log=print):
    """Removes containers named prefix* whose pid_label names a test process
    that no longer runs (a run killed before its clean-up)."""
    out = docker(
        "ps", "-a", "--filter", f"name=^{prefix}", "--filter", f"label={pid_label}",
        "--format", "{{.Names}} {{.Label \"" + pid_label + "\"}}", check=False,
    )
    stale = []
    for line in out.splitlines():
        name, _, pid = line.partition(" ")
        if name.startswith(prefix) and pid.isdigit() and not _alive(int(pid)):
            stale.append(name)
    if stale:
        log(f"removing containers of earlier runs: {' '.join(stale)}")
        docker("rm", "-f", *stale, check=False)


def inspect(name):
    return json.loads(docker("inspect", "--type", "container", name))[0]


class TestContainers:
    """Containers of one test run, named <prefix><run id>-<role> and labelled
    with the test's pid. Use as a context manager: everything it created is
    removed on exit, also when the test fails, and containers of a run that
    was killed before its clean-up are removed by the next one. Subclasses set
    `prefix` and `pid_label` and start containers with _run()."""

    prefix = None
    pid_label = None

    def __init__(self, test):
        self.test = test
        self.run_id = secrets.token_hex(3)
        self.names = []

    def __enter__(self):
        reap_stale(self.prefix, self.pid_label, self.test.log)
        return self

    def __exit__(self, *exc):
        self.remove_all()
        return False

    def name(self, role):
        return f"{self.prefix}{self.run_id}-{role}"

    def _run(self, role, labels, options, command):
        """docker run -d with the name, the pid label and `labels`; returns the name."""
        name = self.name(role)
        args = ["run", "-d", "--name", name, "--label", f"{self.pid_label}={os.getpid()}"]
        for key, value in labels.items():
            args += ["--label", f"{key}={value}"]
        args += [*options, IMAGE, *command]
        self.names.append(name)
        docker(*args)
        return name

    def remove(self, name):
        assert name.startswith(self.prefix)
        docker("rm", "-f", name, check=False)
        if name in self.names:
            self.names.remove(name)

    def remove_all(self):
        names = [n for n in self.names if n.startswith(self.prefix)]
        if names:
            docker("rm", "-f", *names, check=False, timeout=120)
        self.names = []


def _installed(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def require_tools():
    for path, package in ((DOCKER, "docker.io"), (DOCKERD, "docker.io"), (BUSYBOX, "busybox-static")):
        if not _installed(path):
            raise Unavailable(f"{path} is not installed (package {package})")


@contextlib.contextmanager
def _locked():
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(LOCK_FILE, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _our_pid():
    """The pid in PID_FILE if that process is still a dockerd, else None."""
    try:
        with open(PID_FILE) as f:
            pid = int(f.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0", 1)[0]
    except (OSError, ValueError):
        return None
    return pid if os.path.basename(argv0) == b"dockerd" else None


def _log_tail(lines=15):
    try:
        with open(LOG_FILE, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def _cgroups_mounted():
    try:
        with open("/proc/self/mountinfo") as f:
            return any(" - cgroup" in line for line in f)
    except OSError:
        return False


def start_daemon(log=print):
    """Makes sure a daemon answers on SOCKET; returns True if this call
    started it. Raises Unavailable when it cannot."""
    require_tools()
    with _locked():
        if ping():
            log(f"docker_env: a daemon already answers on {SOCKET}")
            return False
        if os.geteuid() != 0:
            raise Unavailable("no daemon answers and starting dockerd needs root")
        if not _cgroups_mounted():
            raise Unavailable("no cgroup file system is mounted; dockerd cannot run containers")
        pid = _our_pid()
        if pid is None:
            log(f"docker_env: starting {DOCKERD}, log in {LOG_FILE}")
            with open(LOG_FILE, "ab") as out:
                daemon = subprocess.Popen(
                    [DOCKERD, f"--host=unix://{SOCKET}"],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # outlives this script, like a service
                )
            pid = daemon.pid
            with open(PID_FILE, "w") as f:
                f.write(f"{pid}\n")
        else:
            log(f"docker_env: dockerd {pid} from an earlier start is still coming up")
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if ping():
                log(f"docker_env: dockerd {pid} answers")
                return True
            if _our_pid() is None and not os.path.exists(f"/proc/{pid}"):
                break
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.3)
        _stop_pid(pid)
        raise Unavailable(f"dockerd did not answer within {START_TIMEOUT} s; last log lines:\n{_log_tail()}")


def _stop_pid(pid, timeout=30):
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if not os.path.exists(f"/proc/{pid}") or _zombie(pid):
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(FileNotFoundError):
        os.remove(PID_FILE)


def _zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def stop_daemon(log=print):
    """Stops dockerd if start_daemon started it; returns True if it did."""
    with _locked():
        pid = _our_pid()
        if pid is None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(PID_FILE)
            log("docker_env: no dockerd of ours to stop")
            return False
        log(f"docker_env: stopping dockerd {pid}")
        _stop_pid(pid)
        return True


# --------------------------------------------------------------------------
# The image


def _busybox_rootfs_tar():
    """A tar archive of / with bin/busybox, a link per applet and the empty
    directories a shell expects."""
    out = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, timeout=10)
    applets = sorted(a for a in out.stdout.split() if a and a != "busybox" and "/" not in a)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for directory, mode in (("bin", 0o755), ("tmp", 0o1777), ("etc", 0o755), ("root", 0o700)):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)
        tar.add(BUSYBOX, arcname="bin/busybox")
        for applet in applets:
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, "busybox", 0o777
            tar.addfile(info)
    return buf.getvalue()


def ensure_image(log=print):
    """Imports IMAGE if the daemon does not have it; True if it did."""
    if docker("image", "inspect", "--format", "{{.Id}}", IMAGE, check=False).strip():
        return False
    with _locked():
        if docker("image", "inspect", "--format", "{{.Id}}", IMAGE, check=False).strip():
            return False
        log(f"docker_env: importing {IMAGE} from {BUSYBOX}")
        docker("import", "-", IMAGE, input_bytes=_busybox_rootfs_tar(), timeout=120)
        return True


# --------------------------------------------------------------------------
# For the tests


def require():
    """Called by each test: raises Unavailable unless the daemon answers and
    has IMAGE (the image is imported when missing)."""
    require_tools()
    if not ping():
        raise Unavailable(
            f"no Docker daemon answers on {SOCKET} (ctest starts one through the docker fixture; "
            f"alone: python3 {os.path.abspath(__file__)} start)"
        )
    ensure_image(log=lambda message: None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop", "status"))
    args = parser.parse_args()
    try:
        if args.action == "start":
            start_daemon()
            ensure_image()
        elif args.action == "stop":
            stop_daemon()
        else:
            print(f"daemon answers: {ping()}; started by us: pid {_our_pid()}")
    except Unavailable as e:
        print(f"SKIPPED: {e}", flush=True)
        return SKIP_EXIT_CODE
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        print(f"docker_env {args.action}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
