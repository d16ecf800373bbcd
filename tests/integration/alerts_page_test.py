#!/usr/bin/env python3
"""tern-alerts' web page in headless Chromium (Debian's chromium; without it
the served HTML is parsed instead, and the skip is printed):

- it lists a firing critical alert, a firing warning and a resolved critical
  one, the resolved one shown as resolved;
- the severity filter (?severity=critical) keeps the critical ones only, the
  status filter the firing ones; the instance filter one host;
- it loads no external asset (no script, stylesheet or image from elsewhere),
  and HTML in an alert's labels is escaped.
"""

import html.parser
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alerts_common as ac  # noqa: E402
import harness as h  # noqa: E402


class AlertRows(html.parser.HTMLParser):
    """The rows of table#alerts: data-* attributes and the cells' text."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self.external = []
        self._row = None
        self._cell = None
        self.scripts_injected = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe") and attrs.get("src"):
            self.external.append((tag, attrs["src"]))
        if tag == "link" and attrs.get("href"):
            self.external.append((tag, attrs["href"]))
        if tag == "script" and "injected" in (attrs.get("id") or ""):
            self.scripts_injected = True
        if tag == "tr" and "alert" in (attrs.get("class") or "").split():
            self._row = {"attrs": attrs, "cells": []}
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._row is not None and self._cell is not None:
            self._row["cells"].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def main():
    args = h.parse_args(__doc__)
    h.require_program(args.binary)

    def body(test):
        tmp = h.TempDir(prefix="tern-alerts-page-")
        server = ac.AlertsServer(args.binary, tmp, token=None)
        server.post(ac.webhook([
            ac.alert("ServerDown", "web-1.example.com:9100", fingerprint="00000000000000a1"),
            ac.alert("HighLoad", "web-2.example.com:9100", severity="warning", fingerprint="00000000000000a2"),
            ac.alert("DiskFull", "web-3.example.com:9100", fingerprint="00000000000000a3",
                     summary="<script id=injected>alert(1)</script>"),
        ]))
        status, _ = server.post(ac.webhook([ac.alert("DiskFull", "web-3.example.com:9100", status="resolved",
                                                     fingerprint="00000000000000a3",
                                                     summary="<script id=injected>alert(1)</script>")]))
        test.require(status == 200, f"webhook: HTTP {status}")

        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        profile = os.path.join(tmp.path, "chromium-profile")

        def render(query):
            url = f"{server.url}/{query}"
            if chromium:
                code, out, err = h.run_command(
                    [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking", "--disable-sync",
                     "--proxy-server=direct://", "--proxy-bypass-list=*", f"--user-data-dir={profile}",
                     "--dump-dom", url], timeout=45)
                test.require(code == 0 and "<table" in out, f"chromium --dump-dom {url}: exit {code}: {err[-500:]}")
                dom = out
            else:
                dom = h.fetch(url).text
            parser = AlertRows()
            parser.feed(dom)
            return parser

        if not chromium:
            test.skip("chromium is not installed: the served HTML is parsed without a browser")
        page = render("")
        by_fp = {r["attrs"].get("data-fingerprint"): r for r in page.rows}
        test.check(set(by_fp) == {"00000000000000a1", "00000000000000a2", "00000000000000a3"},
                   f"the page lists {sorted(by_fp)}")
        a1 = by_fp.get("00000000000000a1")
        test.check(a1 and a1["attrs"].get("data-status") == "firing" and a1["cells"][0] == "firing"
                   and a1["cells"][1] == "critical" and a1["cells"][2].startswith("ServerDown"),
                   f"the firing critical alert: {a1}")
        a3 = by_fp.get("00000000000000a3")
        test.check(a3 and a3["cells"][0] == "resolved" and "resolved" in a3["attrs"].get("class", ""),
                   f"the resolved alert is not shown as resolved: {a3}")
        test.check(a3 and "<script id=injected>" in a3["cells"][2], f"the summary is not shown as text: {a3}")
        test.check(not page.scripts_injected, "HTML from an alert's summary was not escaped")
        test.check(not page.external, f"external assets: {page.external}")

        critical = render("?severity=critical")
        test.check({r["attrs"]["data-severity"] for r in critical.rows} == {"critical"} and len(critical.rows) == 2,
                   f"severity filter: {[r['attrs'] for r in critical.rows]}")
        firing = render("?status=firing")
        test.check({r["attrs"]["data-fingerprint"] for r in firing.rows} == {"00000000000000a1", "00000000000000a2"},
                   f"status filter: {[r['attrs'] for r in firing.rows]}")
        one = render("?instance=web-2.example.com%3A9100")
        test.check([r["attrs"]["data-fingerprint"] for r in one.rows] == ["00000000000000a2"],
                   f"instance filter: {[r['attrs'] for r in one.rows]}")
        server.stop()

    return h.run_test("alerts_page_test", body, timeout=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
