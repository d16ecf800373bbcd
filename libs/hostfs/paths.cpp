#include "hostfs/paths.h"

namespace hostfs {

std::string Paths::join(std::string_view base, std::string_view relative) {
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  std::string out(base);
  if (out.empty()) out = "/";
  if (out.back() != '/') out += '/';
  out += relative;
  return out;
}

}  // namespace hostfs
