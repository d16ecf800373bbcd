#include "collectors/collectors.h"

namespace node {

void registerAllCollectors(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registerArpCollector(registry, paths);
  registerConntrackCollector(registry, paths);
  registerCpuCollector(registry, paths);
  registerDiskstatsCollector(registry, paths);
  registerEntropyCollector(registry, paths);
  registerFilefdCollector(registry, paths);
  registerFilesystemCollector(registry, paths);
  registerHwmonCollector(registry, paths);
  registerLoadavgCollector(registry, paths);
  registerMeminfoCollector(registry, paths);
  registerNetclassCollector(registry, paths);
  registerNetdevCollector(registry, paths);
  registerNetstatCollector(registry, paths);
  registerOsCollector(registry, paths);
  registerPressureCollector(registry, paths);
  registerSockstatCollector(registry, paths);
  registerSoftnetCollector(registry, paths);
  registerStatCollector(registry, paths);
  registerTextfileCollector(registry, paths);
  registerTimeCollector(registry, paths);
  registerTimexCollector(registry, paths);
  registerUnameCollector(registry, paths);
  registerVmstatCollector(registry, paths);
}

}  // namespace node
