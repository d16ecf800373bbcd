#pragma once
// tern-haproxy's flags: haproxy_exporter's (same names and defaults), plus
// the naming switch and basic auth from a file.

#include <CLI/CLI.hpp>
#include <string>

#include "haproxy/metrics.h"
#include "haproxy/source.h"

namespace haproxy {

struct Options {
  std::string scrape_uri = "http://localhost/;csv";
  bool ssl_verify = true;
  std::string server_metric_fields = kDefaultServerMetricFields;
  std::string server_exclude_states;
  std::string timeout = "5s";
  std::string pid_file;
  std::string username;
  std::string password_file;
  std::string naming = "exporter";
  bool proxy_from_env = false;
};

void addFlags(CLI::App& flags, Options& options);

// The parsed forms, once flags are read. Throws std::invalid_argument with a
// clear message on a bad value (a start-up error).
SourceOptions sourceOptions(const Options& options);
MetricOptions metricOptions(const Options& options);

}  // namespace haproxy
