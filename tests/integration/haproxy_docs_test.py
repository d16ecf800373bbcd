#!/usr/bin/env python3
"""docs/exporters/haproxy.md against a live tern-haproxy.

The metric tables need a HAProxy to read: this serves the committed
`show info` and `show stat` of HAProxy 2.6 (tests/fixtures/haproxy) on a
unix socket, the way the runtime API answers (one command per connection),
with a pid file naming this process for the haproxy_process_* families of
--haproxy.pid-file. It fills the generated flag section and two metric tables:
the default naming (haproxy_exporter's) and --haproxy.naming=promex.

usage: haproxy_docs_test.py BINARY PAGE SOURCE_DIR [--update]
"""
import os
import socket
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import docs_test  # noqa: E402

PROMEX_BEGIN = "<!-- BEGIN GENERATED PROMEX METRICS -->"
PROMEX_END = "<!-- END GENERATED PROMEX METRICS -->"
PREFIXES = ("haproxy_", "process_", "promhttp_")


def serve_runtime_api(path, info, stat):
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen(8)

    def run():
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            with client:
                request = b""
                while not request.endswith(b"\n"):
                    data = client.recv(256)
                    if not data:
                        break
                    request += data
                answer = info if request.startswith(b"show info") else stat
                client.sendall(answer.encode())

    threading.Thread(target=run, daemon=True).start()
    return server


def main():
    args = [a for a in sys.argv[1:] if a != "--update"]
    update = "--update" in sys.argv
    binary, page, source_dir = args[:3]
    fixtures = os.path.join(source_dir, "tests", "fixtures", "haproxy")
    with open(os.path.join(fixtures, "show_info_2.6.txt")) as f:
        info = f.read().rstrip("\n") + "\n\n"
    with open(os.path.join(fixtures, "show_stat_2.6.csv")) as f:
        stat = f.read()
    with tempfile.TemporaryDirectory(prefix="tern-haproxy-docs-") as tmp:
        sock = os.path.join(tmp, "admin.sock")
        pid_file = os.path.join(tmp, "haproxy.pid")
        with open(pid_file, "w") as f:
            f.write(f"{os.getpid()}\n")
        server = serve_runtime_api(sock, info, stat)
        try:
            common = [f"--haproxy.scrape-uri=unix:{sock}"]
            exporter_text = docs_test.scrape(binary, common + [f"--haproxy.pid-file={pid_file}"])
            promex_text = docs_test.scrape(binary, common + ["--haproxy.naming=promex"])
        finally:
            server.close()
    import subprocess
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True,
                               check=True).stdout
    with open(page) as f:
        current = f.read()
    wanted = docs_test.replace_between(current, docs_test.FLAGS_BEGIN, docs_test.FLAGS_END,
                                       "```text\n" + help_text.rstrip() + "\n```")
    wanted = docs_test.replace_between(wanted, docs_test.METRICS_BEGIN, docs_test.METRICS_END,
                                       docs_test.metric_table(exporter_text, PREFIXES))
    wanted = docs_test.replace_between(wanted, PROMEX_BEGIN, PROMEX_END,
                                       docs_test.metric_table(promex_text, ("haproxy_",)))
    return docs_test.check_or_update(page, current, wanted, update)


if __name__ == "__main__":
    sys.exit(main())
