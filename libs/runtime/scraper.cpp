#include "runtime/scraper.h"

#include "log/log.h"

#include <exception>

namespace runtime {

namespace {
// What a collector's job leaves behind. Shared with the job, so a job that
// outlives its scrape writes into memory that still exists.
struct Outcome {
  MetricSink sink;
  Status status = Status::ok();
  double seconds = 0;
};
}  // namespace

struct Scraper::Slot {
  std::string name;
  std::shared_ptr<Collector> collector;
  DeadlineWorker worker;
  std::string last_error;  // logged once until it changes or clears
};

Scraper::Scraper(std::string metric_namespace, std::vector<CollectorRegistry::Enabled> collectors)
    : namespace_(std::move(metric_namespace)) {
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
  std::vector<std::shared_ptr<Outcome>> outcomes(slots_.size());
  std::vector<bool> started(slots_.size(), false);

  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto outcome = std::make_shared<Outcome>();
    std::shared_ptr<Collector> collector = slots_[i]->collector;
    started[i] = slots_[i]->worker.start([outcome, collector] {
      auto begin = Clock::now();
      try {
        outcome->status = collector->update(outcome->sink);
      } catch (const std::exception& e) {
        // A collector should not throw at runtime; if one does, it fails alone.
        outcome->status = Status::failure(std::string("unexpected exception: ") + e.what());
      }
      outcome->seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    });
    outcomes[i] = std::move(outcome);
  }

  MetricFamily duration;
  duration.name = namespace_ + "_scrape_collector_duration_seconds";
  duration.help = namespace_ + "_exporter: Duration of a collector scrape.";
  duration.type = MetricType::Gauge;
  MetricFamily success;
  success.name = namespace_ + "_scrape_collector_success";
  success.help = namespace_ + "_exporter: Whether a collector succeeded.";
  success.type = MetricType::Gauge;

  for (std::size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = *slots_[i];
    Status status = Status::ok();
    double seconds = 0;
    if (!started[i]) {
      status = Status::failure("previous run is still stuck past its deadline");
    } else if (!slot.worker.waitUntil(deadline)) {
      status = Status::failure("timed out: collector did not finish before the scrape deadline");
      seconds = std::chrono::duration<double>(Clock::now() - scrape_start).count();
    } else {
      Outcome& outcome = *outcomes[i];
      status = outcome.status;
      seconds = outcome.seconds;
      outcome.sink.drainInto(out);
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
