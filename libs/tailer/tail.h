#pragma once
// Follows one file by its identity (device, inode), not its name, so a
// rotation never loses the end of the old file:
// - rename and create (logrotate's default, Docker's json-file max-size): the
//   open descriptor is read to its end, then the caller reopens the path;
// - copytruncate: the file shrinks under the descriptor; what had not been
//   read yet is in the copy (a sibling "<name>.1" or similar holding the same
//   first bytes), which is read from the old offset before going on from 0;
// - deletion (a removed container): the descriptor still reads to the end.
// Lines are handed out with the offset just past them, which is what a
// position may be saved as once the line is delivered.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/expected.h"

namespace tailer {

struct FileId {
  dev_t device = 0;
  ino_t inode = 0;
  auto operator<=>(const FileId&) const = default;
};

struct TailOptions {
  std::size_t read_chunk = 64 * 1024;
  // A line longer than this is cut: the first max_line bytes are one line,
  // the rest up to the next newline is skipped (and counted). Memory stays
  // bounded whatever the file holds.
  std::size_t max_line = 256 * 1024;
};

// What happened in one poll.
struct PollResult {
  std::size_t bytes = 0;        // bytes consumed
  std::size_t lines = 0;        // lines handed out
  std::size_t truncated = 0;    // over-long lines cut
  std::uint64_t size = 0;       // the file's size when the poll began
  bool rotated = false;         // the path now names another file; this one is read to its end
  bool gone = false;            // the path no longer exists; this one is read to its end
  bool truncated_file = false;  // the file shrank (copytruncate) and was followed
};

class FileTail {
 public:
  // Opens `path`; starts at `offset` when the file is `resume_id` (a saved
  // position), at 0 otherwise. Errors: the path cannot be opened.
  static base::Expected<std::unique_ptr<FileTail>, std::string> open(
      const std::string& path, std::optional<std::pair<FileId, std::uint64_t>> resume,
      TailOptions options = {});
  // Opens a specific file found by identity (a rotated sibling) at `offset`.
  static base::Expected<std::unique_ptr<FileTail>, std::string> openAt(const std::string& path,
                                                                       std::uint64_t offset,
                                                                       TailOptions options = {});
  ~FileTail();
  FileTail(const FileTail&) = delete;
  FileTail& operator=(const FileTail&) = delete;

  // Reads at most `max_bytes` and calls on_line(line, end_offset) for each
  // complete line. A final line without a newline waits for more. When the
  // descriptor is at its end it checks the path for rotation or deletion.
  using LineSink = std::function<void(std::string_view line, std::uint64_t end_offset)>;
  PollResult poll(std::size_t max_bytes, const LineSink& on_line);

  const std::string& path() const { return path_; }
  FileId id() const { return id_; }
  std::uint64_t offset() const { return consumed_; }  // end of the last complete line
  std::uint64_t size() const;                         // the file's size now

 private:
  FileTail(std::string path, int fd, FileId id, std::uint64_t offset, TailOptions options);
  bool followCopy(std::uint64_t old_offset);

  std::string path_;
  int fd_ = -1;
  FileId id_;
  TailOptions options_;
  std::uint64_t read_offset_ = 0;  // where the next read() starts
  std::uint64_t consumed_ = 0;     // end of the last complete (or cut) line
  std::string pending_;            // an incomplete line
  bool skipping_ = false;          // inside an over-long line's remainder
  std::string head_;               // the file's first bytes, to recognise its copy
  // A copy being read after a copytruncate, before going on in this file.
  int copy_fd_ = -1;
  std::uint64_t copy_end_ = 0;
};

// The folder of a path ("." for a bare name, "/" for a file at the root).
std::string directoryOf(const std::string& path);

// Finds a file in the same directory as `path` whose name starts with the
// path's base name (rotated siblings: "x.log.1", "x.log-20261121") and which
// is `id`. Empty when none.
std::string findById(const std::string& path, FileId id);

}  // namespace tailer
