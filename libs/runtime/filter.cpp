#include "runtime/filter.h"

#include <re2/re2.h>

#include <stdexcept>

namespace runtime {

Pattern::Pattern(const std::string& pattern, std::string_view flag)
    : re_(std::make_unique<re2::RE2>(pattern, re2::RE2::Quiet)) {
  if (!re_->ok()) {
    throw std::invalid_argument(std::string(flag) + ": invalid regular expression \"" + pattern +
                                "\": " + re_->error());
  }
}
Pattern::Pattern(Pattern&&) noexcept = default;
Pattern& Pattern::operator=(Pattern&&) noexcept = default;
Pattern::~Pattern() = default;

bool Pattern::matches(std::string_view text) const {
  auto found = remembered_.find(std::string(text));
  if (found != remembered_.end()) return found->second;
  bool matched = re2::RE2::PartialMatch(text, *re_);
  if (remembered_.size() < kMaxRemembered) remembered_.emplace(text, matched);
  return matched;
}

NameFilter::NameFilter(const std::string& include, const std::string& exclude,
                       std::string_view what) {
  if (!include.empty() && !exclude.empty()) {
    throw std::invalid_argument(std::string(what) + ": include and exclude are mutually exclusive");
  }
  if (!include.empty()) include_ = std::make_unique<Pattern>(include, std::string(what) + "-include");
  if (!exclude.empty()) exclude_ = std::make_unique<Pattern>(exclude, std::string(what) + "-exclude");
}

NameFilter::NameFilter() = default;
NameFilter::NameFilter(NameFilter&&) noexcept = default;
NameFilter& NameFilter::operator=(NameFilter&&) noexcept = default;
NameFilter::~NameFilter() = default;

bool NameFilter::ignored(std::string_view name) const {
  if (include_) return !include_->matches(name);
  if (exclude_) return exclude_->matches(name);
  return false;
}

}  // namespace runtime
