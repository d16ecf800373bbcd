// state: what Docker says of each container, for "container down" alerts and
// the DevOps dashboard. Not in cAdvisor, which sees only running cgroups:
// state, health, restarts, last exit code and OOM kill survive exit until the
// container is removed. container_last_seen and container_start_time_seconds
// are cAdvisor's and, as there, exist only while the container runs.

#include <chrono>

#include "container/collectors/collectors.h"

namespace container {
namespace {

constexpr std::array<const char*, 6> kStates = {"created", "running", "restarting",
                                                "paused",  "exited",  "dead"};
constexpr std::array<const char*, 4> kHealth = {"starting", "healthy", "unhealthy", "none"};

class StateCollector : public ContainerCollector {
 public:
  using ContainerCollector::ContainerCollector;

  runtime::Status update(runtime::MetricSink& sink) override {
    auto view = containers_->view();
    auto& state =
        sink.gauge("container_state",
                   "Docker state of the container: 1 for the current one of created, running, "
                   "restarting, paused, exited, dead.");
    auto& health =
        sink.gauge("container_health_status",
                   "Docker healthcheck status: 1 for the current one of starting, healthy, "
                   "unhealthy, none (no healthcheck).");
    auto& restarts = sink.gauge("container_restart_count",
                                "Times Docker restarted the container (its RestartCount).");
    auto& exit_code =
        sink.gauge("container_last_exit_code", "Exit code of the container's last run.");
    auto& oom_killed =
        sink.gauge("container_oom_killed", "1 when the container's last run was OOM-killed.");
    auto& last_seen =
        sink.gauge("container_last_seen", "Last time a container was seen by the exporter");
    auto& start_time = sink.gauge("container_start_time_seconds",
                                  "Start time of the container since unix epoch in seconds.");
    double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& entry : view->containers) {
      const auto& c = *entry.container;
      for (const char* name : kStates) {
        addSample(state, c.state == name ? 1 : 0, withLabel(entry.state_labels, "state", name));
      }
      for (const char* name : kHealth) {
        addSample(health, c.health == name ? 1 : 0, withLabel(entry.state_labels, "status", name));
      }
      addSample(restarts, static_cast<double>(c.restart_count), entry.state_labels);
      addSample(exit_code, static_cast<double>(c.exit_code), entry.state_labels);
      addSample(oom_killed, c.oom_killed ? 1 : 0, entry.state_labels);
      if (entry.cgroup) {
        addSample(last_seen, now, entry.labels);
        if (c.started_at > 0) addSample(start_time, c.started_at, entry.labels);
      }
    }
    return runtime::Status::ok();
  }
};

}  // namespace

void registerStateCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(containerCollector<StateCollector>(
      shared, "state",
      "Docker state, health, restarts, exit code and OOM kill of every container."));
}

}  // namespace container
