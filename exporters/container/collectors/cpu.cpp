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

    auto spec_status = forEachCgroup(*containers_, *view, cgroups::readCpuSpec,
                                     [&](const ContainerView& entry, const cgroups::CpuSpec& spec) {
                                       if (spec.period_us && *spec.period_us)
                                         addSample(spec_period, *spec.period_us, entry.labels);
                                       if (spec.quota_us && *spec.quota_us)
                                         addSample(spec_quota, *spec.quota_us, entry.labels);
                                       if (spec.shares)
                                         addSample(spec_shares, *spec.shares, entry.labels);
                                       quota_set_[entry.container->id] =
                                           spec.quota_us.has_value() && *spec.quota_us > 0;
                                     });
    auto usage_status = forEachCgroup(
        *containers_, *view, cgroups::readCpu,
        [&](const ContainerView& entry, const cgroups::Cpu& cpu) {
          if (cpu.usage_ns)
            addSample(usage, nanoseconds(*cpu.usage_ns), withLabel(entry.labels, "cpu", "total"));
          if (cpu.user_ns) addSample(user, nanoseconds(*cpu.user_ns), entry.labels);
          if (cpu.system_ns) addSample(system, nanoseconds(*cpu.system_ns), entry.labels);
          // As cAdvisor: throttling only means something under a quota.
          if (!quota_set_[entry.container->id]) return;
          if (cpu.periods) addSample(periods, *cpu.periods, entry.labels);
          if (cpu.throttled_periods)
            addSample(throttled_periods, *cpu.throttled_periods, entry.labels);
          if (cpu.throttled_ns)
            addSample(throttled_seconds, nanoseconds(*cpu.throttled_ns), entry.labels);
        });
    quota_set_.clear();
    return spec_status.isOk() ? usage_status : spec_status;
  }

 private:
  std::map<std::string, bool> quota_set_;  // this scrape's, by container id
};

}  // namespace

void registerCpuCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(containerCollector<CpuCollector>(
      shared, "cpu", "CPU time, CFS throttling and CPU limits from cgroups."));
}

}  // namespace container
