"""The bundled Grafana dashboards' queries, for tests.

    import grafana_dashboards as gd
    for board in gd.load_dashboards(source_dir):
        for q in gd.prometheus_queries(board, {"instance": "test-host"}):
            ...  # q.uid, q.panel, q.ref_id, q.expr (also unpacks as a 4-tuple)

prometheus_queries() yields every Prometheus target of every panel (rows'
nested panels included) and the selector of every Prometheus query variable
(label_values(<selector>, <label>) gives <selector>), with the template
variables substituted; Loki targets and variables are skipped. Variables not
in the substitutions get their dashboard default: query variables ".*" (every
bundled query matches them with =~), custom/constant/textbox variables their
current value, and Grafana's built-ins the values in BUILTINS.

Also here: a small PromQL tokenizer that names the metrics an expression
selects and the range windows of its rate()/irate()/increase() calls, and
LEGITIMATELY_EMPTY, the queries that may return nothing on a test host, with
the reason and what they need.

Run alone, it prints every substituted query, tab-separated:

    python3 tests/integration/grafana_dashboards.py --source-dir . instance=test-host

Python 3 standard library only.
"""

import collections
import json
import os
import re

DASHBOARD_DIR = os.path.join("grafana", "dashboards")

# Grafana's built-in variables, at values a short live test can use: with a
# 1 s scrape interval a 1 m rate window holds 60 samples; with the bundled
# 15 s it holds 4, which is what $__rate_interval guarantees.
BUILTINS = {
    "__rate_interval": "1m",
    "__rate_interval_ms": "60000",
    "__interval": "30s",
    "__interval_ms": "30000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}

Query = collections.namedtuple("Query", "uid panel ref_id expr")


# --------------------------------------------------------------------------
# Loading


def dashboard_files(source_dir):
    """Relative paths (folder/name.json) of the bundled dashboards, sorted."""
    root = os.path.join(source_dir, DASHBOARD_DIR)
    found = []
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".json"):
                found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def load_dashboards(source_dir):
    """Every bundled dashboard as parsed JSON, in path order."""
    boards = []
    for rel in dashboard_files(source_dir):
        with open(os.path.join(source_dir, DASHBOARD_DIR, rel), encoding="utf-8") as f:
            boards.append(json.load(f))
    return boards


def all_panels(dashboard):
    """Every panel, rows included, with the panels of collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        for inner in panel.get("panels", []) or []:
            yield inner


def variables(dashboard):
    return dashboard.get("templating", {}).get("list", [])


# --------------------------------------------------------------------------
# Datasources


def datasource_type(dashboard, ref):
    """The plugin type ("prometheus", "loki", ...) a panel's or target's
    datasource refers to, or None when it cannot tell."""
    if ref is None:
        return None
    if isinstance(ref, str):  # legacy: a name or "${var}"
        ref = {"uid": ref}
    if ref.get("type"):
        return ref["type"]
    uid = ref.get("uid", "")
    match = re.fullmatch(r"\$\{?(\w+)\}?", uid)
    if match:
        for var in variables(dashboard):
            if var.get("name") == match.group(1) and var.get("type") == "datasource":
                return var.get("query")
    return None


def _target_type(dashboard, panel, target):
    return datasource_type(dashboard, target.get("datasource")) or \
        datasource_type(dashboard, panel.get("datasource"))


# --------------------------------------------------------------------------
# Substitution


def _regex_escape(value):
    """Grafana's regex escaping for Prometheus: metacharacters get a doubled
    backslash so that one survives PromQL's string unescaping."""
    return re.sub(r'([\\^$.|?*+()\[\]{}])', r'\\\\\1', value)


def _format(value, fmt):
    """A value as Grafana interpolates it into a Prometheus query: a list
    (several values selected) becomes (a|b) with each value regex-escaped."""
    if isinstance(value, (list, tuple)):
        values = [str(v) for v in value]
        if fmt in ("csv", "raw"):
            return ",".join(values)
        if fmt == "pipe":
            return "|".join(values)
        escaped = [_regex_escape(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    value = str(value)
    if fmt == "regex":
        return _regex_escape(value)
    return value


def variable_values(dashboard, substitutions=None):
    """{name: value} for every template variable and built-in: the given
    substitutions first, then the dashboard's defaults."""
    values = dict(BUILTINS)
    for var in variables(dashboard):
        name, kind = var.get("name"), var.get("type")
        current = (var.get("current") or {}).get("value")
        if kind == "query":
            values[name] = var.get("allValue") or ".*"
        elif kind in ("custom", "textbox", "interval"):
            values[name] = current if current is not None else var.get("query", "")
        elif kind == "constant":
            values[name] = var.get("query", "")
        elif kind == "datasource":
            values[name] = current or ""
    for name, value in (substitutions or {}).items():
        if value == "$__all" or value == ["$__all"]:
            var = next((v for v in variables(dashboard) if v.get("name") == name), {})
            value = var.get("allValue") or ".*"
        values[name] = value
    return values


_VARIABLE = re.compile(r"\$\{(\w+)(?::([\w-]+))?\}|\[\[(\w+)(?::([\w-]+))?\]\]|\$(\w+)")


def substitute(expr, values):
    """expr with $var, ${var}, ${var:format} and [[var]] replaced; unknown
    names are left as they are (Prometheus will then reject the query)."""
    def replace(match):
        name = match.group(1) or match.group(3) or match.group(5)
        fmt = match.group(2) or match.group(4)
        if name not in values:
            return match.group(0)
        return _format(values[name], fmt)
    return _VARIABLE.sub(replace, expr)


# --------------------------------------------------------------------------
# Queries


_LABEL_VALUES = re.compile(r"^\s*label_values\s*\((.*),\s*([a-zA-Z_]\w*)\s*\)\s*$", re.S)
_QUERY_RESULT = re.compile(r"^\s*query_result\s*\((.*)\)\s*$", re.S)


def variable_query(var):
    """The PromQL a Prometheus query variable evaluates, or None
    (label_values(label) without a selector, label_names(), metrics())."""
    query = var.get("query")
    if isinstance(query, dict):
        query = query.get("query", "")
    query = query or var.get("definition", "")
    match = _LABEL_VALUES.match(query)
    if match:
        return match.group(1).strip()
    match = _QUERY_RESULT.match(query)
    if match:
        return match.group(1).strip()
    return None


def raw_prometheus_queries(dashboard):
    """(uid, panel title, refId, expr) before substitution."""
    uid = dashboard.get("uid")
    for panel in all_panels(dashboard):
        for target in panel.get("targets", []) or []:
            if _target_type(dashboard, panel, target) != "prometheus":
                continue
            if target.get("hide"):
                continue
            expr = target.get("expr", "")
            if expr.strip():
                yield Query(uid, panel.get("title", ""), target.get("refId", ""), expr)
    for var in variables(dashboard):
        if var.get("type") != "query":
            continue
        if datasource_type(dashboard, var.get("datasource")) != "prometheus":
            continue
        expr = variable_query(var)
        if expr:
            yield Query(uid, f"variable {var['name']}", var["name"], expr)


def prometheus_queries(dashboard, substitutions=None):
    """Every Prometheus query of the dashboard with its template variables
    substituted: Query(uid, panel title, refId, expr)."""
    values = variable_values(dashboard, substitutions)
    for query in raw_prometheus_queries(dashboard):
        yield query._replace(expr=substitute(query.expr, values))


def loki_queries(dashboard):
    """(uid, panel title, refId, expr) of every Loki target, unsubstituted."""
    uid = dashboard.get("uid")
    for panel in all_panels(dashboard):
        for target in panel.get("targets", []) or []:
            if _target_type(dashboard, panel, target) == "loki":
                yield Query(uid, panel.get("title", ""), target.get("refId", ""),
                            target.get("expr", ""))


# --------------------------------------------------------------------------
# A PromQL tokenizer, enough to name metrics and range windows


_TOKEN = re.compile(r"""
    (?P<space>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<var>\$\{[^}]*\}|\$\w+|\[\[\w+(?::[\w-]+)?\]\])
  | (?P<duration>\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*(?!\w))
  | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ident>[a-zA-Z_][a-zA-Z0-9_:]*|:[a-zA-Z_][a-zA-Z0-9_:]*)
  | (?P<op>==|!=|=~|!~|<=|>=|[-+*/%^<>=,(){}\[\]@:])
""", re.X)

Token = collections.namedtuple("Token", "kind text")

LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = LABEL_LIST_KEYWORDS | {"bool", "and", "or", "unless", "offset", "inf", "nan"}
RATE_FUNCTIONS = {"rate", "irate", "increase"}
# Functions a counter may be given to: its rate, or (count) how many series
# there are, which does not look at the value.
COUNTER_FUNCTIONS = RATE_FUNCTIONS | {"resets", "count"}


def tokenize(expr):
    tokens, pos = [], 0
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if not match:
            raise ValueError(f"cannot tokenize PromQL at {pos}: {expr[pos:pos + 20]!r}")
        pos = match.end()
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup, match.group(0)))
    return tokens


def _matching(tokens, start):
    """Index of the bracket closing tokens[start]."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    opening, closing, depth = tokens[start].text, pairs[tokens[start].text], 0
    for index in range(start, len(tokens)):
        if tokens[index].text == opening:
            depth += 1
        elif tokens[index].text == closing:
            depth -= 1
            if depth == 0:
                return index
    raise ValueError(f"unbalanced {opening!r}")


Selector = collections.namedtuple("Selector", "metric matchers position")


def selectors(expr):
    """Every vector selector: Selector(metric name or None, [(label, op,
    value)], token index). Label names in by()/on()/... and inside braces,
    function names and keywords are not metrics."""
    tokens = tokenize(expr)
    found, index = [], 0
    while index < len(tokens):
        token = tokens[index]
        nxt = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind == "ident" and token.text.lower() in LABEL_LIST_KEYWORDS:
            if nxt is not None and nxt.text == "(":
                index = _matching(tokens, index + 1) + 1
            else:
                index += 1
            continue
        if token.kind == "ident" and nxt is not None and (
                nxt.text == "(" or nxt.text.lower() in ("by", "without")):
            index += 1  # a function, or an aggregation (sum by (...) (...))
            continue
        if token.kind == "ident" and token.text.lower() in KEYWORDS:
            index += 1
            continue
        if token.kind == "ident" or token.text == "{":
            metric = token.text if token.kind == "ident" else None
            brace = index + 1 if token.kind == "ident" else index
            matchers = []
            if brace < len(tokens) and tokens[brace].text == "{":
                end = _matching(tokens, brace)
                inner = tokens[brace + 1:end]
                for at in range(0, len(inner) - 2):
                    if inner[at].kind == "ident" and inner[at + 1].kind == "op" and \
                            inner[at + 2].kind == "string":
                        matchers.append((inner[at].text, inner[at + 1].text,
                                         inner[at + 2].text[1:-1]))
                after = end + 1
            else:
                after = index + 1
            if metric is None:
                metric = next((v for l, op, v in matchers if l == "__name__" and op == "="), None)
            found.append(Selector(metric, matchers, index))
            index = after
            continue
        index += 1
    return found


def metric_names(expr):
    return {s.metric for s in selectors(expr) if s.metric}


def function_spans(expr, names):
    """[(function, first token index, last token index, tokens)] for every call
    of one of names; an aggregation's span is its body, also when a by() or
    without() clause comes first (sum by (x) (body))."""
    tokens = tokenize(expr)
    spans = []
    for index, token in enumerate(tokens[:-1]):
        if token.kind != "ident" or token.text not in names:
            continue
        paren = index + 1
        if tokens[paren].kind == "ident" and tokens[paren].text.lower() in ("by", "without") \
                and paren + 1 < len(tokens) and tokens[paren + 1].text == "(":
            paren = _matching(tokens, paren + 1) + 1
        if paren < len(tokens) and tokens[paren].text == "(":
            spans.append((token.text, paren - 1, _matching(tokens, paren), tokens))
    return spans


def rate_windows(expr):
    """[(function, window text)] for every rate()/irate()/increase() call; the
    window of the range selector it is applied to ("$__rate_interval", "7d")."""
    out = []
    for name, start, end, tokens in function_spans(expr, RATE_FUNCTIONS):
        windows = []
        index = start + 2
        while index < end:
            if tokens[index].text == "[":
                close = _matching(tokens, index)
                windows.append("".join(t.text for t in tokens[index + 1:close]))
                index = close + 1
            else:
                index += 1
        out.append((name, windows[0] if windows else ""))
    return out


def metrics_outside(expr, names, functions=COUNTER_FUNCTIONS):
    """Metrics of names selected outside any call of functions (a counter
    shown raw instead of through rate())."""
    spans = [(start, end) for _, start, end, _ in function_spans(expr, functions)]
    return {s.metric for s in selectors(expr)
            if s.metric in names and not any(a < s.position < b for a, b in spans)}


# --------------------------------------------------------------------------
# Queries that may return nothing on a test host

Empty = collections.namedtuple("Empty", "uid panel ref_id needs reason")

# needs: what must exist on the host for the query to return data.
#   containers   a running Docker container watched by tern-container
#   memory-limit a running container started with --memory
#   cpu-limit    a running container started with --cpus (a CFS quota)
#   block-io     a container that read or wrote a block device (not page cache)
#   hwmon        hardware sensors (/sys/class/hwmon); virtual machines have none
#   conntrack    the nf_conntrack module loaded
#   psi          a kernel with pressure stall information (/proc/pressure)
#   loki-push    a push of the shipper that Loki answered (the duration histogram)
# Every rate(), increase() and deriv() also needs two scrapes of its series
# inside the window: wait at least two scrape intervals before asserting.
LEGITIMATELY_EMPTY = [
    Empty("tern-node", "Temperatures", "A", "hwmon",
          "node_hwmon_temp_celsius exists only where the kernel exposes hardware sensors"),
    Empty("tern-node", "Connection tracking", "A", "conntrack",
          "node_nf_conntrack_* exist only while the nf_conntrack module is loaded"),
    Empty("tern-node", "Pressure stall (PSI)", "A", "psi", "no /proc/pressure without PSI"),
    Empty("tern-node", "Pressure stall (PSI)", "B", "psi", "no /proc/pressure without PSI"),
    Empty("tern-node", "Pressure stall (PSI)", "C", "psi", "no /proc/pressure without PSI"),
    Empty("tern-fleet", "Containers by state", "A", "containers",
          "container_state has a series per container; none without containers"),
    Empty("tern-containers", "Containers", "A", "containers", "one row per container"),
    Empty("tern-containers", "Containers", "B", "containers", "one row per container"),
    Empty("tern-containers", "Containers", "C", "containers", "one row per container"),
    Empty("tern-containers", "Containers", "D", "containers", "one row per container"),
    Empty("tern-containers", "Containers", "E", "containers", "one row per container"),
    Empty("tern-containers", "Containers", "F", "containers",
          "container_start_time_seconds exists only for running containers"),
    Empty("tern-containers", "Containers by state", "A", "containers", "no containers"),
    Empty("tern-containers", "Containers by health", "A", "containers", "no containers"),
    Empty("tern-containers", "Restart count", "A", "containers", "no containers"),
    Empty("tern-containers", "OOM kills", "A", "containers",
          "usage series exist only for running containers"),
    Empty("tern-containers", "Memory limit hits", "A", "containers",
          "usage series exist only for running containers"),
    Empty("tern-containers", "CPU usage", "A", "containers",
          "usage series exist only for running containers"),
    Empty("tern-containers", "CPU usage vs limit", "A", "cpu-limit",
          "only containers with a CPU quota (--cpus) have container_spec_cpu_quota > 0"),
    Empty("tern-containers", "CPU throttled", "A", "cpu-limit",
          "the CFS period counters exist only for containers with a CPU quota"),
    Empty("tern-containers", "Memory working set", "A", "containers",
          "usage series exist only for running containers"),
    Empty("tern-containers", "Memory vs limit", "A", "memory-limit",
          "an unlimited container's container_spec_memory_limit_bytes is 0, filtered out"),
    Empty("tern-containers", "Memory RSS and cache", "A", "containers",
          "usage series exist only for running containers"),
    Empty("tern-containers", "Memory RSS and cache", "B", "containers",
          "usage series exist only for running containers"),
    Empty("tern-containers", "Network traffic", "A", "containers",
          "network series exist only for running containers with an interface besides lo"),
    Empty("tern-containers", "Network traffic", "B", "containers",
          "network series exist only for running containers with an interface besides lo"),
    Empty("tern-containers", "Network errors and drops", "A", "containers",
          "network series exist only for running containers with an interface besides lo"),
    Empty("tern-containers", "Network errors and drops", "B", "containers",
          "network series exist only for running containers with an interface besides lo"),
    Empty("tern-containers", "Block I/O", "A", "block-io",
          "container_fs_reads_bytes_total appears once a container's I/O reached a device"),
    Empty("tern-containers", "Block I/O", "B", "block-io",
          "container_fs_writes_bytes_total appears once a container's I/O reached a device"),
    Empty("tern-containers", "Writable layer size", "A", "containers",
          "measured in the background for running containers (overlay2 only)"),
    Empty("tern-containers", "variable name", "name", "containers",
          "container_state has a series per container; none without containers"),
    Empty("tern-logs", "Push retries and latency", "B", "loki-push",
          "promtail_request_duration_seconds is observed once a push got an answer from Loki"),
    Empty("tern-mail", "Deferred messages", "A", "postfix-queue",
          "the queue families exist only while Postfix's showq socket (or postqueue -j) answers"),
    Empty("tern-mail", "Queue by state", "A", "postfix-queue",
          "the queue families exist only while Postfix's showq socket (or postqueue -j) answers"),
    Empty("tern-mail", "IMAP/POP3 sessions", "A", "dovecot",
          "dovecot_sessions exists only while Dovecot's anvil socket answers"),
    Empty("tern-mail", "Sessions by protocol", "A", "dovecot",
          "dovecot_sessions exists only while Dovecot's anvil socket answers"),
    Empty("tern-mail", "Authentication failures", "B", "dovecot",
          "dovecot_auth_failures_total exists only while Dovecot's stats socket answers"),
    Empty("tern-mail", "Dovecot logins", "A", "dovecot",
          "Dovecot's counters exist only while its stats socket answers"),
    Empty("tern-mail", "Dovecot logins", "B", "dovecot",
          "Dovecot's counters exist only while its stats socket answers"),
    Empty("tern-mail", "IMAP commands", "A", "dovecot",
          "dovecot_imap_command_total has a series per command once Dovecot ran one"),
]


def empty_reason(query):
    """The LEGITIMATELY_EMPTY entry for a Query, or None."""
    for entry in LEGITIMATELY_EMPTY:
        if (entry.uid, entry.panel, entry.ref_id) == (query.uid, query.panel, query.ref_id):
            return entry
    return None


def main():
    """Prints every substituted Prometheus query, tab-separated:
    grafana_dashboards.py --source-dir . [name=value ...]"""
    import argparse
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--source-dir", default=".", help="repository root")
    parser.add_argument("values", nargs="*", help="variable=value (a,b for several values)")
    args = parser.parse_args()
    substitutions = {}
    for item in args.values:
        name, _, value = item.partition("=")
        substitutions[name] = value.split(",") if "," in value else value
    for board in load_dashboards(args.source_dir):
        for query in prometheus_queries(board, substitutions):
            empty = empty_reason(query)
            print("\t".join(list(query) + ([f"may be empty ({empty.needs})"] if empty else [])))


if __name__ == "__main__":
    main()
