// network: interface counters inside each container's network namespace,
// read from /proc/<pid>/net/dev of its init process. Like cAdvisor, lo and
// host-side veth/docker interfaces are left out.

#include <fmt/format.h>

#include "container/collectors/collectors.h"
#include "hostfs/read.h"
#include "procfs/netdev.h"

namespace container {
namespace {

bool ignoredInterface(std::string_view name) {
  return name == "lo" || name.starts_with("veth") || name.starts_with("docker");
}

class NetworkCollector : public ContainerCollector {
 public:
  using ContainerCollector::ContainerCollector;

  runtime::Status update(runtime::MetricSink& sink) override {
    auto view = containers_->view();
    struct Counter {
      const char* name;
      const char* help;
      std::uint64_t procfs::NetDevLine::*field;
      runtime::MetricFamily* family = nullptr;
    };
    std::array<Counter, 8> counters = {{
        {"container_network_receive_bytes_total", "Cumulative count of bytes received",
         &procfs::NetDevLine::receive_bytes},
        {"container_network_receive_packets_total", "Cumulative count of packets received",
         &procfs::NetDevLine::receive_packets},
        {"container_network_receive_packets_dropped_total",
         "Cumulative count of packets dropped while receiving",
         &procfs::NetDevLine::receive_dropped},
        {"container_network_receive_errors_total",
         "Cumulative count of errors encountered while receiving",
         &procfs::NetDevLine::receive_errors},
        {"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
         &procfs::NetDevLine::transmit_bytes},
        {"container_network_transmit_packets_total", "Cumulative count of packets transmitted",
         &procfs::NetDevLine::transmit_packets},
        {"container_network_transmit_packets_dropped_total",
         "Cumulative count of packets dropped while transmitting",
         &procfs::NetDevLine::transmit_dropped},
        {"container_network_transmit_errors_total",
         "Cumulative count of errors encountered while transmitting",
         &procfs::NetDevLine::transmit_errors},
    }};
    for (auto& counter : counters) counter.family = &sink.counter(counter.name, counter.help);

    std::string first_error;
    for (const auto& entry : view->containers) {
      if (!entry.cgroup) continue;  // not running: no namespace to look into
      std::string path =
          containers_->options().paths.proc(fmt::format("{}/net/dev", entry.container->pid));
      auto text = hostfs::readFile(path);
      if (!text) {
        if (text.error().notFound()) continue;  // exited since the listing
        if (first_error.empty()) first_error = text.error().message();
        continue;
      }
      auto interfaces = procfs::parseNetDev(*text);
      if (!interfaces) {
        containers_->countError(ErrorSource::procfs);
        if (first_error.empty()) first_error = path + ": " + interfaces.error();
        continue;
      }
      for (const auto& interface : *interfaces) {
        if (ignoredInterface(interface.name)) continue;
        auto labels = withLabel(entry.labels, "interface", interface.name);
        for (auto& counter : counters) addSample(*counter.family, interface.*counter.field, labels);
      }
    }
    return first_error.empty() ? runtime::Status::ok() : runtime::Status::failure(first_error);
  }
};

}  // namespace

void registerNetworkCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(containerCollector<NetworkCollector>(
      shared, "network", "Network interface counters inside each container."));
}

}  // namespace container
