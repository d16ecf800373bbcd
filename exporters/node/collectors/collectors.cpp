#include "collectors/collectors.h"

namespace node {

// TERN_NODE_COLLECTORS_DONE lists what is implemented; see collectors.h for all.
void registerAllCollectors(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registerArpCollector(registry, paths);
  registerConntrackCollector(registry, paths);
  registerLoadavgCollector(registry, paths);
  registerNetclassCollector(registry, paths);
  registerNetdevCollector(registry, paths);
  registerNetstatCollector(registry, paths);
  registerSockstatCollector(registry, paths);
  registerSoftnetCollector(registry, paths);
}

}  // namespace node
