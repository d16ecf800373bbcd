// docker: the line is one json-file record; it becomes the log text, its
// time the entry's timestamp and its stream the "stream" label. Docker's
// partial chunks are rejoined here, per stream of each label set.

#include <unordered_map>

#include "config.h"
#include "logline/docker_json.h"
#include "logline/partial.h"
#include "stages.h"

namespace shipper {
namespace {

class DockerStage : public Stage {
 public:
  explicit DockerStage(StageContext& context)
      : metrics_(context.metrics),
        clock_(context.options.clock),
        max_bytes_(context.options.docker_max_line_bytes),
        wait_(context.options.docker_partial_wait),
        truncated_(
            metrics_.counter(std::string(kDockerTruncatedMetric),
                             "Docker log lines longer than the line bound, cut into pieces.")),
        parse_errors_(
            metrics_.counter(std::string(kDockerParseErrorsMetric),
                             "Lines a docker stage could not parse, passed on unchanged.")) {}

  void process(LogEntry&& entry, const Emit& emit) override {
    if (auto error = logline::parseDockerLine(entry.line, parsed_)) {
      // As Promtail: a line that is not a json-file record goes on as it is.
      metrics_.add(parse_errors_, {}, 1, clock_());
      emit(std::move(entry));
      return;
    }
    if (pending_.empty() && !parsed_.partial && parsed_.log.size() <= max_bytes_) {
      // The common case, without a lookup. Swapping hands the raw line's
      // buffer to the parser for the next line: no allocation per line.
      entry.line.swap(parsed_.log);
      entry.timestamp_ns = parsed_.time_ns;
      setStream(entry, parsed_.stream);
      emit(std::move(entry));
      return;
    }
    std::string key = streamKey(entry.labels);
    auto [it, inserted] = pending_.try_emplace(std::move(key), max_bytes_);
    Pending& pending = it->second;
    if (inserted) {
      pending.labels = entry.labels;
      pending.extracted = entry.extracted;
    }
    const bool was_empty = pending.joiner.empty();
    pending.joiner.add(std::move(parsed_), entry.position, [&](logline::JoinedLine&& line) {
      emitJoined(pending, std::move(line), emit);
    });
    if (pending.joiner.empty()) {
      pending_.erase(it);
    } else if (was_empty) {
      pending.since = clock_();
    }
  }

  void flush(std::chrono::steady_clock::time_point now, const Emit& emit) override {
    for (auto it = pending_.begin(); it != pending_.end();) {
      Pending& pending = it->second;
      if (pending.since + wait_ <= now) {
        pending.joiner.drain(
            [&](logline::JoinedLine&& line) { emitJoined(pending, std::move(line), emit); });
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
  }

 private:
  struct Pending {
    explicit Pending(std::size_t max_bytes) : joiner(max_bytes) {}
    logline::PartialJoiner joiner;
    Labels labels;
    std::map<std::string, std::string> extracted;
    std::chrono::steady_clock::time_point since;
  };

  static void setStream(LogEntry& entry, const std::string& stream) {
    if (stream.empty()) return;
    setLabel(entry.labels, "stream", stream);
    entry.extracted["stream"] = stream;
  }

  void emitJoined(const Pending& pending, logline::JoinedLine&& line, const Emit& emit) {
    if (line.truncated) metrics_.add(truncated_, {}, 1, clock_());
    LogEntry entry;
    entry.labels = pending.labels;
    entry.extracted = pending.extracted;
    entry.line = std::move(line.log);
    entry.timestamp_ns = line.time_ns;
    entry.position = line.cookie;
    setStream(entry, line.stream);
    emit(std::move(entry));
  }

  CustomMetrics& metrics_;
  std::function<std::chrono::steady_clock::time_point()> clock_;
  std::size_t max_bytes_;
  std::chrono::steady_clock::duration wait_;
  CustomMetrics::CounterId truncated_;
  CustomMetrics::CounterId parse_errors_;
  logline::DockerLine parsed_;
  // Label sets with a partial line held; usually empty.
  std::unordered_map<std::string, Pending> pending_;
};

}  // namespace

StageResult makeDockerStage(const YAML::Node& body, StageContext& context) {
  // Promtail's docker stage takes no options: `docker: {}`.
  auto check = config::checkKeys(body, "docker", {});
  if (check.error) return base::unexpected(*check.error);
  return std::unique_ptr<Stage>(std::make_unique<DockerStage>(context));
}

}  // namespace shipper
