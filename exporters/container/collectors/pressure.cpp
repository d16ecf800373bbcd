// pressure: pressure stall information of each container's cgroup, where the
// kernel has PSI (cgroup v2, or v1 hosts that also mount the unified tree).

#include <fmt/format.h>

#include "container/collectors/collectors.h"

namespace container {
namespace {

double microseconds(std::uint64_t value) { return static_cast<double>(value) / 1e6; }

class PressureCollector : public ContainerCollector {
 public:
  using ContainerCollector::ContainerCollector;

  runtime::Status update(runtime::MetricSink& sink) override {
    auto view = containers_->view();
    struct Resource {
      const char* name;
      const char* what;
      runtime::MetricFamily* waiting;
      runtime::MetricFamily* stalled;
    };
    std::array<Resource, 3> resources = {{{"cpu", "CPU", nullptr, nullptr},
                                          {"memory", "memory", nullptr, nullptr},
                                          {"io", "IO", nullptr, nullptr}}};
    for (auto& resource : resources) {
      resource.waiting = &sink.counter(
          fmt::format("container_pressure_{}_waiting_seconds_total", resource.name),
          fmt::format(
              "Total time duration tasks in the container have waited due to {} congestion.",
              resource.what));
      resource.stalled =
          &sink.counter(fmt::format("container_pressure_{}_stalled_seconds_total", resource.name),
                        fmt::format("Total time duration no tasks in the container could make "
                                    "progress due to {} congestion.",
                                    resource.what));
    }
    return forEachCgroup(
        *containers_, *view, cgroup_files_, cgroups::readPressure,
        [&](const ContainerView& entry, const cgroups::Pressure& pressure) {
          const std::optional<procfs::Pressure>* values[] = {&pressure.cpu, &pressure.memory,
                                                             &pressure.io};
          for (std::size_t i = 0; i < resources.size(); ++i) {
            const auto& value = *values[i];
            if (!value) continue;
            if (value->some)
              addSample(*resources[i].waiting, microseconds(value->some->total_us), entry.labels);
            if (value->full)
              addSample(*resources[i].stalled, microseconds(value->full->total_us), entry.labels);
          }
        });
  }
};

}  // namespace

void registerPressureCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(containerCollector<PressureCollector>(
      shared, "pressure", "Pressure stall time of each container (kernels with PSI)."));
}

}  // namespace container
