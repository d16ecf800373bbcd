#pragma once
// One probe, answered with blackbox_exporter's series (names, HELP, types,
// labels as its 0.23 on Debian bookworm writes them), into a MetricSink
// without target labels: /probe serves them as they are, the scheduled mode
// adds its `target` label.

#include <chrono>
#include <string>

#include "dnscheck/probe/module.h"
#include "runtime/metrics.h"

namespace dnscheck::probe {

// Returns probe_success; writes every series, probe_success and
// probe_duration_seconds included.
bool runProbe(const Module& module, const std::string& target, std::chrono::milliseconds timeout,
              runtime::MetricSink& sink);

bool probeHttp(const HttpModule& module, const std::string& target,
               std::chrono::milliseconds timeout, runtime::MetricSink& sink);
bool probeTcp(const TcpModule& module, const std::string& target, std::chrono::milliseconds timeout,
              runtime::MetricSink& sink);
bool probeDns(const DnsModule& module, const std::string& target, std::chrono::milliseconds timeout,
              runtime::MetricSink& sink);

}  // namespace dnscheck::probe
