#include "dnscheck/collectors/collectors.h"

namespace dnscheck {

void registerAllCollectors(runtime::CollectorRegistry& registry, State& state) {
  registerDnsCollector(registry, state);
  registerProbeCollector(registry, state);
  registerRoute53Collector(registry, state.declared);
}

}  // namespace dnscheck
