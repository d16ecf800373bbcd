// Every tern-container collector over the committed cgroup fixture trees
// (v1 cgroupfs, v1 with the unified hierarchy beside it, v2 with the systemd
// and cgroupfs drivers), with a fixed Docker snapshot instead of a daemon: one
// running container and one that exited after an OOM kill. The real-daemon
// side is tests/integration/container_e2e_test.py.

#include "container/collectors/collectors.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "support/golden.h"

namespace {

// The running container's id in each fixture tree.
std::string containerId(const std::string& tree) {
  if (tree == "v1-cgroupfs")
    return "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  if (tree == "v2-systemd")
    return "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
  if (tree == "v2-cgroupfs")
    return "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  return "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";  // hybrid
}

std::shared_ptr<docker::Snapshot> snapshot(const std::string& tree, bool systemd_driver) {
  auto s = std::make_shared<docker::Snapshot>();
  s->up = true;
  s->info.cgroup_driver = systemd_driver ? "systemd" : "cgroupfs";
  docker::Container web;
  web.id = containerId(tree);
  web.name = "shop-web-1";
  web.image = "nginx:1.25";
  web.labels = {{"com.docker.compose.project", "shop"},
                {"com.docker.compose.service", "web"},
                {"org.label-schema.group", "monitoring"}};
  web.state = "running";
  web.health = "healthy";
  web.pid = 4242;
  web.restart_count = 2;
  web.started_at = 1795256393.25;
  docker::Container batch;
  batch.id = std::string(64, 'b');
  batch.name = "batch";
  batch.image = "busybox";
  batch.state = "exited";
  batch.exit_code = 137;
  batch.oom_killed = true;
  s->containers = {batch, web};
  return s;
}

std::string renderAll(const std::string& tree, bool systemd_driver,
                      std::vector<std::string> flags = {}) {
  container::SharedContainers shared;
  runtime::CollectorRegistry registry;
  container::registerAllCollectors(registry, shared);
  CLI::App app;
  container::addFlags(app, shared);
  registry.addFlags(app);
  flags.push_back("--path.procfs=" + testsupport::fixture("container/proc"));
  flags.push_back("--path.sysfs=" + testsupport::fixture("node/sys"));
  std::reverse(flags.begin(), flags.end());  // CLI11 takes a reversed vector
  app.parse(flags);
  shared.options.cgroup_root = testsupport::fixture("cgroups/" + tree);
  shared.setForTesting(container::Containers::withSnapshotForTesting(
      shared.options, snapshot(tree, systemd_driver)));
  std::string text;
  for (auto& enabled : registry.build()) {
    if (enabled.name == "docker" || enabled.name == "disk") continue;  // daemon-only
    auto rendered = testsupport::render(*enabled.collector);
    CHECK_MESSAGE(rendered.status.isOk(), enabled.name, ": ", rendered.status.message());
    text += rendered.text;
  }
  // The one value that is the time of the scrape.
  return std::regex_replace(text, std::regex(R"((container_last_seen\{[^}]*\}) \S+)"), "$1 NOW");
}

}  // namespace

TEST_CASE("container collectors on cgroup v1, cgroupfs driver") {
  testsupport::checkGolden("container/golden/v1-cgroupfs.prom", renderAll("v1-cgroupfs", false));
}

TEST_CASE("container collectors on cgroup v1 with the unified hierarchy (pressure)") {
  testsupport::checkGolden("container/golden/hybrid.prom", renderAll("hybrid", false));
}

TEST_CASE("container collectors on cgroup v2, systemd driver") {
  testsupport::checkGolden("container/golden/v2-systemd.prom", renderAll("v2-systemd", true));
}

TEST_CASE("container collectors on cgroup v2, cgroupfs driver") {
  testsupport::checkGolden("container/golden/v2-cgroupfs.prom", renderAll("v2-cgroupfs", false));
}

TEST_CASE("label flags: allowlist and no labels; compose labels stay on the state families") {
  auto allow =
      renderAll("v2-systemd", true, {"--container.label-allowlist=com.docker.compose.project"});
  CHECK(allow.find("container_label_com_docker_compose_project=\"shop\"") != std::string::npos);
  CHECK(allow.find("container_label_org_label_schema_group") == std::string::npos);
  auto none = renderAll("v2-systemd", true, {"--no-container.store-labels"});
  CHECK(none.find("container_label_") == std::string::npos);
  CHECK(none.find("compose_project=\"shop\",compose_service=\"web\"") != std::string::npos);
}

TEST_CASE("a malformed cgroup file fails its collector only, and the other containers answer") {
  // v2-cgroupfs has no container "bbbb...": reading it is "gone", skipped
  // silently; the fixtures' malformed cases live in tests/cgroups.
  auto text = renderAll("v2-cgroupfs", false);
  CHECK(text.find("name=\"batch\"") != std::string::npos);  // state only
  CHECK(text.find("container_memory_usage_bytes{id=\"/docker/bbbb") == std::string::npos);
}

namespace {

// The disk collector measures writable layers on its own thread; this renders
// it until the first measurement is in (or 5 s pass).
testsupport::Rendered renderDisk(const std::string& upper_dir, const std::string& expect) {
  container::SharedContainers shared;
  runtime::CollectorRegistry registry;
  container::registerAllCollectors(registry, shared);
  CLI::App app;
  container::addFlags(app, shared);
  registry.addFlags(app);
  std::vector<std::string> flags = {"--path.procfs=" + testsupport::fixture("container/proc"),
                                    "--path.sysfs=" + testsupport::fixture("node/sys")};
  app.parse(flags);
  shared.options.cgroup_root = testsupport::fixture("cgroups/v1-cgroupfs");
  auto s = snapshot("v1-cgroupfs", false);
  for (auto& c : s->containers) c.upper_dir = upper_dir;
  shared.setForTesting(container::Containers::withSnapshotForTesting(shared.options, s));
  testsupport::Rendered rendered;
  for (auto& enabled : registry.build()) {
    if (enabled.name != "disk") continue;
    for (int attempt = 0; attempt < 100; ++attempt) {
      rendered = testsupport::render(*enabled.collector);
      if (rendered.text.find(expect) != std::string::npos || !rendered.status.isOk()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return rendered;
}

}  // namespace

TEST_CASE("disk: the writable layer's size, and a layer that cannot be opened fails the collector") {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("tern-disk-layer-" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::string layer = root.string();
  {
    std::ofstream file(layer + "/data");
    file << std::string(64 * 1024, 'x');
  }
  auto measured = renderDisk(layer, "container_fs_usage_bytes{");
  CHECK(measured.status.isOk());
  CHECK(measured.text.find("container_fs_usage_bytes{") != std::string::npos);

  // Not a directory stands in for "permission denied", which root (these
  // tests) never gets: any failure but ENOENT is reported, not skipped.
  auto failed = renderDisk(layer + "/data", "never");
  REQUIRE_FALSE(failed.status.isOk());
  CHECK(failed.status.message().find(layer + "/data: Not a directory") != std::string::npos);
  fs::remove_all(root);
}
