#include "docker/api.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

namespace docker {
namespace {

using base::unexpected;
using nlohmann::json;

// Every API answer is a JSON object or array; parse without exceptions.
Parsed<json> parseJson(std::string_view text, std::string_view what) {
  json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return unexpected(fmt::format("{}: malformed JSON", what));
  return document;
}

// Typed lookups that never throw: a missing or mistyped field reads as empty.
const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}
std::string stringAt(const json& object, const char* key) {
  const json* value = member(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}
std::int64_t integerAt(const json& object, const char* key) {
  const json* value = member(object, key);
  return value && value->is_number_integer() ? value->get<std::int64_t>() : 0;
}
bool boolAt(const json& object, const char* key) {
  const json* value = member(object, key);
  return value && value->is_boolean() && value->get<bool>();
}
const json& objectAt(const json& object, const char* key) {
  static const json empty = json::object();
  const json* value = member(object, key);
  return value && value->is_object() ? *value : empty;
}

// "1.41" -> {1, 41}
std::optional<std::pair<int, int>> splitVersion(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  int major = 0, minor = 0;
  auto [major_end, major_ec] = std::from_chars(text.data(), text.data() + dot, major);
  auto [minor_end, minor_ec] =
      std::from_chars(text.data() + dot + 1, text.data() + text.size(), minor);
  if (major_ec != std::errc() || minor_ec != std::errc() || major_end != text.data() + dot ||
      minor_end != text.data() + text.size()) {
    return std::nullopt;
  }
  return std::pair{major, minor};
}

// 1.24 brought State.Health; 1.43 is what Docker 24 speaks. Newer daemons
// still answer 1.43 requests the same way.
constexpr std::pair<int, int> kOldestApi{1, 24};
constexpr std::pair<int, int> kNewestApi{1, 43};

}  // namespace

const std::string* Container::label(std::string_view key) const {
  auto found =
      std::lower_bound(labels.begin(), labels.end(), key,
                       [](const auto& label, std::string_view k) { return label.first < k; });
  return found != labels.end() && found->first == key ? &found->second : nullptr;
}

Parsed<Version> parseVersion(std::string_view text) {
  auto document = parseJson(text, "/version");
  if (!document) return unexpected(document.error());
  Version version{stringAt(*document, "Version"), stringAt(*document, "ApiVersion")};
  if (version.api_version.empty()) return unexpected(std::string("/version: no ApiVersion"));
  return version;
}

Parsed<std::string> negotiateApiVersion(const Version& daemon) {
  auto offered = splitVersion(daemon.api_version);
  if (!offered)
    return unexpected(fmt::format("/version: malformed ApiVersion {:?}", daemon.api_version));
  if (*offered < kOldestApi) {
    return unexpected(fmt::format("Docker API {} is older than the oldest supported, {}.{}",
                                  daemon.api_version, kOldestApi.first, kOldestApi.second));
  }
  auto chosen = std::min(*offered, kNewestApi);
  return fmt::format("{}.{}", chosen.first, chosen.second);
}

Parsed<Info> parseInfo(std::string_view text) {
  auto document = parseJson(text, "/info");
  if (!document) return unexpected(document.error());
  if (!document->is_object()) return unexpected(std::string("/info: not an object"));
  return Info{stringAt(*document, "CgroupDriver"), stringAt(*document, "CgroupVersion"),
              stringAt(*document, "DockerRootDir"), stringAt(*document, "Driver")};
}

Parsed<std::vector<std::string>> parseContainerIds(std::string_view text) {
  auto document = parseJson(text, "/containers/json");
  if (!document) return unexpected(document.error());
  if (!document->is_array()) return unexpected(std::string("/containers/json: not an array"));
  std::vector<std::string> ids;
  for (const json& entry : *document) {
    std::string id = stringAt(entry, "Id");
    if (id.empty()) return unexpected(std::string("/containers/json: an entry without Id"));
    ids.push_back(std::move(id));
  }
  return ids;
}

Parsed<Container> parseInspect(std::string_view text) {
  auto document = parseJson(text, "/containers/<id>/json");
  if (!document) return unexpected(document.error());
  Container container;
  container.id = stringAt(*document, "Id");
  if (container.id.empty()) return unexpected(std::string("/containers/<id>/json: no Id"));
  container.name = stringAt(*document, "Name");
  if (!container.name.empty() && container.name.front() == '/') container.name.erase(0, 1);
  const json& config = objectAt(*document, "Config");
  container.image = stringAt(config, "Image");
  container.image_id = stringAt(*document, "Image");
  for (const auto& [key, value] : objectAt(config, "Labels").items()) {
    if (value.is_string()) container.labels.emplace_back(key, value.get<std::string>());
  }
  std::sort(container.labels.begin(), container.labels.end());
  const json& state = objectAt(*document, "State");
  container.state = stringAt(state, "Status");
  container.health = stringAt(objectAt(state, "Health"), "Status");
  if (container.health.empty()) container.health = "none";
  container.pid = integerAt(state, "Pid");
  container.exit_code = integerAt(state, "ExitCode");
  container.oom_killed = boolAt(state, "OOMKilled");
  container.started_at = parseTimestamp(stringAt(state, "StartedAt"));
  container.finished_at = parseTimestamp(stringAt(state, "FinishedAt"));
  container.created = parseTimestamp(stringAt(*document, "Created"));
  container.restart_count = integerAt(*document, "RestartCount");
  const json& host_config = objectAt(*document, "HostConfig");
  container.cgroup_parent = stringAt(host_config, "CgroupParent");
  container.log_driver = stringAt(objectAt(host_config, "LogConfig"), "Type");
  const json& graph_driver = objectAt(*document, "GraphDriver");
  container.graph_driver = stringAt(graph_driver, "Name");
  container.upper_dir = stringAt(objectAt(graph_driver, "Data"), "UpperDir");
  return container;
}

Parsed<Event> parseEvent(std::string_view text) {
  auto document = parseJson(text, "/events");
  if (!document) return unexpected(document.error());
  if (!document->is_object()) return unexpected(std::string("/events: not an object"));
  Event event{stringAt(*document, "Type"), stringAt(*document, "Action"),
              stringAt(objectAt(*document, "Actor"), "ID")};
  // API < 1.22 had only "status" and "id"; keep working if a proxy trims.
  if (event.action.empty()) event.action = stringAt(*document, "status");
  if (event.id.empty()) event.id = stringAt(*document, "id");
  return event;
}

std::string sanitizedLabelName(std::string_view docker_label) {
  std::string name;
  name.reserve(docker_label.size());
  for (char c : docker_label) {
    bool valid =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    name.push_back(valid ? c : '_');
  }
  return name;
}

double parseTimestamp(std::string_view text) {
  // 2026-11-21T10:19:53.25957629Z, or with a +hh:mm offset.
  std::tm parts{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 ||
      std::sscanf(std::string(text.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month,
                  &day, &hour, &minute, &second) != 6 ||
      year <= 1) {
    return 0;
  }
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  double seconds = static_cast<double>(timegm(&parts));
  std::string_view rest = text.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    std::size_t digits = 1;
    double scale = 0.1;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
      seconds += (rest[digits] - '0') * scale;
      scale /= 10;
      ++digits;
    }
    rest.remove_prefix(digits);
  }
  if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-')) {
    int offset = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 +
                 ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60;
    seconds -= rest[0] == '+' ? offset : -offset;
  }
  return seconds;
}

}  // namespace docker
