#include "procfs/conntrack.h"

#include <algorithm>
#include <array>
#include <utility>

namespace procfs {

Parsed<ConntrackStat> parseConntrackStat(std::string_view text) {
  ConntrackStat total;
  const std::array<std::pair<std::string_view, std::uint64_t ConntrackStat::*>, 8> wanted = {{
      {"found", &ConntrackStat::found},
      {"invalid", &ConntrackStat::invalid},
      {"ignore", &ConntrackStat::ignore},
      {"insert", &ConntrackStat::insert},
      {"insert_failed", &ConntrackStat::insert_failed},
      {"drop", &ConntrackStat::drop},
      {"early_drop", &ConntrackStat::early_drop},
      {"search_restart", &ConntrackStat::search_restart},
  }};
  std::array<std::size_t, wanted.size()> column{};
  std::size_t width = 0;
  auto error = checkEachLine(text, [&](std::string_view line) -> LineError {
    if (trim(line).empty()) return {};
    auto fields = splitFields(line);
    if (width == 0) {  // the header
      for (std::size_t i = 0; i < wanted.size(); ++i) {
        auto at = std::find(fields.begin(), fields.end(), wanted[i].first);
        if (at == fields.end())
          return "header lacks the " + std::string(wanted[i].first) + " column";
        column[i] = static_cast<std::size_t>(at - fields.begin());
      }
      width = fields.size();
      return {};
    }
    if (fields.size() != width) {
      return std::to_string(fields.size()) + " columns, the header has " + std::to_string(width);
    }
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      auto value = parseInteger<std::uint64_t>(fields[column[i]], 16);
      if (!value) return "\"" + std::string(fields[column[i]]) + "\" is not a hexadecimal number";
      total.*wanted[i].second += *value;
    }
    return {};
  });
  if (!error && width == 0) error = "no header line";
  if (error) return unexpected(std::move(*error));
  return total;
}

Parsed<std::uint64_t> parseConntrackValue(std::string_view text) {
  auto value = parseU64(trim(text));
  if (!value) return unexpected("\"" + std::string(trim(text)) + "\" is not a number");
  return *value;
}

}  // namespace procfs
