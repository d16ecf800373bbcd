#pragma once
// node_exporter's include/exclude pattern pair (--collector.netdev.device-include
// and --collector.netdev.device-exclude, and the like). Patterns are RE2, matched
// unanchored like Go's MatchString; anchor them with ^ and $ as upstream does.
// Setting both is a start-up error, as upstream.

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}
namespace CLI {
class App;
}

namespace runtime {

class NameFilter {
 public:
  NameFilter();
  // Throws std::invalid_argument on a bad pattern or when both are set.
  NameFilter(const std::string& include, const std::string& exclude, std::string_view what);
  NameFilter(NameFilter&&) noexcept;
  NameFilter& operator=(NameFilter&&) noexcept;
  ~NameFilter();

  bool ignored(std::string_view name) const;

 private:
  std::unique_ptr<re2::RE2> include_;
  std::unique_ptr<re2::RE2> exclude_;
};

// Compiles one pattern; throws std::invalid_argument naming the flag.
std::unique_ptr<re2::RE2> compilePattern(const std::string& pattern, std::string_view flag);

}  // namespace runtime
