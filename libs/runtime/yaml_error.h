#pragma once
// "file:line: reason" for YAML config errors. Shared by every loader that
// reads a YAML file (web config, the shipper's config, its pipeline stages), so
// users see one format wherever the mistake is.

#include <yaml-cpp/yaml.h>

#include <string>

namespace runtime {

inline std::string yamlError(const std::string& source, const YAML::Mark& mark,
                             const std::string& why) {
  if (mark.is_null()) return source + ": " + why;
  return source + ":" + std::to_string(mark.line + 1) + ": " + why;
}

// Nodes built in code rather than parsed have no position: then only the file is named.
inline std::string yamlError(const std::string& source, const YAML::Node& node,
                             const std::string& why) {
  return yamlError(source, node.Mark(), why);
}

}  // namespace runtime
