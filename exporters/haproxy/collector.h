#pragma once
// The "haproxy" collector behind /metrics (the --haproxy.scrape-uri
// instance, plus HAProxy's process metrics with --haproxy.pid-file) and the
// /probe?target= handler for several instances from one exporter.

#include <memory>
#include <string>

#include "haproxy/options.h"
#include "runtime/collector.h"

namespace runtime {
struct HttpRequest;
struct HttpResponse;
}  // namespace runtime

namespace haproxy {

void registerCollector(runtime::CollectorRegistry& registry, const Options& options);

// Answers /probe?target=<scrape URI> (blackbox_exporter's way): the target's
// families only, with the flags' naming, fields, states, timeout and auth.
// Targets are kept (with their counters) up to a bound; file:// is refused.
class Prober {
 public:
  explicit Prober(const Options& options);
  ~Prober();
  runtime::HttpResponse probe(const runtime::HttpRequest& request);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HAProxy's process metrics from /proc/<pid of the pid file>, named
// haproxy_process_*. Pure of the real /proc: `proc_root` is "/proc" but for tests.
runtime::Status emitPidProcessMetrics(const std::string& pid_file, const std::string& proc_root,
                                      runtime::MetricSink& sink);

}  // namespace haproxy
