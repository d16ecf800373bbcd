#pragma once
// tern-shipper's --config.file: Promtail's YAML layout, for the part we
// implement. Loading is strict: a field Promtail does not have is an error
// (a typo must not pass silently); a Promtail field we do not implement is
// reported in `unsupported` so start-up can log it, and otherwise ignored.
// Secrets are only ever read from files: inline passwords/tokens are errors.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"
#include "shipper/relabel.h"

namespace shipper {

using Duration = std::chrono::nanoseconds;

struct ServerConfig {
  std::string http_listen_address;  // empty: all addresses
  int http_listen_port = 9080;      // Promtail's port
  std::string log_level;            // empty: keep --log.level
};

struct PositionsConfig {
  // Not Promtail's /var/log/positions.yaml: state belongs under /var/lib, and
  // our file records fingerprints too, so it must not clobber (or be misread
  // as) a Promtail positions file left by the replaced install.
  std::string filename = "/var/lib/tern-shipper/positions.yaml";
  Duration sync_period = std::chrono::seconds(10);
};

struct BasicAuth {
  std::string username;
  std::string password_file;
};

struct ClientTlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
};

struct BackoffConfig {
  Duration min_period = std::chrono::milliseconds(500);
  Duration max_period = std::chrono::minutes(5);
  int max_retries = 0;  // 0: retry forever (Promtail's default is 10; we never drop on our own)
};

struct ClientConfig {
  std::string url;
  std::string tenant_id;  // X-Scope-OrgID when set
  Duration batchwait = std::chrono::seconds(1);
  std::uint64_t batchsize = 1024 * 1024;  // bytes
  Duration timeout = std::chrono::seconds(10);
  Labels external_labels;
  std::optional<BasicAuth> basic_auth;
  std::string bearer_token_file;
  ClientTlsConfig tls;
  BackoffConfig backoff;
};

// One group of static_configs: host files whose path matches labels.__path__.
struct StaticTargetGroup {
  std::vector<std::string> targets;  // kept for __address__; Promtail ignores them for files
  Labels labels;                     // includes __path__ (a glob)
};

struct DockerFilter {
  std::string name;  // Docker API filter name: label, name, status, ...
  std::vector<std::string> values;
};

struct DockerSdConfig {
  std::string host = "unix:///var/run/docker.sock";
  std::string socket_path = "/var/run/docker.sock";      // host without its unix:// scheme
  Duration refresh_interval = std::chrono::seconds(60);  // Prometheus' default
  std::vector<DockerFilter> filters;
};

struct ScrapeConfig {
  std::string job_name;
  std::vector<StaticTargetGroup> static_configs;
  std::vector<DockerSdConfig> docker_sd_configs;
  std::vector<RelabelRule> relabel_configs;
  // Left unparsed here: the stage parser takes it with `Config::source` so its
  // errors carry file:line too (nodes keep their marks). Null when absent.
  YAML::Node pipeline_stages;
};

struct Config {
  std::string source;  // the file it came from, for file:line messages
  ServerConfig server;
  PositionsConfig positions;
  ClientConfig client;
  std::vector<ScrapeConfig> scrape_configs;
};

// Prometheus/Go durations: "0", "500ms", "1.5s", "1h30m", "2d", "1w"; units
// ns, us, µs, ms, s, m, h, d, w, y. Negative values are rejected.
base::Expected<Duration> parseDuration(std::string_view text);

// Reads and validates the file. Errors are "file:line: reason". Promtail
// fields we ignore are appended to `unsupported` as "path.to.field (reason)".
base::Expected<Config> loadConfig(const std::string& path, std::vector<std::string>& unsupported);
// The same from text; `source` names it in messages.
base::Expected<Config> parseConfig(const std::string& yaml_text, const std::string& source,
                                   std::vector<std::string>& unsupported);

}  // namespace shipper
