#include "procfs/vmstat.h"

namespace procfs {

Parsed<std::vector<VmstatField>> parseVmstat(std::string_view text) {
  std::vector<VmstatField> fields;
  fields.reserve(256);  // recent kernels print about 200 counters
  std::optional<std::string> error;
  forEachLine(text, [&](std::string_view line) {
    if (error) return;
    auto parts = splitFields(line);
    if (parts.empty()) return;
    std::optional<double> value;
    if (parts.size() >= 2) value = parseDouble(parts[1]);
    if (!value) {
      error = "invalid line \"" + std::string(line) + "\"";
      return;
    }
    fields.push_back({parts[0], *value});
  });
  if (error) return unexpected(*error);
  return fields;
}

}  // namespace procfs
