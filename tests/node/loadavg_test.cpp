#include "collectors/collectors.h"
#include "procfs/loadavg.h"
#include "support/golden.h"

#include <doctest/doctest.h>

TEST_CASE("parseLoadavg") {
  CHECK_FALSE(procfs::parseLoadavg(""));
  CHECK_FALSE(procfs::parseLoadavg("0.1 0.2"));
  CHECK_FALSE(procfs::parseLoadavg("a b c 1/2 3"));
  auto load = procfs::parseLoadavg("0.21 0.37 0.41 2/1234 56789\n");
  REQUIRE(load);
  CHECK(load->one == 0.21);
  CHECK(load->five == 0.37);
  CHECK(load->fifteen == 0.41);
}

TEST_CASE("loadavg collector against fixtures") {
  auto collector = testsupport::buildCollector(node::registerLoadavgCollector,
                                               testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/loadavg.prom", out.text);
}

TEST_CASE("loadavg collector with a missing file fails with the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto collector = testsupport::buildCollector(node::registerLoadavgCollector, paths);
  auto out = testsupport::render(*collector);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("/nonexistent/loadavg") != std::string::npos);
}
