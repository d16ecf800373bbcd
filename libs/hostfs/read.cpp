#include "hostfs/read.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace hostfs {

std::string ReadError::message() const {
  if (error_number == 0) return path + ": file larger than the read limit";
  return path + ": " + std::strerror(error_number);
}

bool ReadError::notFound() const { return error_number == ENOENT || error_number == ENOTDIR; }

Result<std::string> readFile(const std::string& path, std::size_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ReadError{path, errno};
  std::string content;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return ReadError{path, saved};
    }
    if (n == 0) break;
    if (content.size() + static_cast<std::size_t>(n) > limit) {
      ::close(fd);
      return ReadError{path, 0};
    }
    content.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

base::Expected<std::string, std::string> readSecretFile(const std::string& path) {
  auto text = readFile(path, 1 << 20);
  if (!text) return base::unexpected("cannot read " + text.error().message());
  std::string_view value = *text;
  const auto first = value.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::string();
  const auto last = value.find_last_not_of(" \t\r\n");
  return std::string(value.substr(first, last - first + 1));
}

namespace {
class OneShotReader : public FileReader {
 public:
  Result<std::string> read(const std::string& path, std::size_t limit) override {
    return readFile(path, limit);
  }
};
}  // namespace

FileReader& oneShotReader() {
  static OneShotReader reader;
  return reader;
}

Result<std::string> readAttribute(const std::string& path) {
  auto content = readFile(path, 64 << 10);
  if (!content) return content;
  std::string text = std::move(content).value();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

namespace {
template <typename T>
Result<T> readNumber(const std::string& path) {
  auto text = readAttribute(path);
  if (!text) return text.error();
  const std::string& s = *text;
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return ReadError{path, EINVAL};
  return value;
}
}  // namespace

Result<std::uint64_t> readUnsigned(const std::string& path) {
  return readNumber<std::uint64_t>(path);
}

Result<std::vector<std::string>> listDirectory(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return ReadError{path, errno};
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace hostfs
