"""A private Dovecot 2.3 for the integration tests: its own base_dir, config,
passwd-file and maildirs in a temporary directory, IMAP on 127.0.0.1 only,
the shipped exporters/mail/dovecot/dovecot-metrics.conf included. Never the
system's /etc/dovecot or /var/run/dovecot.

Dovecot's master must start as root (it drops privileges per service): the
internal and login users are the `dovecot` and `dovenull` users Debian's
package creates, and mail is accessed as `nobody`.
"""

import os
import pwd
import shutil
import socket
import time

import harness as h

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
# The ports this suite gives Dovecot (it cannot bind port 0 and report it).
PORT_RANGE = range(19700, 19750)
USER = "tester"
PASSWORD = "secret-pass"

CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
instance_name = tern-it-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={base}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# No auth penalty: the failed-login test would wait seconds per bad password.
auth_failure_delay = 0
!include {metrics_conf}
{extra}"""

# Dovecot's own OpenMetrics listener, when a test asks for it.
OPENMETRICS = """\
service stats {{
  inet_listener http {{
    address = 127.0.0.1
    port = {port}
  }}
}}
"""


def require():
    if os.geteuid() != 0:
        raise h.SkipTest("Dovecot's master needs root to start")
    h.require_program(DOVECOT)
    for user in ("dovecot", "dovenull", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            raise h.SkipTest(f"user {user} is missing (install dovecot-imapd)")


def _free_port(skip=()):
    for port in PORT_RANGE:
        if port in skip:
            continue
        with socket.socket() as s:
            try:
                s.bind((h.LOOPBACK, port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port in 19700-19749")


class Dovecot:
    """dovecot -F in a temporary directory; .stats_socket, .anvil_socket,
    .port, and .openmetrics_url when asked for. stop() ends it (the test's
    end does too)."""

    def __init__(self, source_dir, temp, openmetrics=False):
        require()
        self.base = os.path.join(temp.path, "dovecot")
        os.makedirs(os.path.join(self.base, "mail"))
        os.makedirs(os.path.join(self.base, "state"))
        # The mail user (nobody) and the login user must reach their files.
        for path in (temp.path, self.base):
            os.chmod(path, 0o755)
        shutil.chown(os.path.join(self.base, "mail"), "nobody", "nogroup")
        with open(os.path.join(self.base, "passwd"), "w") as f:
            f.write(f"{USER}:{PASSWORD}\n")
        metrics_conf = os.path.join(os.path.abspath(source_dir), "exporters", "mail", "dovecot", "dovecot-metrics.conf")
        last = ""
        for _ in range(3):
            self.port = _free_port()
            extra = ""
            self.openmetrics_url = None
            if openmetrics:
                openmetrics_port = _free_port(skip=(self.port,))
                extra = OPENMETRICS.format(port=openmetrics_port)
                self.openmetrics_url = f"http://{h.LOOPBACK}:{openmetrics_port}/metrics"
            self.config = os.path.join(self.base, "dovecot.conf")
            with open(self.config, "w") as f:
                f.write(CONFIG.format(base=self.base, port=self.port, metrics_conf=metrics_conf,
                                      extra=extra))
            self.process = h.Process([DOVECOT, "-F", "-c", self.config], name="dovecot")
            if self._wait_ready(10):
                break
            last = self.log()[-2000:] + self.process.stderr_text()[-1000:]
            self.process.stop()
        else:
            raise RuntimeError(f"dovecot did not start: {last}")
        self.stats_socket = os.path.join(self.base, "run", "stats-reader")
        self.anvil_socket = os.path.join(self.base, "run", "anvil")

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        stats = os.path.join(self.base, "run", "stats-reader")
        while time.monotonic() < deadline:
            if not self.process.alive():
                return False
            if os.path.exists(stats):
                try:
                    with socket.create_connection((h.LOOPBACK, self.port), timeout=1):
                        return True
                except OSError:
                    pass
            time.sleep(0.05)
        return False

    def log(self):
        try:
            with open(os.path.join(self.base, "dovecot.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        self.process.stop()
