#pragma once
// Pure parsers for the cgroup file formats of v1 and v2: functions of the
// file's text, no I/O. A bad line fails the file with "line N: reason".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cgroups/cgroups.h"
#include "procfs/text.h"

namespace cgroups {

using procfs::Parsed;

// "key value" lines: cpu.stat (v1 and v2), cpuacct.stat, memory.stat,
// memory.events, memory.oom_control. Keys are copied, so the result outlives
// the text.
struct FlatKeyed {
  std::vector<std::pair<std::string, std::uint64_t>> entries;
  std::optional<std::uint64_t> get(std::string_view key) const;
};
// Blank lines are skipped; a line that is not exactly a key and an unsigned
// number fails.
Parsed<FlatKeyed> parseFlatKeyed(std::string_view text);

// A file holding one unsigned number: cpuacct.usage, memory.current, ...
Parsed<std::uint64_t> parseValue(std::string_view text);

// A limit, nothing when unlimited: "max" (v2 memory.max), "-1" (v1
// cpu.cfs_quota_us), or a number. v1 writes "unlimited" as the largest page
// count times the page size (9223372036854771712 with 4 KiB pages), so any
// value from 2^62 up is taken as unlimited.
Parsed<std::optional<std::uint64_t>> parseLimit(std::string_view text);

// v2 cpu.max: "$QUOTA $PERIOD", the quota possibly "max".
struct CpuMax {
  std::optional<std::uint64_t> quota_us;  // nothing when "max"
  std::uint64_t period_us = 0;
};
Parsed<CpuMax> parseCpuMax(std::string_view text);

// v2 io.stat, a nested keyed file, one line per device:
//   8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0
// Keys other than rbytes, wbytes, rios and wios are skipped whatever their
// value (io.latency and io.cost add "depth=max", "cost.vrate=100.00").
Parsed<std::vector<IoDevice>> parseIoStat(std::string_view text);

// v1 blkio.*io_service_bytes* and blkio.*io_serviced* files:
//   8:0 Read 123
//   8:0 Write 4
//   8:0 Sync 127 (and Async, Discard, Total)
//   Total 127
// Devices in order of first appearance, with their Read and Write counts.
struct BlkioDevice {
  std::uint32_t major = 0, minor = 0;
  std::uint64_t read = 0, write = 0;
  bool operator==(const BlkioDevice&) const = default;
};
Parsed<std::vector<BlkioDevice>> parseBlkio(std::string_view text);

// The entry for device major:minor in a list of IoDevice or BlkioDevice,
// added at the end when first seen.
template <typename Device>
Device& deviceEntry(std::vector<Device>& devices, std::uint32_t major, std::uint32_t minor) {
  for (auto& device : devices) {
    if (device.major == major && device.minor == minor) return device;
  }
  Device& device = devices.emplace_back();
  device.major = major;
  device.minor = minor;
  return device;
}

}  // namespace cgroups
