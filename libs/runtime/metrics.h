#pragma once
// The metric model: prometheus-cpp's MetricFamily, built fresh on every scrape
// (the C++ twin of Go's const metrics), so a vanished device leaves no series.

#include <prometheus/metric_family.h>

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace runtime {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

// What one collector emits in one scrape. Families live in a deque so the
// references handed out stay valid while more families are added.
class MetricSink {
 public:
  MetricFamily& family(std::string name, std::string help, MetricType type);
  MetricFamily& gauge(std::string name, std::string help) {
    return family(std::move(name), std::move(help), MetricType::Gauge);
  }
  MetricFamily& counter(std::string name, std::string help) {
    return family(std::move(name), std::move(help), MetricType::Counter);
  }
  MetricFamily& untyped(std::string name, std::string help) {
    return family(std::move(name), std::move(help), MetricType::Untyped);
  }
  MetricFamily& histogram(std::string name, std::string help) {
    return family(std::move(name), std::move(help), MetricType::Histogram);
  }

  // One-sample shortcut for a family with a single series.
  void gauge(std::string name, std::string help, double value, Labels labels = {});
  void counter(std::string name, std::string help, double value, Labels labels = {});

  // Moves the families out, dropping families that got no sample (node_exporter
  // never exposes an empty family either).
  void drainInto(std::vector<MetricFamily>& out);
  std::size_t size() const { return families_.size(); }

 private:
  std::deque<MetricFamily> families_;
};

// Adds one sample to a family, in the field its type uses.
void addSample(MetricFamily& family, double value, Labels labels = {});

// Observations an exporter keeps itself (log-derived histograms live across
// scrapes; a queue listing is bucketed within one): per-bucket counts, not
// cumulative, for the bounds given to observe() and addHistogram().
struct Histogram {
  std::vector<std::uint64_t> counts;  // counts[i]: at most bounds[i], above bounds[i-1]
  std::uint64_t count = 0;            // all observations, those above the last bound too
  double sum = 0;
  void observe(std::span<const double> bounds, double value);
};
void addHistogram(MetricFamily& family, std::span<const double> bounds, const Histogram& histogram,
                  Labels labels = {});

// Adds one histogram series from per-bucket counts as an exporter keeps them:
// `counts[i]` observations were at most bounds[i] and above bounds[i-1] (NOT
// cumulative; counts.size() == bounds.size()); the rest, up to `count`, were
// above the last bound. Writes the cumulative buckets and the +Inf bucket.
void addHistogram(MetricFamily& family, std::span<const double> bounds,
                  std::span<const std::uint64_t> counts, std::uint64_t count, double sum,
                  Labels labels = {});

}  // namespace runtime
