#include "procfs/diskstats.h"

namespace procfs {

Parsed<std::vector<DiskstatsLine>> parseDiskstats(std::string_view text) {
  constexpr std::size_t kMinStats = 11, kMaxStats = 17;
  std::vector<DiskstatsLine> lines;
  auto error = checkEachLine(text, [&](std::string_view line, std::size_t number) -> LineError {
    auto fields = splitFields(line);
    if (fields.size() < 3 + kMinStats) return {};
    DiskstatsLine entry;
    auto major = parseInteger<std::uint32_t>(fields[0]);
    auto minor = parseInteger<std::uint32_t>(fields[1]);
    if (!major || !minor) {
      return "bad device number";
    }
    entry.major = *major;
    entry.minor = *minor;
    entry.device = std::string(fields[2]);
    for (std::size_t i = 3; i < fields.size() && i < 3 + kMaxStats; ++i) {
      auto value = parseU64(fields[i]);
      if (!value) {
        return "field " + std::to_string(i + 1) + " is not a counter: \"" + std::string(fields[i]) +
               "\"";
      }
      entry.stats.push_back(*value);
    }
    lines.push_back(std::move(entry));
    return {};
  });
  if (error) return unexpected(std::move(*error));
  return lines;
}

std::map<std::string, std::string> parseUdevProperties(std::string_view text) {
  std::map<std::string, std::string> properties;
  forEachLine(text, [&](std::string_view line) {
    if (line.substr(0, 2) != "E:") return;
    line.remove_prefix(2);
    auto equals = line.find('=');
    if (equals == std::string_view::npos) return;
    properties[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
  });
  return properties;
}

}  // namespace procfs
