#pragma once
// One line of Docker's json-file log driver:
//   {"log":"text\n","stream":"stdout","time":"2026-11-21T10:19:53.259576290Z"}
// Pure functions of the line's text; errors come back as values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/expected.h"

namespace logline {

struct DockerLine {
  std::string log;     // unescaped, without the trailing "\n"
  std::string stream;  // "stdout" or "stderr" (empty when the key is absent)
  std::int64_t time_ns = 0;
  // Docker cuts lines longer than 16 KiB into chunks; all but the last lack
  // the trailing newline.
  bool partial = false;
};

// Parses into `out`, reusing its string capacity (the tailer's hot path calls
// this once per line). Returns an error message, or nothing on success; on
// error `out` holds unspecified contents.
std::optional<std::string> parseDockerLine(std::string_view text, DockerLine& out);

// Convenience form for tests and cold paths.
base::Expected<DockerLine, std::string> parseDockerLine(std::string_view text);

// RFC 3339 with optional fraction (up to 9 digits) and a "Z" or ±hh:mm
// offset, as Docker writes it; nanoseconds since the Unix epoch.
std::optional<std::int64_t> parseRfc3339Nano(std::string_view text);

// Appends the UTF-8 encoding of a code point (invalid ones become U+FFFD).
void appendUtf8(std::string& out, std::uint32_t code_point);

}  // namespace logline
