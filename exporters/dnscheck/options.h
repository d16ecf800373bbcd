#pragma once
// tern-dnscheck's own flags, and what start-up loads from the files they name.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "dnscheck/declared.h"
#include "dnscheck/probe/module.h"
#include "dnscheck/scheduler.h"

namespace dnscheck {

struct Options {
  std::string declared_file;  // --config.declared
  std::string module_file;    // --config.file (blackbox's format)
  double dns_timeout_seconds = 2;
  int authoritative_port = 53;
  int probe_concurrency = 8;
};

void addFlags(CLI::App& flags, Options& options);

// Everything the collectors and the /probe handler read, filled once the
// flags are parsed. The declared state's address is stable from the start
// (the Route53 collector is registered with a reference to it).
struct State {
  Options options;
  DeclaredState declared;
  probe::Modules modules;
  std::unique_ptr<Scheduler> scheduler;

  // Loads the files; throws "<file>:<line>: <reason>".
  void load();
};

}  // namespace dnscheck
