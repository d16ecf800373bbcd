// Table tests for the text-format parser. The expected outcomes (accepted or
// the exact error and line) were checked against node_exporter 1.5's textfile
// collector, which uses Go's expfmt.TextParser, on the same inputs.

#include "runtime/text_parse.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "runtime/text_format.h"

namespace {

struct ErrorCase {
  const char* what;
  std::string input;
  std::size_t line;
  std::string message;
};

std::string render(const runtime::ParsedText& parsed) {
  std::string out;
  runtime::writeTextFormat(parsed.families, out);
  return out;
}

}  // namespace

TEST_CASE("parseTextFormat rejects what Go's parser rejects, with the line") {
  const std::vector<ErrorCase> cases = {
      {"no final newline", "a 1", 1, "unexpected end of input stream"},
      {"no final newline on a comment", "a 1\n# comment", 2, "unexpected end of input stream"},
      {"lone hash without newline", "#", 1, "unexpected end of input stream"},
      {"trailing blank after value", "a 1 \n", 1, "expected integer as timestamp, got \"\""},
      {"unquoted label value", "a{b=c} 1\n", 1, "expected '\"' at start of label value, found 'c'"},
      {"bad escape in label value", "a{b=\"c\\x\"} 1\n", 1, "invalid escape sequence '\\x'"},
      {"newline in label value", "a{b=\"c\nd\"} 1\n", 1,
       "label value \"c\" contains unescaped new-line"},
      {"reserved label name", "a{__name__=\"x\"} 1\n", 1, "label name \"__name__\" is reserved"},
      {"duplicate label name", "a{b=\"1\",b=\"2\"} 1\n", 1,
       "duplicate label names for metric \"a\""},
      {"label name starting with a digit", "a{1b=\"1\"} 1\n", 1,
       "invalid label name for metric \"a\""},
      {"missing equals", "a{b \"1\"} 1\n", 1, "expected '=' after label name, found '\"'"},
      {"missing comma", "a{b=\"1\" c=\"2\"} 1\n", 1, "unexpected end of label value \"1\""},
      {"double comma", "a{b=\"c\",,} 1\n", 1, "invalid label name for metric \"a\""},
      {"unclosed braces", "a{b=\"1\"\n", 1, "unexpected end of label value \"1\""},
      {"name starting with a digit", "9a 1\n", 1, "invalid metric name"},
      {"labels without a name", "{a=\"b\"} 1\n", 1, "invalid metric name"},
      {"dash in name", "a-b 1\n", 1, "expected float as value, got \"-b\""},
      {"missing value", "a\n", 1, "expected float as value, got \"\""},
      {"value after stray brace", "a{b=\"1\"}} 1\n", 1, "expected float as value, got \"}\""},
      {"signed NaN", "a -nan\n", 1, "expected float as value, got \"-nan\""},
      {"hex value", "a 0x10\n", 1, "expected float as value, got \"0x10\""},
      {"underscore in value", "a 1_000\n", 1, "expected float as value, got \"1_000\""},
      {"value overflows", "a 1e400\n", 1, "expected float as value, got \"1e400\""},
      {"partial infinity", "a infin\n", 1, "expected float as value, got \"infin\""},
      {"exponent without digits", "a 1e\n", 1, "expected float as value, got \"1e\""},
      {"double sign", "a +-1\n", 1, "expected float as value, got \"+-1\""},
      {"carriage return", "a 1\r\n", 1, "expected float as value, got \"1\\r\""},
      {"second HELP", "# HELP a one\n# HELP a two\na 1\n", 2,
       "second HELP line for metric name \"a\""},
      {"second TYPE", "# TYPE a gauge\n# TYPE a counter\na 1\n", 2,
       "second TYPE line for metric name \"a\", or TYPE reported after samples"},
      {"TYPE after samples", "a 1\nb 2\n# TYPE a gauge\n", 3,
       "second TYPE line for metric name \"a\", or TYPE reported after samples"},
      {"TYPE of a summary's _count", "# TYPE s summary\n# TYPE s_count gauge\n", 2,
       "second TYPE line for metric name \"s\", or TYPE reported after samples"},
      {"trailing blank after type", "# TYPE a gauge \na 1\n", 1, "unknown metric type \"gauge \""},
      {"unknown type", "# TYPE a gaugex\na 1\n", 1, "unknown metric type \"gaugex\""},
      // node_exporter 1.5 accepts this TYPE and then panics on the sample.
      {"gauge_histogram", "# TYPE a gauge_histogram\na 1\n", 1,
       "unknown metric type \"gauge_histogram\""},
      {"bad name in comment", "# HELP a{ x\na 1\n", 1, "invalid metric name in comment"},
      {"bad escape in HELP", "# HELP a bad \\t escape\na 1\n", 1, "invalid escape sequence '\\t'"},
      {"quote escape in HELP", "# HELP a \\\"q\\\"\na 1\n", 1, "invalid escape sequence '\\\"'"},
      {"bad quantile", "# TYPE s summary\ns{quantile=\"abc\"} 1\n", 2,
       "expected float as value for 'quantile' label, got \"abc\""},
      {"bad le", "\n\n# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", 4,
       "expected float as value for 'le' label, got \"x\""},
      {"bad timestamp", "a 1 abc\n", 1, "expected integer as timestamp, got \"abc\""},
      {"float timestamp", "a 1 1.5\n", 1, "expected integer as timestamp, got \"1.5\""},
      {"timestamp overflows", "a 1 9223372036854775808\n", 1,
       "expected integer as timestamp, got \"9223372036854775808\""},
      {"text after timestamp", "a 1 123 x\n", 1, "spurious string after timestamp: \" x\""},
      {"blank after timestamp", "a 1 123 \n", 1, "spurious string after timestamp: \" \""},
      {"invalid UTF-8 label value", "a{b=\"\xff\"} 1\n", 1, "invalid label value \"\\xff\""},
  };
  for (const ErrorCase& c : cases) {
    CAPTURE(c.what);
    auto parsed = runtime::parseTextFormat(c.input);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().line == c.line);
    CHECK(parsed.error().message == c.message);
  }
  auto parsed = runtime::parseTextFormat("a 1\nb{");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().describe() ==
        "text format parsing error in line 2: unexpected end of input stream");
}

TEST_CASE("parseTextFormat accepts what Go's parser accepts") {
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"empty input", ""},
      {"blank lines only, no final newline", "\n  \n\t"},
      {"empty braces", "a{} 1\n"},
      {"trailing comma", "a{b=\"c\",} 1\n"},
      {"blanks everywhere", "  a { b = \"c\" , d=\"e\" } \t 1\n"},
      {"no blank before value", "a{b=\"c\"}1\n"},
      {"tab separator", "a\t1\n"},
      {"colon in name", "a:b:c 1\n"},
      {"HELP without text", "# HELP a\n# TYPE a\na 1\n"},
      {"keyword right after hash", "#HELP a help here\na 1\n"},
      {"extra blanks in TYPE", "#  TYPE  a  counter\na 1\n"},
      {"upper-case type", "# TYPE a GAUGE\na 1\n"},
      {"a lone HELP", "# HELP a x\n"},
      {"comments", "# just a comment\n#\n#x\n   \n\t\na 1\n"},
      {"underflow rounds to zero", "a 1e-400\n"},
      {"quantile label outside summaries", "a{b=\"1\",quantile=\"x\"} 1\n"},
      {"interleaved family", "a 1\nb{x=\"1\"} 2\na 3\n"},
  };
  for (const auto& test_case : cases) {
    // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    const auto& what = test_case.first;
    CAPTURE(what);
    CHECK(runtime::parseTextFormat(test_case.second));
  }
}

TEST_CASE("parseTextFormat: HELP, TYPE, labels and escapes") {
  auto parsed = runtime::parseTextFormat(
      "# A comment\n"
      "# HELP http_requests_total Requests, with a back\\\\slash and a\\nnewline.\n"
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\",path=\"/a \\\"b\\\" \\\\ \\n\"} 1027\n"
      "http_requests_total{method=\"get\"} 3\n"
      "temperature{room=\"kitchen\"} -3.5e1\n");
  REQUIRE(parsed);
  REQUIRE(parsed->families.size() == 2);
  const auto& requests = parsed->families[0];
  CHECK(requests.name == "http_requests_total");
  CHECK(requests.help == "Requests, with a back\\slash and a\nnewline.");
  CHECK(requests.type == runtime::MetricType::Counter);
  REQUIRE(requests.metric.size() == 2);
  REQUIRE(requests.metric[0].label.size() == 2);
  CHECK(requests.metric[0].label[0].name == "method");
  CHECK(requests.metric[0].label[1].value == "/a \"b\" \\ \n");
  CHECK(requests.metric[0].counter.value == 1027);
  const auto& temperature = parsed->families[1];
  CHECK(temperature.help.empty());
  CHECK(temperature.type == runtime::MetricType::Untyped);
  CHECK(temperature.metric[0].untyped.value == -35);
  CHECK(parsed->timestamped_samples == 0);
  // Written back out, the escapes survive.
  CHECK(render(*parsed) ==
        "# HELP http_requests_total Requests, with a back\\\\slash and a\\nnewline.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{method=\"post\",path=\"/a \\\"b\\\" \\\\ \\n\"} 1027\n"
        "http_requests_total{method=\"get\"} 3\n"
        "# HELP temperature \n"
        "# TYPE temperature untyped\n"
        "temperature{room=\"kitchen\"} -35\n");
}

TEST_CASE("parseTextFormat: special values") {
  auto parsed = runtime::parseTextFormat(
      "a +Inf\nb -inf\nc NaN\nd nan\ne Infinity\nf 1e5\ng .5\nh 5.\ni +3\nj 1E-3\n");
  REQUIRE(parsed);
  REQUIRE(parsed->families.size() == 10);
  auto value = [&](std::size_t i) { return parsed->families[i].metric[0].untyped.value; };
  CHECK(value(0) == std::numeric_limits<double>::infinity());
  CHECK(value(1) == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(value(2)));
  CHECK(std::isnan(value(3)));
  CHECK(value(4) == std::numeric_limits<double>::infinity());
  CHECK(value(5) == 1e5);
  CHECK(value(6) == 0.5);
  CHECK(value(7) == 5);
  CHECK(value(8) == 3);
  CHECK(value(9) == 1e-3);
}

TEST_CASE("parseTextFormat: summaries group by labels") {
  auto parsed = runtime::parseTextFormat(
      "# TYPE rpc summary\n"
      "rpc{quantile=\"0.5\",service=\"a\"} 1\n"
      "rpc_sum{service=\"a\"} 2\n"
      "rpc_count{service=\"a\"} 3\n"
      "rpc{service=\"b\",quantile=\"0.9\"} 4\n"
      "rpc{service=\"a\",quantile=\"0.99\"} 5\n"
      "rpc{service=\"c\"} 7\n");
  REQUIRE(parsed);
  REQUIRE(parsed->families.size() == 1);
  const auto& rpc = parsed->families[0];
  CHECK(rpc.type == runtime::MetricType::Summary);
  REQUIRE(rpc.metric.size() == 3);
  const auto& a = rpc.metric[0];
  REQUIRE(a.label.size() == 1);  // quantile is not a label
  CHECK(a.label[0].value == "a");
  REQUIRE(a.summary.quantile.size() == 2);
  CHECK(a.summary.quantile[0].quantile == 0.5);
  CHECK(a.summary.quantile[1].value == 5);
  CHECK(a.summary.sample_sum == 2);
  CHECK(a.summary.sample_count == 3);
  CHECK(rpc.metric[1].summary.quantile[0].quantile == 0.9);
  // A line without quantile still creates the series, with nothing in it.
  CHECK(rpc.metric[2].summary.quantile.empty());
  CHECK(rpc.metric[2].summary.sample_count == 0);
}

TEST_CASE("parseTextFormat: histograms group by labels") {
  auto parsed = runtime::parseTextFormat(
      "# HELP latency Latency.\n"
      "# TYPE latency histogram\n"
      "latency_bucket{le=\"0.1\"} 1\n"
      "latency_bucket{le=\"+Inf\"} 3\n"
      "latency_sum 0.7\n"
      "latency_count 3\n"
      "latency_bucket{le=\"1\",path=\"/x\"} 2\n"
      "latency_count{path=\"/x\"} 2\n"
      "# HELP latency_count Not a family of its own.\n");
  REQUIRE_FALSE(parsed);  // latency_count resolves to latency, which has HELP
  CHECK(parsed.error().line == 9);

  parsed = runtime::parseTextFormat(
      "# TYPE latency histogram\n"
      "latency_bucket{le=\"0.1\"} 1\n"
      "latency_bucket{le=\"+Inf\"} 3\n"
      "latency_sum 0.7\n"
      "latency_count 3\n"
      "latency_bucket{le=\"1\",path=\"/x\"} 2\n"
      "latency_count{path=\"/x\"} 2\n");
  REQUIRE(parsed);
  REQUIRE(parsed->families.size() == 1);
  const auto& latency = parsed->families[0];
  REQUIRE(latency.metric.size() == 2);
  const auto& all = latency.metric[0].histogram;
  REQUIRE(all.bucket.size() == 2);
  CHECK(all.bucket[0].upper_bound == 0.1);
  CHECK(all.bucket[1].upper_bound == std::numeric_limits<double>::infinity());
  CHECK(all.bucket[1].cumulative_count == 3);
  CHECK(all.sample_sum == 0.7);
  CHECK(all.sample_count == 3);
  CHECK(latency.metric[1].label[0].value == "/x");
  CHECK(latency.metric[1].histogram.sample_count == 2);
}

TEST_CASE("parseTextFormat: _sum and _count of untyped families are families") {
  auto parsed = runtime::parseTextFormat("x 1\nx_sum 2\nx_count 3\n");
  REQUIRE(parsed);
  CHECK(parsed->families.size() == 3);
}

TEST_CASE("parseTextFormat: timestamps are kept and counted") {
  auto parsed = runtime::parseTextFormat("a 1 1700000000000\nb 2\nc 3 -5\n");
  REQUIRE(parsed);
  CHECK(parsed->timestamped_samples == 2);
  CHECK(parsed->families[0].metric[0].timestamp_ms == 1700000000000);
  CHECK(parsed->families[2].metric[0].timestamp_ms == -5);
}

TEST_CASE("parseTextFormat: negative counts wrap like Go's conversion") {
  auto parsed = runtime::parseTextFormat("# TYPE s summary\ns_count -5\n");
  REQUIRE(parsed);
  CHECK(parsed->families[0].metric[0].summary.sample_count == 18446744073709551611ULL);
}
