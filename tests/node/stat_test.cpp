// The stat collector and the non-CPU lines of /proc/stat. Golden files were
// checked against prometheus-node-exporter 1.5.0 on the same fixture
// (--collector.disable-defaults --collector.stat [--collector.stat.softirq]):
// equal names, HELP, types, labels and values. Intended difference: softirq
// vectors come in kernel order rather than sorted by name.

#include "procfs/stat.h"

#include <doctest/doctest.h>

#include "collectors/collectors.h"
#include "support/golden.h"
#include "support/temp_tree.h"

TEST_CASE("parseStat totals") {
  SUBCASE("real sample") {
    auto stat = procfs::parseStat(
        "cpu  18498 0 4501 93530 859 0 43 42 0 0\n"
        "intr 202409 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 14\n"
        "ctxt 325046\n"
        "btime 1795249695\n"
        "processes 5743\n"
        "procs_running 3\n"
        "procs_blocked 1\n"
        "softirq 126518 0 14583 4 1353 53857 0 3 30978 0 25740\n");
    REQUIRE(stat);
    CHECK(stat->interrupts == 202409);
    CHECK(stat->context_switches == 325046);
    CHECK(stat->boot_time == 1795249695);
    CHECK(stat->forks == 5743);
    CHECK(stat->procs_running == 3);
    CHECK(stat->procs_blocked == 1);
    CHECK(stat->softirqs.total == 126518);
    CHECK(stat->softirqs.per_vector[1] == 14583);  // timer
    CHECK(stat->softirqs.per_vector[9] == 25740);  // rcu
  }
  SUBCASE("absent lines read as zero") {
    auto stat = procfs::parseStat("ctxt 5\nunknown line here\n\n");
    REQUIRE(stat);
    CHECK(stat->context_switches == 5);
    CHECK(stat->boot_time == 0);
  }
  SUBCASE("malformed values fail") {
    CHECK_FALSE(procfs::parseStat("ctxt many\n"));
    CHECK_FALSE(procfs::parseStat("btime -1\n"));
    CHECK_FALSE(procfs::parseStat("intr 1x 2 3\n"));
    CHECK_FALSE(procfs::parseStat("softirq 10 1 2 3\n"));  // truncated vector list
    CHECK_FALSE(procfs::parseStat("softirq 10 1 2 3 4 5 6 7 8 9 ten\n"));
  }
}

TEST_CASE("stat collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerStatCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/stat.prom", out.text);
}

TEST_CASE("stat collector with softirqs") {
  auto collector = testsupport::buildCollector(
      node::registerStatCollector, testsupport::nodeFixturePaths(), {"--collector.stat.softirq"});
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/stat_softirq.prom", out.text);
}

TEST_CASE("stat collector with a missing or malformed file fails with the path") {
  SUBCASE("missing") {
    hostfs::Paths paths;
    paths.procfs = "/nonexistent";
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerStatCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find("/nonexistent/stat") != std::string::npos);
  }
  SUBCASE("malformed") {
    testsupport::TempTree tree;
    tree.write("proc/stat", "ctxt 12\nprocesses lots\n");
    hostfs::Paths paths;
    paths.procfs = tree.path("proc");
    auto out =
        testsupport::render(*testsupport::buildCollector(node::registerStatCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("proc/stat")) != std::string::npos);
    CHECK(out.status.message().find("processes") != std::string::npos);
  }
}
