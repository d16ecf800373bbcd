// route53: drift between the declared records and the Route53 hosted zones
// listed in route53_zones. A background thread reads every zone
// (ListResourceRecordSets, all pages) each --route53.interval; scrapes read
// the last result and never wait on AWS. Credentials come from the
// environment or the shared credentials file (never a flag) and are re-read
// at every request.

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "dnscheck/route53/client.h"
#include "dnscheck/route53/collector.h"
#include "dnscheck/route53/drift.h"
#include "dnscheck/route53/options.h"
#include "log/log.h"

namespace dnscheck {
namespace {

using runtime::addSample;
using runtime::MetricFamily;
using runtime::MetricSink;

constexpr const char* kOperations[] = {"ListResourceRecordSets", "ChangeResourceRecordSets",
                                       "GetChange"};

struct DriftSample {
  std::string name, type;
  bool drift;
};
struct ConflictSample {
  std::string name;
  bool conflict;
};

// What the last reads found, per zone, for scrapes to copy out.
struct Snapshot {
  bool attempted = false;
  bool up = false;
  std::string error;
  double last_sync_seconds = 0;                                  // 0: never synced
  std::map<std::string, std::vector<DriftSample>> drift;         // by zone id
  std::map<std::string, std::vector<ConflictSample>> conflicts;  // by zone id
};

class Route53Collector : public runtime::Collector {
 public:
  Route53Collector(const DeclaredState& state, const route53::Options& options)
      : state_(state), options_(options), stats_(std::make_shared<route53::ApiStats>()) {
    if (state_.route53_zones.empty()) return;  // nothing to read: no thread
    route53::ClientOptions client_options = route53::clientOptions(options_);
    // A stop does not wait for the rest of a long zone's pages or retries.
    client_options.cancelled = [this] {
      std::lock_guard lock(mutex_);
      return stopping_;
    };
    client_ = std::make_unique<route53::Client>(std::move(client_options), stats_);
    thread_ = std::thread([this] { run(); });
  }
  ~Route53Collector() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  runtime::Status update(MetricSink& sink) override {
    if (state_.route53_zones.empty()) return runtime::Status::ok();
    Snapshot snapshot;
    {
      std::lock_guard lock(mutex_);
      snapshot = snapshot_;
    }
    MetricFamily& requests = sink.counter("route53_api_requests_total",
                                          "Requests sent to the Route53 API, by operation.");
    auto request_counts = stats_->requests();
    for (const char* operation : kOperations)
      addSample(requests, static_cast<double>(request_counts[operation]),
                {{"operation", operation}});
    MetricFamily& errors =
        sink.counter("route53_api_errors_total",
                     "Failed Route53 API requests, by operation and AWS error code (or "
                     "HTTP<status>, Timeout, ConnectionError, MissingCredentials).");
    for (const auto& [key, count] : stats_->errors())
      addSample(errors, static_cast<double>(count),
                {{"operation", key.first}, {"code", key.second}});
    if (!snapshot.attempted) return runtime::Status::ok();  // the first read is under way

    sink.gauge("route53_api_up",
               "1 if the last read of every declared Route53 zone succeeded, 0 if not.",
               snapshot.up ? 1 : 0);
    if (snapshot.last_sync_seconds > 0)
      sink.gauge("route53_last_sync_timestamp_seconds",
                 "Unix time of the last read of all declared Route53 zones that succeeded.",
                 snapshot.last_sync_seconds);
    MetricFamily& drift = sink.gauge(
        "route53_record_drift",
        "1 if Route53's record set for this declared name and type is missing, holds other "
        "values, has a TTL outside the declared bounds, or is shadowed by a CNAME; 0 if it "
        "matches.");
    MetricFamily& conflict =
        sink.gauge("route53_cname_conflict",
                   "1 if Route53 holds a CNAME at a name declared to hold another type (the "
                   "CNAME shadows it), 0 if not.");
    for (const auto& [zone, samples] : snapshot.drift)
      for (const DriftSample& sample : samples)
        addSample(drift, sample.drift ? 1 : 0, {{"name", sample.name}, {"type", sample.type}});
    for (const auto& [zone, samples] : snapshot.conflicts)
      for (const ConflictSample& sample : samples)
        addSample(conflict, sample.conflict ? 1 : 0, {{"name", sample.name}});
    if (!snapshot.up) return runtime::Status::failure("route53: " + snapshot.error);
    return runtime::Status::ok();
  }

 private:
  void run() {
    auto interval =
        std::chrono::milliseconds(static_cast<long long>(options_.interval_seconds * 1000));
    while (true) {
      syncOnce();
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, interval, [this] { return stopping_; })) return;
    }
  }

  void syncOnce() {
    bool all_ok = true;
    std::string first_error;
    std::map<std::string, std::vector<DriftSample>> drift;
    std::map<std::string, std::vector<ConflictSample>> conflicts;
    for (const Route53Zone& zone : state_.route53_zones) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      auto sets = client_->listRecordSets(zone.hosted_zone_id);
      if (!sets && sets.error().code == "Cancelled") return;  // stopping
      if (!sets) {
        all_ok = false;
        std::string message =
            zone.hosted_zone_id + " (" + zone.name + "): " + sets.error().describe();
        if (first_error.empty()) first_error = message;
        if (message != last_logged_error_)
          LOG_WARN("cannot read a Route53 zone", {"zone", zone.hosted_zone_id},
                   {"err", sets.error().describe()});
        last_logged_error_ = message;
        continue;
      }
      route53::ZoneDrift found = route53::computeDrift(state_, zone, *sets);
      auto& zone_drift = drift[zone.hosted_zone_id];
      for (const route53::RecordDrift& record : found.records) {
        zone_drift.push_back(
            {record.declared->name, recordTypeName(record.declared->type), record.drift});
        if (record.drift)
          LOG_DEBUG("Route53 drift", {"name", record.declared->name},
                    {"type", recordTypeName(record.declared->type)}, {"reason", record.reason});
      }
      auto& zone_conflicts = conflicts[zone.hosted_zone_id];
      for (const route53::CnameConflict& conflict : found.conflicts)
        zone_conflicts.push_back({conflict.name, conflict.cname != nullptr});
    }
    if (all_ok) last_logged_error_.clear();
    std::lock_guard lock(mutex_);
    snapshot_.attempted = true;
    snapshot_.up = all_ok;
    snapshot_.error = first_error;
    // Zones read this time replace their previous result; a zone that could
    // not be read keeps its last one (route53_api_up says it is stale).
    for (auto& [zone, samples] : drift) snapshot_.drift[zone] = std::move(samples);
    for (auto& [zone, samples] : conflicts) snapshot_.conflicts[zone] = std::move(samples);
    if (all_ok)
      snapshot_.last_sync_seconds =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count();
  }

  const DeclaredState& state_;
  route53::Options options_;
  std::shared_ptr<route53::ApiStats> stats_;
  std::unique_ptr<route53::Client> client_;
  std::string last_logged_error_;  // only the sync thread touches it
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  Snapshot snapshot_;
  std::thread thread_;
};

}  // namespace

void registerRoute53Collector(runtime::CollectorRegistry& registry, const DeclaredState& state) {
  auto options = std::make_shared<route53::Options>();
  registry.add({
      .name = "route53",
      .enabled_by_default = true,
      .help = "Drift between the declared records and Route53's hosted zones (route53_zones)",
      .add_flags = [options](CLI::App& app) { route53::addFlags(app, *options, true); },
      .make = [options, &state]() -> std::unique_ptr<runtime::Collector> {
        return std::make_unique<Route53Collector>(state, *options);
      },
  });
}

}  // namespace dnscheck
