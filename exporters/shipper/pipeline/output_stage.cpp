// output: an extracted value becomes the log line.

#include "config.h"
#include "stages.h"

namespace shipper {
namespace {

class OutputStage : public Stage {
 public:
  explicit OutputStage(std::string source) : source_(std::move(source)) {}

  void process(LogEntry&& entry, const Emit& emit) override {
    auto it = entry.extracted.find(source_);
    if (it != entry.extracted.end()) entry.line = it->second;
    emit(std::move(entry));
  }

 private:
  std::string source_;
};

}  // namespace

StageResult makeOutputStage(const YAML::Node& body, StageContext& context) {
  auto check = config::checkKeys(body, "output", {"source"});
  if (check.error) return base::unexpected(*check.error);
  auto source = config::stringField(body, "output", "source");
  if (source.error) return base::unexpected(*source.error);
  if (!source.value || source.value->empty()) {
    return base::unexpected(config::at(body) + "output: source is required");
  }
  return std::unique_ptr<Stage>(std::make_unique<OutputStage>(*source.value));
}

}  // namespace shipper
