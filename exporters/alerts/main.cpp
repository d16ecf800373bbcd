// tern-alerts: Alertmanager's webhooks into an SQLite history with
// deduplication, SMS and push paging (Twilio, ntfy, Appwrite Messaging) by
// routes and rate limits, a JSON API and a web page. One more binary on the
// exporter runtime: its flags, logging, web config and /metrics.

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>

#include "alerts/config.h"
#include "alerts/service.h"
#include "log/log.h"
#include "runtime/exporter.h"

namespace {

std::int64_t nowNanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The service's own metrics, read at scrape time (store counts, counters).
class ServiceCollector : public runtime::Collector {
 public:
  explicit ServiceCollector(std::unique_ptr<alerts::Service>* service) : service_(service) {}
  runtime::Status update(runtime::MetricSink& sink) override {
    if (!*service_) return runtime::Status::failure("service not started");
    (*service_)->collect(sink);
    return runtime::Status::ok();
  }

 private:
  std::unique_ptr<alerts::Service>* service_;
};

}  // namespace

int main(int argc, char** argv) {
  // A file size limit (ulimit -f) reached by the store is an error SQLite
  // reports (answered 503, like a full disk), not a signal that kills us.
  ::signal(SIGXFSZ, SIG_IGN);
  runtime::Exporter exporter({
      .program = "tern-alerts",
      .description = "Alert processor: stores Alertmanager's webhooks with deduplication and "
                     "history, pages by SMS and push, serves a JSON API and a web page.",
      .metric_namespace = "alerts",
      .build_info_name = "alerts_build_info",
      .default_listen_address = ":9097",
  });
  std::string config_file;
  std::string store_path;
  exporter.flags()
      .add_option("--config.file", config_file,
                  "YAML file with the webhook's credentials, channels, routes and rate limits "
                  "(see tern-alerts.example.yml). Without it alerts are stored, never sent. The "
                  "webhook's bearer token may also come from the environment variable "
                  "TERN_ALERTS_WEBHOOK_TOKEN when the file names no credentials.")
      ->group("Alerts");
  exporter.flags()
      .add_option("--store.path", store_path,
                  "SQLite database file; overrides store.path of the config file (default "
                  "tern-alerts.db).")
      ->group("Alerts");
  std::unique_ptr<alerts::Service> service;
  exporter.collectors().add({
      .name = "alerts",
      .enabled_by_default = true,
      .help = "The alert store, webhooks and notifications.",
      .add_flags = nullptr,
      .make = [&service] { return std::make_unique<ServiceCollector>(&service); },
  });
  exporter.onStart([&]() -> std::optional<int> {
    alerts::Config config;
    try {
      if (!config_file.empty()) config = alerts::loadConfig(config_file);
    } catch (const std::exception& e) {
      LOG_ERROR("cannot load the configuration", {"err", e.what()});
      return 1;
    }
    if (!store_path.empty()) config.database = store_path;
    // The webhook's token may come from the environment (a compose .env)
    // when the config names no credentials file; it is not passed on.
    if (const char* token = std::getenv("TERN_ALERTS_WEBHOOK_TOKEN")) {
      if (*token && config.bearer_token_file.empty() && config.basic_username.empty())
        config.bearer_token = token;
      ::unsetenv("TERN_ALERTS_WEBHOOK_TOKEN");
    }
    if (config.bearer_token.empty() && config.bearer_token_file.empty() &&
        config.basic_username.empty()) {
      LOG_WARN(
          "the webhook takes no credentials of its own (set webhook.bearer_token_file or "
          "webhook.basic_auth)",
          {"path", config.webhook_path});
    }
    service = std::make_unique<alerts::Service>(std::move(config), nowNanoseconds);
    service->start();
    LOG_INFO("alert store", {"path", service->config().database},
             {"channels", service->config().channels.size()},
             {"routes", service->config().routes.size()});
    return std::nullopt;
  });
  exporter.addRoutes([&service](runtime::HttpServer& server) { service->addRoutes(server); });
  int code = exporter.run(argc, argv);
  if (service) service->stop();
  return code;
}
