#include "procfs/netstat.h"

#include <algorithm>

namespace procfs {
namespace {

std::string lineError(std::size_t number, const std::string& what) {
  return "line " + std::to_string(number) + ": " + what;
}

}  // namespace

Parsed<std::vector<NetStatValue>> parseNetStat(std::string_view text) {
  std::vector<NetStatValue> values;
  std::vector<std::string_view> protocols;
  std::vector<std::string_view> header;
  std::size_t number = 0, header_line = 0;
  std::string error;
  forEachLine(text, [&](std::string_view line) {
    ++number;
    if (!error.empty() || trim(line).empty()) return;
    auto fields = splitFields(line);
    if (fields[0].size() < 2 || fields[0].back() != ':') {
      error = lineError(number, "expected \"<Protocol>:\" first");
      return;
    }
    if (header.empty()) {
      header = std::move(fields);
      header_line = number;
      return;
    }
    if (fields[0] != header[0]) {
      error = lineError(number, "values for " + std::string(fields[0]) + " follow the names for " +
                                    std::string(header[0]));
      return;
    }
    if (fields.size() != header.size()) {
      error = lineError(number, "field count mismatch for " + std::string(header[0]));
      return;
    }
    std::string_view protocol = header[0].substr(0, header[0].size() - 1);
    if (std::find(protocols.begin(), protocols.end(), protocol) != protocols.end()) {
      error = lineError(number, "protocol " + std::string(protocol) + " appears twice");
      return;
    }
    for (std::size_t i = 1; i < fields.size(); ++i) {
      auto value = parseDouble(fields[i]);
      if (!value) {
        error = lineError(number, "value \"" + std::string(fields[i]) + "\" is not a number");
        return;
      }
      values.push_back({protocol, header[i], *value});
    }
    protocols.push_back(protocol);
    header.clear();
  });
  if (error.empty() && !header.empty()) {
    error = lineError(header_line, "names without a line of values");
  }
  if (!error.empty()) return unexpected(std::move(error));
  return values;
}

Parsed<std::vector<NetStatValue>> parseSnmp6(std::string_view text) {
  std::vector<NetStatValue> values;
  std::size_t number = 0;
  std::string error;
  forEachLine(text, [&](std::string_view line) {
    ++number;
    if (!error.empty()) return;
    auto fields = splitFields(line);
    if (fields.size() < 2) return;
    auto six = fields[0].find('6');
    if (six == std::string_view::npos) return;
    auto value = parseDouble(fields[1]);
    if (!value) {
      error = lineError(number, "value \"" + std::string(fields[1]) + "\" is not a number");
      return;
    }
    values.push_back({fields[0].substr(0, six + 1), fields[0].substr(six + 1), *value});
  });
  if (!error.empty()) return unexpected(std::move(error));
  return values;
}

}  // namespace procfs
