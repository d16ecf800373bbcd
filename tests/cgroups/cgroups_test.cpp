// Reading a container's cgroup from the fixture trees in
// tests/fixtures/cgroups: v1-cgroupfs (separate cpu and cpuacct mounts, as on
// the host it was copied from; no limits), hybrid (v1 with a co-mounted
// "cpu,cpuacct" without symlinks, limits, no swap accounting, BFQ-only I/O
// counts, PSI under unified/), v2-systemd (every file, limits) and
// v2-cgroupfs (an older kernel: no memory.peak, swap accounting or PSI).

#include "cgroups/cgroups.h"

#include <doctest/doctest.h>

#include "hostfs/open_file_cache.h"
#include "support/golden.h"
#include "support/temp_tree.h"

namespace {

std::string repeat(const std::string& part, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += part;
  return out;
}

const std::string kV1Id = repeat("0123456789abcdef", 4);
const std::string kHybridId = repeat("c0ffee00", 8);
const std::string kSystemdId = repeat("fedcba9876543210", 4);
const std::string kV2Id = repeat("abcdef0123456789", 4);

cgroups::Layout layoutOf(const std::string& tree) {
  auto layout = cgroups::detectLayout(testsupport::fixture("cgroups/" + tree));
  REQUIRE(layout);
  return *layout;
}

// The one container of a fixture tree.
struct Container {
  cgroups::Layout layout;
  std::string path;
};
Container container(const std::string& tree, const std::string& id) {
  Container c{layoutOf(tree), ""};
  auto path = cgroups::findContainer(c.layout, id, "", tree == "v2-systemd");
  REQUIRE(path);
  c.path = *path;
  return c;
}

}  // namespace

TEST_CASE("detectLayout") {
  auto v1 = layoutOf("v1-cgroupfs");
  CHECK(v1.version == cgroups::Version::v1);
  CHECK_FALSE(v1.hybrid_unified);
  CHECK(v1.root == testsupport::fixture("cgroups/v1-cgroupfs"));
  auto hybrid = layoutOf("hybrid");
  CHECK(hybrid.version == cgroups::Version::v1);
  CHECK(hybrid.hybrid_unified);
  CHECK(layoutOf("v2-systemd").version == cgroups::Version::v2);
  CHECK(layoutOf("v2-cgroupfs").version == cgroups::Version::v2);
  auto neither = cgroups::detectLayout(testsupport::fixture("cgroups"));
  REQUIRE_FALSE(neither);
  CHECK(neither.error().find("neither cgroup v2") != std::string::npos);
}

TEST_CASE("findContainer") {
  auto v1 = layoutOf("v1-cgroupfs");
  CHECK(cgroups::findContainer(v1, kV1Id, "", false) == "/docker/" + kV1Id);
  CHECK(cgroups::findContainer(v1, kV1Id, "/docker", false) == "/docker/" + kV1Id);
  CHECK(cgroups::findContainer(v1, kV1Id, "docker/", false) == "/docker/" + kV1Id);
  CHECK_FALSE(cgroups::findContainer(v1, kSystemdId, "", false));
  // Found through the co-mounted "cpu,cpuacct".
  CHECK(cgroups::findContainer(layoutOf("hybrid"), kHybridId, "", false) == "/docker/" + kHybridId);

  auto systemd = layoutOf("v2-systemd");
  std::string scope = "/system.slice/docker-" + kSystemdId + ".scope";
  CHECK(cgroups::findContainer(systemd, kSystemdId, "", true) == scope);
  CHECK(cgroups::findContainer(systemd, kSystemdId, "system.slice", true) == scope);
  CHECK(cgroups::findContainer(systemd, kSystemdId, "/elsewhere", false) == scope);

  SUBCASE("a custom parent") {
    testsupport::TempTree tree;
    tree.write("cgroup.controllers", "cpu io memory\n");
    tree.write("my.slice/my-app.slice/docker-" + kV2Id + ".scope/cpu.stat", "");
    tree.write("ci/" + kV2Id + "/cpu.stat", "");
    auto layout = cgroups::detectLayout(tree.root());
    REQUIRE(layout);
    CHECK(cgroups::findContainer(*layout, kV2Id, "my-app.slice", true) ==
          "/my.slice/my-app.slice/docker-" + kV2Id + ".scope");
    CHECK(cgroups::findContainer(*layout, kV2Id, "/ci", false) == "/ci/" + kV2Id);
  }
}

TEST_CASE("readCpu") {
  SUBCASE("v1: cpuacct.usage, cpuacct.stat in USER_HZ ticks, cpu.stat") {
    auto c = container("v1-cgroupfs", kV1Id);
    auto cpu = cgroups::readCpu(c.layout, c.path);
    REQUIRE(cpu);
    CHECK(cpu->usage_ns == 160000000000u);
    CHECK(cpu->user_ns == 159000000000u);
    CHECK(cpu->system_ns == 1000000000u);
    CHECK(cpu->periods == 0u);
    CHECK(cpu->throttled_periods == 0u);
    CHECK(cpu->throttled_ns == 0u);
  }
  SUBCASE("hybrid: the co-mounted cpu,cpuacct") {
    auto c = container("hybrid", kHybridId);
    auto cpu = cgroups::readCpu(c.layout, c.path);
    REQUIRE(cpu);
    CHECK(cpu->usage_ns == 3600000000u);
    CHECK(cpu->user_ns == 3000000000u);
    CHECK(cpu->system_ns == 500000000u);
    CHECK(cpu->periods == 1200u);
    CHECK(cpu->throttled_periods == 30u);
    CHECK(cpu->throttled_ns == 1500000000u);
  }
  SUBCASE("v2: cpu.stat in microseconds") {
    auto c = container("v2-systemd", kSystemdId);
    auto cpu = cgroups::readCpu(c.layout, c.path);
    REQUIRE(cpu);
    CHECK(cpu->usage_ns == 160000000000u);
    CHECK(cpu->user_ns == 150000000000u);
    CHECK(cpu->system_ns == 10000000000u);
    CHECK(cpu->periods == 1200u);
    CHECK(cpu->throttled_periods == 30u);
    CHECK(cpu->throttled_ns == 1500000000u);
  }
}

TEST_CASE("readCpuSpec") {
  SUBCASE("v1 without a quota") {
    auto c = container("v1-cgroupfs", kV1Id);
    auto spec = cgroups::readCpuSpec(c.layout, c.path);
    REQUIRE(spec);
    CHECK_FALSE(spec->quota_us);
    CHECK(spec->period_us == 100000u);
    CHECK(spec->shares == 1024u);
  }
  SUBCASE("v1 with a quota") {
    auto c = container("hybrid", kHybridId);
    auto spec = cgroups::readCpuSpec(c.layout, c.path);
    REQUIRE(spec);
    CHECK(spec->quota_us == 50000u);
    CHECK(spec->period_us == 100000u);
    CHECK(spec->shares == 512u);
  }
  SUBCASE("v2 with a quota, systemd's default weight") {
    auto c = container("v2-systemd", kSystemdId);
    auto spec = cgroups::readCpuSpec(c.layout, c.path);
    REQUIRE(spec);
    CHECK(spec->quota_us == 50000u);
    CHECK(spec->period_us == 100000u);
    CHECK(spec->shares == 2597u);  // 2 + (99 * 262142) / 9999
  }
  SUBCASE("v2 without a quota, the weight runc gives 1024 shares") {
    auto c = container("v2-cgroupfs", kV2Id);
    auto spec = cgroups::readCpuSpec(c.layout, c.path);
    REQUIRE(spec);
    CHECK_FALSE(spec->quota_us);
    CHECK(spec->period_us == 100000u);
    CHECK(spec->shares == 998u);  // 2 + (38 * 262142) / 9999
  }
}

TEST_CASE("readMemory") {
  SUBCASE("v1 without a limit") {
    auto c = container("v1-cgroupfs", kV1Id);
    auto memory = cgroups::readMemory(c.layout, c.path);
    REQUIRE(memory);
    CHECK(memory->usage == 4194304u);
    CHECK(memory->working_set == 4194304u - 524288u);
    CHECK(memory->rss == 2097152u);
    CHECK(memory->cache == 1048576u);
    CHECK(memory->swap == 0u);
    CHECK(memory->max_usage == 8388608u);
    CHECK(memory->failcnt == 0u);
    CHECK(memory->oom_kills == 0u);
    CHECK_FALSE(memory->limit);  // 9223372036854771712
  }
  SUBCASE("v1 with a limit, no swap accounting, more inactive file than usage") {
    auto c = container("hybrid", kHybridId);
    auto memory = cgroups::readMemory(c.layout, c.path);
    REQUIRE(memory);
    CHECK(memory->usage == 1048576u);
    CHECK(memory->working_set == 0u);
    CHECK(memory->rss == 262144u);
    CHECK(memory->cache == 2097152u);
    CHECK_FALSE(memory->swap);
    CHECK(memory->max_usage == 536870912u);
    CHECK(memory->failcnt == 5u);
    CHECK(memory->oom_kills == 2u);
    CHECK(memory->limit == 536870912u);
  }
  SUBCASE("v2 with every file") {
    auto c = container("v2-systemd", kSystemdId);
    auto memory = cgroups::readMemory(c.layout, c.path);
    REQUIRE(memory);
    CHECK(memory->usage == 4194304u);
    CHECK(memory->working_set == 4194304u - 524288u);
    CHECK(memory->rss == 2097152u);
    CHECK(memory->cache == 1048576u);
    CHECK(memory->swap == 1048576u);
    CHECK(memory->max_usage == 8388608u);
    CHECK(memory->failcnt == 7u);
    CHECK(memory->oom_kills == 1u);
    CHECK(memory->limit == 536870912u);
  }
  SUBCASE("v2 on an older kernel: no memory.peak, no swap accounting") {
    auto c = container("v2-cgroupfs", kV2Id);
    auto memory = cgroups::readMemory(c.layout, c.path);
    REQUIRE(memory);
    CHECK(memory->usage == 262144u);
    CHECK(memory->working_set == 0u);
    CHECK(memory->rss == 131072u);
    CHECK(memory->cache == 524288u);
    CHECK_FALSE(memory->swap);
    CHECK_FALSE(memory->max_usage);
    CHECK(memory->failcnt == 0u);
    CHECK(memory->oom_kills == 0u);
    CHECK_FALSE(memory->limit);  // "max"
  }
}

TEST_CASE("readIo") {
  using Devices = std::vector<cgroups::IoDevice>;
  // major, minor, read bytes, written bytes, reads, writes
  const Devices two_disks{{8, 0, 1048576, 2097152, 256, 512}, {259, 0, 4096, 0, 1, 0}};
  SUBCASE("v1 throttle files") {
    auto c = container("v1-cgroupfs", kV1Id);
    auto devices = cgroups::readIo(c.layout, c.path);
    REQUIRE(devices);
    CHECK(*devices == two_disks);
  }
  SUBCASE("v1 with empty throttle files falls back to BFQ's") {
    auto c = container("hybrid", kHybridId);
    auto devices = cgroups::readIo(c.layout, c.path);
    REQUIRE(devices);
    CHECK(*devices == Devices{{8, 16, 8192, 4096, 2, 1}});
  }
  SUBCASE("v2 io.stat") {
    auto c = container("v2-systemd", kSystemdId);
    auto devices = cgroups::readIo(c.layout, c.path);
    REQUIRE(devices);
    CHECK(*devices == two_disks);
  }
  SUBCASE("v2 without I/O") {
    auto c = container("v2-cgroupfs", kV2Id);
    auto devices = cgroups::readIo(c.layout, c.path);
    REQUIRE(devices);
    CHECK(devices->empty());
  }
}

TEST_CASE("readPressure") {
  SUBCASE("v1 without the unified hierarchy has none") {
    auto c = container("v1-cgroupfs", kV1Id);
    auto pressure = cgroups::readPressure(c.layout, c.path);
    REQUIRE(pressure);
    CHECK_FALSE(pressure->cpu);
    CHECK_FALSE(pressure->memory);
    CHECK_FALSE(pressure->io);
  }
  SUBCASE("hybrid: under unified/") {
    auto c = container("hybrid", kHybridId);
    auto pressure = cgroups::readPressure(c.layout, c.path);
    REQUIRE(pressure);
    REQUIRE(pressure->cpu);
    CHECK(pressure->cpu->some->total_us == 320521);
    CHECK(pressure->cpu->full->total_us == 317766);
    REQUIRE(pressure->memory);
    CHECK(pressure->memory->some->total_us == 0);
    REQUIRE(pressure->io);
    CHECK(pressure->io->some->total_us == 1234);
    CHECK(pressure->io->full->total_us == 1000);
  }
  SUBCASE("v2") {
    auto c = container("v2-systemd", kSystemdId);
    auto pressure = cgroups::readPressure(c.layout, c.path);
    REQUIRE(pressure);
    REQUIRE(pressure->cpu);
    CHECK(pressure->cpu->some->total_us == 320521);
    REQUIRE(pressure->memory);
    CHECK(pressure->memory->some->total_us == 100);
    CHECK(pressure->memory->full->total_us == 50);
    REQUIRE(pressure->io);
    CHECK(pressure->io->full->total_us == 1000);
  }
  SUBCASE("v2 without PSI") {
    auto c = container("v2-cgroupfs", kV2Id);
    auto pressure = cgroups::readPressure(c.layout, c.path);
    REQUIRE(pressure);
    CHECK_FALSE(pressure->cpu);
    CHECK_FALSE(pressure->memory);
    CHECK_FALSE(pressure->io);
  }
}

TEST_CASE("a container that stopped is gone, in every reader") {
  for (const char* tree : {"v1-cgroupfs", "hybrid", "v2-systemd", "v2-cgroupfs"}) {
    CAPTURE(tree);
    auto layout = layoutOf(tree);
    std::string path = "/docker/" + repeat("deadbeef", 8);
    auto cpu = cgroups::readCpu(layout, path);
    REQUIRE_FALSE(cpu);
    CHECK(cpu.error().kind == cgroups::ReadIssue::gone);
    CHECK(cpu.error().message.find(path) != std::string::npos);
    auto spec = cgroups::readCpuSpec(layout, path);
    REQUIRE_FALSE(spec);
    CHECK(spec.error().kind == cgroups::ReadIssue::gone);
    auto memory = cgroups::readMemory(layout, path);
    REQUIRE_FALSE(memory);
    CHECK(memory.error().kind == cgroups::ReadIssue::gone);
    auto io = cgroups::readIo(layout, path);
    REQUIRE_FALSE(io);
    CHECK(io.error().kind == cgroups::ReadIssue::gone);
    if (layout.version == cgroups::Version::v2 || layout.hybrid_unified) {
      auto pressure = cgroups::readPressure(layout, path);
      REQUIRE_FALSE(pressure);
      CHECK(pressure.error().kind == cgroups::ReadIssue::gone);
    }
  }
}

TEST_CASE("a malformed file fails its reader with the path and line") {
  testsupport::TempTree tree;
  std::string dir = "docker/" + kV2Id;
  tree.write("cgroup.controllers", "cpu io memory\n");
  tree.write(dir + "/cpu.stat", "usage_usec 10\nuser_usec ten\n");
  tree.write(dir + "/cpu.max", "max 100000\n");
  tree.write(dir + "/memory.current", "4096\n");
  tree.write(dir + "/memory.max", "lots\n");
  tree.write(dir + "/io.stat", "8:0 rbytes=1 wbytes=1 rios=1 wios=1\n");
  tree.write(dir + "/memory.pressure", "some avg10=0.00 avg60=0.00\n");
  auto layout = cgroups::detectLayout(tree.root());
  REQUIRE(layout);
  std::string path = "/" + dir;

  auto cpu = cgroups::readCpu(*layout, path);
  REQUIRE_FALSE(cpu);
  CHECK(cpu.error().kind == cgroups::ReadIssue::malformed);
  CHECK(cpu.error().message ==
        tree.path(dir + "/cpu.stat") + ": line 2: expected \"key value\", got \"user_usec ten\"");
  auto memory = cgroups::readMemory(*layout, path);
  REQUIRE_FALSE(memory);
  CHECK(memory.error().kind == cgroups::ReadIssue::malformed);
  CHECK(memory.error().message.starts_with(tree.path(dir + "/memory.max") + ": "));
  auto pressure = cgroups::readPressure(*layout, path);
  REQUIRE_FALSE(pressure);
  CHECK(pressure.error().kind == cgroups::ReadIssue::malformed);
  CHECK(pressure.error().message.starts_with(tree.path(dir + "/memory.pressure") + ": "));

  // The files that do parse still read; the missing ones are left empty.
  auto spec = cgroups::readCpuSpec(*layout, path);
  REQUIRE(spec);
  CHECK_FALSE(spec->quota_us);
  CHECK(spec->period_us == 100000u);
  CHECK_FALSE(spec->shares);
  auto io = cgroups::readIo(*layout, path);
  REQUIRE(io);
  CHECK(io->size() == 1);
}

TEST_CASE("through an OpenFileCache: fresh values, and a stopped or re-created container") {
  testsupport::TempTree tree;
  std::string dir = "docker/" + kV2Id;
  auto write = [&](const std::string& usage_usec) {
    tree.write(dir + "/cpu.stat", "usage_usec " + usage_usec + "\nuser_usec 1\nsystem_usec 1\n");
  };
  tree.write("cgroup.controllers", "cpu io memory\n");
  write("10");
  auto layout = cgroups::detectLayout(tree.root());
  REQUIRE(layout);
  const std::string path = "/" + dir;
  hostfs::OpenFileBudget budget(100);
  hostfs::OpenFileCache files(budget);

  CHECK(cgroups::readCpu(*layout, path, files)->usage_ns == 10'000u);
  write("20");  // in place, as the kernel renders it anew
  CHECK(cgroups::readCpu(*layout, path, files)->usage_ns == 20'000u);
  CHECK(files.openFiles() == 1);
  CHECK(files.stats().opens == 1);

  // Stopped: its directory is removed while the descriptor is open.
  std::filesystem::remove_all(tree.path(dir));
  auto gone = cgroups::readCpu(*layout, path, files);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().kind == cgroups::ReadIssue::gone);
  CHECK(files.openFiles() == 0);

  // Started again under the same path: its new files are read.
  write("5");
  CHECK(cgroups::readCpu(*layout, path, files)->usage_ns == 5'000u);
}
