#include "procfs/conntrack.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"

namespace {
constexpr std::string_view kHeader =
    "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop "
    "early_drop icmp_error  expect_new expect_create expect_delete search_restart\n";
}

TEST_CASE("parseConntrackStat") {
  SUBCASE("empty") { CHECK_FALSE(procfs::parseConntrackStat("")); }
  SUBCASE("header only: zeros") {
    auto stat = procfs::parseConntrackStat(kHeader);
    REQUIRE(stat);
    CHECK(stat->found == 0);
  }
  SUBCASE("truncated and malformed") {
    CHECK_FALSE(procfs::parseConntrackStat(std::string(kHeader) + "00000001 00000002\n"));
    CHECK_FALSE(procfs::parseConntrackStat("entries found\n00000001 00000002\n"));  // columns
    CHECK_FALSE(
        procfs::parseConntrackStat(std::string(kHeader) + "0 0 xx 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"));
  }
  SUBCASE("valid: columns found by name, summed over CPUs") {
    auto stat = procfs::parseConntrackStat(
        std::string(kHeader) +
        "0000002a  00000000 00000001 00000000 00000002 00000003 00000000 00000000 00000004 "
        "00000005 00000006 00000007 00000000  00000000 00000000 00000000 00000008\n"
        "0000002a  00000000 00000010 00000000 00000020 00000030 00000000 00000000 00000040 "
        "00000050 00000060 00000070 00000000  00000000 00000000 00000000 00000080\n");
    REQUIRE(stat);
    CHECK(stat->found == 0x11);
    CHECK(stat->invalid == 0x22);
    CHECK(stat->ignore == 0x33);
    CHECK(stat->insert == 0x44);
    CHECK(stat->insert_failed == 0x55);
    CHECK(stat->drop == 0x66);
    CHECK(stat->early_drop == 0x77);
    CHECK(stat->search_restart == 0x88);
  }
}

TEST_CASE("parseConntrackValue") {
  CHECK(procfs::parseConntrackValue("262144\n").value() == 262144);
  CHECK_FALSE(procfs::parseConntrackValue(""));
  CHECK_FALSE(procfs::parseConntrackValue("-1\n"));
  CHECK_FALSE(procfs::parseConntrackValue("12 34\n"));
}

// Compared with prometheus-node-exporter 1.5.0 --collector.conntrack on the
// same tree: identical.
TEST_CASE("conntrack collector against fixtures") {
  auto collector = testsupport::buildCollector(node::registerConntrackCollector,
                                               testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/conntrack.prom", out.text);
}

TEST_CASE("conntrack collector without the module reports no data, naming the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto collector = testsupport::buildCollector(node::registerConntrackCollector, paths);
  auto out = testsupport::render(*collector);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.isNoData());
  CHECK(out.status.message().find("/nonexistent/sys/net/netfilter/nf_conntrack_count") !=
        std::string::npos);
}

TEST_CASE("conntrack collector with a malformed stat table keeps the counts and fails") {
  hostfs::Paths paths;
  paths.procfs = testsupport::fixture("node-malformed/proc");
  auto collector = testsupport::buildCollector(node::registerConntrackCollector, paths);
  auto out = testsupport::render(*collector);
  CHECK_FALSE(out.status.isOk());
  CHECK_FALSE(out.status.isNoData());
  CHECK(out.status.message().find("node-malformed/proc/net/stat/nf_conntrack: line 2") !=
        std::string::npos);
  CHECK(out.text.find("node_nf_conntrack_entries 42\n") != std::string::npos);
  CHECK(out.text.find("node_nf_conntrack_entries_limit 262144\n") != std::string::npos);
}
