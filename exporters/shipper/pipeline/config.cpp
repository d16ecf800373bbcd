#include "config.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace shipper::config {

std::string at(const YAML::Node& node) {
  if (!node.IsDefined()) return "";
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return "";
  return "line " + std::to_string(mark.line + 1) + ": ";
}

KeyCheck checkKeys(const YAML::Node& body, std::string_view stage,
                   std::initializer_list<std::string_view> known,
                   std::initializer_list<std::string_view> promtail_only) {
  KeyCheck check;
  if (!body || body.IsNull()) return check;
  if (!body.IsMap()) {
    check.error = at(body) + std::string(stage) + ": expected a map";
    return check;
  }
  for (const auto& item : body) {
    const std::string key = item.first.as<std::string>();
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (found) continue;
    for (std::string_view k : promtail_only) found = found || k == key;
    if (found) {
      check.unsupported.push_back(std::string(stage) + "." + key);
      continue;
    }
    check.error = at(item.first) + std::string(stage) + ": unknown key \"" + key + "\"";
    return check;
  }
  return check;
}

StringField stringField(const YAML::Node& body, std::string_view stage, const char* key) {
  StringField field;
  if (!body || !body.IsMap()) return field;
  const YAML::Node node = body[key];
  if (!node || node.IsNull()) return field;
  if (!node.IsScalar()) {
    field.error = at(node) + std::string(stage) + ": " + key + ": expected a string";
    return field;
  }
  field.value = node.Scalar();
  return field;
}

std::optional<std::chrono::nanoseconds> parseDuration(std::string_view text) {
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (i == 0) return std::nullopt;
    double number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + i, number);
    if (ec != std::errc() || end != text.data() + i) return std::nullopt;
    text.remove_prefix(i);
    std::size_t u = 0;
    while (u < text.size() && !std::isdigit(static_cast<unsigned char>(text[u])) &&
           text[u] != '.') {
      ++u;
    }
    const std::string_view unit = text.substr(0, u);
    text.remove_prefix(u);
    double scale = 0;
    if (unit == "ns")
      scale = 1;
    else if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs")
      scale = 1e3;
    else if (unit == "ms")
      scale = 1e6;
    else if (unit == "s")
      scale = 1e9;
    else if (unit == "m")
      scale = 60e9;
    else if (unit == "h")
      scale = 3600e9;
    else
      return std::nullopt;
    total += number * scale;
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total));
}

std::optional<std::uint64_t> parseBytes(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  if (i == 0) return std::nullopt;
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + i, number);
  if (ec != std::errc() || end != text.data() + i) return std::nullopt;
  std::string_view rest = text.substr(i);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  std::string unit;
  for (char c : rest) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kb")
    scale = 1e3;
  else if (unit == "ki" || unit == "kib")
    scale = 1024.0;
  else if (unit == "m" || unit == "mb")
    scale = 1e6;
  else if (unit == "mi" || unit == "mib")
    scale = 1024.0 * 1024;
  else if (unit == "g" || unit == "gb")
    scale = 1e9;
  else if (unit == "gi" || unit == "gib")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tb")
    scale = 1e12;
  else if (unit == "ti" || unit == "tib")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else
    return std::nullopt;
  const double bytes = number * scale;
  if (!std::isfinite(bytes) || bytes > 1.8e19) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace shipper::config
