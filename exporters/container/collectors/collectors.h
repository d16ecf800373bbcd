#pragma once
// Every container collector, registered in one place. Each lives in its own
// file; all read the same Containers (the Docker watcher and cgroup layout).

#include <memory>

#include "container/collectors/containers.h"
#include "runtime/collector.h"

namespace container {

// Built on first use, after the flags have filled the options, and shared by
// every collector.
class SharedContainers {
 public:
  Options options;
  std::shared_ptr<Containers> get() {
    if (!containers_) containers_ = std::make_shared<Containers>(options);
    return containers_;
  }
  // Tests: every collector built from now on reads these containers.
  void setForTesting(std::shared_ptr<Containers> containers) {
    containers_ = std::move(containers);
  }

 private:
  std::shared_ptr<Containers> containers_;
};

// The base of every collector here: it reads the shared Containers.
class ContainerCollector : public runtime::Collector {
 public:
  explicit ContainerCollector(std::shared_ptr<Containers> containers)
      : containers_(std::move(containers)) {}

 protected:
  std::shared_ptr<Containers> containers_;
  // The cgroup files this collector reads every scrape, kept open. One cache
  // per collector: collectors of a scrape run on two threads at once, each
  // on one at a time, so no cache is ever shared between threads.
  hostfs::OpenFileCache cgroup_files_;
};

// The registry entry of a collector that is on by default.
template <typename T>
runtime::CollectorSpec containerCollector(SharedContainers& shared, std::string name,
                                          std::string help) {
  return {.name = std::move(name),
          .enabled_by_default = true,
          .help = std::move(help),
          .make = [&shared] { return std::make_unique<T>(shared.get()); }};
}

// The exporter's own flags (--docker.*, --container.*, --path.*), filling
// shared.options when parsed.
void addFlags(CLI::App& flags, SharedContainers& shared);

void registerAllCollectors(runtime::CollectorRegistry& registry, SharedContainers& shared);

void registerCpuCollector(runtime::CollectorRegistry&, SharedContainers&);
void registerMemoryCollector(runtime::CollectorRegistry&, SharedContainers&);
void registerNetworkCollector(runtime::CollectorRegistry&, SharedContainers&);
void registerDiskioCollector(runtime::CollectorRegistry&, SharedContainers&);
void registerDiskCollector(runtime::CollectorRegistry&, SharedContainers&);
void registerPressureCollector(runtime::CollectorRegistry&, SharedContainers&);
void registerStateCollector(runtime::CollectorRegistry&, SharedContainers&);
void registerDockerCollector(runtime::CollectorRegistry&, SharedContainers&);

}  // namespace container
