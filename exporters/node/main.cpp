// tern-node: host metrics with node_exporter's names, labels and flags.

#include "collectors/collectors.h"
#include "runtime/exporter.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  runtime::Exporter exporter({
      .program = "tern-node",
      .description = "Prometheus exporter for host metrics, compatible with node_exporter.",
      .metric_namespace = "node",
      .build_info_name = "node_exporter_build_info",
      .default_listen_address = ":9100",
  });
  hostfs::Paths paths;
  CLI::App& flags = exporter.flags();
  flags.add_option("--path.procfs", paths.procfs, "procfs mountpoint.")->capture_default_str()->group("Paths");
  flags.add_option("--path.sysfs", paths.sysfs, "sysfs mountpoint.")->capture_default_str()->group("Paths");
  flags.add_option("--path.rootfs", paths.rootfs, "rootfs mountpoint.")->capture_default_str()->group("Paths");
  flags.add_option("--path.udev.data", paths.udev_data, "udev data path.")->capture_default_str()->group("Paths");
  node::registerAllCollectors(exporter.collectors(), paths);
  return exporter.run(argc, argv);
}
