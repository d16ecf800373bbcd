// tern-haproxy: HAProxy's statistics under haproxy_exporter's metric names
// and flags (or, with --haproxy.naming=promex, the built-in exporter's), from
// the runtime API socket or the stats page, for one instance on /metrics or
// several through /probe?target=.

#include <memory>
#include <mutex>

#include "haproxy/collector.h"
#include "runtime/exporter.h"
#include "runtime/http_server.h"

int main(int argc, char** argv) {
  runtime::Exporter exporter({
      .program = "tern-haproxy",
      .description = "Prometheus exporter for HAProxy, compatible with haproxy_exporter's metric "
                     "names and flags.",
      .metric_namespace = "haproxy",
      .build_info_name = "haproxy_exporter_build_info",
      // haproxy_exporter's port, so a unit file or compose entry keeps working.
      .default_listen_address = ":9101",
  });
  haproxy::Options options;
  haproxy::addFlags(exporter.flags(), options);
  haproxy::registerCollector(exporter.collectors(), options);
  // Built on first use, after the flags are parsed.
  std::once_flag prober_made;
  std::unique_ptr<haproxy::Prober> prober;
  exporter.route("/probe", [&](const runtime::HttpRequest& request) {
    std::call_once(prober_made, [&] { prober = std::make_unique<haproxy::Prober>(options); });
    return prober->probe(request);
  });
  return exporter.run(argc, argv);
}
