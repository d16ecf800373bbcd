#pragma once
#include "procfs/text.h"

namespace procfs {

struct Loadavg {
  double one = 0, five = 0, fifteen = 0;
};

// "0.31 0.27 0.22 1/234 5678"
Parsed<Loadavg> parseLoadavg(std::string_view text);

}  // namespace procfs
