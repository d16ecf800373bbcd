#include "custom_metrics.h"

#include <cmath>

namespace shipper {

CustomMetrics::CounterId CustomMetrics::counter(const std::string& name, const std::string& help,
                                                Clock::duration max_idle) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < families_.size(); ++i) {
    if (families_[i].name == name) return i;
  }
  families_.push_back(Family{name, help, max_idle, {}});
  return families_.size() - 1;
}

void CustomMetrics::add(CounterId id, const Labels& labels, double delta, Clock::time_point now) {
  if (!(delta >= 0)) return;
  Labels kept;
  kept.reserve(labels.size());
  for (const auto& label : labels) {
    if (label.first.rfind("__", 0) != 0) kept.push_back(label);
  }
  std::lock_guard lock(mutex_);
  if (id >= families_.size()) return;
  Series& series = families_[id].series[std::move(kept)];
  series.value += delta;
  series.updated = now;
}

double CustomMetrics::value(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mutex_);
  for (const Family& family : families_) {
    if (family.name != name) continue;
    auto it = family.series.find(labels);
    return it == family.series.end() ? 0 : it->second.value;
  }
  return 0;
}

std::size_t CustomMetrics::seriesCount() const {
  std::lock_guard lock(mutex_);
  std::size_t count = 0;
  for (const Family& family : families_) count += family.series.size();
  return count;
}

void CustomMetrics::collect(runtime::MetricSink& sink, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  for (Family& family : families_) {
    if (family.max_idle > Clock::duration::zero()) {
      std::erase_if(family.series,
                    [&](const auto& item) { return now - item.second.updated > family.max_idle; });
    }
    if (family.series.empty()) continue;
    runtime::MetricFamily& out = sink.counter(family.name, family.help);
    for (const auto& [labels, series] : family.series) {
      runtime::Labels rendered;
      rendered.reserve(labels.size());
      for (const auto& [name, value] : labels) rendered.push_back({name, value});
      runtime::addSample(out, series.value, std::move(rendered));
    }
  }
}

}  // namespace shipper
