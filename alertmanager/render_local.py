#!/usr/bin/env python3
"""Renders alertmanager.yml for an Alertmanager that must not reach anything
but loopback: a dev box (scripts/run-local) or a test.

What is kept: the route tree (matchers, grouping, continue, timings, which
may be scaled down by a factor so tests need not wait minutes), the
inhibit_rules, the time intervals, the templates (as absolute paths) and
global.resolve_timeout.

What changes: every receiver becomes one webhook to <base_url>/<receiver
name> with send_resolved true, so a test can tell from the request path
which receiver an alert reached. Everything that could send elsewhere or
needs a secret goes: the global SMTP/Slack/... settings, http_config and
every *_file reference. The result is checked for any URL that is not under
base_url before it is returned, and base_url must be on loopback.

Module:  render(config_dict, base_url, time_factor=1.0, config_dir=None) -> dict
         render_file(path, base_url, time_factor=1.0) -> YAML text
CLI:     render_local.py --base-url http://127.0.0.1:9095/hook \\
             [--config alertmanager/alertmanager.yml] [--time-factor 0.01] [--output out.yml]

Python 3 standard library and PyYAML (Debian's python3-yaml).
"""

import argparse
import copy
import os
import re
import sys
import urllib.parse

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CONFIG = os.path.join(HERE, "alertmanager.yml")

# Addresses, not names: "localhost" is whatever /etc/hosts says.
LOOPBACK_HOSTS = ("127.0.0.1", "::1")
TIMING_KEYS = ("group_wait", "group_interval", "repeat_interval")
# The only global setting that cannot send anything anywhere.
KEPT_GLOBALS = ("resolve_timeout",)
# Below this a non-zero scaled interval would make Alertmanager spin.
MIN_SCALED_SECONDS = 0.01

_DURATION = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$"
)
_UNITS = (365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001)


class RenderError(ValueError):
    pass


def parse_duration(text):
    """Seconds in a Prometheus/Alertmanager duration ("1h30m", "0s", "250ms")."""
    text = str(text).strip()
    if text == "0":
        return 0.0
    match = _DURATION.match(text)
    if not text or not match or not any(match.groups()):
        raise RenderError(f"not a duration: {text!r}")
    return float(sum(int(n) * unit for n, unit in zip(match.groups(), _UNITS) if n))


def format_duration(seconds):
    """A duration Alertmanager parses, in whole milliseconds."""
    milliseconds = int(round(seconds * 1000))
    return "0s" if milliseconds == 0 else f"{milliseconds}ms"


def scale_duration(text, factor):
    """text * factor; a non-zero duration stays at least MIN_SCALED_SECONDS."""
    seconds = parse_duration(text)
    if seconds == 0:
        return "0s"
    return format_duration(max(seconds * factor, MIN_SCALED_SECONDS))


def check_base_url(base_url):
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme != "http" or parsed.hostname not in LOOPBACK_HOSTS or parsed.port is None:
        raise RenderError(
            f"base URL must be http://127.0.0.1:<port>[/path] or http://[::1]:<port>[/path], not {base_url!r}"
        )
    if parsed.query or parsed.fragment:
        raise RenderError(f"base URL must not have a query or fragment: {base_url!r}")
    return base_url.rstrip("/")


def _scale_route(route, factor):
    for key in TIMING_KEYS:
        if key in route:
            route[key] = scale_duration(route[key], factor)
    for child in route.get("routes") or []:
        _scale_route(child, factor)


def _receiver_names(route, into):
    if "receiver" in route:
        into.add(route["receiver"])
    for child in route.get("routes") or []:
        _receiver_names(child, into)
    return into


def _assert_local(node, base_url, where="config"):
    """Raises if anything could be sent off loopback: a *_file reference, or
    a URL-looking string that is not under base_url."""
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).endswith("_file"):
                raise RenderError(f"{where}.{key}: file reference left in the rendered config")
            _assert_local(value, base_url, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _assert_local(value, base_url, f"{where}[{i}]")
    elif isinstance(node, str) and "://" in node and not node.startswith(base_url + "/"):
        raise RenderError(f"{where}: {node!r} is not under {base_url}")


def render(config, base_url, time_factor=1.0, config_dir=None):
    """The loopback-only version of a parsed alertmanager.yml (a dict)."""
    base_url = check_base_url(base_url)
    if not time_factor > 0:
        raise RenderError(f"time factor must be positive, not {time_factor}")
    config_dir = os.path.abspath(config_dir or os.getcwd())
    if "route" not in config or "receivers" not in config:
        raise RenderError("config has no route or no receivers")

    out = {}
    kept_global = {k: v for k, v in (config.get("global") or {}).items() if k in KEPT_GLOBALS}
    if kept_global:
        out["global"] = kept_global

    if config.get("templates"):
        out["templates"] = [
            t if os.path.isabs(t) else os.path.normpath(os.path.join(config_dir, t)) for t in config["templates"]
        ]

    route = copy.deepcopy(config["route"])
    if time_factor != 1.0:
        _scale_route(route, time_factor)
    out["route"] = route

    for key in ("inhibit_rules", "time_intervals", "mute_time_intervals"):
        if config.get(key):
            out[key] = copy.deepcopy(config[key])

    names = [r["name"] for r in config["receivers"]]
    missing = _receiver_names(route, set()) - set(names)
    if missing:
        raise RenderError(f"routes name receivers that do not exist: {sorted(missing)}")
    out["receivers"] = [
        {
            "name": name,
            "webhook_configs": [
                {"url": f"{base_url}/{urllib.parse.quote(name, safe='')}", "send_resolved": True}
            ],
        }
        for name in names
    ]

    _assert_local(out, base_url)
    return out


def render_file(path, base_url, time_factor=1.0):
    """Reads alertmanager.yml at path; returns the rendered YAML text."""
    with open(path) as f:
        config = yaml.safe_load(f)
    rendered = render(config, base_url, time_factor, config_dir=os.path.dirname(os.path.abspath(path)))
    header = (
        f"# Rendered by alertmanager/render_local.py from {os.path.abspath(path)}:\n"
        f"# every receiver is a webhook under {check_base_url(base_url)}/, timings x{time_factor:g}.\n"
    )
    return header + yaml.safe_dump(rendered, sort_keys=False, default_flow_style=False)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="alertmanager.yml to render (default: %(default)s)")
    parser.add_argument("--base-url", required=True, help="loopback URL the receivers' webhooks go under")
    parser.add_argument(
        "--time-factor", type=float, default=1.0,
        help="multiply group_wait, group_interval and repeat_interval by this (e.g. 0.01 for tests)",
    )
    parser.add_argument("--output", help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    try:
        text = render_file(args.config, args.base_url, args.time_factor)
    except (RenderError, OSError, yaml.YAMLError) as e:
        print(f"render_local: {e}", file=sys.stderr)
        return 1
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
