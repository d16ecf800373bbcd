// time: the system clock (node_time_seconds), the local time zone's offset,
// and the clock sources from /sys/devices/system/clocksource.

#include "collectors/time.h"

#include <ctime>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "procfs/text.h"

namespace node {
namespace {

class TimeCollector : public runtime::Collector {
 public:
  TimeCollector(const hostfs::Paths& paths, WallClock clock)
      : clocksource_dir_(paths.sys("devices/system/clocksource")), clock_(std::move(clock)) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    WallClockReading now = clock_();
    sink.gauge("node_time_seconds", "System time in seconds since epoch (1970).", now.unix_seconds);
    sink.gauge("node_time_zone_offset_seconds", "System time zone offset in seconds.",
               static_cast<double>(now.zone_offset_seconds), {{"time_zone", now.zone}});
    return updateClocksources(sink);
  }

 private:
  runtime::Status updateClocksources(runtime::MetricSink& sink) {
    auto entries = hostfs::listDirectory(clocksource_dir_);
    if (!entries) {
      if (entries.error().notFound()) return runtime::Status::ok();
      return runtime::Status::failure(entries.error().message());
    }
    auto& available =
        sink.gauge("node_time_clocksource_available_info",
                   "Available clocksources read from '/sys/devices/system/clocksource'.");
    auto& current = sink.gauge("node_time_clocksource_current_info",
                               "Current clocksource read from '/sys/devices/system/clocksource'.");
    // node_exporter labels a clocksource<N> directory with its position in
    // the sorted list, not with N; the two agree on every real system.
    int device = 0;
    for (const std::string& name : *entries) {
      if (name.size() <= 11 || name.compare(0, 11, "clocksource") != 0 || name[11] < '0' ||
          name[11] > '9') {
        continue;
      }
      const std::string dir = clocksource_dir_ + "/" + name;
      auto available_names = hostfs::readAttribute(dir + "/available_clocksource");
      if (!available_names) return runtime::Status::failure(available_names.error().message());
      auto current_name = hostfs::readAttribute(dir + "/current_clocksource");
      if (!current_name) return runtime::Status::failure(current_name.error().message());
      const std::string label = std::to_string(device++);
      for (std::string_view clocksource : procfs::splitFields(*available_names)) {
        runtime::addSample(available, 1,
                           {{"clocksource", std::string(clocksource)}, {"device", label}});
      }
      runtime::addSample(current, 1, {{"clocksource", *current_name}, {"device", label}});
    }
    return runtime::Status::ok();
  }

  std::string clocksource_dir_;
  WallClock clock_;
};

}  // namespace

WallClockReading readWallClock() {
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  WallClockReading reading;
  // Nanoseconds first, then one division: the same double node_exporter gets.
  reading.unix_seconds =
      static_cast<double>(static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec) / 1e9;
  struct tm local;
  if (::localtime_r(&now.tv_sec, &local) != nullptr) {
    reading.zone = local.tm_zone ? local.tm_zone : "";
    reading.zone_offset_seconds = local.tm_gmtoff;
  }
  return reading;
}

std::unique_ptr<runtime::Collector> makeTimeCollector(const hostfs::Paths& paths, WallClock clock) {
  return std::make_unique<TimeCollector>(paths, std::move(clock));
}

void registerTimeCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "time", .enabled_by_default = true, .make = [&paths] {
                  return makeTimeCollector(paths, readWallClock);
                }});
}

}  // namespace node
