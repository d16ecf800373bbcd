#!/usr/bin/env python3
"""The Dockerfile builds an image that runs our binaries as a non-root user.

    docker_build_test.py --source-dir . --node-binary build/exporters/node/tern-node \\
        --container-binary build/exporters/container/tern-container \\
        --shipper-binary build/exporters/shipper/tern-shipper \\
        --mail-binary build/exporters/mail/tern-mail \\
        --haproxy-binary build/exporters/haproxy/tern-haproxy \\
        --dnscheck-binary build/exporters/dnscheck/tern-dnscheck \\
        --alerts-binary build/exporters/alerts/tern-alerts

What the engine allows here, and so what this test does: no registry is
reachable, so neither debian:bookworm nor debian:bookworm-slim can be pulled,
and a test talks to nothing but 127.0.0.1 and unix sockets, so apt inside a
RUN step is out too (the full build also compiles for minutes: longer than
CI's budget). The test therefore builds the Dockerfile's runtime stage with
BuildKit (which skips the stages the target does not need) from

  BINARIES          an image made by `docker import` of this build's four
                    binaries (stripped copies) at /usr/local/bin,
  RUNTIME_IMAGE     an image made by `docker import` of a root file system
                    holding busybox and, copied from this Debian bookworm host,
                    exactly the shared libraries tern-shipper and tern-mail load (ldd) and
                    the CA bundle,
  RUNTIME_PACKAGES  empty (that base has the libraries already);

and checks the image: user 65532:65532, no entrypoint, ports 9100 9338 9080 9154,
the OCI labels; each binary's --version inside it; tern-node serving /metrics
on 127.0.0.1 (host network) with its process running as uid 65532. Separately,
without Docker: every library tern-shipper and tern-mail load belongs to a package that
the Dockerfile's RUNTIME_PACKAGES default (or an Essential package of
debian:bookworm-slim) brings in, by dpkg -S and apt-cache depends on this
host.

The complete build (both stages, from Debian's images, apt against Debian's
mirror) runs only on request: TERN_DOCKER_FULL_BUILD=1, with the base images
present locally (BUILD_IMAGE / RUNTIME_IMAGE name others) and about 15 minutes
(see compose/README.md); otherwise that part is reported as skipped.

Every image and container is named tern-dbt-<run>... and labelled with the
test's pid; a killed run's leftovers are removed by the next run. BuildKit
keeps its build cache (about 20 MB a run: the binaries' layer); `docker builder
prune` reclaims it. Takes about 20 s. Exit 77 when Docker is not usable here
(docker_env.py).
"""

import argparse
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import docker_env  # noqa: E402
import harness  # noqa: E402

PREFIX = "tern-dbt-"
PID_LABEL = "org.tern.test.docker-build-pid"
BINARIES = ("tern-node", "tern-container", "tern-shipper", "tern-mail", "tern-haproxy", "tern-dnscheck",
            "tern-alerts")
# The dynamically linked ones (glibc; libcurl opened with dlopen when an HTTP
# feature is on): their libraries, and libcurl's, make the runtime base.
DYNAMIC = ("tern-shipper", "tern-mail", "tern-alerts")
# Not in ldd's output (dlopen), but in the image: RUNTIME_PACKAGES' libcurl4.
LIBCURL = "/usr/lib/x86_64-linux-gnu/libcurl.so.4"


def docker(*args, timeout=120, check=True, env=None, input_bytes=None):
    completed = subprocess.run([docker_env.DOCKER, *map(str, args)], capture_output=True, timeout=timeout,
                               env=env, input=input_bytes)
    out = completed.stdout.decode("utf-8", "replace")
    err = completed.stderr.decode("utf-8", "replace")
    if check and completed.returncode != 0:
        raise RuntimeError(f"docker {' '.join(map(str, args))[:200]} exited {completed.returncode}:\n{err[-3000:]}")
    return completed.returncode, out, err


def reap_stale(test):
    """Images and containers of runs that were killed before their clean-up."""
    docker_env.reap_stale(PREFIX, PID_LABEL, test.log)
    _, out, _ = docker("images", "--filter", f"label={PID_LABEL}", "--format",
                       "{{.Repository}}:{{.Tag}} {{.Label \"" + PID_LABEL + "\"}}", check=False)
    for line in out.splitlines():
        name, _, pid = line.partition(" ")
        if name.startswith(PREFIX) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            test.log(f"removing image of an earlier run: {name}")
            docker("rmi", "-f", name, check=False)


def ldd_paths(binary):
    """The shared libraries binary loads: resolved paths, the loader included."""
    completed = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30)
    paths = []
    for line in completed.stdout.splitlines():
        line = line.strip()
        match = re.match(r"\S+ => (/\S+) \(", line) or re.match(r"(/\S+) \(", line)
        if match:
            paths.append(match.group(1))
    return paths


def add_file(tar, source, arcname):
    """Adds source (following symlinks) as a regular file at arcname, and
    the directories above it."""
    parts = arcname.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        directory = "/".join(parts[:i])
        if directory and directory not in tar.getnames():
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
    with open(source, "rb") as f:
        data = f.read()
    info = tarfile.TarInfo(arcname)
    info.size, info.mode = len(data), 0o755
    tar.addfile(info, io.BytesIO(data))


def runtime_base_tar(dynamic):
    """busybox + the libraries of the dynamic binaries + the CA bundle + root's passwd."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for directory, mode in (("bin", 0o755), ("etc", 0o755), ("tmp", 0o1777), ("usr", 0o755),
                                ("usr/sbin", 0o755), ("var", 0o755), ("var/lib", 0o755)):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)
        add_file(tar, docker_env.BUSYBOX, "bin/busybox")
        applets = subprocess.run([docker_env.BUSYBOX, "--list"], capture_output=True, text=True, timeout=10)
        for applet in sorted(set(applets.stdout.split()) - {"busybox"}):
            info = tarfile.TarInfo(f"bin/{applet}")
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, "busybox", 0o777
            tar.addfile(info)
        loaded = list(dynamic) + ([LIBCURL] if os.path.exists(LIBCURL) else [])
        for path in sorted({p for binary in loaded for p in ldd_paths(binary)} | ({LIBCURL} & set(loaded))):
            add_file(tar, path, path.lstrip("/"))
            # The loader is found at the path the binary names (lib64/...),
            # libraries under the directory ldd printed.
        for path in ("/etc/ssl/certs/ca-certificates.crt",):
            if os.path.exists(path):
                add_file(tar, path, path.lstrip("/"))
        for name, text in (("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), ("etc/group", "root:x:0:\n")):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def binaries_tar(binaries, tmp):
    """The binaries at usr/local/bin, stripped when strip is here."""
    buf = io.BytesIO()
    strip = shutil.which("strip")
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, path in binaries.items():
            source = path
            if strip:
                source = os.path.join(tmp, name)
                shutil.copyfile(path, source)
                subprocess.run([strip, "--strip-unneeded", source], check=True, timeout=60)
            add_file(tar, source, f"usr/local/bin/{name}")
    return buf.getvalue()


def dockerfile_default(source_dir, arg):
    with open(os.path.join(source_dir, "Dockerfile")) as f:
        for line in f:
            match = re.match(rf'\s*ARG {arg}="?([^"\n]*)"?\s*$', line)
            if match:
                return match.group(1)
    return None


# --------------------------------------------------------------------------
# The runtime packages cover what tern-shipper loads (no Docker needed)


def package_of(path):
    candidates = [path, os.path.realpath(path)]
    for candidate in list(candidates):
        if candidate.startswith("/usr/"):
            candidates.append(candidate[4:])
        else:
            candidates.append("/usr" + candidate)
    for candidate in candidates:
        completed = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True, timeout=30)
        if completed.returncode == 0:
            return completed.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def dependency_closure(packages):
    completed = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
         "--no-breaks", "--no-replaces", "--no-enhances", *packages],
        capture_output=True, text=True, timeout=120)
    if completed.returncode != 0:
        return None
    return {line.strip().split(":")[0] for line in completed.stdout.splitlines()
            if line and not line.startswith(" ") and not line.startswith("<")}


def check_runtime_packages(test, source_dir, name, shipper):
    if not (shutil.which("dpkg") and shutil.which("apt-cache") and shutil.which("ldd")):
        test.skip("dpkg, apt-cache or ldd missing: RUNTIME_PACKAGES not checked against tern-shipper's libraries")
        return
    runtime = (dockerfile_default(source_dir, "RUNTIME_PACKAGES") or "").split()
    test.check("libcurl4" in runtime and "ca-certificates" in runtime,
               f"Dockerfile: RUNTIME_PACKAGES default {runtime} lacks libcurl4 or ca-certificates (HTTPS to Loki)")
    essential = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Essential}\\n"],
                               capture_output=True, text=True, timeout=30).stdout
    essential = [line.split()[0] for line in essential.splitlines() if line.endswith(" yes")]
    closure = dependency_closure(runtime + essential)
    if closure is None:
        test.skip("apt-cache has no package lists here: RUNTIME_PACKAGES not checked")
        return
    for path in ldd_paths(shipper):
        package = package_of(path)
        if not test.check(package is not None, f"{path} (loaded by {name}) belongs to no Debian package"):
            continue
        test.check(package in closure, f"{name} loads {path} from {package}, which neither RUNTIME_PACKAGES "
                   f"({' '.join(runtime)}) nor an Essential package brings into the runtime image")


# --------------------------------------------------------------------------


def check_image(test, image):
    _, out, _ = docker("image", "inspect", image)
    config = json.loads(out)[0]["Config"]
    test.check(config.get("User") == "65532:65532", f"image user is {config.get('User')!r}, not 65532:65532")
    test.check(not config.get("Entrypoint"), f"image has an entrypoint: {config.get('Entrypoint')}")
    ports = set((config.get("ExposedPorts") or {}).keys())
    test.check(ports == {"9100/tcp", "9338/tcp", "9080/tcp", "9154/tcp", "9101/tcp", "9115/tcp", "9097/tcp"},
               f"image exposes {sorted(ports)}")
    labels = config.get("Labels") or {}
    for key in ("org.opencontainers.image.title", "org.opencontainers.image.description",
                "org.opencontainers.image.version", "org.opencontainers.image.revision"):
        test.check(labels.get(key), f"image label {key} missing or empty")
    test.check(labels.get("org.opencontainers.image.revision") == "test-revision",
               "image label revision is not the REVISION build argument")


def run_versions(test, image, run_id):
    for name in BINARIES:
        code, out, err = docker("run", "--rm", "--name", f"{PREFIX}{run_id}-{name}", "--label",
                                f"{PID_LABEL}={os.getpid()}", "--network", "none", image, name, "--version",
                                check=False, timeout=60)
        test.check(code == 0 and re.search(r"\d+\.\d+\.\d+", out + err),
                   f"{name} --version in the image: exit {code}, {(out + err).strip()[:300]}")


def serve_node(test, image, run_id):
    port = harness.free_port()
    name = f"{PREFIX}{run_id}-serve"
    docker("run", "-d", "--name", name, "--label", f"{PID_LABEL}={os.getpid()}", "--network", "host",
           "--read-only", "--cap-drop", "ALL", image, "tern-node", f"--web.listen-address=127.0.0.1:{port}")
    try:
        response = harness.wait_http(f"http://127.0.0.1:{port}/metrics", timeout=20)
        test.check("node_load1 " in response.text and "node_scrape_collector_success" in response.text,
                   "tern-node in the image serves /metrics without node_load1")
        _, out, _ = docker("inspect", "-f", "{{.State.Pid}}", name)
        with open(f"/proc/{out.strip()}/status") as f:
            uids = next(line for line in f if line.startswith("Uid:")).split()[1:]
        test.check(set(uids) == {"65532"}, f"tern-node in the image runs with uids {uids}, not 65532")
    except TimeoutError as e:
        _, logs, logs_err = docker("logs", name, check=False)
        test.fail(f"tern-node in the image does not serve /metrics: {e}\n{logs}{logs_err}")
    finally:
        docker("rm", "-f", name, check=False)


def full_build(test, source_dir, run_id, timeout):
    if os.environ.get("TERN_DOCKER_FULL_BUILD") != "1":
        test.skip("the complete build (debian:bookworm images, apt-get against Debian's mirror, a Release compile) "
                  "is not run: no registry or mirror may be contacted by tests and it takes ~15 min on 2 cores; "
                  "TERN_DOCKER_FULL_BUILD=1 runs it here, by hand")
        return
    images = {"BUILD_IMAGE": os.environ.get("BUILD_IMAGE", "debian:bookworm"),
              "RUNTIME_IMAGE": os.environ.get("RUNTIME_IMAGE", "debian:bookworm-slim")}
    for value in images.values():
        code, _, _ = docker("image", "inspect", value, check=False)
        if code != 0:
            test.skip(f"TERN_DOCKER_FULL_BUILD=1 but image {value} is not present locally (no registry here)")
            return
    image = f"{PREFIX}{run_id}-full:test"
    args = ["build", "--label", f"{PID_LABEL}={os.getpid()}", "--build-arg", "REVISION=test-revision", "-t", image]
    for key, value in images.items():
        args += ["--build-arg", f"{key}={value}"]
    started = time.monotonic()
    docker(*args, source_dir, timeout=timeout)
    test.log(f"full build took {time.monotonic() - started:.0f} s")
    try:
        check_image(test, image)
        run_versions(test, image, run_id + "f")
        code, out, _ = docker("run", "--rm", image, "sh", "-c", "ldd /usr/local/bin/tern-shipper /usr/local/bin/tern-mail " + LIBCURL,
                              check=False)
        test.check(code == 0 and "not found" not in out,
                   f"tern-shipper's and tern-mail's libraries in the full image:\n{out}")
    finally:
        docker("rmi", "-f", image, check=False)


def body(test, args):
    source_dir = os.path.realpath(args.source_dir)
    binaries = {"tern-node": args.node_binary, "tern-container": args.container_binary,
                "tern-shipper": args.shipper_binary, "tern-mail": args.mail_binary,
                "tern-haproxy": args.haproxy_binary, "tern-dnscheck": args.dnscheck_binary,
                "tern-alerts": args.alerts_binary}
    for name, path in binaries.items():
        if not (path and os.access(path, os.X_OK)):
            raise harness.SkipTest(f"{name} binary not given or not executable: {path}")

    for name in DYNAMIC:
        check_runtime_packages(test, source_dir, name, binaries[name])
    if os.path.exists(LIBCURL):
        check_runtime_packages(test, source_dir, "libcurl (dlopen)", LIBCURL)

    try:
        docker_env.require()
    except docker_env.Unavailable as e:
        raise harness.SkipTest(str(e))
    reap_stale(test)

    run_id = secrets.token_hex(3)
    base = f"{PREFIX}{run_id}-base:test"
    prebuilt = f"{PREFIX}{run_id}-binaries:test"
    image = f"{PREFIX}{run_id}-image:test"
    label = f"LABEL {PID_LABEL}={os.getpid()}"
    tmp = tempfile.mkdtemp(prefix="tern-dbt-")
    try:
        started = time.monotonic()
        docker("import", "--change", label, "-", base, input_bytes=runtime_base_tar([binaries[n] for n in DYNAMIC]))
        docker("import", "--change", label, "-", prebuilt, input_bytes=binaries_tar(binaries, tmp))
        test.log(f"imported the runtime base and the binaries in {time.monotonic() - started:.1f} s")

        # BuildKit builds only what the runtime target needs: the build stage
        # (debian:bookworm, apt, compile) is skipped when BINARIES names an image.
        env = {**os.environ, "DOCKER_BUILDKIT": "1"}
        started = time.monotonic()
        code, out, err = docker("build", "--target", "runtime", "--label", f"{PID_LABEL}={os.getpid()}",
                                "--build-arg", f"BINARIES={prebuilt}", "--build-arg", f"RUNTIME_IMAGE={base}",
                                "--build-arg", "RUNTIME_PACKAGES=", "--build-arg", "REVISION=test-revision",
                                "-t", image, source_dir, env=env, timeout=180, check=False)
        if not test.check(code == 0, f"docker build of the runtime stage failed:\n{(out + err)[-3000:]}"):
            return
        test.log(f"built the runtime stage in {time.monotonic() - started:.1f} s")
        log = out + err
        test.check("install-deps" not in log and "cmake" not in log,
                   "the build stage ran although BINARIES named an image")

        check_image(test, image)
        run_versions(test, image, run_id)
        serve_node(test, image, run_id)
    finally:
        docker_env.reap_stale(PREFIX, PID_LABEL, lambda message: None)
        for name in (image, prebuilt, base):
            docker("rmi", "-f", name, check=False)
        shutil.rmtree(tmp, ignore_errors=True)

    full_build(test, source_dir, run_id, timeout=args.full_build_timeout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--node-binary", required=True)
    parser.add_argument("--container-binary", required=True)
    parser.add_argument("--shipper-binary", required=True)
    parser.add_argument("--mail-binary", required=True)
    parser.add_argument("--haproxy-binary", required=True)
    parser.add_argument("--dnscheck-binary", required=True)
    parser.add_argument("--alerts-binary", required=True)
    parser.add_argument("--timeout", type=float, default=170, help="seconds for the whole test")
    parser.add_argument("--full-build-timeout", type=float, default=1800,
                        help="seconds for the opt-in complete build (TERN_DOCKER_FULL_BUILD=1)")
    args = parser.parse_args()
    timeout = args.timeout
    if os.environ.get("TERN_DOCKER_FULL_BUILD") == "1":
        timeout += args.full_build_timeout
    return harness.run_test("docker_build_test", lambda test: body(test, args), timeout=timeout)


if __name__ == "__main__":
    sys.exit(main())
