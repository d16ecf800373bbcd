#include "dnscheck/probe/probe.h"

namespace dnscheck::probe {

bool runProbe(const Module& module, const std::string& target, std::chrono::milliseconds timeout,
              runtime::MetricSink& sink) {
  const auto start = std::chrono::steady_clock::now();
  bool success = false;
  switch (module.prober) {
    case Prober::http:
      success = probeHttp(module.http, target, timeout, sink);
      break;
    case Prober::tcp:
      success = probeTcp(module.tcp, target, timeout, sink);
      break;
    case Prober::dns:
      success = probeDns(module.dns, target, timeout, sink);
      break;
  }
  sink.gauge("probe_duration_seconds", "Returns how long the probe took to complete in seconds",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  sink.gauge("probe_success", "Displays whether or not the probe was a success", success ? 1 : 0);
  return success;
}

}  // namespace dnscheck::probe
