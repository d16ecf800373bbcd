// The pressure collector and the PSI line parser (shared with the container
// exporter's cgroup *.pressure files). The golden file was checked against
// prometheus-node-exporter 1.5.0 on the same fixture
// (--collector.disable-defaults --collector.pressure): equal names, HELP,
// types and values, bit for bit (see seconds() in the collector).

#include "procfs/pressure.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"
#include "support/temp_tree.h"

TEST_CASE("parsePressure") {
  SUBCASE("empty has neither line") {
    auto pressure = procfs::parsePressure("");
    REQUIRE(pressure);
    CHECK_FALSE(pressure->some);
    CHECK_FALSE(pressure->full);
  }
  SUBCASE("real sample") {
    auto pressure = procfs::parsePressure(
        "some avg10=0.48 avg60=0.47 avg300=0.42 total=6285081\n"
        "full avg10=0.00 avg60=0.01 avg300=0.57 total=8015442\n");
    REQUIRE(pressure);
    REQUIRE(pressure->some);
    REQUIRE(pressure->full);
    CHECK(pressure->some->avg10 == doctest::Approx(0.48));
    CHECK(pressure->some->avg60 == doctest::Approx(0.47));
    CHECK(pressure->some->avg300 == doctest::Approx(0.42));
    CHECK(pressure->some->total_us == 6285081);
    CHECK(pressure->full->avg300 == doctest::Approx(0.57));
    CHECK(pressure->full->total_us == 8015442);
  }
  SUBCASE("cpu before Linux 5.13 has only some; irq only full") {
    auto cpu = procfs::parsePressure("some avg10=1.00 avg60=2.00 avg300=3.00 total=4\n");
    REQUIRE(cpu);
    CHECK(cpu->some);
    CHECK_FALSE(cpu->full);
    auto irq = procfs::parsePressure("full avg10=0.00 avg60=0.00 avg300=0.00 total=12\n");
    REQUIRE(irq);
    CHECK_FALSE(irq->some);
    CHECK(irq->full->total_us == 12);
  }
  SUBCASE("unknown lines are ignored") {
    auto pressure = procfs::parsePressure("other x\nsome avg10=0 avg60=0 avg300=0 total=1\n");
    REQUIRE(pressure);
    CHECK(pressure->some->total_us == 1);
  }
  SUBCASE("malformed") {
    CHECK_FALSE(procfs::parsePressure("some avg10=0.48 avg60=0.47 avg300=0.42\n"));  // truncated
    CHECK_FALSE(procfs::parsePressure("some avg10=x avg60=0.47 avg300=0.42 total=1\n"));
    CHECK_FALSE(procfs::parsePressure("some avg10=0 avg60=0 avg300=0 total=-1\n"));
    CHECK_FALSE(procfs::parsePressure("full avg10 avg60=0 avg300=0 total=1\n"));
    CHECK_FALSE(procfs::parsePressure("some\n"));
  }
}

TEST_CASE("pressure collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerPressureCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/pressure.prom", out.text);
}

TEST_CASE("pressure collector without PSI reports no data") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto out =
      testsupport::render(*testsupport::buildCollector(node::registerPressureCollector, paths));
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.isNoData());
  CHECK(out.status.message().find("/nonexistent/pressure/cpu") != std::string::npos);
}

TEST_CASE("pressure collector with a malformed file fails with the path") {
  testsupport::TempTree tree;
  tree.write("proc/pressure/cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=5000000\n");
  hostfs::Paths paths;
  paths.procfs = tree.path("proc");
  SUBCASE("garbage") {
    tree.write("proc/pressure/io", "some avg10=0.00 avg60=0.00 avg300=0.00 total=x\n");
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerPressureCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK_FALSE(out.status.isNoData());
    CHECK(out.status.message().find(tree.path("proc/pressure/io")) != std::string::npos);
    // The cpu value read before the failure is still served.
    CHECK(out.text.find("node_pressure_cpu_waiting_seconds_total 5\n") != std::string::npos);
  }
  SUBCASE("io without its full line") {
    tree.write("proc/pressure/io", "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n");
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerPressureCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("proc/pressure/io")) != std::string::npos);
  }
}

TEST_CASE("pressure seconds are the same doubles node_exporter prints") {
  // node_exporter 1.5 printed 5.397220999999999 for total=5397221 on this
  // machine; dividing by 1e6 in one step would give 5.397221.
  testsupport::TempTree tree;
  tree.write("proc/pressure/cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=5397221\n");
  tree.write("proc/pressure/io",
             "some avg10=0 avg60=0 avg300=0 total=0\nfull avg10=0 avg60=0 avg300=0 total=0\n");
  tree.write("proc/pressure/memory",
             "some avg10=0 avg60=0 avg300=0 total=0\nfull avg10=0 avg60=0 avg300=0 total=0\n");
  hostfs::Paths paths;
  paths.procfs = tree.path("proc");
  auto out =
      testsupport::render(*testsupport::buildCollector(node::registerPressureCollector, paths));
  CHECK(out.status.isOk());
  CHECK(out.text.find("node_pressure_cpu_waiting_seconds_total 5.397220999999999\n") !=
        std::string::npos);
}
