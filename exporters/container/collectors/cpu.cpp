// cpu: CPU time and CFS throttling from the cpu and cpuacct controllers
// (v2: cpu.stat), and the CPU limits Docker set.

#include "container/collectors/collectors.h"

namespace container {
namespace {

double nanoseconds(std::uint64_t value) { return static_cast<double>(value) / 1e9; }

class CpuCollector : public ContainerCollector {
 public:
  using ContainerCollector::ContainerCollector;

  runtime::Status update(runtime::MetricSink& sink) override {
    auto view = containers_->view();
    auto& usage = sink.counter("container_cpu_usage_seconds_total",
                               "Cumulative cpu time consumed in seconds.");
    auto& user = sink.counter("container_cpu_user_seconds_total",
                              "Cumulative user cpu time consumed in seconds.");
    auto& system = sink.counter("container_cpu_system_seconds_total",
                                "Cumulative system cpu time consumed in seconds.");
    auto& periods = sink.counter("container_cpu_cfs_periods_total",
                                 "Number of elapsed enforcement period intervals.");
    auto& throttled_periods = sink.counter("container_cpu_cfs_throttled_periods_total",
                                           "Number of throttled period intervals.");
    auto& throttled_seconds = sink.counter("container_cpu_cfs_throttled_seconds_total",
                                           "Total time duration the container has been throttled.");
    auto& spec_period = sink.gauge("container_spec_cpu_period", "CPU period of the container.");
    auto& spec_quota = sink.gauge("container_spec_cpu_quota", "CPU quota of the container.");
    auto& spec_shares = sink.gauge("container_spec_cpu_shares", "CPU share of the container.");

    // Spec and usage per container in one pass: throttling series depend on
    // whether a quota is set.
    auto read =
        [](const cgroups::Layout& layout, const std::string& path,
           hostfs::FileReader& files) -> cgroups::Read<std::pair<cgroups::CpuSpec, cgroups::Cpu>> {
      auto spec = cgroups::readCpuSpec(layout, path, files);
      if (!spec) return base::unexpected(spec.error());
      auto cpu = cgroups::readCpu(layout, path, files);
      if (!cpu) return base::unexpected(cpu.error());
      return std::pair{*spec, *cpu};
    };
    return forEachCgroup(
        *containers_, *view, cgroup_files_, read,
        [&](const ContainerView& entry, const auto& spec_and_cpu) {
          const auto& [spec, cpu] = spec_and_cpu;
          if (spec.period_us && *spec.period_us)
            addSample(spec_period, *spec.period_us, entry.labels);
          if (spec.quota_us && *spec.quota_us) addSample(spec_quota, *spec.quota_us, entry.labels);
          if (spec.shares) addSample(spec_shares, *spec.shares, entry.labels);
          if (cpu.usage_ns)
            addSample(usage, nanoseconds(*cpu.usage_ns), withLabel(entry.labels, "cpu", "total"));
          if (cpu.user_ns) addSample(user, nanoseconds(*cpu.user_ns), entry.labels);
          if (cpu.system_ns) addSample(system, nanoseconds(*cpu.system_ns), entry.labels);
          // As cAdvisor: throttling only means something under a quota.
          if (!spec.quota_us || *spec.quota_us == 0) return;
          if (cpu.periods) addSample(periods, *cpu.periods, entry.labels);
          if (cpu.throttled_periods)
            addSample(throttled_periods, *cpu.throttled_periods, entry.labels);
          if (cpu.throttled_ns)
            addSample(throttled_seconds, nanoseconds(*cpu.throttled_ns), entry.labels);
        });
  }
};

}  // namespace

void registerCpuCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(containerCollector<CpuCollector>(
      shared, "cpu", "CPU time, CFS throttling and CPU limits from cgroups."));
}

}  // namespace container
