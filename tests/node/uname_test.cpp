// The uname collector. Strings come from <procfs>/sys/kernel/* (see the
// comment in the collector for why not uname(2)); the machine label comes
// from uname(2) and is replaced by @MACHINE@ before comparing with the golden
// file, so the test passes on any architecture. The golden file was checked
// against prometheus-node-exporter 1.5.0 on this machine, whose fixture files
// were copied from its /proc: equal output.

#include <doctest/doctest.h>
#include <sys/utsname.h>

#include "collectors/collectors.h"
#include "support/golden.h"

TEST_CASE("uname collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerUnameCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  struct utsname names;
  REQUIRE(::uname(&names) == 0);
  const std::string machine = std::string("machine=\"") + names.machine + "\"";
  auto at = out.text.find(machine);
  REQUIRE(at != std::string::npos);
  out.text.replace(at, machine.size(), "machine=\"@MACHINE@\"");
  testsupport::checkGolden("node/golden/uname.prom", out.text);
}

TEST_CASE("uname collector with a missing file fails with the path") {
  hostfs::Paths paths;
  paths.procfs = "/nonexistent";
  auto out = testsupport::render(*testsupport::buildCollector(node::registerUnameCollector, paths));
  CHECK_FALSE(out.status.isOk());
  CHECK(out.status.message().find("/nonexistent/sys/kernel/ostype") != std::string::npos);
}
