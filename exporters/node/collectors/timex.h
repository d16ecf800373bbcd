#pragma once
// The timex collector, with the adjtimex(2) call as a parameter so tests can
// feed it known kernel values.

#include <sys/timex.h>

#include <functional>
#include <memory>

#include "runtime/collector.h"

namespace node {

struct AdjtimexReading {
  int clock_state = 0;   // adjtimex's return value: TIME_OK ... TIME_ERROR
  int error_number = 0;  // errno when the call failed, else 0
  struct timex values {};
};
using Adjtimex = std::function<AdjtimexReading()>;

// adjtimex(2) with modes 0: reads the kernel clock discipline, changes nothing.
AdjtimexReading readAdjtimex();

std::unique_ptr<runtime::Collector> makeTimexCollector(Adjtimex adjtimex);

}  // namespace node
