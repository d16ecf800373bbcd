// Placeholder until the Route53 collector lands (its own branch replaces this
// file): registers nothing.

#include "dnscheck/collectors/collectors.h"

namespace dnscheck {

void registerRoute53Collector(runtime::CollectorRegistry&, const DeclaredState&) {}

}  // namespace dnscheck
