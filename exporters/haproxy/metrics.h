#pragma once
// From a parsed stats table (and `show info`) to metric families, in one of
// two namings:
//  - exporter: haproxy_exporter 0.14's names, HELP, types and labels
//    (frontend / backend+server / code), which dashboards and alerts written
//    for the retired exporter expect;
//  - promex: HAProxy's built-in exporter's (proxy / server labels, status as
//    a state label), so a user can move dashboards over either way.
// Pure: no I/O; the collector feeds it what it read.

#include <set>
#include <string>
#include <vector>

#include "haproxy/show_info.h"
#include "haproxy/stats_csv.h"
#include "runtime/metrics.h"

namespace haproxy {

enum class Naming { exporter, promex };

// haproxy_exporter's default --haproxy.server-metric-fields.
inline constexpr const char* kDefaultServerMetricFields =
    "2,3,4,5,6,7,8,9,13,14,15,16,17,18,21,24,30,33,35,38,39,40,41,42,43,44,49,50,58,59,60,61";

struct MetricOptions {
  Naming naming = Naming::exporter;
  // Field numbers of HAProxy's CSV (exporter naming only; promex naming emits
  // every server family, as HAProxy does).
  std::set<int> server_metric_fields;
  // Exact status strings ("MAINT", "DOWN", "UP 1/3") whose servers are skipped.
  std::set<std::string, std::less<>> server_exclude_states;
  // Process metrics of HAProxy's pid come from --haproxy.pid-file: the
  // `show info` values of the same name are then left out.
  bool process_metrics_from_pid = false;
};

// "2,3,4" into field numbers; throws std::invalid_argument naming the bad one
// (a start-up error, as haproxy_exporter's).
std::set<int> parseFieldList(const std::string& text);
// "MAINT,DOWN" into states (empty items dropped).
std::set<std::string, std::less<>> parseStateList(const std::string& text);

// Numbers a server family of the exporter naming can be selected by.
std::vector<int> selectableServerFields();

// Emits the frontend, backend and server families. Returns how many values
// were not numbers (counted as CSV parse failures, as haproxy_exporter does).
std::size_t emitStats(const StatTable& table, const MetricOptions& options,
                      runtime::MetricSink& sink);

// Emits haproxy_version_info (exporter naming), haproxy_process_build_info and
// the process values as haproxy_process_* under the built-in exporter's names.
void emitInfo(const ShowInfo& info, const MetricOptions& options, runtime::MetricSink& sink);

// haproxy_exporter's reading of the status column as haproxy_*_up: UP (and
// its transitional "UP 1/3"), OPEN, "no check" and DRAIN count as up.
double upValue(std::string_view status);

}  // namespace haproxy
