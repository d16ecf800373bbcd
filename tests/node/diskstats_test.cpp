// diskstats: parser tables, the collector against tests/fixtures/node/proc/
// diskstats with the udev database in tests/fixtures/node/udev/data, flags,
// and bad input.
//
// The golden was compared with node_exporter 1.5 on the same fixture
// (--path.procfs, --path.udev.data): identical up to number formatting (Go
// prints 1.398289408e+09 where we print 1398289408).

#include "procfs/diskstats.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "collectors/collectors.h"
#include "support/golden.h"

TEST_CASE("parseDiskstats") {
  CHECK(procfs::parseDiskstats("")->empty());
  // Fewer than 11 statistics: not a block device line, skipped like upstream.
  CHECK(procfs::parseDiskstats("   8      32 sdc 1 2 3 4\n")->empty());
  CHECK(procfs::parseDiskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10\n")->empty());
  // Garbage in a counter fails the whole file, naming the line.
  auto bad =
      procfs::parseDiskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 1 sda1 1 2 x 4 5 6 7 8 9 10 11\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("line 2") != std::string::npos);
  CHECK_FALSE(procfs::parseDiskstats("x 0 sda 1 2 3 4 5 6 7 8 9 10 11\n"));
  CHECK_FALSE(procfs::parseDiskstats("8 0 sda -1 2 3 4 5 6 7 8 9 10 11\n"));

  auto lines = procfs::parseDiskstats(
      " 254       0 vda 87254 24175 3674034 31185 13940 19188 6499880 28585 0 23416 61473 6197 47 "
      "4180312 1649 1002 52\n"
      "   8       0 sda 25354637 34367663 1003346126 18492372 28444756 11134226 505697032 "
      "63877960 0 9653880 82621804\n"
      " 259       0 nvme0n1 47114 4 4643973 21650 1235 1 76344 3090 0 12420 24740 0 0 0 0 9 9 9 9");
  REQUIRE(lines);
  REQUIRE(lines->size() == 3);
  CHECK((*lines)[0].major == 254);
  CHECK((*lines)[0].device == "vda");
  CHECK((*lines)[0].stats.size() == 17);
  CHECK((*lines)[0].stats[16] == 52);
  CHECK((*lines)[1].stats.size() == 11);
  CHECK((*lines)[2].stats.size() == 17);  // fields past the 17th are ignored
}

TEST_CASE("parseUdevProperties") {
  auto properties = procfs::parseUdevProperties(
      "S:disk/by-id/x\nE:ID_MODEL=Some Disk\nE:DM_LV_LAYER=\nE:ODD=a=b\nE:NOEQUALS\nI:1\n");
  CHECK(properties.size() == 3);
  CHECK(properties["ID_MODEL"] == "Some Disk");
  CHECK(properties["DM_LV_LAYER"].empty());
  CHECK(properties["ODD"] == "a=b");
  CHECK(procfs::parseUdevProperties("").empty());
}

TEST_CASE("diskstats collector against fixtures") {
  auto collector = testsupport::buildCollector(node::registerDiskstatsCollector,
                                               testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/diskstats.prom", out.text);
}

TEST_CASE("diskstats device filters") {
  auto paths = testsupport::nodeFixturePaths();
  SUBCASE("include alone replaces the default exclude") {
    auto collector = testsupport::buildCollector(node::registerDiskstatsCollector, paths,
                                                 {"--collector.diskstats.device-include=^sd"});
    auto out = testsupport::render(*collector);
    CHECK(out.text.find("device=\"sda1\"") != std::string::npos);
    CHECK(out.text.find("device=\"vda\"") == std::string::npos);
  }
  SUBCASE("deprecated ignored-devices") {
    auto collector =
        testsupport::buildCollector(node::registerDiskstatsCollector, paths,
                                    {"--collector.diskstats.ignored-devices=^(sd|loop)"});
    auto out = testsupport::render(*collector);
    CHECK(out.text.find("device=\"sda") == std::string::npos);
    CHECK(out.text.find("device=\"vda1\"") != std::string::npos);
  }
  SUBCASE("include and exclude together are a start-up error") {
    CHECK_THROWS(testsupport::buildCollector(
        node::registerDiskstatsCollector, paths,
        {"--collector.diskstats.device-include=^sd", "--collector.diskstats.device-exclude=^x"}));
    CHECK_THROWS(testsupport::buildCollector(
        node::registerDiskstatsCollector, paths,
        {"--collector.diskstats.ignored-devices=^sd", "--collector.diskstats.device-exclude=^x"}));
  }
  SUBCASE("a bad regex is a start-up error") {
    CHECK_THROWS(testsupport::buildCollector(node::registerDiskstatsCollector, paths,
                                             {"--collector.diskstats.device-exclude=("}));
  }
}

TEST_CASE("diskstats collector without a udev database still reports") {
  auto paths = testsupport::nodeFixturePaths();
  paths.udev_data = "/nonexistent/udev";
  auto collector = testsupport::buildCollector(node::registerDiskstatsCollector, paths);
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  CHECK(out.text.find("node_disk_info{device=\"sda\",major=\"8\",minor=\"0\",model=\"\",path=\"\","
                      "revision=\"\",serial=\"\",wwn=\"\"} 1") != std::string::npos);
  CHECK(out.text.find("node_disk_filesystem_info") == std::string::npos);
}

TEST_CASE("diskstats collector with a missing or malformed file fails with the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto collector = testsupport::buildCollector(node::registerDiskstatsCollector, paths);
  auto out = testsupport::render(*collector);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("/nonexistent/diskstats") != std::string::npos);

  auto dir = std::filesystem::temp_directory_path() / "tern-diskstats-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "diskstats")
      << "8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n8 1 sda1 1 2 3 4 5 6 7 8 9 ten 11\n";
  paths.procfs = dir.string();
  collector = testsupport::buildCollector(node::registerDiskstatsCollector, paths);
  out = testsupport::render(*collector);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find((dir / "diskstats").string() + ": line 2") != std::string::npos);
  std::filesystem::remove_all(dir);
}
