#pragma once
// Pressure stall information (PSI): /proc/pressure/{cpu,io,memory,irq} and
// the cgroup v2 {cpu,io,memory}.pressure files share this format:
//   some avg10=0.48 avg60=0.47 avg300=0.42 total=6285081
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=0

#include <cstdint>
#include <optional>

#include "procfs/text.h"

namespace procfs {

struct PressureLine {
  double avg10 = 0;            // percent of wall time stalled, 10 s average
  double avg60 = 0;            // ... 60 s average
  double avg300 = 0;           // ... 300 s average
  std::uint64_t total_us = 0;  // total stall time in microseconds
};

// "some": at least one task stalled; "full": all non-idle tasks stalled.
// Either may be absent (cpu has no "full" before Linux 5.13, irq has only
// "full"); the caller decides what it needs.
struct Pressure {
  std::optional<PressureLine> some;
  std::optional<PressureLine> full;
};

// Lines with another prefix are ignored, as prometheus/procfs does; a "some"
// or "full" line missing a field or with a non-numeric one fails.
Parsed<Pressure> parsePressure(std::string_view text);

}  // namespace procfs
