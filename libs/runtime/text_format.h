#pragma once
// Prometheus text exposition format 0.0.4.
// Written here rather than with prometheus-cpp's TextSerializer because that
// one streams through std::ostream and prints NaN as "Nan"; this writes into one
// reserved string with std::to_chars (shortest round-trip numbers).

#include "runtime/metrics.h"

#include <string>
#include <vector>

namespace runtime {

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Sorts families by name and merges same-named ones, so the output is
// deterministic and never repeats a HELP/TYPE block. Series that clash with
// ones already kept (same labels, or another type) are dropped and counted.
std::size_t sortAndMerge(std::vector<MetricFamily>& families);

// Appends the exposition of `families` (in the order given) to `out`.
void writeTextFormat(const std::vector<MetricFamily>& families, std::string& out);

void appendValue(std::string& out, double value);

}  // namespace runtime
