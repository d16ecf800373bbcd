#pragma once
// Reading host files. /proc and /sys lie about their size (st_size is 0 or
// 4096), so everything is read until EOF, with a bound so a runaway file
// cannot eat the exporter's memory. Failures are values, never exceptions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"

namespace hostfs {

// What went wrong, for the log line and the collector's success metric.
struct ReadError {
  std::string path;
  int error_number = 0;  // errno, or 0 for "too large"
  std::string message() const;
  bool notFound() const;
};

template <typename T>
using Result = base::Expected<T, ReadError>;

inline constexpr std::size_t kDefaultReadLimit = 4 << 20;  // 4 MiB

// Reads a whole file, up to `limit` bytes (more is an error, not a truncation).
Result<std::string> readFile(const std::string& path, std::size_t limit = kDefaultReadLimit);

// Reads whole files with readFile's bound and errors: once each time
// (oneShotReader()), or through an OpenFileCache that keeps them open between
// scrapes. Code that reads the same files every scrape takes one of these,
// so its owner decides, and tests can pass either.
class FileReader {
 public:
  virtual ~FileReader() = default;
  virtual Result<std::string> read(const std::string& path, std::size_t limit) = 0;
};

// Opens, reads and closes every time: readFile. Stateless, so shared.
FileReader& oneShotReader();

// A sysfs attribute: the file's text without the trailing newline.
Result<std::string> readAttribute(const std::string& path);

// A sysfs attribute holding one unsigned integer.
Result<std::uint64_t> readUnsigned(const std::string& path);

// Names in a directory, sorted, without "." and "..".
Result<std::vector<std::string>> listDirectory(const std::string& path);

bool exists(const std::string& path);

// A secret (password, token, API key) from a file, read at each use so a
// rotated secret is picked up: without surrounding whitespace (a trailing
// newline is the usual case); the error names the file, never the content.
base::Expected<std::string, std::string> readSecretFile(const std::string& path);

}  // namespace hostfs
