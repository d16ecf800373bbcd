#pragma once
// Saved read positions: for each file (by device and inode, with the path it
// was last seen at), the byte offset up to which Loki has acknowledged every
// line. Written atomically (temporary file, fsync, rename, fsync of the
// directory), so a crash leaves the old or the new file, never half of one.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/expected.h"
#include "tailer/tail.h"

namespace tailer {

struct Position {
  std::string path;
  FileId id;
  std::uint64_t offset = 0;
};

class Positions {
 public:
  explicit Positions(std::string file) : file_(std::move(file)) {}

  // Reads the file; a missing file is an empty set, a malformed one an error.
  base::Expected<bool, std::string> load();
  base::Expected<bool, std::string> save();

  std::optional<Position> find(FileId id) const;
  std::vector<Position> all() const;
  void set(const std::string& path, FileId id, std::uint64_t offset);
  void erase(FileId id);
  bool dirty() const;

 private:
  std::string file_;
  mutable std::mutex mutex_;
  std::map<FileId, Position> positions_;
  bool dirty_ = false;
};

}  // namespace tailer
