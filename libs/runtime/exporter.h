#pragma once
// The exporter runtime: what every binary shares. It owns the common flags in
// the Prometheus exporters' style, the collector registry, HTTP serving of
// /metrics (gzip when asked), /, /-/healthy and /-/ready, TLS and basic auth
// from --web.config.file, the process_* and build_info metrics, and a
// graceful stop on SIGTERM/SIGINT.
//
//   runtime::Exporter exporter({.program = "tern-node", ...});
//   registerNodeCollectors(exporter.collectors(), paths);
//   exporter.flags().add_option("--path.procfs", paths.procfs, ...);
//   return exporter.run(argc, argv);

#include "runtime/collector.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
}

namespace runtime {

struct HttpRequest;
struct HttpResponse;
class HttpServer;

struct ExporterInfo {
  std::string program;            // binary name, "tern-node"
  std::string description;        // one line for --help and the landing page
  std::string metric_namespace;   // prefix of scrape_collector_*, "node"
  std::string build_info_name;    // "node_exporter_build_info"
  std::string default_listen_address;  // ":9100"
};

// Flags every exporter has, after parsing.
struct CommonOptions {
  std::vector<std::string> listen_addresses;
  std::string telemetry_path = "/metrics";
  std::string web_config_file;
  bool disable_exporter_metrics = false;
  int max_requests = 40;
  double scrape_timeout_seconds = 10;
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

std::string versionString(const ExporterInfo& info);

class Exporter {
 public:
  explicit Exporter(ExporterInfo info);
  ~Exporter();

  CLI::App& flags();
  CollectorRegistry& collectors() { return registry_; }
  const CommonOptions& options() const { return options_; }

  // Parses flags, builds the collectors, serves until SIGTERM or SIGINT.
  // Returns the process exit code: 0 on a clean stop (or --help, --version),
  // 1 on a start-up error (unreadable web config, port in use), 2 on bad flags.
  int run(int argc, char** argv);

  // The two halves of run(), for tests. prepare() returns an exit code when
  // the process should stop now (help, version, bad flags, bad config).
  std::optional<int> prepare(int argc, const char* const* argv);
  int serve();

  // Extra exact-path routes (blackbox's /probe), served with the same TLS and
  // authentication as /metrics. Add before run().
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  void route(const std::string& path, Handler handler);
  // Runs once the flags are parsed, before the collectors are built: loading
  // a configuration file named by a flag. Throwing stops the start-up with
  // the exception's message (exit code 1).
  void afterParse(std::function<void()> hook);
  // For a binary that is more than its collectors (tern-alerts): `start` runs
  // once the flags are parsed, before serving (load a config, open a store);
  // a value is the exit code to stop with. `routes` adds the binary's own
  // routes after the built-in ones, so it may replace "/".
  void onStart(std::function<std::optional<int>()> start) { on_start_ = std::move(start); }
  void addRoutes(std::function<void(HttpServer&)> routes) { add_routes_ = std::move(routes); }

  // One scrape rendered as exposition text.
  std::string render(std::chrono::steady_clock::time_point deadline);

 private:
  HttpResponse serveMetrics(const HttpRequest& request);
  struct Serving;
  ExporterInfo info_;
  CommonOptions options_;
  CollectorRegistry registry_;
  std::unique_ptr<CLI::App> app_;
  std::unique_ptr<Serving> serving_;
  std::vector<std::pair<std::string, Handler>> extra_routes_;
  std::vector<std::function<void()>> after_parse_;
  std::function<std::optional<int>()> on_start_;
  std::function<void(HttpServer&)> add_routes_;
};

}  // namespace runtime
