#pragma once
// Structured logging in the Prometheus tools' style: logfmt by default
// (ts=... level=... msg=... key=value), JSON on request. The level is checked
// before anything is formatted, so a disabled debug line costs one compare.

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace logging {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };
enum class Format { logfmt, json };

std::optional<Level> parseLevel(std::string_view text);
std::optional<Format> parseFormat(std::string_view text);

// Process-wide settings; call once at start-up.
void configure(Level level, Format format);
// Tests capture output here instead of stderr; nullptr restores stderr.
void setSinkForTesting(std::string* sink);

namespace detail {
extern std::atomic<int> g_min_level;
}
inline bool enabled(Level level) {
  return static_cast<int>(level) >= detail::g_min_level.load(std::memory_order_relaxed);
}

// One key=value pair. Values are rendered to text at construction.
struct Field {
  std::string_view key;
  std::string value;
  bool quoted_in_json = true;

  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <typename T>
    requires std::is_arithmetic_v<T>
  Field(std::string_view k, T v) : key(k), value(fmt::format("{}", v)), quoted_in_json(false) {}
};

// `file` and `line` name the caller (the caller=file:line key); the macros
// fill them, since clang 14 lacks std::source_location.
void write(Level level, std::string_view msg, std::initializer_list<Field> fields,
           const char* file, int line);

}  // namespace logging

#define TERN_LOG(level, msg, ...)                                                     \
  do {                                                                                \
    if (::logging::enabled(level))                                                    \
      ::logging::write(level, msg, {__VA_ARGS__}, __FILE__, __LINE__);                \
  } while (0)
#define LOG_DEBUG(msg, ...) TERN_LOG(::logging::Level::debug, msg, ##__VA_ARGS__)
#define LOG_INFO(msg, ...) TERN_LOG(::logging::Level::info, msg, ##__VA_ARGS__)
#define LOG_WARN(msg, ...) TERN_LOG(::logging::Level::warn, msg, ##__VA_ARGS__)
#define LOG_ERROR(msg, ...) TERN_LOG(::logging::Level::error, msg, ##__VA_ARGS__)
