#pragma once
// /proc/net/softnet_stat: one line of hexadecimal columns per CPU.

#include <cstdint>
#include <vector>

#include "procfs/text.h"

namespace procfs {

struct SoftnetStat {
  std::uint32_t processed = 0, dropped = 0, time_squeezed = 0;
};

// One entry per line, in line order. Kernels write at least 9 columns (13 to
// 15 today); fewer, or a first three that are not 32-bit hex numbers, fail.
Parsed<std::vector<SoftnetStat>> parseSoftnet(std::string_view text);

}  // namespace procfs
