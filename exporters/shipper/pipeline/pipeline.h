#pragma once
// Promtail's pipeline_stages: a sequence of stages each entry passes through
// between its tailer and the Loki client. A stage may change an entry, drop
// it, or hold it to fold with later ones (multiline, Docker's partial lines);
// held entries come out of flush() once their wait is over.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"
#include "custom_metrics.h"
#include "entry.h"

namespace shipper {

using Emit = std::function<void(LogEntry&&)>;

class Stage {
 public:
  virtual ~Stage() = default;
  // Calls emit for each entry that comes out (none if dropped or held).
  virtual void process(LogEntry&& entry, const Emit& emit) = 0;
  // Emits held entries whose wait has passed by `now`;
  // flush(time_point::max()) emits everything (end of a file, shutdown).
  virtual void flush(std::chrono::steady_clock::time_point now, const Emit& emit) {}
};

// Stages in order: what a stage emits goes into the next one, and what the
// last emits goes to the caller. Not thread-safe: one tailer thread drives a
// pipeline (build one per thread; they can share a CustomMetrics). Stages
// that hold entries key their state by the entry's labels, so one pipeline
// may serve several streams.
class Pipeline {
 public:
  Pipeline();
  explicit Pipeline(std::vector<std::unique_ptr<Stage>> stages);
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;
  ~Pipeline();

  void process(LogEntry&& entry, const Emit& emit);
  // Flushes each stage in order, so what stage i releases still passes
  // through stages i+1.. before reaching emit.
  void flush(std::chrono::steady_clock::time_point now, const Emit& emit);
  std::size_t size() const;

 private:
  struct Chain;
  std::unique_ptr<Chain> chain_;
};

struct PipelineOptions {
  // Time of arrival for stages that wait (multiline, partial lines); tests
  // substitute a fake clock.
  std::function<std::chrono::steady_clock::time_point()> clock = [] {
    return std::chrono::steady_clock::now();
  };
  // Called for every entry a drop stage removes, with its reason, e.g. to
  // add to promtail_dropped_entries_total; logentry_dropped_lines_total{reason}
  // is counted in CustomMetrics either way.
  std::function<void(const LogEntry& entry, const std::string& reason)> on_drop;
  // docker stage: the bound on a rejoined line, and how long a partial line
  // whose final chunk never came (container stopped) is held.
  std::size_t docker_max_line_bytes = 1 << 20;
  std::chrono::steady_clock::duration docker_partial_wait = std::chrono::seconds(5);
  // multiline stage: a block that would grow past this is emitted first and
  // the line starts a new block (Promtail has only max_lines; 128 lines of
  // 1 MiB each would be 128 MiB held per stream).
  std::size_t multiline_max_bytes = 1 << 20;
};

// Builds a pipeline from a scrape config's pipeline_stages (a YAML sequence
// of one-key maps). Promtail stages tern does not implement, and Promtail
// options of implemented stages it does not, are appended to `unsupported`
// (e.g. "json", "drop.older_than") and their stage left out; anything else
// unknown, or a bad value, is an error "line N: <stage>: <reason>".
base::Expected<Pipeline, std::string> buildPipeline(const YAML::Node& pipeline_stages,
                                                    std::vector<std::string>& unsupported,
                                                    CustomMetrics& metrics,
                                                    const PipelineOptions& options = {});

// Metric names the stages count under in CustomMetrics.
inline constexpr std::string_view kDroppedLinesMetric = "logentry_dropped_lines_total";
inline constexpr std::string_view kDockerTruncatedMetric =
    "tern_shipper_docker_truncated_lines_total";
inline constexpr std::string_view kDockerParseErrorsMetric =
    "tern_shipper_docker_parse_errors_total";

}  // namespace shipper
