#include "runtime/text_format.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

using runtime::MetricType;

TEST_CASE("text format: help escaping, labels, special values, sorting and merging") {
  std::vector<runtime::MetricFamily> families;
  runtime::MetricSink sink;
  auto& b = sink.gauge("b_metric", "Help with \\ backslash\nand newline.");
  runtime::addSample(b, 1.5, {{"path", "C:\\dir \"quoted\"\nline"}});
  runtime::addSample(b, std::numeric_limits<double>::quiet_NaN(), {{"path", "nan"}});
  runtime::addSample(b, std::numeric_limits<double>::infinity(), {{"path", "inf"}});
  auto& a = sink.counter("a_total", "A counter.");
  runtime::addSample(a, 1e21);
  sink.untyped("c_untyped", "Untyped.");  // empty: dropped
  sink.counter("a_total", "A counter.", 2, {{"x", "y"}});
  sink.drainInto(families);
  runtime::sortAndMerge(families);
  std::string out;
  runtime::writeTextFormat(families, out);
  CHECK(out ==
        "# HELP a_total A counter.\n"
        "# TYPE a_total counter\n"
        "a_total 1e+21\n"
        "a_total{x=\"y\"} 2\n"
        "# HELP b_metric Help with \\\\ backslash\\nand newline.\n"
        "# TYPE b_metric gauge\n"
        "b_metric{path=\"C:\\\\dir \\\"quoted\\\"\\nline\"} 1.5\n"
        "b_metric{path=\"nan\"} NaN\n"
        "b_metric{path=\"inf\"} +Inf\n");
}

TEST_CASE("text format: numbers are laid out as Go's strconv 'g' -1") {
  auto text = [](double v) {
    std::string out;
    runtime::appendValue(out, v);
    return out;
  };
  CHECK(text(0) == "0");
  CHECK(text(-0.0) == "-0");
  CHECK(text(1) == "1");
  CHECK(text(0.1) == "0.1");
  CHECK(text(123456) == "123456");
  CHECK(text(1234567) == "1.234567e+06");
  CHECK(text(46345819) == "4.6345819e+07");
  CHECK(text(25185505280.0) == "2.518550528e+10");
  CHECK(text(0.0001) == "0.0001");
  CHECK(text(0.00001234) == "1.234e-05");
  CHECK(text(1.8446744073709552e19) == "1.8446744073709552e+19");
  CHECK(text(-2.5) == "-2.5");
}

TEST_CASE("text format: histogram and summary") {
  runtime::MetricFamily histogram;
  histogram.name = "h_seconds";
  histogram.help = "H.";
  histogram.type = MetricType::Histogram;
  auto& metric = histogram.metric.emplace_back();
  metric.histogram.sample_count = 3;
  metric.histogram.sample_sum = 0.6;
  metric.histogram.bucket.push_back({1, 0.1});
  metric.histogram.bucket.push_back({3, std::numeric_limits<double>::infinity()});
  std::string out;
  runtime::writeTextFormat({histogram}, out);
  CHECK(out ==
        "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
        "h_seconds_bucket{le=\"0.1\"} 1\nh_seconds_bucket{le=\"+Inf\"} 3\n"
        "h_seconds_sum 0.6\nh_seconds_count 3\n");
}

TEST_CASE("text format: clashing families keep the first source's series") {
  runtime::MetricSink sink;
  sink.counter("x_total", "X.", 1, {{"cpu", "0"}});
  sink.counter("x_total", "X again.", 2, {{"cpu", "0"}});  // duplicate series
  sink.counter("x_total", "X again.", 3, {{"cpu", "1"}});  // new series: kept
  sink.gauge("x_total", "X as a gauge.", 4);               // other type: dropped
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  CHECK(runtime::sortAndMerge(families) == 2);
  std::string out;
  runtime::writeTextFormat(families, out);
  CHECK(out == "# HELP x_total X.\n# TYPE x_total counter\nx_total{cpu=\"0\"} 1\nx_total{cpu=\"1\"} 3\n");
}
