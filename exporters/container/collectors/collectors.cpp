#include "container/collectors/collectors.h"

#include <CLI/CLI.hpp>

namespace container {

void addFlags(CLI::App& flags, SharedContainers& shared) {
  Options& options = shared.options;
  // Seconds on the command line, milliseconds inside.
  auto timeout_seconds = std::make_shared<double>(5);
  auto resync_seconds = std::make_shared<double>(300);
  flags
      .add_option("--docker.socket", options.docker.socket_path,
                  "Docker daemon socket (the snap's daemon uses the default too; rootless Docker: "
                  "$XDG_RUNTIME_DIR/docker.sock).")
      ->capture_default_str()
      ->group("Docker");
  flags
      .add_option("--docker.root", options.docker_root,
                  "Docker's data root as seen by this process (for writable-layer sizes).")
      ->capture_default_str()
      ->group("Docker");
  flags
      .add_option("--docker.timeout", *timeout_seconds,
                  "Timeout of one Docker API request, in seconds.")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->group("Docker");
  flags
      .add_option("--docker.resync-interval", *resync_seconds,
                  "Seconds between full re-reads of the container list; events keep it current "
                  "in between.")
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
  flags.parse_complete_callback([&options, timeout_seconds, resync_seconds] {
    options.docker.timeout =
        std::chrono::milliseconds(static_cast<long long>(*timeout_seconds * 1000));
    options.docker.resync_interval =
        std::chrono::milliseconds(static_cast<long long>(*resync_seconds * 1000));
  });
}

void registerAllCollectors(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registerCpuCollector(registry, shared);
  registerDiskCollector(registry, shared);
  registerDiskioCollector(registry, shared);
  registerDockerCollector(registry, shared);
  registerMemoryCollector(registry, shared);
  registerNetworkCollector(registry, shared);
  registerPressureCollector(registry, shared);
  registerStateCollector(registry, shared);
}

}  // namespace container
