#include "runtime/text_parse.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <unordered_map>

namespace runtime {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }
bool isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLabelNameStart(char c) { return isLetter(c) || c == '_'; }
bool isLabelNameChar(char c) { return isLabelNameStart(c) || isDigit(c); }
bool isMetricNameStart(char c) { return isLabelNameStart(c) || c == ':'; }
bool isMetricNameChar(char c) { return isLabelNameChar(c) || c == ':'; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

void appendQuotedChar(std::string& out, unsigned char c, char quote) {
  static const char kHex[] = "0123456789abcdef";
  switch (c) {
    case '\n':
      out += "\\n";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\\':
      out += "\\\\";
      return;
    default:
      break;
  }
  if (c == static_cast<unsigned char>(quote)) {
    out += '\\';
    out += quote;
  } else if (c < 0x20 || c == 0x7f) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  } else {
    out += static_cast<char>(c);
  }
}

// Go's %q for a byte: 'x'.
std::string quoteByte(char c) {
  std::string out = "'";
  appendQuotedChar(out, static_cast<unsigned char>(c), '\'');
  out += '\'';
  return out;
}

bool validUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length;
    std::uint32_t code;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
      code = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      code = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3f);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && (code < 0x10000 || code > 0x10ffff)) ||
        (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

// Go's %q for a string, close enough for error messages: bytes of invalid
// UTF-8 as \xNN.
std::string quote(std::string_view text) {
  const bool keep_utf8 = validUtf8(text);
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80 && !keep_utf8) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      appendQuotedChar(out, byte, '"');
    }
  }
  out += '"';
  return out;
}

// Go's strconv.ParseFloat as wrapped by expfmt (no 'p', 'P' or '_'): decimal
// with optional sign and exponent, or Inf/Infinity with optional sign, or NaN.
// A finite value too large for a double is an error, as in Go.
std::optional<double> parseGoFloat(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false, signed_value = false;
  std::string_view rest = text;
  if (rest.front() == '+' || rest.front() == '-') {
    negative = rest.front() == '-';
    signed_value = true;
    rest.remove_prefix(1);
  }
  if (equalsIgnoreCase(rest, "inf") || equalsIgnoreCase(rest, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (!signed_value && equalsIgnoreCase(rest, "nan"))
    return std::numeric_limits<double>::quiet_NaN();

  // digits [. digits] [e [sign] digits], at least one mantissa digit.
  std::size_t i = 0, mantissa_digits = 0;
  while (i < rest.size() && isDigit(rest[i])) ++i, ++mantissa_digits;
  if (i < rest.size() && rest[i] == '.') {
    ++i;
    while (i < rest.size() && isDigit(rest[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return std::nullopt;
  if (i < rest.size() && (rest[i] == 'e' || rest[i] == 'E')) {
    ++i;
    if (i < rest.size() && (rest[i] == '+' || rest[i] == '-')) ++i;
    std::size_t exponent_digits = 0;
    while (i < rest.size() && isDigit(rest[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != rest.size()) return std::nullopt;

  double value = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Underflow rounds towards zero (accepted by Go); overflow is an error.
    std::string copy(rest);
    value = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(value)) return std::nullopt;
  } else if (ec != std::errc() || end != rest.data() + rest.size()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

// Go's strconv.ParseInt(text, 10, 64).
std::optional<std::int64_t> parseGoInt(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (negative) {
    if (magnitude > kMax + 1) return std::nullopt;
    return magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                 : -static_cast<std::int64_t>(magnitude);
  }
  if (magnitude > kMax) return std::nullopt;
  return static_cast<std::int64_t>(magnitude);
}

// Counts arrive as floats. Go converts them with uint64(value), which on
// amd64 wraps negative values around; do the same without the undefined
// behaviour of a plain cast (NaN and out-of-range values give 0).
std::uint64_t toCount(double value) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (std::isnan(value) || value >= 2 * kTwo63) return 0;
  if (value >= kTwo63) {
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(value - kTwo63)) ^ (1ULL << 63);
  }
  if (value <= -kTwo63) return 1ULL << 63;
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(value));
}

std::optional<MetricType> typeFromName(std::string_view name) {
  if (equalsIgnoreCase(name, "counter")) return MetricType::Counter;
  if (equalsIgnoreCase(name, "gauge")) return MetricType::Gauge;
  if (equalsIgnoreCase(name, "summary")) return MetricType::Summary;
  if (equalsIgnoreCase(name, "untyped")) return MetricType::Untyped;
  if (equalsIgnoreCase(name, "histogram")) return MetricType::Histogram;
  return std::nullopt;
}

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// What a sample line contributes to its family.
enum class Role { kValue, kCount, kSum };

struct FamilyState {
  MetricFamily family;
  bool has_type = false;
  bool has_help = false;
  // Summaries and histograms: labels without quantile/le -> metric index.
  std::unordered_map<std::string, std::size_t> groups;
};

class Parser {
 public:
  base::Expected<ParsedText, TextParseError> run(std::string_view text) {
    std::size_t line_number = 0, start = 0;
    while (start < text.size()) {
      ++line_number;
      std::size_t newline = text.find('\n', start);
      bool terminated = newline != std::string_view::npos;
      std::string_view line =
          text.substr(start, terminated ? newline - start : std::string_view::npos);
      if (!parseLine(line, terminated)) {
        return base::unexpected(TextParseError{line_number, std::move(error_)});
      }
      start = terminated ? newline + 1 : text.size();
    }
    ParsedText parsed;
    parsed.timestamped_samples = timestamped_;
    for (FamilyState& state : families_) {
      if (!state.family.metric.empty()) parsed.families.push_back(std::move(state.family));
    }
    return parsed;
  }

 private:
  // --- the cursor over one line; the end of the line reads as '\n' ---
  char peek() {
    furthest_ = std::max(furthest_, pos_);
    return pos_ < line_.size() ? line_[pos_] : '\n';
  }
  void advance() {
    if (pos_ < line_.size()) ++pos_;
  }
  void skipBlanks() {
    while (isBlank(peek())) advance();
  }
  template <typename Pred>
  std::string_view readWhile(Pred pred) {
    std::size_t begin = pos_;
    while (peek() != '\n' && pred(peek())) advance();
    return line_.substr(begin, pos_ - begin);
  }
  std::string_view readToken() {
    return readWhile([](char c) { return !isBlank(c); });
  }
  std::string_view readRest() {
    std::string_view rest = line_.substr(pos_);
    pos_ = line_.size();
    peek();
    return rest;
  }
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  bool parseLine(std::string_view line, bool terminated) {
    line_ = line;
    pos_ = furthest_ = 0;
    skipBlanks();
    if (peek() == '\n') return true;  // blank line, even without a final newline
    bool ok = peek() == '#' ? parseComment() : parseSample();
    // Go reads the input as a stream: running into the end of a last line
    // without '\n' is an error before anything it would have found there.
    if (!terminated && (ok || furthest_ >= line_.size())) {
      error_ = "unexpected end of input stream";
      return false;
    }
    return ok;
  }

  // The family a name belongs to: itself, or the summary/histogram it is the
  // _sum, _count or _bucket series of.
  FamilyState& familyFor(std::string_view name, Role& role) {
    role = Role::kValue;
    auto found = by_name_.find(std::string(name));
    if (found != by_name_.end()) return families_[found->second];
    bool is_count = endsWith(name, "_count"), is_sum = endsWith(name, "_sum");
    if (is_count || is_sum) {
      auto base = name.substr(0, name.size() - (is_count ? 6 : 4));
      auto it = by_name_.find(std::string(base));
      if (it != by_name_.end()) {
        FamilyState& state = families_[it->second];
        if (state.has_type && (state.family.type == MetricType::Summary ||
                               state.family.type == MetricType::Histogram)) {
          role = is_count ? Role::kCount : Role::kSum;
          return state;
        }
      }
    } else if (endsWith(name, "_bucket")) {
      auto it = by_name_.find(std::string(name.substr(0, name.size() - 7)));
      if (it != by_name_.end()) {
        FamilyState& state = families_[it->second];
        if (state.has_type && state.family.type == MetricType::Histogram) return state;
      }
    }
    by_name_.emplace(std::string(name), families_.size());
    FamilyState& state = families_.emplace_back();
    state.family.name = std::string(name);
    return state;
  }

  bool parseComment() {
    advance();  // '#'
    skipBlanks();
    if (peek() == '\n') return true;
    std::string_view keyword = readToken();
    if (peek() == '\n') return true;
    if (keyword != "HELP" && keyword != "TYPE") {
      readRest();
      return true;
    }
    skipBlanks();
    std::string_view name;
    if (isMetricNameStart(peek())) name = readWhile(isMetricNameChar);
    if (peek() == '\n') return true;
    if (!isBlank(peek())) return fail("invalid metric name in comment");
    Role role;
    FamilyState& state = familyFor(name, role);
    skipBlanks();
    if (peek() == '\n') return true;
    if (keyword == "HELP") {
      if (state.has_help)
        return fail("second HELP line for metric name " + quote(state.family.name));
      std::string help;
      for (char c = peek(); c != '\n'; c = peek()) {
        advance();
        if (c != '\\') {
          help += c;
          continue;
        }
        char escaped = peek();
        if (escaped == '\\') {
          help += '\\';
        } else if (escaped == 'n') {
          help += '\n';
        } else {
          return fail(std::string("invalid escape sequence '\\") + escaped + "'");
        }
        advance();
      }
      state.family.help = std::move(help);
      state.has_help = true;
      return true;
    }
    if (state.has_type) {
      return fail("second TYPE line for metric name " + quote(state.family.name) +
                  ", or TYPE reported after samples");
    }
    std::string_view type_name = readRest();
    auto type = typeFromName(type_name);
    if (!type) return fail("unknown metric type " + quote(type_name));
    state.family.type = *type;
    state.has_type = true;
    return true;
  }

  // Reads a quoted label value; the cursor is just past the opening quote
  // and ends on the closing one.
  bool readLabelValue(std::string& value) {
    while (true) {
      char c = peek();
      if (c == '\n') return fail("label value " + quote(value) + " contains unescaped new-line");
      if (c == '"') return true;
      advance();
      if (c != '\\') {
        value += c;
        continue;
      }
      char escaped = peek();
      if (escaped == '"' || escaped == '\\') {
        value += escaped;
      } else if (escaped == 'n') {
        value += '\n';
      } else {
        return fail(std::string("invalid escape sequence '\\") + escaped + "'");
      }
      advance();
    }
  }

  bool parseSample() {
    if (!isMetricNameStart(peek())) return fail("invalid metric name");
    std::string_view name = readWhile(isMetricNameChar);
    Role role;
    FamilyState& state = familyFor(name, role);
    if (!state.has_type) {
      state.family.type = MetricType::Untyped;
      state.has_type = true;
    }
    const MetricType type = state.family.type;
    const bool is_summary = type == MetricType::Summary;
    const bool is_histogram = type == MetricType::Histogram;
    skipBlanks();

    Labels labels;
    std::vector<std::pair<std::string, std::string>> group_labels;
    double quantile = std::numeric_limits<double>::quiet_NaN();
    double bucket = std::numeric_limits<double>::quiet_NaN();
    std::string last_value;
    if (peek() == '{') {
      advance();
      skipBlanks();
      while (peek() != '}') {
        if (!isLabelNameStart(peek())) {
          return fail("invalid label name for metric " + quote(state.family.name));
        }
        std::string label_name(readWhile(isLabelNameChar));
        skipBlanks();
        if (peek() != '=') return fail("expected '=' after label name, found " + quoteByte(peek()));
        if (label_name == "__name__") return fail("label name \"__name__\" is reserved");
        const bool is_quantile = is_summary && label_name == "quantile";
        const bool is_le = is_histogram && label_name == "le";
        if (!is_quantile && !is_le) {
          for (const auto& label : labels) {
            if (label.name == label_name) {
              return fail("duplicate label names for metric " + quote(state.family.name));
            }
          }
        }
        advance();
        skipBlanks();
        if (peek() != '"') {
          return fail("expected '\"' at start of label value, found " + quoteByte(peek()));
        }
        advance();
        std::string value;
        if (!readLabelValue(value)) return false;
        if (!validUtf8(value)) return fail("invalid label value " + quote(value));
        last_value = value;
        if (is_quantile || is_le) {
          auto bound = parseGoFloat(value);
          if (!bound) {
            return fail(std::string("expected float as value for '") +
                        (is_quantile ? "quantile" : "le") + "' label, got " + quote(value));
          }
          (is_quantile ? quantile : bucket) = *bound;
        } else {
          if (is_summary || is_histogram) group_labels.emplace_back(label_name, value);
          labels.push_back({std::move(label_name), std::move(value)});
        }
        advance();  // closing quote
        skipBlanks();
        if (peek() == ',') {
          advance();
          skipBlanks();
        } else if (peek() != '}') {
          return fail("unexpected end of label value " + quote(last_value));
        }
      }
      advance();  // '}'
      skipBlanks();
    }

    // Summaries and histograms gather their lines into one metric per label set.
    ClientMetric* metric;
    if (is_summary || is_histogram) {
      std::sort(group_labels.begin(), group_labels.end());
      std::string key;
      for (const auto& [label_name, value] : group_labels) {
        key += label_name;
        key += '\xff';
        key += value;
        key += '\xff';
      }
      auto [it, inserted] = state.groups.emplace(std::move(key), state.family.metric.size());
      if (inserted) state.family.metric.push_back({.label = std::move(labels)});
      metric = &state.family.metric[it->second];
    } else {
      metric = &state.family.metric.emplace_back();
      metric->label = std::move(labels);
    }

    std::string_view value_text = readToken();
    auto value = parseGoFloat(value_text);
    if (!value) return fail("expected float as value, got " + quote(value_text));
    switch (type) {
      case MetricType::Counter:
        metric->counter.value = *value;
        break;
      case MetricType::Gauge:
        metric->gauge.value = *value;
        break;
      case MetricType::Untyped:
        metric->untyped.value = *value;
        break;
      case MetricType::Summary:
        if (role == Role::kCount) {
          metric->summary.sample_count = toCount(*value);
        } else if (role == Role::kSum) {
          metric->summary.sample_sum = *value;
        } else if (!std::isnan(quantile)) {
          metric->summary.quantile.push_back({quantile, *value});
        }
        break;
      case MetricType::Histogram:
        if (role == Role::kCount) {
          metric->histogram.sample_count = toCount(*value);
        } else if (role == Role::kSum) {
          metric->histogram.sample_sum = *value;
        } else if (!std::isnan(bucket)) {
          metric->histogram.bucket.push_back({toCount(*value), bucket});
        }
        break;
    }
    if (peek() == '\n') return true;

    advance();
    skipBlanks();
    std::string_view timestamp_text = readToken();
    auto timestamp = parseGoInt(timestamp_text);
    if (!timestamp) return fail("expected integer as timestamp, got " + quote(timestamp_text));
    metric->timestamp_ms = *timestamp;
    ++timestamped_;
    std::string_view rest = readRest();
    if (!rest.empty()) return fail("spurious string after timestamp: " + quote(rest));
    return true;
  }

  std::vector<FamilyState> families_;
  std::unordered_map<std::string, std::size_t> by_name_;
  std::size_t timestamped_ = 0;
  std::string error_;
  std::string_view line_;
  std::size_t pos_ = 0;
  std::size_t furthest_ = 0;
};

}  // namespace

std::string TextParseError::describe() const {
  return "text format parsing error in line " + std::to_string(line) + ": " + message;
}

base::Expected<ParsedText, TextParseError> parseTextFormat(std::string_view text) {
  return Parser().run(text);
}

}  // namespace runtime
