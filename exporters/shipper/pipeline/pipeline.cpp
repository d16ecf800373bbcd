#include "pipeline.h"

#include "config.h"
#include "stages.h"

namespace shipper {

// The links between stages are built once: link i feeds stage i+1, the last
// feeds whatever emit the current call was given. The chain lives on the heap
// so the links' `this` stays valid when a Pipeline is moved.
struct Pipeline::Chain {
  std::vector<std::unique_ptr<Stage>> stages;
  std::vector<Emit> links;
  const Emit* out = nullptr;

  explicit Chain(std::vector<std::unique_ptr<Stage>> s) : stages(std::move(s)) {
    links.reserve(stages.size());
    for (std::size_t i = 0; i < stages.size(); ++i) {
      if (i + 1 < stages.size()) {
        links.emplace_back([this, i](LogEntry&& entry) {
          stages[i + 1]->process(std::move(entry), links[i + 1]);
        });
      } else {
        links.emplace_back([this](LogEntry&& entry) { (*out)(std::move(entry)); });
      }
    }
  }
};

Pipeline::Pipeline() : Pipeline(std::vector<std::unique_ptr<Stage>>{}) {}
Pipeline::Pipeline(std::vector<std::unique_ptr<Stage>> stages)
    : chain_(std::make_unique<Chain>(std::move(stages))) {}
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;
Pipeline::~Pipeline() = default;

std::size_t Pipeline::size() const { return chain_->stages.size(); }

void Pipeline::process(LogEntry&& entry, const Emit& emit) {
  if (chain_->stages.empty()) {
    emit(std::move(entry));
    return;
  }
  chain_->out = &emit;
  chain_->stages[0]->process(std::move(entry), chain_->links[0]);
  chain_->out = nullptr;
}

void Pipeline::flush(std::chrono::steady_clock::time_point now, const Emit& emit) {
  chain_->out = &emit;
  for (std::size_t i = 0; i < chain_->stages.size(); ++i) {
    chain_->stages[i]->flush(now, chain_->links[i]);
  }
  chain_->out = nullptr;
}

namespace {

// Promtail stages tern leaves out; named at start-up rather than rejected.
bool isUnsupportedPromtailStage(std::string_view type) {
  for (std::string_view known :
       {"cri", "json", "logfmt", "template", "timestamp", "tenant", "match", "pack", "replace",
        "limit", "geoip", "decolorize", "sampling", "structured_metadata", "labelallow",
        "labeldrop", "eventlogmessage", "luhn"}) {
    if (type == known) return true;
  }
  return false;
}

}  // namespace

base::Expected<Pipeline, std::string> buildPipeline(const YAML::Node& pipeline_stages,
                                                    std::vector<std::string>& unsupported,
                                                    CustomMetrics& metrics,
                                                    const PipelineOptions& options) {
  std::vector<std::unique_ptr<Stage>> stages;
  if (!pipeline_stages || pipeline_stages.IsNull()) return Pipeline(std::move(stages));
  if (!pipeline_stages.IsSequence()) {
    return base::unexpected(config::at(pipeline_stages) + "pipeline_stages: expected a list");
  }
  StageContext context{metrics, options, unsupported};
  for (const YAML::Node& item : pipeline_stages) {
    if (!item.IsMap() || item.size() != 1) {
      return base::unexpected(config::at(item) +
                              "pipeline_stages: each item must be a map with exactly one stage");
    }
    // Copies: yaml-cpp's iterator hands out a proxy that dies with the
    // expression, so references into it would dangle.
    const YAML::Node key = item.begin()->first;
    const YAML::Node body = item.begin()->second;
    const std::string type = key.as<std::string>();
    StageResult made{std::unique_ptr<Stage>()};
    try {
      if (type == "docker") {
        made = makeDockerStage(body, context);
      } else if (type == "regex") {
        made = makeRegexStage(body, context);
      } else if (type == "labels") {
        made = makeLabelsStage(body, context);
      } else if (type == "static_labels") {
        made = makeStaticLabelsStage(body, context);
      } else if (type == "drop") {
        made = makeDropStage(body, context);
      } else if (type == "multiline") {
        made = makeMultilineStage(body, context);
      } else if (type == "metrics") {
        made = makeMetricsStage(body, context);
      } else if (type == "output") {
        made = makeOutputStage(body, context);
      } else if (isUnsupportedPromtailStage(type)) {
        unsupported.push_back(type);
        continue;
      } else {
        return base::unexpected(config::at(key) + "unknown pipeline stage \"" + type + "\"");
      }
    } catch (const YAML::Exception& e) {
      // yaml-cpp's conversions throw on values of the wrong shape.
      return base::unexpected(config::at(body) + type + ": " + e.msg);
    }
    if (!made) return base::unexpected(made.error());
    if (*made) stages.push_back(std::move(*made));
  }
  return Pipeline(std::move(stages));
}

}  // namespace shipper
