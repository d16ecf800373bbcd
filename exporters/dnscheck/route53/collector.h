#pragma once
// The route53 collector's registration (defined in collectors/route53.cpp).
// tern-dnscheck's collectors.h declares the same function.

#include "dnscheck/declared.h"
#include "runtime/collector.h"

namespace dnscheck {

// `state` is read when the collector is built (after flags are parsed), so it
// may be filled after this call; it must outlive the collector.
void registerRoute53Collector(runtime::CollectorRegistry& registry, const DeclaredState& state);

}  // namespace dnscheck
