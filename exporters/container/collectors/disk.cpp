// disk: size of each container's writable layer (the overlay2 upper
// directory Docker reports in GraphDriver.Data.UpperDir) and the size of the
// filesystem holding it, as cAdvisor's container_fs_usage_bytes and
// container_fs_limit_bytes. Walking a layer costs a stat per file, so it runs
// in a background thread every --collector.disk.interval and scrapes read the
// last result; a scrape never walks a directory.

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <set>
#include <thread>

#include "container/collectors/collectors.h"
#include "log/log.h"

namespace container {
namespace {

double g_interval_seconds = 60;

// Bytes allocated under a directory, as `du` counts them (st_blocks, each
// hard-linked inode once), without following symlinks or leaving the
// filesystem.
std::uint64_t allocatedBytes(int directory_fd, dev_t device,
                             std::set<std::pair<dev_t, ino_t>>& seen,
                             const std::atomic<bool>& stop) {
  DIR* directory = fdopendir(directory_fd);
  if (!directory) {
    ::close(directory_fd);
    return 0;
  }
  std::uint64_t total = 0;
  while (dirent* entry = readdir(directory)) {
    if (stop) break;
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info {};
    if (fstatat(dirfd(directory), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (info.st_dev != device) continue;
    if (info.st_nlink > 1 && !S_ISDIR(info.st_mode) &&
        !seen.insert({info.st_dev, info.st_ino}).second)
      continue;
    total += static_cast<std::uint64_t>(info.st_blocks) * 512;
    if (S_ISDIR(info.st_mode)) {
      int child =
          openat(dirfd(directory), entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child >= 0) total += allocatedBytes(child, device, seen, stop);
    }
  }
  closedir(directory);
  return total;
}

struct Measured {
  std::uint64_t usage = 0;
  std::uint64_t limit = 0;
  std::string device;
};

class DiskCollector : public ContainerCollector {
 public:
  explicit DiskCollector(std::shared_ptr<Containers> containers)
      : ContainerCollector(std::move(containers)),
        interval_(std::chrono::milliseconds(static_cast<long long>(g_interval_seconds * 1000))) {
    thread_ = std::thread([this] { run(); });
  }
  ~DiskCollector() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  runtime::Status update(runtime::MetricSink& sink) override {
    auto view = containers_->view();
    auto& usage =
        sink.gauge("container_fs_usage_bytes",
                   "Number of bytes that are consumed by the container on this filesystem.");
    auto& limit =
        sink.gauge("container_fs_limit_bytes",
                   "Number of bytes that can be consumed by the container on this filesystem.");
    std::lock_guard lock(mutex_);
    for (const auto& entry : view->containers) {
      auto found = measured_.find(entry.container->id);
      if (!entry.cgroup || found == measured_.end()) continue;
      auto labels = withLabel(entry.labels, "device", found->second.device);
      addSample(usage, static_cast<double>(found->second.usage), labels);
      addSample(limit, static_cast<double>(found->second.limit), labels);
    }
    // A layer that cannot be opened (not root: Docker's overlay2 folders are
    // 0710 root) fails the collector, so the gap is seen, not silent.
    return unreadable_.empty() ? runtime::Status::ok() : runtime::Status::failure(unreadable_);
  }

 private:
  // The upper directory as this process sees it: Docker reports host paths
  // under its own data root, which --docker.root may mount elsewhere.
  std::string localPath(const docker::Snapshot& snapshot, const std::string& upper_dir) const {
    const std::string& daemon_root = snapshot.info.docker_root_dir;
    if (!daemon_root.empty() && upper_dir.starts_with(daemon_root + "/")) {
      return containers_->options().docker_root + upper_dir.substr(daemon_root.size());
    }
    return upper_dir;
  }

  std::string deviceName(dev_t device) const {
    return blockDeviceName(containers_->options().paths, major(device), minor(device));
  }

  void measureAll() {
    auto view = containers_->view();
    std::map<std::string, Measured> measured;
    std::string unreadable;
    for (const auto& entry : view->containers) {
      if (stop_) return;
      const auto& c = *entry.container;
      if (!entry.cgroup || c.upper_dir.empty()) continue;  // not overlay2, or not running
      std::string path = localPath(*view->snapshot, c.upper_dir);
      int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) {
        // ENOENT: removed meanwhile, or the docker root is not mounted here.
        if (errno != ENOENT && unreadable.empty()) {
          unreadable = fmt::format("{}: {} (writable layers need root or CAP_DAC_READ_SEARCH)",
                                   path, std::strerror(errno));
        }
        continue;
      }
      struct stat info {};
      struct statvfs filesystem {};
      if (fstat(fd, &info) != 0 || fstatvfs(fd, &filesystem) != 0) {
        ::close(fd);
        continue;
      }
      Measured result;
      result.limit = static_cast<std::uint64_t>(filesystem.f_blocks) * filesystem.f_frsize;
      result.device = deviceName(info.st_dev);
      std::set<std::pair<dev_t, ino_t>> seen;
      result.usage = allocatedBytes(fd, info.st_dev, seen, stop_);
      measured.emplace(c.id, std::move(result));
    }
    std::lock_guard lock(mutex_);
    measured_ = std::move(measured);
    unreadable_ = std::move(unreadable);
  }

  void run() {
    // Until Docker first answers there is nothing to measure: look again
    // every second, then every interval.
    while (true) {
      bool synced = containers_->view()->snapshot->up;
      if (synced) measureAll();
      std::unique_lock lock(mutex_);
      auto wait = synced ? interval_ : std::chrono::milliseconds(1000);
      if (wake_.wait_for(lock, wait, [this] { return stop_.load(); })) return;
    }
  }

  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
  std::map<std::string, Measured> measured_;
  std::string unreadable_;  // the first layer the last pass could not open
  std::thread thread_;
};

}  // namespace

void registerDiskCollector(runtime::CollectorRegistry& registry, SharedContainers& shared) {
  registry.add(
      {.name = "disk",
       .enabled_by_default = true,
       .help = "Writable-layer size of each container (overlay2), measured in the background.",
       .add_flags =
           [](CLI::App& app) {
             app.add_option("--collector.disk.interval", g_interval_seconds,
                            "Seconds between measurements of the containers' writable layers.")
                 ->capture_default_str()
                 ->check(CLI::PositiveNumber)
                 ->group("Collectors");
           },
       .make = [&shared] { return std::make_unique<DiskCollector>(shared.get()); }});
}

}  // namespace container
