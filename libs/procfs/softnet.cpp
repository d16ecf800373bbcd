#include "procfs/softnet.h"

namespace procfs {

Parsed<std::vector<SoftnetStat>> parseSoftnet(std::string_view text) {
  constexpr std::size_t kMinColumns = 9;
  std::vector<SoftnetStat> stats;
  auto error = checkEachLine(text, [&](std::string_view line, std::size_t number) -> LineError {
    auto columns = splitFields(line);
    if (columns.size() < kMinColumns) {
      return std::to_string(columns.size()) + " columns, expected at least " +
             std::to_string(kMinColumns);
    }
    std::uint32_t values[3];
    for (int i = 0; i < 3; ++i) {
      auto value = parseInteger<std::uint32_t>(columns[i], 16);
      if (!value) {
        return "\"" + std::string(columns[i]) + "\" is not a hexadecimal number";
      }
      values[i] = *value;
    }
    stats.push_back({values[0], values[1], values[2]});
    return {};
  });
  if (error) return unexpected(std::move(*error));
  return stats;
}

}  // namespace procfs
