#pragma once
// /proc/net/arp: a header, then "IP  HWtype  Flags  HWaddress  Mask  Device".

#include <string>
#include <vector>

#include "procfs/text.h"

namespace procfs {

struct ArpEntry {
  std::string ip_address, hw_address, device;
};

// Entries in file order, incomplete ones included. Blank lines and the
// 9-word header are skipped; any other line without exactly 6 columns fails.
Parsed<std::vector<ArpEntry>> parseArp(std::string_view text);

}  // namespace procfs
