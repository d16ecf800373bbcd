#include "collectors/collectors.h"

namespace node {

// TERN_NODE_COLLECTORS_DONE lists what is implemented; see collectors.h for all.
void registerAllCollectors(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registerCpuCollector(registry, paths);
  registerEntropyCollector(registry, paths);
  registerFilefdCollector(registry, paths);
  registerLoadavgCollector(registry, paths);
  registerMeminfoCollector(registry, paths);
  registerOsCollector(registry, paths);
  registerPressureCollector(registry, paths);
  registerStatCollector(registry, paths);
  registerTimeCollector(registry, paths);
  registerTimexCollector(registry, paths);
  registerUnameCollector(registry, paths);
  registerVmstatCollector(registry, paths);
}

}  // namespace node
