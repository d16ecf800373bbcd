#include "procfs/softnet.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"

TEST_CASE("parseSoftnet") {
  SUBCASE("empty") {
    auto stats = procfs::parseSoftnet("");
    REQUIRE(stats);
    CHECK(stats->empty());
  }
  SUBCASE("truncated and malformed") {
    CHECK_FALSE(procfs::parseSoftnet("0000031f 00000000 00000000\n"));
    CHECK_FALSE(procfs::parseSoftnet(
        "0000031g 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"));
    // More than 32 bits.
    CHECK_FALSE(procfs::parseSoftnet(
        "100000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"));
  }
  SUBCASE("valid: old 9-column and today's 15-column lines") {
    auto stats = procfs::parseSoftnet(
        "00000010 00000002 00000003 00000000 00000000 00000000 00000000 00000000 00000000\n"
        "000007ca 00000000 0000000f 00000000 00000000 00000000 00000000 00000000 00000000 "
        "00000000 00000000 00000000 00000001 00000000 00000000\n");
    REQUIRE(stats);
    REQUIRE(stats->size() == 2);
    CHECK((*stats)[0].processed == 16);
    CHECK((*stats)[0].dropped == 2);
    CHECK((*stats)[0].time_squeezed == 3);
    CHECK((*stats)[1].processed == 1994);
    CHECK((*stats)[1].time_squeezed == 15);
  }
}

// Compared with prometheus-node-exporter 1.5.0 --collector.softnet on the same
// tree: identical. (Upstream orders cpu labels as strings, "10" before "2";
// this collector emits them in CPU order, which differs only above 10 CPUs.)
TEST_CASE("softnet collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerSoftnetCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/softnet.prom", out.text);
}

TEST_CASE("softnet collector with a missing or malformed file fails with the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto missing = testsupport::buildCollector(node::registerSoftnetCollector, paths);
  auto out = testsupport::render(*missing);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("/nonexistent/net/softnet_stat") != std::string::npos);

  paths.procfs = testsupport::fixture("node-malformed/proc");
  auto malformed = testsupport::buildCollector(node::registerSoftnetCollector, paths);
  out = testsupport::render(*malformed);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("node-malformed/proc/net/softnet_stat: line 1") !=
        std::string::npos);
}
