"""A private Postfix instance for the integration tests: its own
config_directory, queue_directory and data_directory in a temp dir, smtpd on
127.0.0.1 only (a port in 19650-19699), every mail relayed to a closed port on
127.0.0.1 so it defers, and the log in a file we own (maillog_file, served by
postlogd, Postfix 3.4+). Never the system instance, never port 25.

Runs as root (Postfix's master needs it); raises harness.SkipTest when Postfix
is not installed or we are not root.
"""

import os
import re
import socket
import subprocess
import time

import harness

POSTFIX = "/usr/sbin/postfix"
POSTQUEUE = "/usr/sbin/postqueue"
POSTSUPER = "/usr/sbin/postsuper"
MASTER_CF_DIST = "/usr/share/postfix/master.cf.dist"
PORT_RANGE = range(19650, 19700)


def _free_ports(count):
    """count distinct ports free right now in our range."""
    found = []
    for port in PORT_RANGE:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((harness.LOOPBACK, port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    raise RuntimeError(f"no {count} free ports in {PORT_RANGE.start}-{PORT_RANGE.stop - 1}")


def _run(args, timeout=20, env=None):
    completed = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                               timeout=timeout, env=env)
    return completed.returncode, completed.stdout, completed.stderr


class PostfixInstance:
    """Start with start(), stop with stop() (also registered at exit by the
    caller through harness's TempDir cleanup order: stop first)."""

    def __init__(self, tmp, extra_main=""):
        for program in (POSTFIX, POSTQUEUE, POSTSUPER):
            harness.require_program(program)
        if not os.path.isfile(MASTER_CF_DIST):
            raise harness.SkipTest(f"{MASTER_CF_DIST} is missing (Debian's postfix package)")
        if os.geteuid() != 0:
            raise harness.SkipTest("a private Postfix instance needs root (its master runs as root)")
        self.root = os.path.join(tmp.path, "postfix")
        self.config_dir = os.path.join(self.root, "etc")
        self.queue_dir = os.path.join(self.root, "spool")
        self.data_dir = os.path.join(self.root, "data")
        self.log_file = os.path.join(self.root, "mail.log")
        self.showq_path = os.path.join(self.queue_dir, "public", "showq")
        self.smtp_port, self.dead_port = _free_ports(2)
        self.extra_main = extra_main
        self.started = False

    def env(self):
        env = dict(os.environ)
        env["MAIL_CONFIG"] = self.config_dir
        return env

    def _write_config(self):
        # mkdtemp makes 0700 directories: Postfix's daemons (user postfix)
        # must reach the queue below it.
        os.chmod(os.path.dirname(self.root), 0o755)
        os.makedirs(self.config_dir, exist_ok=True)
        os.makedirs(self.data_dir, exist_ok=True)
        os.makedirs(self.queue_dir, exist_ok=True)
        # The postfix user owns data_directory; postfix-script checks it.
        import pwd
        postfix_user = pwd.getpwnam("postfix")
        os.chown(self.data_dir, postfix_user.pw_uid, postfix_user.pw_gid)
        main_cf = f"""\
compatibility_level = 3.6
queue_directory = {self.queue_dir}
data_directory = {self.data_dir}
maillog_file = {self.log_file}
maillog_file_prefixes = {self.root}
syslog_name = postfix
myhostname = tern-test.localdomain
mydomain = localdomain
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:{self.dead_port}
alias_maps =
alias_database =
local_recipient_maps =
smtpd_banner = $myhostname ESMTP
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access inline:{{ reject@example.net=REJECT }}
smtp_connect_timeout = 2s
queue_run_delay = 300s
minimal_backoff_time = 300s
maximal_backoff_time = 600s
biff = no
{self.extra_main}
"""
        with open(os.path.join(self.config_dir, "main.cf"), "w") as f:
            f.write(main_cf)
        lines = []
        with open(MASTER_CF_DIST) as f:
            for line in f:
                fields = line.split()
                if line[:1] not in ("", "#", " ", "\t") and len(fields) >= 8:
                    if fields[0] == "smtp" and fields[1] == "inet":
                        fields[0] = f"127.0.0.1:{self.smtp_port}"
                    fields[4] = "n"  # no chroot: the instance lives in a temp dir
                    line = " ".join(fields[:7]) + " " + " ".join(fields[7:]) + "\n"
                lines.append(line)
        with open(os.path.join(self.config_dir, "master.cf"), "w") as f:
            f.writelines(lines)

    def start(self):
        self._write_config()
        code, out, err = _run([POSTFIX, "-c", self.config_dir, "start"], timeout=30)
        if code != 0:
            # Postfix reports to syslog, or to stderr only when it is a tty.
            _, why, _ = _run(["script", "-qc", f"{POSTFIX} -c {self.config_dir} check", "/dev/null"])
            raise RuntimeError(f"postfix start exited {code}: {out}{err}{why}")
        self.started = True
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if os.path.exists(self.showq_path):
                try:
                    with socket.create_connection((harness.LOOPBACK, self.smtp_port), timeout=2):
                        return
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"postfix did not come up (showq {self.showq_path}, port {self.smtp_port})")

    def stop(self):
        if self.started:
            _run([POSTFIX, "-c", self.config_dir, "stop"], timeout=30)
            self.started = False

    def postqueue_json(self):
        """postqueue -j's messages, one dict each."""
        code, out, err = _run([POSTQUEUE, "-c", self.config_dir, "-j"])
        if code != 0:
            raise RuntimeError(f"postqueue -j exited {code}: {err}")
        import json
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def hold(self, queue_id):
        code, out, err = _run([POSTSUPER, "-c", self.config_dir, "-h", queue_id])
        if code != 0:
            raise RuntimeError(f"postsuper -h {queue_id} exited {code}: {err}")

    def wait_queue(self, predicate, timeout=15):
        deadline = time.monotonic() + timeout
        messages = []
        while time.monotonic() < deadline:
            messages = self.postqueue_json()
            if predicate(messages):
                return messages
            time.sleep(0.2)
        raise TimeoutError(f"queue never reached the expected state: {messages}")

    def log_text(self):
        try:
            with open(self.log_file, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


QUEUE_ID = re.compile(r"^[0-9A-Za-z]+$")
