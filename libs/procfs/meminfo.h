#pragma once
// /proc/meminfo: "Name:   value [kB]" lines.

#include <string_view>
#include <vector>

#include "procfs/text.h"

namespace procfs {

struct MeminfoField {
  std::string_view name;  // without the colon; a view into the parsed text
  double value = 0;       // as printed, in kB when `in_kb`
  bool in_kb = false;     // the line had a unit (the kernel only prints kB)
};

// "MemTotal:       24682416 kB\nHugePages_Total:       0\n". Blank lines are
// skipped; a line without a value, or with more than a unit, fails.
Parsed<std::vector<MeminfoField>> parseMeminfo(std::string_view text);

}  // namespace procfs
