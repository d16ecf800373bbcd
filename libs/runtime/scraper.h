#pragma once
// One scrape: every enabled collector runs on its own worker, in parallel, and
// the scrape waits for them until a deadline. A collector that fails or
// overruns reports <namespace>_scrape_collector_success 0; the others answer.

#include "runtime/collector.h"
#include "runtime/deadline_worker.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace runtime {

class Scraper {
 public:
  using Clock = DeadlineWorker::Clock;

  // `metric_namespace` prefixes the scrape_collector_* families ("node").
  Scraper(std::string metric_namespace, std::vector<CollectorRegistry::Enabled> collectors);
  ~Scraper();

  // Appends the collectors' families plus the per-collector duration and
  // success. Safe to call from several threads; scrapes run one at a time.
  void scrape(Clock::time_point deadline, std::vector<MetricFamily>& out);

  std::size_t collectorCount() const { return slots_.size(); }

 private:
  struct Slot;
  std::string namespace_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex scrape_mutex_;
};

}  // namespace runtime
