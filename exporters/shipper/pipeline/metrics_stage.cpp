// metrics: Promtail's custom counters (prefix + name, default
// "promtail_custom_<name>"), labelled with the entry's labels. Gauges and
// histograms are not implemented; they are named as unsupported.

#include <algorithm>
#include <charconv>
#include <cmath>

#include "config.h"
#include "stages.h"

namespace shipper {
namespace {

struct CounterConfig {
  CustomMetrics::CounterId id = 0;
  std::string source;
  std::optional<std::string> value;
  bool match_all = false;
  bool count_entry_bytes = false;
  bool add = false;  // action add (the extracted value, or the line's bytes) rather than inc
};

class MetricsStage : public Stage {
 public:
  MetricsStage(std::vector<CounterConfig> counters, StageContext& context)
      : counters_(std::move(counters)), metrics_(context.metrics), clock_(context.options.clock) {}

  void process(LogEntry&& entry, const Emit& emit) override {
    const auto now = clock_();
    for (const CounterConfig& counter : counters_) {
      if (counter.match_all) {
        const double delta = counter.count_entry_bytes ? static_cast<double>(entry.line.size()) : 1;
        metrics_.add(counter.id, entry.labels, delta, now);
        continue;
      }
      auto it = entry.extracted.find(counter.source);
      if (it == entry.extracted.end()) continue;
      if (counter.value && it->second != *counter.value) continue;
      double delta = 1;
      if (counter.add) {
        // Not a number: skipped, as Promtail does (it logs at debug level).
        auto parsed = parseNumber(it->second);
        if (!parsed) continue;
        delta = *parsed;
      }
      metrics_.add(counter.id, entry.labels, delta, now);
    }
    emit(std::move(entry));
  }

 private:
  static std::optional<double> parseNumber(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    if (!std::isfinite(value) || value < 0) return std::nullopt;
    return value;
  }

  std::vector<CounterConfig> counters_;
  CustomMetrics& metrics_;
  std::function<std::chrono::steady_clock::time_point()> clock_;
};

bool isValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// A YAML boolean under `key` (absent: false).
base::Expected<bool, std::string> boolField(const YAML::Node& body, const char* key,
                                            const std::string& where) {
  const YAML::Node node = body[key];
  if (!node || node.IsNull()) return false;
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    return base::unexpected(config::at(node) + where + key + ": expected true or false");
  }
  return value;
}

}  // namespace

StageResult makeMetricsStage(const YAML::Node& body, StageContext& context) {
  if (!body || !body.IsMap() || body.size() == 0) {
    return base::unexpected(config::at(body) + "metrics: expected a map of metric names");
  }
  std::vector<CounterConfig> counters;
  for (const auto& item : body) {
    const std::string name = item.first.as<std::string>();
    const YAML::Node& metric = item.second;
    const std::string stage_name = "metrics: " + name;
    const std::string where = stage_name + ": ";
    auto check = config::checkKeys(
        metric, "metrics." + name,
        {"type", "description", "source", "prefix", "max_idle_duration", "config"}, {"buckets"});
    if (check.error) return base::unexpected(*check.error);
    if (!metric || !metric.IsMap()) {
      return base::unexpected(config::at(metric) + where + "expected a map");
    }
    std::map<std::string, std::string> fields;
    for (const char* key : {"type", "description", "source", "prefix", "max_idle_duration"}) {
      auto field = config::stringField(metric, stage_name, key);
      if (field.error) return base::unexpected(*field.error);
      if (field.value) fields[key] = *field.value;
    }
    const std::string type = lower(fields["type"]);
    if (type.empty()) return base::unexpected(config::at(metric) + where + "type is required");
    if (type == "gauge" || type == "histogram") {
      context.unsupported.push_back("metrics." + name + " (type " + fields["type"] + ")");
      continue;
    }
    if (type != "counter") {
      return base::unexpected(config::at(metric["type"]) + where + "unknown type \"" +
                              fields["type"] + "\"");
    }
    for (auto& option : check.unsupported) context.unsupported.push_back(std::move(option));

    const std::string prefix = metric["prefix"] ? fields["prefix"] : "promtail_custom_";
    const std::string full_name = prefix + name;
    if (!isValidMetricName(full_name)) {
      return base::unexpected(config::at(item.first) + where + "invalid metric name \"" +
                              full_name + "\"");
    }
    std::chrono::nanoseconds max_idle = std::chrono::minutes(5);  // Promtail's default
    if (fields.count("max_idle_duration")) {
      auto parsed = config::parseDuration(fields["max_idle_duration"]);
      if (!parsed || *parsed < std::chrono::seconds(1)) {
        return base::unexpected(config::at(metric["max_idle_duration"]) + where +
                                "max_idle_duration: expected a duration of at least 1s");
      }
      max_idle = *parsed;
    }

    CounterConfig counter;
    counter.source = fields.count("source") && !fields["source"].empty() ? fields["source"] : name;
    const YAML::Node options = metric["config"];
    auto options_check = config::checkKeys(options, "metrics." + name + ".config",
                                           {"match_all", "count_entry_bytes", "value", "action"});
    if (options_check.error) return base::unexpected(*options_check.error);
    if (!options || !options.IsMap()) {
      return base::unexpected(config::at(metric) + where + "config with an action is required");
    }
    const std::string config_stage = stage_name + ": config";
    const std::string config_where = config_stage + ": ";
    auto match_all = boolField(options, "match_all", config_where);
    if (!match_all) return base::unexpected(match_all.error());
    auto count_bytes = boolField(options, "count_entry_bytes", config_where);
    if (!count_bytes) return base::unexpected(count_bytes.error());
    auto value = config::stringField(options, config_stage, "value");
    if (value.error) return base::unexpected(*value.error);
    auto action = config::stringField(options, config_stage, "action");
    if (action.error) return base::unexpected(*action.error);
    const std::string action_name = lower(action.value.value_or(""));
    if (action_name != "inc" && action_name != "add") {
      return base::unexpected(config::at(options) + config_where +
                              "action must be inc or add for a counter");
    }
    counter.match_all = *match_all;
    counter.count_entry_bytes = *count_bytes;
    counter.value = value.value;
    counter.add = action_name == "add";
    if (counter.match_all && counter.value) {
      return base::unexpected(config::at(options) + config_where +
                              "match_all and value cannot both be set");
    }
    if (counter.count_entry_bytes && (!counter.match_all || !counter.add)) {
      return base::unexpected(config::at(options) + config_where +
                              "count_entry_bytes needs match_all: true and action: add");
    }
    const std::string help = fields.count("description") && !fields["description"].empty()
                                 ? fields["description"]
                                 : "Counter from the pipeline metrics stage " + name + ".";
    counter.id = context.metrics.counter(
        full_name, help, std::chrono::duration_cast<CustomMetrics::Clock::duration>(max_idle));
    counters.push_back(std::move(counter));
  }
  if (counters.empty()) return std::unique_ptr<Stage>();
  return std::unique_ptr<Stage>(std::make_unique<MetricsStage>(std::move(counters), context));
}

}  // namespace shipper
