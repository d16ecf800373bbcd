#pragma once
// /proc/vmstat: "name value" lines.

#include <string_view>
#include <vector>

#include "procfs/text.h"

namespace procfs {

struct VmstatField {
  std::string_view name;  // a view into the parsed text
  double value = 0;
};

// "nr_free_pages 5672959\npgfault 2919249\n". Blank lines are skipped; a line
// without a numeric second field fails.
Parsed<std::vector<VmstatField>> parseVmstat(std::string_view text);

}  // namespace procfs
