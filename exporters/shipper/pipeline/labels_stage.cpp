// labels: extracted values become labels; static_labels: fixed labels.

#include "config.h"
#include "stages.h"

namespace shipper {
namespace {

class LabelsStage : public Stage {
 public:
  // (label name, extracted key)
  explicit LabelsStage(std::vector<std::pair<std::string, std::string>> sources)
      : sources_(std::move(sources)) {}

  void process(LogEntry&& entry, const Emit& emit) override {
    for (const auto& [name, source] : sources_) {
      auto it = entry.extracted.find(source);
      if (it == entry.extracted.end()) continue;
      // An empty value means "no such label" to Loki and Prometheus alike.
      if (it->second.empty()) {
        removeLabel(entry.labels, name);
      } else {
        setLabel(entry.labels, name, it->second);
      }
    }
    emit(std::move(entry));
  }

 private:
  std::vector<std::pair<std::string, std::string>> sources_;
};

class StaticLabelsStage : public Stage {
 public:
  explicit StaticLabelsStage(Labels labels) : labels_(std::move(labels)) {}

  void process(LogEntry&& entry, const Emit& emit) override {
    for (const auto& [name, value] : labels_) setLabel(entry.labels, name, value);
    emit(std::move(entry));
  }

 private:
  Labels labels_;
};

// Reads `stage: {name: value-or-null}`; null values are kept as nullopt.
base::Expected<std::vector<std::pair<std::string, std::optional<std::string>>>, std::string>
readLabelMap(const YAML::Node& body, std::string_view stage) {
  std::vector<std::pair<std::string, std::optional<std::string>>> out;
  if (!body || body.IsNull() || !body.IsMap() || body.size() == 0) {
    return base::unexpected(config::at(body) + std::string(stage) +
                            ": expected a map of label names");
  }
  for (const auto& item : body) {
    const std::string name = item.first.as<std::string>();
    if (!isValidLabelName(name)) {
      return base::unexpected(config::at(item.first) + std::string(stage) +
                              ": invalid label name \"" + name + "\"");
    }
    if (!item.second || item.second.IsNull()) {
      out.emplace_back(name, std::nullopt);
    } else if (item.second.IsScalar()) {
      out.emplace_back(name, item.second.Scalar());
    } else {
      return base::unexpected(config::at(item.second) + std::string(stage) + ": " + name +
                              ": expected a string");
    }
  }
  return out;
}

}  // namespace

StageResult makeLabelsStage(const YAML::Node& body, StageContext& context) {
  auto read = readLabelMap(body, "labels");
  if (!read) return base::unexpected(read.error());
  std::vector<std::pair<std::string, std::string>> sources;
  for (auto& [name, source] : *read) {
    // `name:` (null or empty) takes the extracted value of the same name.
    sources.emplace_back(name, source && !source->empty() ? *source : name);
  }
  return std::unique_ptr<Stage>(std::make_unique<LabelsStage>(std::move(sources)));
}

StageResult makeStaticLabelsStage(const YAML::Node& body, StageContext& context) {
  auto read = readLabelMap(body, "static_labels");
  if (!read) return base::unexpected(read.error());
  Labels labels;
  for (auto& [name, value] : *read) {
    if (!value) {
      return base::unexpected(config::at(body[name]) + "static_labels: " + name +
                              ": a value is required");
    }
    setLabel(labels, name, *value);
  }
  return std::unique_ptr<Stage>(std::make_unique<StaticLabelsStage>(std::move(labels)));
}

}  // namespace shipper
