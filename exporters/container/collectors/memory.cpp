// memory: usage, working set, RSS, page cache, swap, failures and OOM kills
// from the memory controller, and the memory limit Docker set.

#include "container/collectors/collectors.h"

namespace container {
namespace {

class MemoryCollector : public ContainerCollector {
 public:
  using ContainerCollector::ContainerCollector;

  runtime::Status update(runtime::MetricSink& sink) override {
    auto view = containers_->view();
    auto& usage = sink.gauge(
        "container_memory_usage_bytes",
        "Current memory usage in bytes, including all memory regardless of when it was accessed");
    auto& working_set =
        sink.gauge("container_memory_working_set_bytes", "Current working set in bytes.");
    auto& rss = sink.gauge("container_memory_rss", "Size of RSS in bytes.");
    auto& cache = sink.gauge("container_memory_cache", "Number of bytes of page cache memory.");
    auto& swap = sink.gauge("container_memory_swap", "Container swap usage in bytes.");
    auto& max_usage =
        sink.gauge("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes");
    auto& failcnt = sink.counter("container_memory_failcnt", "Number of memory usage hits limits");
    auto& limit =
        sink.gauge("container_spec_memory_limit_bytes", "Memory limit for the container.");
    auto& oom = sink.counter("container_oom_events_total",
                             "Count of out of memory events observed for the container");
    return forEachCgroup(*containers_, *view, cgroup_files_, cgroups::readMemory,
                         [&](const ContainerView& entry, const cgroups::Memory& memory) {
                           const auto& labels = entry.labels;
                           if (memory.usage) addSample(usage, *memory.usage, labels);
                           if (memory.working_set)
                             addSample(working_set, *memory.working_set, labels);
                           if (memory.rss) addSample(rss, *memory.rss, labels);
                           if (memory.cache) addSample(cache, *memory.cache, labels);
                           if (memory.swap) addSample(swap, *memory.swap, labels);
                           if (memory.max_usage) addSample(max_usage, *memory.max_usage, labels);
                           if (memory.failcnt) addSample(failcnt, *memory.failcnt, labels);
                           // cAdvisor reports an unlimited container as 0.
                           addSample(limit, memory.limit ? static_cast<double>(*memory.limit) : 0.0,
                                     labels);
                           if (memory.oom_kills) addSample(oom, *memory.oom_kills, labels);
                         });
  }
};

}  // namespace

void registerMemoryCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(containerCollector<MemoryCollector>(
      shared, "memory",
      "Memory usage, working set, cache, swap, limits and OOM kills from cgroups."));
}

}  // namespace container
