// docker: the exporter's link to the Docker daemon: whether it answers, the
// API calls and events it cost, and malformed input seen anywhere.

#include "container/collectors/collectors.h"

namespace container {
namespace {

class DockerCollector : public ContainerCollector {
 public:
  using ContainerCollector::ContainerCollector;

  runtime::Status update(runtime::MetricSink& sink) override {
    auto& watcher = containers_->watcher();
    auto snapshot = watcher.snapshot();
    sink.gauge("container_exporter_docker_up",
               "1 when the Docker daemon answered and the container list is current, 0 while it is "
               "unreachable.",
               snapshot->up ? 1 : 0);
    auto& requests = sink.counter("container_exporter_docker_api_requests_total",
                                  "Docker Engine API requests made, by endpoint.");
    for (std::size_t i = 0; i < docker::kEndpointNames.size(); ++i) {
      addSample(requests, static_cast<double>(watcher.requests(static_cast<docker::Endpoint>(i))),
                {{"endpoint", docker::kEndpointNames[i]}});
    }
    auto& events = sink.counter("container_exporter_docker_events_total",
                                "Docker container events received, by action.");
    for (const auto& [action, count] : watcher.eventCounts()) {
      addSample(events, static_cast<double>(count), {{"action", action}});
    }
    auto& errors = sink.counter("container_exporter_read_errors_total",
                                "Malformed input: Docker API answers, cgroup files, /proc files.");
    addSample(errors, static_cast<double>(watcher.malformedAnswers()), {{"source", "docker"}});
    addSample(errors, static_cast<double>(containers_->errors(ErrorSource::cgroup)),
              {{"source", "cgroup"}});
    addSample(errors, static_cast<double>(containers_->errors(ErrorSource::procfs)),
              {{"source", "procfs"}});
    return runtime::Status::ok();
  }
};

}  // namespace

void registerDockerCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(containerCollector<DockerCollector>(
      shared, "docker", "Whether Docker answers, and the API requests and events it cost."));
}

}  // namespace container
