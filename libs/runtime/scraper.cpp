#include "runtime/scraper.h"

#include "log/log.h"

#include <atomic>
#include <condition_variable>
#include <exception>

namespace runtime {

namespace {

// One scrape's bookkeeping, shared with the jobs: a job that outlives its
// scrape (stuck past the deadline) still writes into memory that exists.
struct Round {
  std::mutex mutex;
  std::condition_variable done;
  std::size_t pending = 0;
};

struct Outcome {
  enum class Phase { queued, running, finished, cancelled };
  Phase phase = Phase::queued;  // guarded by Round::mutex
  WorkerPool::Ticket ticket;
  MetricSink sink;
  Status status = Status::ok();
  double seconds = 0;
};

}  // namespace

struct Scraper::Slot {
  std::string name;
  std::shared_ptr<Collector> collector;
  // True from posting a job until it returns; shared with the job.
  std::shared_ptr<std::atomic<bool>> busy = std::make_shared<std::atomic<bool>>(false);
  std::string last_error;  // logged once until it changes or clears
};

Scraper::Scraper(std::string metric_namespace, std::vector<CollectorRegistry::Enabled> collectors,
                 std::size_t workers)
    : namespace_(std::move(metric_namespace)), pool_(workers) {
  for (auto& enabled : collectors) {
    auto slot = std::make_unique<Slot>();
    slot->name = enabled.name;
    slot->collector = std::move(enabled.collector);
    slots_.push_back(std::move(slot));
  }
}

Scraper::~Scraper() = default;

void Scraper::scrape(Clock::time_point deadline, std::vector<MetricFamily>& out) {
  std::lock_guard lock(scrape_mutex_);
  const auto scrape_start = Clock::now();
  auto round = std::make_shared<Round>();
  std::vector<std::shared_ptr<Outcome>> outcomes(slots_.size());

  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = *slots_[i];
    if (slot.busy->exchange(true)) continue;  // still stuck from an earlier scrape
    auto outcome = std::make_shared<Outcome>();
    outcomes[i] = outcome;
    {
      std::lock_guard round_lock(round->mutex);
      ++round->pending;
    }
    outcome->ticket = pool_.post([round, outcome, collector = slot.collector, busy = slot.busy] {
      {
        std::lock_guard round_lock(round->mutex);
        if (outcome->phase == Outcome::Phase::cancelled) {
          *busy = false;
          return;
        }
        outcome->phase = Outcome::Phase::running;
      }
      auto begin = Clock::now();
      Status status = Status::ok();
      try {
        status = collector->update(outcome->sink);
      } catch (const std::exception& e) {
        // A collector should not throw at run time; if one does, it fails alone.
        status = Status::failure(std::string("unexpected exception: ") + e.what());
      }
      double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
      {
        std::lock_guard round_lock(round->mutex);
        outcome->status = std::move(status);
        outcome->seconds = seconds;
        outcome->phase = Outcome::Phase::finished;
        // Free before the scrape can see the run finished: a scrape that
        // follows at once must not find the collector still "stuck".
        *busy = false;
        --round->pending;
      }
      round->done.notify_all();
    });
  }

  {
    std::unique_lock round_lock(round->mutex);
    round->done.wait_until(round_lock, deadline, [&] { return round->pending == 0; });
  }

  // node_exporter's help reads "node_exporter: ..."; a namespace that already
  // ends in "_exporter" (container_exporter) is not suffixed twice.
  std::string program = namespace_.ends_with("_exporter") ? namespace_ : namespace_ + "_exporter";
  MetricFamily duration;
  duration.name = namespace_ + "_scrape_collector_duration_seconds";
  duration.help = program + ": Duration of a collector scrape.";
  duration.type = MetricType::Gauge;
  MetricFamily success;
  success.name = namespace_ + "_scrape_collector_success";
  success.help = program + ": Whether a collector succeeded.";
  success.type = MetricType::Gauge;

  std::lock_guard round_lock(round->mutex);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = *slots_[i];
    Outcome* outcome = outcomes[i].get();
    Status status = Status::ok();
    double seconds = std::chrono::duration<double>(Clock::now() - scrape_start).count();
    if (!outcome) {
      status = Status::failure("previous run is still stuck past its deadline");
    } else if (outcome->phase == Outcome::Phase::finished) {
      status = outcome->status;
      seconds = outcome->seconds;
      outcome->sink.drainInto(out);
    } else if (outcome->phase == Outcome::Phase::running) {
      status = Status::failure("timed out: collector did not finish before the scrape deadline");
      pool_.compensateForStuckJob(outcome->ticket);  // under the round lock: see there
    } else {
      outcome->phase = Outcome::Phase::cancelled;
      status = Status::failure("not started before the scrape deadline: other collectors were slow");
    }

    if (status.isOk()) {
      if (!slot.last_error.empty()) {
        LOG_INFO("collector recovered", {"collector", slot.name});
        slot.last_error.clear();
      }
    } else if (status.message() != slot.last_error) {
      if (status.isNoData()) {
        LOG_DEBUG("collector returned no data", {"collector", slot.name}, {"err", status.message()});
      } else {
        LOG_ERROR("collector failed", {"collector", slot.name}, {"err", status.message()});
      }
      slot.last_error = status.message();
    }
    addSample(duration, seconds, {{"collector", slot.name}});
    addSample(success, status.isOk() ? 1 : 0, {{"collector", slot.name}});
  }
  out.push_back(std::move(duration));
  out.push_back(std::move(success));
}

}  // namespace runtime
