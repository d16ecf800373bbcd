// tern-container: Docker container metrics with cAdvisor's names, from the
// Docker API (what containers exist) and cgroup files (what they use).

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "collectors/collectors.h"
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
  auto& options = shared.options;
  double timeout_seconds = 5, resync_seconds = 300;
  CLI::App& flags = exporter.flags();
  flags
      .add_option(
          "--docker.socket", options.docker.socket_path,
          "Docker daemon socket. Snap installs use /var/snap/docker/common/run/docker.sock (or "
          "/run/snap.docker/docker.sock); rootless Docker uses $XDG_RUNTIME_DIR/docker.sock.")
      ->capture_default_str()
      ->group("Docker");
  flags
      .add_option("--docker.root", options.docker_root,
                  "Docker's data root as seen by this process (for writable-layer sizes).")
      ->capture_default_str()
      ->group("Docker");
  flags
      .add_option("--docker.timeout", timeout_seconds,
                  "Timeout of one Docker API request, in seconds.")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Docker");
  flags
      .add_option(
          "--docker.resync-interval", resync_seconds,
          "Seconds between full re-reads of the container list; events keep it current in between.")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Docker");
  flags
      .add_flag("--container.store-labels,!--no-container.store-labels", options.store_labels,
                "Export Docker labels as container_label_<name> labels.")
      ->capture_default_str()
      ->group("Containers");
  flags
      .add_option("--container.label-allowlist", options.label_allowlist,
                  "Only these Docker labels become container_label_* labels (comma-separated; "
                  "default all).")
      ->delimiter(',')
      ->group("Containers");
  flags.add_option("--path.procfs", options.paths.procfs, "procfs mountpoint.")
      ->capture_default_str()
      ->group("Paths");
  flags
      .add_option("--path.sysfs", options.paths.sysfs,
                  "sysfs mountpoint (cgroups are read under <sysfs>/fs/cgroup).")
      ->capture_default_str()
      ->group("Paths");
  container::registerAllCollectors(exporter.collectors(), shared);
  // The durations are read after parsing, when the first collector is built.
  flags.parse_complete_callback([&] {
    options.docker.timeout =
        std::chrono::milliseconds(static_cast<long long>(timeout_seconds * 1000));
    options.docker.resync_interval =
        std::chrono::milliseconds(static_cast<long long>(resync_seconds * 1000));
  });
  return exporter.run(argc, argv);
}
