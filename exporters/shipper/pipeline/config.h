#pragma once
// Reading stage configs from YAML: positions for messages, key checks, and
// the Go-style values Promtail configs use ("3s", "8KB").

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shipper::config {

// "line N: " for a node read from a file, "" for one built in code.
std::string at(const YAML::Node& node);

// The outcome of checking a stage's keys: an error for a key no Promtail
// stage has, or the Promtail options tern does not implement (the caller
// lists them as "<stage>.<key>" and leaves the stage out).
struct KeyCheck {
  std::optional<std::string> error;
  std::vector<std::string> unsupported;
};
KeyCheck checkKeys(const YAML::Node& body, std::string_view stage,
                   std::initializer_list<std::string_view> known,
                   std::initializer_list<std::string_view> promtail_only = {});

// A scalar string under `key`, nothing if absent or null; an error message
// if present but not a scalar.
struct StringField {
  std::optional<std::string> value;
  std::optional<std::string> error;
};
StringField stringField(const YAML::Node& body, std::string_view stage, const char* key);

// Go's time.ParseDuration subset: a sequence of <number><unit> with units
// ns, us, µs, ms, s, m, h ("1m30s", "500ms", "0.5s").
std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text);

// Byte sizes as Promtail reads them (go-humanize ParseBytes): a plain number
// of bytes or a number with a unit: B, KB/K (1000), KiB/Ki (1024), MB, MiB,
// GB, GiB, TB, TiB; case-insensitive, optional space.
std::optional<std::uint64_t> parseBytes(std::string_view text);

}  // namespace shipper::config
