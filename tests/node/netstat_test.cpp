#include "procfs/netstat.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"

TEST_CASE("parseNetStat") {
  SUBCASE("empty") {
    auto values = procfs::parseNetStat("");
    REQUIRE(values);
    CHECK(values->empty());
  }
  SUBCASE("truncated: names without values") {
    auto values = procfs::parseNetStat("Tcp: RtoAlgorithm RtoMin\nTcp: 1 200\nUdp: InDatagrams\n");
    REQUIRE_FALSE(values);
    CHECK(values.error().find("line 3") != std::string::npos);
  }
  SUBCASE("malformed") {
    CHECK_FALSE(procfs::parseNetStat("Tcp: A B\nTcp: 1\n"));                // count mismatch
    CHECK_FALSE(procfs::parseNetStat("Tcp: A B\nUdp: 1 2\n"));              // other protocol
    CHECK_FALSE(procfs::parseNetStat("Tcp: A B\nTcp: 1 x\n"));              // not a number
    CHECK_FALSE(procfs::parseNetStat("Tcp A B\nTcp 1 2\n"));                // no colon
    CHECK_FALSE(procfs::parseNetStat("Tcp: A\nTcp: 1\nTcp: A\nTcp: 2\n"));  // twice
  }
  SUBCASE("valid, from this machine") {
    auto values = procfs::parseNetStat(
        "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens\n"
        "Tcp: 1 200 120000 -1 67\n"
        "IcmpMsg: InType3\n"
        "IcmpMsg: 1\n");
    REQUIRE(values);
    REQUIRE(values->size() == 6);
    CHECK((*values)[3].protocol == "Tcp");
    CHECK((*values)[3].name == "MaxConn");
    CHECK((*values)[3].value == -1);
    CHECK((*values)[5].protocol == "IcmpMsg");
    CHECK((*values)[5].name == "InType3");
    CHECK((*values)[5].value == 1);
  }
}

TEST_CASE("parseSnmp6") {
  auto empty = procfs::parseSnmp6("");
  REQUIRE(empty);
  CHECK(empty->empty());
  CHECK_FALSE(procfs::parseSnmp6("Ip6InReceives  x\n"));
  auto values = procfs::parseSnmp6(
      "Ip6InReceives                   \t4\n"
      "Icmp6OutType135                 \t4\n"
      "UdpLite6InErrors                \t0\n"
      "NoSixHere 5\n"
      "Ip6Lonely\n");
  REQUIRE(values);
  REQUIRE(values->size() == 3);
  CHECK((*values)[0].protocol == "Ip6");
  CHECK((*values)[0].name == "InReceives");
  CHECK((*values)[1].protocol == "Icmp6");
  CHECK((*values)[1].name == "OutType135");
  CHECK((*values)[2].protocol == "UdpLite6");
  CHECK((*values)[2].name == "InErrors");
}

// Compared with prometheus-node-exporter 1.5.0 --collector.netstat on the same
// tree: identical except that Go writes 54730796 as 5.4730796e+07.
TEST_CASE("netstat collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerNetstatCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/netstat.prom", out.text);
}

TEST_CASE("netstat fields flag") {
  auto collector =
      testsupport::buildCollector(node::registerNetstatCollector, testsupport::nodeFixturePaths(),
                                  {"--collector.netstat.fields=^Tcp_MaxConn$"});
  auto out = testsupport::render(*collector);
  CHECK(out.text ==
        "# HELP node_netstat_Tcp_MaxConn Statistic TcpMaxConn.\n"
        "# TYPE node_netstat_Tcp_MaxConn untyped\n"
        "node_netstat_Tcp_MaxConn -1\n");
}

TEST_CASE("netstat collector with missing or malformed files fails with the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto missing = testsupport::buildCollector(node::registerNetstatCollector, paths);
  auto out = testsupport::render(*missing);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("/nonexistent/net/netstat") != std::string::npos);

  paths.procfs = testsupport::fixture("node-malformed/proc");
  auto malformed = testsupport::buildCollector(node::registerNetstatCollector, paths);
  out = testsupport::render(*malformed);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("node-malformed/proc/net/netstat: line 2") != std::string::npos);
  CHECK(out.text.empty());
}
