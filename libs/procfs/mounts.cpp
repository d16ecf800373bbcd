#include "procfs/mounts.h"

namespace procfs {
namespace {

// The kernel octal-escapes space, tab, newline and backslash in paths;
// node_exporter 1.5 decodes the first two only, and so do we, so labels match.
std::string decodeMountPoint(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw.substr(i, 4) == "\\040") {
      out += ' ';
      i += 3;
    } else if (raw.substr(i, 4) == "\\011") {
      out += '\t';
      i += 3;
    } else {
      out += raw[i];
    }
  }
  return out;
}

bool hasOption(std::string_view options, std::string_view wanted) {
  for (std::string_view option : splitOn(options, ',')) {
    if (option == wanted) return true;
  }
  return false;
}

std::string quoted(const char* what, std::string_view line) {
  return std::string(what) + ": \"" + std::string(line) + "\"";
}

}  // namespace

Parsed<std::vector<MountEntry>> parseMountInfo(std::string_view text) {
  std::vector<MountEntry> mounts;
  auto error = checkEachLine(text, [&](std::string_view line) -> LineError {
    if (trim(line).empty()) return {};
    auto fields = splitFields(line);
    // id parent major:minor root mount-point options [optional...] - type source super-options
    std::size_t separator = 6;
    while (separator < fields.size() && fields[separator] != "-") ++separator;
    if (fields.size() < 6 || separator + 2 >= fields.size()) {
      return quoted("malformed mountinfo line", line);
    }
    std::string_view super_options = separator + 3 < fields.size() ? fields[separator + 3] : "";
    mounts.push_back({.device = std::string(fields[separator + 2]),
                      .mount_point = decodeMountPoint(fields[4]),
                      .fs_type = std::string(fields[separator + 1]),
                      .read_only = hasOption(fields[5], "ro") || hasOption(super_options, "ro")});
    return {};
  });
  if (error) return unexpected(std::move(*error));
  return mounts;
}

Parsed<std::vector<MountEntry>> parseMounts(std::string_view text) {
  std::vector<MountEntry> mounts;
  auto error = checkEachLine(text, [&](std::string_view line) -> LineError {
    if (trim(line).empty()) return {};
    auto fields = splitFields(line);
    if (fields.size() < 4) {
      return quoted("malformed mount point information", line);
    }
    mounts.push_back({.device = std::string(fields[0]),
                      .mount_point = decodeMountPoint(fields[1]),
                      .fs_type = std::string(fields[2]),
                      .read_only = hasOption(fields[3], "ro")});
    return {};
  });
  if (error) return unexpected(std::move(*error));
  return mounts;
}

}  // namespace procfs
