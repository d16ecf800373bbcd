// The pure parsers of the cgroup file formats, v1 and v2.

#include "cgroups/parse.h"

#include <doctest/doctest.h>

TEST_CASE("parseFlatKeyed") {
  SUBCASE("empty") {
    auto keyed = cgroups::parseFlatKeyed("");
    REQUIRE(keyed);
    CHECK(keyed->entries.empty());
    CHECK_FALSE(keyed->get("user"));
  }
  SUBCASE("cpuacct.stat and v2 cpu.stat") {
    auto ticks = cgroups::parseFlatKeyed("user 15914\nsystem 4\n");
    REQUIRE(ticks);
    CHECK(ticks->get("user") == 15914u);
    CHECK(ticks->get("system") == 4u);
    CHECK_FALSE(ticks->get("nice"));
    auto stat = cgroups::parseFlatKeyed(
        "usage_usec 159210952\nuser_usec 159167147\nsystem_usec 43804\n"
        "core_sched.force_idle_usec 0\n\nnr_periods 3");
    REQUIRE(stat);
    CHECK(stat->entries.size() == 5);
    CHECK(stat->get("usage_usec") == 159210952u);
    CHECK(stat->get("core_sched.force_idle_usec") == 0u);
    CHECK(stat->get("nr_periods") == 3u);  // a last line without a newline
  }
  SUBCASE("v1 memory.stat holds the unlimited value as a plain number") {
    auto stat = cgroups::parseFlatKeyed("hierarchical_memory_limit 9223372036854771712\n");
    REQUIRE(stat);
    CHECK(stat->get("hierarchical_memory_limit") == 9223372036854771712u);
  }
  SUBCASE("malformed") {
    auto missing = cgroups::parseFlatKeyed("user 1\nsystem\n");
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == "line 2: expected \"key value\", got \"system\"");
    CHECK_FALSE(cgroups::parseFlatKeyed("user lots\n"));
    CHECK_FALSE(cgroups::parseFlatKeyed("user -1\n"));
    CHECK_FALSE(cgroups::parseFlatKeyed("user 1 2\n"));
  }
}

TEST_CASE("parseValue") {
  CHECK(*cgroups::parseValue("159195016608\n") == 159195016608u);
  CHECK(*cgroups::parseValue("0") == 0u);
  auto bad = cgroups::parseValue("max\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "\"max\" is not an unsigned number");
  CHECK_FALSE(cgroups::parseValue(""));
  CHECK_FALSE(cgroups::parseValue("-1\n"));
  CHECK_FALSE(cgroups::parseValue("12 13\n"));
}

TEST_CASE("parseLimit") {
  CHECK(*cgroups::parseLimit("536870912\n") == std::optional<std::uint64_t>(536870912));
  CHECK(*cgroups::parseLimit("50000\n") == std::optional<std::uint64_t>(50000));
  CHECK_FALSE(*cgroups::parseLimit("max\n"));                  // v2
  CHECK_FALSE(*cgroups::parseLimit("-1\n"));                   // v1 cpu.cfs_quota_us
  CHECK_FALSE(*cgroups::parseLimit("9223372036854771712\n"));  // v1, 4 KiB pages
  CHECK_FALSE(*cgroups::parseLimit("9223372036854710272\n"));  // v1, 64 KiB pages
  CHECK_FALSE(*cgroups::parseLimit("4611686018427387904"));    // 2^62
  CHECK(*cgroups::parseLimit("4611686018427387903") ==
        std::optional<std::uint64_t>(4611686018427387903));
  CHECK_FALSE(cgroups::parseLimit(""));
  CHECK_FALSE(cgroups::parseLimit("-2\n"));
  CHECK_FALSE(cgroups::parseLimit("unlimited\n"));
}

TEST_CASE("parseCpuMax") {
  auto unlimited = cgroups::parseCpuMax("max 100000\n");
  REQUIRE(unlimited);
  CHECK_FALSE(unlimited->quota_us);
  CHECK(unlimited->period_us == 100000);
  auto half = cgroups::parseCpuMax("50000 100000\n");
  REQUIRE(half);
  CHECK(half->quota_us == 50000u);
  CHECK(half->period_us == 100000);
  CHECK_FALSE(cgroups::parseCpuMax(""));
  CHECK_FALSE(cgroups::parseCpuMax("max\n"));
  CHECK_FALSE(cgroups::parseCpuMax("max max\n"));
  CHECK_FALSE(cgroups::parseCpuMax("x 100000\n"));
  CHECK_FALSE(cgroups::parseCpuMax("1 2 3\n"));
}

TEST_CASE("parseIoStat") {
  SUBCASE("empty: no I/O yet") {
    auto devices = cgroups::parseIoStat("");
    REQUIRE(devices);
    CHECK(devices->empty());
  }
  SUBCASE("real sample, with io.latency and io.cost fields") {
    auto devices = cgroups::parseIoStat(
        "8:0 rbytes=1048576 wbytes=2097152 rios=256 wios=512 dbytes=0 dios=0\n"
        "259:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0 depth=max avg_lat=0 win=0 "
        "cost.vrate=100.00 cost.usage=0\n");
    REQUIRE(devices);
    // major, minor, read bytes, written bytes, reads, writes
    CHECK(*devices == std::vector<cgroups::IoDevice>{{8, 0, 1048576, 2097152, 256, 512},
                                                     {259, 0, 4096, 0, 1, 0}});
  }
  SUBCASE("malformed") {
    auto device = cgroups::parseIoStat("8:0 rbytes=1\nsda rbytes=1\n");
    REQUIRE_FALSE(device);
    CHECK(device.error() == "line 2: \"sda\" is not major:minor");
    CHECK_FALSE(cgroups::parseIoStat("8 rbytes=1\n"));
    CHECK_FALSE(cgroups::parseIoStat("8:x rbytes=1\n"));
    CHECK_FALSE(cgroups::parseIoStat("8:0 rbytes\n"));
    CHECK_FALSE(cgroups::parseIoStat("8:0 rbytes=x\n"));
    CHECK_FALSE(cgroups::parseIoStat("8:0 wios=-1\n"));
  }
}

TEST_CASE("parseBlkio") {
  SUBCASE("no I/O: only the total") {
    auto devices = cgroups::parseBlkio("Total 0\n");
    REQUIRE(devices);
    CHECK(devices->empty());
  }
  SUBCASE("real sample") {
    auto devices = cgroups::parseBlkio(
        "8:0 Read 1048576\n8:0 Write 2097152\n8:0 Sync 2097152\n8:0 Async 1048576\n"
        "8:0 Discard 0\n8:0 Total 3145728\n"
        "259:0 Read 4096\n259:0 Write 0\n259:0 Total 4096\n"
        "Total 3149824\n");
    REQUIRE(devices);
    // major, minor, read, write
    CHECK(*devices ==
          std::vector<cgroups::BlkioDevice>{{8, 0, 1048576, 2097152}, {259, 0, 4096, 0}});
  }
  SUBCASE("malformed") {
    auto total = cgroups::parseBlkio("8:0 Read 1\nTotal many\n");
    REQUIRE_FALSE(total);
    CHECK(total.error() == "line 2: \"Total many\" has no unsigned number");
    CHECK_FALSE(cgroups::parseBlkio("8:0 Read\n"));
    CHECK_FALSE(cgroups::parseBlkio("8:0 Read x\n"));
    CHECK_FALSE(cgroups::parseBlkio("sda Read 1\n"));
    CHECK_FALSE(cgroups::parseBlkio("8:0 Read 1 2\n"));
  }
}
