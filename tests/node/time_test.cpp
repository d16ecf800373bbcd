// The time collector, with a frozen clock. The clocksource part of the golden
// file was checked against prometheus-node-exporter 1.5.0 on the same fixture
// (--collector.disable-defaults --collector.time --path.sysfs): equal
// clocksource series; node_time_seconds and the zone come from the injected
// clock here instead of the real one.

#include "collectors/time.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

#include "collectors/collectors.h"
#include "support/golden.h"
#include "support/temp_tree.h"

namespace {
node::WallClockReading frozenClock() { return {1795250574.1122823, "CET", 3600}; }
}  // namespace

TEST_CASE("time collector against fixtures with a frozen clock") {
  auto collector = node::makeTimeCollector(testsupport::nodeFixturePaths(), frozenClock);
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/time.prom", out.text);
}

TEST_CASE("time collector's real clock") {
  auto reading = node::readWallClock();
  double system =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(std::fabs(reading.unix_seconds - system) < 5);
  CHECK_FALSE(reading.zone.empty());
  CHECK(std::labs(reading.zone_offset_seconds) <= 14 * 3600);

  // Registered with the real clock: the names are there, values are live.
  auto collector =
      testsupport::buildCollector(node::registerTimeCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  CHECK(out.text.find("# TYPE node_time_seconds gauge\n") != std::string::npos);
  CHECK(out.text.find("node_time_zone_offset_seconds{time_zone=\"") != std::string::npos);
}

TEST_CASE("time collector without clocksources still reports the time") {
  hostfs::Paths paths;
  paths.sysfs = "/nonexistent";
  auto out = testsupport::render(*node::makeTimeCollector(paths, frozenClock));
  CHECK(out.status.isOk());
  CHECK(out.text.find("node_time_seconds 1.7952505741122823e+09\n") != std::string::npos);
  CHECK(out.text.find("clocksource") == std::string::npos);
}

TEST_CASE("time collector with an unreadable clocksource fails with the path") {
  testsupport::TempTree tree;
  tree.write("devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet\n");
  hostfs::Paths paths;
  paths.sysfs = tree.root();
  auto out = testsupport::render(*node::makeTimeCollector(paths, frozenClock));
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find(tree.path(
            "devices/system/clocksource/clocksource0/current_clocksource")) != std::string::npos);
  CHECK(out.text.find("node_time_seconds") != std::string::npos);
}
