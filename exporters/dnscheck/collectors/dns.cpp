// The declared records' checks, as the DNS loop last found them.

#include "dnscheck/collectors/collectors.h"
#include "runtime/memory_release.h"

namespace dnscheck {

namespace {

class DnsCollector : public runtime::Collector {
 public:
  explicit DnsCollector(State& state) : state_(state) {}
  runtime::Status update(runtime::MetricSink& sink) override {
    if (auto cycle = state_.scheduler->latestDns()) writeDnsCycle(*cycle, sink);
    runtime::releaseFreeMemorySoon();  // the scrape's series, once it is sent
    return runtime::Status::ok();
  }

 private:
  State& state_;
};

}  // namespace

void registerDnsCollector(runtime::CollectorRegistry& registry, State& state) {
  registry.add({
      .name = "dns",
      .enabled_by_default = true,
      .help = "Declared DNS records checked against the resolvers (background loop).",
      .make = [&state]() -> std::unique_ptr<runtime::Collector> {
        state.scheduler->startDns();
        return std::make_unique<DnsCollector>(state);
      },
  });
}

}  // namespace dnscheck
