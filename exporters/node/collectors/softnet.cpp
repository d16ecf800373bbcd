// softnet: node_softnet_{processed,dropped,times_squeezed}_total{cpu} from
// <procfs>/net/softnet_stat, one line per CPU.

#include "procfs/softnet.h"

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

class SoftnetCollector : public runtime::Collector {
 public:
  explicit SoftnetCollector(const hostfs::Paths& paths) : path_(paths.proc("net/softnet_stat")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto text = hostfs::readFile(path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto stats = procfs::parseSoftnet(*text);
    if (!stats) return runtime::Status::failure(path_ + ": " + stats.error());
    auto& processed = sink.counter("node_softnet_processed_total", "Number of processed packets");
    auto& dropped = sink.counter("node_softnet_dropped_total", "Number of dropped packets");
    auto& squeezed = sink.counter("node_softnet_times_squeezed_total",
                                  "Number of times processing packets ran out of quota");
    // node_exporter 1.5 labels lines by position, not by the kernel's own CPU
    // column (offline CPUs have no line, so the two can differ).
    for (std::size_t cpu = 0; cpu < stats->size(); ++cpu) {
      const auto& stat = (*stats)[cpu];
      runtime::Labels labels = {{"cpu", std::to_string(cpu)}};
      runtime::addSample(processed, stat.processed, labels);
      runtime::addSample(dropped, stat.dropped, labels);
      runtime::addSample(squeezed, stat.time_squeezed, std::move(labels));
    }
    return runtime::Status::ok();
  }

 private:
  std::string path_;
};

}  // namespace

void registerSoftnetCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "softnet", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<SoftnetCollector>(paths);
                }});
}

}  // namespace node
