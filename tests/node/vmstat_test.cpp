// The vmstat collector and /proc/vmstat parser. Golden files were checked
// against prometheus-node-exporter 1.5.0 on the same fixture
// (--collector.disable-defaults --collector.vmstat [--collector.vmstat.fields]):
// equal names, HELP, types and values.

#include "procfs/vmstat.h"

#include <doctest/doctest.h>

#include <stdexcept>

#include "collectors/collectors.h"
#include "support/golden.h"
#include "support/temp_tree.h"

TEST_CASE("parseVmstat") {
  SUBCASE("empty") {
    auto fields = procfs::parseVmstat("");
    REQUIRE(fields);
    CHECK(fields->empty());
  }
  SUBCASE("real sample") {
    auto fields = procfs::parseVmstat("nr_free_pages 5672959\npgfault 2919249\n\noom_kill 0");
    REQUIRE(fields);
    REQUIRE(fields->size() == 3);
    CHECK((*fields)[0].name == "nr_free_pages");
    CHECK((*fields)[1].value == 2919249);
    CHECK((*fields)[2].name == "oom_kill");
  }
  SUBCASE("malformed") {
    CHECK_FALSE(procfs::parseVmstat("pgfault\n"));
    CHECK_FALSE(procfs::parseVmstat("pgfault many\n"));
  }
}

TEST_CASE("vmstat collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerVmstatCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/vmstat.prom", out.text);
}

TEST_CASE("vmstat collector with its own field pattern") {
  auto collector =
      testsupport::buildCollector(node::registerVmstatCollector, testsupport::nodeFixturePaths(),
                                  {"--collector.vmstat.fields=^nr_(free|dirty)"});
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/vmstat_fields.prom", out.text);
}

TEST_CASE("vmstat collector rejects a bad pattern at start-up") {
  CHECK_THROWS_AS(
      testsupport::buildCollector(node::registerVmstatCollector, testsupport::nodeFixturePaths(),
                                  {"--collector.vmstat.fields=(("}),
      std::invalid_argument);
}

TEST_CASE("vmstat collector with a missing or malformed file fails with the path") {
  SUBCASE("missing") {
    hostfs::Paths paths;
    paths.procfs = "/nonexistent";
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerVmstatCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find("/nonexistent/vmstat") != std::string::npos);
  }
  SUBCASE("malformed") {
    testsupport::TempTree tree;
    tree.write("proc/vmstat", "pgfault 10\npgmajfault x\n");
    hostfs::Paths paths;
    paths.procfs = tree.path("proc");
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerVmstatCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("proc/vmstat")) != std::string::npos);
  }
}
