#include "runtime/text_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string_view>

namespace runtime {
namespace {

void appendEscaped(std::string& out, const std::string& text, bool escape_quotes) {
  // Most values need no escaping: copy runs between special characters whole.
  const char* specials = escape_quotes ? "\\\n\"" : "\\\n";
  std::size_t start = 0;
  while (true) {
    std::size_t special = text.find_first_of(specials, start);
    if (special == std::string::npos) {
      out.append(text, start, std::string::npos);
      return;
    }
    out.append(text, start, special - start);
    switch (text[special]) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += "\\\""; break;
    }
    start = special + 1;
  }
}

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Summary: return "summary";
    case MetricType::Histogram: return "histogram";
    default: return "untyped";
  }
}

// name{labels[,extra="value"]} value
void appendSample(std::string& out, const std::string& name, std::string_view suffix,
                  const ClientMetric::Label* labels, std::size_t label_count,
                  std::string_view extra_name, std::string_view extra_value, double value) {
  out += name;
  out += suffix;
  if (label_count > 0 || !extra_name.empty()) {
    out += '{';
    bool first = true;
    for (std::size_t i = 0; i < label_count; ++i) {
      if (!first) out += ',';
      first = false;
      out += labels[i].name;
      out += "=\"";
      appendEscaped(out, labels[i].value, true);
      out += '"';
    }
    if (!extra_name.empty()) {
      if (!first) out += ',';
      out += extra_name;
      out += "=\"";
      out += extra_value;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  appendValue(out, value);
  out += '\n';
}

}  // namespace

void appendValue(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    // Shortest round-trip digits, laid out as Go's strconv 'g' with precision
    // -1 does (what client_golang writes): exponent notation below 1e-4 and
    // from 1e6 up. Output then matches node_exporter's byte for byte.
    char buf[40];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    std::string_view scientific(buf, static_cast<std::size_t>(end - buf));
    int exponent = 0;
    const char* exponent_text = buf + scientific.rfind('e') + 1;
    if (*exponent_text == '+') ++exponent_text;
    std::from_chars(exponent_text, end, exponent);
    if (exponent < -4 || exponent >= 6) {
      out += scientific;
      return;
    }
    auto fixed = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
    out.append(buf, fixed.ptr);
  }
}

std::size_t sortAndMerge(std::vector<MetricFamily>& families) {
  std::stable_sort(families.begin(), families.end(),
                   [](const MetricFamily& a, const MetricFamily& b) { return a.name < b.name; });
  std::size_t dropped = 0;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < families.size(); ++i) {
    if (kept > 0 && families[kept - 1].name == families[i].name) {
      // Two sources emitted one name (a textfile reusing node_cpu_seconds_total):
      // keep the first source's type and series; a clash would make Prometheus
      // reject the whole scrape.
      MetricFamily& into = families[kept - 1];
      MetricFamily& from = families[i];
      if (into.type != from.type) {
        dropped += from.metric.size();
        continue;
      }
      auto key = [](const ClientMetric& metric) {
        std::string text;
        for (const auto& label : metric.label) text += label.name + '\0' + label.value + '\0';
        return text;
      };
      std::set<std::string> seen;
      for (const ClientMetric& metric : into.metric) seen.insert(key(metric));
      for (ClientMetric& metric : from.metric) {
        if (seen.insert(key(metric)).second) {
          into.metric.push_back(std::move(metric));
        } else {
          ++dropped;
        }
      }
      continue;
    }
    if (kept != i) families[kept] = std::move(families[i]);
    ++kept;
  }
  families.resize(kept);
  return dropped;
}

void writeTextFormat(const std::vector<MetricFamily>& families, std::string& out) {
  for (const MetricFamily& family : families) {
    if (family.metric.empty()) continue;
    out += "# HELP ";
    out += family.name;
    out += ' ';
    appendEscaped(out, family.help, false);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += typeName(family.type);
    out += '\n';
    for (const ClientMetric& metric : family.metric) {
      const auto* labels = metric.label.data();
      std::size_t count = metric.label.size();
      switch (family.type) {
        case MetricType::Counter:
          appendSample(out, family.name, "", labels, count, "", "", metric.counter.value);
          break;
        case MetricType::Gauge:
          appendSample(out, family.name, "", labels, count, "", "", metric.gauge.value);
          break;
        case MetricType::Summary: {
          char q[32];
          for (const auto& quantile : metric.summary.quantile) {
            auto [end, ec] = std::to_chars(q, q + sizeof q, quantile.quantile);
            appendSample(out, family.name, "", labels, count, "quantile",
                         std::string_view(q, end - q), quantile.value);
          }
          appendSample(out, family.name, "_sum", labels, count, "", "", metric.summary.sample_sum);
          appendSample(out, family.name, "_count", labels, count, "", "",
                       static_cast<double>(metric.summary.sample_count));
          break;
        }
        case MetricType::Histogram: {
          for (const auto& bucket : metric.histogram.bucket) {
            std::string le;
            appendValue(le, bucket.upper_bound);
            appendSample(out, family.name, "_bucket", labels, count, "le", le,
                         static_cast<double>(bucket.cumulative_count));
          }
          appendSample(out, family.name, "_sum", labels, count, "", "",
                       metric.histogram.sample_sum);
          appendSample(out, family.name, "_count", labels, count, "", "",
                       static_cast<double>(metric.histogram.sample_count));
          break;
        }
        default:
          appendSample(out, family.name, "", labels, count, "", "", metric.untyped.value);
      }
    }
  }
}

}  // namespace runtime
