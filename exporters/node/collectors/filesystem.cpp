// filesystem: node_filesystem_{size,free,avail}_bytes, _files, _files_free,
// _readonly and _device_error{device,fstype,mountpoint}, as node_exporter 1.5,
// from <procfs>/1/mountinfo (or <procfs>/mounts when PID 1's is hidden) and
// statvfs(<rootfs><mountpoint>).
//
// A dead NFS or CIFS server makes statfs() block, for minutes or for ever
// (node_exporter issues 244, 868, 2065, 3058), and no thread blocked in the
// kernel can be cancelled. So statfs runs off the scrape path, on a few
// DeadlineWorker lanes that take mounts from a shared batch. A mount that has
// not answered within --collector.filesystem.mount-timeout is reported with
// device_error 1 and remembered as stuck; its lane is set aside (the thread
// frees itself when statfs returns) and a fresh lane carries on with the rest.
// While a mount is stuck, scrapes skip it at once with device_error 1; when
// its statfs finally returns it is forgotten, and the next scrape tries again.
// One thread per stuck mount at most, and a scrape waits at most the timeout
// per wave of newly stuck mounts.

#include "collectors/filesystem.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "log/log.h"
#include "procfs/mounts.h"
#include "runtime/deadline_worker.h"
#include "runtime/filter.h"

namespace node {
namespace {

using Clock = runtime::DeadlineWorker::Clock;

constexpr const char* kDefaultMountPointsExclude =
    "^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
constexpr const char* kDefaultFsTypesExclude =
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|"
    "mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|"
    "tracefs)$";
constexpr std::size_t kStatLanes = 4;  // statfs calls in flight at once

struct FilesystemOptions {
  std::string mount_points_exclude = kDefaultMountPointsExclude;
  std::string fs_types_exclude = kDefaultFsTypesExclude;
  std::string ignored_mount_points;  // deprecated spellings
  std::string ignored_fs_types;
  std::string mount_timeout = "5s";
  CLI::Option* mount_points_option = nullptr;
  CLI::Option* fs_types_option = nullptr;
};

// Go's time.ParseDuration, for the flag's "5s", "500ms", "1m30s".
std::optional<Clock::duration> parseGoDuration(std::string_view text) {
  static const std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
  if (text == "0") return Clock::duration::zero();
  if (text.empty()) return std::nullopt;
  double seconds = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
      ++digits;
    }
    auto number = procfs::parseDouble(text.substr(0, digits));
    if (!number) return std::nullopt;
    text.remove_prefix(digits);
    std::size_t unit_length = 0;
    while (unit_length < text.size() &&
           !std::isdigit(static_cast<unsigned char>(text[unit_length])) &&
           text[unit_length] != '.') {
      ++unit_length;
    }
    auto unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                             [&](const auto& u) { return u.first == text.substr(0, unit_length); });
    if (unit == std::end(kUnits)) return std::nullopt;
    seconds += *number * unit->second;
    text.remove_prefix(unit_length);
  }
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Resolves a deprecated flag against its replacement, as upstream does.
std::string pickPattern(const std::string& current, const CLI::Option* current_option,
                        const std::string& deprecated, const char* current_flag,
                        const char* deprecated_flag) {
  if (deprecated.empty()) return current;
  if (current_option && current_option->count() > 0) {
    throw std::invalid_argument(std::string(deprecated_flag) + " and " + current_flag +
                                " are mutually exclusive");
  }
  LOG_WARN(std::string(deprecated_flag) + " is DEPRECATED and will be removed in 2.0.0, use " +
               current_flag,
           {"collector", "filesystem"});
  return deprecated;
}

// Mount points whose statfs has not returned. Shared with the lanes, which
// may outlive the collector.
class StuckMounts {
 public:
  bool contains(const std::string& mount_point) {
    std::lock_guard lock(mutex_);
    return count_.count(mount_point) > 0;
  }
  void add(const std::string& mount_point) {
    std::lock_guard lock(mutex_);
    ++count_[mount_point];
  }
  void remove(const std::string& mount_point) {
    std::lock_guard lock(mutex_);
    auto it = count_.find(mount_point);
    if (it != count_.end() && --it->second == 0) count_.erase(it);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> count_;  // one mount point can be stuck on two lanes
};

// One scrape's statfs work, shared by the scrape and its lanes.
struct Batch {
  std::vector<std::string> paths;         // what to statfs; fixed before lanes start
  std::vector<std::string> mount_points;  // the stuck-set keys
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<StatfsResult>> results;  // empty: stuck
  std::size_t next = 0;                              // first mount no lane has taken
  std::size_t settled = 0;                           // answered or given up on
  struct Lane {
    std::uint64_t generation = 0;  // bumped when the scrape gives up on the lane
    std::optional<std::size_t> current;
    Clock::time_point started;
  };
  std::vector<Lane> lanes;
};

// A lane's job: take mounts from the batch until none are left, or until
// the scrape has given up on this lane.
void runLane(const std::shared_ptr<Batch>& batch, std::size_t lane, std::uint64_t generation,
             const std::shared_ptr<const StatfsFunction>& statfs,
             const std::shared_ptr<StuckMounts>& stuck) {
  std::unique_lock lock(batch->mutex);
  while (batch->lanes[lane].generation == generation && batch->next < batch->paths.size()) {
    const std::size_t index = batch->next++;
    batch->lanes[lane].current = index;
    batch->lanes[lane].started = Clock::now();
    batch->changed.notify_all();
    lock.unlock();
    StatfsResult result = (*statfs)(batch->paths[index]);
    lock.lock();
    if (batch->lanes[lane].generation != generation) {
      // The scrape reported this mount stuck and moved on; it answers now.
      stuck->remove(batch->mount_points[index]);
      LOG_INFO("Mount point has recovered, monitoring will resume", {"collector", "filesystem"},
               {"mountpoint", batch->mount_points[index]});
      return;
    }
    batch->results[index] = std::move(result);
    ++batch->settled;
    batch->lanes[lane].current.reset();
    batch->changed.notify_all();
  }
}

struct Mount {
  std::string device, fs_type, mount_point;  // labels
  std::string stat_path;
  bool read_only = false;
  std::optional<StatfsResult> stat;  // empty: stuck
};

class FilesystemCollector : public runtime::Collector {
 public:
  FilesystemCollector(const hostfs::Paths& paths, const FilesystemOptions& options,
                      StatfsFunction statfs)
      : paths_(paths),
        statfs_(std::make_shared<const StatfsFunction>(std::move(statfs))),
        stuck_(std::make_shared<StuckMounts>()) {
    const std::string mount_points =
        pickPattern(options.mount_points_exclude, options.mount_points_option,
                    options.ignored_mount_points, "--collector.filesystem.mount-points-exclude",
                    "--collector.filesystem.ignored-mount-points");
    const std::string fs_types = pickPattern(
        options.fs_types_exclude, options.fs_types_option, options.ignored_fs_types,
        "--collector.filesystem.fs-types-exclude", "--collector.filesystem.ignored-fs-types");
    mount_points_ = runtime::NameFilter("", mount_points, "--collector.filesystem.mount-points");
    fs_types_ = runtime::NameFilter("", fs_types, "--collector.filesystem.fs-types");
    LOG_INFO("Parsed flag --collector.filesystem.mount-points-exclude", {"collector", "filesystem"},
             {"flag", mount_points});
    LOG_INFO("Parsed flag --collector.filesystem.fs-types-exclude", {"collector", "filesystem"},
             {"flag", fs_types});
    auto timeout = parseGoDuration(options.mount_timeout);
    if (!timeout || *timeout <= Clock::duration::zero()) {
      throw std::invalid_argument(
          "--collector.filesystem.mount-timeout: not a positive duration: \"" +
          options.mount_timeout + "\"");
    }
    timeout_ = *timeout;
  }

  runtime::Status update(runtime::MetricSink& sink) override {
    std::string source = paths_.proc("1/mountinfo");
    auto text = hostfs::readFile(source);
    bool mountinfo_format = true;
    if (!text && text.error().notFound()) {
      // PID 1's mounts are hidden (hidepid): fall back to our own view.
      LOG_DEBUG("Reading root mounts failed, falling back to system mounts",
                {"collector", "filesystem"}, {"err", text.error().message()});
      source = paths_.proc("mounts");
      text = hostfs::readFile(source);
      mountinfo_format = false;
    }
    if (!text) return runtime::Status::failure(text.error().message());
    auto entries = mountinfo_format ? procfs::parseMountInfo(*text) : procfs::parseMounts(*text);
    if (!entries) return runtime::Status::failure(source + ": " + entries.error());

    std::vector<Mount> mounts = selectMounts(*entries);
    statAll(mounts);
    std::sort(mounts.begin(), mounts.end(), [](const Mount& a, const Mount& b) {
      return std::tie(a.device, a.fs_type, a.mount_point) <
             std::tie(b.device, b.fs_type, b.mount_point);
    });
    emit(mounts, sink);
    return runtime::Status::ok();
  }

 private:
  // node_exporter's mountpoint label: the path with --path.rootfs cut off.
  std::string stripRootfs(const std::string& path) const {
    if (paths_.rootfs == "/") return path;
    std::string stripped = path;
    if (stripped.compare(0, paths_.rootfs.size(), paths_.rootfs) == 0) {
      stripped.erase(0, paths_.rootfs.size());
    }
    return stripped.empty() ? "/" : stripped;
  }

  // Filtered, one per label set, stuck ones settled already.
  std::vector<Mount> selectMounts(const std::vector<procfs::MountEntry>& entries) {
    std::vector<Mount> mounts;
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    for (const auto& entry : entries) {
      std::string mount_point = stripRootfs(entry.mount_point);
      if (mount_points_.ignored(mount_point)) {
        LOG_DEBUG("Ignoring mount point", {"collector", "filesystem"}, {"mountpoint", mount_point});
        continue;
      }
      if (fs_types_.ignored(entry.fs_type)) {
        LOG_DEBUG("Ignoring fs type", {"collector", "filesystem"}, {"type", entry.fs_type});
        continue;
      }
      if (!seen.emplace(entry.device, entry.fs_type, mount_point).second) continue;
      Mount& mount = mounts.emplace_back();
      mount.device = entry.device;
      mount.fs_type = entry.fs_type;
      mount.read_only = entry.read_only;
      mount.stat_path = paths_.root(mount_point);
      mount.mount_point = std::move(mount_point);
    }
    return mounts;
  }

  // Fills every mount's stat, or leaves it empty when the mount is stuck.
  void statAll(std::vector<Mount>& mounts) {
    auto batch = std::make_shared<Batch>();
    std::vector<Mount*> pending;
    for (Mount& mount : mounts) {
      if (stuck_->contains(mount.mount_point)) {
        LOG_DEBUG("Mount point is in an unresponsive state", {"collector", "filesystem"},
                  {"mountpoint", mount.mount_point});
        continue;
      }
      pending.push_back(&mount);
      batch->paths.push_back(mount.stat_path);
      batch->mount_points.push_back(mount.mount_point);
    }
    if (pending.empty()) return;
    batch->results.resize(pending.size());
    const std::size_t lane_count = std::min(kStatLanes, pending.size());
    batch->lanes.resize(lane_count);
    if (workers_.size() < lane_count) workers_.resize(lane_count);
    for (std::size_t lane = 0; lane < lane_count; ++lane) startLane(batch, lane, 0);

    std::unique_lock lock(batch->mutex);
    std::vector<std::size_t> abandoned;
    while (batch->settled < pending.size()) {
      const auto now = Clock::now();
      std::optional<Clock::time_point> next_deadline;
      std::vector<std::pair<std::size_t, std::uint64_t>> restart;
      for (std::size_t lane = 0; lane < lane_count; ++lane) {
        Batch::Lane& state = batch->lanes[lane];
        if (!state.current) continue;
        const auto deadline = state.started + timeout_;
        if (deadline > now) {
          next_deadline = next_deadline ? std::min(*next_deadline, deadline) : deadline;
          continue;
        }
        // Given up on: report it, remember it, and replace the lane.
        const std::size_t index = *state.current;
        LOG_WARN("Mount point timed out, it is being labeled as stuck and will not be monitored",
                 {"collector", "filesystem"}, {"mountpoint", batch->mount_points[index]});
        stuck_->add(batch->mount_points[index]);
        ++batch->settled;
        state.current.reset();
        restart.emplace_back(lane, ++state.generation);
      }
      if (!restart.empty()) {
        lock.unlock();
        for (const auto& [lane, generation] : restart) {
          workers_[lane].reset();  // a busy worker detaches and frees itself later
          startLane(batch, lane, generation);
        }
        lock.lock();
        continue;
      }
      if (next_deadline) {
        batch->changed.wait_until(lock, *next_deadline);
      } else {
        batch->changed.wait(lock);
      }
    }
    for (std::size_t i = 0; i < pending.size(); ++i) pending[i]->stat = batch->results[i];
    lock.unlock();
    // The lanes still running are about to find the batch empty; wait for
    // them so their workers can take the next scrape's batch.
    for (std::size_t lane = 0; lane < lane_count; ++lane) {
      if (workers_[lane] && !workers_[lane]->waitUntil(Clock::now() + timeout_)) {
        workers_[lane].reset();
      }
    }
  }

  void startLane(const std::shared_ptr<Batch>& batch, std::size_t lane, std::uint64_t generation) {
    if (!workers_[lane] || workers_[lane]->busy()) {
      workers_[lane] = std::make_unique<runtime::DeadlineWorker>();
    }
    workers_[lane]->start([batch, lane, generation, statfs = statfs_, stuck = stuck_] {
      runLane(batch, lane, generation, statfs, stuck);
    });
  }

  void emit(const std::vector<Mount>& mounts, runtime::MetricSink& sink) const {
    auto& size = sink.gauge("node_filesystem_size_bytes", "Filesystem size in bytes.");
    auto& free = sink.gauge("node_filesystem_free_bytes", "Filesystem free space in bytes.");
    auto& avail = sink.gauge("node_filesystem_avail_bytes",
                             "Filesystem space available to non-root users in bytes.");
    auto& files = sink.gauge("node_filesystem_files", "Filesystem total file nodes.");
    auto& files_free =
        sink.gauge("node_filesystem_files_free", "Filesystem total free file nodes.");
    auto& readonly = sink.gauge("node_filesystem_readonly", "Filesystem read-only status.");
    auto& device_error =
        sink.gauge("node_filesystem_device_error",
                   "Whether an error occurred while getting statistics for the given device.");
    for (const Mount& mount : mounts) {
      runtime::Labels labels = {
          {"device", mount.device}, {"fstype", mount.fs_type}, {"mountpoint", mount.mount_point}};
      if (!mount.stat || !*mount.stat) {
        if (mount.stat) {
          LOG_DEBUG("Error on statfs() system call", {"collector", "filesystem"},
                    {"rootfs", mount.stat_path}, {"err", std::strerror(mount.stat->error())});
        }
        runtime::addSample(device_error, 1, std::move(labels));
        continue;
      }
      const struct statvfs& st = mount.stat->value();
      // Blocks in units of f_bsize, as node_exporter computes them.
      const double block = static_cast<double>(st.f_bsize);
      runtime::addSample(size, static_cast<double>(st.f_blocks) * block, labels);
      runtime::addSample(free, static_cast<double>(st.f_bfree) * block, labels);
      runtime::addSample(avail, static_cast<double>(st.f_bavail) * block, labels);
      runtime::addSample(files, static_cast<double>(st.f_files), labels);
      runtime::addSample(files_free, static_cast<double>(st.f_ffree), labels);
      runtime::addSample(readonly, mount.read_only ? 1 : 0, labels);
      runtime::addSample(device_error, 0, std::move(labels));
    }
  }

  hostfs::Paths paths_;
  std::shared_ptr<const StatfsFunction> statfs_;
  std::shared_ptr<StuckMounts> stuck_;
  runtime::NameFilter mount_points_;
  runtime::NameFilter fs_types_;
  Clock::duration timeout_{};
  std::vector<std::unique_ptr<runtime::DeadlineWorker>> workers_;
};

StatfsResult realStatfs(const std::string& path) {
  struct statvfs st;
  if (::statvfs(path.c_str(), &st) != 0) return base::unexpected(errno);
  return st;
}

}  // namespace

void registerFilesystemCollectorWith(runtime::CollectorRegistry& registry,
                                     const hostfs::Paths& paths, StatfsFunction statfs) {
  auto options = std::make_shared<FilesystemOptions>();
  registry.add(
      {.name = "filesystem",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             options->mount_points_option =
                 app.add_option("--collector.filesystem.mount-points-exclude",
                                options->mount_points_exclude,
                                "Regexp of mount points to exclude for filesystem collector.")
                     ->capture_default_str();
             options->fs_types_option =
                 app.add_option("--collector.filesystem.fs-types-exclude",
                                options->fs_types_exclude,
                                "Regexp of filesystem types to exclude for filesystem collector.")
                     ->capture_default_str();
             // Hidden, as in node_exporter 1.5.
             app.add_option("--collector.filesystem.mount-timeout", options->mount_timeout,
                            "how long to wait for a mount to respond before marking it as stale")
                 ->capture_default_str()
                 ->group("");
             app.add_option("--collector.filesystem.ignored-mount-points",
                            options->ignored_mount_points,
                            "Regexp of mount points to ignore for filesystem collector.")
                 ->group("");
             app.add_option("--collector.filesystem.ignored-fs-types", options->ignored_fs_types,
                            "Regexp of filesystem types to ignore for filesystem collector.")
                 ->group("");
           },
       .make =
           [options, &paths, statfs = std::move(statfs)] {
             return std::make_unique<FilesystemCollector>(paths, *options, statfs);
           }});
}

void registerFilesystemCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registerFilesystemCollectorWith(registry, paths, realStatfs);
}

}  // namespace node
