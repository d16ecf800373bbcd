#include "procfs/sockstat.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"

TEST_CASE("parseSockstat") {
  SUBCASE("empty") {
    auto stat = procfs::parseSockstat("");
    REQUIRE(stat);
    CHECK_FALSE(stat->sockets_used);
    CHECK(stat->protocols.empty());
  }
  SUBCASE("truncated and malformed") {
    CHECK_FALSE(procfs::parseSockstat("TCP:\n"));
    CHECK_FALSE(procfs::parseSockstat("TCP: inuse\n"));
    CHECK_FALSE(procfs::parseSockstat("TCP: inuse 1 orphan\n"));
    CHECK_FALSE(procfs::parseSockstat("TCP: inuse two\n"));
  }
  SUBCASE("valid, from this machine") {
    auto stat = procfs::parseSockstat(
        "sockets: used 15\n"
        "TCP: inuse 2 orphan 0 tw 50 alloc 2 mem 199\n"
        "FRAG: inuse 0 memory 0\n"
        "NEW: extra 3\n");
    REQUIRE(stat);
    CHECK(stat->sockets_used == 15);
    REQUIRE(stat->protocols.size() == 3);
    const auto& tcp = stat->protocols[0];
    CHECK(tcp.protocol == "TCP");
    CHECK(tcp.inuse == 2);
    CHECK(tcp.orphan == 0);
    CHECK(tcp.tw == 50);
    CHECK(tcp.alloc == 2);
    CHECK(tcp.mem == 199);
    CHECK_FALSE(tcp.memory);
    CHECK(stat->protocols[1].memory == 0);
    CHECK_FALSE(stat->protocols[1].mem);
    // Unknown keys are ignored; inuse is always there, as upstream.
    CHECK(stat->protocols[2].inuse == 0);
    CHECK_FALSE(stat->protocols[2].orphan);
  }
}

// Compared with prometheus-node-exporter 1.5.0 --collector.sockstat on the same
// tree: identical (TCP_mem_bytes = 199 pages * 4096).
TEST_CASE("sockstat collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerSockstatCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/sockstat.prom", out.text);
}

TEST_CASE("sockstat collector: missing files are skipped, malformed ones fail with the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";  // neither IPv4 nor IPv6: nothing to say, as upstream
  auto missing = testsupport::buildCollector(node::registerSockstatCollector, paths);
  auto out = testsupport::render(*missing);
  CHECK(out.status.isOk());
  CHECK(out.text.empty());

  paths.procfs = testsupport::fixture("node-malformed/proc");
  auto malformed = testsupport::buildCollector(node::registerSockstatCollector, paths);
  out = testsupport::render(*malformed);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("node-malformed/proc/net/sockstat: line 2") != std::string::npos);
}
