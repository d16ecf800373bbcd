#pragma once
// Small, allocation-free helpers for the line-and-field formats of /proc and
// /sys. Every parser in this folder is a pure function of the file's text.

#include "base/expected.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace procfs {

// Parsers fail with a message saying what was wrong with which line.
template <typename T>
using Parsed = base::Expected<T, std::string>;
using base::unexpected;

// Calls fn(line) for each line, without the newline; a last line without a
// newline is still a line.
template <typename Fn>
void forEachLine(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    fn(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// For files rejected at their first bad line: calls check(line) or
// check(line, number) for each line (numbered from 1, without the newline);
// check returns an error message or nothing. The first message comes back as
// "line N: message".
template <typename Fn>
std::optional<std::string> checkEachLine(std::string_view text, Fn&& check) {
  std::size_t number = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    ++number;
    std::optional<std::string> error;
    if constexpr (std::is_invocable_v<Fn, std::string_view, std::size_t>) {
      error = check(text.substr(0, nl), number);
    } else {
      error = check(text.substr(0, nl));
    }
    if (error) {
      return "line " + std::to_string(number) + ": " + *error;
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return std::nullopt;
}
using LineError = std::optional<std::string>;

// Splits on runs of spaces and tabs.
std::vector<std::string_view> splitFields(std::string_view line);
// Splits on one separator character, keeping empty fields.
std::vector<std::string_view> splitOn(std::string_view text, char separator);
std::string_view trim(std::string_view text);

template <typename T>
std::optional<T> parseInteger(std::string_view text, int base = 10) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}
std::optional<std::uint64_t> parseU64(std::string_view text);
std::optional<std::int64_t> parseI64(std::string_view text);
std::optional<double> parseDouble(std::string_view text);

}  // namespace procfs
