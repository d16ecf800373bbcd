// The parsers against answers captured from a real Docker 20.10 daemon
// (tests/fixtures/docker; addresses replaced with documentation ones).

#include "docker/api.h"

#include <doctest/doctest.h>

#include "hostfs/read.h"

namespace {

std::string fixture(const std::string& name) {
  auto text = hostfs::readFile(std::string(TERN_SOURCE_DIR) + "/tests/fixtures/docker/" + name);
  REQUIRE(text);
  return *text;
}

}  // namespace

TEST_CASE("version and API negotiation") {
  auto version = docker::parseVersion(fixture("version.json"));
  REQUIRE(version);
  CHECK(version->api_version == "1.41");
  CHECK(*docker::negotiateApiVersion(*version) == "1.41");
  CHECK(*docker::negotiateApiVersion({"27.0", "1.46"}) == "1.43");
  CHECK_FALSE(docker::negotiateApiVersion({"1.11", "1.23"}));
  CHECK_FALSE(docker::negotiateApiVersion({"?", "one"}));
  CHECK_FALSE(docker::parseVersion("{}"));
  CHECK_FALSE(docker::parseVersion("<html>"));
}

TEST_CASE("info gives the cgroup driver and data root") {
  auto info = docker::parseInfo(fixture("info.json"));
  REQUIRE(info);
  CHECK(info->cgroup_driver == "cgroupfs");
  CHECK(info->cgroup_version == "1");
  CHECK(info->docker_root_dir == "/var/lib/docker");
  CHECK(info->storage_driver == "overlay2");
}

TEST_CASE("container list gives ids") {
  auto ids = docker::parseContainerIds(fixture("containers.json"));
  REQUIRE(ids);
  CHECK_FALSE(ids->empty());
  for (const auto& id : *ids) CHECK(id.size() == 64);
  CHECK_FALSE(docker::parseContainerIds("{\"message\":\"x\"}"));
  CHECK_FALSE(docker::parseContainerIds("[{\"Names\":[]}]"));
}

TEST_CASE("inspect of a running container with a failing healthcheck and compose labels") {
  auto c = docker::parseInspect(fixture("inspect-running.json"));
  REQUIRE(c);
  CHECK(c->id.size() == 64);
  CHECK(c->name == "tern-fx-web");
  CHECK(c->image == "tern-busybox:test");
  CHECK(c->image_id.starts_with("sha256:"));
  CHECK(c->state == "running");
  CHECK(c->health == "unhealthy");
  CHECK(c->pid > 0);
  CHECK(c->started_at > 1.7e9);
  CHECK(c->finished_at > 1.7e9);  // it was restarted
  REQUIRE(c->label("com.docker.compose.project"));
  CHECK(*c->label("com.docker.compose.project") == "shop");
  CHECK(*c->label("com.docker.compose.service") == "web");
  CHECK(c->label("absent") == nullptr);
  CHECK(c->graph_driver == "overlay2");
  CHECK(c->log_driver == "json-file");
  CHECK(c->upper_dir.ends_with("/diff"));
}

TEST_CASE("inspect of an exited container") {
  auto c = docker::parseInspect(fixture("inspect-exited.json"));
  REQUIRE(c);
  CHECK(c->state == "exited");
  CHECK(c->exit_code == 3);
  CHECK(c->pid == 0);
  CHECK(c->health == "none");
  CHECK_FALSE(c->oom_killed);
}

TEST_CASE("inspect tolerates mistyped fields and rejects non-JSON") {
  auto c = docker::parseInspect(
      R"({"Id":"abc","Name":7,"State":{"Status":["x"],"Pid":"12"},"Config":null})");
  REQUIRE(c);
  CHECK(c->name.empty());
  CHECK(c->state.empty());
  CHECK(c->pid == 0);
  CHECK_FALSE(docker::parseInspect("{\"Id\":"));
  CHECK_FALSE(docker::parseInspect("{}"));
}

TEST_CASE("events as the stream sends them") {
  auto text = fixture("events.jsonl");
  int lines = 0, health = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    auto line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    auto event = docker::parseEvent(line);
    REQUIRE(event);
    CHECK(event->type == "container");
    CHECK(event->id.size() == 64);
    health += event->action.starts_with("health_status: ") ? 1 : 0;
    ++lines;
  }
  CHECK(lines > 5);
  CHECK(health == 1);
  CHECK_FALSE(docker::parseEvent(fixture("events-malformed.jsonl")));
}

TEST_CASE("timestamps") {
  CHECK(docker::parseTimestamp("1970-01-01T00:00:01Z") == 1.0);
  CHECK(docker::parseTimestamp("2026-11-21T10:19:53.25Z") == doctest::Approx(1795256393.25));
  CHECK(docker::parseTimestamp("1970-01-01T01:00:00+01:00") == 0.0);
  CHECK(docker::parseTimestamp("0001-01-01T00:00:00Z") == 0.0);
  CHECK(docker::parseTimestamp("yesterday") == 0.0);
}
