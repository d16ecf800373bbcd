#pragma once
// One HAProxy instance as the exporter scrapes it: read the stats, parse
// them, emit the families, and keep haproxy_exporter's two counters
// (scrapes, CSV parse failures). Used by /metrics (the --haproxy.scrape-uri
// instance) and by /probe?target= (one per target).

#include <atomic>
#include <cstdint>

#include "haproxy/metrics.h"
#include "haproxy/source.h"
#include "runtime/collector.h"

namespace haproxy {

class Target {
 public:
  Target(ScrapeUri uri, SourceOptions source, MetricOptions metrics);
  // Emits haproxy_up and everything read; a failure to read HAProxy is the
  // returned status (haproxy_up is then 0), a bad row only a counted failure.
  runtime::Status scrape(runtime::MetricSink& sink);

 private:
  StatsSource source_;
  MetricOptions metrics_;
  std::atomic<std::uint64_t> scrapes_{0};
  std::atomic<std::uint64_t> parse_failures_{0};
};

}  // namespace haproxy
