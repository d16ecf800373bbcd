#pragma once
// A container's cgroup: where it lives and what its files say. cgroup v1
// (one hierarchy per controller: cpu, cpuacct, memory, blkio) and v2 (one
// unified hierarchy), with Docker's cgroupfs driver ("/docker/<id>") or its
// systemd driver ("/system.slice/docker-<id>.scope"). Everything goes through
// a cgroup root (normally <--path.sysfs>/fs/cgroup), so tests read fixtures.
//
// Each read* function reads only the files its metrics need, through
// `files`: by default each file is opened, read and closed; a collector that
// reads the same containers every scrape passes its hostfs::OpenFileCache,
// which keeps them open. Parsing is done by the pure functions in
// cgroups/parse.h.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"
#include "hostfs/read.h"
#include "procfs/pressure.h"

namespace cgroups {

enum class Version { v1, v2 };

struct Layout {
  Version version = Version::v2;
  std::string root;  // "/sys/fs/cgroup"
  // v1 hosts that also mount the unified hierarchy at <root>/unified
  // ("hybrid"): pressure files are found there.
  bool hybrid_unified = false;
  // v1: where cpu and cpuacct are mounted ("<root>/cpu" or the co-mounted
  // "<root>/cpu,cpuacct"), found once by detectLayout so a read does not
  // look again. Empty in a hand-built Layout: then each read looks.
  std::string cpu_root, cpuacct_root;
};

// Looks at <root>: "cgroup.controllers" at the top means v2; a "cpuacct" or
// "cpu,cpuacct" directory means v1, hybrid when <root>/unified holds
// "cgroup.controllers". Fails when it is neither.
base::Expected<Layout, std::string> detectLayout(const std::string& root);

// Why a read gave nothing. `gone` is the normal race of a container that
// stopped between listing and reading (its directory vanished): callers skip
// it silently. `malformed` is a file that exists but does not parse: callers
// count an error and log it. `unreadable` is any other failure to read
// (permission denied, ...). A file missing from a directory that exists is no
// issue: its fields stay empty (memory.peak before Linux 5.19, swap without
// swap accounting, pressure without PSI).
struct ReadIssue {
  enum Kind { gone, malformed, unreadable } kind = gone;
  std::string message;  // "<path>: line 3: ..." for the log line
};
template <typename T>
using Read = base::Expected<T, ReadIssue>;

// The container's cgroup path relative to each hierarchy root, such as
// "/docker/<id>" or "/system.slice/docker-<id>.scope" (cAdvisor's `id` label),
// or nothing when no candidate directory exists. `cgroup_parent` is Docker's
// HostConfig.CgroupParent (may be empty); `systemd_driver` is true when
// Docker's /info says CgroupDriver "systemd". Candidates tried in order:
// the parent-derived path, "/docker/<id>", "/system.slice/docker-<id>.scope".
std::optional<std::string> findContainer(const Layout& layout, std::string_view id,
                                         std::string_view cgroup_parent, bool systemd_driver);

// All values as the kernel counts them; the collector converts units.
struct Cpu {
  std::optional<std::uint64_t> usage_ns;  // v1 cpuacct.usage; v2 cpu.stat usage_usec*1000
  std::optional<std::uint64_t>
      user_ns;  // v1 cpuacct.stat user (USER_HZ=100 ticks)*1e7; v2 user_usec*1000
  std::optional<std::uint64_t> system_ns;          // likewise "system" / system_usec
  std::optional<std::uint64_t> periods;            // cpu.stat nr_periods
  std::optional<std::uint64_t> throttled_periods;  // cpu.stat nr_throttled
  std::optional<std::uint64_t> throttled_ns;       // v1 throttled_time; v2 throttled_usec*1000
};
Read<Cpu> readCpu(const Layout& layout, const std::string& path,
                  hostfs::FileReader& files = hostfs::oneShotReader());

// The limits Docker set: what cAdvisor calls the spec.
struct CpuSpec {
  std::optional<std::uint64_t> quota_us;   // absent when unlimited (v1 -1, v2 "max")
  std::optional<std::uint64_t> period_us;  // v1 cpu.cfs_period_us; v2 cpu.max second field
  std::optional<std::uint64_t> shares;     // v1 cpu.shares; v2 from cpu.weight, converted
                                           // as cAdvisor does: 2 + ((weight-1)*262142)/9999
};
Read<CpuSpec> readCpuSpec(const Layout& layout, const std::string& path,
                          hostfs::FileReader& files = hostfs::oneShotReader());

struct Memory {
  std::optional<std::uint64_t> usage;  // v1 memory.usage_in_bytes; v2 memory.current
  std::optional<std::uint64_t>
      working_set;                     // usage - inactive_file (v1 total_inactive_file), floor 0
  std::optional<std::uint64_t> rss;    // v1 total_rss; v2 memory.stat anon
  std::optional<std::uint64_t> cache;  // v1 total_cache; v2 memory.stat file
  std::optional<std::uint64_t> swap;   // v1 total_swap; v2 memory.swap.current
  std::optional<std::uint64_t> max_usage;  // v1 memory.max_usage_in_bytes; v2 memory.peak
  std::optional<std::uint64_t> failcnt;    // v1 memory.failcnt; v2 memory.events "max"
  std::optional<std::uint64_t>
      oom_kills;  // v1 memory.oom_control oom_kill; v2 memory.events oom_kill
  std::optional<std::uint64_t>
      limit;  // v1 memory.limit_in_bytes; v2 memory.max; absent when unlimited
};
Read<Memory> readMemory(const Layout& layout, const std::string& path,
                        hostfs::FileReader& files = hostfs::oneShotReader());

// Block I/O per device. v1: blkio.throttle.io_service_bytes and
// blkio.throttle.io_serviced (falling back to the *_recursive files of CFQ,
// then of BFQ, when the throttle ones count nothing); v2: io.stat
// rbytes/wbytes/rios/wios.
struct IoDevice {
  std::uint32_t major = 0, minor = 0;
  std::uint64_t read_bytes = 0, write_bytes = 0, reads = 0, writes = 0;
  bool operator==(const IoDevice&) const = default;
};
Read<std::vector<IoDevice>> readIo(const Layout& layout, const std::string& path,
                                   hostfs::FileReader& files = hostfs::oneShotReader());

// PSI from {cpu,memory,io}.pressure: v2 in the container's directory, hybrid
// v1 under <root>/unified. Each is absent when the kernel lacks PSI.
struct Pressure {
  std::optional<procfs::Pressure> cpu, memory, io;
};
Read<Pressure> readPressure(const Layout& layout, const std::string& path,
                            hostfs::FileReader& files = hostfs::oneShotReader());

}  // namespace cgroups
