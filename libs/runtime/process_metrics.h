#pragma once
// The exporter's own process_* metrics, read from the real /proc/self (not
// --path.procfs: this is about our process, wherever the host is mounted).

#include "runtime/collector.h"

#include <string>

namespace runtime {

class ProcessCollector : public Collector {
 public:
  explicit ProcessCollector(std::string self_dir = "/proc/self");
  Status update(MetricSink& sink) override;

 private:
  std::string self_dir_;
  double boot_time_seconds_ = 0;
  long ticks_per_second_;
  long page_size_;
};

}  // namespace runtime
