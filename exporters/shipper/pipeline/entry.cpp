#include "entry.h"

#include <algorithm>

namespace shipper {
namespace {
auto lowerBound(Labels& labels, std::string_view name) {
  return std::lower_bound(labels.begin(), labels.end(), name,
                          [](const auto& label, std::string_view n) { return label.first < n; });
}
}  // namespace

void setLabel(Labels& labels, std::string_view name, std::string value) {
  auto it = lowerBound(labels, name);
  if (it != labels.end() && it->first == name) {
    it->second = std::move(value);
  } else {
    labels.emplace(it, std::string(name), std::move(value));
  }
}

void removeLabel(Labels& labels, std::string_view name) {
  auto it = lowerBound(labels, name);
  if (it != labels.end() && it->first == name) labels.erase(it);
}

const std::string* findLabel(const Labels& labels, std::string_view name) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const auto& label, std::string_view n) { return label.first < n; });
  return it != labels.end() && it->first == name ? &it->second : nullptr;
}

std::string streamKey(const Labels& labels) {
  // Names cannot hold '\0'; values are length-prefixed, so no two label sets
  // share a key.
  std::string key;
  for (const auto& [name, value] : labels) {
    key += name;
    key += '\0';
    key += std::to_string(value.size());
    key += ':';
    key += value;
  }
  return key;
}

}  // namespace shipper
