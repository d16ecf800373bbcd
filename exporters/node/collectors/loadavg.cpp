// loadavg: node_load1, node_load5, node_load15 from /proc/loadavg.

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "procfs/loadavg.h"

namespace node {
namespace {

class LoadavgCollector : public runtime::Collector {
 public:
  explicit LoadavgCollector(const hostfs::Paths& paths) : path_(paths.proc("loadavg")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto text = hostfs::readFile(path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto load = procfs::parseLoadavg(*text);
    if (!load) return runtime::Status::failure(path_ + ": " + load.error());
    sink.gauge("node_load1", "1m load average.", load->one);
    sink.gauge("node_load5", "5m load average.", load->five);
    sink.gauge("node_load15", "15m load average.", load->fifteen);
    return runtime::Status::ok();
  }

 private:
  std::string path_;
};

}  // namespace

void registerLoadavgCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "loadavg",
                .enabled_by_default = true,
                .make = [&paths] { return std::make_unique<LoadavgCollector>(paths); }});
}

}  // namespace node
