#include "tailer/positions.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "hostfs/read.h"
#include "procfs/text.h"

namespace tailer {
namespace {

using base::unexpected;

// One line per file: "<device> <inode> <offset> <path>" (the path last, so
// it may hold spaces). Simple enough to read by eye and to parse without a
// library; a header names the format.
constexpr std::string_view kHeader = "# tern-shipper positions v1: device inode offset path";

}  // namespace

base::Expected<bool, std::string> Positions::load() {
  auto text = hostfs::readFile(file_, 256 << 20);
  if (!text) {
    if (text.error().notFound()) return true;
    return unexpected(text.error().message());
  }
  std::map<FileId, Position> loaded;
  auto error = procfs::checkEachLine(*text, [&](std::string_view line) -> procfs::LineError {
    if (line.empty() || line.front() == '#') return std::nullopt;
    auto fields = procfs::splitFields(line);
    if (fields.size() < 4) return "want device, inode, offset and path";
    auto device = procfs::parseU64(fields[0]);
    auto inode = procfs::parseU64(fields[1]);
    auto offset = procfs::parseU64(fields[2]);
    if (!device || !inode || !offset) return "device, inode and offset must be numbers";
    // The path is the rest of the line after the third field.
    std::size_t path_start = static_cast<std::size_t>(fields[3].data() - line.data());
    FileId id{static_cast<dev_t>(*device), static_cast<ino_t>(*inode)};
    loaded[id] = Position{std::string(line.substr(path_start)), id, *offset};
    return std::nullopt;
  });
  if (error) return unexpected(fmt::format("{}: {}", file_, *error));
  std::lock_guard lock(mutex_);
  positions_ = std::move(loaded);
  dirty_ = false;
  return true;
}

base::Expected<bool, std::string> Positions::save() {
  std::string text;
  {
    std::lock_guard lock(mutex_);
    text.append(kHeader).push_back('\n');
    for (const auto& [id, position] : positions_) {
      text += fmt::format("{} {} {} {}\n", static_cast<std::uint64_t>(id.device),
                          static_cast<std::uint64_t>(id.inode), position.offset, position.path);
    }
    dirty_ = false;
  }
  std::string temporary = file_ + ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return unexpected(fmt::format("open {}: {}", temporary, std::strerror(errno)));
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error_number = errno;
      ::close(fd);
      return unexpected(fmt::format("write {}: {}", temporary, std::strerror(error_number)));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return unexpected(fmt::format("fsync {}: {}", temporary, std::strerror(errno)));
  }
  if (::rename(temporary.c_str(), file_.c_str()) != 0) {
    return unexpected(fmt::format("rename {}: {}", file_, std::strerror(errno)));
  }
  // The rename itself is durable only once the directory is synced.
  int directory = ::open(directoryOf(file_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory >= 0) {
    ::fsync(directory);
    ::close(directory);
  }
  return true;
}

std::optional<Position> Positions::find(FileId id) const {
  std::lock_guard lock(mutex_);
  auto found = positions_.find(id);
  if (found == positions_.end()) return std::nullopt;
  return found->second;
}

std::vector<Position> Positions::all() const {
  std::lock_guard lock(mutex_);
  std::vector<Position> out;
  for (const auto& [id, position] : positions_) out.push_back(position);
  return out;
}

void Positions::set(const std::string& path, FileId id, std::uint64_t offset) {
  std::lock_guard lock(mutex_);
  auto& position = positions_[id];
  if (position.path == path && position.id == id && position.offset == offset) return;
  position = Position{path, id, offset};
  dirty_ = true;
}

void Positions::erase(FileId id) {
  std::lock_guard lock(mutex_);
  dirty_ |= positions_.erase(id) > 0;
}

bool Positions::dirty() const {
  std::lock_guard lock(mutex_);
  return dirty_;
}

}  // namespace tailer
