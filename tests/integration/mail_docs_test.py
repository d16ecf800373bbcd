#!/usr/bin/env python3
"""docs/exporters/mail.md against a live tern-mail with every collector on.

The generated sections need every family to have samples, so each source is
fed something known: Postfix's showq socket and Dovecot's stats-reader and
anvil sockets are unix sockets here that answer with replies captured from
Postfix 3.7 and Dovecot 2.3.19 (tests/fixtures/mail/); the log is a file
that gets one line of each kind tern-mail understands after it has started
(it follows the file from its end, like postfix_exporter); Mailcow is
fake_mailcow.py (no Mailcow runs on test machines). Then hands over to
docs_test.py. The behaviour against the real servers is what mail_*_test
check; this test only keeps the page in step with the code.

usage: mail_docs_test.py BINARY PAGE [--update]
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fake_mailcow  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "fixtures", "mail")
# Families that only appear once the log lines are read.
WAIT_FOR = ",".join([
    "postfix_smtpd_tls_connections_total", "postfix_smtp_tls_connections_total",
    "postfix_smtpd_messages_rejected_total", "postfix_pipe_delivery_delay_seconds_bucket",
    "postfix_cleanup_messages_rejected_total", "postfix_unsupported_log_entries_total",
])


def serve_unix(path, reply):
    """Answers every connection on `path` with `reply` once the client has
    written its request (or after a moment if it writes nothing, as showq's
    clients do)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(8)

    def handle(conn):
        with conn:
            conn.settimeout(0.2)
            try:
                conn.recv(4096)
            except OSError:
                pass
            try:
                conn.sendall(reply)
                conn.settimeout(2)
                conn.recv(1)  # until the client hangs up
            except OSError:
                pass

    def loop():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()
    return server


def fixture(*parts):
    with open(os.path.join(FIXTURES, *parts), "rb") as f:
        return f.read()


def main():
    binary, page, *rest = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="tern-mail-docs-") as tmp:
        servers = [
            serve_unix(os.path.join(tmp, "showq"), fixture("postfix", "showq_3.7.bin")),
            serve_unix(os.path.join(tmp, "stats-reader"), fixture("dovecot", "dump_2.3.19.txt")),
            serve_unix(os.path.join(tmp, "anvil"), fixture("dovecot", "anvil_one_imap.txt")),
        ]
        key_file = os.path.join(tmp, "mailcow.key")
        with open(key_file, "w") as f:
            f.write("docs-key\n")
        mailcow = fake_mailcow.FakeMailcow(os.path.join(FIXTURES, "mailcow"), "docs-key").start()
        log = os.path.join(tmp, "mail.log")
        open(log, "w").close()

        def feed_log():
            time.sleep(1.0)
            with open(log, "ab") as f:
                f.write(fixture("postfix", "docs-mail.log"))

        threading.Thread(target=feed_log, daemon=True).start()
        try:
            return subprocess.call([
                sys.executable, os.path.join(HERE, "docs_test.py"), binary, page, *rest,
                "--prefixes", "postfix_,dovecot_,mailcow_,mail_exporter_,process_,promhttp_",
                "--wait-for", WAIT_FOR, "--",
                "--collector.mailcow",
                f"--postfix.showq_path={tmp}/showq", f"--postfix.logfile_path={log}",
                f"--dovecot.socket-path={tmp}/stats-reader",
                f"--mailcow.url=http://127.0.0.1:{mailcow.port}",
                f"--mailcow.api-key-file={key_file}", "--mailcow.mailboxes",
            ])
        finally:
            mailcow.stop()
            for server in servers:
                server.close()


if __name__ == "__main__":
    sys.exit(main())
