#include "procfs/arp.h"

namespace procfs {

Parsed<std::vector<ArpEntry>> parseArp(std::string_view text) {
  constexpr std::size_t kHeaderWidth = 9, kEntryWidth = 6;
  std::vector<ArpEntry> entries;
  auto error = checkEachLine(text, [&](std::string_view line) -> LineError {
    auto columns = splitFields(line);
    if (columns.empty() || columns.size() == kHeaderWidth) return {};
    if (columns.size() != kEntryWidth) {
      return std::to_string(columns.size()) + " columns, expected " + std::to_string(kEntryWidth);
    }
    entries.push_back({std::string(columns[0]), std::string(columns[3]), std::string(columns[5])});
    return {};
  });
  if (error) return unexpected(std::move(*error));
  return entries;
}

}  // namespace procfs
