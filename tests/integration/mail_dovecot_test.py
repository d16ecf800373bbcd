#!/usr/bin/env python3
"""tern-mail's dovecot collector against a private Dovecot 2.3 (Debian's
dovecot-imapd) on 127.0.0.1, with the shipped dovecot-metrics.conf:

- IMAP logins (imaplib) with a good and a bad password move
  dovecot_auth_success_total and dovecot_auth_failures_total, and IMAP
  commands show in dovecot_imap_command_total{cmd_name,tagged_reply_state};
  tern-mail's values equal `doveadm stats dump`'s;
- an open IMAP session shows in dovecot_sessions{protocol="imap"} and goes
  away after LOGOUT;
- with --dovecot.openmetrics-url, a second tern-mail reads Dovecot's own
  OpenMetrics listener instead and serves the same series and values;
- a missing socket gives dovecot_up 0, and the scrape still answers.
"""

import imaplib
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dovecot_env  # noqa: E402
import harness as h  # noqa: E402


def scrape(port):
    return h.parse_exposition(h.scrape(port))


def value(families, name, labels=None):
    family = families.get(name)
    if family is None:
        return None
    key = tuple(sorted((labels or {}).items()))
    return family.series(name).get(key)


def wait_value(port, name, labels, want, timeout=5):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = value(scrape(port), name, labels)
        if got == want:
            return got
        time.sleep(0.1)
    return got


def doveadm_dump(dovecot):
    code, out, err = h.run_command(
        [dovecot_env.DOVEADM, "-c", dovecot.config, "stats", "dump", "-s", dovecot.stats_socket,
         "-f", "count"])
    if code != 0:
        raise RuntimeError(f"doveadm stats dump: {err}")
    counts = {}
    for line in out.splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) >= 3:
            counts[fields[0]] = float(fields[2])
    return counts


class Imap(imaplib.IMAP4):
    """imaplib from a chosen 127.0.0.x source: Dovecot's auth penalty delays
    further logins from an address that failed (2 s, 4 s, ...), so each bad
    password comes from its own address."""

    def __init__(self, port, source):
        self.source = source
        super().__init__(h.LOOPBACK, port, timeout=10)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self.source, 0))


def login(port, password, source="127.0.0.1"):
    client = Imap(port, source)
    try:
        client.login(dovecot_env.USER, password)
        return client
    except imaplib.IMAP4.error:
        client.shutdown()
        return None


def body(test):
    args = h.parse_args(__doc__)
    temp = h.TempDir(prefix="tern-it-dovecot-")
    dovecot = dovecot_env.Dovecot(args.source_dir, temp, openmetrics=True)
    tern, port = h.start_tern(
        args.binary,
        ["--collector.disable-defaults", "--collector.dovecot",
         f"--dovecot.socket-path={dovecot.stats_socket}", "--dovecot.timeout=2"],
        name="tern-mail")

    first = scrape(port)
    test.require(value(first, "dovecot_up") == 1,
                 f"dovecot_up is {value(first, 'dovecot_up')}, want 1; tern-mail: "
                 f"{tern.stderr_text()[-1000:]}")
    test.check(value(first, "dovecot_auth_success_total") == 0, "auth_success does not start at 0")
    test.check(value(first, "dovecot_sessions", {"protocol": "imap"}) == 0,
               "dovecot_sessions{protocol=imap} is not 0 before any login")
    for protocol in ("pop3", "lmtp", "submission"):
        test.check(value(first, "dovecot_sessions", {"protocol": protocol}) == 0,
                   f"dovecot_sessions{{protocol={protocol}}} missing or not 0")

    # Good and bad passwords.
    test.check(login(dovecot.port, "wrong", "127.0.0.2") is None, "a wrong password logged in")
    test.check(login(dovecot.port, "also-wrong", "127.0.0.3") is None,
               "a wrong password logged in")
    session = login(dovecot.port, dovecot_env.PASSWORD)
    test.require(session is not None, "the good password did not log in:\n" + dovecot.log()[-1500:])
    session.select("INBOX")
    session.noop()
    test.check(wait_value(port, "dovecot_auth_failures_total", None, 2) == 2,
               "dovecot_auth_failures_total is not 2 after two bad passwords")
    test.check(wait_value(port, "dovecot_auth_success_total", None, 1) == 1,
               "dovecot_auth_success_total is not 1 after one login")
    test.check(wait_value(port, "dovecot_sessions", {"protocol": "imap"}, 1) == 1,
               "the open IMAP session is not in dovecot_sessions{protocol=imap}")
    families = scrape(port)
    select = value(families, "dovecot_imap_command_total",
                   {"cmd_name": "SELECT", "tagged_reply_state": "OK"})
    test.check(select == 1, f"imap_command SELECT/OK is {select}, want 1")
    duration = value(families, "dovecot_imap_command_duration_seconds_total",
                     {"cmd_name": "SELECT", "tagged_reply_state": "OK"})
    test.check(duration is not None and 0 < duration < 5, f"SELECT duration {duration}")

    session.logout()
    test.check(wait_value(port, "dovecot_sessions", {"protocol": "imap"}, 0) == 0,
               "the IMAP session is still counted after LOGOUT")

    # The same counts as doveadm's own dump.
    families = scrape(port)
    dump = doveadm_dump(dovecot)
    for name in ("auth_success", "auth_failures", "imap_command"):
        ours = sum(families[f"dovecot_{name}_total"].series().values())
        test.check(ours == dump.get(name), f"{name}: tern-mail {ours}, doveadm {dump.get(name)}")
    errors = value(families, "dovecot_exporter_parse_errors_total", {"source": "stats"})
    test.check(errors == 0, f"parse errors {errors}")

    # The same series and values from Dovecot's OpenMetrics listener.
    om_tern, om_port = h.start_tern(
        args.binary,
        ["--collector.disable-defaults", "--collector.dovecot",
         f"--dovecot.openmetrics-url={dovecot.openmetrics_url}",
         f"--dovecot.anvil-socket-path={dovecot.anvil_socket}", "--dovecot.timeout=2"],
        name="tern-mail-openmetrics")
    from_socket = scrape(port)
    from_page = scrape(om_port)
    test.check(value(from_page, "dovecot_up") == 1,
               f"dovecot_up via OpenMetrics is {value(from_page, 'dovecot_up')}: "
               f"{om_tern.stderr_text()[-800:]}")
    test.check("dovecot_build_info" in from_page, "dovecot_build_info missing")
    for name in ("dovecot_auth_success_total", "dovecot_auth_failures_total",
                 "dovecot_imap_command_total", "dovecot_mail_delivery_total"):
        want = from_socket[name].series(name) if name in from_socket else None
        got = from_page[name].series(name) if name in from_page else None
        test.check(got == want, f"{name}: OpenMetrics {got}, socket {want}")
    test.check(value(from_page, "dovecot_sessions", {"protocol": "imap"}) == 0,
               "dovecot_sessions missing via OpenMetrics")

    # Dovecot gone: up 0, the scrape still answers.
    dovecot.stop()
    gone = scrape(port)
    test.check(value(gone, "dovecot_up") == 0, "dovecot_up is not 0 with the socket gone")
    test.check(value(gone, "dovecot_auth_success_total") is None,
               "stale dovecot metrics after Dovecot stopped")
    time.sleep(0.2)
    scrape(port)
    errors = [l for l in tern.lines if "stats-reader" in l and "level=error" in l]
    test.check(len(errors) == 1, f"want the missing socket logged once, got {len(errors)}")


if __name__ == "__main__":
    sys.exit(h.run_test("mail_dovecot_test", body, timeout=40))
