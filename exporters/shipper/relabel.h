#pragma once
// Prometheus relabel_configs, applied to a target's labels when it is
// discovered (not per line). Semantics follow Prometheus: the regex is fully
// anchored, source label values are joined with the separator, and a replace
// that yields an empty value removes the target label.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/expected.h"

namespace re2 {
class RE2;
}

namespace shipper {

// Sorted by name, names unique.
using Labels = std::vector<std::pair<std::string, std::string>>;

enum class RelabelAction {
  kReplace,
  kKeep,
  kDrop,
  kLabelMap,
  kLabelDrop,
  kLabelKeep,
  kHashMod,
  kLowercase,
  kUppercase,
  kKeepEqual,
  kDropEqual,
};

struct RelabelRule {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string regex = "(.*)";
  std::string target_label;
  std::string replacement = "$1";
  std::uint64_t modulus = 0;
  RelabelAction action = RelabelAction::kReplace;
  // Set by prepareRelabelRule; shared so configs stay copyable.
  std::shared_ptr<const re2::RE2> compiled;
};

// "replace", "labelmap", ... as written in YAML; nullopt for an unknown name.
std::optional<RelabelAction> relabelActionFromName(const std::string& name);

// Checks the fields the action needs and compiles the regex. Returns the
// reason on failure (no location: the caller knows where the rule came from).
std::optional<std::string> prepareRelabelRule(RelabelRule& rule);

// Parses a relabel_configs sequence. `path` names it in errors
// ("scrape_configs[0].relabel_configs"); errors are "source:line: reason".
base::Expected<std::vector<RelabelRule>> parseRelabelRules(const YAML::Node& node,
                                                           const std::string& source,
                                                           const std::string& path);

// Applies the rules in order. Returns false when a keep/drop rule dropped the
// target; `labels` is then unspecified. Rules must have been prepared.
bool applyRelabel(const std::vector<RelabelRule>& rules, Labels& labels);

// [a-zA-Z_][a-zA-Z0-9_]*: what Loki accepts as a label name.
bool isValidLabelName(std::string_view name);

}  // namespace shipper
