// arp: node_arp_entries{device}, the number of <procfs>/net/arp entries per
// device, incomplete ones included as upstream counts them.

#include "procfs/arp.h"

#include <CLI/CLI.hpp>
#include <map>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "runtime/filter.h"

namespace node {
namespace {

struct Options {
  std::string device_include, device_exclude;
};

class ArpCollector : public runtime::Collector {
 public:
  ArpCollector(const hostfs::Paths& paths, runtime::NameFilter filter)
      : path_(paths.proc("net/arp")), filter_(std::move(filter)) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto text = hostfs::readFile(path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto entries = procfs::parseArp(*text);
    if (!entries) return runtime::Status::failure(path_ + ": " + entries.error());
    std::map<std::string_view, std::uint32_t> per_device;  // sorted, as exposed
    for (const auto& entry : *entries) ++per_device[entry.device];
    auto& family = sink.gauge("node_arp_entries", "ARP entries by device");
    for (const auto& [device, count] : per_device) {
      if (filter_.ignored(device)) continue;
      runtime::addSample(family, count, {{"device", std::string(device)}});
    }
    return runtime::Status::ok();
  }

 private:
  std::string path_;
  runtime::NameFilter filter_;
};

}  // namespace

void registerArpCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<Options>();
  registry.add({.name = "arp",
                .enabled_by_default = true,
                .add_flags =
                    [options](CLI::App& app) {
                      app.add_option("--collector.arp.device-include", options->device_include,
                                     "Regexp of arp devices to include (mutually exclusive to "
                                     "device-exclude).")
                          ->group("Collector arp");
                      app.add_option("--collector.arp.device-exclude", options->device_exclude,
                                     "Regexp of arp devices to exclude (mutually exclusive to "
                                     "device-include).")
                          ->group("Collector arp");
                    },
                .make =
                    [options, &paths] {
                      // Upstream's help calls the pair exclusive but applies both
                      // silently; NameFilter refuses the pair at start-up instead.
                      return std::make_unique<ArpCollector>(
                          paths,
                          runtime::NameFilter(options->device_include, options->device_exclude,
                                              "--collector.arp.device"));
                    }});
}

}  // namespace node
