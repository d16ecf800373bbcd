#include "container/collectors/containers.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "hostfs/read.h"
#include "log/log.h"
#include "procfs/text.h"

namespace container {

Containers::Containers(const Options& options) : Containers(options, nullptr) {}

Containers::Containers(const Options& options,
                       std::shared_ptr<const docker::Snapshot> fixed_snapshot)
    : options_(options), watcher_(options.docker), fixed_snapshot_(std::move(fixed_snapshot)) {
  std::string cgroup_root =
      options_.cgroup_root.empty() ? options_.paths.sys("fs/cgroup") : options_.cgroup_root;
  auto layout = cgroups::detectLayout(cgroup_root);
  if (layout) {
    layout_ = *layout;
  } else {
    LOG_ERROR("no cgroup hierarchy; usage metrics are off, state metrics still work",
              {"path", cgroup_root}, {"err", layout.error()});
  }
  if (!fixed_snapshot_) watcher_.start();
}

std::shared_ptr<Containers> Containers::withSnapshotForTesting(
    const Options& options, std::shared_ptr<const docker::Snapshot> snapshot) {
  return std::shared_ptr<Containers>(new Containers(options, std::move(snapshot)));
}

Containers::~Containers() { watcher_.stop(); }

std::shared_ptr<const View> Containers::view() {
  auto snapshot = fixed_snapshot_ ? fixed_snapshot_ : watcher_.snapshot();
  std::lock_guard lock(mutex_);
  if (!view_ || view_->snapshot != snapshot) view_ = build(std::move(snapshot));
  return view_;
}

std::string containerLabelName(std::string_view docker_label) {
  return "container_label_" + docker::sanitizedLabelName(docker_label);
}

std::string blockDeviceName(const hostfs::Paths& paths, std::uint32_t major, std::uint32_t minor) {
  std::string name = fmt::format("{}:{}", major, minor);
  auto uevent = hostfs::readFile(paths.sys(fmt::format("dev/block/{}:{}/uevent", major, minor)));
  if (uevent) {
    procfs::forEachLine(*uevent, [&](std::string_view line) {
      if (line.starts_with("DEVNAME=")) name = "/dev/" + std::string(line.substr(8));
    });
  }
  return name;
}

runtime::Labels withLabel(const runtime::Labels& labels, std::string name, std::string value) {
  runtime::Labels out;
  out.reserve(labels.size() + 1);
  out = labels;
  out.push_back({std::move(name), std::move(value)});
  return out;
}

runtime::Labels Containers::labelsFor(const docker::Container& container,
                                      const std::string& id_label) const {
  runtime::Labels labels = {{"id", id_label}, {"name", container.name}, {"image", container.image}};
  if (!options_.store_labels) return labels;
  std::set<std::string> seen;
  for (const auto& [key, value] : container.labels) {
    if (!options_.label_allowlist.empty() &&
        std::find(options_.label_allowlist.begin(), options_.label_allowlist.end(), key) ==
            options_.label_allowlist.end()) {
      continue;
    }
    // Two Docker labels may sanitize to one name ("a.b", "a_b"): keep the first.
    std::string name = containerLabelName(key);
    if (seen.insert(name).second) labels.push_back({std::move(name), value});
  }
  return labels;
}

std::shared_ptr<const View> Containers::build(std::shared_ptr<const docker::Snapshot> snapshot) {
  auto view = std::make_shared<View>();
  view->layout = layout_;
  bool systemd_driver = snapshot->info.cgroup_driver == "systemd";
  std::map<std::pair<std::string, std::int64_t>, std::optional<std::string>> cache;
  for (const auto& container : snapshot->containers) {
    ContainerView entry;
    entry.container = &container;
    bool has_cgroup =
        container.pid > 0 && (container.state == "running" || container.state == "paused" ||
                              container.state == "restarting");
    if (has_cgroup && layout_) {
      auto key = std::pair{container.id, container.pid};
      auto cached = cgroup_cache_.find(key);
      entry.cgroup = cached != cgroup_cache_.end() && cached->second
                         ? cached->second
                         : cgroups::findContainer(*layout_, container.id, container.cgroup_parent,
                                                  systemd_driver);
      cache[key] = entry.cgroup;
    }
    // Without a cgroup (exited), the id is where Docker would put it.
    std::string id_label = entry.cgroup     ? *entry.cgroup
                           : systemd_driver ? "/system.slice/docker-" + container.id + ".scope"
                                            : "/docker/" + container.id;
    entry.labels = labelsFor(container, id_label);
    entry.state_labels = entry.labels;
    const std::string* project = container.label("com.docker.compose.project");
    const std::string* service = container.label("com.docker.compose.service");
    entry.state_labels.push_back({"compose_project", project ? *project : ""});
    entry.state_labels.push_back({"compose_service", service ? *service : ""});
    view->containers.push_back(std::move(entry));
  }
  cgroup_cache_ = std::move(cache);
  view->snapshot = std::move(snapshot);
  return view;
}

}  // namespace container
