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
  std::size_t width = 0, number = 0;
  std::string error;
  forEachLine(text, [&](std::string_view line) {
    ++number;
    if (!error.empty() || trim(line).empty()) return;
    auto fields = splitFields(line);
    if (width == 0) {  // the header
      for (std::size_t i = 0; i < wanted.size(); ++i) {
        auto at = std::find(fields.begin(), fields.end(), wanted[i].first);
        if (at == fields.end()) {
          error = "header lacks the " + std::string(wanted[i].first) + " column";
          return;
        }
        column[i] = static_cast<std::size_t>(at - fields.begin());
      }
      width = fields.size();
      return;
    }
    if (fields.size() != width) {
      error = "line " + std::to_string(number) + ": " + std::to_string(fields.size()) +
              " columns, the header has " + std::to_string(width);
      return;
    }
    for (std::size_t i = 0; i < wanted.size(); ++i) {
      auto value = parseInteger<std::uint64_t>(fields[column[i]], 16);
      if (!value) {
        error = "line " + std::to_string(number) + ": \"" + std::string(fields[column[i]]) +
                "\" is not a hexadecimal number";
        return;
      }
      total.*wanted[i].second += *value;
    }
  });
  if (error.empty() && width == 0) error = "no header line";
  if (!error.empty()) return unexpected(std::move(error));
  return total;
}

Parsed<std::uint64_t> parseConntrackValue(std::string_view text) {
  auto value = parseU64(trim(text));
  if (!value) return unexpected("\"" + std::string(trim(text)) + "\" is not a number");
  return *value;
}

}  // namespace procfs
