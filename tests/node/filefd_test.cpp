// The filefd collector and /proc/sys/fs/file-nr parser. The golden file was
// checked against prometheus-node-exporter 1.5.0 on the same fixture
// (--collector.disable-defaults --collector.filefd): equal output.

#include "procfs/filefd.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"
#include "support/temp_tree.h"

TEST_CASE("parseFileNr") {
  CHECK_FALSE(procfs::parseFileNr(""));
  CHECK_FALSE(procfs::parseFileNr("927\t0\n"));
  CHECK_FALSE(procfs::parseFileNr("many\t0\t2465620\n"));
  CHECK_FALSE(procfs::parseFileNr("927\t0\tlots\n"));
  auto file_nr = procfs::parseFileNr("927\t0\t2465620\n");
  REQUIRE(file_nr);
  CHECK(file_nr->allocated == 927);
  CHECK(file_nr->unused == 0);
  CHECK(file_nr->maximum == 2465620);
}

TEST_CASE("filefd collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerFilefdCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/filefd.prom", out.text);
}

TEST_CASE("filefd collector with a missing or malformed file fails with the path") {
  SUBCASE("missing") {
    hostfs::Paths paths;
    paths.procfs = "/nonexistent";
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerFilefdCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find("/nonexistent/sys/fs/file-nr") != std::string::npos);
  }
  SUBCASE("malformed") {
    testsupport::TempTree tree;
    tree.write("proc/sys/fs/file-nr", "927\n");
    hostfs::Paths paths;
    paths.procfs = tree.path("proc");
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerFilefdCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("proc/sys/fs/file-nr")) != std::string::npos);
  }
}
