#!/usr/bin/env python3
"""Writes the bundled Grafana dashboards (grafana/dashboards/<folder>/<name>.json).

The JSON files are generated, never edited by hand: change this file, run

    python3 grafana/build_dashboards.py            # rewrite the JSON files
    python3 grafana/build_dashboards.py --check    # exit 1 if they are stale

and commit both. tests/integration/grafana_dashboards_test.py runs --check.

Every panel goes through one helper that requires a title, a description, a
unit and its queries, and sets the datasource to the dashboard's datasource
variable, so none of them can be forgotten. Metric names are those of our
exporters (docs/exporters/*.md, METRICS sections) and Prometheus' own.

Python 3 standard library only.
"""

import argparse
import difflib
import json
import os
import sys

SCHEMA_VERSION = 39  # Grafana 10.3 and later; 11.x migrates it on load.
ROOT = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(ROOT, "dashboards")

PROM = {"type": "prometheus", "uid": "${datasource}"}
LOKI = {"type": "loki", "uid": "${loki}"}

# Label filters every Prometheus query carries.
JOB_INSTANCE = 'job=~"$job",instance=~"$instance"'
CONTAINER = JOB_INSTANCE + ',name=~"$name"'
# Filesystems that hold data: pseudo and image file systems left out.
FS = 'fstype!~"tmpfs|ramfs|devtmpfs|squashfs|overlay|nsfs|fuse.lxcfs|autofs|iso9660"'
# Host network devices: loopback, container veths and bridges left out, so a
# container's traffic is not counted twice on the fleet view.
NETDEV_FLEET = 'device!~"lo|veth.*|docker.*|br-.*|virbr.*|cni.*|flannel.*"'
NETDEV_NODE = 'device!~"lo|veth.*"'
DISKDEV = 'device!~"loop.*|ram.*|sr.*|fd.*|zram.*"'

# 30 days, in seconds (the SLA window).
SLA_WINDOW_S = 30 * 24 * 3600

GREEN, ORANGE, RED, BLUE = "green", "orange", "red", "blue"


def thresholds(*steps, base=GREEN):
    """thresholds(0.8, ORANGE, 0.9, RED): base colour, then (value, colour) steps."""
    out = [{"color": base, "value": None}]
    for value, color in zip(steps[::2], steps[1::2]):
        out.append({"color": color, "value": value})
    return {"mode": "absolute", "steps": out}


PERCENT_THRESHOLDS = thresholds(0.8, ORANGE, 0.9, RED)
UP_MAPPINGS = [
    {"type": "value", "options": {"0": {"text": "DOWN", "color": RED, "index": 0},
                                  "1": {"text": "UP", "color": GREEN, "index": 1}}},
]


def prom(expr, legend="", ref=None, instant=False, table=False, interval=None):
    """A Prometheus target. ref is filled in by the panel when None."""
    target = {
        "datasource": PROM,
        "editorMode": "code",
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "instant": instant,
        "refId": ref,
    }
    if table:
        target["format"] = "table"
    if interval:
        target["interval"] = interval
    return target


def loki(expr, legend="", ref=None, kind="range"):
    target = {
        "datasource": LOKI,
        "editorMode": "code",
        "expr": expr,
        "queryType": kind,
        "refId": ref,
    }
    if legend:
        target["legendFormat"] = legend
    return target


def override(matcher_id, matcher_value, **properties):
    return {
        "matcher": {"id": matcher_id, "options": matcher_value},
        "properties": [{"id": key.replace("__", "."), "value": value}
                       for key, value in properties.items()],
    }


def negative_y(regex):
    """Series whose name matches regex are drawn below the axis (transmit, write)."""
    return override("byRegexp", regex, custom__transform="negative-Y")


class Dashboard:
    """Collects panels and lays them out left to right, top to bottom, on
    Grafana's 24-column grid."""

    def __init__(self, uid, title, folder, filename, description, tags, variables,
                 time_from="now-6h", refresh="1m"):
        self.uid, self.title, self.folder, self.filename = uid, title, folder, filename
        self.description, self.tags, self.variables = description, tags, variables
        self.time_from, self.refresh = time_from, refresh
        self.panels = []
        self.x = self.y = self.row_height = 0

    def _place(self, w, h):
        if self.x + w > 24:
            self.x = 0
            self.y += self.row_height
            self.row_height = 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_height = max(self.row_height, h)
        return pos

    def _next_id(self):
        return len(self.panels) + 1

    def row(self, title):
        if self.x:
            self.y += self.row_height
        self.x, self.row_height = 0, 0
        self.panels.append({
            "collapsed": False,
            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
            "id": self._next_id(),
            "panels": [],
            "title": title,
            "type": "row",
        })
        self.y += 1

    def panel(self, kind, title, description, unit, targets, w=12, h=8, *,
              options=None, defaults=None, overrides=None, transformations=None,
              time_from=None, interval=None, datasource=PROM):
        """The only way a panel is made: title, description, unit and targets
        are required arguments."""
        if not (title and description and unit and targets):
            raise ValueError(f"panel {title!r}: title, description, unit and targets are required")
        for index, target in enumerate(targets):
            if target["refId"] is None:
                target["refId"] = chr(ord("A") + index)
        field_defaults = {"unit": unit}
        field_defaults.update(defaults or {})
        panel = {
            "datasource": datasource,
            "description": description,
            "fieldConfig": {"defaults": field_defaults, "overrides": overrides or []},
            "gridPos": self._place(w, h),
            "id": self._next_id(),
            "options": options or {},
            "targets": targets,
            "title": title,
            "type": kind,
        }
        if transformations:
            panel["transformations"] = transformations
        if time_from:
            panel["timeFrom"] = time_from
        if interval:
            panel["interval"] = interval
        self.panels.append(panel)
        return panel

    # -- panel kinds -------------------------------------------------------

    def timeseries(self, title, description, unit, targets, w=12, h=8, *, stack=False,
                   min=None, max=None, overrides=None, time_from=None, interval=None,
                   bars=False, legend_calcs=("mean", "max", "lastNotNull"),
                   datasource=PROM, threshold_steps=None):
        custom = {
            "drawStyle": "bars" if bars else "line",
            "fillOpacity": 80 if bars else (25 if stack else 10),
            "lineWidth": 1,
            "showPoints": "never",
            "spanNulls": False,
            "stacking": {"group": "A", "mode": "normal" if stack else "none"},
        }
        defaults = {"custom": custom}
        if min is not None:
            defaults["min"] = min
        if max is not None:
            defaults["max"] = max
        if threshold_steps:
            defaults["thresholds"] = threshold_steps
        options = {
            "legend": {"calcs": list(legend_calcs), "displayMode": "table",
                       "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
        return self.panel("timeseries", title, description, unit, targets, w, h,
                          options=options, defaults=defaults, overrides=overrides,
                          time_from=time_from, interval=interval, datasource=datasource)

    def stat(self, title, description, unit, targets, w=4, h=4, *, steps=None,
             mappings=None, graph=False, color_mode="value", text_mode="auto",
             decimals=None, calc="lastNotNull"):
        defaults = {"thresholds": steps or thresholds(), "color": {"mode": "thresholds"}}
        if mappings:
            defaults["mappings"] = mappings
        if decimals is not None:
            defaults["decimals"] = decimals
        options = {
            "colorMode": color_mode,
            "graphMode": "area" if graph else "none",
            "justifyMode": "auto",
            "orientation": "auto",
            "reduceOptions": {"calcs": [calc], "fields": "", "values": False},
            "textMode": text_mode,
        }
        return self.panel("stat", title, description, unit, targets, w, h,
                          options=options, defaults=defaults)

    def gauge(self, title, description, unit, targets, w=4, h=4, *, steps=PERCENT_THRESHOLDS,
              min=0, max=1):
        defaults = {"thresholds": steps, "color": {"mode": "thresholds"}, "min": min, "max": max}
        options = {
            "orientation": "auto",
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "showThresholdLabels": False,
            "showThresholdMarkers": True,
        }
        return self.panel("gauge", title, description, unit, targets, w, h,
                          options=options, defaults=defaults)

    def bargauge(self, title, description, unit, targets, w=12, h=8, *,
                 steps=PERCENT_THRESHOLDS, min=0, max=1, decimals=None, mappings=None,
                 time_from=None):
        defaults = {"thresholds": steps, "color": {"mode": "thresholds"}, "min": min, "max": max}
        if decimals is not None:
            defaults["decimals"] = decimals
        if mappings:
            defaults["mappings"] = mappings
        options = {
            "displayMode": "gradient",
            "orientation": "horizontal",
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "showUnfilled": True,
            "valueMode": "color",
        }
        return self.panel("bargauge", title, description, unit, targets, w, h,
                          options=options, defaults=defaults, time_from=time_from)

    def table(self, title, description, unit, targets, w=24, h=8, *, columns=None,
              hide=(), overrides=None, sort_by=None):
        """An instant table: one row per label set, the queries merged on their
        common labels. columns maps a field ("Value #<refId>", or a label) to
        (display name, unit, extra field properties)."""
        renames, field_overrides = {}, list(overrides or [])
        for value_field, (display, col_unit, extra) in (columns or {}).items():
            if len(targets) == 1 and value_field == "Value #A":
                value_field = "Value"  # Grafana numbers value fields only with several queries
            renames[value_field] = display
            props = {"unit": col_unit}
            props.update(extra or {})
            field_overrides.append(override("byName", display, **props))
        excluded = {name: True for name in ("Time", "__name__", "job", "id") + tuple(hide)}
        transformations = [
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": excluded, "indexByName": {},
                                           "renameByName": renames}},
        ]
        options = {"cellHeight": "sm", "showHeader": True,
                   "footer": {"show": False, "reducer": ["sum"], "fields": ""}}
        if sort_by:
            options["sortBy"] = [{"displayName": sort_by, "desc": True}]
        defaults = {"custom": {"align": "auto", "cellOptions": {"type": "auto"}},
                    "thresholds": thresholds()}
        return self.panel("table", title, description, unit, targets, w, h,
                          options=options, defaults=defaults, overrides=field_overrides,
                          transformations=transformations)

    def logs(self, title, description, targets, w=24, h=14):
        options = {"dedupStrategy": "none", "enableLogDetails": True, "prettifyLogMessage": False,
                   "showCommonLabels": False, "showLabels": False, "showTime": True,
                   "sortOrder": "Descending", "wrapLogMessage": True}
        # A log panel shows lines, not numbers; "short" keeps every panel's
        # unit set for the linter without changing what is shown.
        return self.panel("logs", title, description, "short", targets, w, h,
                          options=options, datasource=LOKI)

    # -- output ------------------------------------------------------------

    def to_json(self):
        if self.x:
            self.y += self.row_height
        board = {
            "annotations": {"list": [{
                "builtIn": 1,
                "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                "enable": True,
                "hide": True,
                "iconColor": "rgba(0, 211, 255, 1)",
                "name": "Annotations & Alerts",
                "type": "dashboard",
            }]},
            "description": self.description,
            "editable": True,
            "fiscalYearStartMonth": 0,
            "graphTooltip": 1,
            "id": None,
            "links": [{
                "asDropdown": True,
                "icon": "external link",
                "includeVars": True,
                "keepTime": True,
                "tags": ["tern"],
                "targetBlank": False,
                "title": "tern dashboards",
                "type": "dashboards",
            }],
            "panels": self.panels,
            "refresh": self.refresh,
            "schemaVersion": SCHEMA_VERSION,
            "tags": self.tags,
            "templating": {"list": self.variables},
            "time": {"from": self.time_from, "to": "now"},
            "timepicker": {},
            "timezone": "browser",
            "title": self.title,
            "uid": self.uid,
            "version": 1,
            "weekStart": "",
        }
        return json.dumps(board, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------
# Template variables


def datasource_var(name="datasource", kind="prometheus", label="Prometheus", uid="prometheus"):
    return {
        "current": {"selected": False, "text": label, "value": uid},
        "hide": 0,
        "includeAll": False,
        "label": label,
        "multi": False,
        "name": name,
        "options": [],
        "query": kind,
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
        "type": "datasource",
    }


def prom_var(name, label, query, multi=True, include_all=True, all_value=".*",
             description=""):
    """A Prometheus label_values() variable, refreshed on time range change."""
    var = {
        "current": {},
        "datasource": PROM,
        "definition": query,
        "description": description,
        "hide": 0,
        "includeAll": include_all,
        "label": label,
        "multi": multi,
        "name": name,
        "options": [],
        "query": {"qryType": 1, "query": query,
                  "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    }
    if include_all:
        var["allValue"] = all_value
        var["current"] = {"selected": True, "text": ["All"], "value": ["$__all"]}
    return var


def loki_var(name, label, label_name, stream="", description=""):
    """A Loki label-values variable. Its All value is ".+" because Loki
    rejects a selector whose every matcher also matches the empty string."""
    return {
        "allValue": ".+",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "datasource": LOKI,
        "definition": f"label_values({stream + ', ' if stream else ''}{label_name})",
        "description": description,
        "hide": 0,
        "includeAll": True,
        "label": label,
        "multi": True,
        "name": name,
        "options": [],
        "query": {"label": label_name, "refId": "LokiVariableQueryEditor-VariableQuery",
                  "stream": stream, "type": 1},
        "refresh": 2,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
        "type": "query",
    }


def custom_var(name, label, values, default, description=""):
    return {
        "current": {"selected": True, "text": default, "value": default},
        "description": description,
        "hide": 0,
        "includeAll": False,
        "label": label,
        "multi": False,
        "name": name,
        "options": [{"selected": v == default, "text": v, "value": v} for v in values],
        "query": ",".join(values),
        "skipUrlSync": False,
        "type": "custom",
    }


def textbox_var(name, label, description=""):
    return {
        "current": {"selected": False, "text": "", "value": ""},
        "description": description,
        "hide": 0,
        "label": label,
        "name": name,
        "options": [{"selected": True, "text": "", "value": ""}],
        "query": "",
        "skipUrlSync": False,
        "type": "textbox",
    }


def job_instance_vars(metric, instance_multi=True):
    """job and instance, both from a metric only the dashboard's exporter
    emits, so the lists offer only servers that have data here."""
    return [
        prom_var("job", "Job", f"label_values({metric}, job)",
                 description=f"Prometheus job of the targets that emit {metric}."),
        prom_var("instance", "Server", f'label_values({metric}{{job=~"$job"}}, instance)',
                 multi=instance_multi, include_all=instance_multi,
                 description="The server's name (the instance label set by prometheus.yml)."),
    ]


# --------------------------------------------------------------------------
# Shared expressions

def cpu_busy(by="instance"):
    return (f'1 - avg by ({by}) (rate(node_cpu_seconds_total{{{JOB_INSTANCE},mode="idle"}}'
            f'[$__rate_interval]))')


def mem_used(by="instance"):
    return (f'1 - sum by ({by}) (node_memory_MemAvailable_bytes{{{JOB_INSTANCE}}})'
            f' / sum by ({by}) (node_memory_MemTotal_bytes{{{JOB_INSTANCE}}})')


def fullest_fs(by="instance"):
    return (f'max by ({by}) (1 - node_filesystem_avail_bytes{{{JOB_INSTANCE},{FS}}}'
            f' / node_filesystem_size_bytes{{{JOB_INSTANCE},{FS}}})')


def net_bits(direction, by="instance"):
    return (f'sum by ({by}) (rate(node_network_{direction}_bytes_total'
            f'{{{JOB_INSTANCE},{NETDEV_FLEET}}}[$__rate_interval])) * 8')


def load_per_core(by="instance", which="node_load5"):
    return (f'max by ({by}) ({which}{{{JOB_INSTANCE}}})'
            f' / count by ({by}) (node_cpu_seconds_total{{{JOB_INSTANCE},mode="idle"}})')


# --------------------------------------------------------------------------
# Fleet overview


def fleet():
    d = Dashboard(
        "tern-fleet", "Fleet overview", "Fleet", "fleet.json",
        "Every server at a glance: targets up, resources, critical services, firing alerts "
        "and 24-hour trends.",
        ["tern", "fleet"],
        [datasource_var()] + [
            prom_var("job", "Job", "label_values(up, job)",
                     description="Prometheus jobs (node, container, shipper, prometheus, ...)."),
            prom_var("instance", "Server", 'label_values(up{job=~"$job"}, instance)',
                     description="The server's name (the instance label set by prometheus.yml)."),
        ])

    d.row("Status now")
    d.stat("Targets up", "Scrape targets (one per exporter per server) that answered their last "
           "scrape: the sum of `up`.", "none",
           [prom(f'sum(up{{{JOB_INSTANCE}}})')], steps=thresholds(base=GREEN))
    d.stat("Targets down", "Scrape targets whose last scrape failed (`up == 0`): the server or the "
           "exporter is down or unreachable. ServerDown/ExporterDown alert on these.", "none",
           [prom(f'count(up{{{JOB_INSTANCE}}} == 0) or vector(0)')],
           steps=thresholds(1, RED), color_mode="background")
    d.stat("Firing alerts", "Alerts firing now (ALERTS), Watchdog left out since it always fires. "
           "Alerts without an instance label (stack-wide ones) count in every selection.", "none",
           [prom('count(ALERTS{alertstate="firing",alertname!="Watchdog",instance=~"$instance|"})'
                 ' or vector(0)')],
           steps=thresholds(1, ORANGE), color_mode="background")
    d.stat("Critical alerts", "Alerts of severity critical or emergency firing now (ALERTS).",
           "none",
           [prom('count(ALERTS{alertstate="firing",severity=~"critical|emergency",'
                 'instance=~"$instance|"}) or vector(0)')],
           steps=thresholds(1, RED), color_mode="background")
    d.stat("Containers not running", "Docker containers known to tern-container whose state is "
           "not `running` (exited, restarting, paused, created, dead).", "none",
           [prom(f'count(container_state{{{JOB_INSTANCE},state!="running"}} == 1) or vector(0)')],
           steps=thresholds(1, ORANGE), color_mode="background")
    d.stat("Unhealthy containers", "Containers whose Docker healthcheck reports `unhealthy`.",
           "none",
           [prom(f'count(container_health_status{{{JOB_INSTANCE},status="unhealthy"}} == 1)'
                 ' or vector(0)')],
           steps=thresholds(1, RED), color_mode="background")

    d.table(
        "Servers", "One row per server: all its targets up (1) or not (0), CPU busy, memory used, "
        "fullest data filesystem, 5-minute load per core, uptime and alerts firing for it. Rates "
        "use $__rate_interval.", "none",
        [prom(f'min by (instance, server_role) (up{{{JOB_INSTANCE}}})', instant=True, table=True),
         prom(cpu_busy(), instant=True, table=True),
         prom(mem_used(), instant=True, table=True),
         prom(fullest_fs(), instant=True, table=True),
         prom(load_per_core(), instant=True, table=True),
         prom(f'max by (instance) (node_time_seconds{{{JOB_INSTANCE}}}'
              f' - node_boot_time_seconds{{{JOB_INSTANCE}}})', instant=True, table=True),
         prom('count by (instance) (ALERTS{alertstate="firing",alertname!="Watchdog",'
              'instance=~"$instance"})'
              f' or max by (instance) (up{{{JOB_INSTANCE}}}) * 0', instant=True, table=True)],
        h=9,
        columns={
            "server_role": ("Role", "none", None),
            "Value #A": ("Up", "none", {"mappings": UP_MAPPINGS,
                                        "custom.cellOptions": {"type": "color-text"}}),
            "Value #B": ("CPU busy", "percentunit", {"thresholds": PERCENT_THRESHOLDS,
                                                     "custom.cellOptions": {"type": "color-text"}}),
            "Value #C": ("Memory used", "percentunit",
                         {"thresholds": PERCENT_THRESHOLDS,
                          "custom.cellOptions": {"type": "color-text"}}),
            "Value #D": ("Fullest filesystem", "percentunit",
                         {"thresholds": PERCENT_THRESHOLDS,
                          "custom.cellOptions": {"type": "color-text"}}),
            "Value #E": ("Load per core", "none", {"decimals": 2}),
            "Value #F": ("Uptime", "s", None),
            "Value #G": ("Alerts firing", "none",
                         {"thresholds": thresholds(1, ORANGE),
                          "custom.cellOptions": {"type": "color-text"}}),
        })

    d.row("Resources")
    d.timeseries("CPU busy", "Share of CPU time not idle, averaged over all cores of each server.",
                 "percentunit", [prom(cpu_busy(), "{{instance}}")], w=8, min=0, max=1)
    d.timeseries("Memory used", "1 - MemAvailable / MemTotal per server: memory the kernel cannot "
                 "hand out without swapping.", "percentunit",
                 [prom(mem_used(), "{{instance}}")], w=8, min=0, max=1)
    d.timeseries("Fullest filesystem", "Used share of each server's fullest data filesystem "
                 "(tmpfs, overlay and other pseudo file systems left out).", "percentunit",
                 [prom(fullest_fs(), "{{instance}}")], w=8, min=0, max=1)
    d.timeseries("Network traffic", "Bits per second received (up) and transmitted (down) on "
                 "each server's physical interfaces (loopback, container veths and bridges left "
                 "out).", "bps",
                 [prom(net_bits("receive"), "{{instance}} receive"),
                  prom(net_bits("transmit"), "{{instance}} transmit")],
                 overrides=[negative_y(".* transmit")])
    d.timeseries("Load per core", "5-minute load average divided by the number of CPUs. Above 1 "
                 "means runnable tasks wait; HighLoadAverage fires above 2.", "none",
                 [prom(load_per_core(), "{{instance}}")], min=0)

    d.row("Critical services")
    d.stat("Exporters and stack", "Every scrape target by server and job: UP or DOWN at the last "
           "scrape. Covers our exporters (node, container, shipper) and the stack (Prometheus, "
           "Alertmanager, Loki, Grafana).", "none",
           [prom(f'up{{{JOB_INSTANCE}}}', "{{instance}} {{job}}")], w=24, h=5,
           mappings=UP_MAPPINGS, steps=thresholds(1, GREEN, base=RED), color_mode="background",
           text_mode="value_and_name")
    d.table("Alerts firing now", "Alerts firing now by name, severity, category and server, from "
            "Prometheus' ALERTS series. Alerts without an instance label (stack-wide ones) show "
            "whatever servers are selected. Watchdog is listed on purpose: it always fires, so "
            "its presence shows the rule pipeline works.", "none",
            [prom('sum by (alertname, severity, category, instance) '
                  '(ALERTS{alertstate="firing",instance=~"$instance|"})', instant=True, table=True)],
            w=12, h=8, columns={"Value #A": ("Series", "none", None)})
    d.timeseries("Containers by state", "Number of Docker containers in each state per server "
                 "(tern-container's container_state).", "none",
                 [prom(f'count by (instance, state) (container_state{{{JOB_INSTANCE}}} == 1)',
                       "{{instance}} {{state}}")], min=0)
    d.timeseries("Log lines shipped", "Log lines per second tern-shipper had accepted by Loki, "
                 "per server.", "cps",
                 [prom(f'sum by (instance) (rate(promtail_sent_entries_total{{{JOB_INSTANCE}}}'
                       '[$__rate_interval]))', "{{instance}}")], min=0)
    d.timeseries("Alert notifications failed", "Notifications Alertmanager could not deliver, per "
                 "second by integration (email, webhook, slack, ...). "
                 "AlertmanagerNotificationsFailing alerts on this.", "ops",
                 [prom(f'sum by (instance, integration) (rate(alertmanager_notifications_failed_total'
                       f'{{{JOB_INSTANCE}}}[$__rate_interval]))', "{{instance}} {{integration}}")],
                 min=0)

    d.row("24-hour trends")
    d.timeseries("CPU busy, 24 hours", "CPU busy per server over the last 24 hours, whatever the "
                 "dashboard's time range (panel time override).", "percentunit",
                 [prom(cpu_busy(), "{{instance}}")], w=8, min=0, max=1, time_from="24h")
    d.timeseries("Memory used, 24 hours", "Memory used per server over the last 24 hours.",
                 "percentunit", [prom(mem_used(), "{{instance}}")], w=8, min=0, max=1,
                 time_from="24h")
    d.timeseries("Fullest filesystem, 24 hours", "Fullest data filesystem per server over the "
                 "last 24 hours.", "percentunit", [prom(fullest_fs(), "{{instance}}")], w=8,
                 min=0, max=1, time_from="24h")
    d.timeseries("Network traffic, 24 hours", "Received (up) and transmitted (down) bits per "
                 "second per server over the last 24 hours.", "bps",
                 [prom(net_bits("receive"), "{{instance}} receive"),
                  prom(net_bits("transmit"), "{{instance}} transmit")],
                 overrides=[negative_y(".* transmit")], time_from="24h")
    d.bargauge("Availability, 24 hours", "Share of scrapes that succeeded in the last 24 hours "
               "per target: avg_over_time(up[24h]), a deliberate fixed 24-hour window.",
               "percentunit", [prom(f'avg by (instance, job) (avg_over_time(up{{{JOB_INSTANCE}}}'
                                    '[24h]))', "{{instance}} {{job}}", instant=True)],
               steps=thresholds(0.99, ORANGE, 0.999, GREEN, base=RED), min=0.9, max=1, decimals=3)
    return d


# --------------------------------------------------------------------------
# SLA and capacity


def sla():
    window = "[30d]"
    avail = f'avg by (instance, job) (avg_over_time(up{{{JOB_INSTANCE}}}{window}))'
    fs_avail = f'node_filesystem_avail_bytes{{{JOB_INSTANCE},{FS}}}'
    d = Dashboard(
        "tern-sla", "SLA and capacity", "Fleet", "sla.json",
        "30-day availability of every target against the SLO (99.9 % by default), the error "
        "budget left, and when disks, CPU and memory run out. Needs Prometheus retention of at "
        "least 30 days; with less, the figures cover the data there is.",
        ["tern", "sla", "capacity"],
        [datasource_var()] + [
            prom_var("job", "Job", "label_values(up, job)",
                     description="Prometheus jobs (node, container, shipper, prometheus, ...)."),
            prom_var("instance", "Server", 'label_values(up{job=~"$job"}, instance)',
                     description="The server's name (the instance label set by prometheus.yml)."),
            custom_var("slo", "SLO target", ["0.99", "0.995", "0.999", "0.9995", "0.9999"], "0.999",
                       description="Availability objective over 30 days (0.999 = 99.9 %)."),
        ], time_from="now-30d", refresh="5m")

    d.row("Availability, last 30 days")
    d.stat("Fleet availability", "Mean of every selected target's availability over 30 days: "
           "avg_over_time(up[30d]), a deliberate 30-day window (the SLA period). Green at or "
           "above 99.9 %.", "percentunit",
           [prom(f'avg(avg_over_time(up{{{JOB_INSTANCE}}}{window}))', instant=True)],
           w=6, steps=thresholds(0.99, ORANGE, 0.999, GREEN, base=RED), decimals=3)
    d.stat("Targets below SLO", "Targets whose 30-day availability (avg_over_time(up[30d]), "
           "a deliberate 30-day window) is below the selected SLO.", "none",
           [prom(f'count({avail} < $slo) or vector(0)', instant=True)],
           w=6, steps=thresholds(1, RED), color_mode="background")
    d.stat("Allowed downtime per 30 days", "What the selected SLO allows: (1 - SLO) x 30 days. "
           "43 minutes 12 seconds at 99.9 %.", "s",
           [prom(f'vector((1 - $slo) * {SLA_WINDOW_S})', instant=True)], w=6,
           steps=thresholds(base=BLUE))
    d.stat("Worst error budget left", "Error budget left of the worst selected target: "
           "1 - (1 - availability over 30 days) / (1 - SLO). Below 0 the SLO is missed. "
           "Deliberate 30-day window.", "percentunit",
           [prom(f'min(1 - (1 - {avail}) / (1 - $slo))', instant=True)], w=6,
           steps=thresholds(0, ORANGE, 0.25, GREEN, base=RED))

    d.bargauge("Availability per target", "Share of successful scrapes of each target over "
               "the last 30 days: avg_over_time(up[30d]), a deliberate 30-day window. Red below "
               "99 %, orange below 99.9 %.", "percentunit",
               [prom(avail, "{{instance}} {{job}}", instant=True)], h=10,
               steps=thresholds(0.99, ORANGE, 0.999, GREEN, base=RED), min=0.99, max=1,
               decimals=3)
    d.bargauge("Error budget left per target", "1 - (1 - availability over 30 days) / "
               "(1 - SLO) per target. 100 % means no downtime, 0 % the budget is spent, below "
               "0 the SLO is missed. Deliberate 30-day window.", "percentunit",
               [prom(f'1 - (1 - {avail}) / (1 - $slo)', "{{instance}} {{job}}", instant=True)],
               h=10, steps=thresholds(0, ORANGE, 0.25, GREEN, base=RED), min=-1, max=1)
    d.table("Downtime per target", "Time each target was not scraped successfully in the last "
            "30 days, (1 - avg_over_time(up[30d])) x 30 days, beside its availability and error "
            "budget left. Deliberate 30-day window.", "s",
            [prom(f'(1 - {avail}) * {SLA_WINDOW_S}', instant=True, table=True),
             prom(avail, instant=True, table=True),
             prom(f'1 - (1 - {avail}) / (1 - $slo)', instant=True, table=True)],
            hide=(), columns={
                "Value #A": ("Downtime", "s", None),
                "Value #B": ("Availability", "percentunit", {"decimals": 3}),
                "Value #C": ("Error budget left", "percentunit",
                             {"thresholds": thresholds(0, ORANGE, 0.25, GREEN, base=RED),
                              "custom.cellOptions": {"type": "color-text"}}),
            }, sort_by="Downtime")
    d.timeseries("Daily availability", "Availability per target and day over the last 30 days: "
                 "avg_over_time(up[1d]) at a one-day step, a deliberate one-day window.",
                 "percentunit", [prom(f'avg by (instance, job) (avg_over_time(up{{{JOB_INSTANCE}}}'
                                      '[1d]))', "{{instance}} {{job}}", interval="1d")],
                 w=24, max=1, time_from="30d", interval="1d",
                 threshold_steps=thresholds(0.999, GREEN, base=RED))

    d.row("Capacity")
    d.table("Disks: time until full", "Free space divided by how fast it shrank over the last "
            "6 hours (deriv over a deliberate 6-hour window, so a one-off copy does not dominate). "
            "Capped at 10 years, shown as 'not filling' when free space is stable or growing. "
            "DiskWillFillIn4Hours alerts on the short-term trend.", "s",
            [prom(f'clamp_max({fs_avail} / clamp_min(-deriv({fs_avail}[6h]), 0.001), 315360000)',
                  instant=True, table=True),
             prom(f'1 - {fs_avail} / node_filesystem_size_bytes{{{JOB_INSTANCE},{FS}}}',
                  instant=True, table=True),
             prom(fs_avail, instant=True, table=True)],
            hide=("device", "server_role"), h=9,
            columns={
                "Value #A": ("Time until full", "s",
                             {"mappings": [{"type": "range", "options": {
                                 "from": 315360000, "to": None,
                                 "result": {"text": "not filling", "color": GREEN, "index": 0}}}],
                              "thresholds": thresholds(604800, ORANGE, 2592000, GREEN, base=RED),
                              "custom.cellOptions": {"type": "color-text"}}),
                "Value #B": ("Used", "percentunit",
                             {"thresholds": PERCENT_THRESHOLDS,
                              "custom.cellOptions": {"type": "color-text"}}),
                "Value #C": ("Free", "bytes", None),
            })
    d.timeseries("Free space in 7 days (forecast)", "predict_linear of each filesystem's free "
                 "space over the last 6 hours (a deliberate window), 7 days ahead. Below zero: "
                 "the filesystem fills within a week at the current rate.", "bytes",
                 [prom(f'predict_linear({fs_avail}[6h], 7 * 86400)', "{{instance}} {{mountpoint}}")],
                 threshold_steps=thresholds(0, GREEN, base=RED))
    d.timeseries("Filesystems used", "Used share of every data filesystem.", "percentunit",
                 [prom(f'1 - {fs_avail} / node_filesystem_size_bytes{{{JOB_INSTANCE},{FS}}}',
                       "{{instance}} {{mountpoint}}")], min=0, max=1)
    d.bargauge("CPU busy, 7-day average", "Average CPU busy share per server over 7 days: "
               "rate over a deliberate 7-day window (a capacity figure, not a live one).",
               "percentunit",
               [prom(f'1 - avg by (instance) (rate(node_cpu_seconds_total{{{JOB_INSTANCE},'
                     'mode="idle"}[7d]))', "{{instance}}", instant=True)])
    d.bargauge("Memory used, 7-day peak", "Highest memory used share per server in 7 days: "
               "1 - the lowest MemAvailable over a deliberate 7-day window / MemTotal.",
               "percentunit",
               [prom(f'1 - min by (instance) (min_over_time(node_memory_MemAvailable_bytes'
                     f'{{{JOB_INSTANCE}}}[7d])) / max by (instance) '
                     f'(node_memory_MemTotal_bytes{{{JOB_INSTANCE}}})', "{{instance}}",
                     instant=True)])
    return d


# --------------------------------------------------------------------------
# Node detail


def node():
    sel = JOB_INSTANCE
    d = Dashboard(
        "tern-node", "Node detail", "Hosts", "node.json",
        "One server in detail from tern-node (node_exporter's metric names): CPU, memory, "
        "disks, network and system.",
        ["tern", "node"],
        [datasource_var()] + job_instance_vars("node_uname_info", instance_multi=False))

    d.row("Overview")
    d.stat("Uptime", "Time since the server booted (node_time_seconds - node_boot_time_seconds).",
           "s", [prom(f'node_time_seconds{{{sel}}} - node_boot_time_seconds{{{sel}}}')], w=3,
           steps=thresholds(base=BLUE))
    d.stat("CPUs", "Number of logical CPUs (one idle series per CPU).", "none",
           [prom(f'count(node_cpu_seconds_total{{{sel},mode="idle"}})')], w=3,
           steps=thresholds(base=BLUE))
    d.stat("Memory total", "Total memory (MemTotal).", "bytes",
           [prom(f'node_memory_MemTotal_bytes{{{sel}}}')], w=3, steps=thresholds(base=BLUE))
    d.stat("Kernel", "Kernel release (uname -r) and OS from os-release.", "none",
           [prom(f'node_uname_info{{{sel}}}', "{{release}}"),
            prom(f'node_os_info{{{sel}}}', "{{pretty_name}}")], w=3, text_mode="name",
           steps=thresholds(base=BLUE))
    d.gauge("CPU busy", "Share of CPU time not idle, all cores.", "percentunit",
            [prom(cpu_busy())], w=3)
    d.gauge("Memory used", "1 - MemAvailable / MemTotal.", "percentunit", [prom(mem_used())], w=3)
    d.gauge("Swap used", "Used share of swap; 0 when the server has no swap.", "percentunit",
            [prom(f'(node_memory_SwapTotal_bytes{{{sel}}} - node_memory_SwapFree_bytes{{{sel}}})'
                  f' / clamp_min(node_memory_SwapTotal_bytes{{{sel}}}, 1)')], w=3)
    d.gauge("Root filesystem used", "Used share of the filesystem mounted at /.", "percentunit",
            [prom(f'1 - node_filesystem_avail_bytes{{{sel},mountpoint="/"}}'
                  f' / node_filesystem_size_bytes{{{sel},mountpoint="/"}}')], w=3)

    d.row("CPU")
    d.timeseries("CPU usage by mode", "Share of all CPUs' time per mode (user, system, iowait, "
                 "steal, ...), idle left out, stacked.", "percentunit",
                 [prom(f'sum by (mode) (rate(node_cpu_seconds_total{{{sel},mode!="idle"}}'
                       '[$__rate_interval])) / scalar(count(node_cpu_seconds_total'
                       f'{{{sel},mode="idle"}}))', "{{mode}}")],
                 stack=True, min=0, max=1)
    d.timeseries("Load average", "1, 5 and 15-minute load averages beside the number of CPUs.",
                 "none",
                 [prom(f'node_load1{{{sel}}}', "1m"), prom(f'node_load5{{{sel}}}', "5m"),
                  prom(f'node_load15{{{sel}}}', "15m"),
                  prom(f'count(node_cpu_seconds_total{{{sel},mode="idle"}})', "CPUs")], min=0)
    d.timeseries("Pressure stall (PSI)", "Share of time tasks waited for CPU, memory or I/O "
                 "(/proc/pressure, kernels 4.20+ with PSI on).", "percentunit",
                 [prom(f'rate(node_pressure_cpu_waiting_seconds_total{{{sel}}}[$__rate_interval])',
                       "cpu waiting"),
                  prom(f'rate(node_pressure_memory_waiting_seconds_total{{{sel}}}'
                       '[$__rate_interval])', "memory waiting"),
                  prom(f'rate(node_pressure_io_waiting_seconds_total{{{sel}}}[$__rate_interval])',
                       "io waiting")], min=0)
    d.timeseries("Context switches and interrupts", "Context switches, interrupts and forks "
                 "per second.", "ops",
                 [prom(f'rate(node_context_switches_total{{{sel}}}[$__rate_interval])',
                       "context switches"),
                  prom(f'rate(node_intr_total{{{sel}}}[$__rate_interval])', "interrupts"),
                  prom(f'rate(node_forks_total{{{sel}}}[$__rate_interval])', "forks")], min=0)

    d.row("Memory")
    d.timeseries("Memory", "Used (MemTotal - MemAvailable), buffers and page cache, and free "
                 "memory, stacked; total as a line.", "bytes",
                 [prom(f'node_memory_MemTotal_bytes{{{sel}}} - node_memory_MemAvailable_bytes{{{sel}}}',
                       "used"),
                  prom(f'node_memory_Buffers_bytes{{{sel}}} + node_memory_Cached_bytes{{{sel}}}',
                       "buffers and cache"),
                  prom(f'node_memory_MemFree_bytes{{{sel}}}', "free"),
                  prom(f'node_memory_MemTotal_bytes{{{sel}}}', "total")],
                 stack=True, min=0,
                 overrides=[override("byName", "total", custom__stacking={"group": "B",
                                                                           "mode": "none"},
                                     custom__fillOpacity=0)])
    d.timeseries("Swap", "Swap used and total.", "bytes",
                 [prom(f'node_memory_SwapTotal_bytes{{{sel}}} - node_memory_SwapFree_bytes{{{sel}}}',
                       "used"),
                  prom(f'node_memory_SwapTotal_bytes{{{sel}}}', "total")], min=0)
    d.timeseries("Swapping and major page faults", "Pages swapped in and out and major page "
                 "faults (reads from disk) per second.", "ops",
                 [prom(f'rate(node_vmstat_pswpin{{{sel}}}[$__rate_interval])', "swap in"),
                  prom(f'rate(node_vmstat_pswpout{{{sel}}}[$__rate_interval])', "swap out"),
                  prom(f'rate(node_vmstat_pgmajfault{{{sel}}}[$__rate_interval])',
                       "major faults")], min=0)
    d.timeseries("OOM kills", "Processes the kernel's OOM killer killed, per interval.", "none",
                 [prom(f'increase(node_vmstat_oom_kill{{{sel}}}[$__rate_interval])', "OOM kills")],
                 min=0, bars=True)

    d.row("Disks")
    d.bargauge("Filesystems used", "Used share of each data filesystem (pseudo file systems "
               "left out). HighDiskUsage warns under 20 % free.", "percentunit",
               [prom(f'1 - node_filesystem_avail_bytes{{{sel},{FS}}}'
                     f' / node_filesystem_size_bytes{{{sel},{FS}}}', "{{mountpoint}}")])
    d.bargauge("Inodes used", "Used share of each data filesystem's inodes.", "percentunit",
               [prom(f'1 - node_filesystem_files_free{{{sel},{FS}}}'
                     f' / node_filesystem_files{{{sel},{FS}}}', "{{mountpoint}}")])
    d.timeseries("Filesystem space available", "Bytes available to non-root users per "
                 "filesystem.", "bytes",
                 [prom(f'node_filesystem_avail_bytes{{{sel},{FS}}}', "{{mountpoint}}")], min=0)
    d.stat("Read-only filesystems", "Data filesystems mounted read-only "
           "(node_filesystem_readonly): a kernel remount after errors shows here.", "none",
           [prom(f'sum(node_filesystem_readonly{{{sel},{FS}}})')], w=6,
           steps=thresholds(1, RED), color_mode="background")
    d.stat("Filesystem errors", "Filesystems whose statistics could not be read "
           "(node_filesystem_device_error).", "none",
           [prom(f'sum(node_filesystem_device_error{{{sel},{FS}}})')], w=6,
           steps=thresholds(1, RED), color_mode="background")
    d.timeseries("Disk throughput", "Bytes read (up) and written (down) per second per disk.",
                 "Bps",
                 [prom(f'rate(node_disk_read_bytes_total{{{sel},{DISKDEV}}}[$__rate_interval])',
                       "{{device}} read"),
                  prom(f'rate(node_disk_written_bytes_total{{{sel},{DISKDEV}}}[$__rate_interval])',
                       "{{device}} write")], overrides=[negative_y(".* write")])
    d.timeseries("Disk IOPS", "Reads (up) and writes (down) completed per second per disk.",
                 "iops",
                 [prom(f'rate(node_disk_reads_completed_total{{{sel},{DISKDEV}}}'
                       '[$__rate_interval])', "{{device}} read"),
                  prom(f'rate(node_disk_writes_completed_total{{{sel},{DISKDEV}}}'
                       '[$__rate_interval])', "{{device}} write")],
                 overrides=[negative_y(".* write")])
    d.timeseries("Disk busy", "Share of time each disk had I/O in flight (io_time).",
                 "percentunit",
                 [prom(f'rate(node_disk_io_time_seconds_total{{{sel},{DISKDEV}}}[$__rate_interval])',
                       "{{device}}")], min=0, max=1)
    d.timeseries("I/O wait", "Share of CPU time spent waiting for I/O (iowait), all cores.",
                 "percentunit",
                 [prom(f'avg(rate(node_cpu_seconds_total{{{sel},mode="iowait"}}[$__rate_interval]))',
                       "iowait")], min=0)

    d.row("Network")
    d.timeseries("Network traffic", "Bits per second received (up) and transmitted (down) per "
                 "interface (loopback and container veths left out).", "bps",
                 [prom(f'rate(node_network_receive_bytes_total{{{sel},{NETDEV_NODE}}}'
                       '[$__rate_interval]) * 8', "{{device}} receive"),
                  prom(f'rate(node_network_transmit_bytes_total{{{sel},{NETDEV_NODE}}}'
                       '[$__rate_interval]) * 8', "{{device}} transmit")],
                 overrides=[negative_y(".* transmit")])
    d.timeseries("Packets", "Packets per second received (up) and transmitted (down) per "
                 "interface.", "pps",
                 [prom(f'rate(node_network_receive_packets_total{{{sel},{NETDEV_NODE}}}'
                       '[$__rate_interval])', "{{device}} receive"),
                  prom(f'rate(node_network_transmit_packets_total{{{sel},{NETDEV_NODE}}}'
                       '[$__rate_interval])', "{{device}} transmit")],
                 overrides=[negative_y(".* transmit")])
    d.timeseries("Errors and drops", "Receive and transmit errors and dropped packets per second "
                 "per interface. HighNetworkErrors and HighNetworkDrops alert above 10/s.", "pps",
                 [prom(f'rate(node_network_receive_errs_total{{{sel},{NETDEV_NODE}}}'
                       '[$__rate_interval])', "{{device}} receive errors"),
                  prom(f'rate(node_network_transmit_errs_total{{{sel},{NETDEV_NODE}}}'
                       '[$__rate_interval])', "{{device}} transmit errors"),
                  prom(f'rate(node_network_receive_drop_total{{{sel},{NETDEV_NODE}}}'
                       '[$__rate_interval])', "{{device}} receive drops"),
                  prom(f'rate(node_network_transmit_drop_total{{{sel},{NETDEV_NODE}}}'
                       '[$__rate_interval])', "{{device}} transmit drops")], min=0)
    d.timeseries("TCP", "Established TCP connections and sockets in TIME_WAIT, with the "
                 "retransmitted share of sent segments on the right axis.", "none",
                 [prom(f'node_netstat_Tcp_CurrEstab{{{sel}}}', "established"),
                  prom(f'node_sockstat_TCP_tw{{{sel}}}', "time wait"),
                  prom(f'rate(node_netstat_Tcp_RetransSegs{{{sel}}}[$__rate_interval])'
                       f' / clamp_min(rate(node_netstat_Tcp_OutSegs{{{sel}}}[$__rate_interval]), 1)',
                       "retransmitted share")], min=0,
                 overrides=[override("byName", "retransmitted share", unit="percentunit",
                                     custom__axisPlacement="right")])
    d.timeseries("Connection tracking", "Used share of the netfilter conntrack table; a full "
                 "table drops new connections.", "percentunit",
                 [prom(f'node_nf_conntrack_entries{{{sel}}}'
                       f' / node_nf_conntrack_entries_limit{{{sel}}}', "conntrack")], min=0, max=1)

    d.row("System")
    d.timeseries("File descriptors", "Allocated file handles as a share of the kernel maximum "
                 "(fs.file-max). TooManyOpenFiles fires above 80 %.", "percentunit",
                 [prom(f'node_filefd_allocated{{{sel}}} / node_filefd_maximum{{{sel}}}',
                       "allocated")], w=8, min=0)
    d.timeseries("Processes", "Processes runnable and blocked on I/O.", "none",
                 [prom(f'node_procs_running{{{sel}}}', "running"),
                  prom(f'node_procs_blocked{{{sel}}}', "blocked")], w=8, min=0)
    d.timeseries("Clock", "Offset from the reference clock (NTP) and whether the kernel "
                 "considers the clock synchronised (right axis, 1 = yes). ClockSkew fires above "
                 "0.05 s.", "s",
                 [prom(f'node_timex_offset_seconds{{{sel}}}', "offset"),
                  prom(f'node_timex_sync_status{{{sel}}}', "synchronised")], w=8,
                 overrides=[override("byName", "synchronised", unit="none",
                                     custom__axisPlacement="right")])
    d.timeseries("Temperatures", "Hardware sensor temperatures (hwmon), hottest per chip. "
                 "Virtual machines usually have no sensors.", "celsius",
                 [prom(f'max by (chip) (node_hwmon_temp_celsius{{{sel}}})', "{{chip}}")])
    d.table("Collectors", "Whether each tern-node collector succeeded in the last scrape "
            "(1) and how long it took. A failed collector logs why.", "s",
            [prom(f'node_scrape_collector_success{{{sel}}}', instant=True, table=True),
             prom(f'node_scrape_collector_duration_seconds{{{sel}}}', instant=True, table=True)],
            w=12, hide=("instance", "server_role"),
            columns={"Value #A": ("Succeeded", "none",
                                  {"mappings": [{"type": "value", "options": {
                                      "0": {"text": "failed", "color": RED, "index": 0},
                                      "1": {"text": "ok", "color": GREEN, "index": 1}}}],
                                   "custom.cellOptions": {"type": "color-text"}}),
                     "Value #B": ("Duration", "s", None)})
    return d


# --------------------------------------------------------------------------
# Containers


def containers():
    sel = CONTAINER
    d = Dashboard(
        "tern-containers", "Containers", "Hosts", "containers.json",
        "Docker containers from tern-container (cAdvisor's metric names plus Docker's state, "
        "health, restarts and OOM kills): CPU, memory against limits, network, disk.",
        ["tern", "containers", "docker"],
        [datasource_var()] + job_instance_vars("container_exporter_build_info") + [
            prom_var("name", "Container",
                     'label_values(container_state{job=~"$job",instance=~"$instance"}, name)',
                     description="Container names, as Docker shows them."),
        ])

    d.row("Overview")
    d.stat("Running", "Containers in state running.", "none",
           [prom(f'count(container_state{{{sel},state="running"}} == 1) or vector(0)')], w=4,
           steps=thresholds(base=GREEN))
    d.stat("Not running", "Containers in any state other than running (exited, restarting, "
           "paused, created, dead). ContainerDown alerts on expected ones.", "none",
           [prom(f'count(container_state{{{sel},state!="running"}} == 1) or vector(0)')], w=4,
           steps=thresholds(1, ORANGE), color_mode="background")
    d.stat("Unhealthy", "Containers whose Docker healthcheck reports unhealthy.", "none",
           [prom(f'count(container_health_status{{{sel},status="unhealthy"}} == 1) or vector(0)')],
           w=4, steps=thresholds(1, RED), color_mode="background")
    d.stat("OOM-killed last run", "Containers whose last run ended in an OOM kill "
           "(container_oom_killed), until they are removed.", "none",
           [prom(f'sum(container_oom_killed{{{sel}}}) or vector(0)')], w=4,
           steps=thresholds(1, RED), color_mode="background")
    d.stat("Restarts in range", "Restarts by Docker's restart policy in the dashboard's time "
           "range: max - min of container_restart_count over $__range (a gauge, so no rate).",
           "none",
           [prom(f'sum(max_over_time(container_restart_count{{{sel}}}[$__range])'
                 f' - min_over_time(container_restart_count{{{sel}}}[$__range])) or vector(0)')],
           w=4, steps=thresholds(1, ORANGE), color_mode="background")
    d.stat("Docker reachable", "Whether tern-container can talk to the Docker daemon "
           "(container_exporter_docker_up). While it cannot, container series are withheld.",
           "none", [prom(f'min(container_exporter_docker_up{{{JOB_INSTANCE}}})')], w=4,
           mappings=[{"type": "value", "options": {"0": {"text": "NO", "color": RED, "index": 0},
                                                   "1": {"text": "YES", "color": GREEN, "index": 1}}}],
           steps=thresholds(1, GREEN, base=RED), color_mode="background")
    d.table("Containers", "Every container with its Docker state, health, restart count, "
            "last exit code, OOM kill of its last run and time since it started (running ones).",
            "none",
            [prom(f'max by (instance, name, image, compose_project, state) '
                  f'(container_state{{{sel}}} == 1)', instant=True, table=True),
             prom(f'max by (instance, name, status) (container_health_status{{{sel}}} == 1)',
                  instant=True, table=True),
             prom(f'max by (instance, name) (container_restart_count{{{sel}}})', instant=True,
                  table=True),
             prom(f'max by (instance, name) (container_last_exit_code{{{sel}}})', instant=True,
                  table=True),
             prom(f'max by (instance, name) (container_oom_killed{{{sel}}})', instant=True,
                  table=True),
             prom(f'max by (instance, name) (time() - container_start_time_seconds{{{sel}}})',
                  instant=True, table=True)],
            h=10, hide=("Value #A", "Value #B"),
            columns={
                "compose_project": ("Compose project", "none", None),
                "state": ("State", "none", None),
                "status": ("Health", "none", None),
                "Value #C": ("Restarts", "none", None),
                "Value #D": ("Last exit code", "none", None),
                "Value #E": ("OOM-killed", "none",
                             {"mappings": [{"type": "value", "options": {
                                 "0": {"text": "no", "index": 0},
                                 "1": {"text": "yes", "color": RED, "index": 1}}}]}),
                "Value #F": ("Up for", "s", None),
            })

    d.row("State and health")
    d.timeseries("Containers by state", "Number of containers in each Docker state.", "none",
                 [prom(f'count by (state) (container_state{{{sel}}} == 1)', "{{state}}")],
                 w=8, min=0, stack=True)
    d.timeseries("Containers by health", "Number of containers per healthcheck status "
                 "(none = no healthcheck defined).", "none",
                 [prom(f'count by (status) (container_health_status{{{sel}}} == 1)', "{{status}}")],
                 w=8, min=0, stack=True)
    d.timeseries("Restart count", "Docker's RestartCount per container: a rising line is a "
                 "container in a restart loop (HighContainerRestartRate).", "none",
                 [prom(f'max by (instance, name) (container_restart_count{{{sel}}})',
                       "{{instance}} {{name}}")], w=8, min=0)
    d.timeseries("OOM kills", "Processes killed by the OOM killer inside each running "
                 "container's cgroup, per interval.", "none",
                 [prom(f'sum by (instance, name) (increase(container_oom_events_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} {{name}}")], min=0, bars=True)
    d.timeseries("Memory limit hits", "Times per second each container's memory usage hit its "
                 "limit (memory.failcnt, or memory.events max on cgroup v2).", "ops",
                 [prom(f'sum by (instance, name) (rate(container_memory_failcnt{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} {{name}}")], min=0)

    d.row("CPU")
    d.timeseries("CPU usage", "CPU time per second used by each container: 1 (100 %) is one "
                 "full core.", "percentunit",
                 [prom(f'sum by (instance, name) (rate(container_cpu_usage_seconds_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} {{name}}")], w=8, min=0)
    d.timeseries("CPU usage vs limit", "CPU used as a share of the container's CPU quota "
                 "(--cpus). Only containers with a CPU limit appear.", "percentunit",
                 [prom(f'sum by (instance, name) (rate(container_cpu_usage_seconds_total{{{sel}}}'
                       '[$__rate_interval])) / max by (instance, name) '
                       f'(container_spec_cpu_quota{{{sel}}} > 0) * max by (instance, name) '
                       f'(container_spec_cpu_period{{{sel}}})', "{{instance}} {{name}}")],
                 w=8, min=0)
    d.timeseries("CPU throttled", "Share of CFS periods in which the container was throttled "
                 "(ContainerCPUThrottled). Only containers with a CPU limit appear.",
                 "percentunit",
                 [prom(f'sum by (instance, name) (rate(container_cpu_cfs_throttled_periods_total'
                       f'{{{sel}}}[$__rate_interval])) / sum by (instance, name) '
                       f'(rate(container_cpu_cfs_periods_total{{{sel}}}[$__rate_interval]))',
                       "{{instance}} {{name}}")], w=8, min=0, max=1)

    d.row("Memory")
    d.timeseries("Memory working set", "Working set per container (usage minus inactive page "
                 "cache): what the kernel's OOM decision looks at.", "bytes",
                 [prom(f'max by (instance, name) (container_memory_working_set_bytes{{{sel}}})',
                       "{{instance}} {{name}}")], w=8, min=0)
    d.timeseries("Memory vs limit", "Working set as a share of the container's memory limit "
                 "(ContainerHighMemory). Only containers with a limit (--memory) appear.",
                 "percentunit",
                 [prom(f'max by (instance, name) (container_memory_working_set_bytes{{{sel}}})'
                       ' / max by (instance, name) '
                       f'(container_spec_memory_limit_bytes{{{sel}}} > 0)',
                       "{{instance}} {{name}}")], w=8, min=0, max=1,
                 threshold_steps=PERCENT_THRESHOLDS)
    d.timeseries("Memory RSS and cache", "Anonymous memory (RSS) and page cache per container.",
                 "bytes",
                 [prom(f'max by (instance, name) (container_memory_rss{{{sel}}})',
                       "{{instance}} {{name}} rss"),
                  prom(f'max by (instance, name) (container_memory_cache{{{sel}}})',
                       "{{instance}} {{name}} cache")], w=8, min=0)

    d.row("Network and disk")
    d.timeseries("Network traffic", "Bytes per second received (up) and transmitted (down) by "
                 "each container, all its interfaces.", "Bps",
                 [prom(f'sum by (instance, name) (rate(container_network_receive_bytes_total'
                       f'{{{sel}}}[$__rate_interval]))', "{{instance}} {{name}} receive"),
                  prom(f'sum by (instance, name) (rate(container_network_transmit_bytes_total'
                       f'{{{sel}}}[$__rate_interval]))', "{{instance}} {{name}} transmit")],
                 overrides=[negative_y(".* transmit")])
    d.timeseries("Network errors and drops", "Receive and transmit errors and dropped packets "
                 "per second per container.", "pps",
                 [prom(f'sum by (instance, name) (rate(container_network_receive_errors_total'
                       f'{{{sel}}}[$__rate_interval]) + rate('
                       f'container_network_receive_packets_dropped_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} {{name}} receive"),
                  prom(f'sum by (instance, name) (rate(container_network_transmit_errors_total'
                       f'{{{sel}}}[$__rate_interval]) + rate('
                       f'container_network_transmit_packets_dropped_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} {{name}} transmit")], min=0)
    d.timeseries("Block I/O", "Bytes read (up) and written (down) per second by each container "
                 "on block devices. Page-cache hits do not count, so an idle or cached container "
                 "has no series.", "Bps",
                 [prom(f'sum by (instance, name) (rate(container_fs_reads_bytes_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} {{name}} read"),
                  prom(f'sum by (instance, name) (rate(container_fs_writes_bytes_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} {{name}} write")],
                 overrides=[negative_y(".* write")])
    d.timeseries("Writable layer size", "Size of each container's writable layer (overlay2 "
                 "upper dir), measured every minute in the background.", "bytes",
                 [prom(f'max by (instance, name) (container_fs_usage_bytes{{{sel}}})',
                       "{{instance}} {{name}}")], min=0)
    return d


# --------------------------------------------------------------------------
# Logs


def logs():
    stream = '{host=~"$host",container_name=~"$container"}'
    sel = JOB_INSTANCE
    d = Dashboard(
        "tern-logs", "Logs", "Logs", "logs.json",
        "Container and host logs in Loki, shipped by tern-shipper: volume by container, error "
        "lines, a searchable log view, and the shipper's own health from Prometheus.",
        ["tern", "logs", "loki"],
        [datasource_var(),
         datasource_var("loki", "loki", "Loki", "loki")] + job_instance_vars("tern_shipper_build_info") + [
            loki_var("host", "Host (Loki)", "host",
                     description="The host label tern-shipper sets (--client.hostname)."),
            loki_var("container", "Container", "container_name", stream='{host=~"$host"}',
                     description="Docker container names (container_name label)."),
            textbox_var("search", "Search (regex)",
                        description="A regular expression lines must match (|~ line filter); "
                                    "empty shows every line."),
        ], time_from="now-1h", refresh="30s")

    d.row("Logs")
    d.timeseries("Log volume by container", "Lines per interval by container, matching the "
                 "search box: sum by (container_name) (count_over_time(...[$__interval])).",
                 "short",
                 [loki(f'sum by (container_name) (count_over_time({stream} |~ "$search" '
                       '[$__interval]))', "{{container_name}}")],
                 datasource=LOKI, bars=True, stack=True, legend_calcs=("sum",))
    d.timeseries("Error lines by container", "Lines per interval that contain error, fatal, "
                 "panic or exception (any case), by container.", "short",
                 [loki(f'sum by (container_name) (count_over_time({stream} '
                       '|~ "(?i)(error|fatal|panic|exception)" [$__interval]))',
                       "{{container_name}}")],
                 datasource=LOKI, bars=True, stack=True, legend_calcs=("sum",))
    d.logs("Container logs", "Lines of the selected containers that match the search box "
           "(a regular expression, |~ line filter). Click a line for its labels (stream, "
           "compose project and service).",
           [loki(f'{stream} |~ "$search"')])
    d.logs("Host log files", "Lines of host files followed by tern-shipper (those with a "
           "filename label, e.g. /var/log/syslog) matching the search box.",
           [loki('{host=~"$host",filename=~".+"} |~ "$search"')], h=10)

    d.row("Shipper health")
    d.timeseries("Lines shipped", "Log lines per second accepted by Loki, per server.", "cps",
                 [prom(f'sum by (instance) (rate(promtail_sent_entries_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}}")], w=8, min=0)
    d.timeseries("Bytes shipped", "Log bytes per second accepted by Loki, per server.", "Bps",
                 [prom(f'sum by (instance) (rate(promtail_sent_bytes_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}}")], w=8, min=0)
    d.timeseries("Lines dropped", "Lines per second Loki refused for good (4xx: too old, out "
                 "of order, too long) by reason. The counter exists only after a first drop; "
                 "until then the panel shows 0 per server (LogShipperDroppingLines).", "cps",
                 [prom(f'sum by (instance, reason) (rate(promtail_dropped_entries_total{{{sel}}}'
                       '[$__rate_interval])) or sum by (instance) '
                       f'(rate(promtail_sent_entries_total{{{sel}}}[$__rate_interval])) * 0',
                       "{{instance}} {{reason}}")], w=8, min=0)
    d.timeseries("Unsent bytes", "Bytes of followed files not yet acknowledged by Loki (file "
                 "size minus saved position), per server. Growing: the shipper lags "
                 "(LogShipperLagging).", "bytes",
                 [prom(f'sum by (instance) (tern_shipper_position_lag_bytes{{{sel}}})',
                       "{{instance}} unsent"),
                  prom(f'sum by (instance) (tern_shipper_queue_bytes{{{sel}}})',
                       "{{instance}} queued")], w=8, min=0)
    d.timeseries("Push retries and latency", "Batches retried per second (429, 5xx, network "
                 "errors), and the 99th percentile duration of push requests (right axis).",
                 "ops",
                 [prom(f'sum by (instance) (rate(promtail_batch_retries_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} retries"),
                  prom('histogram_quantile(0.99, sum by (instance, le) '
                       f'(rate(promtail_request_duration_seconds_bucket{{{sel}}}'
                       '[$__rate_interval])))', "{{instance}} p99 push")], w=8, min=0,
                 overrides=[override("byRegexp", ".* p99 push", unit="s",
                                     custom__axisPlacement="right")])
    d.timeseries("Files followed", "Files tern-shipper follows (container logs and host "
                 "files), per server.", "none",
                 [prom(f'sum by (instance) (promtail_files_active_total{{{sel}}})',
                       "{{instance}}")], w=8, min=0)
    return d

# --------------------------------------------------------------------------
# DNS and probes (tern-dnscheck)

# --------------------------------------------------------------------------
# Mail


YES_NO_RUNNING = [{"type": "value", "options": {
    "0": {"text": "not running", "color": RED, "index": 0},
    "1": {"text": "running", "color": GREEN, "index": 1}}}]


def mail():
    sel = JOB_INSTANCE
    d = Dashboard(
        "tern-mail", "Mail", "Mail", "mail.json",
        "Mail hosts from tern-mail (postfix_exporter's Postfix names): Postfix's queue, "
        "deliveries and rejects, Dovecot's sessions and logins, Mailcow's mailboxes and "
        "containers.",
        ["tern", "mail", "postfix", "dovecot", "mailcow"],
        # postfix_up: tern-mail's postfix collector (on by default) and
        # postfix_exporter both serve it, so the lists work with either.
        [datasource_var()] + job_instance_vars("postfix_up"))

    d.row("Overview")
    d.stat("Postfix", "Whether tern-mail can read Postfix's queue (showq socket, or postqueue "
           "-j) and its log: the lowest postfix_up of the selected servers (PostfixDown).",
           "none", [prom(f'min(postfix_up{{{sel}}})')], w=4, mappings=UP_MAPPINGS,
           steps=thresholds(1, GREEN, base=RED), color_mode="background")
    d.stat("Dovecot", "Whether Dovecot's stats-reader socket answers: the lowest dovecot_up of "
           "the selected servers (DovecotDown).", "none",
           [prom(f'min(dovecot_up{{{sel}}})')], w=4, mappings=UP_MAPPINGS,
           steps=thresholds(1, GREEN, base=RED), color_mode="background")
    d.stat("Mailcow API", "Whether Mailcow's API answered at least one endpoint (mailcow_up; "
           "the mailcow collector is off unless --collector.mailcow).", "none",
           [prom(f'min(mailcow_up{{{sel}}})')], w=4, mappings=UP_MAPPINGS,
           steps=thresholds(1, GREEN, base=RED), color_mode="background")
    d.stat("Deferred messages", "Messages in Postfix's deferred queue now: mail Postfix could "
           "not deliver and retries (MailQueueFull above 100).", "none",
           [prom(f'sum(postfix_showq_queue_depth{{{sel},queue="deferred"}})')], w=4,
           steps=thresholds(50, ORANGE, 100, RED), graph=True)
    d.stat("IMAP/POP3 sessions", "Logged-in IMAP and POP3 sessions now, as Dovecot's anvil "
           "counts them (dovecot_sessions).", "none",
           [prom(f'sum(dovecot_sessions{{{sel},protocol=~"imap|pop3"}})')], w=4, graph=True)
    d.stat("Mailcow containers down", "Mailcow containers its API reports as not running "
           "(MailcowContainerDown).", "none",
           [prom(f'count(mailcow_container_running{{{sel}}} == 0) or vector(0)')], w=4,
           steps=thresholds(1, RED), color_mode="background")

    d.row("Postfix queue and deliveries")
    d.timeseries("Queue by state", "Messages in each of Postfix's queues (active, deferred, "
                 "hold, incoming, maildrop), from the showq socket at every scrape.", "none",
                 [prom(f'sum by (instance, queue) (postfix_showq_queue_depth{{{sel}}})',
                       "{{instance}} {{queue}}")], w=12, min=0)
    d.timeseries("Delivery status", "Deliveries per second by Postfix's smtp client, by "
                 "result: sent, deferred (retried later), bounced (returned to the sender).",
                 "ops",
                 [prom(f'sum by (instance, status) (rate(postfix_smtp_messages_processed_total'
                       f'{{{sel}}}[$__rate_interval]))', "{{instance}} {{status}}")],
                 w=12, min=0, stack=True)
    d.timeseries("Deferrals and bounces by DSN", "Deferred and bounced deliveries per second "
                 "by enhanced status code (4.x.x temporary, 5.x.x permanent).", "ops",
                 [prom(f'sum by (instance, status, dsn) (rate(postfix_smtp_status_by_dsn_total'
                       f'{{{sel}}}[$__rate_interval]))', "{{instance}} {{status}} {{dsn}}")],
                 w=12, min=0)
    d.timeseries("Incoming connections", "SMTP connections per second to Postfix's smtpd, and "
                 "messages it accepted into the queue.", "ops",
                 [prom(f'sum by (instance) (rate(postfix_smtpd_connects_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} connections"),
                  prom(f'sum by (instance) (rate(postfix_smtpd_messages_processed_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} accepted")], w=12, min=0)

    d.row("Rejects and logins")
    d.timeseries("Rejects by reason", "smtpd rejects per second by class: rbl (blocklists), "
                 "unknown_user, relay_denied, greylisted, policy (policy services), other.",
                 "ops",
                 [prom(f'sum by (instance, reason) (rate(postfix_smtpd_rejects_by_reason_total'
                       f'{{{sel}}}[$__rate_interval]))', "{{instance}} {{reason}}")],
                 w=8, min=0, stack=True)
    d.timeseries("Rejected per connection", "Recipients rejected at RCPT TO (NOQUEUE reject) "
                 "per incoming connection: what HighRejectRate compares with 50 % (over 10 "
                 "minutes there). Several recipients of one connection can be rejected.",
                 "percentunit",
                 [prom(f'sum by (instance) (rate(postfix_smtpd_messages_rejected_total{{{sel}}}'
                       '[$__rate_interval])) / sum by (instance) '
                       f'(rate(postfix_smtpd_connects_total{{{sel}}}[$__rate_interval]))',
                       "{{instance}}")], w=8, min=0)
    d.timeseries("Authentication failures", "Failed logins per second: SMTP AUTH as Postfix "
                 "logs it (SASLAuthFailuresHigh), and every login Dovecot refused: IMAP, POP3, "
                 "and in Mailcow SMTP AUTH too (IMAPLoginErrorsHigh).", "ops",
                 [prom(f'sum by (instance) (rate(postfix_smtpd_sasl_authentication_failures_total'
                       f'{{{sel}}}[$__rate_interval]))', "{{instance}} SMTP AUTH (Postfix)"),
                  prom(f'sum by (instance) (rate(dovecot_auth_failures_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} Dovecot")], w=8, min=0)

    d.row("Dovecot")
    d.timeseries("Sessions by protocol", "Logged-in sessions per protocol (imap, pop3, lmtp, "
                 "submission), as Dovecot's anvil counts them (doveadm who).", "none",
                 [prom(f'sum by (instance, protocol) (dovecot_sessions{{{sel}}})',
                       "{{instance}} {{protocol}}")], w=8, min=0)
    d.timeseries("Dovecot logins", "Successful and failed Dovecot authentications per second. "
                 "Successes dropping to zero while failures rise: a broken password backend.",
                 "ops",
                 [prom(f'sum by (instance) (rate(dovecot_auth_success_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} success"),
                  prom(f'sum by (instance) (rate(dovecot_auth_failures_total{{{sel}}}'
                       '[$__rate_interval]))', "{{instance}} failure")], w=8, min=0)
    d.timeseries("IMAP commands", "IMAP commands per second by command and tagged reply "
                 "(OK, NO, BAD), from the sample metric imap_command.", "ops",
                 [prom(f'sum by (instance, cmd_name, tagged_reply_state) '
                       f'(rate(dovecot_imap_command_total{{{sel}}}[$__rate_interval]))',
                       "{{instance}} {{cmd_name}} {{tagged_reply_state}}")], w=8, min=0)

    d.row("Mailcow")
    d.bargauge("Fullest mailboxes (top 10)", "The ten mailboxes using the largest share of "
               "their quota (MailboxQuotaNearlyFull above 90 %). Needs tern-mail's "
               "--mailcow.mailboxes; mailboxes without a quota are left out.", "percentunit",
               [prom(f'topk(10, max by (instance, mailbox) (mailcow_mailbox_quota_used{{{sel}}}'
                     f' / (mailcow_mailbox_quota_allowed{{{sel}}} > 0)))',
                     "{{mailbox}} ({{instance}})", instant=True)], h=10)
    d.table("Mailcow containers", "Mailcow's containers (names ending in -mailcow) as its API "
            "reports them: image, running or not, and time since they started.", "none",
            [prom(f'max by (instance, container, image) (mailcow_container_running{{{sel}}})',
                  instant=True, table=True),
             prom(f'max by (instance, container, image) '
                  f'(time() - mailcow_container_start{{{sel}}})', instant=True, table=True)],
            w=12, h=10,
            columns={
                "container": ("Container", "none", None),
                "image": ("Image", "none", None),
                "Value #A": ("State", "none", {"mappings": YES_NO_RUNNING}),
                "Value #B": ("Up for", "s", None),
            })
    d.timeseries("Mailcow API endpoints", "Whether each Mailcow API endpoint answered at the "
                 "last scrape (1) or failed: 401, 5xx, a timeout, bad JSON (0).", "none",
                 [prom(f'min by (instance, endpoint) (mailcow_api_success{{{sel}}})',
                       "{{instance}} {{endpoint}}")], w=24, h=6, min=0, max=1)
    return d


# --------------------------------------------------------------------------
# HAProxy


def haproxy():
    """HAProxy from tern-haproxy (haproxy_exporter's names)."""
    sel = JOB_INSTANCE
    fe = JOB_INSTANCE + ',frontend=~"$frontend"'
    be = JOB_INSTANCE + ',backend=~"$backend"'
    d = Dashboard(
        "tern-haproxy", "HAProxy", "Services", "haproxy.json",
        "HAProxy from tern-haproxy (haproxy_exporter's metric names): requests and errors per "
        "frontend and backend, server states, response times, sessions against their limits.",
        ["tern", "haproxy", "load-balancer"],
        [datasource_var()] + job_instance_vars("haproxy_exporter_build_info") + [
            prom_var("frontend", "Frontend",
                     'label_values(haproxy_frontend_current_sessions{job=~"$job",instance=~"$instance"}, frontend)',
                     description="HAProxy frontends (the frontend label)."),
            prom_var("backend", "Backend",
                     'label_values(haproxy_backend_up{job=~"$job",instance=~"$instance"}, backend)',
                     description="HAProxy backends (the backend label)."),
        ], time_from="now-3h", refresh="30s")

    d.row("Overview")
    d.stat("HAProxy reachable", "Whether tern-haproxy could read HAProxy's statistics at its last "
           "scrape (haproxy_up). HAProxyDown fires after 1 minute of NO.", "none",
           [prom(f'min(haproxy_up{{{sel}}})')], w=4,
           mappings=[{"type": "value", "options": {"0": {"text": "NO", "color": RED, "index": 0},
                                                   "1": {"text": "YES", "color": GREEN, "index": 1}}}],
           steps=thresholds(1, GREEN, base=RED), color_mode="background")
    d.stat("Backends down", "Backends with no server up (haproxy_backend_up 0): their requests "
           "get 503.", "none",
           [prom(f'count(haproxy_backend_up{{{be}}} == 0) or vector(0)')], w=4,
           steps=thresholds(1, RED), color_mode="background")
    d.stat("Servers down", "Servers failing their health checks (haproxy_server_up 0). Servers "
           "in maintenance are not exported when tern-haproxy runs with "
           "--haproxy.server-exclude-states=MAINT.", "none",
           [prom(f'count(haproxy_server_up{{{be}}} == 0) or vector(0)')], w=4,
           steps=thresholds(1, ORANGE), color_mode="background")
    d.stat("Requests", "HTTP requests per second over the selected frontends.", "reqps",
           [prom(f'sum(rate(haproxy_frontend_http_requests_total{{{fe}}}[$__rate_interval]))')],
           w=4, graph=True)
    d.stat("5xx share", "Share of the selected backends' responses that are 5xx.", "percentunit",
           [prom(f'sum(rate(haproxy_backend_http_responses_total{{{be},code="5xx"}}[$__rate_interval]))'
                 f' / sum(rate(haproxy_backend_http_responses_total{{{be}}}[$__rate_interval]))')],
           w=4, steps=thresholds(0.01, ORANGE, 0.05, RED), graph=True, decimals=2)
    d.stat("Sessions", "Current sessions over the selected frontends.", "none",
           [prom(f'sum(haproxy_frontend_current_sessions{{{fe}}})')], w=4, graph=True)

    d.row("Requests and errors")
    d.timeseries("Requests per frontend", "HTTP requests per second, per frontend.", "reqps",
                 [prom(f'sum by (instance, frontend) (rate(haproxy_frontend_http_requests_total{{{fe}}}'
                       '[$__rate_interval]))', "{{instance}} {{frontend}}")], w=8, min=0)
    d.timeseries("Responses by class per frontend", "HTTP responses per second by status class "
                 "(1xx to 5xx, other), per frontend; HAProxy's own answers (403, 503) included.",
                 "reqps",
                 [prom(f'sum by (frontend, code) (rate(haproxy_frontend_http_responses_total{{{fe}}}'
                       '[$__rate_interval]))', "{{frontend}} {{code}}")], w=8, min=0, stack=True)
    d.timeseries("Responses by class per backend", "HTTP responses per second by status class, "
                 "per backend.", "reqps",
                 [prom(f'sum by (backend, code) (rate(haproxy_backend_http_responses_total{{{be}}}'
                       '[$__rate_interval]))', "{{backend}} {{code}}")], w=8, min=0, stack=True)
    d.timeseries("5xx share per backend", "Share of each backend's responses that are 5xx "
                 "(HAProxyHighHTTP5xxRate fires above 5 % over 5 minutes).", "percentunit",
                 [prom(f'sum by (backend) (rate(haproxy_backend_http_responses_total{{{be},code="5xx"}}'
                       '[$__rate_interval])) / sum by (backend) '
                       f'(rate(haproxy_backend_http_responses_total{{{be}}}[$__rate_interval]))',
                       "{{backend}}")], w=8, min=0)
    d.timeseries("Backend errors", "Per second, per backend: failed connections to servers, "
                 "invalid responses, connection retries and redispatches to another server.",
                 "ops",
                 [prom(f'sum by (backend) (rate(haproxy_backend_connection_errors_total{{{be}}}'
                       '[$__rate_interval]))', "{{backend}} connection errors"),
                  prom(f'sum by (backend) (rate(haproxy_backend_response_errors_total{{{be}}}'
                       '[$__rate_interval]))', "{{backend}} response errors"),
                  prom(f'sum by (backend) (rate(haproxy_backend_retry_warnings_total{{{be}}}'
                       '[$__rate_interval]))', "{{backend}} retries"),
                  prom(f'sum by (backend) (rate(haproxy_backend_redispatch_warnings_total{{{be}}}'
                       '[$__rate_interval]))', "{{backend}} redispatches")], w=8, min=0)
    d.timeseries("Frontend errors and denials", "Per second, per frontend: invalid requests "
                 "and requests denied by rules.", "ops",
                 [prom(f'sum by (frontend) (rate(haproxy_frontend_request_errors_total{{{fe}}}'
                       '[$__rate_interval]))', "{{frontend}} request errors"),
                  prom(f'sum by (frontend) (rate(haproxy_frontend_requests_denied_total{{{fe}}}'
                       '[$__rate_interval]))', "{{frontend}} denied")], w=8, min=0)

    d.row("Servers")
    d.table("Server states", "Every exported server: up or down by its health check, weight, "
            "current sessions, requests queued for it.", "none",
            [prom(f'max by (instance, backend, server) (haproxy_server_up{{{be}}})',
                  instant=True, table=True),
             prom(f'max by (instance, backend, server) (haproxy_server_weight{{{be}}})',
                  instant=True, table=True),
             prom(f'max by (instance, backend, server) (haproxy_server_current_sessions{{{be}}})',
                  instant=True, table=True),
             prom(f'max by (instance, backend, server) (haproxy_server_current_queue{{{be}}})',
                  instant=True, table=True)],
            h=10,
            columns={
                "Value #A": ("State", "none",
                             {"mappings": [{"type": "value", "options": {
                                 "0": {"text": "DOWN", "color": RED, "index": 0},
                                 "1": {"text": "UP", "color": GREEN, "index": 1}}}],
                              "custom": {"cellOptions": {"type": "color-background"}}}),
                "Value #B": ("Weight", "none", None),
                "Value #C": ("Sessions", "none", None),
                "Value #D": ("Queued", "none", None),
            })
    d.timeseries("Servers up per backend", "Servers passing their health checks, per backend: "
                 "at 0 the backend is down (HAProxyBackendDown).", "none",
                 [prom(f'sum by (backend) (haproxy_server_up{{{be}}})', "{{backend}}")],
                 w=12, min=0)
    d.timeseries("Failed health checks", "Failed health checks per interval, per server.", "none",
                 [prom(f'sum by (backend, server) (increase(haproxy_server_check_failures_total{{{be}}}'
                       '[$__rate_interval]))', "{{backend}}/{{server}}")], w=12, min=0, bars=True)

    d.row("Response times")
    d.timeseries("Backend response time", "HAProxy's average time to the first response byte "
                 "over each backend's last 1024 requests (HAProxyHighResponseTime above 1 s).",
                 "s",
                 [prom(f'max by (backend) (haproxy_backend_http_response_time_average_seconds{{{be}}})',
                       "{{backend}}")], w=8, min=0)
    d.timeseries("Backend total time", "Average total time of a request (queue, connect, "
                 "response, transfer) over each backend's last 1024 requests.", "s",
                 [prom(f'max by (backend) (haproxy_backend_http_total_time_average_seconds{{{be}}})',
                       "{{backend}}")], w=8, min=0)
    d.timeseries("Server response time", "Average response time over each server's last 1024 "
                 "requests: one slow server stands out here.", "s",
                 [prom(f'max by (backend, server) (haproxy_server_http_response_time_average_seconds{{{be}}})',
                       "{{backend}}/{{server}}")], w=8, min=0)

    d.row("Sessions against limits")
    d.timeseries("Frontend sessions vs maxconn", "Current sessions as a share of each "
                 "frontend's maxconn (HAProxySessionsNearLimit above 80 %).", "percentunit",
                 [prom(f'max by (frontend) (haproxy_frontend_current_sessions{{{fe}}})'
                       f' / max by (frontend) (haproxy_frontend_limit_sessions{{{fe}}} > 0)',
                       "{{frontend}}")], w=8, min=0, max=1)
    d.timeseries("Server sessions vs maxconn", "Current sessions as a share of each server's "
                 "maxconn; only servers with a maxconn appear.", "percentunit",
                 [prom(f'max by (backend, server) (haproxy_server_current_sessions{{{be}}})'
                       f' / max by (backend, server) (haproxy_server_limit_sessions{{{be}}} > 0)',
                       "{{backend}}/{{server}}")], w=8, min=0, max=1)
    d.timeseries("Backend queue", "Requests waiting for a free server slot, per backend "
                 "(HAProxyHighQueue above 10).", "none",
                 [prom(f'max by (backend) (haproxy_backend_current_queue{{{be}}})', "{{backend}}")],
                 w=8, min=0)
    d.timeseries("Frontend sessions", "Current sessions and new sessions per second, per "
                 "frontend.", "none",
                 [prom(f'max by (frontend) (haproxy_frontend_current_sessions{{{fe}}})',
                       "{{frontend}} current"),
                  prom(f'sum by (frontend) (rate(haproxy_frontend_sessions_total{{{fe}}}'
                       '[$__rate_interval]))', "{{frontend}} new per second")], w=12, min=0)
    d.timeseries("Traffic per frontend", "Bytes per second received from clients (below the "
                 "axis: sent to them), per frontend.", "Bps",
                 [prom(f'sum by (frontend) (rate(haproxy_frontend_bytes_in_total{{{fe}}}'
                       '[$__rate_interval]))', "{{frontend}} in"),
                  prom(f'sum by (frontend) (rate(haproxy_frontend_bytes_out_total{{{fe}}}'
                       '[$__rate_interval]))', "{{frontend}} out")], w=12,
                 overrides=[negative_y(".* out")])
    return d


# --------------------------------------------------------------------------
# DNS and probes


def dns():
    sel = JOB_INSTANCE
    d = Dashboard(
        "tern-dns", "DNS and probes", "Sites", "dns.json",
        "tern-dnscheck: declared DNS records per resolver (matches, CNAMEs shadowing records, "
        "failing lookups, resolvers that disagree) and the declared sites and TLS endpoints "
        "(blackbox_exporter's probe_* names, one target label each).",
        ["tern", "dns", "probes", "certificates"],
        [datasource_var()] + job_instance_vars("dnscheck_build_info"))

    d.row("DNS records")
    d.stat("Records as declared", "Share of (record, resolver) checks whose answer equals the "
           "declared values (dns_record_match).", "percentunit",
           [prom(f'avg(dns_record_match{{{sel}}})')],
           steps=thresholds(0.99, GREEN, base=RED), decimals=1)
    d.stat("CNAME conflicts", "Checks where a CNAME shadows a record of another type "
           "(dns_record_cname_conflict == 1). DNSCNAMEConflict pages on these.", "none",
           [prom(f'count(dns_record_cname_conflict{{{sel}}} == 1) or vector(0)')],
           steps=thresholds(1, RED), color_mode="background")
    d.stat("Failing lookups", "Checks whose last lookup failed: timeout, SERVFAIL or REFUSED "
           "(dns_lookup_success == 0).", "none",
           [prom(f'count(dns_lookup_success{{{sel}}} == 0) or vector(0)')],
           steps=thresholds(1, ORANGE), color_mode="background")
    d.stat("Resolvers disagreeing", "Records whose resolvers answered differently "
           "(dns_resolvers_agree == 0).", "none",
           [prom(f'count(dns_resolvers_agree{{{sel}}} == 0) or vector(0)')],
           steps=thresholds(1, ORANGE), color_mode="background")
    d.stat("Check cycle", "Wall time of the last full cycle of DNS checks (all queries in "
           "flight at once).", "s",
           [prom(f'max(dns_check_cycle_duration_seconds{{{sel}}})')],
           steps=thresholds(1, ORANGE))
    d.stat("Results age", "Seconds since the last DNS cycle finished; more than two "
           "check intervals means the loop is stuck.", "s",
           [prom(f'time() - max(dns_check_last_cycle_timestamp_seconds{{{sel}}})')],
           steps=thresholds(300, ORANGE))
    d.table("Records", "One row per declared record and resolver: answer equals the "
            "declaration (1/0), a CNAME shadows it (1/0), lookup succeeded (1/0), TTL and "
            "lookup time.", "none",
            [prom(f'max by (name, type, resolver) (dns_record_match{{{sel}}})', instant=True,
                  table=True),
             prom(f'max by (name, type, resolver) (dns_record_cname_conflict{{{sel}}})',
                  instant=True, table=True),
             prom(f'max by (name, type, resolver) (dns_lookup_success{{{sel}}})', instant=True,
                  table=True),
             prom(f'max by (name, type, resolver) (dns_record_ttl_seconds{{{sel}}})',
                  instant=True, table=True),
             prom(f'max by (name, type, resolver) (dns_lookup_duration_seconds{{{sel}}})',
                  instant=True, table=True)],
            columns={"Value #A": ("Match", "none", None),
                     "Value #B": ("CNAME conflict", "none", None),
                     "Value #C": ("Lookup ok", "none", None),
                     "Value #D": ("TTL", "s", None),
                     "Value #E": ("Lookup time", "s", None)}, h=10)
    d.table("Answers", "What each resolver answered (values, rcode) beside what was declared: "
            "dns_record_answer_info and dns_record_expected_info.", "none",
            [prom(f'max by (name, type, resolver, rcode, values) '
                  f'(dns_record_answer_info{{{sel}}})', instant=True, table=True)],
            w=12, h=10, columns={"Value #A": ("Series", "none", None)})
    d.table("Declared", "The declared values of each record (dns_record_expected_info).", "none",
            [prom(f'max by (name, type, values) (dns_record_expected_info{{{sel}}})',
                  instant=True, table=True)],
            w=12, h=10, columns={"Value #A": ("Series", "none", None)})
    d.timeseries("Lookup time by resolver", "Slowest lookup of the cycle per resolver "
                 "(dns_lookup_duration_seconds).", "s",
                 [prom(f'max by (resolver) (dns_lookup_duration_seconds{{{sel}}})',
                       "{{resolver}}")], min=0)
    d.timeseries("Failing lookups by resolver", "Checks per resolver whose lookup failed.",
                 "none",
                 [prom(f'count by (resolver) (dns_lookup_success{{{sel}}} == 0) or '
                       f'count by (resolver) (dns_lookup_success{{{sel}}}) * 0',
                       "{{resolver}}")], min=0)

    d.row("Sites and certificates")
    d.table("Probes", "One row per site or TLS endpoint: probe succeeded (1/0), HTTP status, "
            "probe duration, and time left on its earliest certificate.", "none",
            [prom(f'max by (target) (probe_success{{{sel}}})', instant=True, table=True),
             prom(f'max by (target) (probe_http_status_code{{{sel}}})', instant=True,
                  table=True),
             prom(f'max by (target) (probe_duration_seconds{{{sel}}})', instant=True,
                  table=True),
             prom(f'min by (target) (probe_ssl_earliest_cert_expiry{{{sel}}}) - time()',
                  instant=True, table=True)],
            columns={"Value #A": ("Up", "none", None),
                     "Value #B": ("HTTP status", "none", None),
                     "Value #C": ("Duration", "s", None),
                     "Value #D": ("Certificate expires in", "s", None)}, h=10)
    d.timeseries("Probe success", "probe_success per target over time (1 up, 0 down); "
                 "SiteDown fires after 2 minutes at 0.", "none",
                 [prom(f'max by (target) (probe_success{{{sel}}})', "{{target}}")],
                 min=0, max=1)
    d.timeseries("HTTP phases", "Time of each phase of the HTTP probes, summed over the "
                 "targets shown: resolve, connect, tls, processing (the server), transfer.", "s",
                 [prom(f'sum by (phase) (probe_http_duration_seconds{{{sel}}})', "{{phase}}")],
                 stack=True, min=0)
    d.timeseries("Certificate time left", "Time until the earliest certificate of each "
                 "target's chain expires (CertificateExpiringSoon under 14 days, critical "
                 "under 3).", "s",
                 [prom(f'min by (target) (probe_ssl_earliest_cert_expiry{{{sel}}}) - time()',
                       "{{target}}")], w=24)
    return d


DASHBOARDS = (fleet, sla, node, containers, logs, mail, haproxy, dns)


def build():
    """{relative path: JSON text} for every dashboard."""
    out = {}
    for make in DASHBOARDS:
        board = make()
        out[os.path.join(board.folder, board.filename)] = board.to_json()
    return out


def committed_files():
    found = {}
    for folder, _, files in os.walk(OUT_DIR):
        for name in files:
            if name.endswith(".json"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    found[os.path.relpath(path, OUT_DIR)] = f.read()
    return found


def check():
    """Differences between the generator's output and the committed files, as
    text; empty when they agree."""
    wanted, present = build(), committed_files()
    problems = []
    for rel in sorted(set(wanted) | set(present)):
        if rel not in present:
            problems.append(f"missing: grafana/dashboards/{rel}")
        elif rel not in wanted:
            problems.append(f"not generated (remove it or add it to build_dashboards.py): "
                            f"grafana/dashboards/{rel}")
        elif wanted[rel] != present[rel]:
            diff = difflib.unified_diff(present[rel].splitlines(), wanted[rel].splitlines(),
                                        f"committed/{rel}", f"generated/{rel}", lineterm="", n=1)
            problems.append("\n".join(list(diff)[:40]))
    return "\n".join(problems)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the committed JSON differs from the generator's output")
    args = parser.parse_args()
    if args.check:
        problems = check()
        if problems:
            print(problems)
            print("run: python3 grafana/build_dashboards.py", file=sys.stderr)
            return 1
        print("dashboards up to date")
        return 0
    for rel, text in build().items():
        path = os.path.join(OUT_DIR, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote grafana/dashboards/{rel}")
    for rel in sorted(set(committed_files()) - set(build())):
        print(f"not generated, remove by hand: grafana/dashboards/{rel}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
