#pragma once
// Every tern-dnscheck collector, registered in one place, one file each. They
// serve what the background loops last found (scheduler.h); the Route53
// collector (route53.cpp) reads its zones itself.

#include "dnscheck/declared.h"
#include "dnscheck/options.h"
#include "runtime/collector.h"

namespace dnscheck {

void registerAllCollectors(runtime::CollectorRegistry& registry, State& state);

void registerDnsCollector(runtime::CollectorRegistry&, State&);
void registerProbeCollector(runtime::CollectorRegistry&, State&);
void registerRoute53Collector(runtime::CollectorRegistry&, const DeclaredState&);

}  // namespace dnscheck
