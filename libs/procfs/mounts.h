#pragma once
#include <string>
#include <vector>

#include "procfs/text.h"

namespace procfs {

// One mounted file system, with node_exporter 1.5's view of it.
struct MountEntry {
  std::string device;       // the mount source, as the kernel prints it
  std::string mount_point;  // with \040 and \011 decoded (and only those, as upstream)
  std::string fs_type;
  bool read_only = false;  // "ro" in the mount's or the superblock's options
};

// /proc/<pid>/mountinfo:
// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
Parsed<std::vector<MountEntry>> parseMountInfo(std::string_view text);

// /proc/mounts: "/dev/sda1 / ext4 rw,relatime 0 0"
Parsed<std::vector<MountEntry>> parseMounts(std::string_view text);

}  // namespace procfs
