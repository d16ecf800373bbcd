#pragma once
// Parser for the Prometheus text exposition format 0.0.4, accepting exactly
// what Go's expfmt.TextParser (prometheus/common, as vendored by
// node_exporter 1.5) accepts, so a .prom file that node_exporter's textfile
// collector rejects is rejected here too, with the same line number:
//   - every line ends with '\n' (a last line without one is "unexpected end
//     of input stream"), blanks are ' ' and '\t' only;
//   - "# HELP name text" (escapes \\ and \n) and "# TYPE name type" at most
//     once per family and TYPE before the family's first sample; other "#"
//     lines are comments;
//   - name{label="value",...} value [timestamp], label values with the
//     escapes \\ \" \n and valid UTF-8, values in Go's float syntax (+Inf,
//     -Inf, NaN), integer timestamps in milliseconds;
//   - summaries and histograms group their _sum, _count, quantile and le
//     samples by the remaining labels.
// It is a pure function; what to do with duplicates, timestamps and missing
// HELP is the caller's business.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"
#include "runtime/metrics.h"

namespace runtime {

struct TextParseError {
  std::size_t line = 0;  // 1-based
  std::string message;
  // "text format parsing error in line 3: ...", as Go words it.
  std::string describe() const;
};

struct ParsedText {
  // Families in order of first appearance, samples in input order, labels as
  // written. Families without samples (a lone HELP or TYPE) are left out. A
  // family without a HELP line has an empty help (HELP text is never empty).
  std::vector<MetricFamily> families;
  // Samples that carried a timestamp (kept in ClientMetric::timestamp_ms).
  std::size_t timestamped_samples = 0;
};

base::Expected<ParsedText, TextParseError> parseTextFormat(std::string_view text);

}  // namespace runtime
