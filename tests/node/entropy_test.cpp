// The entropy collector. Each file holds one integer, read with
// hostfs::readUnsigned, so there is no parser of its own. The golden file was
// checked against prometheus-node-exporter 1.5.0 on the same fixture
// (--collector.disable-defaults --collector.entropy): equal output.

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"
#include "support/temp_tree.h"

TEST_CASE("entropy collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerEntropyCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/entropy.prom", out.text);
}

TEST_CASE("entropy collector with a missing or malformed file fails with the path") {
  SUBCASE("missing") {
    hostfs::Paths paths;
    paths.procfs = "/nonexistent";
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerEntropyCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find("/nonexistent/sys/kernel/random/entropy_avail") !=
          std::string::npos);
  }
  SUBCASE("malformed pool size") {
    testsupport::TempTree tree;
    tree.write("proc/sys/kernel/random/entropy_avail", "256\n");
    tree.write("proc/sys/kernel/random/poolsize", "big\n");
    hostfs::Paths paths;
    paths.procfs = tree.path("proc");
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerEntropyCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("proc/sys/kernel/random/poolsize")) !=
          std::string::npos);
    CHECK(out.text.find("node_entropy_available_bits 256\n") != std::string::npos);
  }
}
