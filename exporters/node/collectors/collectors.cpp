#include "collectors/collectors.h"

namespace node {

// TERN_NODE_COLLECTORS_DONE lists what is implemented; see collectors.h for all.
void registerAllCollectors(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registerDiskstatsCollector(registry, paths);
  registerFilesystemCollector(registry, paths);
  registerHwmonCollector(registry, paths);
  registerLoadavgCollector(registry, paths);
  registerTextfileCollector(registry, paths);
}

}  // namespace node
