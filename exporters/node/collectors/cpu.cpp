// cpu: per-CPU time counters from /proc/stat (node_cpu_seconds_total,
// node_cpu_guest_seconds_total), /proc/cpuinfo labels with
// --collector.cpu.info, isolated CPUs and thermal throttle counters from
// /sys/devices/system/cpu.


#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <utility>

#include "collectors/collectors.h"
#include "hostfs/read.h"
#include "log/log.h"
#include "procfs/cpuinfo.h"
#include "procfs/cpulist.h"
#include "procfs/stat.h"
#include "runtime/filter.h"

namespace node {
namespace {

struct CpuOptions {
  bool guest = true;
  bool info = false;
  std::string flags_include;
  std::string bugs_include;
};

// An idle counter falling back this far means the CPU was unplugged and came
// back: its counters restart from zero, and so do ours (node_exporter's value).
constexpr double kIdleJumpBackSeconds = 3.0;

// Keeps each counter from going backwards. The kernel's iowait (and, across
// CPU hotplug, the others) can decrease, which Prometheus would read as a
// counter reset and turn into a huge rate. Like node_exporter we remember the
// last value we served per CPU; unlike it we forget CPUs that have vanished
// instead of serving their last values forever.
procfs::CpuTimes keepMonotonic(procfs::CpuTimes served, const procfs::CpuTimes& now) {
  if (served.idle - now.idle >= kIdleJumpBackSeconds) served = {};
  auto advance = [](double& kept, double current) { kept = std::max(kept, current); };
  advance(served.user, now.user);
  advance(served.nice, now.nice);
  advance(served.system, now.system);
  advance(served.idle, now.idle);
  advance(served.iowait, now.iowait);
  advance(served.irq, now.irq);
  advance(served.softirq, now.softirq);
  advance(served.steal, now.steal);
  advance(served.guest, now.guest);
  advance(served.guest_nice, now.guest_nice);
  return served;
}

class CpuCollector : public runtime::Collector {
 public:
  CpuCollector(const hostfs::Paths& paths, const CpuOptions& options)
      : stat_path_(paths.proc("stat")),
        cpuinfo_path_(paths.proc("cpuinfo")),
        cpu_dir_(paths.sys("devices/system/cpu")),
        guest_(options.guest),
        // Asking for flags or bugs implies asking for the info, as upstream.
        info_(options.info || !options.flags_include.empty() || !options.bugs_include.empty()) {
    if (!options.flags_include.empty()) {
      flags_include_ =
          std::make_unique<runtime::Pattern>(options.flags_include, "--collector.cpu.info.flags-include");
    }
    if (!options.bugs_include.empty()) {
      bugs_include_ =
          std::make_unique<runtime::Pattern>(options.bugs_include, "--collector.cpu.info.bugs-include");
    }
  }

  runtime::Status update(runtime::MetricSink& sink) override {
    if (info_) {
      if (auto status = updateInfo(sink); !status.isOk()) return status;
    }
    if (auto status = updateStat(sink); !status.isOk()) return status;
    if (auto status = updateIsolated(sink); !status.isOk()) return status;
    return updateThermalThrottle(sink);
  }

 private:
  runtime::Status updateInfo(runtime::MetricSink& sink) {
    auto text = hostfs::readFile(cpuinfo_path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto cpus = procfs::parseCpuInfo(*text);
    if (!cpus) return runtime::Status::failure(cpuinfo_path_ + ": " + cpus.error());
    auto& info = sink.gauge("node_cpu_info", "CPU information from /proc/cpuinfo.");
    for (const procfs::CpuInfo& cpu : *cpus) {
      runtime::addSample(info, 1,
                         {{"cachesize", cpu.cache_size},
                          {"core", cpu.core_id},
                          {"cpu", std::to_string(cpu.processor)},
                          {"family", cpu.cpu_family},
                          {"microcode", cpu.microcode},
                          {"model", cpu.model},
                          {"model_name", cpu.model_name},
                          {"package", cpu.physical_id},
                          {"stepping", cpu.stepping},
                          {"vendor", cpu.vendor_id}});
    }
    // Flags and bugs are the same on every core of a sane machine; the first
    // one speaks for all.
    const procfs::CpuInfo& first = cpus->front();
    addMatching(sink.gauge("node_cpu_flag_info",
                           "The `flags` field of CPU information from /proc/cpuinfo taken from "
                           "the first core."),
                "flag", first.flags, flags_include_.get());
    addMatching(sink.gauge("node_cpu_bug_info",
                           "The `bugs` field of CPU information from /proc/cpuinfo taken from the "
                           "first core."),
                "bug", first.bugs, bugs_include_.get());
    return runtime::Status::ok();
  }

  static void addMatching(runtime::MetricFamily& family, const char* label,
                          std::vector<std::string> values, const runtime::Pattern* include) {
    if (!include) return;  // without a pattern, none is exported
    std::sort(values.begin(), values.end());
    for (const std::string& value : values) {
      if (include->matches(value)) runtime::addSample(family, 1, {{label, value}});
    }
  }

  runtime::Status updateStat(runtime::MetricSink& sink) {
    auto text = hostfs::readFile(stat_path_);
    if (!text) return runtime::Status::failure(text.error().message());
    auto stat = procfs::parseStat(*text);
    if (!stat) return runtime::Status::failure(stat_path_ + ": " + stat.error());

    auto& seconds = sink.counter("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.");
    auto& guest = sink.counter("node_cpu_guest_seconds_total",
                               "Seconds the CPUs spent in guests (VMs) for each mode.");
    std::map<std::int64_t, procfs::CpuTimes> served;
    for (const procfs::CpuLine& line : stat->cpus) {
      auto previous = served_.find(line.cpu);
      const procfs::CpuTimes times =
          previous == served_.end() ? line.times : keepMonotonic(previous->second, line.times);
      served[line.cpu] = times;
      const std::string cpu = std::to_string(line.cpu);
      // Modes in label order, so the output reads like node_exporter's.
      for (auto [mode, value] : {std::pair{"idle", times.idle},
                                 {"iowait", times.iowait},
                                 {"irq", times.irq},
                                 {"nice", times.nice},
                                 {"softirq", times.softirq},
                                 {"steal", times.steal},
                                 {"system", times.system},
                                 {"user", times.user}}) {
        runtime::addSample(seconds, value, {{"cpu", cpu}, {"mode", mode}});
      }
      if (guest_) {
        // Guest time is also counted in user and nice; exported apart.
        runtime::addSample(guest, times.guest_nice, {{"cpu", cpu}, {"mode", "nice"}});
        runtime::addSample(guest, times.guest, {{"cpu", cpu}, {"mode", "user"}});
      }
    }
    served_ = std::move(served);
    return runtime::Status::ok();
  }

  runtime::Status updateIsolated(runtime::MetricSink& sink) {
    const std::string path = cpu_dir_ + "/isolated";
    auto text = hostfs::readFile(path);
    if (!text) {
      if (text.error().notFound()) return runtime::Status::ok();  // older kernels
      return runtime::Status::failure(text.error().message());
    }
    auto cpus = procfs::parseCpuList(*text);
    if (!cpus) return runtime::Status::failure(path + ": " + cpus.error());
    auto& isolated = sink.gauge(
        "node_cpu_isolated",
        "Whether each core is isolated, information from /sys/devices/system/cpu/isolated.");
    for (unsigned cpu : *cpus) runtime::addSample(isolated, 1, {{"cpu", std::to_string(cpu)}});
    return runtime::Status::ok();
  }

  // Intel's thermal_throttle counters, per core and per package. CPUs of one
  // core (hyper-threads) or one package share a counter, so each is read once.
  runtime::Status updateThermalThrottle(runtime::MetricSink& sink) {
    auto entries = hostfs::listDirectory(cpu_dir_);
    if (!entries) {
      if (entries.error().notFound()) return runtime::Status::ok();
      return runtime::Status::failure(entries.error().message());
    }
    std::map<std::uint64_t, std::uint64_t> package_throttles;
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::uint64_t> core_throttles;
    for (const std::string& name : *entries) {
      if (name.size() < 4 || name.compare(0, 3, "cpu") != 0 || name[3] < '0' || name[3] > '9') {
        continue;
      }
      const std::string dir = cpu_dir_ + "/" + name;
      // Most CPUs (AMD, virtual machines) have no counters: one stat instead
      // of reading their topology, with the same result.
      if (!hostfs::exists(dir + "/thermal_throttle")) continue;
      auto package = hostfs::readUnsigned(dir + "/topology/physical_package_id");
      auto core = hostfs::readUnsigned(dir + "/topology/core_id");
      if (!package || !core) {
        TERN_LOG(logging::Level::debug, "CPU is missing its topology", {"cpu", name});
        continue;
      }
      const auto core_key = std::pair{*package, *core};
      if (!core_throttles.contains(core_key)) {
        if (auto count = hostfs::readUnsigned(dir + "/thermal_throttle/core_throttle_count")) {
          core_throttles[core_key] = *count;
        }
      }
      if (!package_throttles.contains(*package)) {
        if (auto count = hostfs::readUnsigned(dir + "/thermal_throttle/package_throttle_count")) {
          package_throttles[*package] = *count;
        }
      }
    }
    auto& cores = sink.counter("node_cpu_core_throttles_total",
                               "Number of times this CPU core has been throttled.");
    for (const auto& [key, count] : core_throttles) {
      runtime::addSample(
          cores, static_cast<double>(count),
          {{"core", std::to_string(key.second)}, {"package", std::to_string(key.first)}});
    }
    auto& packages = sink.counter("node_cpu_package_throttles_total",
                                  "Number of times this CPU package has been throttled.");
    for (const auto& [package, count] : package_throttles) {
      runtime::addSample(packages, static_cast<double>(count),
                         {{"package", std::to_string(package)}});
    }
    return runtime::Status::ok();
  }

  std::string stat_path_;
  std::string cpuinfo_path_;
  std::string cpu_dir_;
  bool guest_;
  bool info_;
  std::unique_ptr<runtime::Pattern> flags_include_;
  std::unique_ptr<runtime::Pattern> bugs_include_;
  // The counters served last scrape, per CPU (see keepMonotonic).
  std::map<std::int64_t, procfs::CpuTimes> served_;
};

}  // namespace

void registerCpuCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  auto options = std::make_shared<CpuOptions>();
  registry.add(
      {.name = "cpu",
       .enabled_by_default = true,
       .add_flags =
           [options](CLI::App& app) {
             app.add_flag("--collector.cpu.guest,!--no-collector.cpu.guest", options->guest,
                          "Enables metric node_cpu_guest_seconds_total")
                 ->capture_default_str()
                 ->group("Collectors");
             app.add_flag("--collector.cpu.info,!--no-collector.cpu.info", options->info,
                          "Enables metric cpu_info")
                 ->group("Collectors");
             app.add_option("--collector.cpu.info.flags-include", options->flags_include,
                            "Filter the `flags` field in cpuInfo with a value that must "
                            "be a regular expression")
                 ->group("Collectors");
             app.add_option("--collector.cpu.info.bugs-include", options->bugs_include,
                            "Filter the `bugs` field in cpuInfo with a value that must be "
                            "a regular expression")
                 ->group("Collectors");
           },
       .make = [&paths, options] { return std::make_unique<CpuCollector>(paths, *options); }});
}

}  // namespace node
