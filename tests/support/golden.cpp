#include "support/golden.h"

#include "runtime/text_format.h"

#include <CLI/CLI.hpp>
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace testsupport {

std::string fixture(const std::string& relative) {
  return std::string(TERN_SOURCE_DIR) + "/tests/fixtures/" + relative;
}

hostfs::Paths nodeFixturePaths() {
  hostfs::Paths paths;
  paths.procfs = fixture("node/proc");
  paths.sysfs = fixture("node/sys");
  paths.rootfs = fixture("node/rootfs");
  paths.udev_data = fixture("node/udev/data");
  return paths;
}

Rendered render(runtime::Collector& collector) {
  runtime::MetricSink sink;
  Rendered rendered;
  rendered.status = collector.update(sink);
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  runtime::sortAndMerge(families);
  runtime::writeTextFormat(families, rendered.text);
  return rendered;
}

void checkGolden(const std::string& relative, const std::string& actual) {
  const std::string path = std::string(TERN_SOURCE_DIR) + "/tests/" + relative;
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream file(path);
  REQUIRE_MESSAGE(file.good(), "missing golden file " << path << " (run with UPDATE_GOLDEN=1)");
  std::stringstream expected;
  expected << file.rdbuf();
  CHECK_MESSAGE(expected.str() == actual, "output differs from " << path
                                                                  << "; UPDATE_GOLDEN=1 rewrites it. Got:\n"
                                                                  << actual);
}

std::unique_ptr<runtime::Collector> buildCollector(
    void (*register_fn)(runtime::CollectorRegistry&, const hostfs::Paths&),
    const hostfs::Paths& paths, const std::vector<std::string>& flags) {
  runtime::CollectorRegistry registry;
  register_fn(registry, paths);
  CLI::App app;
  registry.addFlags(app);
  std::vector<std::string> args = flags;
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  app.parse(args);
  REQUIRE(registry.specs().size() == 1);
  return registry.specs().front().make();
}

}  // namespace testsupport
