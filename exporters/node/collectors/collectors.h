#pragma once
// Every node collector, registered in one place. Each lives in its own file
// with its own test and fixture tree.

#include "hostfs/paths.h"
#include "runtime/collector.h"

namespace node {

// `paths` is filled by the --path.* flags before any collector is built.
void registerAllCollectors(runtime::CollectorRegistry& registry, const hostfs::Paths& paths);

void registerArpCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerConntrackCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerCpuCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerDiskstatsCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerEntropyCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerFilefdCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerFilesystemCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerHwmonCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerLoadavgCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerMeminfoCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerNetclassCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerNetdevCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerNetstatCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerOsCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerPressureCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerSockstatCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerSoftnetCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerStatCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerTextfileCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerTimeCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerTimexCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerUnameCollector(runtime::CollectorRegistry&, const hostfs::Paths&);
void registerVmstatCollector(runtime::CollectorRegistry&, const hostfs::Paths&);

}  // namespace node
