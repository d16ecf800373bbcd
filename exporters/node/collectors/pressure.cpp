// pressure: pressure stall totals from /proc/pressure/{cpu,io,memory}
// (Linux >= 4.20 with CONFIG_PSI).

#include "procfs/pressure.h"

#include "collectors/collectors.h"
#include "hostfs/read.h"

namespace node {
namespace {

// The kernel counts microseconds. Dividing by 1000 twice rather than by 1e6
// gives the same doubles as node_exporter, down to the last bit.
double seconds(std::uint64_t microseconds) {
  return static_cast<double>(microseconds) / 1000.0 / 1000.0;
}

class PressureCollector : public runtime::Collector {
 public:
  explicit PressureCollector(const hostfs::Paths& paths)
      : cpu_path_(paths.proc("pressure/cpu")),
        io_path_(paths.proc("pressure/io")),
        memory_path_(paths.proc("pressure/memory")) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    procfs::Pressure cpu, io, memory;
    if (auto status = read(cpu_path_, false, cpu); !status.isOk()) return status;
    sink.counter("node_pressure_cpu_waiting_seconds_total",
                 "Total time in seconds that processes have waited for CPU time",
                 seconds(cpu.some->total_us));
    if (auto status = read(io_path_, true, io); !status.isOk()) return status;
    sink.counter("node_pressure_io_waiting_seconds_total",
                 "Total time in seconds that processes have waited due to IO congestion",
                 seconds(io.some->total_us));
    sink.counter("node_pressure_io_stalled_seconds_total",
                 "Total time in seconds no process could make progress due to IO congestion",
                 seconds(io.full->total_us));
    if (auto status = read(memory_path_, true, memory); !status.isOk()) return status;
    sink.counter("node_pressure_memory_waiting_seconds_total",
                 "Total time in seconds that processes have waited for memory",
                 seconds(memory.some->total_us));
    sink.counter("node_pressure_memory_stalled_seconds_total",
                 "Total time in seconds no process could make progress due to memory congestion",
                 seconds(memory.full->total_us));
    return runtime::Status::ok();
  }

 private:
  static runtime::Status read(const std::string& path, bool need_full, procfs::Pressure& into) {
    auto text = hostfs::readFile(path);
    if (!text) {
      if (text.error().notFound()) {
        return runtime::Status::noData(
            text.error().message() +
            " (pressure information needs Linux >= 4.20 built with CONFIG_PSI)");
      }
      return runtime::Status::failure(text.error().message());
    }
    auto pressure = procfs::parsePressure(*text);
    if (!pressure) return runtime::Status::failure(path + ": " + pressure.error());
    if (!pressure->some) return runtime::Status::failure(path + ": no \"some\" line");
    if (need_full && !pressure->full) return runtime::Status::failure(path + ": no \"full\" line");
    into = *pressure;
    return runtime::Status::ok();
  }

  std::string cpu_path_;
  std::string io_path_;
  std::string memory_path_;
};

}  // namespace

void registerPressureCollector(runtime::CollectorRegistry& registry, const hostfs::Paths& paths) {
  registry.add({.name = "pressure", .enabled_by_default = true, .make = [&paths] {
                  return std::make_unique<PressureCollector>(paths);
                }});
}

}  // namespace node
