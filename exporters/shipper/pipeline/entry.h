#pragma once
// The shipper's data model (SHIPPER_SPEC.md): one log entry on its way from a
// tailer through the pipeline stages to the Loki client.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shipper {

// Sorted by name, so equal label sets compare equal.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct LogEntry {
  std::int64_t timestamp_ns = 0;  // Docker's time for container logs, read time for host files
  std::string line;               // without the trailing newline
  Labels labels;
  std::map<std::string, std::string> extracted;  // regex captures, for labels/metrics/drop
  // Opaque to stages: a stage that folds several entries into one keeps the
  // LAST one's, so the saved position never passes a line still held.
  std::uint64_t position = 0;
};

// Sets (or replaces) a label, keeping the set sorted.
void setLabel(Labels& labels, std::string_view name, std::string value);
void removeLabel(Labels& labels, std::string_view name);
const std::string* findLabel(const Labels& labels, std::string_view name);

// A stable key for per-stream state: the label set, serialised unambiguously.
std::string streamKey(const Labels& labels);

// Prometheus/Loki label names: [a-zA-Z_][a-zA-Z0-9_]*. Defined once, with
// the relabelling (shipper/relabel.cpp).
bool isValidLabelName(std::string_view name);

}  // namespace shipper
