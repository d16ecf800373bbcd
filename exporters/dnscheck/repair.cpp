// Placeholder until the Route53 repair command lands (its own branch replaces
// this file).

#include "dnscheck/repair.h"

#include <cstdio>

namespace dnscheck {

int runRepair(int, char**) {
  std::fprintf(stderr, "tern-dnscheck repair: not built\n");
  return 2;
}

}  // namespace dnscheck
