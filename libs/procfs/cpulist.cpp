#include "procfs/cpulist.h"

namespace procfs {
namespace {
// A range larger than any machine has is a corrupt file, not a reason to
// allocate gigabytes.
constexpr unsigned kMaxRangeLength = 1 << 16;
}  // namespace

Parsed<std::vector<unsigned>> parseCpuList(std::string_view text) {
  std::vector<unsigned> cpus;
  text = trim(text);
  if (text.empty()) return cpus;
  for (std::string_view item : splitOn(text, ',')) {
    auto dash = item.find('-');
    auto first = parseInteger<unsigned>(item.substr(0, dash));
    auto last =
        dash == std::string_view::npos ? first : parseInteger<unsigned>(item.substr(dash + 1));
    if (!first || !last || *last < *first || *last - *first >= kMaxRangeLength) {
      return unexpected("invalid CPU list item \"" + std::string(item) + "\"");
    }
    for (unsigned cpu = *first;; ++cpu) {
      cpus.push_back(cpu);
      if (cpu == *last) break;
    }
  }
  return cpus;
}

}  // namespace procfs
