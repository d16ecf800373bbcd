// multiline: folds the lines of one record (a stack trace, say) into one
// entry. A line matching `firstline` starts a block; the lines after it join
// it until the next first line, max_lines, or max_wait_time without a new
// line, or until it would pass a size bound. Blocks are kept per label set,
// so streams do not mix.

#include <re2/re2.h>

#include <charconv>
#include <unordered_map>

#include "config.h"
#include "stages.h"

namespace shipper {
namespace {

class MultilineStage : public Stage {
 public:
  MultilineStage(std::unique_ptr<RE2> firstline, std::chrono::nanoseconds max_wait,
                 std::size_t max_lines, StageContext& context)
      : firstline_(std::move(firstline)),
        max_wait_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(max_wait)),
        max_lines_(max_lines),
        max_bytes_(context.options.multiline_max_bytes),
        clock_(context.options.clock) {}

  void process(LogEntry&& entry, const Emit& emit) override {
    const bool first = RE2::PartialMatch(entry.line, *firstline_);
    std::string key = streamKey(entry.labels);
    auto it = blocks_.find(key);
    if (it != blocks_.end() &&
        (first || it->second.entry.line.size() + 1 + entry.line.size() > max_bytes_)) {
      emit(std::move(it->second.entry));
      blocks_.erase(it);
      it = blocks_.end();
    }
    if (it == blocks_.end()) {
      // A block starts with a first line, or with whatever comes when none is
      // open (the middle of a record at the start of a file): its timestamp,
      // labels and extracted values are the block's.
      it = blocks_.emplace(std::move(key), Block{std::move(entry), 1, {}}).first;
    } else {
      Block& block = it->second;
      block.entry.line += '\n';
      block.entry.line += entry.line;
      block.entry.position = entry.position;  // the last line's, for the saved position
      ++block.lines;
    }
    Block& block = it->second;
    block.last_line = clock_();
    if (block.lines >= max_lines_) {
      emit(std::move(block.entry));
      blocks_.erase(it);
    }
  }

  void flush(std::chrono::steady_clock::time_point now, const Emit& emit) override {
    for (auto it = blocks_.begin(); it != blocks_.end();) {
      if (it->second.last_line + max_wait_ <= now) {
        emit(std::move(it->second.entry));
        it = blocks_.erase(it);
      } else {
        ++it;
      }
    }
  }

 private:
  struct Block {
    LogEntry entry;
    std::size_t lines = 0;
    std::chrono::steady_clock::time_point last_line;
  };

  std::unique_ptr<RE2> firstline_;
  std::chrono::steady_clock::duration max_wait_;
  std::size_t max_lines_;
  std::size_t max_bytes_;
  std::function<std::chrono::steady_clock::time_point()> clock_;
  std::unordered_map<std::string, Block> blocks_;
};

}  // namespace

StageResult makeMultilineStage(const YAML::Node& body, StageContext& context) {
  auto check = config::checkKeys(body, "multiline", {"firstline", "max_wait_time", "max_lines"});
  if (check.error) return base::unexpected(*check.error);
  auto firstline = config::stringField(body, "multiline", "firstline");
  if (firstline.error) return base::unexpected(*firstline.error);
  if (!firstline.value || firstline.value->empty()) {
    return base::unexpected(config::at(body) + "multiline: firstline is required");
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(goRegexToRe2(*firstline.value), options);
  if (!re->ok()) {
    return base::unexpected(config::at(body["firstline"]) + "multiline: firstline: " + re->error());
  }
  std::chrono::nanoseconds max_wait = std::chrono::seconds(3);
  auto wait = config::stringField(body, "multiline", "max_wait_time");
  if (wait.error) return base::unexpected(*wait.error);
  if (wait.value) {
    auto parsed = config::parseDuration(*wait.value);
    if (!parsed || parsed->count() <= 0) {
      return base::unexpected(config::at(body["max_wait_time"]) +
                              "multiline: max_wait_time: bad duration \"" + *wait.value + "\"");
    }
    max_wait = *parsed;
  }
  std::size_t max_lines = 128;
  auto lines = config::stringField(body, "multiline", "max_lines");
  if (lines.error) return base::unexpected(*lines.error);
  if (lines.value) {
    std::size_t parsed = 0;
    auto [end, ec] =
        std::from_chars(lines.value->data(), lines.value->data() + lines.value->size(), parsed);
    if (ec != std::errc() || end != lines.value->data() + lines.value->size() || parsed == 0) {
      return base::unexpected(config::at(body["max_lines"]) +
                              "multiline: max_lines: expected a positive integer, got \"" +
                              *lines.value + "\"");
    }
    max_lines = parsed;
  }
  return std::unique_ptr<Stage>(
      std::make_unique<MultilineStage>(std::move(re), max_wait, max_lines, context));
}

}  // namespace shipper
