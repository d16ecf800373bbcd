// tern-dnscheck: what the world resolves against what the operator declared
// (records per resolver, CNAMEs shadowing records), sites and TLS endpoints
// probed under blackbox_exporter's names, blackbox's /probe multi-target mode
// with its module file, and Route53 drift and repair.
//
//   tern-dnscheck [flags]           serve /metrics (scheduled checks) and /probe
//   tern-dnscheck check [flags]     one cycle of the declared checks, printed
//   tern-dnscheck repair ...        fix a shadowing CNAME in Route53

#include <cstdio>
#include <string_view>

#include "dnscheck/collectors/collectors.h"
#include "dnscheck/options.h"
#include "dnscheck/probe_handler.h"
#include "dnscheck/repair.h"
#include "runtime/exporter.h"
#include "runtime/http_server.h"

namespace {

runtime::ExporterInfo info() {
  return {
      .program = "tern-dnscheck",
      .description =
          "Checks DNS records against a declared state, probes sites and TLS "
          "endpoints with blackbox_exporter's names, and serves blackbox's /probe.",
      .metric_namespace = "dnscheck",
      .build_info_name = "dnscheck_build_info",
      // blackbox_exporter's port: /probe replaces it.
      .default_listen_address = ":9115",
  };
}

}  // namespace

namespace dnscheck {
int runCheckOnce(int argc, char** argv);
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "repair")
    return dnscheck::runRepair(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "check")
    return dnscheck::runCheckOnce(argc - 1, argv + 1);
  runtime::Exporter exporter(info());
  dnscheck::State state;
  dnscheck::addFlags(exporter.flags(), state.options);
  exporter.afterParse([&state] { state.load(); });
  dnscheck::registerAllCollectors(exporter.collectors(), state);
  exporter.route("/probe", [&state](const runtime::HttpRequest& request) {
    return dnscheck::serveProbe(state.modules, request);
  });
  const int code = exporter.run(argc, argv);
  if (state.scheduler) state.scheduler->stop();
  return code;
}
