#include "shipper/relabel.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>

#include "runtime/yaml_error.h"

namespace shipper {
namespace {

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Go's regexp.Expand template syntax, which Prometheus uses for replacement
// and target_label: $1, ${1}, $name, ${name}, $$ for a literal dollar. A
// reference to a group that does not exist or did not take part in the match
// expands to nothing; so does "$1x", which means the group named "1x". A '$'
// that starts no valid reference is kept as text.
std::string expand(std::string_view tmpl, const re2::RE2& re,
                   const std::vector<re2::StringPiece>& groups) {
  std::string out;
  while (!tmpl.empty()) {
    auto dollar = tmpl.find('$');
    out.append(tmpl.substr(0, dollar));
    if (dollar == std::string_view::npos) break;
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl.front() == '$') {
      out += '$';
      tmpl.remove_prefix(1);
      continue;
    }
    bool brace = !tmpl.empty() && tmpl.front() == '{';
    std::string_view rest = brace ? tmpl.substr(1) : tmpl;
    std::size_t length = 0;
    while (length < rest.size() && isNameChar(rest[length])) ++length;
    bool ok = length > 0 && (!brace || (length < rest.size() && rest[length] == '}'));
    if (!ok) {
      out += '$';
      continue;
    }
    std::string name(rest.substr(0, length));
    tmpl = rest.substr(length + (brace ? 1 : 0));

    long index = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || index >= 100000000) {
        index = -1;
        break;
      }
      index = index * 10 + (c - '0');
    }
    if (name.size() > 1 && name.front() == '0') index = -1;
    if (index < 0) {
      const auto& named = re.NamedCapturingGroups();
      auto it = named.find(name);
      index = it == named.end() ? -1 : it->second;
    }
    if (index >= 0 && static_cast<std::size_t>(index) < groups.size() &&
        groups[index].data() != nullptr)
      out.append(groups[index].data(), groups[index].size());
  }
  return out;
}

// Full-anchored match, filling every capture group (group 0 is the whole text).
bool match(const re2::RE2& re, std::string_view text, std::vector<re2::StringPiece>& groups) {
  groups.assign(re.NumberOfCapturingGroups() + 1, re2::StringPiece());
  return re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::ANCHOR_BOTH,
                  groups.data(), static_cast<int>(groups.size()));
}

bool fullMatch(const re2::RE2& re, std::string_view text) {
  return re.Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), re2::RE2::ANCHOR_BOTH,
                  nullptr, 0);
}

// Prometheus' hashmod: the low 64 bits of the MD5, big-endian.
std::uint64_t md5Low64(const std::string& value) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(value.data(), value.size(), digest, &size, EVP_md5(), nullptr);
  std::uint64_t sum = 0;
  for (unsigned i = size - 8; i < size; ++i) sum = (sum << 8) | digest[i];
  return sum;
}

std::string toLower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string toUpper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void setLabel(std::map<std::string, std::string>& labels, const std::string& name,
              std::string value) {
  // As in Prometheus, an empty value means the label is absent.
  if (value.empty())
    labels.erase(name);
  else
    labels[name] = std::move(value);
}

// The rule's verdict on the labels; false drops the target.
bool applyRule(const RelabelRule& rule, std::map<std::string, std::string>& labels) {
  const re2::RE2& re = *rule.compiled;
  std::string value;
  for (std::size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (i > 0) value += rule.separator;
    auto it = labels.find(rule.source_labels[i]);
    if (it != labels.end()) value += it->second;
  }
  std::vector<re2::StringPiece> groups;
  switch (rule.action) {
    case RelabelAction::kReplace: {
      if (!match(re, value, groups)) return true;
      std::string target = expand(rule.target_label, re, groups);
      // A templated target that expands to a bad name is skipped, as in Prometheus.
      if (!isValidLabelName(target)) return true;
      setLabel(labels, target, expand(rule.replacement, re, groups));
      return true;
    }
    case RelabelAction::kKeep:
      return fullMatch(re, value);
    case RelabelAction::kDrop:
      return !fullMatch(re, value);
    case RelabelAction::kKeepEqual:
    case RelabelAction::kDropEqual: {
      auto it = labels.find(rule.target_label);
      bool equal = value == (it == labels.end() ? std::string() : it->second);
      return rule.action == RelabelAction::kKeepEqual ? equal : !equal;
    }
    case RelabelAction::kHashMod:
      setLabel(labels, rule.target_label, std::to_string(md5Low64(value) % rule.modulus));
      return true;
    case RelabelAction::kLowercase:
      setLabel(labels, rule.target_label, toLower(value));
      return true;
    case RelabelAction::kUppercase:
      setLabel(labels, rule.target_label, toUpper(value));
      return true;
    case RelabelAction::kLabelMap: {
      // Match against the names as they were before this rule, not as it renames them.
      const auto before = labels;
      for (const auto& [name, label_value] : before) {
        if (!match(re, name, groups)) continue;
        std::string renamed = expand(rule.replacement, re, groups);
        // Loki rejects a whole push with a bad label name, so such a mapping is skipped.
        if (isValidLabelName(renamed)) setLabel(labels, renamed, label_value);
      }
      return true;
    }
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep: {
      bool keep_matches = rule.action == RelabelAction::kLabelKeep;
      for (auto it = labels.begin(); it != labels.end();) {
        if (fullMatch(re, it->first) != keep_matches)
          it = labels.erase(it);
        else
          ++it;
      }
      return true;
    }
  }
  return true;
}

const std::vector<std::pair<const char*, RelabelAction>>& actionNames() {
  static const std::vector<std::pair<const char*, RelabelAction>> names = {
      {"replace", RelabelAction::kReplace},     {"keep", RelabelAction::kKeep},
      {"drop", RelabelAction::kDrop},           {"labelmap", RelabelAction::kLabelMap},
      {"labeldrop", RelabelAction::kLabelDrop}, {"labelkeep", RelabelAction::kLabelKeep},
      {"hashmod", RelabelAction::kHashMod},     {"lowercase", RelabelAction::kLowercase},
      {"uppercase", RelabelAction::kUppercase}, {"keepequal", RelabelAction::kKeepEqual},
      {"dropequal", RelabelAction::kDropEqual},
  };
  return names;
}

std::string actionName(RelabelAction action) {
  for (const auto& [name, value] : actionNames())
    if (value == action) return name;
  return "?";
}

}  // namespace

bool isValidLabelName(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), isNameChar);
}

std::optional<RelabelAction> relabelActionFromName(const std::string& name) {
  // Prometheus accepts the action in any case ("Replace" too).
  std::string lower = toLower(name);
  for (const auto& [text, action] : actionNames())
    if (lower == text) return action;
  return std::nullopt;
}

std::optional<std::string> prepareRelabelRule(RelabelRule& rule) {
  const RelabelRule defaults;
  const std::string action = actionName(rule.action);
  switch (rule.action) {
    case RelabelAction::kReplace:
      if (rule.target_label.empty()) return "replace action requires target_label";
      // A target_label with $ references is checked after expansion, per target.
      if (rule.target_label.find('$') == std::string::npos && !isValidLabelName(rule.target_label))
        return "invalid target_label \"" + rule.target_label + "\"";
      break;
    case RelabelAction::kHashMod:
      if (rule.modulus == 0) return "hashmod action requires a modulus above 0";
      [[fallthrough]];
    case RelabelAction::kLowercase:
    case RelabelAction::kUppercase:
      if (rule.target_label.empty()) return action + " action requires target_label";
      if (!isValidLabelName(rule.target_label))
        return "invalid target_label \"" + rule.target_label + "\"";
      break;
    case RelabelAction::kKeepEqual:
    case RelabelAction::kDropEqual:
      if (rule.target_label.empty() || !isValidLabelName(rule.target_label))
        return action + " action requires a valid target_label";
      if (rule.regex != defaults.regex || rule.modulus != 0 ||
          rule.separator != defaults.separator || rule.replacement != defaults.replacement)
        return action + " action takes only source_labels and target_label";
      break;
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep:
      if (!rule.source_labels.empty() || !rule.target_label.empty() || rule.modulus != 0 ||
          rule.separator != defaults.separator || rule.replacement != defaults.replacement)
        return action + " action takes only regex";
      break;
    case RelabelAction::kKeep:
    case RelabelAction::kDrop:
    case RelabelAction::kLabelMap:
      break;
  }
  for (const auto& name : rule.source_labels)
    if (!isValidLabelName(name)) return "invalid source label name \"" + name + "\"";

  re2::RE2::Options options;
  options.set_log_errors(false);
  auto compiled = std::make_shared<re2::RE2>("^(?:" + rule.regex + ")$", options);
  if (!compiled->ok()) {
    // Compiled again on its own so the message quotes what the user wrote.
    re2::RE2 alone(rule.regex, options);
    return "invalid regex \"" + rule.regex +
           "\": " + (alone.ok() ? compiled->error() : alone.error());
  }
  rule.compiled = std::move(compiled);
  return std::nullopt;
}

base::Expected<std::vector<RelabelRule>> parseRelabelRules(const YAML::Node& node,
                                                           const std::string& source,
                                                           const std::string& path) {
  using runtime::yamlError;
  std::vector<RelabelRule> rules;
  if (!node || node.IsNull()) return rules;
  if (!node.IsSequence())
    return base::unexpected(yamlError(source, node, path + " must be a list"));
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node entry = node[i];
    const std::string here = path + "[" + std::to_string(i) + "]";
    if (!entry.IsMap())
      return base::unexpected(yamlError(source, entry, here + " must be a mapping"));
    RelabelRule rule;
    std::set<std::string> seen;
    for (const auto& field : entry) {
      const std::string key = field.first.as<std::string>();
      const YAML::Node& value = field.second;
      const std::string name = here + "." + key;
      if (!seen.insert(key).second)
        return base::unexpected(yamlError(source, field.first, "duplicate field " + name));
      // Every field is a scalar except source_labels; null means "not set".
      if (value.IsNull()) continue;
      if (key == "source_labels") {
        if (!value.IsSequence())
          return base::unexpected(
              yamlError(source, value, name + " must be a list of label names"));
        for (const auto& label : value) {
          if (!label.IsScalar())
            return base::unexpected(
                yamlError(source, label, name + " must be a list of label names"));
          rule.source_labels.push_back(label.as<std::string>());
        }
        continue;
      }
      if (!value.IsScalar())
        return base::unexpected(yamlError(source, value, name + " must be a string"));
      const std::string text = value.as<std::string>();
      if (key == "separator") {
        rule.separator = text;
      } else if (key == "regex") {
        rule.regex = text;
      } else if (key == "target_label") {
        rule.target_label = text;
      } else if (key == "replacement") {
        rule.replacement = text;
      } else if (key == "modulus") {
        try {
          rule.modulus = value.as<std::uint64_t>();
        } catch (const YAML::Exception&) {
          return base::unexpected(yamlError(source, value, name + " must be a positive integer"));
        }
      } else if (key == "action") {
        auto action = relabelActionFromName(text);
        if (!action)
          return base::unexpected(
              yamlError(source, value, "unknown relabel action \"" + text + "\""));
        rule.action = *action;
      } else {
        return base::unexpected(yamlError(source, field.first, "unknown field " + name));
      }
    }
    if (auto error = prepareRelabelRule(rule))
      return base::unexpected(yamlError(source, entry, here + ": " + *error));
    rules.push_back(std::move(rule));
  }
  return rules;
}

bool applyRelabel(const std::vector<RelabelRule>& rules, Labels& labels) {
  if (rules.empty()) return true;
  std::map<std::string, std::string> working(labels.begin(), labels.end());
  for (const auto& rule : rules)
    if (!applyRule(rule, working)) return false;
  labels.assign(working.begin(), working.end());
  return true;
}

}  // namespace shipper
