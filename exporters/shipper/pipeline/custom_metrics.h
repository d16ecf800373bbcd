#pragma once
// Counters the pipeline keeps: Promtail's metrics stages (promtail_custom_*)
// and the stages' own counts (dropped and truncated lines). Stages of every
// target's pipeline add to one CustomMetrics from their own threads; /metrics
// renders it through a runtime::MetricSink at scrape time.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "entry.h"
#include "runtime/metrics.h"

namespace shipper {

class CustomMetrics {
 public:
  using Clock = std::chrono::steady_clock;
  // Index of a declared counter family, for cheap lookups on every entry.
  using CounterId = std::size_t;

  // Declares a counter family, or returns the one of that name (pipelines
  // built for several targets from one config share their families). A
  // series not updated for max_idle is removed, as Promtail's
  // max_idle_duration does, so series of vanished containers do not pile up;
  // zero keeps series forever.
  CounterId counter(const std::string& name, const std::string& help,
                    Clock::duration max_idle = Clock::duration::zero());

  // Adds to the series with these labels (names starting "__" are left out).
  // Negative or NaN deltas are ignored: counters only go up.
  void add(CounterId id, const Labels& labels, double delta, Clock::time_point now);

  // The current value, 0 if the series does not exist (for tests and logs).
  double value(const std::string& name, const Labels& labels) const;
  std::size_t seriesCount() const;

  // Removes idle series, then adds every non-empty family to the sink.
  void collect(runtime::MetricSink& sink, Clock::time_point now);

 private:
  struct Series {
    double value = 0;
    Clock::time_point updated;
  };
  struct Family {
    std::string name;
    std::string help;
    Clock::duration max_idle;
    std::map<Labels, Series> series;
  };
  mutable std::mutex mutex_;
  std::vector<Family> families_;
};

}  // namespace shipper
