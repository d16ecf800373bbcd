#include "procfs/hwmon.h"

#include <charconv>

namespace procfs {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Length of the UTF-8 character starting text[i], or 1 for a stray byte.
std::size_t characterLength(std::string_view text, std::size_t i) {
  auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = lead >= 0xf0 && lead <= 0xf4   ? 4
                       : lead >= 0xe0 && lead <= 0xef ? 3
                       : lead >= 0xc2 && lead <= 0xdf ? 2
                                                      : 1;
  if (i + length > text.size()) return 1;
  for (std::size_t k = 1; k < length; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return 1;
  }
  return length;
}

}  // namespace

std::optional<SensorFileName> parseSensorFileName(std::string_view name) {
  std::size_t digits_start = 0;
  while (digits_start < name.size() && !isDigit(name[digits_start])) ++digits_start;
  if (digits_start == 0) return std::nullopt;  // empty, or starts with a digit
  SensorFileName parsed;
  parsed.type = std::string(name.substr(0, digits_start));
  std::size_t digits_end = digits_start;
  while (digits_end < name.size() && isDigit(name[digits_end])) ++digits_end;
  if (digits_end > digits_start) {
    const char* first = name.data() + digits_start;
    const char* last = name.data() + digits_end;
    auto [end, ec] = std::from_chars(first, last, parsed.index);
    if (ec != std::errc() || end != last) return std::nullopt;
  }
  std::string_view rest = name.substr(digits_end);
  if (rest.empty()) return parsed;
  if (rest.size() < 2 || rest.front() != '_') return std::nullopt;
  parsed.property = std::string(rest.substr(1));
  return parsed;
}

std::string cleanHwmonName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    char c = name[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || isDigit(c) || c == ':' || c == '_') {
      out += c;
      ++i;
    } else {
      out += '_';
      i += characterLength(name, i);
    }
  }
  std::size_t begin = out.find_first_not_of('_');
  if (begin == std::string::npos) return "";
  std::size_t end = out.find_last_not_of('_');
  return out.substr(begin, end - begin + 1);
}

}  // namespace procfs
