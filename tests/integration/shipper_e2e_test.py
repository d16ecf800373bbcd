#!/usr/bin/env python3
"""End to end: tern-shipper tails the json-file logs of real Docker
containers (docker_sd_configs) and host files (static_configs with a glob)
and pushes them to a fake Loki (fake_loki.py: no Loki runs on test machines).

Every numbered line must arrive exactly once, with Docker's own timestamp
(as `docker logs -t` prints it) for container lines and the read time for
file lines, and with the labels the spec names: container_name, stream,
host, job, compose_project/compose_service on compose-labelled containers,
filename for files, a relabelled `role`, the static labels, and nothing that
starts with "__". A 40 KiB line (which Docker stores as three 16 KiB
partials) must arrive whole, a line written in two parts must arrive once,
containers the docker_sd filter does not select and files the glob does not
match must not arrive at all.

Containers are named tern-ship-<run>-<role> and removed at the end, also on
failure. Skips (77) when no Docker daemon answers (see docker_env.py).
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import shipper_common as sc  # noqa: E402

COUNT = 2000  # stdout lines of the "count" container
ERR_EVERY = 10  # and one stderr line every 10
EARLY = 500  # lines of a container that ran before the shipper started
COMPOSE = 100
FILE_A_BEFORE, FILE_A_AFTER = 500, 1000
FILE_B = 1000
LONG_BODY = 40 * 1024
LONG_LINE = "BEGIN" + "x" * LONG_BODY + "END"
PROJECT_SERVICE = "web"
ARRIVAL_TIMEOUT = 90


def check_docker_labels(test, entries, name, role, compose_project=None):
    label_sets = {tuple(sorted(e.labels.items())) for e in entries}
    for labels in map(dict, label_sets):
        where = f"container {role}: labels {labels}"
        test.check(labels.get("container_name") == name, f"{where}: container_name, want {name!r}")
        test.check(labels.get("stream") in ("stdout", "stderr"), f"{where}: stream is not stdout or stderr")
        test.check(labels.get("host") == sc.HOST, f"{where}: host, want {sc.HOST!r} (this machine's hostname)")
        test.check(labels.get("job") == sc.DOCKER_JOB, f"{where}: job, want the job_name {sc.DOCKER_JOB!r}")
        test.check(labels.get("role") == role,
                   f"{where}: role (relabelled from __meta_docker_container_label_tern_ship_role), want {role!r}")
        if compose_project:
            test.check(labels.get("compose_project") == compose_project
                       and labels.get("compose_service") == PROJECT_SERVICE,
                       f"{where}: want compose_project={compose_project!r} compose_service={PROJECT_SERVICE!r}")
        else:
            test.check("compose_project" not in labels and "compose_service" not in labels,
                       f"{where}: compose labels on a container without compose labels")
        hidden = [k for k in labels if k.startswith("__")]
        test.check(not hidden, f"{where}: double-underscore labels sent: {hidden}")


def check_label_text(test, entries):
    """The spec: labels sorted by name, Loki's {a="b", c="d"} text."""
    texts = {e.labels_text for e in entries}
    for text in sorted(texts)[:50]:
        names = [name for name, _ in sc.fake_loki.parse_labels(text)]
        test.check(names == sorted(names), f"label text {text} is not sorted by name")


def check_docker_times(test, entries, name, role):
    """Each container line's timestamp equals Docker's, to the nanosecond."""
    times = sc.docker_log_times(name)
    wrong = []
    unknown = 0
    for e in entries:
        stamps = times.get((e.labels.get("stream"), e.line))
        if not stamps:
            unknown += 1
            continue
        if e.timestamp_ns not in stamps:
            wrong.append((e.line, e.timestamp_ns, stamps[0]))
    test.check(not wrong, f"container {role}: {len(wrong)} of {len(entries)} lines carry another timestamp "
                          f"than docker logs -t, e.g. {wrong[:3]} (line, got ns, docker ns)")
    test.check(unknown <= 1,  # the long line, which docker logs prints in partials
               f"container {role}: {unknown} lines (stream, text) that docker logs -t does not show")


def check_streams(test, entries, role):
    wrong = [e.line for e in entries
             if (e.line.startswith(f"{role}-err ") and e.labels.get("stream") != "stderr")
             or (e.line.startswith(f"{role} ") and e.labels.get("stream") != "stdout")]
    test.check(not wrong, f"container {role}: {len(wrong)} lines on the wrong stream label, e.g. {wrong[:3]}")


def body(test, args):
    sc.require_binary(args.binary)
    sc.require_docker()
    driver = sc.logging_driver()
    if driver != "json-file":
        test.log(f"the daemon's default log driver is {driver}; containers are started with --log-driver json-file")
    tmp = h.TempDir("tern-ship-e2e-")
    with sc.Containers(test) as c:
        rig = sc.Rig(test, args.binary, tmp.path, "e2e", run_id=c.run_id)
        try:
            run(test, c, rig)
        finally:
            rig.close()


def run(test, c, rig):
    loki = rig.loki
    names = {}
    # Before the shipper starts: a container that is done printing, and a file.
    names["early"] = c.run("early", sc.counting_script("early", EARLY))
    file_a = rig.file("a.log", "a")
    file_a.append(list(range(FILE_A_BEFORE)))
    ignored = rig.file("ignored.txt", "ignored")
    ignored.append(list(range(10)))
    deadline = time.monotonic() + 30
    while sc.docker_log_times(names["early"]).get(("stdout", f"early {EARLY - 1}")) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the early container did not print its lines within 30 s")
        time.sleep(0.2)

    rig.shipper.start()
    test.log(f"tern-shipper pid {rig.shipper.pid} on port {rig.shipper.port}, fake Loki on {loki.port}")

    project = f"ternship{c.run_id}"
    names["count"] = c.run("count", sc.counting_script("count", COUNT, stderr_every=ERR_EVERY))
    names["compose"] = c.run("compose", sc.counting_script("compose", COMPOSE),
                             labels={"com.docker.compose.project": project,
                                     "com.docker.compose.service": PROJECT_SERVICE})
    names["long"] = c.run("long", f"printf BEGIN; head -c {LONG_BODY} /dev/zero | tr '\\0' x; echo END; "
                                  "echo 'long 0'; sleep 3600")
    decoy = c.run("decoy", sc.counting_script("decoy", 50), selected=False)

    # Host files while the shipper runs: more lines to a.log, a new b.log,
    # a line written in two parts to c.log.
    file_b = rig.file("b.log", "b")
    file_c_path = os.path.join(rig.logs, "c.log")

    def write_files():
        file_a.append(list(range(FILE_A_BEFORE, FILE_A_BEFORE + FILE_A_AFTER)), pause_every=100, pause=0.05)
        file_b.append(list(range(FILE_B)), pause_every=250, pause=0.1)
        with open(file_c_path, "a") as f:
            f.write("c 0\npartial")
            f.flush()
            time.sleep(1.5)
            f.write("ly done\nc 1\n")

    writer = threading.Thread(target=write_files, daemon=True)
    writer.start()
    writer.join(timeout=60)

    expected = ([("early", i) for i in range(EARLY)] + [("count", i) for i in range(COUNT)]
                + [("count-err", i) for i in range(0, COUNT, ERR_EVERY)]
                + [("compose", i) for i in range(COMPOSE)] + [("long", 0)]
                + [("a", i) for i in range(FILE_A_BEFORE + FILE_A_AFTER)] + [("b", i) for i in range(FILE_B)]
                + [("c", 0), ("c", 1)])
    counts = sc.wait_all(loki, expected, ARRIVAL_TIMEOUT, settle=3.0)
    test.require(rig.shipper.alive(), f"tern-shipper exited {rig.shipper.process.proc.poll()} during the test; "
                                      f"its last log lines:\n{rig.shipper.log_tail()}")
    entries = loki.entries()
    test.log(f"{len(entries)} entries in {len(loki.requests())} requests")
    sc.check_receiver_clean(test, loki, "e2e")
    statuses = {r.status for r in loki.requests()}
    test.check(statuses <= {204}, f"the fake Loki answered {statuses}; it was told to answer 204 only")

    # Exactly once.
    for prefix, numbers, what in (
        ("early", range(EARLY), "container started before the shipper"),
        ("count", range(COUNT), "container stdout"),
        ("count-err", range(0, COUNT, ERR_EVERY), "container stderr"),
        ("compose", range(COMPOSE), "compose container"),
        ("long", range(1), "line after the 40 KiB line"),
        ("a", range(FILE_A_BEFORE + FILE_A_AFTER), "file written before and after the start"),
        ("b", range(FILE_B), "file created after the start"),
        ("c", range(2), "file with a line written in two parts"),
    ):
        sc.check_exactly_once(test, counts, prefix, numbers, what)

    # Whole lines.
    longs = [e for e in entries if e.line.startswith("BEGIN")]
    test.check(len(longs) == 1, f"the 40 KiB line: {len(longs)} entries start with BEGIN, want 1 (whole), "
                                f"lengths {[len(e.line) for e in longs][:5]}")
    if longs:
        test.check(longs[0].line == LONG_LINE,
                   f"the 40 KiB line arrived as {len(longs[0].line)} bytes, want {len(LONG_LINE)} "
                   f"(ends {longs[0].line[-20:]!r})")
        check_long_time(test, longs[0], names["long"])
    partial = [e.line for e in entries if e.line.startswith("partial")]
    test.check(partial == ["partially done"],
               f"the line written in two parts arrived as {partial}, want ['partially done']")
    stray = [e for e in entries if e.line.startswith("decoy") or e.labels.get("container_name") == decoy]
    test.check(not stray, f"{len(stray)} lines of a container without the run label arrived: the docker_sd "
                          "filter (name: label) was not applied")
    test.check(not [e for e in entries if e.line.startswith("ignored")],
               "lines of ignored.txt arrived: it does not match the glob *.log")

    # Labels and timestamps of container lines.
    check_label_text(test, entries)
    for role, name in names.items():
        mine = [e for e in entries if e.labels.get("container_name") == name]
        if not test.check(mine, f"container {role}: no entry labelled container_name={name}"):
            continue
        check_docker_labels(test, mine, name, role, project if role == "compose" else None)
        check_streams(test, mine, role)
        check_docker_times(test, [e for e in mine if not e.line.startswith("BEGIN")], name, role)

    # Labels and timestamps of file lines.
    for log_file in (file_a, file_b, sc.LogFile(file_c_path, "c")):
        mine = [e for e in entries if e.line.startswith(f"{log_file.prefix} ") or e.line.startswith("partial")
                and log_file.prefix == "c"]
        for labels in map(dict, {tuple(sorted(e.labels.items())) for e in mine}):
            want = {"filename": log_file.path, "job": sc.FILES_JOB, "host": sc.HOST, "env": "it"}
            got = {k: labels.get(k) for k in want}
            test.check(got == want, f"{os.path.basename(log_file.path)}: labels {labels}, want {want} among them")
            hidden = [k for k in labels if k.startswith("__")]
            test.check(not hidden, f"{os.path.basename(log_file.path)}: double-underscore labels sent: {hidden}")
            extra = set(labels) - set(want)
            test.check(not extra, f"{os.path.basename(log_file.path)}: unexpected labels {sorted(extra)}")
        early_read = []
        late = []
        for e in mine:
            number = int(e.line.split()[1]) if e.line.split()[-1].isdigit() else None
            written = log_file.written.get(number) if number is not None else None
            seconds = e.timestamp_ns / 1e9
            if written is not None and seconds < written - 1.0:
                early_read.append((e.line, seconds, written))
            if seconds > e.received + 1.0:
                late.append((e.line, seconds, e.received))
        test.check(not early_read, f"{os.path.basename(log_file.path)}: {len(early_read)} lines stamped before they "
                                   f"were written (want the read time), e.g. {early_read[:2]}")
        test.check(not late, f"{os.path.basename(log_file.path)}: {len(late)} lines stamped after they reached "
                             f"the receiver, e.g. {late[:2]}")

    check_metrics(test, rig, entries, file_a)

    code = rig.shipper.stop()
    test.check(code == 0, f"tern-shipper exited {code} on SIGTERM, want 0; log:\n{rig.shipper.log_tail()}")


def check_long_time(test, entry, name):
    """The folded line carries the time of one of its partials (the json-file
    records, when this user can read them), else a time within the run."""
    records = sc.json_log_records(sc.inspect(name).get("LogPath", ""))
    if records is None:
        test.check(abs(entry.timestamp_ns / 1e9 - time.time()) < 300,
                   f"the 40 KiB line's timestamp {entry.timestamp_ns} is not about now")
        return
    partial_times = set()
    pieces = 0
    inside = False
    for r in records:
        text = r.get("log", "")
        inside = inside or text.startswith("BEGIN")
        if inside:
            pieces += 1
            partial_times.add(sc.rfc3339_ns(r["time"]))
            if text.endswith("\n"):
                break
    test.log(f"the 40 KiB line is {pieces} json-file records")
    test.check(entry.timestamp_ns in partial_times,
               f"the 40 KiB line's timestamp {entry.timestamp_ns} is none of its partials' Docker times "
               f"{sorted(partial_times)}")


def check_metrics(test, rig, entries, file_a):
    shipper = rig.shipper
    sent = shipper.metric_sum("promtail_sent_entries_total")
    test.check(sent == len(entries), f"promtail_sent_entries_total is {sent}, the receiver stored {len(entries)}")
    read_lines = shipper.metric_sum("promtail_read_lines_total", path=file_a.path)
    test.check(read_lines == FILE_A_BEFORE + FILE_A_AFTER,
               f"promtail_read_lines_total{{path={file_a.path}}} is {read_lines}, "
               f"want {FILE_A_BEFORE + FILE_A_AFTER}")
    read_bytes = shipper.metric_sum("promtail_read_bytes_total", path=file_a.path)
    size = os.path.getsize(file_a.path)
    test.check(read_bytes == size, f"promtail_read_bytes_total{{path=a.log}} is {read_bytes}, the file has {size} bytes")
    lag = shipper.metric_sum("tern_shipper_position_lag_bytes", path=file_a.path)
    test.check(lag == 0, f"tern_shipper_position_lag_bytes{{path=a.log}} is {lag} after everything arrived, want 0")
    active = shipper.metric_sum("promtail_files_active_total")
    test.check(active is not None and active >= 3, f"promtail_files_active_total is {active}, want >= 3 (a, b, c.log)")
    dropped = shipper.metric_sum("promtail_dropped_entries_total")
    test.check(not dropped, f"promtail_dropped_entries_total is {dropped}, want 0 or absent")
    duration = shipper.metric_sum("promtail_request_duration_seconds_count", status_code="204")
    test.check(duration == len(rig.loki.requests()),
               f"promtail_request_duration_seconds_count{{status_code=204}} is {duration}, "
               f"the receiver answered {len(rig.loki.requests())} requests")


def main():
    args = sc.parse_args(__doc__.splitlines()[0], timeout=170)
    return h.run_test("shipper_e2e_test", lambda test: body(test, args), timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
