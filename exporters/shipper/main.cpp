// tern-shipper: Docker and host logs into Loki, a Promtail replacement.
// Promtail's YAML config is accepted where it means the same thing; what we
// do not support is named at start-up.

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>

#include "log/log.h"
#include "runtime/exporter.h"
#include "shipper/config.h"
#include "shipper/engine.h"
#include "shipper/pipeline/pipeline.h"
#include "shipper/relabel.h"

namespace {

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// --config.file is read before the runtime parses the flags, so that the
// config's server.http_listen_port can be the listen address's default.
std::string configFileArgument(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--config.file=")) return std::string(arg.substr(14));
    if (arg == "--config.file" && i + 1 < argc) return argv[i + 1];
  }
  return {};
}

// Everything the engine needs, from the config.
std::vector<shipper::Target> targetsFrom(const shipper::Config& config,
                                         shipper::CustomMetrics& metrics, const std::string& host) {
  std::vector<shipper::Target> targets;
  for (const auto& scrape : config.scrape_configs) {
    auto make_pipeline =
        [stages = scrape.pipeline_stages,
         &metrics](const shipper::PipelineOptions& options) -> std::unique_ptr<shipper::Pipeline> {
      std::vector<std::string> ignored;
      auto pipeline = shipper::buildPipeline(stages, ignored, metrics, options);
      return pipeline ? std::make_unique<shipper::Pipeline>(std::move(*pipeline)) : nullptr;
    };
    std::function<bool(shipper::Labels&)> relabel;
    if (!scrape.relabel_configs.empty()) {
      relabel = [rules = scrape.relabel_configs](shipper::Labels& labels) {
        return shipper::applyRelabel(rules, labels);
      };
    }
    shipper::Labels common = {{"host", host}, {"job", scrape.job_name}};
    if (!scrape.docker_sd_configs.empty()) {
      shipper::Target target;
      target.job = scrape.job_name;
      target.docker = true;
      target.labels = common;
      for (const auto& sd : scrape.docker_sd_configs) {
        for (const auto& filter : sd.filters)
          target.docker_filters.emplace_back(filter.name, filter.values);
      }
      target.relabel = relabel;
      target.make_pipeline = make_pipeline;
      targets.push_back(std::move(target));
    }
    for (const auto& group : scrape.static_configs) {
      shipper::Target target;
      target.job = scrape.job_name;
      target.labels = common;
      for (const auto& [name, value] : group.labels) {
        if (name == "__path__") {
          target.globs.push_back(value);
        } else {
          auto at = std::find_if(target.labels.begin(), target.labels.end(),
                                 [&](const auto& l) { return l.first == name; });
          if (at != target.labels.end()) {
            at->second = value;
          } else {
            target.labels.emplace_back(name, value);
          }
        }
      }
      std::sort(target.labels.begin(), target.labels.end());
      if (relabel) {
        // Static labels go through relabel_configs once, as Promtail does.
        if (!relabel(target.labels)) continue;
      }
      target.make_pipeline = make_pipeline;
      if (!target.globs.empty()) targets.push_back(std::move(target));
    }
  }
  return targets;
}

class ShipperCollector : public runtime::Collector {
 public:
  ShipperCollector(std::unique_ptr<shipper::Engine> engine,
                   std::unique_ptr<shipper::CustomMetrics> metrics)
      : metrics_(std::move(metrics)), engine_(std::move(engine)) {}
  ~ShipperCollector() override { engine_->stop(std::chrono::seconds(5)); }
  runtime::Status update(runtime::MetricSink& sink) override {
    engine_->collect(sink);
    metrics_->collect(sink, std::chrono::steady_clock::now());
    return runtime::Status::ok();
  }

 private:
  std::unique_ptr<shipper::CustomMetrics> metrics_;  // outlives the engine's pipelines
  std::unique_ptr<shipper::Engine> engine_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string config_file = configFileArgument(argc, argv);
  std::string listen = ":9080";
  if (!config_file.empty()) {
    std::vector<std::string> unsupported;
    auto config = shipper::loadConfig(config_file, unsupported);
    if (!config) {
      std::cerr << "tern-shipper: " << config.error() << "\n";
      return 1;
    }
    listen =
        fmt::format("{}:{}", config->server.http_listen_address, config->server.http_listen_port);
  }
  runtime::Exporter exporter({
      .program = "tern-shipper",
      .description = "Ships Docker container and host logs to Loki; a Promtail replacement.",
      .metric_namespace = "tern_shipper",
      .build_info_name = "tern_shipper_build_info",
      .default_listen_address = listen,
  });
  CLI::App& flags = exporter.flags();
  std::string docker_root = "/var/lib/docker";
  std::string host = hostname();
  flags.add_option("--config.file", config_file, "Promtail-style YAML configuration file.")
      ->required()
      ->group("Shipper");
  flags
      .add_option("--docker.root", docker_root,
                  "Docker's data root as seen by this process (a snap install keeps it at "
                  "/var/snap/docker/common/var-lib-docker).")
      ->capture_default_str()
      ->group("Shipper");
  flags.add_option("--client.hostname", host, "Value of the `host` label.")
      ->capture_default_str()
      ->group("Shipper");

  exporter.collectors().add(
      {.name = "shipper",
       .enabled_by_default = true,
       .help = "The shipper's own metrics (Promtail's names) and the pipelines' metrics stages.",
       .make = [&]() -> std::unique_ptr<runtime::Collector> {
         std::vector<std::string> unsupported;
         auto config = shipper::loadConfig(config_file, unsupported);
         if (!config) throw std::runtime_error(config.error());
         auto metrics = std::make_unique<shipper::CustomMetrics>();
         for (const auto& scrape : config->scrape_configs) {
           auto pipeline = shipper::buildPipeline(scrape.pipeline_stages, unsupported, *metrics);
           if (!pipeline) throw std::runtime_error(pipeline.error());
         }
         for (const auto& scrape : config->scrape_configs) {
           for (const auto& sd : scrape.docker_sd_configs) {
             for (const auto& filter : sd.filters) {
               if (filter.name != "label" && filter.name != "name" && filter.name != "id" &&
                   filter.name != "status") {
                 unsupported.push_back("docker_sd_configs.filters." + filter.name +
                                       " (label, name, id and status are supported)");
               }
             }
           }
         }
         for (const auto& field : unsupported) {
           LOG_WARN("config field not supported; it is ignored", {"field", field});
         }
         shipper::EngineOptions options;
         options.hostname = host;
         options.docker_root = docker_root;
         for (const auto& scrape : config->scrape_configs) {
           for (const auto& sd : scrape.docker_sd_configs)
             options.docker.socket_path = sd.socket_path;
         }
         const auto& client = config->client;
         options.client.url = client.url;
         options.client.tenant_id = client.tenant_id;
         if (client.basic_auth) {
           options.client.basic_auth_username = client.basic_auth->username;
           options.client.basic_auth_password_file = client.basic_auth->password_file;
         }
         options.client.bearer_token_file = client.bearer_token_file;
         options.client.ca_file = client.tls.ca_file;
         options.client.cert_file = client.tls.cert_file;
         options.client.key_file = client.tls.key_file;
         options.client.server_name = client.tls.server_name;
         options.client.insecure_skip_verify = client.tls.insecure_skip_verify;
         options.client.timeout =
             std::chrono::duration_cast<std::chrono::milliseconds>(client.timeout);
         options.client.min_backoff =
             std::chrono::duration_cast<std::chrono::milliseconds>(client.backoff.min_period);
         options.client.max_backoff =
             std::chrono::duration_cast<std::chrono::milliseconds>(client.backoff.max_period);
         options.client.max_retries = client.backoff.max_retries;
         options.external_labels = client.external_labels;
         options.batch_bytes = client.batchsize;
         options.batch_wait =
             std::chrono::duration_cast<std::chrono::milliseconds>(client.batchwait);
         options.positions_file = config->positions.filename;
         options.positions_sync =
             std::chrono::duration_cast<std::chrono::milliseconds>(config->positions.sync_period);
         auto targets = targetsFrom(*config, *metrics, host);
         for (auto& target : targets) {
           for (const auto& [name, value] : client.external_labels) {
             auto at = std::find_if(target.labels.begin(), target.labels.end(),
                                    [&](const auto& l) { return l.first == name; });
             if (at == target.labels.end()) target.labels.emplace_back(name, value);
           }
           std::sort(target.labels.begin(), target.labels.end());
         }
         auto engine = std::make_unique<shipper::Engine>(std::move(options), std::move(targets),
                                                         metrics.get());
         if (auto started = engine->start(); !started) throw std::runtime_error(started.error());
         return std::make_unique<ShipperCollector>(std::move(engine), std::move(metrics));
       }});
  return exporter.run(argc, argv);
}
