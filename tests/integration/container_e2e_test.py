#!/usr/bin/env python3
"""End to end: tern-container against a real Docker engine. Containers in
known states (CPU burner, memory holder, OOM-killed, restarting, unhealthy,
compose-labelled, exited with code 3, paused) are compared, series by series,
with `docker inspect` and the cgroup files the kernel keeps for them; one is
restarted in place (same cgroup path, new directory) and must read afresh.

Containers are named tern-it-<run>-<role> and removed at the end, also on
failure. Skips (77) when no Docker daemon answers (see docker_env.py).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import container_common as cc  # noqa: E402
import harness as h  # noqa: E402

MiB = 1 << 20
HOLD_BYTES = 64 * MiB
HOLDER_LIMIT = 256 * MiB
OOM_LIMIT = 16 * MiB
WRITE_MiB = 16
BURNER_CPUS = "0.5"  # quota 50000 us per 100000 us period
COMPOSE_SERVICE = "web"
# A label whose name needs sanitizing: cAdvisor turns every character
# outside [a-zA-Z0-9_] into "_".
ODD_LABEL, ODD_LABEL_SANITIZED = "tern.it/odd-key", "container_label_tern_it_odd_key"
STATES = ("created", "running", "restarting", "paused", "exited", "dead")
HEALTH = ("starting", "healthy", "unhealthy", "none")
SLEEP = ["sleep", "3600"]
# busybox sh execs the last command of -c in place of itself, which would
# free the variable: the loop keeps the shell, and the 64 MiB, alive.
HOLD = ["sh", "-c", f'x=$(head -c {HOLD_BYTES} /dev/zero | tr "\\0" a); echo ready; while :; do sleep 3600; done']
ALLOCATE = ["sh", "-c", f'x=$(head -c {4 * OOM_LIMIT} /dev/zero | tr "\\0" a); echo survived']


def start_containers(c, test):
    """Starts every role and waits until each is in the state it is there
    for. Returns {role: name}."""
    names = {}

    def run(role, command, options=(), labels=None):
        names[role] = c.run(role, command, options, {"tern.it.role": role, **(labels or {})})

    run("burn", ["sh", "-c", "while :; do :; done"], ["--cpus", BURNER_CPUS])
    run("hold", HOLD, ["--memory", str(HOLDER_LIMIT)])
    run("oom", ALLOCATE, ["--memory", str(OOM_LIMIT), "--memory-swap", str(OOM_LIMIT)])
    run("restart", ["sh", "-c", "exit 1"], ["--restart=always"])
    run("unhealthy", SLEEP, ["--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1",
                             "--health-timeout", "1s"])
    project = f"ternit{c.run_id}"
    run("compose", SLEEP, labels={"com.docker.compose.project": project,
                                  "com.docker.compose.service": COMPOSE_SERVICE, ODD_LABEL: "v"})
    run("exited", ["sh", "-c", "exit 3"])
    run("paused", SLEEP)
    run("gone", SLEEP)
    # No /tmp in every busybox image: the file goes to / of the rw layer.
    run("write", ["sh", "-c", f"dd if=/dev/zero of=/written bs={MiB} count={WRITE_MiB} 2>/dev/null; echo written; "
                              "while :; do sleep 3600; done"])

    def status(role):
        return cc.inspect(names[role])["State"]

    cc.wait_until(lambda: "written" in cc.docker_env.docker("logs", names["write"]), 30, what="writer done")
    cc.wait_until(lambda: "ready" in cc.docker_env.docker("logs", names["hold"]), 30, what="holder allocated")
    cc.wait_until(lambda: status("oom")["Status"] == "exited", 30, what="OOM container exited")
    cc.wait_until(lambda: status("exited")["Status"] == "exited", 30, what="exit-3 container exited")
    cc.wait_until(lambda: cc.inspect(names["restart"])["RestartCount"] >= 2, 30, what="2 restarts")
    cc.wait_until(lambda: (status("unhealthy").get("Health") or {}).get("Status") == "unhealthy", 30,
                  what="unhealthy")
    paused = True
    try:
        cc.docker_env.docker("pause", names["paused"])
    except RuntimeError as e:
        test.skip(f"docker pause does not work here ({e}): no paused container")
        paused = False
    return names, project, paused


def one_hot(test, families, metric, label, values, name, expected):
    """metric{label=v} is 1 for v == expected and 0 for every other v."""
    samples = cc.of_container(families, metric, name)
    got = {s.labels.get(label): s.float_value() for s in samples}
    if not test.check(samples, f"{metric}: no series for {name}"):
        return
    if expected is None:  # only "exactly one is 1"
        test.check(sorted(got.values()) == [0.0] * (len(got) - 1) + [1.0],
                   f"{metric} for {name}: not exactly one {label} at 1: {got}")
        return
    want = {v: 1.0 if v == expected else 0.0 for v in values}
    test.check(got == want, f"{metric} for {name}: {got}, docker inspect says {label}={expected} (want {want})")


def single(test, families, metric, name, labels=None):
    """The one value of metric for container name (with extra labels), or None."""
    samples = [s for s in cc.of_container(families, metric, name)
               if all(s.labels.get(k) == v for k, v in (labels or {}).items())]
    if not test.check(len(samples) == 1,
                      f"{metric}{labels or ''} for {name}: {len(samples)} series, want 1"):
        return None
    return samples[0].float_value()


def check_identity(test, families, name, info, flapping=False):
    """id, name and image labels on the state family and, for running
    containers, on a cgroup family. A flapping (restarting) container may
    have no cgroup at the moment of the scrape: its state family only."""
    metrics = ["container_state"]
    if info["State"]["Running"] and not flapping:
        metrics.append("container_cpu_usage_seconds_total")
        metrics.append("container_memory_usage_bytes")
    image = info["Config"]["Image"]
    expected_id = None
    if info["State"]["Pid"]:
        expected_id = cc.Cgroup(info["State"]["Pid"]).path()
    for metric in metrics:
        samples = cc.of_container(families, metric, name)
        if not test.check(samples, f"{metric}: no series with name={name}"):
            continue
        for s in samples[:1]:
            test.check(s.labels.get("image") == image,
                       f"{metric} for {name}: image={s.labels.get('image')!r}, docker run was given {image!r}")
            got_id = s.labels.get("id", "")
            test.check(got_id.endswith(info["Id"]),
                       f"{metric} for {name}: id={got_id!r} does not end with the container id {info['Id']}")
            if expected_id is not None:
                test.check(got_id == expected_id,
                           f"{metric} for {name}: id={got_id!r}, the container's cgroup is {expected_id!r}")


def check_state(test, families, names, infos, project):
    for role, name in names.items():
        info = infos[role]
        state = info["State"]
        expected = None if role == "restart" else state["Status"]
        one_hot(test, families, "container_state", "state", STATES, name, expected)
        health = (state.get("Health") or {}).get("Status", "none")
        one_hot(test, families, "container_health_status", "status", HEALTH, name, health)
        if role != "restart":
            value = single(test, families, "container_restart_count", name)
            test.check(value is None or value == info["RestartCount"],
                       f"container_restart_count for {name}: {value}, docker says {info['RestartCount']}")
            value = single(test, families, "container_last_exit_code", name)
            test.check(value is None or value == state["ExitCode"],
                       f"container_last_exit_code for {name}: {value}, docker says {state['ExitCode']}")
        value = single(test, families, "container_oom_killed", name)
        want = 1.0 if state["OOMKilled"] else 0.0
        test.check(value is None or value == want,
                   f"container_oom_killed for {name}: {value}, docker says OOMKilled={state['OOMKilled']}")
        # As in cAdvisor, container_last_seen exists only while the container
        # runs, so `time() - container_last_seen > 60` alerts on a stopped one.
        if state["Status"] in ("running", "paused") and role != "restart":
            value = single(test, families, "container_last_seen", name)
            test.check(value is None or abs(value - time.time()) < 120,
                       f"container_last_seen for {name}: {value} is not about now ({time.time():.0f})")
        elif state["Status"] == "exited":
            test.check(not cc.of_container(families, "container_last_seen", name),
                       f"container_last_seen for exited {name}: present, want absent (as cAdvisor)")
        if state["Status"] == "running" and role != "restart":
            value = single(test, families, "container_start_time_seconds", name)
            started = cc.docker_time(state["StartedAt"])
            test.check(value is None or abs(value - started) < 1.0,
                       f"container_start_time_seconds for {name}: {value}, StartedAt is {started:.3f}")
        samples = cc.of_container(families, "container_state", name)
        for s in samples[:1]:
            want_project = project if role == "compose" else ""
            want_service = COMPOSE_SERVICE if role == "compose" else ""
            test.check(s.labels.get("compose_project", "") == want_project
                       and s.labels.get("compose_service", "") == want_service,
                       f"container_state for {name}: compose_project={s.labels.get('compose_project')!r} "
                       f"compose_service={s.labels.get('compose_service')!r}, "
                       f"want {want_project!r} and {want_service!r}")


def check_docker_labels(test, families, name, project):
    want = {
        "container_label_com_docker_compose_project": project,
        "container_label_com_docker_compose_service": COMPOSE_SERVICE,
        ODD_LABEL_SANITIZED: "v",
        "container_label_tern_it_role": "compose",
    }
    for metric in ("container_state", "container_cpu_usage_seconds_total", "container_memory_usage_bytes"):
        for s in cc.of_container(families, metric, name)[:1]:
            got = {k: s.labels.get(k) for k in want}
            test.check(got == want, f"{metric} for {name}: docker labels as {got}, want {want}")


def check_cpu(test, first, second, cg, name):
    """Burner: the counter moves between two scrapes, each value lies between
    the cgroup's own figure read just before and just after that scrape."""
    (f1, before1, after1, t1), (f2, before2, after2, t2) = first, second
    v1 = single(test, f1, "container_cpu_usage_seconds_total", name, {"cpu": "total"})
    v2 = single(test, f2, "container_cpu_usage_seconds_total", name, {"cpu": "total"})
    if v1 is None or v2 is None:
        return
    for v, lo, hi in ((v1, before1, after1), (v2, before2, after2)):
        test.check(lo - 0.01 <= v <= hi + 0.01,
                   f"container_cpu_usage_seconds_total for {name}: {v:.3f}, the cgroup said "
                   f"{lo:.3f} just before the scrape and {hi:.3f} just after")
    elapsed = t2 - t1
    test.check(v2 - v1 >= 0.1 * elapsed,
               f"container_cpu_usage_seconds_total for the burner moved {v2 - v1:.3f} s in {elapsed:.1f} s")
    u1 = single(test, f1, "container_cpu_user_seconds_total", name)
    u2 = single(test, f2, "container_cpu_user_seconds_total", name)
    s2 = single(test, f2, "container_cpu_system_seconds_total", name)
    if None not in (u1, u2, s2):
        test.check(u2 > u1, f"container_cpu_user_seconds_total for the burner did not move: {u1} -> {u2}")
        test.check(u2 + s2 <= v2 * 1.1 + 0.1,
                   f"user {u2} + system {s2} seconds for {name} exceed the total {v2}")
    quota = single(test, f2, "container_spec_cpu_quota", name)
    period = single(test, f2, "container_spec_cpu_period", name)
    test.check(quota == 50000 and period == 100000,
               f"--cpus {BURNER_CPUS}: container_spec_cpu_quota {quota}, container_spec_cpu_period {period}, "
               f"want 50000 and 100000")
    shares = single(test, f2, "container_spec_cpu_shares", name)
    if cg.v1:
        want = int(cg.read("cpu", "cpu.shares"))
        test.check(shares == want, f"container_spec_cpu_shares for {name}: {shares}, cpu.shares is {want}")
    periods1 = single(test, f1, "container_cpu_cfs_periods_total", name)
    periods2 = single(test, f2, "container_cpu_cfs_periods_total", name)
    throttled = single(test, f2, "container_cpu_cfs_throttled_periods_total", name)
    single(test, f2, "container_cpu_cfs_throttled_seconds_total", name)
    if None not in (periods1, periods2, throttled):
        test.check(periods2 > periods1, f"container_cpu_cfs_periods_total for {name} did not move")
        test.check(throttled > 0, f"a busy loop under --cpus {BURNER_CPUS} was never throttled, says the exporter")


def check_no_cfs(test, families, name):
    for metric in ("container_spec_cpu_quota", "container_cpu_cfs_periods_total",
                   "container_cpu_cfs_throttled_periods_total"):
        test.check(not cc.of_container(families, metric, name),
                   f"{metric} for {name}, which has no CPU quota (cAdvisor leaves it out)")


def check_memory(test, families, cg, name):
    usage = single(test, families, "container_memory_usage_bytes", name)
    reference = cg.memory_usage()
    stat = cg.memory_stat()
    if usage is not None:
        test.check(usage >= HOLD_BYTES,
                   f"container_memory_usage_bytes for the holder of {HOLD_BYTES} bytes: {usage:.0f}")
        test.check(abs(usage - reference) <= 4 * MiB,
                   f"container_memory_usage_bytes for {name}: {usage:.0f}, the cgroup says {reference}")
    rss = single(test, families, "container_memory_rss", name)
    want_rss = stat.get("total_rss", stat.get("anon"))
    if rss is not None and want_rss is not None:
        test.check(abs(rss - want_rss) <= 4 * MiB and rss >= HOLD_BYTES,
                   f"container_memory_rss for {name}: {rss:.0f}, memory.stat says {want_rss}")
    working_set = single(test, families, "container_memory_working_set_bytes", name)
    if None not in (working_set, usage):
        test.check(0 < working_set <= usage + 4 * MiB,
                   f"container_memory_working_set_bytes {working_set:.0f} not in (0, usage {usage:.0f}]")
    for metric in ("container_memory_cache", "container_memory_swap", "container_memory_failcnt"):
        single(test, families, metric, name)
    max_usage = single(test, families, "container_memory_max_usage_bytes", name)
    if cg.v1 and None not in (max_usage, usage):
        test.check(max_usage >= usage, f"container_memory_max_usage_bytes {max_usage:.0f} < usage {usage:.0f}")
    limit = single(test, families, "container_spec_memory_limit_bytes", name)
    test.check(limit == HOLDER_LIMIT,
               f"container_spec_memory_limit_bytes for --memory {HOLDER_LIMIT}: {limit}")


def check_network(test, families, name, pid, before):
    """Interfaces of a running container: eth0 present with receive/transmit
    bytes between the kernel's figures just before and just after the scrape;
    lo is not exported."""
    after = cc.net_dev(pid)
    for metric, column in (("container_network_receive_bytes_total", 0),
                           ("container_network_receive_packets_total", 1),
                           ("container_network_transmit_bytes_total", 2),
                           ("container_network_transmit_packets_total", 3)):
        samples = cc.of_container(families, metric, name)
        interfaces = {s.labels.get("interface"): s.float_value() for s in samples}
        if not test.check("eth0" in interfaces, f"{metric} for {name}: interfaces {sorted(interfaces)}, no eth0"):
            continue
        test.check("lo" not in interfaces, f"{metric} for {name} exports lo")
        lo, hi = before["eth0"][column], after["eth0"][column]
        test.check(lo <= interfaces["eth0"] <= hi,
                   f"{metric}{{interface=eth0}} for {name}: {interfaces['eth0']:.0f}, "
                   f"/proc/<pid>/net/dev said {lo} before and {hi} after the scrape")
    for metric in ("container_network_receive_packets_dropped_total", "container_network_receive_errors_total",
                   "container_network_transmit_packets_dropped_total", "container_network_transmit_errors_total"):
        test.check(cc.of_container(families, metric, name), f"{metric}: no series for {name}")


def check_no_cgroup_series(test, families, name, why):
    for metric in ("container_cpu_usage_seconds_total", "container_memory_usage_bytes"):
        test.check(not cc.of_container(families, metric, name), f"{metric} for {name}, which {why}")


def check_disk_usage(test, binary, port, name):
    """container_fs_usage_bytes of a container that wrote WRITE_MiB into its
    writable layer. Sizes are measured in the background: the first figure
    may take a while."""
    if "disk" not in h.tern_collectors(binary):
        test.skip("collector disk not yet implemented: container_fs_usage_bytes not checked")
        return
    state = {}

    def measured():
        families = cc.scrape(port)
        state["usage"] = [s.float_value() for s in cc.of_container(families, "container_fs_usage_bytes", name)]
        state["limit"] = cc.of_container(families, "container_fs_limit_bytes", name)
        return state["usage"] and max(state["usage"]) >= WRITE_MiB * MiB

    try:
        cc.wait_until(measured, 30, interval=1)
    except TimeoutError:
        test.fail(f"container_fs_usage_bytes for {name}, which wrote {WRITE_MiB} MiB into its layer: "
                  f"{state.get('usage')} after 30 s")
    test.check(state.get("limit"), f"container_fs_limit_bytes: no series for {name}")


def scrape_between(port, cgroup, pids):
    """A scrape with the cgroup CPU figure and each pid's net/dev read just
    before and just after it."""
    cpu_before = cgroup.cpu_seconds()
    nets = {pid: cc.net_dev(pid) for pid in pids}
    now = time.monotonic()
    families = cc.scrape(port)
    cpu_after = cgroup.cpu_seconds()
    return families, cpu_before, cpu_after, now, nets


def check_restarted_in_place(test, port, name):
    """`docker restart` keeps the container's id, so its cgroup path, but the
    kernel removes the directory and makes a new one: the exporter, which
    keeps the old files open between scrapes, must read the new ones (the
    old descriptors answer ENODEV). The CPU counter starts again near 0."""
    cc.docker_env.docker("restart", "-t", "0", name)
    cg = cc.Cgroup(cc.inspect(name)["State"]["Pid"])
    last = {}

    def fresh():
        families, before, after, _, _ = scrape_between(port, cg, [])
        samples = [s for s in cc.of_container(families, "container_cpu_usage_seconds_total", name)
                   if s.labels.get("cpu") == "total"]
        last.update(value=samples[0].float_value() if samples else None, before=before, after=after)
        return samples and before - 0.01 <= last["value"] <= after + 0.01

    try:
        cc.wait_until(fresh, 10, interval=0.5)
    except TimeoutError:
        test.check(False, f"container_cpu_usage_seconds_total for {name} after docker restart: {last.get('value')}, "
                          f"its new cgroup said {last.get('before', 0):.3f} just before the scrape and "
                          f"{last.get('after', 0):.3f} just after")


def check_label_flags(test, binary, names, project):
    """--container.label-allowlist and --no-container.store-labels."""
    ours = set(names.values())
    allow = "com.docker.compose.project"
    process, port = cc.start_exporter(binary, [f"--container.label-allowlist={allow}"])
    families = wait_for_names(port, {names["compose"], names["burn"]})
    process.stop()
    extra = set()
    for family in families.values():
        for s in family.samples:
            if s.labels.get("name") in ours:
                extra |= {k for k, v in s.labels.items()
                          if k.startswith("container_label_") and v and k != "container_label_com_docker_compose_project"}
    test.check(not extra, f"--container.label-allowlist={allow}: other docker labels still exported: {sorted(extra)}")
    for metric in ("container_state", "container_cpu_usage_seconds_total"):
        for s in cc.of_container(families, metric, names["compose"])[:1]:
            test.check(s.labels.get("container_label_com_docker_compose_project") == project,
                       f"--container.label-allowlist={allow}: {metric} for {names['compose']} lost the allowed "
                       f"label: {s.labels}")

    process, port = cc.start_exporter(binary, ["--no-container.store-labels"])
    families = wait_for_names(port, {names["compose"], names["burn"]})
    process.stop()
    found = set()
    for family in families.values():
        for s in family.samples:
            if s.labels.get("name") in ours:
                found |= {k for k in s.labels if k.startswith("container_label_")}
    test.check(not found, f"--no-container.store-labels: still exported {sorted(found)}")
    for s in cc.of_container(families, "container_state", names["compose"])[:1]:
        test.check(s.labels.get("compose_project") == project,
                   f"--no-container.store-labels must keep compose_project on container_state: {s.labels}")


def wait_for_names(port, wanted, timeout=20):
    """Scrapes until every name in wanted has series; returns the last scrape."""
    last = {}

    def ready():
        last["families"] = cc.scrape(port)
        return wanted <= cc.names_in(last["families"])

    try:
        cc.wait_until(ready, timeout, interval=0.5, what=f"series for {sorted(wanted)}")
    except TimeoutError:
        pass  # the checks that follow name what is missing
    return last["families"]


def body(args):
    def run(test):
        cc.require_docker()
        test.require(os.access(args.binary, os.X_OK), f"{args.binary} is not an executable")
        with cc.Containers(test) as c:
            names, project, paused = start_containers(c, test)
            if not paused:
                del names["paused"]
            process, port = cc.start_exporter(args.binary)
            running = {r for r, n in names.items() if r not in ("oom", "exited", "restart")}
            families = wait_for_names(port, set(names.values()))
            test.require(cc.names_in(families) & set(names.values()),
                         f"no series for any of our containers {sorted(names.values())}; stderr:\n"
                         + process.stderr_text()[-2000:])
            up = families.get("container_exporter_docker_up")
            test.check(up is not None and up.samples and up.samples[0].float_value() == 1,
                       f"container_exporter_docker_up is not 1: {up}")
            test.check(not cc.of_container(families, "container_state", "/")
                       and "/" not in {s.labels.get("id") for f in families.values() for s in f.samples},
                       "a root \"/\" container is exported; only Docker containers should be")

            infos = {role: cc.inspect(name) for role, name in names.items()}
            restart_before = infos["restart"]["RestartCount"]
            burn_cg = cc.Cgroup(infos["burn"]["State"]["Pid"])
            pids = {role: infos[role]["State"]["Pid"] for role in running}
            first = scrape_between(port, burn_cg, pids.values())
            time.sleep(2)
            second = scrape_between(port, burn_cg, pids.values())
            families = second[0]
            infos_after = {role: cc.inspect(name) for role, name in names.items()}
            test.check(infos["oom"]["State"]["OOMKilled"],
                       "setup: the container under --memory 16m was not OOM-killed (docker says OOMKilled=false)")

            for role, name in names.items():
                check_identity(test, families, name, infos_after[role], flapping=role == "restart")
            success = h.collector_success(families, "container_exporter")
            test.check(success and all(v == 1 for v in success.values()),
                       f"container_exporter_scrape_collector_success: {success}")
            check_state(test, families, names, infos_after, project)
            restart_count = single(test, families, "container_restart_count", names["restart"])
            restart_after = infos_after["restart"]["RestartCount"]
            test.check(restart_count is not None and restart_before <= restart_count <= restart_after,
                       f"container_restart_count for the --restart=always container: {restart_count}, docker "
                       f"said {restart_before} before and {restart_after} after the scrapes")
            restart_code = single(test, families, "container_last_exit_code", names["restart"])
            test.check(restart_code == 1, f"container_last_exit_code for `exit 1` under --restart=always: "
                                          f"{restart_code}")
            check_docker_labels(test, families, names["compose"], project)
            check_cpu(test, first[:4], second[:4], burn_cg, names["burn"])
            check_no_cfs(test, families, names["hold"])
            check_memory(test, families, cc.Cgroup(infos["hold"]["State"]["Pid"]), names["hold"])
            limit = single(test, families, "container_spec_memory_limit_bytes", names["burn"])
            test.check(limit == 0, f"container_spec_memory_limit_bytes without --memory: {limit}, want 0")
            for role in sorted(running):
                check_network(test, families, names[role], pids[role], second[4][pids[role]])
            check_no_cgroup_series(test, families, names["exited"], "has exited")
            check_no_cgroup_series(test, families, names["oom"], "was OOM-killed")

            check_disk_usage(test, args.binary, port, names["write"])
            check_restarted_in_place(test, port, names["burn"])

            # A removed container leaves; a new one arrives: no restart.
            c.remove(names["gone"])
            late = c.run("late", SLEEP)
            started = time.monotonic()
            seen = {}

            def settled():
                families = cc.scrape(port)
                present = cc.names_in(families)
                seen["present"] = present
                return names["gone"] not in present and late in present

            try:
                cc.wait_until(settled, 20, interval=0.5)
                test.log(f"removal and arrival seen after {time.monotonic() - started:.1f} s")
            except TimeoutError:
                present = seen.get("present", set())
                test.check(names["gone"] not in present,
                           f"{names['gone']} was removed 20 s ago and still has series")
                test.check(late in present, f"{late} started 20 s ago and has no series")
            families = cc.scrape(port)
            test.check(names["exited"] in cc.names_in(families),
                       f"{names['exited']} (exited, not removed) lost its state series")
            process.stop()
            test.check(process.proc.returncode == 0, f"tern-container exited {process.proc.returncode} on SIGTERM")

            check_label_flags(test, args.binary, names, project)

    return run


def main():
    args = cc.parse_args(__doc__.splitlines()[0])
    return h.run_test("container_e2e_test", body(args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
