#pragma once
// Files read again on every scrape, kept open in between. Opening a cgroup or
// sysfs file through a long path costs several times what reading it does
// (tern-container with 50 containers: 38% of a scrape in open, 10% in close,
// 18% in read), so an OpenFileCache keeps each file's descriptor and reads it
// again with pread from offset 0, which makes kernfs (sysfs, cgroupfs)
// render the file afresh. Same bound and same errors as hostfs::readFile.
//
// A kept descriptor can go stale. A removed kernfs file (a stopped
// container's cgroup, an unplugged device) answers ENODEV; a deleted or
// replaced regular file has st_nlink 0. On those, on ESTALE or ENOENT, and
// when a read fails otherwise than it did last time, the descriptor is closed
// and the file opened once more by name: a container re-created with the
// same cgroup path reads its new files. A read that fails the way it failed
// when the file was freshly opened (a link that is down: EINVAL on "speed")
// is that file's answer and keeps its descriptor. An open descriptor does not
// keep a cgroup from being removed, and reads ENODEV once it is (checked with
// Docker on Linux 6.18, cgroup v1 and the unified hierarchy beside it).
//
// Not for /proc/<pid>/... files: a descriptor there holds on to the process's
// namespaces, so it would go on answering for a process that has exited.
//
// Bounds: descriptors are counted against an OpenFileBudget shared by every
// cache of the process (RLIMIT_NOFILE is per process); past it, a read opens,
// reads and closes as hostfs::readFile does. Entries not read during the last
// `evict_after` sweeps are closed: call sweep() once per scrape.
//
// Not thread-safe: one cache per collector (a scrape runs collectors on
// several threads, each collector on one thread at a time). The budget is.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>

#include "hostfs/read.h"

namespace hostfs {

// How many descriptors the caches of a process may keep open together.
class OpenFileBudget {
 public:
  explicit OpenFileBudget(std::size_t limit) : limit_(limit) {}
  OpenFileBudget(const OpenFileBudget&) = delete;
  OpenFileBudget& operator=(const OpenFileBudget&) = delete;

  // The process's budget, fixed on first use from the soft RLIMIT_NOFILE
  // (runtime::Exporter raises it to the hard limit before collectors exist).
  static OpenFileBudget& process();
  // Half of a soft descriptor limit, the other half left to sockets and the
  // rest, and at most 8192: each open kernfs file holds about 4 KiB of kernel
  // memory once read (its seq_file buffer), so 8192 are some 34 MiB.
  static std::size_t limitFor(std::uint64_t soft_nofile);

  bool tryAcquire();
  void release();
  std::size_t limit() const { return limit_; }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

struct OpenFileCacheOptions {
  // Sweeps an entry may go unread before it is closed; at least 1.
  std::size_t evict_after = 3;
  // This cache's own cap on kept descriptors, within the budget.
  std::size_t max_open = std::numeric_limits<std::size_t>::max();
  // A read shorter than the buffer ends the file, which saves the read that
  // would find EOF (about 0.5 us of 1.5 us per file). Only for files the
  // kernel renders whole in one go, as every sysfs attribute (one show()
  // into one page); never for seq_files of several records (/proc/net/*,
  // cgroup.procs), whose reads may stop short at a record boundary.
  bool short_read_is_eof = false;
};

class OpenFileCache : public FileReader {
 public:
  struct Stats {
    std::uint64_t reads = 0;      // read() calls
    std::uint64_t opens = 0;      // opens by name, successful or not
    std::uint64_t reopens = 0;    // kept descriptors found stale and opened again
    std::uint64_t uncached = 0;   // reads that opened and closed: budget spent
    std::uint64_t evictions = 0;  // entries closed by sweep()
  };

  explicit OpenFileCache(OpenFileBudget& budget = OpenFileBudget::process(),
                         OpenFileCacheOptions options = {});
  ~OpenFileCache() override;
  OpenFileCache(const OpenFileCache&) = delete;
  OpenFileCache& operator=(const OpenFileCache&) = delete;

  // The whole file, as hostfs::readFile(path, limit) would return it now.
  Result<std::string> read(const std::string& path, std::size_t limit) override;
  Result<std::string> read(const std::string& path) { return read(path, kDefaultReadLimit); }

  // Ends a scrape: closes the entries not read during the last `evict_after` sweeps.
  void sweep();

  std::size_t openFiles() const { return entries_.size(); }
  const Stats& stats() const { return stats_; }

 private:
  struct Entry {
    int fd = -1;
    bool kernfs = false;  // sysfs or cgroupfs: removal shows as ENODEV on read
    int last_error = 0;   // errno of the last read, 0 when it succeeded
    std::uint64_t last_used = 0;
  };

  Result<std::string> openAndRead(const std::string& path, std::size_t limit);
  int readAll(int fd, std::string& text, std::size_t limit) const;
  void close(Entry& entry);

  OpenFileBudget& budget_;
  const OpenFileCacheOptions options_;
  std::uint64_t sweeps_ = 0;
  std::unordered_map<std::string, Entry> entries_;
  Stats stats_;
};

}  // namespace hostfs
