// regex: named capture groups of an RE2 expression, matched against the line
// or an extracted value, go into `extracted` for later stages.

#include <re2/re2.h>

#include "config.h"
#include "stages.h"

namespace shipper {

std::string goRegexToRe2(std::string_view expression) {
  std::string out;
  out.reserve(expression.size() + 4);
  std::size_t backslashes = 0;
  for (std::size_t i = 0; i < expression.size(); ++i) {
    const char c = expression[i];
    // "(?<" + a name character, not escaped: a Go named group. Lookbehinds
    // ("(?<=", "(?<!") are left for RE2 to reject.
    if (c == '(' && backslashes % 2 == 0 && expression.substr(i, 3) == "(?<" &&
        i + 3 < expression.size() && expression[i + 3] != '=' && expression[i + 3] != '!') {
      out += "(?P<";
      i += 2;
      backslashes = 0;
      continue;
    }
    backslashes = c == '\\' ? backslashes + 1 : 0;
    out += c;
  }
  return out;
}

namespace {

class RegexStage : public Stage {
 public:
  RegexStage(std::unique_ptr<RE2> re, std::optional<std::string> source)
      : re_(std::move(re)), source_(std::move(source)) {
    for (const auto& [name, index] : re_->NamedCapturingGroups()) groups_.emplace_back(index, name);
    matches_.resize(static_cast<std::size_t>(re_->NumberOfCapturingGroups()) + 1);
  }

  void process(LogEntry&& entry, const Emit& emit) override {
    const std::string* text = &entry.line;
    if (source_) {
      auto it = entry.extracted.find(*source_);
      if (it == entry.extracted.end()) {
        emit(std::move(entry));  // nothing to match: Promtail moves on too
        return;
      }
      text = &it->second;
    }
    if (re_->Match(*text, 0, text->size(), RE2::UNANCHORED, matches_.data(),
                   static_cast<int>(matches_.size()))) {
      // Copied out first: a group may overwrite the very value matched.
      values_.clear();
      for (const auto& [index, name] : groups_) {
        const auto& piece = matches_[static_cast<std::size_t>(index)];
        values_.emplace_back(piece.data() != nullptr ? std::string(piece.data(), piece.size())
                                                     : std::string());
      }
      // As Go's FindStringSubmatch: a group that took no part is "".
      for (std::size_t i = 0; i < groups_.size(); ++i) {
        entry.extracted[groups_[i].second] = std::move(values_[i]);
      }
    }
    emit(std::move(entry));
  }

 private:
  std::unique_ptr<RE2> re_;
  std::optional<std::string> source_;
  std::vector<std::pair<int, std::string>> groups_;
  std::vector<re2::StringPiece> matches_;
  std::vector<std::string> values_;
};

}  // namespace

StageResult makeRegexStage(const YAML::Node& body, StageContext& context) {
  auto check = config::checkKeys(body, "regex", {"expression", "source"});
  if (check.error) return base::unexpected(*check.error);
  auto expression = config::stringField(body, "regex", "expression");
  if (expression.error) return base::unexpected(*expression.error);
  if (!expression.value || expression.value->empty()) {
    return base::unexpected(config::at(body) + "regex: expression is required");
  }
  auto source = config::stringField(body, "regex", "source");
  if (source.error) return base::unexpected(*source.error);
  if (source.value && source.value->empty()) source.value.reset();
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(goRegexToRe2(*expression.value), options);
  if (!re->ok()) {
    return base::unexpected(config::at(body["expression"]) + "regex: expression: " + re->error());
  }
  if (re->NamedCapturingGroups().empty()) {
    return base::unexpected(config::at(body["expression"]) +
                            "regex: expression has no named capture groups");
  }
  return std::unique_ptr<Stage>(std::make_unique<RegexStage>(std::move(re), source.value));
}

}  // namespace shipper
