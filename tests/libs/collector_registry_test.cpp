#include "runtime/collector.h"

#include <CLI/CLI.hpp>
#include <doctest/doctest.h>

namespace {
class Nothing : public runtime::Collector {
 public:
  runtime::Status update(runtime::MetricSink&) override { return runtime::Status::ok(); }
};

std::vector<std::string> enabledAfter(std::vector<std::string> args) {
  runtime::CollectorRegistry registry;
  for (auto [name, on] : {std::pair{"cpu", true}, {"meminfo", true}, {"ntp", false}}) {
    registry.add({.name = name, .enabled_by_default = on,
                  .make = [] { return std::make_unique<Nothing>(); }});
  }
  CLI::App app;
  registry.addFlags(app);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  std::vector<std::string> names;
  for (auto& enabled : registry.build()) names.push_back(enabled.name);
  return names;
}
}  // namespace

TEST_CASE("collector flags: defaults, enable, disable, disable-defaults") {
  using V = std::vector<std::string>;
  CHECK(enabledAfter({}) == V{"cpu", "meminfo"});
  CHECK(enabledAfter({"--collector.ntp"}) == V{"cpu", "meminfo", "ntp"});
  CHECK(enabledAfter({"--no-collector.cpu"}) == V{"meminfo"});
  CHECK(enabledAfter({"--collector.disable-defaults"}) == V{});
  CHECK(enabledAfter({"--collector.disable-defaults", "--collector.cpu"}) == V{"cpu"});
  CHECK(enabledAfter({"--collector.disable-defaults", "--collector.ntp"}) == V{"ntp"});
}
