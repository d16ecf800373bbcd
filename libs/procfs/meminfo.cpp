#include "procfs/meminfo.h"

namespace procfs {

Parsed<std::vector<MeminfoField>> parseMeminfo(std::string_view text) {
  std::vector<MeminfoField> fields;
  std::optional<std::string> error;
  forEachLine(text, [&](std::string_view line) {
    if (error) return;
    auto parts = splitFields(line);
    if (parts.empty()) return;
    if (parts.size() < 2 || parts.size() > 3) {
      error = "invalid line \"" + std::string(line) + "\"";
      return;
    }
    auto value = parseDouble(parts[1]);
    if (!value) {
      error = "invalid value \"" + std::string(parts[1]) + "\" for " + std::string(parts[0]);
      return;
    }
    std::string_view name = parts[0];
    if (!name.empty() && name.back() == ':') name.remove_suffix(1);
    fields.push_back({name, *value, parts.size() == 3});
  });
  if (error) return unexpected(*error);
  return fields;
}

}  // namespace procfs
