// The cpu collector and its parsers (/proc/stat CPU lines, /proc/cpuinfo, CPU
// lists). Golden files were checked against prometheus-node-exporter 1.5.0 run
// on the same fixture tree (--collector.disable-defaults --collector.cpu
// --path.procfs/--path.sysfs); the values and labels are equal. Intended
// differences: series are ordered by CPU number rather than by label text
// (cpu="2" before cpu="10"), and a CPU that disappears from /proc/stat stops
// being exported instead of repeating its last values.

#include <doctest/doctest.h>

#include <stdexcept>

#include "collectors/collectors.h"
#include "procfs/cpuinfo.h"
#include "procfs/cpulist.h"
#include "procfs/stat.h"
#include "support/golden.h"
#include "support/temp_tree.h"

TEST_CASE("parseStat CPU lines") {
  SUBCASE("empty text has no CPUs") {
    auto stat = procfs::parseStat("");
    REQUIRE(stat);
    CHECK(stat->cpus.empty());
  }
  SUBCASE("the total line is skipped and ticks become seconds") {
    auto stat = procfs::parseStat(
        "cpu  18498 0 4501 93530 859 0 43 42 0 0\n"
        "cpu0 9332 1 1960 47422 23 5 7 17 3 2\n"
        "cpu1 9165 0 2541 46108 835 0 36 24 0 0\n");
    REQUIRE(stat);
    REQUIRE(stat->cpus.size() == 2);
    const auto& cpu0 = stat->cpus[0];
    CHECK(cpu0.cpu == 0);
    CHECK(cpu0.times.user == doctest::Approx(93.32));
    CHECK(cpu0.times.nice == doctest::Approx(0.01));
    CHECK(cpu0.times.system == doctest::Approx(19.60));
    CHECK(cpu0.times.idle == doctest::Approx(474.22));
    CHECK(cpu0.times.iowait == doctest::Approx(0.23));
    CHECK(cpu0.times.irq == doctest::Approx(0.05));
    CHECK(cpu0.times.softirq == doctest::Approx(0.07));
    CHECK(cpu0.times.steal == doctest::Approx(0.17));
    CHECK(cpu0.times.guest == doctest::Approx(0.03));
    CHECK(cpu0.times.guest_nice == doctest::Approx(0.02));
    CHECK(stat->cpus[1].cpu == 1);
  }
  SUBCASE("old kernels print fewer columns") {
    auto stat = procfs::parseStat("cpu3 100 200 300 400\n");
    REQUIRE(stat);
    REQUIRE(stat->cpus.size() == 1);
    CHECK(stat->cpus[0].cpu == 3);
    CHECK(stat->cpus[0].times.idle == 4);
    CHECK(stat->cpus[0].times.iowait == 0);
  }
  SUBCASE("garbage fails") {
    CHECK_FALSE(procfs::parseStat("cpu0 1 2 x 4\n"));
    CHECK_FALSE(procfs::parseStat("cpuX 1 2 3 4\n"));
    CHECK_FALSE(procfs::parseStat("cpu0 -1 2 3 4\n"));
  }
  SUBCASE("truncated file keeps what is complete") {
    auto stat = procfs::parseStat("cpu0 1 2 3 4 5 6 7 8 9 10\ncpu1 1 2");
    REQUIRE(stat);
    CHECK(stat->cpus.size() == 2);
  }
}

TEST_CASE("parseCpuInfo") {
  CHECK_FALSE(procfs::parseCpuInfo(""));
  CHECK_FALSE(procfs::parseCpuInfo("vendor_id\t: GenuineIntel\n"));
  CHECK_FALSE(procfs::parseCpuInfo("processor\t: zero\n"));
  CHECK_FALSE(procfs::parseCpuInfo("garbage\n"));

  auto cpus = procfs::parseCpuInfo(
      "processor\t: 0\n"
      "vendor_id\t: GenuineIntel\n"
      "cpu family\t: 6\n"
      "model\t\t: 85\n"
      "model name\t: Intel(R) Xeon(R) CPU           E5-2620 0 @ 2.00GHz\n"
      "stepping\t: 7\n"
      "microcode\t: 0x5003604\n"
      "cache size\t: 36608 KB\n"
      "physical id\t: 1\n"
      "core id\t\t: 3\n"
      "flags\t\t: fpu vme  de\n"
      "bugs\t\t:\n"
      "power management:\n"
      "\n"
      "processor\t: 1\n"
      "vendor_id\t: GenuineIntel\n");
  REQUIRE(cpus);
  REQUIRE(cpus->size() == 2);
  const auto& first = (*cpus)[0];
  CHECK(first.processor == 0);
  CHECK(first.vendor_id == "GenuineIntel");
  CHECK(first.cpu_family == "6");
  CHECK(first.model == "85");
  CHECK(first.model_name == "Intel(R) Xeon(R) CPU           E5-2620 0 @ 2.00GHz");
  CHECK(first.stepping == "7");
  CHECK(first.microcode == "0x5003604");
  CHECK(first.cache_size == "36608 KB");
  CHECK(first.physical_id == "1");
  CHECK(first.core_id == "3");
  CHECK(first.flags == std::vector<std::string>{"fpu", "vme", "de"});
  CHECK(first.bugs.empty());
  CHECK((*cpus)[1].processor == 1);
  CHECK((*cpus)[1].model.empty());
}

TEST_CASE("parseCpuList") {
  auto list = [](std::string_view text) { return procfs::parseCpuList(text); };
  REQUIRE(list(""));
  CHECK(list("")->empty());
  CHECK(list("\n")->empty());
  CHECK(*list("1\n") == std::vector<unsigned>{1});
  CHECK(*list("0-2,5,7-8") == std::vector<unsigned>{0, 1, 2, 5, 7, 8});
  CHECK_FALSE(list("a"));
  CHECK_FALSE(list("3-1"));
  CHECK_FALSE(list("1,,2"));
  CHECK_FALSE(list("1-"));
  CHECK_FALSE(list("0-4294967295"));
}

TEST_CASE("cpu collector against fixtures") {
  auto collector =
      testsupport::buildCollector(node::registerCpuCollector, testsupport::nodeFixturePaths());
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/cpu.prom", out.text);
}

TEST_CASE("cpu collector with cpu info, flags and bugs") {
  auto collector = testsupport::buildCollector(
      node::registerCpuCollector, testsupport::nodeFixturePaths(),
      {"--collector.cpu.info.flags-include=^(aes|avx.*)$",
       "--collector.cpu.info.bugs-include=spectre", "--no-collector.cpu.guest"});
  auto out = testsupport::render(*collector);
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/cpu_info.prom", out.text);
}

TEST_CASE("cpu collector rejects a bad flags pattern at start-up") {
  CHECK_THROWS_AS(
      testsupport::buildCollector(node::registerCpuCollector, testsupport::nodeFixturePaths(),
                                  {"--collector.cpu.info.flags-include=("}),
      std::invalid_argument);
}

TEST_CASE("cpu collector keeps counters from going backwards") {
  testsupport::TempTree tree;
  hostfs::Paths paths;
  paths.procfs = tree.path("proc");
  paths.sysfs = tree.path("sys");
  auto collector = testsupport::buildCollector(node::registerCpuCollector, paths);
  auto has = [](const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
  };

  tree.write("proc/stat", "cpu0 100 0 100 1000 50 0 0 0 0 0\ncpu1 1 0 0 10 0 0 0 0 0 0\n");
  auto first = testsupport::render(*collector);
  REQUIRE(first.status.isOk());
  CHECK(has(first.text, "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 0.5"));

  // iowait dips (a known kernel quirk): the served value holds; cpu1 is gone.
  tree.write("proc/stat", "cpu0 200 0 100 1100 40 0 0 0 0 0\n");
  auto second = testsupport::render(*collector);
  REQUIRE(second.status.isOk());
  CHECK(has(second.text, "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 0.5"));
  CHECK(has(second.text, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 2"));
  CHECK(second.text.find("cpu=\"1\"") == std::string::npos);

  // Idle falling by more than 3 s is a hot-plugged CPU starting over.
  tree.write("proc/stat", "cpu0 5 0 1 20 1 0 0 0 0 0\n");
  auto third = testsupport::render(*collector);
  REQUIRE(third.status.isOk());
  CHECK(has(third.text, "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 0.2"));
  CHECK(has(third.text, "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} 0.01"));
}

TEST_CASE("cpu collector with a missing or malformed file fails with the path") {
  SUBCASE("missing /proc/stat") {
    hostfs::Paths paths;
    paths.procfs = "/nonexistent";
    paths.sysfs = "/nonexistent";
    auto collector = testsupport::buildCollector(node::registerCpuCollector, paths);
    auto out = testsupport::render(*collector);
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find("/nonexistent/stat") != std::string::npos);
  }
  SUBCASE("malformed /proc/stat") {
    testsupport::TempTree tree;
    tree.write("proc/stat", "cpu0 1 2 three\n");
    hostfs::Paths paths;
    paths.procfs = tree.path("proc");
    paths.sysfs = tree.path("sys");
    auto out = testsupport::render(*testsupport::buildCollector(node::registerCpuCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("proc/stat")) != std::string::npos);
  }
  SUBCASE("malformed /proc/cpuinfo with --collector.cpu.info") {
    testsupport::TempTree tree;
    tree.write("proc/stat", "cpu0 1 2 3 4\n");
    tree.write("proc/cpuinfo", "model name\t: no processor line\n");
    hostfs::Paths paths;
    paths.procfs = tree.path("proc");
    paths.sysfs = tree.path("sys");
    auto out = testsupport::render(
        *testsupport::buildCollector(node::registerCpuCollector, paths, {"--collector.cpu.info"}));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("proc/cpuinfo")) != std::string::npos);
  }
  SUBCASE("malformed isolated list") {
    testsupport::TempTree tree;
    tree.write("proc/stat", "cpu0 1 2 3 4\n");
    tree.write("sys/devices/system/cpu/isolated", "1-x\n");
    hostfs::Paths paths;
    paths.procfs = tree.path("proc");
    paths.sysfs = tree.path("sys");
    auto out = testsupport::render(*testsupport::buildCollector(node::registerCpuCollector, paths));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.message().find(tree.path("sys/devices/system/cpu/isolated")) !=
          std::string::npos);
    // What was read before the failure is still served.
    CHECK(out.text.find("node_cpu_seconds_total") != std::string::npos);
  }
}
