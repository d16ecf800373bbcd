#!/usr/bin/env python3
"""tern-shipper under faults, against a fake Loki (fake_loki.py: no Loki
runs on test machines) and real Docker containers. Each scenario has its own
receiver, shipper, positions file and containers, and asserts that no
numbered line goes missing:

  kill9       kill -9 mid-stream (container and file still writing), restart
              from the positions file: every line arrives; duplicates are
              allowed here only (the spec's at-least-once after a crash)
  sigterm     SIGTERM, lines written while stopped, restart: the positions file
              survives and names the file; every line exactly once
  down        the receiver stops listening for 6 s while lines are written
  retry       429 for 3 s, then 204; then 500 twice: the shipper retries with
              backoff (not faster than min_period, and it counts
              promtail_batch_retries_total); every line exactly once
  reject      one 400 ("timestamp too old"): that batch is dropped, not
              retried, and counted in promtail_dropped_entries_total; the
              other lines arrive
  rename      rotation by rename (mv f f.1; new f) while the receiver is down
  truncate    rotation by copytruncate (cp f f.1; truncate f) while the
              receiver is down
  removed     a container removed (docker rm -f) while its lines are unsent
              (receiver down): they all arrive once the receiver is back

Containers are named tern-ship-<run>-<role> and removed at the end, also on
failure. Skips (77) when no Docker daemon answers (see docker_env.py).
"""

import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import shipper_common as sc  # noqa: E402

ARRIVAL_TIMEOUT = 45
MIN_BACKOFF = 0.1  # the configs' backoff_config.min_period


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not reached within {timeout} s")
        time.sleep(0.1)


def wait_read(rig, log_file, timeout=10):
    """Waits until the shipper has read the whole file (promtail_read_bytes_total
    reaches its size). Returns False if the metric never says so."""
    size = os.path.getsize(log_file.path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = rig.shipper.metric_sum("promtail_read_bytes_total", path=log_file.path)
        if value is not None and value >= size:
            return True
        time.sleep(0.1)
    return False


def docker_printed(name, prefix, count, timeout=30):
    wait_until(lambda: ("stdout", f"{prefix} {count - 1}") in sc.docker_log_times(name), timeout,
               f"container {name} printing '{prefix} {count - 1}'")


# --------------------------------------------------------------------------


def scenario_kill9(test, rig, c, run_id):
    f = rig.file("k.log", "k")
    rig.start_following(f)
    name = c.run("kill9", sc.counting_script("kill9", 6000, pause_every=200, pause="0.1"), run_label=run_id)
    writer = threading.Thread(target=f.append, args=(list(range(3000)),), kwargs={"pause_every": 100, "pause": 0.1},
                              daemon=True)
    writer.start()
    # Let some of it arrive, then crash mid-stream.
    wait_until(lambda: sum(1 for e in rig.loki.entries() if e.line.startswith("k ")) > 300, 20,
               "300 file lines arriving before the kill")
    code = rig.shipper.kill9()
    test.log(f"kill9: tern-shipper killed (exit {code}) after {len(rig.loki.entries())} entries arrived")
    test.check(os.path.exists(rig.positions), f"kill9: no positions file {rig.positions} after the kill")
    time.sleep(1.0)
    rig.shipper.start()
    writer.join(timeout=60)
    docker_printed(name, "kill9", 6000)
    expected = [("k", i) for i in range(3000)] + [("kill9", i) for i in range(6000)]
    counts = sc.wait_all(rig.loki, expected, ARRIVAL_TIMEOUT)
    sc.check_exactly_once(test, counts, "k", range(3000), "kill9 file", duplicates_allowed=True)
    sc.check_exactly_once(test, counts, "kill9", range(6000), "kill9 container", duplicates_allowed=True)


def scenario_sigterm(test, rig, c, run_id):
    f = rig.file("s.log", "s")
    rig.start_following(f)
    f.append(list(range(500)))
    name = c.run("sigterm", sc.counting_script("sigterm", 300, then="sleep 4; " + sc.counting_script(
        "sigterm2", 300)), run_label=run_id)
    sc.wait_all(rig.loki, [("s", i) for i in range(500)] + [("sigterm", i) for i in range(300)], ARRIVAL_TIMEOUT,
                settle=0.5)
    code = rig.shipper.stop()
    test.check(code == 0, f"sigterm: tern-shipper exited {code} on SIGTERM, want 0")
    try:
        with open(rig.positions, errors="replace") as p:
            positions = p.read()
    except OSError as e:
        positions = ""
        test.fail(f"sigterm: positions file {rig.positions} not there after SIGTERM: {e}")
    test.check(f.path in positions, f"sigterm: the positions file does not name {f.path}:\n{positions[:500]}")
    f.append(list(range(500, 1000)))
    docker_printed(name, "sigterm2", 300)  # printed while the shipper was stopped
    rig.shipper.start()
    f.append(list(range(1000, 1200)))
    expected = ([("s", i) for i in range(1200)] + [("sigterm", i) for i in range(300)]
                + [("sigterm2", i) for i in range(300)])
    counts = sc.wait_all(rig.loki, expected, ARRIVAL_TIMEOUT)
    sc.check_exactly_once(test, counts, "s", range(1200), "sigterm file (restart from the positions file)")
    sc.check_exactly_once(test, counts, "sigterm", range(300), "sigterm container, before the stop")
    sc.check_exactly_once(test, counts, "sigterm2", range(300), "sigterm container, printed while stopped")


def scenario_down(test, rig, c, run_id):
    f = rig.file("d.log", "d")
    rig.start_following(f)
    f.append(list(range(200)))
    sc.wait_all(rig.loki, [("d", i) for i in range(200)], ARRIVAL_TIMEOUT, settle=0.2)
    rig.loki.down()
    went_down = time.monotonic()
    name = c.run("down", sc.counting_script("down", 1000, pause_every=100, pause="0.2"), run_label=run_id)
    f.append(list(range(200, 1200)), pause_every=100, pause=0.2)
    test.check(rig.shipper.alive(), "down: tern-shipper died while the receiver was down")
    try:
        h.scrape(rig.shipper.port, timeout=5)
    except (OSError, RuntimeError) as e:
        test.fail(f"down: /metrics does not answer while the receiver is down: {e}")
    time.sleep(max(0.0, went_down + 6.0 - time.monotonic()))
    rig.loki.up()
    docker_printed(name, "down", 1000)
    expected = [("d", i) for i in range(1200)] + [("down", i) for i in range(1000)]
    counts = sc.wait_all(rig.loki, expected, ARRIVAL_TIMEOUT)
    sc.check_exactly_once(test, counts, "d", range(1200), "receiver down: file")
    sc.check_exactly_once(test, counts, "down", range(1000), "receiver down: container")


def scenario_retry(test, rig, c, run_id):
    f = rig.file("r.log", "r")
    rig.start_following(f)
    rig.loki.respond(429)
    started = time.time()
    f.append(list(range(500)))
    time.sleep(3.0)
    too_many = [r for r in rig.loki.requests() if r.status == 429]
    test.check(len(too_many) >= 2, f"retry: {len(too_many)} pushes answered 429 in 3 s, want retries (>= 2)")
    # Backoff: no two attempts closer than min_period (less a little for timers).
    times = [r.received for r in too_many]
    gaps = [b - a for a, b in zip(times, times[1:])]
    test.check(not gaps or min(gaps) >= MIN_BACKOFF * 0.8,
               f"retry: 429 retries {min(gaps) if gaps else 0:.3f} s apart, want >= min_period {MIN_BACKOFF} s")
    test.check(len(too_many) <= 3.0 / MIN_BACKOFF + 2, f"retry: {len(too_many)} attempts in 3 s, no backoff?")
    rig.loki.ok()
    counts = sc.wait_all(rig.loki, [("r", i) for i in range(500)], ARRIVAL_TIMEOUT, settle=0.5)
    sc.check_exactly_once(test, counts, "r", range(500), "429 then 204")
    # Once nothing is retried any more, the shipper's counters must agree with the receiver.
    too_many = [r for r in rig.loki.requests() if r.status == 429]
    retries = rig.shipper.metric_sum("promtail_batch_retries_total")
    test.check(retries is not None and retries >= 1, f"retry: promtail_batch_retries_total is {retries}, want >= 1")
    dur_429 = rig.shipper.metric_sum("promtail_request_duration_seconds_count", status_code="429")
    test.check(dur_429 == len(too_many), f"retry: promtail_request_duration_seconds_count{{status_code=429}} is "
                                         f"{dur_429}, the receiver answered 429 {len(too_many)} times")
    test.log(f"retry: 429 x{len(too_many)}, all delivered {time.time() - started:.1f} s after the first write")
    rig.loki.respond(500, count=2)
    f.append(list(range(500, 1000)))
    counts = sc.wait_all(rig.loki, [("r", i) for i in range(1000)], ARRIVAL_TIMEOUT)
    five = [r for r in rig.loki.requests() if r.status == 500]
    test.check(len(five) == 2, f"retry: {len(five)} pushes answered 500, the receiver was told to do it twice")
    sc.check_exactly_once(test, counts, "r", range(1000), "500 twice then 204")
    dropped = rig.shipper.metric_sum("promtail_dropped_entries_total")
    test.check(not dropped, f"retry: promtail_dropped_entries_total is {dropped}; 429 and 5xx must be retried")


def scenario_reject(test, rig, c, run_id):
    f = rig.file("x.log", "x")
    rig.start_following(f)
    rig.loki.respond(400, count=1)
    f.append(list(range(300)))
    time.sleep(1.0)
    f.append(list(range(300, 600)))
    wait_until(lambda: rig.loki.rejected(), 20, "a push answered 400")
    time.sleep(3.0)  # time to retry, which it must not
    rejected = sc.tally(rig.loki.rejected())
    counts = sc.tally(rig.loki.entries())
    again = [k for k in rejected if counts.get(k)]
    test.check(not again, f"reject: {len(again)} lines of the batch answered 400 arrived later: retried, "
                          f"e.g. {again[:3]}")
    test.check(len(rig.loki.requests()) >= 2, "reject: nothing pushed after the 400")
    expected = [("x", i) for i in range(600) if ("x", i) not in rejected]
    counts = sc.wait_all(rig.loki, expected, ARRIVAL_TIMEOUT, settle=0.5)
    lost = [i for i in range(600) if ("x", i) not in rejected and not counts.get(("x", i))]
    test.check(not lost, f"reject: {sc.describe_numbers(lost)} lines outside the rejected batch never arrived")
    twice = sc.duplicated(counts)
    test.check(not twice, f"reject: duplicates {twice[:5]}")
    dropped = rig.shipper.metric_sum("promtail_dropped_entries_total")
    test.check(dropped == len(rejected), f"reject: promtail_dropped_entries_total is {dropped}, "
                                         f"the rejected batch had {len(rejected)} entries")
    try:
        families = rig.shipper.metrics()
        reasons = {s.labels.get("reason") for s in families["promtail_dropped_entries_total"].samples}
        test.log(f"reject: dropped with reason(s) {sorted(r for r in reasons if r)}")
    except (KeyError, OSError, RuntimeError, h.ExpositionError):
        pass


def scenario_rename(test, rig, c, run_id):
    f = rig.file("n.log", "n")
    rig.start_following(f)
    f.append(list(range(500)))
    sc.wait_all(rig.loki, [("n", i) for i in range(500)], ARRIVAL_TIMEOUT, settle=0.2)
    rig.loki.down()
    f.append(list(range(500, 1000)))
    time.sleep(1.0)
    os.rename(f.path, f.path + ".1")  # not *.log any more
    f.append(list(range(1000, 1500)))  # a new n.log
    time.sleep(2.0)
    rig.loki.up()
    counts = sc.wait_all(rig.loki, [("n", i) for i in range(1500)], ARRIVAL_TIMEOUT)
    sc.check_exactly_once(test, counts, "n", range(1500), "rotation by rename while the receiver was down")


def scenario_truncate(test, rig, c, run_id):
    f = rig.file("t.log", "t")
    rig.start_following(f)
    f.append(list(range(500)))
    sc.wait_all(rig.loki, [("t", i) for i in range(500)], ARRIVAL_TIMEOUT, settle=0.2)
    rig.loki.down()
    f.append(list(range(500, 1000)))
    # copytruncate loses what the reader had not read before the truncate, in
    # every shipper: wait until it has read it (the receiver is down, so it sits
    # in the shipper's memory).
    if not wait_read(rig, f):
        test.log("truncate: promtail_read_bytes_total never reached the file size; going on after 10 s")
    shutil.copyfile(f.path, f.path + ".1")
    os.truncate(f.path, 0)
    f.append(list(range(1000, 1200)))  # shorter than before: the shipper sees the size shrink
    time.sleep(2.0)
    rig.loki.up()
    counts = sc.wait_all(rig.loki, [("t", i) for i in range(1200)], ARRIVAL_TIMEOUT)
    sc.check_exactly_once(test, counts, "t", range(1200), "rotation by copytruncate while the receiver was down")


def scenario_removed(test, rig, c, run_id):
    rig.shipper.start()
    rig.loki.down()
    name = c.run("removed", sc.counting_script("removed", 1000), run_label=run_id)
    docker_printed(name, "removed", 1000)
    log_path = sc.inspect(name).get("LogPath", "")
    try:
        wait_until(lambda: sc.has_open(rig.shipper.pid, log_path), 10, "the shipper opening the container's log")
    except TimeoutError:
        test.log(f"removed: tern-shipper does not hold {log_path} open after 10 s (reads another way?)")
    time.sleep(1.0)
    c.remove(name)
    time.sleep(2.0)
    rig.loki.up()
    counts = sc.wait_all(rig.loki, [("removed", i) for i in range(1000)], ARRIVAL_TIMEOUT)
    sc.check_exactly_once(test, counts, "removed", range(1000),
                          "container removed (docker rm -f) while its lines were unsent")


SCENARIOS = {
    "kill9": (scenario_kill9, True),
    "sigterm": (scenario_sigterm, True),
    "down": (scenario_down, True),
    "retry": (scenario_retry, False),
    "reject": (scenario_reject, False),
    "rename": (scenario_rename, False),
    "truncate": (scenario_truncate, False),
    "removed": (scenario_removed, True),
}


def body(test, args):
    sc.require_binary(args.binary)
    sc.require_docker()
    chosen = [s for s in args.only.split(",") if s] or list(SCENARIOS)
    unknown = set(chosen) - set(SCENARIOS)
    test.require(not unknown, f"unknown scenarios {sorted(unknown)}; there are {sorted(SCENARIOS)}")
    tmp = h.TempDir("tern-ship-faults-")
    with sc.Containers(test) as c:
        for name in chosen:
            function, uses_docker = SCENARIOS[name]
            run_id = f"{c.run_id}-{name}"
            rig = sc.Rig(test, args.binary, tmp.path, name, run_id=run_id if uses_docker else None)
            failures_before = len(test.failures)
            started = time.monotonic()
            test.log(f"--- {name}")
            try:
                function(test, rig, c, run_id)
                sc.check_receiver_clean(test, rig.loki, name)
                if rig.shipper.process is not None and not rig.shipper.alive():
                    test.fail(f"{name}: tern-shipper exited {rig.shipper.process.proc.returncode}")
            except (TimeoutError, RuntimeError, OSError) as e:
                test.fail(f"{name}: {type(e).__name__}: {e}")
            finally:
                if len(test.failures) > failures_before and rig.shipper.process is not None:
                    test.log(f"{name}: tern-shipper's last log lines:\n{rig.shipper.log_tail()}")
                rig.close()
            test.log(f"--- {name}: {'ok' if len(test.failures) == failures_before else 'FAILED'} "
                     f"in {time.monotonic() - started:.1f} s")


def main():
    args = sc.parse_args(__doc__.splitlines()[0], timeout=230)
    return h.run_test("shipper_faults_test", lambda test: body(test, args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
