#include "procfs/netclass.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "collectors/collectors.h"
#include "support/golden.h"
#include "support/temp_tree.h"

#include <filesystem>

TEST_CASE("parseBase0Integer reads numbers as Go's ParseInt(s, 0, 64)") {
  CHECK(procfs::parseBase0Integer("1500") == 1500);
  CHECK(procfs::parseBase0Integer("-1") == -1);
  CHECK(procfs::parseBase0Integer("+7") == 7);
  CHECK(procfs::parseBase0Integer("0x1003") == 0x1003);
  CHECK(procfs::parseBase0Integer("0X1f") == 31);
  CHECK(procfs::parseBase0Integer("010") == 8);
  CHECK(procfs::parseBase0Integer("0o17") == 15);
  CHECK(procfs::parseBase0Integer("0b101") == 5);
  CHECK(procfs::parseBase0Integer("0") == 0);
  CHECK(procfs::parseBase0Integer("-9223372036854775808") == INT64_MIN);
  CHECK_FALSE(procfs::parseBase0Integer(""));
  CHECK_FALSE(procfs::parseBase0Integer("0x"));
  CHECK_FALSE(procfs::parseBase0Integer("08"));
  CHECK_FALSE(procfs::parseBase0Integer("12ab"));
  CHECK_FALSE(procfs::parseBase0Integer("--1"));
  CHECK_FALSE(procfs::parseBase0Integer("9223372036854775808"));
}

TEST_CASE("setNetClassAttribute") {
  procfs::NetClassIface iface;
  SUBCASE("text attributes are trimmed") {
    procfs::setNetClassAttribute(iface, "address", "02:fc:00:00:00:01\n");
    procfs::setNetClassAttribute(iface, "ifalias", "  uplink \"A\"\n");
    procfs::setNetClassAttribute(iface, "operstate", "up\n");
    CHECK(iface.address == "02:fc:00:00:00:01");
    CHECK(iface.ifalias == "uplink \"A\"");
    CHECK(iface.operstate == "up");
  }
  SUBCASE("numbers, hex flags") {
    procfs::setNetClassAttribute(iface, "flags", "0x1003\n");
    procfs::setNetClassAttribute(iface, "speed", "-1\n");
    procfs::setNetClassAttribute(iface, "tx_queue_len", "1000\n");
    CHECK(iface.flags == 4099);
    CHECK(iface.speed == -1);
    CHECK(iface.tx_queue_len == 1000);
    CHECK_FALSE(iface.mtu);
  }
  SUBCASE("empty or garbage numbers count as 0, as upstream") {
    procfs::setNetClassAttribute(iface, "mtu", "not-a-number\n");
    procfs::setNetClassAttribute(iface, "carrier", "");
    CHECK(iface.mtu == 0);
    CHECK(iface.carrier == 0);
  }
  SUBCASE("unknown attributes are ignored") {
    procfs::setNetClassAttribute(iface, "phys_port_id", "abc");
    CHECK(iface.address.empty());
  }
}

// The fixture holds this machine's eth0, lo and ifb0 (a real down link whose
// carrier, dormant, duplex, speed and name_assign_type read EINVAL, so have no
// file), hand-made eth1 (1 Gbit/s, an alias with quotes) and eth2 (unplugged:
// speed -1, garbage mtu and netdev_group, octal dev_id), and bonding_masters,
// a plain file that is no device.
// Compared with prometheus-node-exporter 1.5.0 --collector.netclass on the same
// tree: identical.
TEST_CASE("netclass collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerNetclassCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/netclass.prom", out.text);
}

TEST_CASE("netclass options") {
  auto paths = testsupport::nodeFixturePaths();
  SUBCASE("ignore-invalid-speed drops speed -1") {
    auto collector = testsupport::buildCollector(node::registerNetclassCollector, paths,
                                                 {"--collector.netclass.ignore-invalid-speed"});
    auto out = testsupport::render(*collector);
    CHECK(out.text.find("node_network_speed_bytes{device=\"eth1\"}") != std::string::npos);
    CHECK(out.text.find("node_network_speed_bytes{device=\"eth0\"}") == std::string::npos);
    CHECK(out.text.find("node_network_speed_bytes{device=\"eth2\"}") == std::string::npos);
  }
  SUBCASE("ignored-devices") {
    auto collector = testsupport::buildCollector(node::registerNetclassCollector, paths,
                                                 {"--collector.netclass.ignored-devices=^eth"});
    auto out = testsupport::render(*collector);
    CHECK(out.text.find("device=\"eth") == std::string::npos);
    CHECK(out.text.find("node_network_up{device=\"lo\"} 0\n") != std::string::npos);
  }
  SUBCASE("a bad pattern is a start-up error") {
    CHECK_THROWS(testsupport::buildCollector(node::registerNetclassCollector, paths,
                                             {"--collector.netclass.ignored-devices=("}));
  }
}

TEST_CASE("netclass collector without class/net reports no data, naming the path") {
  hostfs::Paths paths;
  paths.sysfs = "/nonexistent";
  auto collector = testsupport::buildCollector(node::registerNetclassCollector, paths);
  auto out = testsupport::render(*collector);
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.isNoData());
  CHECK(out.status.message().find("/nonexistent/class/net") != std::string::npos);
}

TEST_CASE("netclass collector fails on an attribute it cannot read, naming the path") {
  // An attribute larger than any sysfs file: a read error that is not "no value".
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("tern-netclass-" + std::to_string(::getpid()));
  fs::create_directories(root / "class/net/eth0");
  std::ofstream(root / "class/net/eth0/operstate") << "up\n";
  std::ofstream(root / "class/net/eth0/ifalias") << std::string(100 << 10, 'a');
  hostfs::Paths paths;
  paths.sysfs = root.string();
  auto collector = testsupport::buildCollector(node::registerNetclassCollector, paths);
  auto out = testsupport::render(*collector);
  fs::remove_all(root);
  CHECK_FALSE(out.status.isOk());
  CHECK_FALSE(out.status.isNoData());
  CHECK(out.status.message().find("class/net/eth0/ifalias") != std::string::npos);
}

TEST_CASE("netclass keeps attribute files open between scrapes and lets go of vanished devices") {
  testsupport::TempTree tree;
  for (const char* device : {"eth0", "veth1"}) {
    tree.write(std::string("class/net/") + device + "/mtu", "1500\n");
    tree.write(std::string("class/net/") + device + "/operstate", "up\n");
  }
  hostfs::Paths paths;
  paths.sysfs = tree.root();
  auto collector = testsupport::buildCollector(node::registerNetclassCollector, paths);
  auto first = testsupport::render(*collector);
  CHECK(first.status.isOk());
  CHECK(first.text.find("node_network_mtu_bytes{device=\"veth1\"} 1500\n") != std::string::npos);

  // Values are read afresh from the open files.
  tree.write("class/net/eth0/mtu", "9000\n");
  auto second = testsupport::render(*collector);
  CHECK(second.text.find("node_network_mtu_bytes{device=\"eth0\"} 9000\n") != std::string::npos);

  // A container's veth goes away: its series go with it.
  std::filesystem::remove_all(tree.path("class/net/veth1"));
  auto third = testsupport::render(*collector);
  CHECK(third.status.isOk());
  CHECK(third.text.find("veth1") == std::string::npos);
  CHECK(third.text.find("node_network_mtu_bytes{device=\"eth0\"} 9000\n") != std::string::npos);
}
