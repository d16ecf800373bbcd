#include "haproxy/show_info.h"

namespace haproxy {

std::string_view ShowInfo::get(std::string_view name) const {
  for (const InfoField& field : fields) {
    if (field.name == name) return field.value;
  }
  return {};
}

ShowInfo parseShowInfo(std::string_view text) {
  ShowInfo info;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      ++info.malformed_lines;
      continue;
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    info.fields.push_back(InfoField{line.substr(0, colon), value});
  }
  return info;
}

}  // namespace haproxy
