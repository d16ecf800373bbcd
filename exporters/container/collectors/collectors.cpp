#include "collectors/collectors.h"

namespace container {

void registerAllCollectors(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registerCpuCollector(registry, shared);
  registerDiskCollector(registry, shared);
  registerDiskioCollector(registry, shared);
  registerDockerCollector(registry, shared);
  registerMemoryCollector(registry, shared);
  registerNetworkCollector(registry, shared);
  registerPressureCollector(registry, shared);
  registerStateCollector(registry, shared);
}

}  // namespace container
