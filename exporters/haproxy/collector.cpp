#include "haproxy/collector.h"

#include <chrono>
#include <map>
#include <mutex>

#include "haproxy/target.h"
#include "hostfs/read.h"
#include "log/log.h"
#include "runtime/http_server.h"
#include "runtime/memory_release.h"
#include "runtime/process_metrics.h"
#include "runtime/text_format.h"

namespace haproxy {
namespace {

class HaproxyCollector : public runtime::Collector {
 public:
  HaproxyCollector(const Options& options)
      : target_(parsedUri(options.scrape_uri), sourceOptions(options), metricOptions(options)),
        pid_file_(options.pid_file) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    runtime::Status status = target_.scrape(sink);
    if (!pid_file_.empty()) {
      runtime::Status process = emitPidProcessMetrics(pid_file_, "/proc", sink);
      if (!process.isOk()) LOG_WARN("cannot read HAProxy's process", {"err", process.message()});
    }
    runtime::releaseFreeMemorySoon();
    return status;
  }

 private:
  static ScrapeUri parsedUri(const std::string& uri) {
    auto parsed = parseScrapeUri(uri);
    if (!parsed) throw std::invalid_argument("--haproxy.scrape-uri: " + parsed.error());
    return *parsed;
  }
  Target target_;
  std::string pid_file_;
};

constexpr std::size_t kMaxProbeTargets = 256;

}  // namespace

void registerCollector(runtime::CollectorRegistry& registry, const Options& options) {
  registry.add({
      .name = "haproxy",
      .enabled_by_default = true,
      .help = "HAProxy's statistics from --haproxy.scrape-uri.",
      .add_flags = nullptr,
      .make = [&options] { return std::make_unique<HaproxyCollector>(options); },
  });
}

runtime::Status emitPidProcessMetrics(const std::string& pid_file, const std::string& proc_root,
                                      runtime::MetricSink& sink) {
  auto text = hostfs::readFile(pid_file, 4096);
  if (!text) return runtime::Status::failure(text.error().message());
  std::string pid = *text;
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos)
    return runtime::Status::failure(pid_file + ": not a pid");
  runtime::ProcessCollector process(proc_root + "/" + pid);
  runtime::MetricSink own;
  runtime::Status status = process.update(own);
  std::vector<runtime::MetricFamily> families;
  own.drainInto(families);
  for (auto& family : families) {
    auto& renamed = sink.family("haproxy_" + family.name, family.help, family.type);
    renamed.metric = std::move(family.metric);
  }
  return status;
}

struct Prober::State {
  Options options;
  SourceOptions source;
  MetricOptions metrics;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<Target>> targets;
};

Prober::Prober(const Options& options) : state_(std::make_unique<State>()) {
  state_->options = options;
  state_->source = sourceOptions(options);
  state_->metrics = metricOptions(options);
  // A probe is about one HAProxy: the exporter's pid-file is not its process.
  state_->metrics.process_metrics_from_pid = false;
}

Prober::~Prober() = default;

runtime::HttpResponse Prober::probe(const runtime::HttpRequest& request) {
  runtime::HttpResponse response;
  auto target_text = request.queryParam("target");
  if (!target_text || target_text->empty()) {
    response.status = 400;
    response.body = "Target parameter is missing\n";
    return response;
  }
  auto uri = parseScrapeUri(*target_text);
  if (!uri || uri->kind == ScrapeUri::Kind::file) {
    response.status = 400;
    response.body = (uri ? "file:// targets are not probed" : uri.error()) + "\n";
    return response;
  }
  std::shared_ptr<Target> target;
  {
    std::lock_guard lock(state_->mutex);
    auto found = state_->targets.find(*target_text);
    if (found == state_->targets.end()) {
      // Bounded: a scan of made-up targets cannot grow the map without end.
      if (state_->targets.size() >= kMaxProbeTargets)
        state_->targets.erase(state_->targets.begin());
      found = state_->targets
                  .emplace(*target_text,
                           std::make_shared<Target>(*uri, state_->source, state_->metrics))
                  .first;
    }
    target = found->second;
  }
  runtime::MetricSink sink;
  auto started = std::chrono::steady_clock::now();
  runtime::Status status = target->scrape(sink);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!status.isOk()) LOG_WARN("probe failed", {"target", *target_text}, {"err", status.message()});
  sink.gauge("haproxy_probe_duration_seconds", "How long the probe of the target took, in seconds.",
             seconds);
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  runtime::sortAndMerge(families);
  runtime::writeTextFormat(families, response.body);
  response.content_type = runtime::kTextContentType;
  response.compressible = true;
  runtime::releaseFreeMemorySoon();
  return response;
}

}  // namespace haproxy
