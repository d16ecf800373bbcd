// hwmon: file-name and name-cleaning tables, the collector against the fixture
// tree tests/fixtures/node/sys (coretemp, an nct6798 Super I/O chip with fans,
// voltages and alarms, an ACPI thermal zone, an NVMe drive, a power monitor
// without a device link, a hwmon with neither name nor device, and an old-style
// it87 whose attributes live under device/; the device links are relative
// symlinks, as in sysfs), and bad input.
//
// This VM has no /sys/class/hwmon. The golden was compared with node_exporter
// 1.5 run with --path.sysfs=tests/fixtures/node/sys: identical up to number
// formatting.

#include "procfs/hwmon.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "collectors/collectors.h"
#include "support/golden.h"

TEST_CASE("parseSensorFileName") {
  auto check = [](std::string_view name, const char* type, long long index, const char* property) {
    CAPTURE(name);
    auto parsed = procfs::parseSensorFileName(name);
    REQUIRE(parsed);
    CHECK(parsed->type == type);
    CHECK(parsed->index == index);
    CHECK(parsed->property == property);
  };
  check("temp1_input", "temp", 1, "input");
  check("in0_input", "in", 0, "input");
  check("pwm1", "pwm", 1, "");
  check("pwm2_auto_point1_temp", "pwm", 2, "auto_point1_temp");
  check("temp10_crit_alarm", "temp", 10, "crit_alarm");
  check("beep_enable", "beep_enable", 0, "");
  check("update_interval", "update_interval", 0, "");
  check("name", "name", 0, "");
  check("temp01_input", "temp", 1, "input");
  CHECK_FALSE(procfs::parseSensorFileName(""));
  CHECK_FALSE(procfs::parseSensorFileName("1temp_input"));
  CHECK_FALSE(procfs::parseSensorFileName("temp1x"));
  CHECK_FALSE(procfs::parseSensorFileName("temp1_"));
  CHECK_FALSE(procfs::parseSensorFileName("temp99999999999999999999_input"));
}

TEST_CASE("cleanHwmonName") {
  CHECK(procfs::cleanHwmonName("Package id 0") == "package_id_0");
  CHECK(procfs::cleanHwmonName("coretemp.0") == "coretemp_0");
  CHECK(procfs::cleanHwmonName("0000:09:00.0") == "0000:09:00_0");
  CHECK(procfs::cleanHwmonName("My Chip!\n") == "my_chip");
  CHECK(procfs::cleanHwmonName("__x__") == "x");
  CHECK(procfs::cleanHwmonName("\n") == "");
  CHECK(procfs::cleanHwmonName("") == "");
  // One '_' per character, not per byte, as Go's regexp counts runes.
  CHECK(procfs::cleanHwmonName("a\xc2\xb0"
                               "b") == "a_b");
  CHECK(procfs::cleanHwmonName("a\xff\xfe"
                               "b") == "a__b");
}

TEST_CASE("hwmon collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerHwmonCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/hwmon.prom", out.text);
}

TEST_CASE("hwmon collector without /sys/class/hwmon has no data") {
  hostfs::Paths paths;
  paths.sysfs = "/nonexistent";
  auto collector = testsupport::buildCollector(node::registerHwmonCollector, paths);
  auto out = testsupport::render(*collector);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.isNoData());
  CHECK(out.status.message().find("/nonexistent/class/hwmon") != std::string::npos);
  CHECK(out.text.empty());
}

TEST_CASE("hwmon collector with bad entries reports them and serves the rest") {
  namespace fs = std::filesystem;
  const fs::path sys =
      fs::temp_directory_path() / ("tern-hwmon-test-" + std::to_string(::getpid()));
  fs::remove_all(sys);
  fs::create_directories(sys / "class/hwmon/hwmon0");
  std::ofstream(sys / "class/hwmon/hwmon0/name") << "acpitz\n";
  std::ofstream(sys / "class/hwmon/hwmon0/temp1_input") << "27800\n";
  std::ofstream(sys / "class/hwmon/hwmon0/temp2_input") << "garbage\n";  // skipped
  std::ofstream(sys / "class/hwmon/hwmon0/temp3_input") << "41000 \n";   // skipped, as upstream
  std::ofstream(sys / "class/hwmon/README") << "not a chip\n";           // not a directory
  fs::create_symlink("../../devices/gone", sys / "class/hwmon/hwmon1");  // dangling
  hostfs::Paths paths;
  paths.sysfs = sys.string();
  auto collector = testsupport::buildCollector(node::registerHwmonCollector, paths);
  auto out = testsupport::render(*collector);
  CHECK_FALSE(out.status.isOk());
  CHECK_FALSE(out.status.isNoData());
  CHECK(out.status.message().find((sys / "class/hwmon/hwmon1").string()) != std::string::npos);
  CHECK(out.text ==
        "# HELP node_hwmon_chip_names Annotation metric for human-readable chip names\n"
        "# TYPE node_hwmon_chip_names gauge\n"
        "node_hwmon_chip_names{chip=\"acpitz\",chip_name=\"acpitz\"} 1\n"
        "# HELP node_hwmon_temp_celsius Hardware monitor for temperature (input)\n"
        "# TYPE node_hwmon_temp_celsius gauge\n"
        "node_hwmon_temp_celsius{chip=\"acpitz\",sensor=\"temp1\"} 27.8\n");
  fs::remove_all(sys);
}
