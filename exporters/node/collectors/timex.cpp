// timex: the kernel's clock discipline (NTP/PTP state) from adjtimex(2), in
// node_exporter's units. Not file-based, so --path.* does not apply.

#include "collectors/timex.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "collectors/collectors.h"

namespace node {
namespace {

constexpr double kMicroseconds = 1e6;
constexpr double kNanoseconds = 1e9;
// Frequencies are in parts per million with a 16-bit binary fraction
// (adjtimex(2), NOTES).
constexpr double kPpm16Fraction = 1000000.0 * 65536.0;

class TimexCollector : public runtime::Collector {
 public:
  explicit TimexCollector(Adjtimex adjtimex) : adjtimex_(std::move(adjtimex)) {}

  runtime::Status update(runtime::MetricSink& sink) override {
    AdjtimexReading reading = adjtimex_();
    if (reading.error_number != 0) {
      std::string message = std::string("adjtimex: ") + std::strerror(reading.error_number);
      // A sandbox (seccomp) forbidding the call is a setting, not a fault.
      if (reading.error_number == EPERM) return runtime::Status::noData(message);
      return runtime::Status::failure(message);
    }
    const struct timex& tx = reading.values;
    // Offset and jitter are in nanoseconds when the kernel says STA_NANO.
    const double divisor = (tx.status & STA_NANO) ? kNanoseconds : kMicroseconds;
    auto value = [](auto number) { return static_cast<double>(number); };

    sink.gauge("node_timex_sync_status",
               "Is clock synchronized to a reliable server (1 = yes, 0 = no).",
               reading.clock_state == TIME_ERROR ? 0 : 1);
    sink.gauge("node_timex_offset_seconds",
               "Time offset in between local system and reference clock.",
               value(tx.offset) / divisor);
    sink.gauge("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.",
               1 + value(tx.freq) / kPpm16Fraction);
    sink.gauge("node_timex_maxerror_seconds", "Maximum error in seconds.",
               value(tx.maxerror) / kMicroseconds);
    sink.gauge("node_timex_estimated_error_seconds", "Estimated error in seconds.",
               value(tx.esterror) / kMicroseconds);
    sink.gauge("node_timex_status", "Value of the status array bits.", value(tx.status));
    sink.gauge("node_timex_loop_time_constant", "Phase-locked loop time constant.",
               value(tx.constant));
    sink.gauge("node_timex_tick_seconds", "Seconds between clock ticks.",
               value(tx.tick) / kMicroseconds);
    sink.gauge("node_timex_pps_frequency_hertz", "Pulse per second frequency.",
               value(tx.ppsfreq) / kPpm16Fraction);
    sink.gauge("node_timex_pps_jitter_seconds", "Pulse per second jitter.",
               value(tx.jitter) / divisor);
    sink.gauge("node_timex_pps_shift_seconds", "Pulse per second interval duration.",
               value(tx.shift));
    sink.gauge("node_timex_pps_stability_hertz",
               "Pulse per second stability, average of recent frequency changes.",
               value(tx.stabil) / kPpm16Fraction);
    sink.counter("node_timex_pps_jitter_total",
                 "Pulse per second count of jitter limit exceeded events.", value(tx.jitcnt));
    sink.counter("node_timex_pps_calibration_total",
                 "Pulse per second count of calibration intervals.", value(tx.calcnt));
    sink.counter("node_timex_pps_error_total", "Pulse per second count of calibration errors.",
                 value(tx.errcnt));
    sink.counter("node_timex_pps_stability_exceeded_total",
                 "Pulse per second count of stability limit exceeded events.", value(tx.stbcnt));
    sink.gauge("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.",
               value(tx.tai));
    return runtime::Status::ok();
  }

 private:
  Adjtimex adjtimex_;
};

}  // namespace

AdjtimexReading readAdjtimex() {
  AdjtimexReading reading;
  reading.values.modes = 0;
  reading.clock_state = ::adjtimex(&reading.values);
  if (reading.clock_state < 0) reading.error_number = errno;
  return reading;
}

std::unique_ptr<runtime::Collector> makeTimexCollector(Adjtimex adjtimex) {
  return std::make_unique<TimexCollector>(std::move(adjtimex));
}

void registerTimexCollector(runtime::CollectorRegistry& registry, const hostfs::Paths&) {
  registry.add({.name = "timex", .enabled_by_default = true, .make = [] {
                  return makeTimexCollector(readAdjtimex);
                }});
}

}  // namespace node
