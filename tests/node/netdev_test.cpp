#include "procfs/netdev.h"

#include <doctest/doctest.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "collectors/collectors.h"
#include "procfs/rtnl_link.h"
#include "support/golden.h"

namespace {

constexpr std::string_view kHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

// Netlink messages as the kernel lays them out, for the decoder tests.
class DumpBuilder {
 public:
  // One RTM_NEWLINK with a name and either 64-bit or 32-bit counters set to
  // 1, 2, 3, ... in struct order (so each field is recognisable).
  DumpBuilder& link(const std::string& name, bool stats64 = true, std::size_t fields = 24) {
    std::string body(NLMSG_ALIGN(sizeof(ifinfomsg)), '\0');
    attribute(body, IFLA_IFNAME, std::string(name) + '\0');
    std::string stats;
    for (std::size_t i = 0; i < fields; ++i) {
      if (stats64) {
        std::uint64_t v = i + 1;
        stats.append(reinterpret_cast<const char*>(&v), sizeof v);
      } else {
        std::uint32_t v = static_cast<std::uint32_t>(i + 1);
        stats.append(reinterpret_cast<const char*>(&v), sizeof v);
      }
    }
    attribute(body, stats64 ? IFLA_STATS64 : IFLA_STATS, stats);
    attribute(body, IFLA_MTU, std::string(4, '\x05'));
    return message(RTM_NEWLINK, body);
  }
  DumpBuilder& done() { return message(NLMSG_DONE, std::string(4, '\0')); }
  DumpBuilder& error(int error_number) {
    nlmsgerr err{};
    err.error = -error_number;
    return message(NLMSG_ERROR, std::string(reinterpret_cast<const char*>(&err), sizeof err));
  }
  DumpBuilder& message(std::uint16_t type, const std::string& body) {
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(body.size()));
    header.nlmsg_type = type;
    bytes_.append(reinterpret_cast<const char*>(&header), sizeof header);
    bytes_ += body;
    bytes_.resize(NLMSG_ALIGN(bytes_.size()), '\0');
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  static void attribute(std::string& body, std::uint16_t type, const std::string& payload) {
    rtattr attr{};
    attr.rta_len = static_cast<std::uint16_t>(RTA_LENGTH(payload.size()));
    attr.rta_type = type;
    body.append(reinterpret_cast<const char*>(&attr), sizeof attr);
    body += payload;
    body.resize(RTA_ALIGN(body.size()), '\0');
  }
  std::string bytes_;
};

}  // namespace

TEST_CASE("parseNetDev") {
  SUBCASE("empty and header-only files hold no interfaces") {
    auto empty = procfs::parseNetDev("");
    REQUIRE(empty);
    CHECK(empty->empty());
    auto header = procfs::parseNetDev(kHeader);
    REQUIRE(header);
    CHECK(header->empty());
  }
  SUBCASE("truncated line") {
    auto lines = procfs::parseNetDev(std::string(kHeader) + "  eth0: 1 2 3 4 5 6 7 8 9\n");
    REQUIRE_FALSE(lines);
    CHECK(lines.error().find("line 3") != std::string::npos);
  }
  SUBCASE("malformed") {
    CHECK_FALSE(procfs::parseNetDev(std::string(kHeader) + "eth0 1 2 3\n"));  // no colon
    CHECK_FALSE(
        procfs::parseNetDev(std::string(kHeader) + "  : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"));
    CHECK_FALSE(procfs::parseNetDev(std::string(kHeader) +
                                    "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x\n"));
    CHECK_FALSE(procfs::parseNetDev(std::string(kHeader) +
                                    "eth0: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"));
  }
  SUBCASE("valid, from this machine, fields in order") {
    auto lines = procfs::parseNetDev(
        std::string(kHeader) +
        "    lo:   64658      85    0    0    0     0          0         0    64658      85    "
        "0    0    0     0       0          0\n"
        "  eth0: 46345819    1007    1    2    3     4          5         6    50916     623    "
        "7    8    9    10      11         12\n"
        "veth1:2: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16");  // last colon splits
    REQUIRE(lines);
    REQUIRE(lines->size() == 3);
    CHECK((*lines)[0].name == "lo");
    const auto& eth0 = (*lines)[1];
    CHECK(eth0.name == "eth0");
    CHECK(eth0.receive_bytes == 46345819);
    CHECK(eth0.receive_packets == 1007);
    CHECK(eth0.receive_errors == 1);
    CHECK(eth0.receive_dropped == 2);
    CHECK(eth0.receive_fifo == 3);
    CHECK(eth0.receive_frame == 4);
    CHECK(eth0.receive_compressed == 5);
    CHECK(eth0.receive_multicast == 6);
    CHECK(eth0.transmit_bytes == 50916);
    CHECK(eth0.transmit_packets == 623);
    CHECK(eth0.transmit_errors == 7);
    CHECK(eth0.transmit_dropped == 8);
    CHECK(eth0.transmit_fifo == 9);
    CHECK(eth0.transmit_collisions == 10);
    CHECK(eth0.transmit_carrier == 11);
    CHECK(eth0.transmit_compressed == 12);
    CHECK((*lines)[2].name == "veth1:2");
    CHECK((*lines)[2].transmit_compressed == 16);
  }
}

TEST_CASE("decodeLinkDump") {
  SUBCASE("64-bit counters, in struct order, and the end of the dump") {
    std::vector<procfs::LinkStats> links;
    auto done = procfs::decodeLinkDump(DumpBuilder().link("eth0").link("lo").done().bytes(), links);
    REQUIRE(done);
    CHECK(*done);
    REQUIRE(links.size() == 2);
    CHECK(links[0].name == "eth0");
    CHECK(links[0].rx_packets == 1);
    CHECK(links[0].tx_bytes == 4);
    CHECK(links[0].multicast == 9);
    CHECK(links[0].collisions == 10);
    CHECK(links[0].rx_missed_errors == 16);
    CHECK(links[0].tx_window_errors == 21);
    CHECK(links[0].rx_nohandler == 24);
    CHECK(links[1].name == "lo");
  }
  SUBCASE("a datagram without NLMSG_DONE continues the dump") {
    std::vector<procfs::LinkStats> links;
    auto done = procfs::decodeLinkDump(DumpBuilder().link("eth0").bytes(), links);
    REQUIRE(done);
    CHECK_FALSE(*done);
    CHECK(links.size() == 1);
  }
  SUBCASE("32-bit counters and short structs from old kernels") {
    std::vector<procfs::LinkStats> links;
    auto done = procfs::decodeLinkDump(
        DumpBuilder().link("old", false, 23).link("older", true, 10).done().bytes(), links);
    REQUIRE(done);
    REQUIRE(links.size() == 2);
    CHECK(links[0].tx_compressed == 23);
    CHECK(links[0].rx_nohandler == 0);
    CHECK(links[1].collisions == 10);
    CHECK(links[1].rx_length_errors == 0);
  }
  SUBCASE("empty input, errors and truncation") {
    std::vector<procfs::LinkStats> links;
    auto empty = procfs::decodeLinkDump("", links);
    REQUIRE(empty);
    CHECK_FALSE(*empty);
    auto error = procfs::decodeLinkDump(DumpBuilder().error(EPERM).bytes(), links);
    REQUIRE_FALSE(error);
    CHECK(error.error().find("not permitted") != std::string::npos);
    std::string bytes = DumpBuilder().link("eth0").bytes();
    CHECK_FALSE(procfs::decodeLinkDump(std::string_view(bytes).substr(0, bytes.size() - 8), links));
    // A message whose attributes overrun it is ignored, not read past.
    std::string garbage = DumpBuilder().message(RTM_NEWLINK, std::string(40, '\xff')).bytes();
    links.clear();
    CHECK(procfs::decodeLinkDump(garbage, links));
    CHECK(links.empty());
  }
}

// Compared with prometheus-node-exporter 1.5.0 --collector.netdev
// --no-collector.netdev.netlink on the same tree: identical except that Go
// writes 46345819 as 4.6345819e+07 (number formatting is the runtime's job).
TEST_CASE("netdev collector against fixtures (/proc/net/dev)") {
  auto collector =
      testsupport::buildCollector(node::registerNetdevCollector, testsupport::nodeFixturePaths(),
                                  {"--no-collector.netdev.netlink"});
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/netdev.prom", out.text);
}

TEST_CASE("netdev device filters and detailed names") {
  auto paths = testsupport::nodeFixturePaths();
  SUBCASE("an include pattern replaces the default exclude of lo") {
    auto collector = testsupport::buildCollector(
        node::registerNetdevCollector, paths,
        {"--no-collector.netdev.netlink", "--collector.netdev.device-include=^(lo|eth0)$"});
    auto out = testsupport::render(*collector);
    CHECK(out.text.find("node_network_receive_bytes_total{device=\"lo\"} 8.399483e+06\n") !=
          std::string::npos);
    CHECK(out.text.find("device=\"ifb0\"") == std::string::npos);
  }
  SUBCASE("both patterns given is a start-up error") {
    CHECK_THROWS(testsupport::buildCollector(
        node::registerNetdevCollector, paths,
        {"--collector.netdev.device-include=a", "--collector.netdev.device-exclude=b"}));
  }
  SUBCASE("detailed names") {
    auto collector = testsupport::buildCollector(
        node::registerNetdevCollector, paths,
        {"--no-collector.netdev.netlink", "--collector.netdev.enable-detailed-metrics"});
    auto out = testsupport::render(*collector);
    CHECK(out.text.find("node_network_receive_errors_total{device=\"eth0\"} 0\n") !=
          std::string::npos);
    CHECK(out.text.find("receive_errs") == std::string::npos);
  }
}

// Netlink reads the kernel, not the fixture tree: only check the shape. Every
// network namespace has lo.
TEST_CASE("netdev collector over netlink (this host)") {
  auto collector =
      testsupport::buildCollector(node::registerNetdevCollector, testsupport::nodeFixturePaths(),
                                  {"--collector.netdev.device-include=^lo$"});
  auto out = testsupport::render(*collector);
  if (!out.status.isOk()) {
    MESSAGE("netlink unavailable here: " << out.status.message());
    return;
  }
  CHECK(out.text.find("node_network_receive_nohandler_total{device=\"lo\"}") != std::string::npos);
  CHECK(out.text.find("node_network_transmit_colls_total{device=\"lo\"}") != std::string::npos);
}

TEST_CASE("netdev collector with a missing or malformed file fails with the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto missing = testsupport::buildCollector(node::registerNetdevCollector, paths,
                                             {"--no-collector.netdev.netlink"});
  auto out = testsupport::render(*missing);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("/nonexistent/net/dev") != std::string::npos);

  paths.procfs = testsupport::fixture("node-malformed/proc");
  auto malformed = testsupport::buildCollector(node::registerNetdevCollector, paths,
                                               {"--no-collector.netdev.netlink"});
  out = testsupport::render(*malformed);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("node-malformed/proc/net/dev: line 3") != std::string::npos);
}
