#pragma once
// Scheduled mode: two background loops, DNS records and site/TLS probes,
// each running every check_interval and publishing its latest results as
// ready-made metric families. A scrape copies the latest snapshot and never
// waits on the network.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dnscheck/checks.h"
#include "dnscheck/declared.h"
#include "runtime/metrics.h"

namespace dnscheck {

using Snapshot = std::vector<runtime::MetricFamily>;

// The latest DNS cycle: its results, which are small; their series are
// written at each scrape. (Kept as ready-made series, 500 records' 3,000
// series with their label sets held 1.5 MB between scrapes.)
struct DnsCycle {
  std::vector<RecordResult> results;
  double duration_seconds = 0;
  double finished_at = 0;  // Unix time
  std::size_t failed_lookups = 0;
};
void writeDnsCycle(const DnsCycle& cycle, runtime::MetricSink& sink);

struct SchedulerOptions {
  CheckOptions checks;
  std::size_t probe_concurrency = 8;
};

class Scheduler {
 public:
  Scheduler(const DeclaredState& state, SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Start the loops (each runs its first cycle at once); a loop with nothing
  // declared is not started.
  void startDns();
  void startProbes();
  void stop();

  // One cycle, in the calling thread (the loops, `tern-dnscheck check`, tests).
  std::shared_ptr<const DnsCycle> runDnsCycle();
  std::shared_ptr<const Snapshot> runProbeCycle();

  std::shared_ptr<const DnsCycle> latestDns() const;
  std::shared_ptr<const Snapshot> latestProbes() const;

 private:
  void loop(bool dns);
  const DeclaredState& state_;
  SchedulerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::shared_ptr<const DnsCycle> dns_;
  std::shared_ptr<const Snapshot> probes_;
  std::vector<std::thread> threads_;
};

// Copies a snapshot's families into a scrape's sink.
void copyInto(const Snapshot& snapshot, runtime::MetricSink& sink);

}  // namespace dnscheck
