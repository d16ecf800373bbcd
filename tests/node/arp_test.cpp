#include "procfs/arp.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"

namespace {
constexpr std::string_view kHeader =
    "IP address       HW type     Flags       HW address            Mask     Device\n";
}

TEST_CASE("parseArp") {
  SUBCASE("empty and header-only") {
    auto empty = procfs::parseArp("");
    REQUIRE(empty);
    CHECK(empty->empty());
    auto header = procfs::parseArp(kHeader);
    REQUIRE(header);
    CHECK(header->empty());
  }
  SUBCASE("truncated and malformed") {
    CHECK_FALSE(procfs::parseArp(std::string(kHeader) +
                                 "192.0.2.1        0x1         0x2         02:fc:00:00:00:05\n"));
    CHECK_FALSE(procfs::parseArp("a b c d e f g\n"));
  }
  SUBCASE("valid, from this machine") {
    auto entries = procfs::parseArp(
        std::string(kHeader) +
        "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n\n"
        "192.0.2.7        0x1         0x0         00:00:00:00:00:00     *        eth0");
    REQUIRE(entries);
    REQUIRE(entries->size() == 2);
    CHECK((*entries)[0].ip_address == "192.0.2.1");
    CHECK((*entries)[0].hw_address == "02:fc:00:00:00:05");
    CHECK((*entries)[0].device == "eth0");
    CHECK((*entries)[1].hw_address == "00:00:00:00:00:00");
  }
}

// The fixture is this machine's table plus two hand-made entries (an
// incomplete one on eth0, one on eth1). Compared with prometheus-node-exporter
// 1.5.0 --collector.arp on the same tree: identical.
TEST_CASE("arp collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerArpCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/arp.prom", out.text);
}

TEST_CASE("arp device filters") {
  auto paths = testsupport::nodeFixturePaths();
  auto include = testsupport::buildCollector(node::registerArpCollector, paths,
                                             {"--collector.arp.device-include=^eth1$"});
  CHECK(testsupport::render(*include).text ==
        "# HELP node_arp_entries ARP entries by device\n"
        "# TYPE node_arp_entries gauge\n"
        "node_arp_entries{device=\"eth1\"} 1\n");
  auto exclude = testsupport::buildCollector(node::registerArpCollector, paths,
                                             {"--collector.arp.device-exclude=^eth1$"});
  CHECK(testsupport::render(*exclude).text ==
        "# HELP node_arp_entries ARP entries by device\n"
        "# TYPE node_arp_entries gauge\n"
        "node_arp_entries{device=\"eth0\"} 2\n");
}

TEST_CASE("arp collector with a missing or malformed file fails with the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto missing = testsupport::buildCollector(node::registerArpCollector, paths);
  auto out = testsupport::render(*missing);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("/nonexistent/net/arp") != std::string::npos);

  paths.procfs = testsupport::fixture("node-malformed/proc");
  auto malformed = testsupport::buildCollector(node::registerArpCollector, paths);
  out = testsupport::render(*malformed);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("node-malformed/proc/net/arp: line 2") != std::string::npos);
}
