#include "runtime/filter.h"

#include <re2/re2.h>

#include <stdexcept>

namespace runtime {

std::unique_ptr<re2::RE2> compilePattern(const std::string& pattern, std::string_view flag) {
  auto re = std::make_unique<re2::RE2>(pattern, re2::RE2::Quiet);
  if (!re->ok()) {
    throw std::invalid_argument(std::string(flag) + ": invalid regular expression \"" + pattern +
                                "\": " + re->error());
  }
  return re;
}

NameFilter::NameFilter(const std::string& include, const std::string& exclude,
                       std::string_view what) {
  if (!include.empty() && !exclude.empty()) {
    throw std::invalid_argument(std::string(what) + ": include and exclude are mutually exclusive");
  }
  if (!include.empty()) include_ = compilePattern(include, std::string(what) + "-include");
  if (!exclude.empty()) exclude_ = compilePattern(exclude, std::string(what) + "-exclude");
}

NameFilter::NameFilter() = default;
NameFilter::NameFilter(NameFilter&&) noexcept = default;
NameFilter& NameFilter::operator=(NameFilter&&) noexcept = default;
NameFilter::~NameFilter() = default;

bool NameFilter::ignored(std::string_view name) const {
  if (include_) return !re2::RE2::PartialMatch(name, *include_);
  if (exclude_) return re2::RE2::PartialMatch(name, *exclude_);
  return false;
}

}  // namespace runtime
