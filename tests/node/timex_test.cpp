// The timex collector, fed fixed adjtimex(2) readings so the unit conversions
// are checked value by value; one test calls the real syscall and checks only
// names and types, which it shares with /work/ref/ne-metrics.txt (the values
// there, 16 s maxerror, 0.01 s tick, status 64, are this VM's unsynchronised
// clock).

#include "collectors/timex.h"

#include <doctest/doctest.h>

#include <cerrno>

#include "collectors/collectors.h"
#include "support/golden.h"

namespace {

// A clock disciplined by chronyd in nanosecond mode with a PPS source.
node::AdjtimexReading synchronisedNano() {
  node::AdjtimexReading reading;
  reading.clock_state = TIME_OK;
  struct timex& tx = reading.values;
  tx.status = STA_PLL | STA_PPSFREQ | STA_PPSSIGNAL | STA_NANO;  // 0x2103
  tx.offset = -1500000;                                          // ns: -1.5 ms
  tx.freq = 10 * 65536;                                          // +10 ppm
  tx.maxerror = 16000000;                                        // us
  tx.esterror = 250;                                             // us
  tx.constant = 6;
  tx.tick = 10000;          // us
  tx.ppsfreq = -3 * 65536;  // -3 ppm
  tx.jitter = 2000;         // ns
  tx.shift = 4;
  tx.stabil = 65536 / 2;  // 0.5 ppm
  tx.jitcnt = 1;
  tx.calcnt = 42;
  tx.errcnt = 2;
  tx.stbcnt = 3;
  tx.tai = 37;
  return reading;
}

// An unsynchronised clock in microsecond mode.
node::AdjtimexReading unsynchronisedMicro() {
  node::AdjtimexReading reading;
  reading.clock_state = TIME_ERROR;
  reading.values.status = STA_UNSYNC;  // 64, as on this VM
  reading.values.offset = 1500;        // us: 1.5 ms
  reading.values.jitter = 20;          // us
  reading.values.tick = 10000;
  return reading;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("timex collector converts a synchronised nanosecond reading") {
  auto out = testsupport::render(*node::makeTimexCollector(synchronisedNano));
  CHECK(out.status.isOk());
  testsupport::checkGolden("node/golden/timex.prom", out.text);
}

TEST_CASE("timex collector with an unsynchronised microsecond reading") {
  auto out = testsupport::render(*node::makeTimexCollector(unsynchronisedMicro));
  CHECK(out.status.isOk());
  CHECK(has(out.text, "node_timex_sync_status 0"));
  CHECK(has(out.text, "node_timex_status 64"));
  CHECK(has(out.text, "node_timex_offset_seconds 0.0015"));
  CHECK(has(out.text, "node_timex_pps_jitter_seconds 2e-05"));
  CHECK(has(out.text, "node_timex_frequency_adjustment_ratio 1"));
}

TEST_CASE("timex collector on the real kernel has node_exporter's families") {
  auto collector = testsupport::buildCollector(node::registerTimexCollector, hostfs::Paths{});
  auto out = testsupport::render(*collector);
  if (out.status.isNoData()) return;  // adjtimex forbidden by a sandbox
  REQUIRE(out.status.isOk());
  for (const char* gauge :
       {"estimated_error_seconds", "frequency_adjustment_ratio", "loop_time_constant",
        "maxerror_seconds", "offset_seconds", "pps_frequency_hertz", "pps_jitter_seconds",
        "pps_shift_seconds", "pps_stability_hertz", "status", "sync_status", "tai_offset_seconds",
        "tick_seconds"}) {
    CHECK(has(out.text, std::string("# TYPE node_timex_") + gauge + " gauge"));
  }
  for (const char* counter : {"pps_calibration_total", "pps_error_total", "pps_jitter_total",
                              "pps_stability_exceeded_total"}) {
    CHECK(has(out.text, std::string("# TYPE node_timex_") + counter + " counter"));
  }
}

TEST_CASE("timex collector when adjtimex fails") {
  SUBCASE("forbidden: no data") {
    auto out = testsupport::render(*node::makeTimexCollector([] {
      node::AdjtimexReading reading;
      reading.clock_state = -1;
      reading.error_number = EPERM;
      return reading;
    }));
    CHECK_FALSE(out.status.isOk());
    CHECK(out.status.isNoData());
    CHECK(out.status.message().find("adjtimex") != std::string::npos);
    CHECK(out.text.empty());
  }
  SUBCASE("other errors: failure") {
    auto out = testsupport::render(*node::makeTimexCollector([] {
      node::AdjtimexReading reading;
      reading.clock_state = -1;
      reading.error_number = EINVAL;
      return reading;
    }));
    CHECK_FALSE(out.status.isOk());
    CHECK_FALSE(out.status.isNoData());
    CHECK(out.status.message().find("adjtimex") != std::string::npos);
  }
}
