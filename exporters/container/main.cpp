// tern-container: Docker container metrics with cAdvisor's names, from the
// Docker API (what containers exist) and cgroup files (what they use).

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "container/collectors/collectors.h"
#include "runtime/exporter.h"

int main(int argc, char** argv) {
  runtime::Exporter exporter({
      .program = "tern-container",
      .description =
          "Prometheus exporter for Docker containers, compatible with cAdvisor's metric names.",
      .metric_namespace = "container_exporter",
      .build_info_name = "container_exporter_build_info",
      .default_listen_address = ":9338",
  });
  container::SharedContainers shared;
  container::addFlags(exporter.flags(), shared);
  container::registerAllCollectors(exporter.collectors(), shared);
  return exporter.run(argc, argv);
}
