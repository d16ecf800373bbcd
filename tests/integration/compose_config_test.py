#!/usr/bin/env python3
"""compose/: every file and combination is accepted by Debian's docker-compose
(1.29), with the properties the stack promises; and the entrypoint scripts do
what they say, run with stand-ins for the programs they start.

    compose_config_test.py --source-dir . [--shipper-binary build/exporters/shipper/tern-shipper]
        [--mail-binary build/exporters/mail/tern-mail]

1. `docker-compose --env-file <tmp .env from .env.example> -f ... config` for
   central, edge, edge+edge-agent, edge+mail, edge+haproxy, in a clean
   environment (no variable of the caller leaks in); `docker compose` (v2) too
   when this machine has it.
2. In the resolved files: central services each with a named volume, a
   healthcheck on its own endpoint, restart unless-stopped, a pinned image;
   Grafana on 3002; Prometheus' retention, lifecycle and remote-write flags;
   configuration mounted read-only from the repository and present there;
   edge with the host at /host, the Docker socket, the Docker root and
   /var/log read-only, tern-node unprivileged, the root services with every
   capability dropped but DAC_READ_SEARCH; overlays replacing the shipper's
   template; required values (GRAFANA_ADMIN_PASSWORD, SERVER_NAME, LOKI_URL,
   MAILCOW_URL) refused when empty. The mail overlay's tern-mail: hardened
   like the edge services, Postfix's public/ folder (not the queue), Docker's
   logs and Dovecot's run directory read-only, the API key as a compose
   secret file, every flag one tern-mail (when given) knows.
3. Secrets: random values in the test's .env end up only in the environment
   of the service that needs them, never in a command, entrypoint or label;
   every secret in the compose files is a ${VAR} reference; .env.example holds
   no secret value; compose/.env is ignored by git.
4. The entrypoints (compose/scripts), with stand-in programs: Alertmanager's
   writes each secret to a 0600 file and passes none on; Grafana's feeds the
   password to `grafana cli ... reset-admin-password --password-from-stdin` on
   stdin only when the database exists; the agent's renders edge-agent/agent.yml
   (promtool check config --agent accepts it) and refuses unsafe values; the
   shipper's renders each shipper template, and tern-shipper (when given)
   starts with every one of them without an unsupported field. The mail and
   HAProxy pipelines' expressions match sample lines.

Exit 77 when docker-compose or python3-yaml is missing. Loopback only; nothing
is started in Docker.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

try:
    import yaml
except ImportError:  # python3-yaml
    yaml = None

DOCKER_COMPOSE = "/usr/bin/docker-compose"
DOCKER = "/usr/bin/docker"
PROMTOOL = harness.PROMTOOL
BUSYBOX = "/bin/busybox"

COMBINATIONS = {
    "central": ["central.yml"],
    "edge": ["edge.yml"],
    "edge+agent": ["edge.yml", "edge-agent.yml"],
    "edge+mail": ["edge.yml", "mail.yml"],
    "edge+haproxy": ["edge.yml", "haproxy.yml"],
    "central+dnscheck": ["central.yml", "dnscheck.yml"],
}

CENTRAL_HEALTH = {
    "prometheus": "/-/healthy",
    "alertmanager": "/-/ready",
    "grafana": "/api/health",
    "loki": "/ready",
}

# .env keys holding secrets, and the one service allowed to see each.
SECRET_KEYS = {
    "GRAFANA_ADMIN_PASSWORD": "grafana",
    "AM_SMTP_AUTH_PASSWORD": "alertmanager",
    "AM_SLACK_API_URL": "alertmanager",
    "AM_WEBHOOK_TOKEN": "alertmanager",
    "AM_NTFY_TOKEN": "alertmanager",
    "AM_WATCHDOG_URL": "alertmanager",
    "REMOTE_WRITE_PASSWORD": "prometheus-agent",
    # The webhook token Alertmanager sends and tern-alerts checks: both see it.
    "TERN_ALERTS_TOKEN": ("alertmanager", "tern-alerts"),
}
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|API_URL|WATCHDOG_URL")


def parse_env_file(path):
    values = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            values[key.strip()] = value
    return values


def write_env_file(path, values):
    with open(path, "w") as f:
        for key, value in values.items():
            f.write(f"{key}={value}\n")


class Compose:
    """docker-compose (1.29) and, when present, docker compose (v2)."""

    def __init__(self, compose_dir, test):
        self.dir = compose_dir
        self.test = test
        self.clean_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": os.environ.get("HOME", "/root")}
        self.variants = [("docker-compose 1.29", [DOCKER_COMPOSE])]
        if os.access(DOCKER, os.X_OK):
            probe = subprocess.run([DOCKER, "compose", "version"], capture_output=True, text=True,
                                   env=self.clean_env, timeout=30)
            if probe.returncode == 0:
                self.variants.append(("docker compose v2", [DOCKER, "compose"]))
        if len(self.variants) == 1:
            test.skip("docker compose v2 is not installed here (Debian bookworm ships only docker-compose "
                      "1.29): the files were checked with 1.29 alone")

    def config(self, files, env_file, variant=0):
        """(exit code, stdout, stderr) of `config` for these files."""
        _, command = self.variants[variant]
        args = [*command, "--env-file", env_file]
        for name in files:
            args += ["-f", os.path.join(self.dir, name)]
        args += ["config"]
        completed = subprocess.run(args, capture_output=True, text=True, env=self.clean_env,
                                   cwd=self.dir, timeout=60)
        return completed.returncode, completed.stdout, completed.stderr


def mounts(service):
    """Every volume of a resolved service as (type, source, target, read_only)."""
    result = []
    for volume in service.get("volumes", []):
        if isinstance(volume, str):  # v1 short form: source:target[:mode]
            parts = volume.split(":")
            source, target = (parts[0], parts[1]) if len(parts) > 1 else (None, parts[0])
            mode = parts[2] if len(parts) > 2 else "rw"
            kind = "bind" if source and source.startswith(("/", ".")) else "volume"
            result.append((kind, source, target, "ro" in mode.split(",")))
        else:
            result.append((volume.get("type"), volume.get("source"), volume.get("target"),
                           bool(volume.get("read_only"))))
    return result


def mount_at(service, target):
    found = [m for m in mounts(service) if m[2] == target]
    return found[0] if len(found) == 1 else None


def health_test_text(service):
    test = (service.get("healthcheck") or {}).get("test")
    if isinstance(test, list):
        return " ".join(str(t) for t in test)
    return str(test or "")


def command_list(service, key="command"):
    value = service.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value]


def port_bindings(service):
    result = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            result.append((str(port.get("host_ip", "")), str(port.get("published", "")), str(port.get("target"))))
        else:
            text = str(port).split("/")[0]
            parts = text.rsplit(":", 2)
            if len(parts) == 3:
                result.append((parts[0], parts[1], parts[2]))
            elif len(parts) == 2:
                result.append(("", parts[0], parts[1]))
    return result


# --------------------------------------------------------------------------
# Checks on the resolved files


def check_central(test, config, source_dir):
    services = config.get("services", {})
    named = set((config.get("volumes") or {}).keys())
    test.check(set(services) >= set(CENTRAL_HEALTH), f"central services: {sorted(services)}")
    for name, path in CENTRAL_HEALTH.items():
        service = services.get(name, {})
        test.check(service.get("restart") == "unless-stopped", f"central {name}: restart is {service.get('restart')!r}")
        health = health_test_text(service)
        test.check(path in health and "127.0.0.1" in health, f"central {name}: healthcheck {health!r} does not probe {path}")
        for key in ("interval", "timeout", "retries", "start_period"):
            test.check(key in (service.get("healthcheck") or {}), f"central {name}: healthcheck without {key}")
        image = str(service.get("image", ""))
        test.check(re.fullmatch(r"[a-z0-9./-]+:v?\d+\.\d+\.\d+", image) is not None,
                   f"central {name}: image {image!r} is not pinned to a version")
        volumes = [m for m in mounts(service) if m[0] == "volume"]
        test.check(any(m[1] in named for m in volumes), f"central {name}: no named volume ({volumes})")
        for kind, source, target, read_only in mounts(service):
            if kind == "bind":
                test.check(read_only, f"central {name}: {source} mounted writable at {target}")
                test.check(os.path.exists(source), f"central {name}: mount source {source} does not exist")
                inside = os.path.realpath(source).startswith(os.path.realpath(source_dir) + os.sep)
                test.check(inside, f"central {name}: {source} is not part of the repository")

    prometheus = services.get("prometheus", {})
    flags = command_list(prometheus)
    for flag in ("--storage.tsdb.retention.time=30d", "--web.enable-lifecycle",
                 "--web.enable-remote-write-receiver", "--config.file=/etc/prometheus/prometheus.yml"):
        test.check(flag in flags, f"central prometheus: {flag} missing from {flags}")
    config_mount = mount_at(prometheus, "/etc/prometheus")
    test.check(config_mount and config_mount[1] == os.path.join(source_dir, "prometheus"),
               f"central prometheus: /etc/prometheus is {config_mount}, not the repository's prometheus/")

    alertmanager = services.get("alertmanager", {})
    tmpfs = " ".join(alertmanager.get("tmpfs", []) if isinstance(alertmanager.get("tmpfs"), list)
                     else [str(alertmanager.get("tmpfs", ""))])
    test.check("/etc/alertmanager/secrets" in tmpfs, f"central alertmanager: no tmpfs for the secrets ({tmpfs!r})")
    test.check(mount_at(alertmanager, "/etc/alertmanager/alertmanager.yml") is not None,
               "central alertmanager: alertmanager/alertmanager.yml is not mounted")
    test.check("/tern/alertmanager-entrypoint.sh" in command_list(alertmanager, "entrypoint"),
               "central alertmanager: not started through scripts/alertmanager-entrypoint.sh")

    grafana = services.get("grafana", {})
    bindings = port_bindings(grafana)
    test.check(("0.0.0.0", "3002", "3000") in bindings or ("", "3002", "3000") in bindings,
               f"central grafana: not published on 3002 ({bindings})")
    for target, folder in (("/etc/grafana/provisioning", "grafana/provisioning"),
                           ("/etc/grafana/dashboards", "grafana/dashboards")):
        found = mount_at(grafana, target)
        test.check(found and found[1] == os.path.join(source_dir, folder),
                   f"central grafana: {target} is {found}, not the repository's {folder}")
    test.check("/tern/grafana-entrypoint.sh" in command_list(grafana, "entrypoint"),
               "central grafana: not started through scripts/grafana-entrypoint.sh (admin password reset)")

    loki = services.get("loki", {})
    test.check("-config.expand-env=true" in command_list(loki), "central loki: -config.expand-env=true missing")
    test.check(mount_at(loki, "/etc/loki/loki.yml") is not None, "central loki: compose/loki/loki.yml not mounted")

    for name in ("prometheus", "alertmanager", "loki"):
        for host_ip, published, target in port_bindings(services.get(name, {})):
            test.check(host_ip == "127.0.0.1", f"central {name}: published on {host_ip or 'every address'}:"
                       f"{published} with the example .env (CENTRAL_BIND=127.0.0.1 expected)")


def check_edge(test, config, source_dir, compose_dir):
    services = config.get("services", {})
    for name in ("tern-node", "tern-container", "tern-shipper"):
        service = services.get(name)
        if not test.check(service is not None, f"edge: no {name} service"):
            continue
        test.check(service.get("image") == "tern:local", f"edge {name}: image {service.get('image')!r}")
        build = service.get("build") or {}
        context = build.get("context") if isinstance(build, dict) else build
        test.check(context and os.path.realpath(context) == os.path.realpath(source_dir)
                   and os.path.isfile(os.path.join(context, "Dockerfile")),
                   f"edge {name}: not built from the repository's Dockerfile ({build})")
        test.check(service.get("restart") == "unless-stopped", f"edge {name}: restart {service.get('restart')!r}")
        test.check(service.get("cap_drop") == ["ALL"], f"edge {name}: capabilities not all dropped")
        test.check(service.get("read_only") is True, f"edge {name}: root file system writable")
        test.check(any("no-new-privileges" in str(o) for o in service.get("security_opt", [])),
                   f"edge {name}: no-new-privileges missing")
        user = str(service.get("user", ""))
        if user.split(":")[0] in ("0", "root", ""):
            test.check(service.get("cap_add") == ["DAC_READ_SEARCH"],
                       f"edge {name}: runs as root with capabilities {service.get('cap_add')} (only DAC_READ_SEARCH)")
        # Host paths mounted read-only; only named volumes may be written.
        for kind, source, target, read_only in mounts(service):
            if kind == "bind":
                test.check(read_only, f"edge {name}: {source} mounted writable at {target}")
                if source.startswith(compose_dir) or source.startswith(source_dir):
                    test.check(os.path.exists(source), f"edge {name}: {source} does not exist")

    node = services.get("tern-node", {})
    host = mount_at(node, "/host")
    test.check(host and host[1] == "/" and host[3], f"edge tern-node: host not mounted read-only at /host ({host})")
    propagation = [((v.get("bind") or {}).get("propagation")) for v in node.get("volumes", [])
                   if isinstance(v, dict) and v.get("target") == "/host"]
    test.check(propagation == ["rslave"], f"edge tern-node: /host propagation {propagation}, rslave expected")
    test.check(str(node.get("user")) == "65532:65532", f"edge tern-node: user {node.get('user')!r}, not 65532")
    test.check(node.get("network_mode") == "host" and node.get("pid") == "host",
               "edge tern-node: host network and pid namespaces expected (host /proc/net, processes)")
    flags = command_list(node)
    for flag in ("--path.rootfs=/host", "--path.procfs=/host/proc", "--path.sysfs=/host/sys"):
        test.check(flag in flags, f"edge tern-node: {flag} missing")

    container = services.get("tern-container", {})
    for target, source in (("/var/run/docker.sock", "/var/run/docker.sock"), ("/host/proc", "/proc"),
                           ("/host/sys", "/sys"), ("/host/docker", "/var/lib/docker")):
        found = mount_at(container, target)
        test.check(found and found[1] == source and found[3],
                   f"edge tern-container: {source} not mounted read-only at {target} ({found})")
    test.check("999" in [str(g) for g in container.get("group_add", [])],
               f"edge tern-container: group_add {container.get('group_add')} lacks DOCKER_GID")

    shipper = services.get("tern-shipper", {})
    for target, source in (("/var/run/docker.sock", "/var/run/docker.sock"),
                           ("/var/lib/docker/containers", "/var/lib/docker/containers"),
                           ("/var/log", "/var/log")):
        found = mount_at(shipper, target)
        test.check(found and found[1] == source and found[3],
                   f"edge tern-shipper: {source} not mounted read-only at {target} ({found})")
    positions = mount_at(shipper, "/var/lib/tern-shipper")
    test.check(positions and positions[0] == "volume" and positions[1] in (config.get("volumes") or {}),
               f"edge tern-shipper: positions not on a named volume ({positions})")
    test.check(shipper.get("environment", {}).get("LOKI_URL", "").startswith("http"),
               "edge tern-shipper: LOKI_URL not passed from .env")
    test.check("--client.hostname=mail-01" in command_list(shipper),
               "edge tern-shipper: the host label is not SERVER_NAME")


def check_agent(test, config):
    agent = config.get("services", {}).get("prometheus-agent")
    if not test.check(agent is not None, "edge+agent: no prometheus-agent service"):
        return
    flags = command_list(agent)
    test.check("--enable-feature=agent" in flags, f"edge+agent: agent mode flag missing ({flags})")
    test.check(agent.get("network_mode") == "host", "edge+agent: the agent must share the host's network (127.0.0.1 targets)")
    test.check("/tern/agent-entrypoint.sh" in command_list(agent, "entrypoint"),
               "edge+agent: not started through scripts/agent-entrypoint.sh")
    environment = agent.get("environment", {})
    test.check(environment.get("SERVER_NAME") == "mail-01" and environment.get("SERVER_ROLE") == "mail",
               f"edge+agent: SERVER_NAME/SERVER_ROLE not passed ({environment})")
    data = mount_at(agent, "/prometheus")
    test.check(data and data[0] == "volume", "edge+agent: the WAL is not on a named volume")
    test.check(agent.get("restart") == "unless-stopped", "edge+agent: restart policy")


def check_overlay(test, config, name, compose_dir):
    shipper = config.get("services", {}).get("tern-shipper", {})
    template = [m for m in mounts(shipper) if m[2] == "/etc/tern-shipper/shipper.yaml"]
    want = os.path.join(compose_dir, name, "shipper.yaml")
    test.check(len(template) == 1 and template[0][1] == want,
               f"edge+{name}: the shipper template is {template}, not {want}")


def check_mail(test, config, source_dir, mail_binary):
    service = config.get("services", {}).get("tern-mail")
    if not test.check(service is not None, "edge+mail: no tern-mail service"):
        return
    test.check(service.get("image") == "tern:local", f"edge+mail tern-mail: image {service.get('image')!r}")
    build = service.get("build") or {}
    context = build.get("context") if isinstance(build, dict) else build
    test.check(context and os.path.realpath(context) == os.path.realpath(source_dir),
               f"edge+mail tern-mail: not built from the repository's Dockerfile ({build})")
    test.check(service.get("restart") == "unless-stopped", "edge+mail tern-mail: restart policy")
    test.check(service.get("cap_drop") == ["ALL"] and service.get("cap_add") == ["DAC_READ_SEARCH"],
               f"edge+mail tern-mail: capabilities {service.get('cap_drop')} / {service.get('cap_add')}, "
               "expected ALL dropped but DAC_READ_SEARCH")
    test.check(service.get("read_only") is True, "edge+mail tern-mail: root file system writable")
    test.check(any("no-new-privileges" in str(o) for o in service.get("security_opt", [])),
               "edge+mail tern-mail: no-new-privileges missing")
    for kind, source, target, read_only in mounts(service):
        test.check(kind != "bind" or read_only, f"edge+mail tern-mail: {source} mounted writable at {target}")
    for target, source_end in (("/var/run/docker.sock", "/var/run/docker.sock"),
                               ("/var/lib/docker/containers", "/containers"),
                               ("/var/spool/postfix/public", "/_data/public"),
                               ("/var/run/dovecot", "/run/mailcow-dovecot")):
        found = mount_at(service, target)
        test.check(found and found[1].endswith(source_end) and found[3],
                   f"edge+mail tern-mail: ...{source_end} not mounted read-only at {target} ({found})")
    test.check(not any(m[2] == "/var/spool/postfix" for m in mounts(service)),
               "edge+mail tern-mail: the whole Postfix spool (queued mail) is mounted; only public/ is needed")
    flags = command_list(service)
    for flag in ("--docker.enable", "--collector.mailcow", "--mailcow.api-key-file=/run/secrets/mailcow_api_key",
                 "--web.listen-address=:9154"):
        test.check(flag in flags, f"edge+mail tern-mail: {flag} missing ({flags})")
    test.check(any(f.startswith("--mailcow.url=https://") for f in flags), "edge+mail tern-mail: --mailcow.url")
    test.check(not (service.get("environment") or {}), "edge+mail tern-mail: the API key comes from a file, "
               f"not the environment ({service.get('environment')})")
    secrets_used = [s.get("source") if isinstance(s, dict) else s for s in service.get("secrets", [])]
    declared = (config.get("secrets") or {}).get("mailcow_api_key") or {}
    test.check(secrets_used == ["mailcow_api_key"] and str(declared.get("file", "")).endswith("mailcow-api-key"),
               f"edge+mail tern-mail: secrets {secrets_used}, declared {declared}")
    test.check(("0.0.0.0", "9154", "9154") in port_bindings(service),
               f"edge+mail tern-mail: port 9154 not published on EDGE_BIND ({port_bindings(service)})")
    if not mail_binary:
        test.skip("no --mail-binary: tern-mail's flags in mail.yml were not checked against its --help")
        return
    completed = subprocess.run([mail_binary, "--help"], capture_output=True, text=True, timeout=30)
    known = set(re.findall(r"--(?:\[no-\])?([a-z][a-z0-9._-]*)", completed.stdout + completed.stderr))
    for flag in flags[1:]:
        name = flag[2:].split("=", 1)[0]
        test.check(name in known or (name.startswith("no-") and name[3:] in known),
                   f"edge+mail tern-mail: {flag} is not a flag of tern-mail --help")


def check_secrets_placement(test, resolved, secret_values):
    """Each secret value appears only in its service's environment."""
    for combo, config in resolved.items():
        for service_name, service in config.get("services", {}).items():
            environment = service.get("environment", {}) or {}
            if isinstance(environment, list):
                environment = dict(e.split("=", 1) for e in environment)
            for key, value in secret_values.items():
                owner = SECRET_KEYS[key]
                for field, content in service.items():
                    text = yaml.safe_dump(content) if not isinstance(content, str) else content
                    if value not in text:
                        continue
                    if field == "environment" and service_name in ((owner,) if isinstance(owner, str) else owner):
                        continue
                    test.fail(f"{combo}: the value of {key} appears in {service_name}.{field}")
            for env_key, env_value in environment.items():
                from_env_file = env_key in secret_values or env_value in secret_values.values()
                if SECRET_NAME.search(env_key) and env_value and not from_env_file \
                        and not env_key.startswith("GF_SECURITY_ADMIN_PASSWORD"):
                    test.fail(f"{combo}: {service_name} gets {env_key} set to a value not from .env")


def check_raw_files(test, compose_dir):
    """Secrets in compose files are ${VAR} references; none in .env.example."""
    for name in sorted(os.listdir(compose_dir)):
        if not name.endswith(".yml"):
            continue
        with open(os.path.join(compose_dir, name)) as f:
            raw = yaml.safe_load(f)
        for service_name, service in (raw.get("services") or {}).items():
            environment = service.get("environment") or {}
            if isinstance(environment, list):
                environment = dict(e.split("=", 1) if "=" in e else (e, "") for e in environment)
            for key, value in environment.items():
                if SECRET_NAME.search(key):
                    test.check(re.fullmatch(r"\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}", str(value)) is not None,
                               f"{name}: {service_name}.environment.{key} is {value!r}, not a ${{VAR}} reference")
    example = parse_env_file(os.path.join(compose_dir, ".env.example"))
    for key, value in example.items():
        if SECRET_NAME.search(key) and key != "REMOTE_WRITE_URL":
            test.check(value == "", f".env.example: {key} has a value; secrets stay empty there")
    for key in SECRET_KEYS:
        test.check(key in example, f".env.example does not name {key}")


def check_gitignore(test, source_dir):
    if shutil.which("git") and os.path.exists(os.path.join(source_dir, ".git")):
        completed = subprocess.run(["git", "-C", source_dir, "check-ignore", "-q", "compose/.env"],
                                   capture_output=True, timeout=10)
        test.check(completed.returncode == 0, "compose/.env is not ignored by git")
    else:
        with open(os.path.join(source_dir, ".gitignore")) as f:
            test.check("/compose/.env" in f.read().split(), "compose/.env is not in .gitignore")


# --------------------------------------------------------------------------
# The entrypoint scripts


def fake_program(tmp, name, record):
    """A shell script that records its argv, stdin and environment."""
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(f"""#!/bin/sh
printf '%s\\n' "$@" > {record}.argv
cat > {record}.stdin
env > {record}.env
echo "fake {name} ran"
""")
    os.chmod(path, 0o755)
    return path


def read(path):
    with open(path) as f:
        return f.read()


# The shell the entrypoints run under: Debian's dash with mawk and coreutils
# (our image), or busybox's sh with its applets alone (the prom/* images,
# Grafana's Alpine image). body() runs every entrypoint check under both.
SHELL = {"argv": ["/bin/sh"], "path": "/usr/sbin:/usr/bin:/sbin:/bin"}


def busybox_shell(tmp):
    """A PATH holding nothing but busybox's applets, as in a busybox image."""
    bin_dir = os.path.join(tmp, "busybox-bin")
    os.makedirs(bin_dir)
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, timeout=10).stdout.split()
    for applet in applets:
        os.symlink(BUSYBOX, os.path.join(bin_dir, applet))
    return {"argv": [os.path.join(bin_dir, "sh")], "path": bin_dir}


class Prefixed:
    """The test, with every message prefixed (which shell a failure is for)."""

    def __init__(self, test, prefix):
        self.test, self.prefix = test, prefix

    def check(self, condition, message):
        return self.test.check(condition, self.prefix + message)

    def fail(self, message):
        self.test.fail(self.prefix + message)

    def skip(self, message):
        self.test.skip(self.prefix + message)

    def log(self, message):
        self.test.log(self.prefix + message)


def run_script(script, env, args=(), stdin=""):
    completed = subprocess.run([*SHELL["argv"], script, *args], input=stdin, capture_output=True, text=True,
                               env={"PATH": SHELL["path"], **env}, timeout=30)
    return completed.returncode, completed.stdout, completed.stderr


def check_alertmanager_entrypoint(test, scripts, tmp):
    secrets_dir = os.path.join(tmp, "am-secrets")
    os.makedirs(secrets_dir)
    record = os.path.join(tmp, "am")
    values = {
        "AM_SMTP_AUTH_PASSWORD": "smtp pass with spaces & $dollar",
        "AM_SLACK_API_URL": "https://hooks.slack.example/services/" + secrets.token_hex(8),
        "AM_WEBHOOK_TOKEN": secrets.token_hex(16),
        "AM_WATCHDOG_URL": "https://deadman.example/ping/" + secrets.token_hex(4),
        "AM_TERN_ALERTS_TOKEN": secrets.token_hex(16),
    }  # AM_NTFY_TOKEN unset: an empty file
    env = {"AM_SECRETS_DIR": secrets_dir, "ALERTMANAGER": fake_program(tmp, "alertmanager", record), **values}
    code, out, err = run_script(os.path.join(scripts, "alertmanager-entrypoint.sh"), env,
                                ["--config.file=/etc/alertmanager/alertmanager.yml"])
    if not test.check(code == 0, f"alertmanager-entrypoint.sh exited {code}: {err}"):
        return
    files = {"smtp_auth_password": values["AM_SMTP_AUTH_PASSWORD"], "slack_api_url": values["AM_SLACK_API_URL"],
             "webhook_token": values["AM_WEBHOOK_TOKEN"], "ntfy_token": "", "watchdog_url": values["AM_WATCHDOG_URL"],
             "tern_alerts_token": values["AM_TERN_ALERTS_TOKEN"]}
    for name, want in files.items():
        path = os.path.join(secrets_dir, name)
        if not test.check(os.path.isfile(path), f"alertmanager-entrypoint.sh: no {name} file"):
            continue
        test.check(read(path) == want, f"alertmanager-entrypoint.sh: {name} holds the wrong value")
        test.check(stat.S_IMODE(os.stat(path).st_mode) == 0o600,
                   f"alertmanager-entrypoint.sh: {name} mode {oct(os.stat(path).st_mode)}")
    argv, child_env = read(record + ".argv"), read(record + ".env")
    test.check(argv.split("\n")[0] == "--config.file=/etc/alertmanager/alertmanager.yml",
               f"alertmanager-entrypoint.sh: arguments not passed on ({argv!r})")
    for key, value in values.items():
        test.check(value not in argv, f"alertmanager-entrypoint.sh: {key}'s value on Alertmanager's command line")
        test.check(f"{key}=" not in child_env, f"alertmanager-entrypoint.sh: {key} left in Alertmanager's environment")
    test.check(not any(v in out + err for v in values.values()), "alertmanager-entrypoint.sh printed a secret")
    # No secrets directory (the tmpfs missing): a clear error, not a silent start.
    code, _, err = run_script(os.path.join(scripts, "alertmanager-entrypoint.sh"),
                              {**env, "AM_SECRETS_DIR": os.path.join(tmp, "missing")})
    test.check(code != 0 and "tmpfs" in err, f"alertmanager-entrypoint.sh without its tmpfs: exit {code}, {err!r}")


def check_grafana_entrypoint(test, scripts, tmp):
    data = os.path.join(tmp, "grafana-data")
    os.makedirs(data)
    record_cli = os.path.join(tmp, "grafana-cli")
    record_run = os.path.join(tmp, "grafana-run")
    password = "new admin pass " + secrets.token_hex(6)
    env = {"GF_SECURITY_ADMIN_PASSWORD": password, "GF_PATHS_DATA": data, "GF_PATHS_HOME": tmp,
           "GRAFANA": fake_program(tmp, "grafana", record_cli), "GRAFANA_RUN": fake_program(tmp, "run.sh", record_run)}
    script = os.path.join(scripts, "grafana-entrypoint.sh")

    # First start: no database yet, the server creates the admin from the env.
    code, out, err = run_script(script, env, ["server-arg"])
    test.check(code == 0, f"grafana-entrypoint.sh (first start) exited {code}: {err}")
    test.check(not os.path.exists(record_cli + ".argv"), "grafana-entrypoint.sh ran grafana cli without a database")
    test.check(os.path.exists(record_run + ".argv") and read(record_run + ".argv") == "server-arg\n",
               "grafana-entrypoint.sh did not exec /run.sh with its arguments")

    # Later starts: the database exists, the password is reset from the env.
    open(os.path.join(data, "grafana.db"), "w").close()
    code, out, err = run_script(script, env)
    if not test.check(code == 0, f"grafana-entrypoint.sh (restart) exited {code}: {err}"):
        return
    if test.check(os.path.exists(record_cli + ".argv"), "grafana-entrypoint.sh did not reset the password"):
        argv = read(record_cli + ".argv").split("\n")
        test.check(argv[0] == "cli" and "admin" in argv and "reset-admin-password" in argv
                   and "--password-from-stdin" in argv,
                   f"grafana-entrypoint.sh: unexpected grafana arguments {argv}")
        test.check(f"cfg:default.paths.data={data}" in " ".join(argv),
                   "grafana-entrypoint.sh: the CLI is not pointed at the server's data path")
        test.check(password not in "\n".join(argv), "grafana-entrypoint.sh: the password is on grafana's command line")
        test.check(read(record_cli + ".stdin") == password + "\n", "grafana-entrypoint.sh: the password is not on stdin")
    test.check(password not in out + err, "grafana-entrypoint.sh printed the password")

    code, _, err = run_script(script, {**env, "GF_SECURITY_ADMIN_PASSWORD": ""})
    test.check(code != 0 and "GRAFANA_ADMIN_PASSWORD" in err, f"grafana-entrypoint.sh with an empty password: exit {code}")


def check_agent_entrypoint(test, scripts, compose_dir, tmp):
    out = os.path.join(tmp, "agent")
    os.makedirs(out)
    record = os.path.join(tmp, "prom")
    password = "rw " + secrets.token_hex(8)
    env = {"SERVER_NAME": "mail-01", "SERVER_ROLE": "mail", "REMOTE_WRITE_URL": "https://monitor-01.example.com/api/v1/write",
           "REMOTE_WRITE_USERNAME": "edge", "REMOTE_WRITE_PASSWORD": password, "AGENT_CONFIG_DIR": out,
           "AGENT_CONFIG_TEMPLATE": os.path.join(compose_dir, "edge-agent", "agent.yml"),
           "PROMETHEUS": fake_program(tmp, "prometheus", record), "AGENT_EXTRA_JOBS": "haproxy,dnscheck"}
    script = os.path.join(scripts, "agent-entrypoint.sh")
    code, stdout, err = run_script(script, env, ["--enable-feature=agent"])
    if not test.check(code == 0, f"agent-entrypoint.sh exited {code}: {err}"):
        return
    rendered = os.path.join(out, "agent.yml")
    argv = read(record + ".argv").split("\n")
    test.check(argv[:2] == [f"--config.file={rendered}", "--enable-feature=agent"],
               f"agent-entrypoint.sh: Prometheus started with {argv}")
    test.check(password not in "\n".join(argv) and "REMOTE_WRITE_PASSWORD=" not in read(record + ".env"),
               "agent-entrypoint.sh: the password reaches Prometheus' command line or environment")
    password_file = os.path.join(out, "remote_write_password")
    test.check(read(password_file) == password and stat.S_IMODE(os.stat(password_file).st_mode) == 0o600,
               "agent-entrypoint.sh: remote_write_password wrong or readable by others")
    config = yaml.safe_load(read(rendered))
    jobs = {s["job_name"]: s for s in config.get("scrape_configs", [])}
    test.check(set(jobs) == {"node", "container", "shipper", "mail", "haproxy", "dnscheck"},
               f"agent.yml: jobs {sorted(jobs)}")
    # The optional jobs' target files: the ones AGENT_EXTRA_JOBS names, with
    # the server's labels; an empty list for the others.
    for job, port in (("mail", None), ("haproxy", 9101), ("dnscheck", 9115)):
        files = [f for sd in jobs.get(job, {}).get("file_sd_configs", []) for f in sd.get("files", [])]
        test.check(files == [os.path.join(out, "targets", f"{job}.json")],
                   f"agent.yml: job {job} reads {files}")
        written = json.loads(read(os.path.join(out, "targets", f"{job}.json")))
        want = [] if port is None else [{"targets": [f"127.0.0.1:{port}"],
                                         "labels": {"instance": "mail-01", "server_role": "mail"}}]
        test.check(written == want, f"targets/{job}.json is {written}, want {want}")
    for job, scrape in jobs.items():
        for static in scrape.get("static_configs", []):
            test.check(static.get("labels") == {"instance": "mail-01", "server_role": "mail"},
                       f"agent.yml: job {job} labels {static.get('labels')}")
    remote = (config.get("remote_write") or [{}])[0]
    test.check(remote.get("url") == env["REMOTE_WRITE_URL"], f"agent.yml: remote_write url {remote.get('url')}")
    test.check((remote.get("basic_auth") or {}).get("password_file") == password_file,
               "agent.yml: basic_auth.password_file is not the written file")
    test.check("${" not in read(rendered).replace("${1}", ""), "agent.yml: a placeholder was left unrendered")
    if os.access(PROMTOOL, os.X_OK):
        code, pout, perr = harness.run_command([PROMTOOL, "check", "config", "--agent", rendered], timeout=30)
        test.check(code == 0, f"promtool check config --agent rejects the rendered agent.yml: {pout}{perr}")
    else:
        test.skip(f"{PROMTOOL} not installed: rendered agent.yml not checked by promtool")
    for key, bad in (("SERVER_NAME", 'mail"01'), ("SERVER_NAME", ""), ("SERVER_ROLE", "a b"),
                     ("REMOTE_WRITE_URL", "ftp://x"), ("REMOTE_WRITE_URL", 'https://x/"y'),
                     ("AGENT_EXTRA_JOBS", "mail smtp")):
        code, _, err = run_script(script, {**env, key: bad})
        test.check(code != 0 and key in err, f"agent-entrypoint.sh accepted {key}={bad!r} (exit {code})")


def check_shipper_entrypoint(test, scripts, compose_dir, tmp, shipper_binary, load=True):
    templates = {"edge": os.path.join(compose_dir, "edge", "shipper.yaml"),
                 "mail": os.path.join(compose_dir, "mail", "shipper.yaml"),
                 "haproxy": os.path.join(compose_dir, "haproxy", "shipper.yaml")}
    loki_url = "http://monitor-01.example.com:3100/loki/api/v1/push"
    rendered_files = {}
    for name, template in templates.items():
        out = os.path.join(tmp, f"shipper-{name}")
        os.makedirs(out)
        record = os.path.join(tmp, f"ship-{name}")
        env = {"LOKI_URL": loki_url, "SHIPPER_CONFIG_DIR": out, "SHIPPER_CONFIG_TEMPLATE": template,
               "TERN_SHIPPER": fake_program(tmp, f"tern-shipper-{name}", record)}
        code, _, err = run_script(os.path.join(scripts, "shipper-entrypoint.sh"), env, ["--client.hostname=mail-01"])
        if not test.check(code == 0, f"shipper-entrypoint.sh ({name}) exited {code}: {err}"):
            continue
        rendered = os.path.join(out, "shipper.yaml")
        argv = read(record + ".argv").split("\n")
        test.check(argv[:2] == [f"--config.file={rendered}", "--client.hostname=mail-01"],
                   f"shipper-entrypoint.sh ({name}): tern-shipper started with {argv}")
        config = yaml.safe_load(read(rendered))
        test.check(config["clients"][0]["url"] == loki_url, f"{name}/shipper.yaml: client url {config['clients'][0]}")
        test.check(config["positions"]["filename"] == "/var/lib/tern-shipper/positions.yaml",
                   f"{name}/shipper.yaml: positions not on the shipper-positions volume")
        jobs = [s["job_name"] for s in config["scrape_configs"]]
        test.check(jobs[:2] == ["docker", "system"], f"{name}/shipper.yaml: jobs {jobs}")
        rendered_files[name] = rendered
    code, _, err = run_script(os.path.join(scripts, "shipper-entrypoint.sh"),
                              {"LOKI_URL": "monitor-01:3100", "SHIPPER_CONFIG_DIR": tmp,
                               "SHIPPER_CONFIG_TEMPLATE": templates["edge"]})
    test.check(code != 0 and "LOKI_URL" in err, "shipper-entrypoint.sh accepted a LOKI_URL without a scheme")

    if not load:
        return
    if not shipper_binary:
        test.skip("no --shipper-binary: the shipper templates were not loaded by tern-shipper")
        return
    # tern-shipper loads each configuration: no unsupported field, no error.
    # Host paths are moved into the temporary directory so nothing of this
    # machine is read or written; Loki's URL points at a closed loopback port.
    for name, rendered in rendered_files.items():
        text = read(rendered)
        local = os.path.join(tmp, f"run-{name}")
        os.makedirs(local)
        text = text.replace("/var/lib/tern-shipper/positions.yaml", os.path.join(local, "positions.yaml"))
        text = text.replace("unix:///var/run/docker.sock", f"unix://{local}/docker.sock")
        text = text.replace('"/var/log/', f'"{local}/')
        text = text.replace(loki_url, f"http://127.0.0.1:{harness.free_port()}/loki/api/v1/push")
        config_path = os.path.join(local, "shipper.yaml")
        with open(config_path, "w") as f:
            f.write(text)
        process = harness.Process([shipper_binary, f"--config.file={config_path}", "--web.listen-address=127.0.0.1:0",
                                   f"--docker.root={local}", "--client.hostname=mail-01"], name=f"tern-shipper ({name})")
        try:
            process.wait_listening(timeout=10)
            time.sleep(0.5)
        except RuntimeError as e:
            test.fail(f"tern-shipper does not start with {name}/shipper.yaml: {e}")
            continue
        finally:
            process.stop(signal.SIGTERM)
        # The Docker socket is absent on purpose: that error is expected.
        problems = [line for line in process.lines
                    if "not supported" in line or ("level=error" in line and "Docker unreachable" not in line)]
        test.check(not problems, f"tern-shipper with {name}/shipper.yaml logged:\n" + "\n".join(problems))


def check_pipeline_expressions(test, compose_dir):
    """The regex stages' expressions match the lines they are written for (RE2
    and Python's re agree on these constructs)."""
    samples = {
        "mail": [
            ("Nov 21 13:00:01 mail postfix/submission/smtpd[2211]: warning: unknown[203.0.113.9]: "
             "SASL LOGIN authentication failed: UGFzc3dvcmQ6", {"smtp_auth_failed_client": "203.0.113.9"}),
            ("postfix/smtpd[99]: warning: host.example[2001:db8::1]: SASL PLAIN authentication failed: ",
             {"smtp_auth_failed_client": "2001:db8::1"}),
            ("dovecot: imap-login: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): "
             "user=<a@example.com>, method=PLAIN, rip=198.51.100.4", {"imap_auth_failed": "auth failed"}),
            ("postfix/smtp[42]: 4AB: to=<a@example.org>, relay=mx.example.org[192.0.2.1]:25, status=sent", {}),
        ],
        "haproxy": [
            ("Nov 21 13:00:00 lb-01 haproxy[812]: 198.51.100.7:51234 [21/Nov/2026:13:00:00.123] fe_https~ "
             "be_app/app1 0/0/1/12/13 200 512 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"",
             {"frontend": "fe_https", "backend": "be_app"}),
            ("haproxy[812]: 198.51.100.7:51234 [21/Nov/2026:13:00:00.123] fe_http be_static/<NOSRV> 0/-1/-1/-1/0 503 ",
             {"frontend": "fe_http", "backend": "be_static"}),
        ],
    }
    for name, lines in samples.items():
        config = yaml.safe_load(read(os.path.join(compose_dir, name, "shipper.yaml")))
        expressions = [stage["regex"]["expression"] for scrape in config["scrape_configs"]
                       for stage in scrape.get("pipeline_stages", []) if "regex" in stage]
        test.check(expressions, f"{name}/shipper.yaml: no regex stage")
        for line, want in lines:
            got = {}
            for expression in expressions:
                match = re.search(expression, line)
                if match:
                    got.update({k: v for k, v in match.groupdict().items() if v is not None})
            test.check(got == want, f"{name}/shipper.yaml on {line[:60]!r}...: extracted {got}, expected {want}")


# --------------------------------------------------------------------------


def body(test, args):
    harness.require_program(DOCKER_COMPOSE)
    if yaml is None:
        raise harness.SkipTest("python3-yaml is not installed")
    source_dir = os.path.realpath(args.source_dir)
    compose_dir = os.path.join(source_dir, "compose")
    scripts = os.path.join(compose_dir, "scripts")
    tmp = harness.TempDir(prefix="tern-compose-").path
    compose = Compose(compose_dir, test)

    example = parse_env_file(os.path.join(compose_dir, ".env.example"))
    secret_values = {key: f"{key.lower()}-{secrets.token_hex(8)}" for key in SECRET_KEYS}
    env_file = os.path.join(tmp, ".env")
    write_env_file(env_file, {**example, **secret_values})

    resolved = {}
    for variant, (variant_name, _) in enumerate(compose.variants):
        for combo, files in COMBINATIONS.items():
            code, out, err = compose.config(files, env_file, variant)
            if not test.check(code == 0, f"{variant_name} config {' '.join(files)} failed: {err.strip()}"):
                continue
            if variant == 0:
                resolved[combo] = yaml.safe_load(out)
            test.log(f"{variant_name}: {combo} ({' '.join(files)}) accepted")

    if "central" in resolved:
        check_central(test, resolved["central"], source_dir)
    for combo in ("edge", "edge+agent", "edge+mail", "edge+haproxy"):
        if combo in resolved:
            check_edge(test, resolved[combo], source_dir, compose_dir)
    if "edge+agent" in resolved:
        check_agent(test, resolved["edge+agent"])
    for name in ("mail", "haproxy"):
        if f"edge+{name}" in resolved:
            check_overlay(test, resolved[f"edge+{name}"], name, compose_dir)
    if "edge+mail" in resolved:
        check_mail(test, resolved["edge+mail"], source_dir, args.mail_binary)
    check_secrets_placement(test, resolved, secret_values)
    check_raw_files(test, compose_dir)
    check_gitignore(test, source_dir)

    # Required values refused when empty, with a message naming them.
    for key, files in (("GRAFANA_ADMIN_PASSWORD", COMBINATIONS["central"]), ("SERVER_NAME", COMBINATIONS["edge"]),
                       ("LOKI_URL", COMBINATIONS["edge"]), ("REMOTE_WRITE_URL", COMBINATIONS["edge+agent"]),
                       ("MAILCOW_URL", COMBINATIONS["edge+mail"])):
        empty = os.path.join(tmp, f"empty-{key}.env")
        write_env_file(empty, {**example, **secret_values, key: ""})
        code, _, err = compose.config(files, empty)
        test.check(code != 0 and key in err, f"config {' '.join(files)} with {key} empty: exit {code}, {err.strip()!r}")

    shells = [("dash", dict(SHELL), Prefixed(test, "[/bin/sh] "), args.shipper_binary)]
    if os.access(BUSYBOX, os.X_OK):
        shells.append(("busybox", busybox_shell(tmp), Prefixed(test, "[busybox sh] "), None))
    else:
        test.skip(f"{BUSYBOX} missing (busybox-static): the entrypoints ran under /bin/sh only, "
                  "not under the busybox shell of the prom/* and Grafana images")
    for name, shell, prefixed, shipper_binary in shells:
        SHELL.update(shell)
        part = os.path.join(tmp, f"scripts-{name}")
        os.makedirs(part)
        check_alertmanager_entrypoint(prefixed, scripts, part)
        check_grafana_entrypoint(prefixed, scripts, part)
        check_agent_entrypoint(prefixed, scripts, compose_dir, part)
        check_shipper_entrypoint(prefixed, scripts, compose_dir, part, shipper_binary, load=shipper_binary is not None)
    check_pipeline_expressions(test, compose_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", required=True, help="repository root")
    parser.add_argument("--shipper-binary", help="tern-shipper, to load the shipper templates")
    parser.add_argument("--mail-binary", help="tern-mail, to check mail.yml's flags against its --help")
    parser.add_argument("--timeout", type=float, default=110, help="seconds for the whole test")
    args = parser.parse_args()
    return harness.run_test("compose_config_test", lambda test: body(test, args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
