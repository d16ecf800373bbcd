#include "procfs/softnet.h"

namespace procfs {

Parsed<std::vector<SoftnetStat>> parseSoftnet(std::string_view text) {
  constexpr std::size_t kMinColumns = 9;
  std::vector<SoftnetStat> stats;
  std::size_t number = 0;
  std::string error;
  forEachLine(text, [&](std::string_view line) {
    ++number;
    if (!error.empty()) return;
    auto columns = splitFields(line);
    if (columns.size() < kMinColumns) {
      error = "line " + std::to_string(number) + ": " + std::to_string(columns.size()) +
              " columns, expected at least " + std::to_string(kMinColumns);
      return;
    }
    std::uint32_t values[3];
    for (int i = 0; i < 3; ++i) {
      auto value = parseInteger<std::uint32_t>(columns[i], 16);
      if (!value) {
        error = "line " + std::to_string(number) + ": \"" + std::string(columns[i]) +
                "\" is not a hexadecimal number";
        return;
      }
      values[i] = *value;
    }
    stats.push_back({values[0], values[1], values[2]});
  });
  if (!error.empty()) return unexpected(std::move(error));
  return stats;
}

}  // namespace procfs
