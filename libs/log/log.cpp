#include "log/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace logging {
namespace detail {
std::atomic<int> g_min_level{static_cast<int>(Level::info)};
}

namespace {
std::atomic<Format> g_format{Format::logfmt};
std::mutex g_write_mutex;
std::string* g_test_sink = nullptr;

const char* levelName(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "unknown";
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03d}Z", buf, millis);
}

// logfmt quotes a value only when it must: empty, or holding space, '=' or '"'.
void appendLogfmtValue(std::string& out, std::string_view value) {
  bool needs_quotes = value.empty();
  for (char c : value) {
    if (c <= ' ' || c == '=' || c == '"' || c == '\\') {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  out += '"';
}

void appendJsonString(std::string& out, std::string_view value) {
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string_view baseName(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}
}  // namespace

std::optional<Level> parseLevel(std::string_view text) {
  if (text == "debug") return Level::debug;
  if (text == "info") return Level::info;
  if (text == "warn") return Level::warn;
  if (text == "error") return Level::error;
  return std::nullopt;
}

std::optional<Format> parseFormat(std::string_view text) {
  if (text == "logfmt") return Format::logfmt;
  if (text == "json") return Format::json;
  return std::nullopt;
}

void configure(Level level, Format format) {
  detail::g_min_level = static_cast<int>(level);
  g_format = format;
}

void setSinkForTesting(std::string* sink) {
  std::lock_guard lock(g_write_mutex);
  g_test_sink = sink;
}

void write(Level level, std::string_view msg, std::initializer_list<Field> fields,
           const char* file, int line_number) {
  std::string caller = fmt::format("{}:{}", baseName(file), line_number);
  std::string line;
  line.reserve(128);
  if (g_format.load() == Format::json) {
    line += "{\"ts\":";
    appendJsonString(line, timestamp());
    line += ",\"caller\":";
    appendJsonString(line, caller);
    line += ",\"level\":";
    appendJsonString(line, levelName(level));
    line += ",\"msg\":";
    appendJsonString(line, msg);
    for (const Field& field : fields) {
      line += ',';
      appendJsonString(line, field.key);
      line += ':';
      if (field.quoted_in_json) {
        appendJsonString(line, field.value);
      } else {
        line += field.value;
      }
    }
    line += "}\n";
  } else {
    line += "ts=" + timestamp() + " caller=" + caller + " level=" + levelName(level) + " msg=";
    appendLogfmtValue(line, msg);
    for (const Field& field : fields) {
      line += ' ';
      line += field.key;
      line += '=';
      appendLogfmtValue(line, field.value);
    }
    line += '\n';
  }
  std::lock_guard lock(g_write_mutex);
  if (g_test_sink) {
    *g_test_sink += line;
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

}  // namespace logging
