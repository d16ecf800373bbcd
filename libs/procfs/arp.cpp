#include "procfs/arp.h"

namespace procfs {

Parsed<std::vector<ArpEntry>> parseArp(std::string_view text) {
  constexpr std::size_t kHeaderWidth = 9, kEntryWidth = 6;
  std::vector<ArpEntry> entries;
  std::size_t number = 0;
  std::string error;
  forEachLine(text, [&](std::string_view line) {
    ++number;
    if (!error.empty()) return;
    auto columns = splitFields(line);
    if (columns.empty() || columns.size() == kHeaderWidth) return;
    if (columns.size() != kEntryWidth) {
      error = "line " + std::to_string(number) + ": " + std::to_string(columns.size()) +
              " columns, expected " + std::to_string(kEntryWidth);
      return;
    }
    entries.push_back({std::string(columns[0]), std::string(columns[3]), std::string(columns[5])});
  });
  if (!error.empty()) return unexpected(std::move(error));
  return entries;
}

}  // namespace procfs
