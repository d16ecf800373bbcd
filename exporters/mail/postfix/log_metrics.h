#pragma once
// postfix_exporter's log-derived counters (same names, help texts, labels and
// types), fed one syslog line at a time and emitted on each scrape. Counters
// outlive scrapes; a mutex guards them (process() runs on the log thread,
// emit() on a scrape thread).

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/metrics.h"

namespace mail::postfix {

class LogMetrics {
 public:
  LogMetrics();
  void process(std::string_view line);
  void emit(runtime::MetricSink& sink) const;

  struct Histogram {
    std::vector<std::uint64_t> buckets;  // one per bound, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };

 private:
  using Key = std::vector<std::string>;  // label values, in the family's label order
  mutable std::mutex mutex_;
  std::map<std::string, std::map<Key, double>> counters_;        // by family name
  std::map<std::string, std::map<Key, Histogram>> histograms_;  // by family name
};

}  // namespace mail::postfix
