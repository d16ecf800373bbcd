#include "procfs/netstat.h"

#include <algorithm>

namespace procfs {
Parsed<std::vector<NetStatValue>> parseNetStat(std::string_view text) {
  std::vector<NetStatValue> values;
  std::vector<std::string_view> protocols;
  std::vector<std::string_view> header;
  std::size_t header_line = 0;
  auto error = checkEachLine(text, [&](std::string_view line, std::size_t number) -> LineError {
    if (trim(line).empty()) return {};
    auto fields = splitFields(line);
    if (fields[0].size() < 2 || fields[0].back() != ':') return "expected \"<Protocol>:\" first";
    if (header.empty()) {
      header = std::move(fields);
      header_line = number;
      return {};
    }
    if (fields[0] != header[0]) {
      return "values for " + std::string(fields[0]) + " follow the names for " +
             std::string(header[0]);
    }
    if (fields.size() != header.size()) {
      return "field count mismatch for " + std::string(header[0]);
    }
    std::string_view protocol = header[0].substr(0, header[0].size() - 1);
    if (std::find(protocols.begin(), protocols.end(), protocol) != protocols.end()) {
      return "protocol " + std::string(protocol) + " appears twice";
    }
    for (std::size_t i = 1; i < fields.size(); ++i) {
      auto value = parseDouble(fields[i]);
      if (!value) return "value \"" + std::string(fields[i]) + "\" is not a number";
      values.push_back({protocol, header[i], *value});
    }
    protocols.push_back(protocol);
    header.clear();
    return {};
  });
  if (!error && !header.empty()) {
    error = "line " + std::to_string(header_line) + ": names without a line of values";
  }
  if (error) return unexpected(std::move(*error));
  return values;
}

Parsed<std::vector<NetStatValue>> parseSnmp6(std::string_view text) {
  std::vector<NetStatValue> values;
  auto error = checkEachLine(text, [&](std::string_view line, std::size_t number) -> LineError {
    auto fields = splitFields(line);
    if (fields.size() < 2) return {};
    auto six = fields[0].find('6');
    if (six == std::string_view::npos) return {};
    auto value = parseDouble(fields[1]);
    if (!value) {
      return "value \"" + std::string(fields[1]) + "\" is not a number";
    }
    values.push_back({fields[0].substr(0, six + 1), fields[0].substr(six + 1), *value});
    return {};
  });
  if (error) return unexpected(std::move(*error));
  return values;
}

}  // namespace procfs
