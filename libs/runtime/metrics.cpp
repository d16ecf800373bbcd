#include "runtime/metrics.h"

namespace runtime {

MetricFamily& MetricSink::family(std::string name, std::string help, MetricType type) {
  MetricFamily& family = families_.emplace_back();
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void MetricSink::gauge(std::string name, std::string help, double value, Labels labels) {
  addSample(gauge(std::move(name), std::move(help)), value, std::move(labels));
}

void MetricSink::counter(std::string name, std::string help, double value, Labels labels) {
  addSample(counter(std::move(name), std::move(help)), value, std::move(labels));
}

void MetricSink::drainInto(std::vector<MetricFamily>& out) {
  for (MetricFamily& family : families_) {
    if (!family.metric.empty()) out.push_back(std::move(family));
  }
  families_.clear();
}

void addSample(MetricFamily& family, double value, Labels labels) {
  ClientMetric& metric = family.metric.emplace_back();
  metric.label = std::move(labels);
  switch (family.type) {
    case MetricType::Counter: metric.counter.value = value; break;
    case MetricType::Gauge: metric.gauge.value = value; break;
    default: metric.untyped.value = value; break;
  }
}

}  // namespace runtime
