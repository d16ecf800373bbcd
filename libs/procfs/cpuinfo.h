#pragma once
// /proc/cpuinfo in its x86 layout: blocks of "key<TAB>: value" lines, one
// block per logical CPU, each starting with "processor". Other architectures
// use other keys; their CPUs still parse, with the x86-only fields empty.

#include <string>
#include <vector>

#include "procfs/text.h"

namespace procfs {

struct CpuInfo {
  unsigned processor = 0;
  std::string vendor_id;
  std::string cpu_family;
  std::string model;
  std::string model_name;
  std::string stepping;
  std::string microcode;
  std::string cache_size;
  std::string physical_id;
  std::string core_id;
  std::vector<std::string> flags;
  std::vector<std::string> bugs;
};

// Fails when the text does not start with a "processor" line or a processor
// number is not a number.
Parsed<std::vector<CpuInfo>> parseCpuInfo(std::string_view text);

}  // namespace procfs
