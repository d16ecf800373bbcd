#include "haproxy/options.h"

#include <stdexcept>

namespace haproxy {

void addFlags(CLI::App& flags, Options& options) {
  const char* group = "HAProxy";
  flags
      .add_option("--haproxy.scrape-uri", options.scrape_uri,
                  "URI on which to scrape HAProxy: unix:/path/to/admin.sock, tcp://host:port "
                  "(the runtime API), http(s)://host:port/stats;csv (the stats page), or "
                  "file:///path.csv.")
      ->capture_default_str()
      ->group(group);
  flags
      .add_flag("--haproxy.ssl-verify,!--no-haproxy.ssl-verify", options.ssl_verify,
                "Verify the certificate of an https:// scrape URI.")
      ->capture_default_str()
      ->group(group);
  flags
      .add_option("--haproxy.server-metric-fields", options.server_metric_fields,
                  "Comma-separated list of exported server metrics, by field number of HAProxy's "
                  "CSV (management guide, section 9.1).")
      ->capture_default_str()
      ->group(group);
  flags
      .add_option("--haproxy.server-exclude-states", options.server_exclude_states,
                  "Comma-separated list of server states (the CSV's status, e.g. MAINT) whose "
                  "servers are not exported.")
      ->group(group);
  flags
      .add_option("--haproxy.timeout", options.timeout,
                  "Timeout for trying to get stats from HAProxy (e.g. 5s, 500ms).")
      ->capture_default_str()
      ->group(group);
  flags
      .add_option("--haproxy.pid-file", options.pid_file,
                  "Path to HAProxy's pid file: its process metrics (CPU, memory, open files) are "
                  "then exported as haproxy_process_*, read from /proc.")
      ->group(group);
  flags
      .add_option("--haproxy.username", options.username,
                  "User for basic auth on the stats page (or user:password in the URI).")
      ->group(group);
  flags
      .add_option("--haproxy.password-file", options.password_file,
                  "File holding the basic-auth password for the stats page, read at each scrape.")
      ->group(group);
  flags
      .add_option("--haproxy.naming", options.naming,
                  "Metric names: \"exporter\" (haproxy_exporter's) or \"promex\" (HAProxy's "
                  "built-in exporter's, with proxy/server/state labels).")
      ->capture_default_str()
      ->check(CLI::IsMember({"exporter", "promex"}))
      ->group(group);
  flags
      .add_flag("--http.proxy-from-env", options.proxy_from_env,
                "Accepted for compatibility with haproxy_exporter; proxies are never used.")
      ->group(group);
}

SourceOptions sourceOptions(const Options& options) {
  SourceOptions source;
  auto timeout = parseDuration(options.timeout);
  if (!timeout || timeout->count() <= 0)
    throw std::invalid_argument("--haproxy.timeout: not a positive duration: " + options.timeout);
  source.timeout = *timeout;
  source.ssl_verify = options.ssl_verify;
  source.username = options.username;
  source.password_file = options.password_file;
  return source;
}

MetricOptions metricOptions(const Options& options) {
  MetricOptions metrics;
  metrics.naming = options.naming == "promex" ? Naming::promex : Naming::exporter;
  metrics.server_metric_fields = parseFieldList(options.server_metric_fields);
  metrics.server_exclude_states = parseStateList(options.server_exclude_states);
  metrics.process_metrics_from_pid = !options.pid_file.empty();
  return metrics;
}

}  // namespace haproxy
