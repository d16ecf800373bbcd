#include "runtime/scraper.h"
#include "runtime/text_format.h"

#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace {

class FixedCollector : public runtime::Collector {
 public:
  runtime::Status update(runtime::MetricSink& sink) override {
    sink.gauge("test_value", "A value.", 42);
    return runtime::Status::ok();
  }
};

class FailingCollector : public runtime::Collector {
 public:
  runtime::Status update(runtime::MetricSink& sink) override {
    sink.gauge("test_partial", "Emitted before the failure.", 1);
    return runtime::Status::failure("/proc/broken: malformed");
  }
};

class ThrowingCollector : public runtime::Collector {
 public:
  runtime::Status update(runtime::MetricSink&) override { throw std::runtime_error("boom"); }
};

// Blocks until released, like statfs on a dead NFS server.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
};
class HangingCollector : public runtime::Collector {
 public:
  explicit HangingCollector(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  runtime::Status update(runtime::MetricSink& sink) override {
    std::unique_lock lock(gate_->mutex);
    gate_->cv.wait(lock, [&] { return gate_->open; });
    sink.gauge("test_late", "Late.", 1);
    return runtime::Status::ok();
  }

 private:
  std::shared_ptr<Gate> gate_;
};

std::string scrapeText(runtime::Scraper& scraper, std::chrono::milliseconds budget) {
  std::vector<runtime::MetricFamily> families;
  scraper.scrape(runtime::Scraper::Clock::now() + budget, families);
  for (auto& family : families) {
    if (family.name == "t_scrape_collector_duration_seconds") family.metric.clear();
  }
  runtime::sortAndMerge(families);
  std::string out;
  runtime::writeTextFormat(families, out);
  return out;
}

}  // namespace

TEST_CASE("a failing or throwing collector reports success 0 and the others still answer") {
  std::vector<runtime::CollectorRegistry::Enabled> collectors;
  collectors.push_back({"broken", std::make_unique<FailingCollector>()});
  collectors.push_back({"fixed", std::make_unique<FixedCollector>()});
  collectors.push_back({"throws", std::make_unique<ThrowingCollector>()});
  runtime::Scraper scraper("t", std::move(collectors));
  std::string out = scrapeText(scraper, std::chrono::seconds(5));
  CHECK(out.find("test_value 42\n") != std::string::npos);
  CHECK(out.find("test_partial 1\n") != std::string::npos);
  CHECK(out.find("t_scrape_collector_success{collector=\"broken\"} 0\n") != std::string::npos);
  CHECK(out.find("t_scrape_collector_success{collector=\"fixed\"} 1\n") != std::string::npos);
  CHECK(out.find("t_scrape_collector_success{collector=\"throws\"} 0\n") != std::string::npos);
}

TEST_CASE("a hanging collector misses the deadline, the scrape answers, and it recovers") {
  auto gate = std::make_shared<Gate>();
  std::vector<runtime::CollectorRegistry::Enabled> collectors;
  collectors.push_back({"fixed", std::make_unique<FixedCollector>()});
  collectors.push_back({"hangs", std::make_unique<HangingCollector>(gate)});
  runtime::Scraper scraper("t", std::move(collectors));

  auto begin = std::chrono::steady_clock::now();
  std::string first = scrapeText(scraper, std::chrono::milliseconds(200));
  CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds(2));
  CHECK(first.find("t_scrape_collector_success{collector=\"hangs\"} 0\n") != std::string::npos);
  CHECK(first.find("test_value 42\n") != std::string::npos);

  // Still stuck: refused at once rather than piling up another thread.
  begin = std::chrono::steady_clock::now();
  std::string second = scrapeText(scraper, std::chrono::milliseconds(200));
  CHECK(second.find("t_scrape_collector_success{collector=\"hangs\"} 0\n") != std::string::npos);

  gate->release();
  // The stuck run finishes in the background; the next scrape starts afresh.
  for (int i = 0; i < 50; ++i) {
    std::string out = scrapeText(scraper, std::chrono::seconds(2));
    if (out.find("t_scrape_collector_success{collector=\"hangs\"} 1\n") != std::string::npos) {
      CHECK(out.find("test_late 1\n") != std::string::npos);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  FAIL("collector did not recover after the hang ended");
}

TEST_CASE("a scraper destroyed while a collector hangs does not crash") {
  auto gate = std::make_shared<Gate>();
  {
    std::vector<runtime::CollectorRegistry::Enabled> collectors;
    collectors.push_back({"hangs", std::make_unique<HangingCollector>(gate)});
    runtime::Scraper scraper("t", std::move(collectors));
    scrapeText(scraper, std::chrono::milliseconds(50));
  }
  gate->release();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

TEST_CASE("back-to-back scrapes never find a quick collector still busy") {
  // A collector that returns at once is free again before its scrape
  // answers, however the threads are scheduled.
  std::vector<runtime::CollectorRegistry::Enabled> collectors;
  collectors.push_back({"fixed", std::make_unique<FixedCollector>()});
  collectors.push_back({"fixed2", std::make_unique<FixedCollector>()});
  collectors.push_back({"fixed3", std::make_unique<FixedCollector>()});
  runtime::Scraper scraper("t", std::move(collectors));
  for (int i = 0; i < 2000; ++i) {
    std::string out = scrapeText(scraper, std::chrono::seconds(5));
    REQUIRE(out.find("t_scrape_collector_success{collector=\"fixed\"} 1\n") != std::string::npos);
    REQUIRE(out.find("t_scrape_collector_success{collector=\"fixed2\"} 1\n") != std::string::npos);
    REQUIRE(out.find("t_scrape_collector_success{collector=\"fixed3\"} 1\n") != std::string::npos);
  }
}
