#pragma once
// The kernel's CPU list format (sysfs "isolated", "online", cpuset.cpus):
// comma-separated numbers and inclusive ranges, "0-3,8,10-11".

#include <vector>

#include "procfs/text.h"

namespace procfs {

// CPUs in the order listed. Empty text (no CPU) gives an empty list.
Parsed<std::vector<unsigned>> parseCpuList(std::string_view text);

}  // namespace procfs
