#include "procfs/os_release.h"

namespace procfs {
namespace {

// Go's bytes.TrimSpace for ASCII.
std::string_view trimSpace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\v\f\r";
  auto start = text.find_first_not_of(kSpace);
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(kSpace) - start + 1);
}

Parsed<std::string> parseValue(std::string_view value) {
  enum class Mode { normal, double_quote, single_quote, escape } mode = Mode::normal;
  std::string out;
  out.reserve(value.size());
  std::size_t significant = 0;  // length up to the last character a comment must keep
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 32) return unexpected("control character in value");
    if (byte > 127) {  // part of a UTF-8 sequence: never special
      if (mode == Mode::escape) return unexpected(std::string("multibyte escape sequence"));
      out += c;
      significant = out.size();
      continue;
    }
    switch (mode) {
      case Mode::normal:
        if (c == '"') {
          mode = Mode::double_quote;
        } else if (c == '\'') {
          mode = Mode::single_quote;
        } else if (c == '#') {
          out.resize(significant);  // a comment, and the blanks before it, end the value
          return out;
        } else {
          out += c;
          if (c != ' ' && c != '\t') significant = out.size();
        }
        break;
      case Mode::double_quote:
        if (c == '"') {
          mode = Mode::normal;
        } else if (c == '\\') {
          mode = Mode::escape;
        } else {
          out += c;
          significant = out.size();
        }
        break;
      case Mode::escape:
        switch (c) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          default:
            return unexpected("invalid escape sequence \\" + std::string(1, c));
        }
        significant = out.size();
        mode = Mode::double_quote;
        break;
      case Mode::single_quote:
        if (c == '\'') {
          mode = Mode::normal;
        } else {
          out += c;
          significant = out.size();
        }
        break;
    }
  }
  switch (mode) {
    case Mode::normal:
      return out;
    case Mode::double_quote:
      return unexpected(std::string("unmatched \""));
    case Mode::single_quote:
      return unexpected(std::string("unmatched '"));
    case Mode::escape:
      return unexpected(std::string("incomplete escape sequence"));
  }
  return out;
}

}  // namespace

Parsed<OsRelease> parseOsRelease(std::string_view text) {
  OsRelease release;
  std::optional<std::string> error;
  int number = 0;
  forEachLine(text, [&](std::string_view line) {
    ++number;
    if (error) return;
    line = trimSpace(line);
    if (line.empty() || line.front() == '#') return;
    auto fail = [&](const std::string& what) {
      error = "line " + std::to_string(number) + ": " + what;
    };
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return fail("missing =");
    std::string_view key = trimSpace(line.substr(0, eq));
    if (key.substr(0, 7) == "export ") key.remove_prefix(7);
    if (key.empty()) return fail("empty key");
    char first = key.front();
    if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || first == '_')) {
      return fail("key must start with [A-Za-z_]");
    }
    auto value = parseValue(trimSpace(line.substr(eq + 1)));
    if (!value) return fail(value.error());
    release.insert_or_assign(std::string(key), *value);
  });
  if (error) return unexpected(*error);
  return release;
}

double osVersionNumber(std::string_view version_id) {
  std::size_t end = 0;
  auto digits = [&] {
    while (end < version_id.size() && version_id[end] >= '0' && version_id[end] <= '9') ++end;
  };
  digits();
  if (end == 0) return 0;
  if (end < version_id.size() && version_id[end] == '.') {
    ++end;
    digits();
  }
  std::string_view number = version_id.substr(0, end);
  if (number.back() == '.') number.remove_suffix(1);  // "12." reads as 12
  return parseDouble(number).value_or(0);
}

}  // namespace procfs
