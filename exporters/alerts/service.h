#pragma once
// tern-alerts' service: the webhook (auth, size limit, parse, one store
// transaction, 200 only after COMMIT), the JSON API, the web page, the
// sender, and the process's own metrics. The store is reopened when it was
// unavailable (read-only file, full disk), so the service recovers without a
// restart; until then the webhook answers 503 and Alertmanager retries.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "alerts/config.h"
#include "alerts/notifier.h"
#include "alerts/rate_limit.h"
#include "alerts/store.h"
#include "runtime/http_server.h"
#include "runtime/metrics.h"

namespace alerts {

class Service {
 public:
  using Clock = std::function<std::int64_t()>;  // nanoseconds since the epoch
  Service(Config config, Clock clock);
  ~Service();

  // Opens the store and starts the sender. An unusable store is logged and
  // retried on every webhook; false only when the config cannot work.
  bool start();
  void stop();
  void addRoutes(runtime::HttpServer& server);

  runtime::HttpResponse webhook(const runtime::HttpRequest& request);
  runtime::HttpResponse listAlerts(const runtime::HttpRequest& request);
  runtime::HttpResponse alertDetail(const runtime::HttpRequest& request);
  runtime::HttpResponse stats(const runtime::HttpRequest& request);
  runtime::HttpResponse page(const runtime::HttpRequest& request);
  void collect(runtime::MetricSink& sink);

  const Config& config() const { return config_; }

 private:
  bool authorized(const runtime::HttpRequest& request);
  // Opens the store when needed (mutex_ held). Only a webhook's failure is
  // counted in alerts_store_errors_total; the API's retries are not.
  Store* storeLocked(bool for_webhook = false);
  void storeFailed(const StoreError& error, bool count);
  std::vector<Delivery> plan(const Alert& alert, bool resolved,
                             const std::vector<std::string>& paged);

  Config config_;
  Clock clock_;
  RateLimiter limiter_;
  NotifierCounters notifier_counters_;
  std::unique_ptr<Notifier> notifier_;

  std::mutex mutex_;  // the store connection and the counters below
  std::unique_ptr<Store> store_;
  std::string last_store_error_;
  std::map<std::string, std::uint64_t> webhooks_;        // by result
  std::map<std::string, std::uint64_t> store_errors_;    // by reason
  std::map<std::string, std::uint64_t> alerts_applied_;  // by outcome
  std::map<std::string, std::uint64_t> suppressed_;      // by channel
  std::uint64_t dropped_ = 0;
  runtime::Histogram store_latency_;
};

// HTML-escapes text for the page.
std::string htmlEscape(std::string_view text);

}  // namespace alerts
