#include "dnscheck/route53/record_set.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace dnscheck::route53 {
namespace {

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string_view trim(std::string_view text) {
  std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Route53 writes characters outside [a-z0-9-_.] as \DDD (octal), '*' as \052.
std::string unescapeName(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && isDigit(text[i + 1]) && isDigit(text[i + 2]) &&
        isDigit(text[i + 3])) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                               (text[i + 3] - '0'));
      i += 3;
    } else if (text[i] == '\\' && i + 1 < text.size()) {
      out += text[++i];
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::string> canonicalAddress(int family, std::string_view text) {
  std::string input(trim(text));
  unsigned char buffer[16];
  if (inet_pton(family, input.c_str(), buffer) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  if (!inet_ntop(family, buffer, out, sizeof(out))) return std::nullopt;
  return std::string(out);
}

std::optional<unsigned> parseUnsigned(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Character-strings: "a b" "c" (quoted, with \" \\ \DDD escapes) or bare
// words; concatenated without quotes.
std::optional<std::string> unquoteStrings(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t') {
      ++i;
      continue;
    }
    bool quoted = text[i] == '"';
    if (quoted) ++i;
    bool closed = !quoted;
    while (i < text.size()) {
      char c = text[i];
      if (quoted && c == '"') {
        closed = true;
        ++i;
        break;
      }
      if (!quoted && (c == ' ' || c == '\t')) break;
      if (c == '\\' && i + 3 < text.size() && isDigit(text[i + 1]) && isDigit(text[i + 2]) &&
          isDigit(text[i + 3])) {
        out += static_cast<char>((text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 +
                                 (text[i + 3] - '0'));
        i += 4;
        continue;
      }
      if (c == '\\' && i + 1 < text.size()) {
        out += text[i + 1];
        i += 2;
        continue;
      }
      out += c;
      ++i;
    }
    if (!closed) return std::nullopt;
  }
  return out;
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::optional<RecordType> parseRecordType(std::string_view text) {
  static constexpr std::pair<std::string_view, RecordType> kTypes[] = {
      {"A", RecordType::A},   {"AAAA", RecordType::AAAA}, {"CNAME", RecordType::CNAME},
      {"MX", RecordType::MX}, {"TXT", RecordType::TXT},   {"CAA", RecordType::CAA}};
  for (const auto& [name, type] : kTypes)
    if (name == text) return type;
  return std::nullopt;
}

std::string canonicalName(std::string_view route53_name) {
  std::string name = lowered(unescapeName(trim(route53_name)));
  while (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

std::optional<std::string> canonicalValue(RecordType type, std::string_view value) {
  value = trim(value);
  switch (type) {
    case RecordType::A:
      return canonicalAddress(AF_INET, value);
    case RecordType::AAAA:
      return canonicalAddress(AF_INET6, value);
    case RecordType::CNAME:
      if (value.empty()) return std::nullopt;
      return canonicalName(value);
    case RecordType::MX: {
      std::size_t space = value.find_first_of(" \t");
      if (space == std::string_view::npos) return std::nullopt;
      auto preference = parseUnsigned(value.substr(0, space));
      std::string exchange = canonicalName(value.substr(space + 1));
      if (!preference || *preference > 65535 || exchange.empty()) return std::nullopt;
      return std::to_string(*preference) + " " + exchange;
    }
    case RecordType::TXT:
      return unquoteStrings(value);
    case RecordType::CAA: {
      std::size_t first = value.find_first_of(" \t");
      if (first == std::string_view::npos) return std::nullopt;
      auto flags = parseUnsigned(value.substr(0, first));
      std::string_view rest = trim(value.substr(first));
      std::size_t second = rest.find_first_of(" \t");
      if (!flags || *flags > 255 || second == std::string_view::npos) return std::nullopt;
      auto caa_value = unquoteStrings(trim(rest.substr(second)));
      if (!caa_value) return std::nullopt;
      return std::to_string(*flags) + " " + lowered(std::string(rest.substr(0, second))) + " " +
             *caa_value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> canonicalValues(RecordType type, const RecordSet& set) {
  std::vector<std::string> out;
  for (const std::string& value : set.values) {
    // An unreadable value is kept (marked) so that it still differs.
    out.push_back(canonicalValue(type, value).value_or("<unreadable: " + value + ">"));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string route53Name(std::string_view canonical_name) {
  return std::string(canonical_name) + ".";
}

std::string route53Value(RecordType type, std::string_view value) {
  switch (type) {
    case RecordType::A:
    case RecordType::AAAA:
      return std::string(value);
    case RecordType::CNAME:
      return route53Name(value);
    case RecordType::MX:
      return std::string(value) + ".";
    case RecordType::TXT: {
      // A character-string holds at most 255 bytes: longer text is split.
      std::string out;
      for (std::size_t at = 0; at < value.size() || at == 0; at += 255) {
        if (!out.empty()) out += ' ';
        out += quote(value.substr(at, 255));
        if (value.empty()) break;
      }
      return out;
    }
    case RecordType::CAA: {
      std::size_t first = value.find(' ');
      std::size_t second = value.find(' ', first + 1);
      if (first == std::string_view::npos || second == std::string_view::npos)
        return std::string(value);
      return std::string(value.substr(0, second)) + " " + quote(value.substr(second + 1));
    }
  }
  return std::string(value);
}

}  // namespace dnscheck::route53
