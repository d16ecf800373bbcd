#include "cgroups/cgroups.h"

#include <cerrno>
#include <type_traits>

#include "cgroups/parse.h"
#include "hostfs/read.h"

namespace cgroups {
namespace {

// Where a v1 controller is mounted: its own name, or the co-mounted
// "cpu,cpuacct" (which most hosts also reach through "cpu" and "cpuacct"
// symlinks, but not all). On v2 every controller is in the one hierarchy.
std::string findHierarchy(const Layout& layout, std::string_view controller) {
  if (layout.version == Version::v2) return layout.root;
  std::string own = layout.root + "/" + std::string(controller);
  if ((controller != "cpu" && controller != "cpuacct") || hostfs::exists(own)) return own;
  for (const char* comounted : {"cpu,cpuacct", "cpuacct,cpu"}) {
    std::string path = layout.root + "/" + comounted;
    if (hostfs::exists(path)) return path;
  }
  return own;
}

std::string hierarchy(const Layout& layout, std::string_view controller) {
  if (controller == "cpu" && !layout.cpu_root.empty()) return layout.cpu_root;
  if (controller == "cpuacct" && !layout.cpuacct_root.empty()) return layout.cpuacct_root;
  return findHierarchy(layout, controller);
}

// The container's directory in one hierarchy.
std::string directory(const Layout& layout, std::string_view controller, std::string_view path) {
  return hierarchy(layout, controller) + std::string(path);
}

template <typename Parse>
using ParsedType = std::decay_t<decltype(*std::declval<Parse>()(std::string_view()))>;

// Reads and parses one file of a container's directory. A missing file (or
// one the kernel does not support, like cpu.pressure under psi=0) gives
// nothing, unless the directory itself is gone: the container stopped.
template <typename Parse>
Read<std::optional<ParsedType<Parse>>> readOptional(hostfs::FileReader& files,
                                                    const std::string& dir, std::string_view name,
                                                    Parse parse) {
  std::string path = dir + "/" + std::string(name);
  auto text = files.read(path, hostfs::kDefaultReadLimit);
  if (!text) {
    const hostfs::ReadError& error = text.error();
    if (!error.notFound() && error.error_number != EOPNOTSUPP)
      return ReadIssue{ReadIssue::unreadable, error.message()};
    if (!hostfs::exists(dir)) return ReadIssue{ReadIssue::gone, dir + ": no such directory"};
    return std::optional<ParsedType<Parse>>();
  }
  auto parsed = parse(*text);
  if (!parsed) return ReadIssue{ReadIssue::malformed, path + ": " + parsed.error()};
  return std::optional<ParsedType<Parse>>(std::move(parsed).value());
}

// A key of a flat keyed file that may itself be missing.
std::optional<std::uint64_t> key(const std::optional<FlatKeyed>& file, std::string_view name) {
  return file ? file->get(name) : std::nullopt;
}

std::optional<std::uint64_t> times(std::optional<std::uint64_t> value, std::uint64_t factor) {
  if (!value) return std::nullopt;
  return *value * factor;
}

// "a-b-c.slice" is systemd's "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" the root.
std::string expandSlice(std::string_view slice) {
  std::string_view name = slice.substr(0, slice.size() - std::string_view(".slice").size());
  if (name == "-") return "";
  std::string path;
  for (std::size_t dash = name.find('-'); dash != std::string_view::npos;
       dash = name.find('-', dash + 1)) {
    path.append("/").append(name.substr(0, dash)).append(".slice");
  }
  return path.append("/").append(slice);
}

// Docker's path for a container under HostConfig.CgroupParent.
std::string parentPath(std::string_view parent, std::string_view id, bool systemd_driver) {
  if (systemd_driver && parent.ends_with(".slice"))
    return expandSlice(parent) + "/docker-" + std::string(id) + ".scope";
  while (parent.ends_with('/')) parent.remove_suffix(1);
  std::string path = parent.starts_with('/') ? "" : "/";
  return path + std::string(parent) + "/" + std::string(id);
}

// The pairs of v1 files that count I/O per device, in the order readIo tries
// them: the first pair that counts anything wins, or else the first found.
// Throttle files count every bio whatever the scheduler; the others only I/O
// that went through CFQ or BFQ.
struct BlkioFiles {
  const char* bytes;
  const char* ops;
};
constexpr BlkioFiles kBlkioFiles[] = {
    {"blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"},
    {"blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive"},  // CFQ, Linux < 5.0
    {"blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive"},
};

// Joins the byte and operation counts of one pair of v1 blkio files.
Read<std::optional<std::vector<IoDevice>>> readBlkio(hostfs::FileReader& files,
                                                     const std::string& dir, BlkioFiles pair) {
  auto bytes = readOptional(files, dir, pair.bytes, parseBlkio);
  if (!bytes) return bytes.error();
  auto ops = readOptional(files, dir, pair.ops, parseBlkio);
  if (!ops) return ops.error();
  if (!*bytes && !*ops) return std::optional<std::vector<IoDevice>>();
  std::vector<IoDevice> devices;
  for (const auto& counts : bytes->value_or(std::vector<BlkioDevice>())) {
    IoDevice& device = deviceEntry(devices, counts.major, counts.minor);
    device.read_bytes = counts.read;
    device.write_bytes = counts.write;
  }
  for (const auto& counts : ops->value_or(std::vector<BlkioDevice>())) {
    IoDevice& device = deviceEntry(devices, counts.major, counts.minor);
    device.reads = counts.read;
    device.writes = counts.write;
  }
  return std::optional(std::move(devices));
}

// The memory files and memory.stat keys of each version. v1 keys without
// "total_" count the cgroup alone; the "total_" ones include its descendants,
// as usage_in_bytes does.
struct MemoryFiles {
  const char* usage;
  const char* max_usage;
  const char* limit;
  const char* events;  // the one with "oom_kill"
  const char* rss;
  const char* cache;
  const char* inactive_file;
};
constexpr MemoryFiles kMemoryV1{"memory.usage_in_bytes",
                                "memory.max_usage_in_bytes",
                                "memory.limit_in_bytes",
                                "memory.oom_control",
                                "total_rss",
                                "total_cache",
                                "total_inactive_file"};
constexpr MemoryFiles kMemoryV2{"memory.current", "memory.peak", "memory.max",   "memory.events",
                                "anon",           "file",        "inactive_file"};

bool countsAnything(const std::vector<IoDevice>& devices) {
  for (const auto& d : devices) {
    if (d.read_bytes || d.write_bytes || d.reads || d.writes) return true;
  }
  return false;
}

}  // namespace

base::Expected<Layout, std::string> detectLayout(const std::string& root) {
  Layout layout;
  layout.root = root;
  if (hostfs::exists(root + "/cgroup.controllers")) return layout;
  if (hostfs::exists(root + "/cpuacct") || hostfs::exists(root + "/cpu,cpuacct") ||
      hostfs::exists(root + "/cpuacct,cpu")) {
    layout.version = Version::v1;
    layout.hybrid_unified = hostfs::exists(root + "/unified/cgroup.controllers");
    layout.cpu_root = findHierarchy(layout, "cpu");
    layout.cpuacct_root = findHierarchy(layout, "cpuacct");
    return layout;
  }
  return base::unexpected(root + ": neither cgroup v2 (no cgroup.controllers) nor v1 (no cpuacct)");
}

std::optional<std::string> findContainer(const Layout& layout, std::string_view id,
                                         std::string_view cgroup_parent, bool systemd_driver) {
  std::vector<std::string> candidates;
  if (!cgroup_parent.empty()) candidates.push_back(parentPath(cgroup_parent, id, systemd_driver));
  candidates.push_back("/docker/" + std::string(id));
  candidates.push_back("/system.slice/docker-" + std::string(id) + ".scope");
  std::string base = hierarchy(layout, "cpuacct");
  for (auto& candidate : candidates) {
    if (hostfs::exists(base + candidate)) return std::move(candidate);
  }
  return std::nullopt;
}

Read<Cpu> readCpu(const Layout& layout, const std::string& path, hostfs::FileReader& files) {
  Cpu cpu;
  auto stat = readOptional(files, directory(layout, "cpu", path), "cpu.stat", parseFlatKeyed);
  if (!stat) return stat.error();
  cpu.periods = key(*stat, "nr_periods");
  cpu.throttled_periods = key(*stat, "nr_throttled");
  if (layout.version == Version::v2) {
    cpu.usage_ns = times(key(*stat, "usage_usec"), 1000);
    cpu.user_ns = times(key(*stat, "user_usec"), 1000);
    cpu.system_ns = times(key(*stat, "system_usec"), 1000);
    cpu.throttled_ns = times(key(*stat, "throttled_usec"), 1000);
    return cpu;
  }
  cpu.throttled_ns = key(*stat, "throttled_time");
  std::string cpuacct = directory(layout, "cpuacct", path);
  auto usage = readOptional(files, cpuacct, "cpuacct.usage", parseValue);
  if (!usage) return usage.error();
  auto ticks = readOptional(files, cpuacct, "cpuacct.stat", parseFlatKeyed);
  if (!ticks) return ticks.error();
  constexpr std::uint64_t kNsPerUserHzTick = 10'000'000;  // USER_HZ is 100 on every arch
  cpu.usage_ns = *usage;
  cpu.user_ns = times(key(*ticks, "user"), kNsPerUserHzTick);
  cpu.system_ns = times(key(*ticks, "system"), kNsPerUserHzTick);
  return cpu;
}

Read<CpuSpec> readCpuSpec(const Layout& layout, const std::string& path,
                          hostfs::FileReader& files) {
  CpuSpec spec;
  std::string dir = directory(layout, "cpu", path);
  if (layout.version == Version::v2) {
    auto max = readOptional(files, dir, "cpu.max", parseCpuMax);
    if (!max) return max.error();
    auto weight = readOptional(files, dir, "cpu.weight", parseValue);
    if (!weight) return weight.error();
    if (*max) {
      spec.quota_us = (*max)->quota_us;
      spec.period_us = (*max)->period_us;
    }
    if (*weight && **weight >= 1) spec.shares = 2 + ((**weight - 1) * 262142) / 9999;
    return spec;
  }
  auto quota = readOptional(files, dir, "cpu.cfs_quota_us", parseLimit);
  if (!quota) return quota.error();
  auto period = readOptional(files, dir, "cpu.cfs_period_us", parseValue);
  if (!period) return period.error();
  auto shares = readOptional(files, dir, "cpu.shares", parseValue);
  if (!shares) return shares.error();
  if (*quota) spec.quota_us = **quota;
  spec.period_us = *period;
  spec.shares = *shares;
  return spec;
}

Read<Memory> readMemory(const Layout& layout, const std::string& path, hostfs::FileReader& files) {
  const MemoryFiles& names = layout.version == Version::v2 ? kMemoryV2 : kMemoryV1;
  std::string dir = directory(layout, "memory", path);
  auto usage = readOptional(files, dir, names.usage, parseValue);
  if (!usage) return usage.error();
  auto stat = readOptional(files, dir, "memory.stat", parseFlatKeyed);
  if (!stat) return stat.error();
  auto max_usage = readOptional(files, dir, names.max_usage, parseValue);
  if (!max_usage) return max_usage.error();
  auto limit = readOptional(files, dir, names.limit, parseLimit);
  if (!limit) return limit.error();
  auto events = readOptional(files, dir, names.events, parseFlatKeyed);
  if (!events) return events.error();

  Memory memory;
  memory.usage = *usage;
  memory.rss = key(*stat, names.rss);
  memory.cache = key(*stat, names.cache);
  memory.max_usage = *max_usage;
  memory.oom_kills = key(*events, "oom_kill");
  if (*limit) memory.limit = **limit;
  if (memory.usage) {
    std::uint64_t inactive = key(*stat, names.inactive_file).value_or(0);
    memory.working_set = *memory.usage > inactive ? *memory.usage - inactive : 0;
  }
  if (layout.version == Version::v2) {
    auto swap = readOptional(files, dir, "memory.swap.current", parseValue);
    if (!swap) return swap.error();
    memory.swap = *swap;
    memory.failcnt = key(*events, "max");
    return memory;
  }
  auto failcnt = readOptional(files, dir, "memory.failcnt", parseValue);
  if (!failcnt) return failcnt.error();
  memory.swap = key(*stat, "total_swap");
  memory.failcnt = *failcnt;
  return memory;
}

Read<std::vector<IoDevice>> readIo(const Layout& layout, const std::string& path,
                                   hostfs::FileReader& files) {
  std::string dir = directory(layout, "blkio", path);
  if (layout.version == Version::v2) {
    auto stat = readOptional(files, dir, "io.stat", parseIoStat);
    if (!stat) return stat.error();
    return stat->value_or(std::vector<IoDevice>());
  }
  std::optional<std::vector<IoDevice>> first;
  for (const auto& pair : kBlkioFiles) {
    auto devices = readBlkio(files, dir, pair);
    if (!devices) return devices.error();
    if (!*devices) continue;
    if (countsAnything(**devices)) return std::move(**devices);
    if (!first) first = std::move(*devices);
  }
  return first.value_or(std::vector<IoDevice>());
}

Read<Pressure> readPressure(const Layout& layout, const std::string& path,
                            hostfs::FileReader& files) {
  Pressure pressure;
  std::string dir;
  if (layout.version == Version::v2) {
    dir = layout.root + path;
  } else if (layout.hybrid_unified) {
    dir = layout.root + "/unified" + path;
  } else {
    return pressure;
  }
  for (auto [name, into] :
       {std::pair{"cpu.pressure", &pressure.cpu}, std::pair{"memory.pressure", &pressure.memory},
        std::pair{"io.pressure", &pressure.io}}) {
    auto file = readOptional(files, dir, name, procfs::parsePressure);
    if (!file) return file.error();
    *into = std::move(*file);
  }
  return pressure;
}

}  // namespace cgroups
