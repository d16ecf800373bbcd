// drop: removes entries that meet every configured condition (Promtail ANDs
// them), counting each under its reason.

#include <re2/re2.h>

#include "config.h"
#include "stages.h"

namespace shipper {
namespace {

struct DropConfig {
  std::optional<std::string> source;
  std::unique_ptr<RE2> expression;
  std::optional<std::string> value;
  std::optional<std::uint64_t> longer_than;
  std::string reason = "drop_stage";
};

class DropStage : public Stage {
 public:
  DropStage(DropConfig config, StageContext& context)
      : config_(std::move(config)),
        metrics_(context.metrics),
        on_drop_(context.options.on_drop),
        clock_(context.options.clock),
        dropped_(
            metrics_.counter(std::string(kDroppedLinesMetric),
                             "A count of all log lines dropped as a result of a pipeline stage.")),
        labels_{{"reason", config_.reason}} {}

  void process(LogEntry&& entry, const Emit& emit) override {
    if (!shouldDrop(entry)) {
      emit(std::move(entry));
      return;
    }
    metrics_.add(dropped_, labels_, 1, clock_());
    if (on_drop_) on_drop_(entry, config_.reason);
  }

 private:
  bool shouldDrop(const LogEntry& entry) const {
    if (config_.longer_than && entry.line.size() <= *config_.longer_than) return false;
    const std::string* extracted = nullptr;
    if (config_.source) {
      auto it = entry.extracted.find(*config_.source);
      if (it == entry.extracted.end()) return false;  // no value, nothing to test
      extracted = &it->second;
    }
    if (config_.value && *extracted != *config_.value) return false;
    if (config_.expression &&
        !RE2::PartialMatch(extracted != nullptr ? *extracted : entry.line, *config_.expression)) {
      return false;
    }
    return true;
  }

  DropConfig config_;
  CustomMetrics& metrics_;
  std::function<void(const LogEntry&, const std::string&)> on_drop_;
  std::function<std::chrono::steady_clock::time_point()> clock_;
  CustomMetrics::CounterId dropped_;
  Labels labels_;
};

}  // namespace

StageResult makeDropStage(const YAML::Node& body, StageContext& context) {
  auto check = config::checkKeys(
      body, "drop", {"source", "expression", "value", "longer_than", "drop_counter_reason"},
      {"older_than", "separator"});
  if (check.error) return base::unexpected(*check.error);
  if (body && body.IsMap() && body["source"] && body["source"].IsSequence()) {
    check.unsupported.push_back("drop.source (list)");
  }
  if (!check.unsupported.empty()) {
    // Leaving out one condition of an AND would drop more than asked: the
    // whole stage is left out instead.
    for (auto& name : check.unsupported) context.unsupported.push_back(std::move(name));
    return std::unique_ptr<Stage>();
  }
  DropConfig config;
  for (const char* key : {"source", "expression", "value", "longer_than", "drop_counter_reason"}) {
    auto field = config::stringField(body, "drop", key);
    if (field.error) return base::unexpected(*field.error);
    if (!field.value) continue;
    const std::string where = config::at(body[key]) + "drop: " + key + ": ";
    if (std::string_view(key) == "source") {
      config.source = *field.value;
    } else if (std::string_view(key) == "expression") {
      RE2::Options options;
      options.set_log_errors(false);
      config.expression = std::make_unique<RE2>(goRegexToRe2(*field.value), options);
      if (!config.expression->ok()) return base::unexpected(where + config.expression->error());
    } else if (std::string_view(key) == "value") {
      config.value = *field.value;
    } else if (std::string_view(key) == "longer_than") {
      config.longer_than = config::parseBytes(*field.value);
      if (!config.longer_than) {
        return base::unexpected(where + "bad byte size \"" + *field.value + "\"");
      }
    } else if (!field.value->empty()) {
      config.reason = *field.value;
    }
  }
  if (!config.source && !config.expression && !config.value && !config.longer_than) {
    return base::unexpected(config::at(body) +
                            "drop: needs at least one of source, expression, value, longer_than");
  }
  if (config.value && config.expression) {
    return base::unexpected(config::at(body) + "drop: value and expression cannot both be set");
  }
  if (config.value && !config.source) {
    return base::unexpected(config::at(body) + "drop: value needs a source");
  }
  return std::unique_ptr<Stage>(std::make_unique<DropStage>(std::move(config), context));
}

}  // namespace shipper
