#pragma once
// HAProxy's `show info` answer ("Name: value" lines), parsed into pairs that
// view into the text. Pure.

#include <string_view>
#include <vector>

namespace haproxy {

struct InfoField {
  std::string_view name;   // "Version", "CurrConns", "Uptime_sec"
  std::string_view value;  // as printed: "2.6.12-1+deb12u4", "3"
};

struct ShowInfo {
  std::vector<InfoField> fields;
  std::size_t malformed_lines = 0;  // lines without "name: value"
  // The value of a field, or empty when absent.
  std::string_view get(std::string_view name) const;
};

ShowInfo parseShowInfo(std::string_view text);

}  // namespace haproxy
