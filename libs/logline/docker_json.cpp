#include "logline/docker_json.h"

#include <cctype>
#include <cstring>

// Why a hand-written scanner rather than a JSON DOM (nlohmann-json, used for
// the Engine API): every container log line passes through here, and the
// object always has the same three string fields. A DOM allocates a map and a
// string per key and value on every line; this scanner writes the one string
// we keep ("log") straight into a reused buffer and copies runs of plain bytes
// with memcpy, which is what makes millions of lines per second possible.
// Every read is bounded by `end`, so truncated or hostile input cannot read
// past the buffer (tests/fuzz/logline_fuzz.cpp).

namespace logline {
namespace {

using Error = std::optional<std::string>;

// Deep nesting in extra keys ("attrs") is legal JSON but never seen; the cap
// keeps skipValue's work bounded.
constexpr int kMaxDepth = 64;

struct Scanner {
  const char* p;
  const char* end;

  bool atEnd() const { return p >= end; }
  void skipSpace() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  }
  bool consume(char c) {
    skipSpace();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }
};

// The first '"' or '\\' in [p, end), or end. Eight bytes at a time (the
// classic "has zero byte" test on the XOR with each character), since this
// scan is most of the parser's work; bytes are loaded with memcpy, never past
// `end`.
const char* findQuoteOrBackslash(const char* p, const char* end) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  while (end - p >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    const std::uint64_t quote = word ^ (kOnes * '"');
    const std::uint64_t slash = word ^ (kOnes * '\\');
    const std::uint64_t hits =
        ((quote - kOnes) & ~quote & kHighs) | ((slash - kOnes) & ~slash & kHighs);
    if (hits != 0) break;  // the byte loop below finds which one
    p += 8;
  }
  while (p < end && *p != '"' && *p != '\\') ++p;
  return p;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads 4 hex digits at s.p; -1 when they are not there.
long readHex4(Scanner& s) {
  if (s.end - s.p < 4) return -1;
  long value = 0;
  for (int i = 0; i < 4; ++i) {
    int digit = hexValue(s.p[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  s.p += 4;
  return value;
}

// Decodes one escape after the backslash (s.p points past it).
Error decodeEscape(Scanner& s, std::string& out) {
  if (s.atEnd()) return "unterminated escape";
  char c = *s.p++;
  switch (c) {
    case '"':
      out.push_back('"');
      return {};
    case '\\':
      out.push_back('\\');
      return {};
    case '/':
      out.push_back('/');
      return {};
    case 'b':
      out.push_back('\b');
      return {};
    case 'f':
      out.push_back('\f');
      return {};
    case 'n':
      out.push_back('\n');
      return {};
    case 'r':
      out.push_back('\r');
      return {};
    case 't':
      out.push_back('\t');
      return {};
    case 'u':
      break;
    default:
      return std::string("bad escape \\") + c;
  }
  long unit = readHex4(s);
  if (unit < 0) return "bad \\u escape";
  std::uint32_t code_point = static_cast<std::uint32_t>(unit);
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    // A high surrogate pairs with a following \uDC00-\uDFFF; alone it is
    // replaced, as Go's encoding/json (which wrote the line) would read it.
    if (s.end - s.p >= 6 && s.p[0] == '\\' && s.p[1] == 'u') {
      Scanner look{s.p + 2, s.end};
      long low = readHex4(look);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        code_point = 0x10000 + ((static_cast<std::uint32_t>(unit) - 0xD800) << 10) +
                     (static_cast<std::uint32_t>(low) - 0xDC00);
        s.p = look.p;
      } else {
        code_point = 0xFFFD;
      }
    } else {
      code_point = 0xFFFD;
    }
  } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
    code_point = 0xFFFD;
  }
  appendUtf8(out, code_point);
  return {};
}

// Reads a JSON string (s.p at the opening quote) into `out`, replacing its
// contents. Runs between escapes are copied in one go.
Error readString(Scanner& s, std::string& out) {
  out.clear();
  if (s.atEnd() || *s.p != '"') return "expected a string";
  ++s.p;
  while (true) {
    const char* run = s.p;
    s.p = findQuoteOrBackslash(s.p, s.end);
    out.append(run, static_cast<std::size_t>(s.p - run));
    if (s.atEnd()) return "unterminated string";
    if (*s.p++ == '"') return {};
    if (auto error = decodeEscape(s, out)) return error;
  }
}

// Skips a string without decoding it (s.p at the opening quote).
Error skipString(Scanner& s) {
  ++s.p;
  while (s.p < s.end) {
    char c = *s.p++;
    if (c == '"') return {};
    if (c == '\\') {
      if (s.atEnd()) break;
      ++s.p;
    }
  }
  return "unterminated string";
}

// Reads a short string (key, stream, time) as a view into the line; only
// when it holds escapes is it decoded, into `scratch`.
Error readShortString(Scanner& s, std::string_view& view, std::string& scratch) {
  if (s.atEnd() || *s.p != '"') return "expected a string";
  const char* start = s.p + 1;
  const char* q = findQuoteOrBackslash(start, s.end);
  if (q < s.end && *q == '"') {
    view = std::string_view(start, static_cast<std::size_t>(q - start));
    s.p = q + 1;
    return {};
  }
  if (auto error = readString(s, scratch)) return error;
  view = scratch;
  return {};
}

// Skips any value of a key we do not use ("attrs" and whatever Docker adds
// later), tracking nesting without recursion.
Error skipValue(Scanner& s) {
  s.skipSpace();
  if (s.atEnd()) return "expected a value";
  char c = *s.p;
  if (c == '"') return skipString(s);
  if (c != '{' && c != '[') {
    // Number, true, false, null: a run of the characters they are made of.
    const char* start = s.p;
    while (s.p < s.end && (std::isalnum(static_cast<unsigned char>(*s.p)) || *s.p == '-' ||
                           *s.p == '+' || *s.p == '.')) {
      ++s.p;
    }
    if (s.p == start) return std::string("unexpected character '") + c + "'";
    return {};
  }
  int depth = 0;
  while (s.p < s.end) {
    c = *s.p;
    if (c == '"') {
      if (auto error = skipString(s)) return error;
      continue;
    }
    ++s.p;
    if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return "nested too deeply";
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return {};
    }
  }
  return "unterminated object or array";
}

bool isDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

int digitsValue(std::string_view text) {
  int value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

void appendUtf8(std::string& out, std::uint32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::optional<std::int64_t> parseRfc3339Nano(std::string_view t) {
  // 2026-11-21T10:19:53[.259576290](Z|+hh:mm|-hh:mm)
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != 't') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  auto year = t.substr(0, 4), month = t.substr(5, 2), day = t.substr(8, 2);
  auto hour = t.substr(11, 2), minute = t.substr(14, 2), second = t.substr(17, 2);
  for (auto part : {year, month, day, hour, minute, second}) {
    if (!isDigits(part)) return std::nullopt;
  }
  const int mo = digitsValue(month), d = digitsValue(day), h = digitsValue(hour),
            mi = digitsValue(minute), s = digitsValue(second);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::size_t i = 19;
  std::int64_t nanos = 0;
  if (t[i] == '.') {
    ++i;
    std::size_t digits = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (t[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t k = digits; k < 9; ++k) nanos *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
    ++i;
  } else if (i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && t[i + 3] == ':' &&
             isDigits(t.substr(i + 1, 2)) && isDigits(t.substr(i + 4, 2))) {
    offset_seconds = digitsValue(t.substr(i + 1, 2)) * 3600 + digitsValue(t.substr(i + 4, 2)) * 60;
    if (t[i] == '-') offset_seconds = -offset_seconds;
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != t.size()) return std::nullopt;
  const std::int64_t days = daysFromCivil(digitsValue(year), mo, d);
  const std::int64_t seconds = days * 86400 + h * 3600 + mi * 60 + s - offset_seconds;
  // Nanoseconds since 1970 in an int64 reach the years 1677 to 2262.
  constexpr std::int64_t kMaxSeconds = 9'223'372'035;
  if (seconds > kMaxSeconds || seconds < -kMaxSeconds) return std::nullopt;
  return seconds * 1'000'000'000 + nanos;
}

std::optional<std::string> parseDockerLine(std::string_view text, DockerLine& out) {
  Scanner s{text.data(), text.data() + text.size()};
  if (!s.consume('{')) return "not a JSON object";
  bool have_log = false, have_time = false;
  out.stream.clear();
  std::string_view key, value;
  std::string key_scratch, value_scratch;  // only for escaped keys and values
  std::int64_t time_ns = 0;
  bool first = true;
  while (true) {
    if (s.consume('}')) break;
    if (!first && !s.consume(',')) return "expected ',' or '}'";
    first = false;
    s.skipSpace();
    if (auto error = readShortString(s, key, key_scratch)) return "key: " + *error;
    if (!s.consume(':')) return "expected ':' after \"" + std::string(key) + "\"";
    s.skipSpace();
    if (key == "log") {
      if (auto error = readString(s, out.log)) return "log: " + *error;
      have_log = true;
    } else if (key == "stream") {
      if (auto error = readShortString(s, value, value_scratch)) return "stream: " + *error;
      out.stream.assign(value);
    } else if (key == "time") {
      if (auto error = readShortString(s, value, value_scratch)) return "time: " + *error;
      auto parsed = parseRfc3339Nano(value);
      if (!parsed) return "bad time \"" + std::string(value) + "\"";
      time_ns = *parsed;
      have_time = true;
    } else if (auto error = skipValue(s)) {
      return std::string(key) + ": " + *error;
    }
  }
  s.skipSpace();
  if (!s.atEnd()) return "trailing data after the object";
  if (!have_log) return "no \"log\" field";
  if (!have_time) return "no \"time\" field";
  out.time_ns = time_ns;
  out.partial = out.log.empty() || out.log.back() != '\n';
  if (!out.partial) out.log.pop_back();
  return {};
}

base::Expected<DockerLine, std::string> parseDockerLine(std::string_view text) {
  DockerLine line;
  if (auto error = parseDockerLine(text, line)) return base::unexpected(std::move(*error));
  return line;
}

}  // namespace logline
