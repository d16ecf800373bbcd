#pragma once
// What every container collector shares: the Docker watcher (what containers
// exist and what they are), the cgroup layout (where their usage lives), and
// per container the label sets, rebuilt only when Docker reports a change.

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cgroups/cgroups.h"
#include "docker/watcher.h"
#include "hostfs/open_file_cache.h"
#include "hostfs/paths.h"
#include "runtime/collector.h"
#include "runtime/metrics.h"

namespace container {

struct Options {
  hostfs::Paths paths;  // procfs and sysfs; the cgroup root is <sysfs>/fs/cgroup
  docker::WatcherOptions docker;
  std::string docker_root = "/var/lib/docker";
  bool store_labels = true;
  std::vector<std::string> label_allowlist;  // empty: every label
  std::string cgroup_root;  // empty: <sysfs>/fs/cgroup (tests point it at fixtures)
};

struct ContainerView {
  const docker::Container* container = nullptr;
  // The cgroup path relative to the hierarchy roots, when the container has
  // one (it runs, is paused or is restarting).
  std::optional<std::string> cgroup;
  // cAdvisor's labels: id, name, image, container_label_*.
  runtime::Labels labels;
  // Ours, for the state families: the above plus compose_project and
  // compose_service, which stay even when container labels are not stored.
  runtime::Labels state_labels;
};

struct View {
  std::shared_ptr<const docker::Snapshot> snapshot;  // owns the containers
  std::vector<ContainerView> containers;             // sorted by name
  std::optional<cgroups::Layout> layout;
};

using runtime::addSample;

// Where malformed input came from, for container_exporter_read_errors_total.
enum class ErrorSource { cgroup, procfs };

class Containers {
 public:
  explicit Containers(const Options& options);
  ~Containers();

  // Tests: serve this snapshot instead of the Docker watcher's, which is
  // then never started.
  static std::shared_ptr<Containers> withSnapshotForTesting(
      const Options& options, std::shared_ptr<const docker::Snapshot> snapshot);

  // The current view; rebuilt when Docker's snapshot changed since the last call.
  std::shared_ptr<const View> view();

  const Options& options() const { return options_; }
  docker::Watcher& watcher() { return watcher_; }
  void countError(ErrorSource source) { errors_[static_cast<int>(source)].fetch_add(1); }
  std::uint64_t errors(ErrorSource source) const {
    return errors_[static_cast<int>(source)].load();
  }

 private:
  std::shared_ptr<const View> build(std::shared_ptr<const docker::Snapshot> snapshot);
  runtime::Labels labelsFor(const docker::Container& container, const std::string& id_label) const;

  Containers(const Options& options, std::shared_ptr<const docker::Snapshot> fixed_snapshot);

  Options options_;
  docker::Watcher watcher_;
  std::shared_ptr<const docker::Snapshot> fixed_snapshot_;
  std::optional<cgroups::Layout> layout_;
  std::mutex mutex_;
  std::shared_ptr<const View> view_;
  // Found cgroup paths by container id and pid, so an event elsewhere does
  // not make every container look its cgroup up again.
  std::map<std::pair<std::string, std::int64_t>, std::optional<std::string>> cgroup_cache_;
  std::array<std::atomic<std::uint64_t>, 2> errors_{};
};

// Runs read(layout, cgroup path, files) for each container with a cgroup and
// emit(container, value) for each answer, then ends the scrape for `files`
// (the calling collector's cache: descriptors of containers that stopped are
// closed a few scrapes later). A container that vanished since the listing is
// skipped silently; a malformed file counts an error and makes the collector
// report failure (the others' metrics are still served).
template <typename Read, typename Emit>
runtime::Status forEachCgroup(Containers& containers, const View& view,
                              hostfs::OpenFileCache& files, Read&& read, Emit&& emit) {
  if (!view.layout) return runtime::Status::failure("no cgroup hierarchy found");
  std::string first_error;
  for (const auto& entry : view.containers) {
    if (!entry.cgroup) continue;
    auto value = read(*view.layout, *entry.cgroup, files);
    if (!value) {
      if (value.error().kind == cgroups::ReadIssue::gone) continue;
      containers.countError(ErrorSource::cgroup);
      if (first_error.empty()) first_error = value.error().message;
      continue;
    }
    emit(entry, *value);
  }
  files.sweep();
  return first_error.empty() ? runtime::Status::ok() : runtime::Status::failure(first_error);
}

// "/dev/sda" for a block device, from <sysfs>/dev/block/<major>:<minor>/uevent;
// "<major>:<minor>" when sysfs does not say.
std::string blockDeviceName(const hostfs::Paths& paths, std::uint32_t major, std::uint32_t minor);

// The labels plus one more.
runtime::Labels withLabel(const runtime::Labels& labels, std::string name, std::string value);

// "com.docker.compose.project" -> "container_label_com_docker_compose_project"
std::string containerLabelName(std::string_view docker_label);

}  // namespace container
