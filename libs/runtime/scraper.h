#pragma once
// One scrape: the enabled collectors run on a small worker pool, in parallel,
// and the scrape waits for them until a deadline. A collector that fails or
// overruns reports <namespace>_scrape_collector_success 0; the others answer.
// A collector still stuck from an earlier scrape is not started again.

#include "runtime/collector.h"
#include "runtime/worker_pool.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace runtime {

class Scraper {
 public:
  using Clock = std::chrono::steady_clock;

  // `metric_namespace` prefixes the scrape_collector_* families ("node").
  Scraper(std::string metric_namespace, std::vector<CollectorRegistry::Enabled> collectors,
          std::size_t workers = 2);
  ~Scraper();

  // Appends the collectors' families plus the per-collector duration and
  // success. Safe to call from several threads; scrapes run one at a time.
  void scrape(Clock::time_point deadline, std::vector<MetricFamily>& out);

 private:
  struct Slot;
  std::string namespace_;
  std::vector<std::unique_ptr<Slot>> slots_;
  WorkerPool pool_;
  std::mutex scrape_mutex_;
};

}  // namespace runtime
