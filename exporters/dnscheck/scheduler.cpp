#include "dnscheck/scheduler.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "dnscheck/probe/probe.h"
#include "log/log.h"
#include "runtime/memory_release.h"

namespace dnscheck {

namespace {

using Clock = std::chrono::steady_clock;

double wallNow() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec / 1e9;
}

// Adds `label` to every series of `from` and merges the families into `into`.
void mergeLabeled(std::map<std::string, runtime::MetricFamily>& into,
                  std::vector<runtime::MetricFamily>& from,
                  const runtime::ClientMetric::Label& label) {
  for (runtime::MetricFamily& family : from) {
    auto [it, inserted] = into.try_emplace(family.name);
    if (inserted) {
      it->second.name = family.name;
      it->second.help = family.help;
      it->second.type = family.type;
    }
    for (runtime::ClientMetric& metric : family.metric) {
      metric.label.insert(
          std::lower_bound(metric.label.begin(), metric.label.end(), label,
                           [](const auto& a, const auto& b) { return a.name < b.name; }),
          label);
      it->second.metric.push_back(std::move(metric));
    }
  }
}

}  // namespace

void copyInto(const Snapshot& snapshot, runtime::MetricSink& sink) {
  for (const runtime::MetricFamily& family : snapshot) {
    runtime::MetricFamily& out = sink.family(family.name, family.help, family.type);
    out.metric = family.metric;
  }
}

Scheduler::Scheduler(const DeclaredState& state, SchedulerOptions options)
    : state_(state), options_(options) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::startDns() {
  if (!state_.records.empty()) threads_.emplace_back([this] { loop(true); });
}

void Scheduler::startProbes() {
  if (!state_.sites.empty() || !state_.tls.empty()) threads_.emplace_back([this] { loop(false); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void Scheduler::loop(bool dns) {
  auto next = Clock::now();
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    next += state_.check_interval;
    if (dns) {
      runDnsCycle();
    } else {
      runProbeCycle();
    }
    // A cycle longer than the interval: start the next one now, not a backlog.
    if (next < Clock::now()) next = Clock::now();
  }
}

void writeDnsCycle(const DnsCycle& cycle, runtime::MetricSink& sink) {
  writeRecordMetrics(cycle.results, sink);
  sink.gauge("dns_check_cycle_duration_seconds",
             "Wall time of the last full cycle of DNS record checks.", cycle.duration_seconds);
  sink.gauge("dns_check_last_cycle_timestamp_seconds",
             "When the last cycle of DNS record checks finished (Unix time).", cycle.finished_at);
  sink.gauge("dns_check_failed_lookups", "Lookups of the last cycle that failed.",
             static_cast<double>(cycle.failed_lookups));
}

std::shared_ptr<const DnsCycle> Scheduler::runDnsCycle() {
  const auto start = Clock::now();
  auto cycle = std::make_shared<DnsCycle>();
  cycle->results = runRecordChecks(state_, options_.checks);
  for (const RecordResult& result : cycle->results) {
    for (const Lookup& lookup : result.lookups) {
      if (!lookup.success) {
        ++cycle->failed_lookups;
        LOG_DEBUG("lookup failed", {"name", result.record->name},
                  {"type", recordTypeName(result.record->type)}, {"resolver", lookup.resolver},
                  {"err", lookup.error});
      }
    }
  }
  if (cycle->failed_lookups > 0)
    LOG_WARN("DNS lookups failed (details at debug level)", {"failed", cycle->failed_lookups});
  cycle->duration_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  cycle->finished_at = wallNow();
  {
    std::lock_guard lock(mutex_);
    dns_ = cycle;
  }
  runtime::releaseFreeMemorySoon();  // the cycle's queries and answers
  return cycle;
}

std::shared_ptr<const Snapshot> Scheduler::runProbeCycle() {
  const auto start = Clock::now();
  struct Job {
    std::string target;
    probe::Module module;
    std::chrono::milliseconds timeout;
    std::vector<runtime::MetricFamily> families;
  };
  std::vector<Job> jobs;
  for (const Site& site : state_.sites) {
    probe::Module module;
    module.prober = probe::Prober::http;
    module.http.valid_status_codes = site.expected_status;
    if (!site.body_regex.empty()) module.http.fail_if_body_not_matches_regexp = {site.body_regex};
    module.http.preferred_ip_protocol = probe::IpProtocol::ip4;
    module.http.tls.ca_file = site.ca_file;
    jobs.push_back({site.url, module, site.timeout, {}});
  }
  for (const TlsEndpoint& endpoint : state_.tls) {
    probe::Module module;
    module.prober = probe::Prober::tcp;
    module.tcp.tls = true;
    module.tcp.tls_config.server_name = endpoint.server_name;
    module.tcp.preferred_ip_protocol = probe::IpProtocol::ip4;
    module.tcp.tls_config.ca_file = endpoint.ca_file;
    const std::string host =
        endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
    jobs.push_back({host + ":" + std::to_string(endpoint.port), module, endpoint.timeout, {}});
  }
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      runtime::MetricSink sink;
      probe::runProbe(jobs[i].module, jobs[i].target, jobs[i].timeout, sink);
      sink.drainInto(jobs[i].families);
    }
  };
  std::vector<std::thread> workers;
  const std::size_t count = std::min(options_.probe_concurrency, jobs.size());
  for (std::size_t i = 1; i < count; ++i) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();

  std::map<std::string, runtime::MetricFamily> merged;
  for (Job& job : jobs) mergeLabeled(merged, job.families, {"target", job.target});
  auto snapshot = std::make_shared<Snapshot>();
  for (auto& [name, family] : merged) snapshot->push_back(std::move(family));
  runtime::MetricSink sink;
  sink.gauge("dnscheck_probe_cycle_duration_seconds",
             "Wall time of the last cycle of site and TLS probes.",
             std::chrono::duration<double>(Clock::now() - start).count());
  sink.gauge("dnscheck_probe_last_cycle_timestamp_seconds",
             "When the last cycle of site and TLS probes finished (Unix time).", wallNow());
  sink.drainInto(*snapshot);
  std::lock_guard lock(mutex_);
  probes_ = snapshot;
  return snapshot;
}

std::shared_ptr<const DnsCycle> Scheduler::latestDns() const {
  std::lock_guard lock(mutex_);
  return dns_;
}

std::shared_ptr<const Snapshot> Scheduler::latestProbes() const {
  std::lock_guard lock(mutex_);
  return probes_;
}

}  // namespace dnscheck
