// filesystem: mount parsers, the collector against tests/fixtures/node/proc/1/
// mountinfo with a canned statfs (so the golden does not depend on this
// machine's disks), a statfs that hangs like a dead NFS server, the /proc/
// mounts fallback, flags and bad input.
//
// The golden's labels, the choice of mounts (filters, de-duplication), the
// readonly values and the device_error for a missing mount point were
// compared with node_exporter 1.5 run on the same fixture with the real
// statfs (tern-node with the real statfs gives the same series and sizes).
// node_exporter reads proc/1/mounts, which the fixture lacks, so it falls
// back to proc/mounts: the same mounts in the other format.

#include "collectors/filesystem.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "collectors/collectors.h"
#include "procfs/mounts.h"
#include "support/golden.h"

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// What the fake statfs knows, by mount point; and which mount points hang
// until released. Static: a thread stuck in the fake outlives its collector.
struct FakeStatfs {
  std::mutex mutex;
  std::condition_variable released;
  std::set<std::string> hanging;
  std::map<std::string, int> calls;
  std::string rootfs;
};
FakeStatfs g_fake;

struct statvfs canned(unsigned long bsize, fsblkcnt_t blocks, fsblkcnt_t bfree, fsblkcnt_t bavail,
                      fsfilcnt_t files, fsfilcnt_t ffree) {
  struct statvfs st {};
  st.f_bsize = bsize;
  st.f_frsize = bsize;
  st.f_blocks = blocks;
  st.f_bfree = bfree;
  st.f_bavail = bavail;
  st.f_files = files;
  st.f_ffree = ffree;
  return st;
}

const std::map<std::string, struct statvfs>& cannedStats() {
  static const std::map<std::string, struct statvfs> stats = {
      {"/", canned(4096, 66052044, 61806770, 58436657, 16777216, 16364606)},
      {"/boot", canned(1024, 497696, 408931, 382331, 124928, 124580)},
      {"/home", canned(4096, 262017024, 120333952, 120333952, 524288000, 523019337)},
      {"/tmp", canned(4096, 2048000, 2047937, 2047937, 3085571, 3085519)},
      {"/srv/data", canned(4096, 488378646, 101920358, 77496211, 122101760, 121885012)},
      {"/srv/archive", canned(4096, 976754646, 30146000, 0, 244195328, 240001123)},
      {"/srv/data/scratch", canned(4096, 25600000, 25534971, 24223003, 6406144, 6406133)},
      {"/srv/nfs", canned(1048576, 3815447, 1022400, 1022400, 244195328, 240011008)},
      {"/srv/cifs", canned(1048576, 953674, 500000, 500000, 0, 0)},
      {"/srv/media library", canned(4096, 732566646, 12345678, 0, 183148544, 183000000)},
      {"/srv/bind", canned(4096, 66052044, 61806770, 58436657, 16777216, 16364606)},
  };
  return stats;
}

node::StatfsResult fakeStatfs(const std::string& path) {
  std::string mount_point = path.substr(g_fake.rootfs.size());
  if (mount_point.size() > 1 && mount_point.back() == '/') mount_point.pop_back();
  {
    std::unique_lock lock(g_fake.mutex);
    ++g_fake.calls[mount_point];
    g_fake.released.wait(lock, [&] { return g_fake.hanging.count(mount_point) == 0; });
  }
  auto it = cannedStats().find(mount_point);
  if (it == cannedStats().end()) return base::unexpected(ENOENT);
  return it->second;
}

void registerWithFakeStatfs(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  g_fake.rootfs = paths.rootfs;
  node::registerFilesystemCollectorWith(registry, paths, fakeStatfs);
}

void hang(std::set<std::string> mount_points) {
  std::lock_guard lock(g_fake.mutex);
  g_fake.hanging = std::move(mount_points);
  g_fake.calls.clear();
}

void releaseAll() {
  {
    std::lock_guard lock(g_fake.mutex);
    g_fake.hanging.clear();
  }
  g_fake.released.notify_all();
}

int calls(const std::string& mount_point) {
  std::lock_guard lock(g_fake.mutex);
  return g_fake.calls[mount_point];
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string deviceError(const std::string& device, const std::string& fstype,
                        const std::string& mount_point, int value) {
  return "node_filesystem_device_error{device=\"" + device + "\",fstype=\"" + fstype +
         "\",mountpoint=\"" + mount_point + "\"} " + std::to_string(value) + "\n";
}

// A procfs holding only the given files.
using Files = std::map<std::string, std::string>;
struct TempProc {
  std::filesystem::path dir;
  explicit TempProc(const Files& files) {
    dir = std::filesystem::temp_directory_path() /
          ("tern-filesystem-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    for (const auto& [name, text] : files) {
      std::filesystem::create_directories((dir / name).parent_path());
      std::ofstream(dir / name) << text;
    }
  }
  ~TempProc() { std::filesystem::remove_all(dir); }
};

std::string readFixture(const std::string& relative) {
  std::ifstream file(testsupport::fixture(relative));
  return std::string(std::istreambuf_iterator<char>(file), {});
}

}  // namespace

TEST_CASE("parseMountInfo") {
  CHECK(procfs::parseMountInfo("")->empty());
  CHECK_FALSE(procfs::parseMountInfo("27 1 254:1 / / rw,relatime shared:1 ext4 /dev/vda1 rw\n"));
  CHECK_FALSE(procfs::parseMountInfo("27 1 254:1 / / rw - ext4\n"));
  auto bad = procfs::parseMountInfo("27 1 254:1 / / rw - ext4 /dev/vda1 rw\ngarbage\n");
  REQUIRE_FALSE(bad);
  CHECK(contains(bad.error(), "line 2"));

  auto mounts = procfs::parseMountInfo(
      "27 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,discard\n"
      "36 27 8:33 / /srv/a\\040b\\011c\\134d ro,relatime shared:34 master:2 - ext4 /dev/sdc1 ro\n"
      "37 35 8:49 / /srv/x rw,relatime - ext4 /dev/sde1 ro,errors=remount-ro\n"
      "38 27 0:45 / /srv/nfs rw - nfs4 nas:/export rw\n");
  REQUIRE(mounts);
  REQUIRE(mounts->size() == 4);
  CHECK((*mounts)[0].device == "/dev/vda1");
  CHECK((*mounts)[0].mount_point == "/");
  CHECK((*mounts)[0].fs_type == "ext4");
  CHECK_FALSE((*mounts)[0].read_only);
  // Only \040 and \011 are decoded, as node_exporter 1.5 does.
  CHECK((*mounts)[1].mount_point == "/srv/a b\tc\\134d");
  CHECK((*mounts)[1].read_only);
  CHECK((*mounts)[2].read_only);  // read-only superblock under a rw mount
  CHECK((*mounts)[3].device == "nas:/export");
}

TEST_CASE("parseMounts") {
  CHECK(procfs::parseMounts("")->empty());
  CHECK_FALSE(procfs::parseMounts("/dev/sda1 / ext4\n"));
  auto mounts = procfs::parseMounts(
      "/dev/sda1 / ext4 rw,relatime 0 0\n/dev/sdb1 /srv/a\\040b ext4 ro,relatime 0 0\n");
  REQUIRE(mounts);
  REQUIRE(mounts->size() == 2);
  CHECK((*mounts)[1].mount_point == "/srv/a b");
  CHECK((*mounts)[1].read_only);
  CHECK_FALSE((*mounts)[0].read_only);
}

TEST_CASE("filesystem collector against fixtures") {
  releaseAll();
  auto collector =
      testsupport::buildCollector(registerWithFakeStatfs, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/filesystem.prom", out.text);
}

TEST_CASE("filesystem collector falls back to <procfs>/mounts") {
  releaseAll();
  TempProc proc(Files{{"mounts", readFixture("node/proc/mounts")}});
  auto paths = testsupport::nodeFixturePaths();
  paths.procfs = proc.dir.string();
  auto collector = testsupport::buildCollector(registerWithFakeStatfs, paths);
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  // The same mounts in the other format give the same output.
  testsupport::checkGolden("node/golden/filesystem.prom", out.text);
}

TEST_CASE("filesystem collector statfs through the fixture rootfs") {
  // The real statvfs, on directories of the fixture tree only.
  auto collector = testsupport::buildCollector(node::registerFilesystemCollector,
                                               testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  CHECK(contains(out.text, deviceError("/dev/vda1", "ext4", "/", 0)));
  CHECK(contains(out.text, deviceError("/dev/sdb1", "ext4", "/srv/data", 0)));
  CHECK(contains(out.text, deviceError("/dev/sdh1", "ext4", "/srv/gone", 1)));
  CHECK(contains(out.text,
                 "node_filesystem_readonly{device=\"/dev/sdc1\",fstype=\"ext4\","
                 "mountpoint=\"/srv/archive\"} 1"));
}

TEST_CASE("filesystem collector: a hanging statfs never holds up the scrape") {
  hang({"/srv/nfs"});
  auto collector =
      testsupport::buildCollector(registerWithFakeStatfs, testsupport::nodeFixturePaths(),
                                  {"--collector.filesystem.mount-timeout=300ms"});
  auto started = steady_clock::now();
  auto out = testsupport::render(*collector);
  auto elapsed = steady_clock::now() - started;
  CHECK(out.status.isOk());
  CHECK(elapsed >= milliseconds(250));
  CHECK(elapsed < milliseconds(2000));
  CHECK(contains(out.text, deviceError("nas.example.com:/export/home", "nfs4", "/srv/nfs", 1)));
  CHECK_FALSE(contains(out.text, "node_filesystem_size_bytes{device=\"nas.example.com"));
  // Everything else is there as usual, including mounts after the stuck one.
  CHECK(contains(out.text, deviceError("//fileserver/share", "cifs", "/srv/cifs", 0)));
  CHECK(contains(out.text, deviceError("/dev/sdf1", "ext4", "/srv/media library", 0)));
  CHECK(contains(out.text,
                 "node_filesystem_size_bytes{device=\"/dev/vda1\",fstype=\"ext4\","
                 "mountpoint=\"/\"} 2.70549172224e+11\n"));

  // While it is stuck, scrapes skip it at once and do not call statfs again.
  started = steady_clock::now();
  out = testsupport::render(*collector);
  CHECK(steady_clock::now() - started < milliseconds(250));
  CHECK(contains(out.text, deviceError("nas.example.com:/export/home", "nfs4", "/srv/nfs", 1)));
  CHECK(calls("/srv/nfs") == 1);

  // The server comes back: the stuck call returns, and the mount recovers.
  releaseAll();
  bool recovered = false;
  for (int i = 0; i < 200 && !recovered; ++i) {
    out = testsupport::render(*collector);
    recovered =
        contains(out.text, deviceError("nas.example.com:/export/home", "nfs4", "/srv/nfs", 0));
    if (!recovered) std::this_thread::sleep_for(milliseconds(10));
  }
  CHECK(recovered);
  CHECK(contains(out.text,
                 "node_filesystem_size_bytes{device=\"nas.example.com:/export/home\","
                 "fstype=\"nfs4\",mountpoint=\"/srv/nfs\"} 4.000786153472e+12\n"));
  CHECK(calls("/srv/nfs") == 2);
}

TEST_CASE("filesystem collector: many mounts hanging at once cost a timeout per wave") {
  const std::set<std::string> dead = {"/srv/nfs", "/srv/cifs", "/home", "/boot", "/tmp"};
  hang(dead);
  auto collector =
      testsupport::buildCollector(registerWithFakeStatfs, testsupport::nodeFixturePaths(),
                                  {"--collector.filesystem.mount-timeout=300ms"});
  auto started = steady_clock::now();
  auto out = testsupport::render(*collector);
  auto elapsed = steady_clock::now() - started;
  // Four lanes: the first four dead mounts time out together, the fifth after.
  CHECK(elapsed < milliseconds(1500));
  CHECK(contains(out.text, deviceError("/dev/vda2", "ext2", "/boot", 1)));
  CHECK(contains(out.text, deviceError("/dev/mapper/vg0-home", "xfs", "/home", 1)));
  CHECK(contains(out.text, deviceError("tmpfs", "tmpfs", "/tmp", 1)));
  CHECK(contains(out.text, deviceError("//fileserver/share", "cifs", "/srv/cifs", 1)));
  CHECK(contains(out.text, deviceError("/dev/vda1", "ext4", "/", 0)));
  CHECK(contains(out.text, deviceError("/dev/sdb1", "ext4", "/srv/data", 0)));
  releaseAll();
  // Let the stuck calls return before the next test changes the fake.
  for (int i = 0; i < 200; ++i) {
    out = testsupport::render(*collector);
    if (contains(out.text, deviceError("tmpfs", "tmpfs", "/tmp", 0)) &&
        contains(out.text, deviceError("/dev/vda2", "ext2", "/boot", 0)) &&
        contains(out.text, deviceError("/dev/mapper/vg0-home", "xfs", "/home", 0)) &&
        contains(out.text, deviceError("//fileserver/share", "cifs", "/srv/cifs", 0)) &&
        contains(out.text, deviceError("nas.example.com:/export/home", "nfs4", "/srv/nfs", 0))) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  CHECK(contains(out.text, deviceError("tmpfs", "tmpfs", "/tmp", 0)));
}

TEST_CASE("filesystem collector strips --path.rootfs from mount points") {
  releaseAll();
  auto paths = testsupport::nodeFixturePaths();
  TempProc proc(Files{{"1/mountinfo", "27 1 254:1 / " + paths.rootfs +
                                          " rw - ext4 /dev/vda1 rw\n"
                                          "35 27 8:17 / " +
                                          paths.rootfs + "/srv/data rw - ext4 /dev/sdb1 rw\n"}});
  paths.procfs = proc.dir.string();
  auto collector = testsupport::buildCollector(registerWithFakeStatfs, paths);
  auto out = testsupport::render(*collector);
  CHECK(contains(out.text, deviceError("/dev/vda1", "ext4", "/", 0)));
  CHECK(contains(out.text, deviceError("/dev/sdb1", "ext4", "/srv/data", 0)));
}

TEST_CASE("filesystem collector flags") {
  releaseAll();
  auto paths = testsupport::nodeFixturePaths();
  SUBCASE("deprecated ignored-mount-points replaces the default") {
    auto collector = testsupport::buildCollector(
        registerWithFakeStatfs, paths, {"--collector.filesystem.ignored-mount-points=^/srv/"});
    auto out = testsupport::render(*collector);
    CHECK_FALSE(contains(out.text, "/srv/"));
    CHECK(contains(out.text, "mountpoint=\"/run\""));
  }
  SUBCASE("fs types") {
    auto collector = testsupport::buildCollector(
        registerWithFakeStatfs, paths, {"--collector.filesystem.fs-types-exclude=^(ext.|tmpfs)$"});
    auto out = testsupport::render(*collector);
    CHECK_FALSE(contains(out.text, "fstype=\"ext4\""));
    CHECK(contains(out.text, "fstype=\"squashfs\""));
  }
  SUBCASE("old and new spelling together are a start-up error") {
    CHECK_THROWS(testsupport::buildCollector(registerWithFakeStatfs, paths,
                                             {"--collector.filesystem.ignored-fs-types=^x$",
                                              "--collector.filesystem.fs-types-exclude=^y$"}));
  }
  SUBCASE("bad timeout and bad regex are start-up errors") {
    CHECK_THROWS(testsupport::buildCollector(registerWithFakeStatfs, paths,
                                             {"--collector.filesystem.mount-timeout=soon"}));
    CHECK_THROWS(testsupport::buildCollector(registerWithFakeStatfs, paths,
                                             {"--collector.filesystem.mount-timeout=0s"}));
    CHECK_THROWS(testsupport::buildCollector(registerWithFakeStatfs, paths,
                                             {"--collector.filesystem.mount-points-exclude=("}));
  }
  SUBCASE("durations in Go's syntax") {
    CHECK_NOTHROW(testsupport::buildCollector(registerWithFakeStatfs, paths,
                                              {"--collector.filesystem.mount-timeout=1m30s"}));
    CHECK_NOTHROW(testsupport::buildCollector(registerWithFakeStatfs, paths,
                                              {"--collector.filesystem.mount-timeout=1.5s"}));
  }
}

TEST_CASE("filesystem collector with missing or malformed mounts fails with the path") {
  releaseAll();
  SUBCASE("missing") {
    TempProc proc(Files{{"stat", ""}});
    auto paths = testsupport::nodeFixturePaths();
    paths.procfs = proc.dir.string();
    auto collector = testsupport::buildCollector(registerWithFakeStatfs, paths);
    auto out = testsupport::render(*collector);
    CHECK_FALSE(out.status.isOk());
    CHECK(contains(out.status.message(), (proc.dir / "mounts").string()));
  }
  SUBCASE("malformed") {
    TempProc proc(Files{{"1/mountinfo", "27 1 254:1 / / rw - ext4 /dev/vda1 rw\nnot a mount\n"}});
    auto paths = testsupport::nodeFixturePaths();
    paths.procfs = proc.dir.string();
    auto collector = testsupport::buildCollector(registerWithFakeStatfs, paths);
    auto out = testsupport::render(*collector);
    CHECK_FALSE(out.status.isOk());
    CHECK(contains(out.status.message(), (proc.dir / "1/mountinfo").string() + ": line 2"));
  }
}
