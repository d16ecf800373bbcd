#pragma once
// The stage factories buildPipeline dispatches to, one file each. A factory
// returns the stage, a null stage when the config uses Promtail options tern
// does not implement (already added to `unsupported`), or an error.

#include <memory>
#include <string>
#include <vector>

#include "base/expected.h"
#include "pipeline.h"

namespace shipper {

struct StageContext {
  CustomMetrics& metrics;
  const PipelineOptions& options;
  std::vector<std::string>& unsupported;
};

using StageResult = base::Expected<std::unique_ptr<Stage>, std::string>;

StageResult makeDockerStage(const YAML::Node& body, StageContext& context);
StageResult makeRegexStage(const YAML::Node& body, StageContext& context);
StageResult makeLabelsStage(const YAML::Node& body, StageContext& context);
StageResult makeStaticLabelsStage(const YAML::Node& body, StageContext& context);
StageResult makeDropStage(const YAML::Node& body, StageContext& context);
StageResult makeMultilineStage(const YAML::Node& body, StageContext& context);
StageResult makeMetricsStage(const YAML::Node& body, StageContext& context);
StageResult makeOutputStage(const YAML::Node& body, StageContext& context);

// Go's regexp accepts (?<name>...) as well as (?P<name>...); RE2 as packaged
// in Debian bookworm only the latter, so expressions are rewritten first.
std::string goRegexToRe2(std::string_view expression);

}  // namespace shipper
