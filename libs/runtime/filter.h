#pragma once
// node_exporter's include/exclude pattern pair (--collector.netdev.device-include
// and --collector.netdev.device-exclude, and the like). Patterns are RE2, matched
// unanchored like Go's MatchString; anchor them with ^ and $ as upstream does.
// Setting both is a start-up error, as upstream.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace re2 {
class RE2;
}
namespace CLI {
class App;
}

namespace runtime {

// A compiled RE2 pattern, matched unanchored (Go's MatchString). The names a
// collector tests (netstat fields, device names) repeat every scrape, so
// answers are remembered, up to a bound so churning names (veth devices)
// cannot grow it without limit. Not thread-safe: one collector owns it.
class Pattern {
 public:
  // Throws std::invalid_argument naming the flag on a bad pattern.
  Pattern(const std::string& pattern, std::string_view flag);
  Pattern(Pattern&&) noexcept;
  Pattern& operator=(Pattern&&) noexcept;
  ~Pattern();

  bool matches(std::string_view text) const;

 private:
  static constexpr std::size_t kMaxRemembered = 4096;
  std::unique_ptr<re2::RE2> re_;
  mutable std::unordered_map<std::string, bool> remembered_;
};

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
  std::unique_ptr<Pattern> include_;
  std::unique_ptr<Pattern> exclude_;
};

}  // namespace runtime
