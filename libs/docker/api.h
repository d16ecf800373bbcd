#pragma once
// The Docker Engine API answers the exporters need, parsed from JSON into
// plain structs. Pure functions: a malformed answer is an error value naming
// what was wrong, never an exception.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/expected.h"

namespace docker {

template <typename T>
using Parsed = base::Expected<T, std::string>;

// GET /version
struct Version {
  std::string version;      // "20.10.24+dfsg1"
  std::string api_version;  // "1.41"
};
Parsed<Version> parseVersion(std::string_view json);

// The API version to speak: the daemon's, capped at the newest this client
// knows. Fails when the daemon is older than the oldest we support.
Parsed<std::string> negotiateApiVersion(const Version& daemon);

// GET /info, the parts about where containers live.
struct Info {
  std::string cgroup_driver;    // "cgroupfs" or "systemd"
  std::string cgroup_version;   // "1" or "2" (absent before API 1.40: "")
  std::string docker_root_dir;  // "/var/lib/docker"
  std::string storage_driver;   // "overlay2"
};
Parsed<Info> parseInfo(std::string_view json);

// GET /containers/json?all=1: the ids only; details come from inspect.
Parsed<std::vector<std::string>> parseContainerIds(std::string_view json);

using Labels = std::vector<std::pair<std::string, std::string>>;  // sorted by key

// GET /containers/<id>/json
struct Container {
  std::string id;
  std::string name;      // without the leading "/"
  std::string image;     // Config.Image, as the user named it
  std::string image_id;  // "sha256:..."
  Labels labels;
  std::string state;     // created|running|restarting|paused|exited|dead|removing
  std::string health;    // starting|healthy|unhealthy, or "none" without a healthcheck
  std::int64_t pid = 0;  // init process on the host, 0 when not running
  std::int64_t exit_code = 0;
  bool oom_killed = false;
  std::int64_t restart_count = 0;
  double created = 0;     // unix seconds
  double started_at = 0;  // unix seconds, 0 if never started
  double finished_at = 0;
  std::string cgroup_parent;  // HostConfig.CgroupParent
  std::string log_driver;     // HostConfig.LogConfig.Type: "json-file", "local", "journald", ...
  std::string graph_driver;   // GraphDriver.Name
  std::string upper_dir;      // GraphDriver.Data.UpperDir (overlay2: the writable layer)

  const std::string* label(std::string_view key) const;
};
Parsed<Container> parseInspect(std::string_view json);

// One line of GET /events.
struct Event {
  std::string type;    // "container", "network", ...
  std::string action;  // "start", "die", "health_status: healthy", ...
  std::string id;      // Actor.ID
};
Parsed<Event> parseEvent(std::string_view json);

// A Docker label key in Prometheus label-name characters: every character
// outside [a-zA-Z0-9_] becomes "_" ("com.docker.compose.project" ->
// "com_docker_compose_project"), as cAdvisor and Promtail name them.
std::string sanitizedLabelName(std::string_view docker_label);

// RFC 3339 with nanoseconds, as Docker writes times; Go's zero time
// ("0001-01-01T00:00:00Z") and anything unparsable give 0.
double parseTimestamp(std::string_view text);

}  // namespace docker
