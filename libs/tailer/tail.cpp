#include "tailer/tail.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace tailer {
namespace {

using base::unexpected;

constexpr std::size_t kHeadBytes = 256;

std::string errnoText(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

std::string baseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Siblings a rotation may have produced: "<base>.1", "<base>-20261121", ...
template <typename Fn>
void forEachSibling(const std::string& path, Fn&& fn) {
  std::string directory = directoryOf(path);
  std::string base = baseName(path);
  DIR* listing = opendir(directory.c_str());
  if (!listing) return;
  while (dirent* entry = readdir(listing)) {
    std::string_view name = entry->d_name;
    if (name.size() <= base.size() || name.substr(0, base.size()) != base) continue;
    char separator = name[base.size()];
    if (separator != '.' && separator != '-' && separator != '_') continue;
    if (name.ends_with(".gz") || name.ends_with(".bz2") || name.ends_with(".xz") ||
        name.ends_with(".zst")) {
      continue;  // compressed: no longer the bytes we were reading
    }
    if (fn(directory + "/" + std::string(name))) break;
  }
  closedir(listing);
}

std::string readHead(int fd) {
  std::string head(kHeadBytes, '\0');
  ssize_t n = pread(fd, head.data(), head.size(), 0);
  head.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return head;
}

}  // namespace

FileTail::FileTail(std::string path, int fd, FileId id, std::uint64_t offset, TailOptions options)
    : path_(std::move(path)),
      fd_(fd),
      id_(id),
      options_(options),
      read_offset_(offset),
      consumed_(offset) {
  head_ = readHead(fd_);
}

FileTail::~FileTail() {
  if (fd_ >= 0) ::close(fd_);
  if (copy_fd_ >= 0) ::close(copy_fd_);
}

namespace {
// Opens a file for reading and says which file it is.
base::Expected<std::pair<int, FileId>, std::string> openWithId(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(errnoText("open", path));
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    std::string error = errnoText("stat", path);
    ::close(fd);
    return unexpected(error);
  }
  return std::pair{fd, FileId{info.st_dev, info.st_ino}};
}
}  // namespace

base::Expected<std::unique_ptr<FileTail>, std::string> FileTail::open(
    const std::string& path, std::optional<std::pair<FileId, std::uint64_t>> resume,
    TailOptions options) {
  auto opened = openWithId(path);
  if (!opened) return unexpected(opened.error());
  auto [fd, id] = *opened;
  std::uint64_t offset = resume && resume->first == id ? resume->second : 0;
  auto tail = std::unique_ptr<FileTail>(new FileTail(path, fd, id, offset, options));
  // A saved offset past the end: the file was truncated while we were away.
  if (offset > tail->size()) tail->followCopy(offset);
  return tail;
}

base::Expected<std::unique_ptr<FileTail>, std::string> FileTail::openAt(const std::string& path,
                                                                        std::uint64_t offset,
                                                                        TailOptions options) {
  auto opened = openWithId(path);
  if (!opened) return unexpected(opened.error());
  auto [fd, id] = *opened;
  return std::unique_ptr<FileTail>(new FileTail(path, fd, id, offset, options));
}

std::uint64_t FileTail::size() const {
  struct stat info {};
  return fstat(fd_, &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
}

bool FileTail::followCopy(std::uint64_t old_offset) {
  std::string head = head_;
  int found = -1;
  std::uint64_t found_size = 0;
  forEachSibling(path_, [&](const std::string& sibling) {
    int fd = ::open(sibling.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat info {};
    // The copy starts with the same bytes as the file we were reading.
    bool match = fstat(fd, &info) == 0 && S_ISREG(info.st_mode) &&
                 static_cast<std::uint64_t>(info.st_size) >= old_offset && !head.empty() &&
                 readHead(fd).substr(0, head.size()) == head;
    if (!match) {
      ::close(fd);
      return false;
    }
    found = fd;
    found_size = static_cast<std::uint64_t>(info.st_size);
    return true;
  });
  if (copy_fd_ >= 0) ::close(copy_fd_);
  copy_fd_ = found;
  copy_end_ = found_size;
  if (found < 0) {
    // No copy: what was past our offset is gone. Start over in the new file.
    read_offset_ = consumed_ = 0;
    pending_.clear();
    skipping_ = false;
  }
  head_.clear();
  return found >= 0;
}

PollResult FileTail::poll(std::size_t max_bytes, const LineSink& on_line) {
  PollResult result;
  char buffer[64 * 1024];
  // Splits what was read into lines; offsets are in the file being read.
  auto consume = [&](std::string_view data, std::uint64_t start) {
    std::uint64_t at = start;
    while (!data.empty()) {
      auto newline = data.find('\n');
      std::string_view piece = data.substr(0, newline);
      std::uint64_t piece_end = at + piece.size() + (newline == std::string_view::npos ? 0 : 1);
      if (skipping_) {
        if (newline != std::string_view::npos) {
          skipping_ = false;
          consumed_ = piece_end;
        }
      } else if (pending_.size() + piece.size() > options_.max_line) {
        std::size_t take = options_.max_line - pending_.size();
        pending_.append(piece.substr(0, take));
        consumed_ = at + take;
        on_line(pending_, consumed_);
        pending_.clear();
        ++result.lines;
        ++result.truncated;
        skipping_ = newline == std::string_view::npos;
        if (!skipping_) consumed_ = piece_end;
      } else if (newline == std::string_view::npos) {
        pending_.append(piece);
      } else {
        consumed_ = piece_end;
        if (pending_.empty()) {
          on_line(piece, consumed_);
        } else {
          pending_.append(piece);
          on_line(pending_, consumed_);
          pending_.clear();
        }
        ++result.lines;
      }
      at = piece_end;
      if (newline == std::string_view::npos) break;
      data.remove_prefix(newline + 1);
    }
  };

  // After a copytruncate, the copy first, from where we were.
  while (copy_fd_ >= 0 && result.bytes < max_bytes) {
    std::size_t want = std::min<std::uint64_t>(
        {sizeof(buffer), max_bytes - result.bytes, copy_end_ - read_offset_});
    ssize_t n = want == 0 ? 0 : pread(copy_fd_, buffer, want, static_cast<off_t>(read_offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(copy_fd_);
      copy_fd_ = -1;
      read_offset_ = consumed_ = 0;  // on with the truncated file, pending_ kept
      break;
    }
    consume(std::string_view(buffer, static_cast<std::size_t>(n)), read_offset_);
    read_offset_ += static_cast<std::uint64_t>(n);
    result.bytes += static_cast<std::size_t>(n);
  }

  // One fstat per poll: it gives the size (for the caller), shows a file
  // with nothing new without a read, and catches a copytruncate before
  // reading on: the file is shorter than our offset, or (when it has already
  // grown past it) starts with other bytes.
  struct stat now {};
  if (fstat(fd_, &now) == 0) result.size = static_cast<std::uint64_t>(now.st_size);
  if (copy_fd_ < 0 && read_offset_ > 0 && result.size != read_offset_ &&
      (result.size < read_offset_ ||
       (!head_.empty() && readHead(fd_).substr(0, head_.size()) != head_))) {
    result.truncated_file = true;
    followCopy(read_offset_);
    return result;
  }

  bool at_end = copy_fd_ >= 0 || result.size <= read_offset_;
  while (!at_end && result.bytes < max_bytes) {
    std::size_t want = std::min(sizeof(buffer), max_bytes - result.bytes);
    ssize_t n = pread(fd_, buffer, want, static_cast<off_t>(read_offset_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      at_end = true;
      break;
    }
    if (read_offset_ == 0 && head_.empty()) {
      head_.assign(buffer, std::min<std::size_t>(kHeadBytes, static_cast<std::size_t>(n)));
    }
    consume(std::string_view(buffer, static_cast<std::size_t>(n)), read_offset_);
    read_offset_ += static_cast<std::uint64_t>(n);
    result.bytes += static_cast<std::size_t>(n);
  }
  if (!at_end || result.bytes > 0 || copy_fd_ >= 0) return result;

  // Idle at the end: has the file been replaced or removed?
  struct stat named {};
  if (stat(path_.c_str(), &named) != 0) {
    result.gone = errno == ENOENT;
  } else if (FileId{named.st_dev, named.st_ino} != id_) {
    result.rotated = true;
  }
  return result;
}

std::string directoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

std::string findById(const std::string& path, FileId id) {
  std::string found;
  forEachSibling(path, [&](const std::string& sibling) {
    struct stat info {};
    if (stat(sibling.c_str(), &info) == 0 && FileId{info.st_dev, info.st_ino} == id) {
      found = sibling;
      return true;
    }
    return false;
  });
  return found;
}

}  // namespace tailer
