// Test-only stand-in for tern-dnscheck until its main is merged: the
// exporter runtime with only the route53 collector, and the `repair`
// subcommand, dispatched the way tern-dnscheck's main does. The declared
// state comes from the TEMPORARY loader (declared_loader_temp.cpp).

#include <CLI/CLI.hpp>
#include <stdexcept>
#include <string>

#include "dnscheck/declared_loader.h"
#include "dnscheck/repair.h"
#include "dnscheck/route53/collector.h"
#include "runtime/exporter.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "repair") return dnscheck::runRepair(argc - 1, argv + 1);
  runtime::Exporter exporter({
      .program = "tern-dnscheck-route53",
      .description = "Test harness: tern-dnscheck's route53 collector alone.",
      .metric_namespace = "dnscheck",
      .build_info_name = "dnscheck_build_info",
      .default_listen_address = ":9799",
  });
  dnscheck::DeclaredState state;
  exporter.flags()
      .add_option_function<std::string>(
          "--config.declared",
          [&state](const std::string& path) {
            try {
              state = dnscheck::loadDeclaredState(path);
            } catch (const std::runtime_error& error) {
              throw CLI::ValidationError("--config.declared", error.what());
            }
          },
          "The declared state (YAML)")
      ->required();
  dnscheck::registerRoute53Collector(exporter.collectors(), state);
  return exporter.run(argc, argv);
}
