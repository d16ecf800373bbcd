#!/usr/bin/env python3
"""tern-container when Docker is not there or not usable: a missing socket,
a path that is not a socket, a socket it may not open, a socket that accepts
and never answers, one that answers garbage. In every case the exporter stays
up, /metrics answers 200 with container_exporter_docker_up 0 and its own
metrics, and the trouble is logged once, not on every retry. Then recovery:
the socket path starts answering later (a symlink pointed at the real socket)
and, without a restart, docker_up turns 1 and containers appear.

The shared dockerd is never restarted or stopped. Skips (77) when no Docker
daemon answers (see docker_env.py).
"""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import container_common as cc  # noqa: E402
import harness as h  # noqa: E402

NOBODY = 65534
SETPRIV = "/usr/bin/setpriv"
# What a degraded exporter must still serve.
OWN_FAMILIES = ("container_exporter_docker_up", "container_exporter_build_info", "process_start_time_seconds",
                "container_exporter_scrape_collector_success")
# How long after start-up the log is read for the "logged once" check: the
# watcher retries after 1, 2, 4 s... so several attempts fall inside it.
QUIET_PERIOD = 8


def problem_lines(process, path):
    """warn/error lines (logfmt or JSON) that mention path."""
    lines = []
    for line in process.stderr_text().splitlines():
        lowered = line.replace(" ", "")
        if path in line and ("level=warn" in lowered or "level=error" in lowered
                             or '"level":"warn"' in lowered or '"level":"error"' in lowered):
            lines.append(line)
    return lines


def docker_up(families):
    family = families.get("container_exporter_docker_up")
    if family is None or len(family.samples) != 1:
        return None
    return family.samples[0].float_value()


def check_degraded(test, binary, case, path, extra_args=(), prefix=()):
    """Starts the exporter on a socket path that does not work and checks it
    stays up, reports docker_up 0, serves its own metrics and logs once."""
    args = [f"--docker.socket={path}", "--docker.timeout=1", *extra_args]
    process = h.Process([*prefix, binary, f"--web.listen-address={h.LOOPBACK}:0", *args], name="tern-container")
    try:
        port = process.wait_listening(timeout=10)
    except RuntimeError as e:
        test.fail(f"{case}: tern-container did not start: {e}")
        process.stop()
        return
    started = time.monotonic()
    try:
        scrapes = 0
        while True:
            response = h.fetch(f"http://{h.LOOPBACK}:{port}/metrics", timeout=10)
            scrapes += 1
            if not test.check(response.status == 200, f"{case}: /metrics answered HTTP {response.status}"):
                return
            if time.monotonic() - started >= QUIET_PERIOD:
                break
            time.sleep(1)
        families = h.parse_exposition(response.text)
        test.check(process.alive(), f"{case}: tern-container exited ({process.proc.poll()})")
        test.check(docker_up(families) == 0, f"{case}: container_exporter_docker_up is {docker_up(families)}, want 0")
        for name in OWN_FAMILIES:
            test.check(name in families, f"{case}: {name} missing while Docker is unusable")
        ours = {n for n in cc.names_in(families) if n.startswith(cc.PREFIX)}
        test.check(not ours, f"{case}: container series without Docker: {sorted(ours)}")
        lines = problem_lines(process, path)
        test.check(1 <= len(lines) <= 2,
                   f"{case}: {len(lines)} warn/error log lines name {path} in {QUIET_PERIOD} s and {scrapes} "
                   f"scrapes, want one clear line (two at most):\n" + "\n".join(lines[:5]))
        if lines:
            test.log(f"{case}: logged: {lines[0]}")
    finally:
        code = process.stop()
    test.check(code == 0, f"{case}: tern-container exited {code} on SIGTERM")


class FakeDaemon:
    """A unix socket that accepts and then either says nothing (`silent`) or
    writes a line that is not HTTP and hangs up (`garbage`)."""

    def __init__(self, path, mode):
        self.path, self.mode = path, mode
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(16)
        self.held = []
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.mode == "garbage":
                try:
                    conn.recv(4096)
                    conn.sendall(b"this is not a Docker daemon\r\n\r\n")
                except OSError:
                    pass
                conn.close()
            else:
                self.held.append(conn)  # read nothing, answer nothing

    def close(self):
        self.stopped = True
        self.sock.close()
        self.thread.join(timeout=2)
        for conn in self.held:
            conn.close()


def check_permission_denied(test, binary, tmp):
    """The usual mistake: a user outside the docker group. As root nothing is
    denied, so the exporter runs as nobody against a root-only socket."""
    if os.geteuid() != 0 or not os.access(SETPRIV, os.X_OK):
        test.skip("permission denied: needs root and setpriv to run the exporter as nobody")
        return
    code, _, err = h.run_command([SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                                  binary, "--version"])
    if code != 0:
        test.skip(f"permission denied: nobody cannot run {binary} ({err.strip()[:200]})")
        return
    os.chmod(tmp.path, 0o755)
    path = os.path.join(tmp.path, "root-only.sock")
    server = FakeDaemon(path, "garbage")
    os.chmod(path, 0o600)
    try:
        check_degraded(test, binary, "socket without permission", path,
                       prefix=[SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"])
    finally:
        server.close()


def check_recovery(test, binary, tmp):
    """The socket path is a dangling symlink at start; a few seconds later it
    points at the real socket. Same process: docker_up 1, containers appear."""
    path = os.path.join(tmp.path, "later.sock")
    os.symlink(os.path.join(tmp.path, "not-yet"), path)
    with cc.Containers(test) as c:
        name = c.run("recover", ["sleep", "3600"])
        process, port = cc.start_exporter(binary, [f"--docker.socket={path}", "--docker.timeout=2"])
        pid = process.pid
        families = cc.scrape(port)
        test.check(docker_up(families) == 0, f"recovery: docker_up {docker_up(families)} before the socket exists")
        time.sleep(3)
        link = path + ".new"
        os.symlink(cc.docker_env.SOCKET, link)
        os.replace(link, path)
        switched = time.monotonic()
        state = {}

        def recovered():
            state["families"] = cc.scrape(port)
            return docker_up(state["families"]) == 1 and name in cc.names_in(state["families"])

        try:
            cc.wait_until(recovered, 45, interval=0.5, what="docker_up 1 and the container listed")
            test.log(f"recovery: docker_up 1 and {name} listed {time.monotonic() - switched:.1f} s "
                     f"after the socket appeared")
        except TimeoutError:
            families = state.get("families", {})
            test.fail(f"recovery: 45 s after {path} started answering, docker_up is {docker_up(families)} and "
                      f"{name} is {'' if name in cc.names_in(families) else 'not '}listed; stderr:\n"
                      + process.stderr_text()[-1500:])
        test.check(process.alive() and process.pid == pid, "recovery: tern-container is not the same process")
        connected = [line for line in process.stderr_text().splitlines() if "level=info" in line and path in line]
        test.log(f"recovery: info lines naming the socket: {connected[-1:] or 'none'}")
        process.stop()


def body(args):
    def run(test):
        cc.require_docker()
        test.require(os.access(args.binary, os.X_OK), f"{args.binary} is not an executable")
        tmp = h.TempDir()
        missing = os.path.join(tmp.path, "missing", "docker.sock")
        check_degraded(test, args.binary, "missing socket", missing)

        regular = os.path.join(tmp.path, "regular-file.sock")
        with open(regular, "w") as f:
            f.write("not a socket\n")
        check_degraded(test, args.binary, "regular file as socket", regular)

        check_permission_denied(test, args.binary, tmp)

        for mode in ("silent", "garbage"):
            path = os.path.join(tmp.path, f"{mode}.sock")
            server = FakeDaemon(path, mode)
            try:
                check_degraded(test, args.binary, f"socket that {'never answers' if mode == 'silent' else 'is not HTTP'}",
                               path)
            finally:
                server.close()

        check_recovery(test, args.binary, tmp)

    return run


def main():
    args = cc.parse_args(__doc__.splitlines()[0])
    return h.run_test("container_faults_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
