"""Shared set-up of the Route53 integration tests: the zone the users had
(a CNAME shadowing the A their mail host needs), the declared state, and the
environment a child gets (credentials for the fake, nothing from ours)."""

import os
import subprocess

import harness

ZONE_ID = "Z0123456789ABCDEFGHIJ"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WRONG_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYWRONGKEY1"


def zone_record_sets(fillers=6):
    sets = [
        {"Name": "example.com.", "Type": "MX", "TTL": 3600,
         "Values": ["10 mx1.example.com.", "20 mx2.example.com."]},
        {"Name": "mail.example.com.", "Type": "CNAME", "TTL": 300, "Values": ["mailhost.example.net."]},
        {"Name": "www.example.com.", "Type": "A", "TTL": 300, "Values": ["192.0.2.20"]},
        {"Name": "example.com.", "Type": "TXT", "TTL": 300, "Values": ['"v=spf1 mx -all"']},
    ]
    # Enough record sets that a page size of 3 needs several pages.
    for i in range(fillers):
        sets.append({"Name": f"host{i}.example.com.", "Type": "A", "TTL": 300,
                     "Values": [f"198.51.100.{i + 1}"]})
    return sets


# The system resolver is replaced by a closed loopback port and the tests run
# only the route53 collector: nothing here may query a real resolver.
DECLARED_YAML = f"""\
resolvers:
  - name: system
    servers: ["127.0.0.1:9"]
route53:
  zones: [{{id: {ZONE_ID}, name: example.com}}]
records:
  - name: mail.example.com
    type: A
    values: [192.0.2.10]
  - name: example.com
    type: MX
    values: ["10 mx1.example.com", "20 mx2.example.com"]
  - name: example.com
    type: TXT
    values: ["v=spf1 mx -all"]
  - name: host0.example.com
    type: A
    values: [198.51.100.1]
"""


def child_env(tmp, secret=SECRET_KEY, access_key=ACCESS_KEY, **extra):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp.path}
    if secret is not None:
        env["AWS_ACCESS_KEY_ID"] = access_key
        env["AWS_SECRET_ACCESS_KEY"] = secret
    env.update(extra)
    return env


def run(args, env, timeout=30):
    completed = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                               timeout=timeout, env=env, preexec_fn=harness._die_with_parent)
    return completed.returncode, completed.stdout, completed.stderr
