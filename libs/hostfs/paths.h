#pragma once
// Every host path goes through a root, so the exporter can run in a container
// with the host mounted at /host, and tests can point it at a fixture tree.

#include <string>
#include <string_view>

namespace hostfs {

struct Paths {
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  std::string rootfs = "/";
  std::string udev_data = "/run/udev/data";

  std::string proc(std::string_view relative) const { return join(procfs, relative); }
  std::string sys(std::string_view relative) const { return join(sysfs, relative); }
  // A path on the host's root file system, such as /etc/os-release.
  std::string root(std::string_view absolute) const { return join(rootfs, absolute); }

  static std::string join(std::string_view base, std::string_view relative);
};

}  // namespace hostfs
