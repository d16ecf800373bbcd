// The meminfo collector and /proc/meminfo parser. The golden file was checked
// against prometheus-node-exporter 1.5.0 on the same fixture
// (--collector.disable-defaults --collector.meminfo): equal names, HELP,
// types and values.

#include "procfs/meminfo.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"
#include "support/temp_tree.h"

TEST_CASE("parseMeminfo") {
  SUBCASE("empty") {
    auto fields = procfs::parseMeminfo("");
    REQUIRE(fields);
    CHECK(fields->empty());
  }
  SUBCASE("real sample") {
    auto fields = procfs::parseMeminfo(
        "MemTotal:       24682416 kB\n"
        "Active(anon):       1644 kB\n"
        "\n"
        "HugePages_Total:       0\n");
    REQUIRE(fields);
    REQUIRE(fields->size() == 3);
    CHECK((*fields)[0].name == "MemTotal");
    CHECK((*fields)[0].value == 24682416);
    CHECK((*fields)[0].in_kb);
    CHECK((*fields)[1].name == "Active(anon)");
    CHECK((*fields)[2].name == "HugePages_Total");
    CHECK_FALSE((*fields)[2].in_kb);
  }
  SUBCASE("malformed") {
    CHECK_FALSE(procfs::parseMeminfo("MemTotal:\n"));
    CHECK_FALSE(procfs::parseMeminfo("MemTotal: lots kB\n"));
    CHECK_FALSE(procfs::parseMeminfo("MemTotal: 1 kB extra\n"));
    // A NUL inside the number (a torn read) is not a number.
    CHECK_FALSE(procfs::parseMeminfo(std::string_view("MemTotal: 12\0003 kB\n", 19)));
  }
}

TEST_CASE("meminfo collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerMeminfoCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/meminfo.prom", out.text);
}

TEST_CASE("meminfo collector with a missing or malformed file fails with the path") {
  SUBCASE("missing") {
    hostfs::Paths paths;
    paths.procfs = "/nonexistent";
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerMeminfoCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find("/nonexistent/meminfo") != std::string::npos);
  }
  SUBCASE("malformed") {
    testsupport::TempTree tree;
    tree.write("proc/meminfo", "MemTotal: 100 kB\nMemFree\n");
    hostfs::Paths paths;
    paths.procfs = tree.path("proc");
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerMeminfoCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("proc/meminfo")) != std::string::npos);
  }
}
