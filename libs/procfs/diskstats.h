#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "procfs/text.h"

namespace procfs {

// One line of /proc/diskstats. `stats` holds the counters after the name, in
// the kernel's order: 11 fields before 4.18, 15 with discards, 17 with
// flushes (5.5+). Lines with fewer than 11 are not block device statistics
// and are skipped, as node_exporter does.
struct DiskstatsLine {
  std::uint32_t major = 0, minor = 0;
  std::string device;
  std::vector<std::uint64_t> stats;
};

// "   8       0 sda 25354637 34367663 1003346126 18492372 28444756 ..."
Parsed<std::vector<DiskstatsLine>> parseDiskstats(std::string_view text);

// A udev database file (/run/udev/data/b<major>:<minor>): its "E:NAME=value"
// device properties.
std::map<std::string, std::string> parseUdevProperties(std::string_view text);

}  // namespace procfs
