// `tern-dnscheck check --config.declared=FILE`: one cycle of the declared
// record checks (and probes, with --probes), printed as exposition text, for
// a quick look from a shell and for bench/dnscheck.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "dnscheck/options.h"
#include "runtime/text_format.h"

namespace dnscheck {

int runCheckOnce(int argc, char** argv) {
  CLI::App app("One cycle of tern-dnscheck's declared checks, printed.", "tern-dnscheck check");
  State state;
  addFlags(app, state.options);
  bool probes = false;
  bool quiet = false;
  app.add_flag("--probes", probes, "Run the site and TLS probes too.");
  app.add_flag("--quiet", quiet, "Print nothing (timing runs).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    state.load();
  } catch (const std::exception& e) {
    std::cerr << "tern-dnscheck check: " << e.what() << "\n";
    return 1;
  }
  std::vector<runtime::MetricFamily> families;
  {
    runtime::MetricSink sink;
    writeDnsCycle(*state.scheduler->runDnsCycle(), sink);
    sink.drainInto(families);
  }
  if (probes) {
    auto probed = state.scheduler->runProbeCycle();
    families.insert(families.end(), probed->begin(), probed->end());
  }
  if (quiet) return 0;
  runtime::sortAndMerge(families);
  std::string text;
  runtime::writeTextFormat(families, text);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace dnscheck
