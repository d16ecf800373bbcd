#pragma once
// The time collector, with its clock as a parameter so tests can freeze it.

#include <functional>
#include <memory>
#include <string>

#include "hostfs/paths.h"
#include "runtime/collector.h"

namespace node {

struct WallClockReading {
  double unix_seconds = 0;
  std::string zone;              // abbreviation of the local zone: "UTC", "CEST"
  long zone_offset_seconds = 0;  // east of UTC
};
using WallClock = std::function<WallClockReading()>;

// CLOCK_REALTIME and the process's local time zone (TZ, else /etc/localtime),
// as Go's time.Now().Zone() gives node_exporter.
WallClockReading readWallClock();

std::unique_ptr<runtime::Collector> makeTimeCollector(const hostfs::Paths& paths, WallClock clock);

}  // namespace node
