// stat: boot time, context switches, forks, interrupts and process counts from
// /proc/stat; per-vector softirq counts with --collector.stat.softirq.

#include "procfs/stat.h"

#include <CLI/CLI.hpp>

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

struct StatOptions {
  bool softirq = false;
};

class StatCollector : public runtime::Collector {
 public:
  StatCollector(const hostfs::Paths& paths, const StatOptions& options)
      : path_(paths.proc("stat")), softirq_(options.softirq) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    auto text = hostfs::readFile(path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto stat = procfs::parseStat(*text);
    if (!stat) return runtime::Status::failure(path_ + ": " + stat.error());
    auto value = [](std::uint64_t count) { return static_cast<double>(count); };
    sink.counter("node_intr_total", "Total number of interrupts serviced.",
                 value(stat->interrupts));
    sink.counter("node_context_switches_total", "Total number of context switches.",
                 value(stat->context_switches));
    sink.counter("node_forks_total", "Total number of forks.", value(stat->forks));
    sink.gauge("node_boot_time_seconds", "Node boot time, in unixtime.", value(stat->boot_time));
    sink.gauge("node_procs_running", "Number of processes in runnable state.",
               value(stat->procs_running));
    sink.gauge("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
               value(stat->procs_blocked));
    if (softirq_) {
      auto& softirqs = sink.counter("node_softirqs_total", "Number of softirq calls.");
      for (std::size_t i = 0; i < procfs::kSoftirqVectors.size(); ++i) {
        runtime::addSample(softirqs, value(stat->softirqs.per_vector[i]),
                           {{"vector", procfs::kSoftirqVectors[i]}});
      }
    }
    return runtime::Status::ok();
  }

 private:
  std::string path_;
  bool softirq_;
};

}  // namespace

void registerStatCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<StatOptions>();
  registry.add(
      {.name = "stat",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             app.add_flag("--collector.stat.softirq,!--no-collector.stat.softirq", options->softirq,
                          "Export softirq calls per vector")
                 ->group("Collectors");
           },
       .make = [&paths, options] { return std::make_unique<StatCollector>(paths, *options); }});
}

}  // namespace node
