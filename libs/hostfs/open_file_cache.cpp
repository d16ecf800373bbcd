#include "hostfs/open_file_cache.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace hostfs {
namespace {

constexpr int kTooLarge = -1;  // readAll's "more than the limit"

// Errors that say the file behind the descriptor is no longer the one at its path.
bool stale(int error) { return error == ENODEV || error == ESTALE || error == ENOENT; }

// sysfs and cgroupfs (kernfs) fail reads of a removed file with ENODEV, so
// their descriptors need no st_nlink check before each read.
bool onKernfs(int fd) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return false;
  return fs.f_type == SYSFS_MAGIC || fs.f_type == CGROUP_SUPER_MAGIC ||
         fs.f_type == CGROUP2_SUPER_MAGIC;
}

Result<std::string> outcome(const std::string& path, int error, std::string& text) {
  if (error == kTooLarge) return ReadError{path, 0};
  if (error != 0) return ReadError{path, error};
  return std::move(text);
}

}  // namespace

std::size_t OpenFileBudget::limitFor(std::uint64_t soft_nofile) {
  return static_cast<std::size_t>(std::min<std::uint64_t>(soft_nofile / 2, 8192));
}

OpenFileBudget& OpenFileBudget::process() {
  static OpenFileBudget budget([] {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::size_t{0};
    return limitFor(limit.rlim_cur);
  }());
  return budget;
}

bool OpenFileBudget::tryAcquire() {
  std::size_t used = used_.load(std::memory_order_relaxed);
  while (used < limit_) {
    if (used_.compare_exchange_weak(used, used + 1, std::memory_order_relaxed)) return true;
  }
  return false;
}

void OpenFileBudget::release() { used_.fetch_sub(1, std::memory_order_relaxed); }

OpenFileCache::OpenFileCache(OpenFileBudget& budget, OpenFileCacheOptions options)
    : budget_(budget), options_(options) {}

// Reads a whole open file from offset 0 until EOF into `text`: 0, an errno,
// or kTooLarge. Unless told otherwise, a short read is not taken for EOF: a
// seq_file with several records may stop at a record boundary.
int OpenFileCache::readAll(int fd, std::string& text, std::size_t limit) const {
  text.clear();
  char buffer[8192];
  while (true) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(text.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return 0;
    if (text.size() + static_cast<std::size_t>(n) > limit) return kTooLarge;
    text.append(buffer, static_cast<std::size_t>(n));
    if (options_.short_read_is_eof && static_cast<std::size_t>(n) < sizeof buffer) return 0;
  }
}

OpenFileCache::~OpenFileCache() {
  for (auto& [path, entry] : entries_) close(entry);
}

void OpenFileCache::close(Entry& entry) {
  ::close(entry.fd);
  entry.fd = -1;
  budget_.release();
}

Result<std::string> OpenFileCache::read(const std::string& path, std::size_t limit) {
  ++stats_.reads;
  if (auto it = entries_.find(path); it != entries_.end()) {
    Entry& entry = it->second;
    entry.last_used = sweeps_;
    int error = ESTALE;
    struct stat st {};
    if (entry.kernfs || (::fstat(entry.fd, &st) == 0 && st.st_nlink > 0)) {
      std::string text;
      error = readAll(entry.fd, text, limit);
      if (error == 0 || error == kTooLarge || (!stale(error) && error == entry.last_error)) {
        if (error != kTooLarge) entry.last_error = error;
        return outcome(path, error, text);
      }
    }
    // Gone, replaced, or failing in a new way: once more by name.
    close(entry);
    entries_.erase(it);
    ++stats_.reopens;
  }
  return openAndRead(path, limit);
}

Result<std::string> OpenFileCache::openAndRead(const std::string& path, std::size_t limit) {
  ++stats_.opens;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ReadError{path, errno};
  std::string text;
  int error = readAll(fd, text, limit);
  if (!stale(error) && entries_.size() < options_.max_open && budget_.tryAcquire()) {
    entries_.emplace(path, Entry{.fd = fd,
                                 .kernfs = onKernfs(fd),
                                 .last_error = error == kTooLarge ? 0 : error,
                                 .last_used = sweeps_});
  } else {
    if (!stale(error)) ++stats_.uncached;
    ::close(fd);
  }
  return outcome(path, error, text);
}

void OpenFileCache::sweep() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (sweeps_ - it->second.last_used >= std::max<std::size_t>(options_.evict_after, 1)) {
      close(it->second);
      it = entries_.erase(it);
      ++stats_.evictions;
    } else {
      ++it;
    }
  }
  ++sweeps_;
}

}  // namespace hostfs
