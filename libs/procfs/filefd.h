#pragma once
// /proc/sys/fs/file-nr: "allocated<TAB>unused<TAB>maximum" file handles.

#include <cstdint>

#include "procfs/text.h"

namespace procfs {

struct FileNr {
  std::uint64_t allocated = 0;
  std::uint64_t unused = 0;  // always 0 since Linux 2.6
  std::uint64_t maximum = 0;
};

// "927\t0\t2465620\n"
Parsed<FileNr> parseFileNr(std::string_view text);

}  // namespace procfs
