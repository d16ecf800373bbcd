// The declared sites and TLS endpoints, probed as blackbox_exporter would, as
// the probe loop last found them; each series labelled with its target.

#include "dnscheck/collectors/collectors.h"

namespace dnscheck {

namespace {

class ProbeCollector : public runtime::Collector {
 public:
  explicit ProbeCollector(State& state) : state_(state) {}
  runtime::Status update(runtime::MetricSink& sink) override {
    if (auto snapshot = state_.scheduler->latestProbes()) copyInto(*snapshot, sink);
    return runtime::Status::ok();
  }

 private:
  State& state_;
};

}  // namespace

void registerProbeCollector(runtime::CollectorRegistry& registry, State& state) {
  registry.add({
      .name = "probe",
      .enabled_by_default = true,
      .help = "Declared sites (HTTP) and TLS endpoints, probed in a background loop.",
      .make = [&state]() -> std::unique_ptr<runtime::Collector> {
        state.scheduler->startProbes();
        return std::make_unique<ProbeCollector>(state);
      },
  });
}

}  // namespace dnscheck
