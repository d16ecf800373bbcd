#include "runtime/metrics.h"

#include <limits>

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
    case MetricType::Counter:
      metric.counter.value = value;
      break;
    case MetricType::Gauge:
      metric.gauge.value = value;
      break;
    default:
      metric.untyped.value = value;
      break;
  }
}

void addHistogram(MetricFamily& family, std::span<const double> bounds,
                  std::span<const std::uint64_t> counts, std::uint64_t count, double sum,
                  Labels labels) {
  ClientMetric& metric = family.metric.emplace_back();
  metric.label = std::move(labels);
  metric.histogram.sample_count = count;
  metric.histogram.sample_sum = sum;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (i < counts.size()) cumulative += counts[i];
    metric.histogram.bucket.push_back({cumulative, bounds[i]});
  }
  metric.histogram.bucket.push_back({count, std::numeric_limits<double>::infinity()});
}

void Histogram::observe(std::span<const double> bounds, double value) {
  if (counts.size() != bounds.size()) counts.assign(bounds.size(), 0);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {  // Prometheus' le is inclusive
      ++counts[i];
      break;
    }
  }
  ++count;
  sum += value;
}

void addHistogram(MetricFamily& family, std::span<const double> bounds, const Histogram& histogram,
                  Labels labels) {
  addHistogram(family, bounds, histogram.counts, histogram.count, histogram.sum, std::move(labels));
}

}  // namespace runtime
