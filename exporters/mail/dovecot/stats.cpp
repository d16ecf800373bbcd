#include "mail/dovecot/stats.h"

#include <charconv>
#include <cstdlib>

namespace mail::dovecot {
namespace {

std::vector<std::string_view> splitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

std::optional<uint64_t> parseUint(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Dovecot tab-escapes the root name (\001 + a letter); undo it so a name with
// a tab in it cannot shift the fields.
std::string tabUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\001' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    switch (text[++i]) {
      case '1':
        out.push_back('\001');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case '0':
        out.push_back('\0');
        break;
      default:
        out.push_back(text[i]);
    }
  }
  return out;
}

// Splits `text` into lines; false when it does not end in '\n'.
bool splitLines(std::string_view text, std::vector<std::string_view>& lines) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) return false;
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return true;
}

std::string quoted(std::string_view line) {
  constexpr size_t kMax = 80;
  std::string out(line.substr(0, kMax));
  for (char& c : out)
    if (c == '\t') c = ' ';
  if (line.size() > kMax) out += "...";
  return "\"" + out + "\"";
}

}  // namespace

GroupBy defaultGroupBy() {
  return GroupBy{
      {"imap_command", {"cmd_name", "tagged_reply_state"}},
      {"smtp_command", {"cmd_name", "status_code"}},
  };
}

base::Expected<std::pair<std::string, std::vector<std::string>>> parseGroupBySpec(
    std::string_view spec) {
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return base::unexpected("expected metric=field[,field...], got \"" + std::string(spec) + "\"");
  std::pair<std::string, std::vector<std::string>> out;
  out.first = std::string(spec.substr(0, eq));
  std::string_view rest = spec.substr(eq + 1);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view field = rest.substr(0, comma);
    if (field.empty())
      return base::unexpected("empty group_by field in \"" + std::string(spec) + "\"");
    out.second.emplace_back(field);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (out.second.empty())
    return base::unexpected("no group_by field in \"" + std::string(spec) + "\"");
  return out;
}

bool statsDumpComplete(std::string_view reply) {
  size_t nl = reply.find('\n');
  if (nl == std::string_view::npos) return false;
  std::string_view rest = reply.substr(nl + 1);
  return rest == "\n" || (rest.size() >= 2 && rest.ends_with("\n\n"));
}

bool anvilDumpComplete(std::string_view reply) {
  return reply == "\n" || (reply.size() >= 2 && reply.ends_with("\n\n"));
}

base::Expected<Dump> parseStatsDump(std::string_view reply, const GroupBy& group_by) {
  std::vector<std::string_view> lines;
  if (!splitLines(reply, lines)) return base::unexpected(std::string("reply truncated mid-line"));
  if (lines.empty()) return base::unexpected(std::string("empty reply"));
  auto handshake = splitTabs(lines[0]);
  if (handshake.size() < 3 || handshake[0] != "VERSION" || handshake[1] != "stats-reader-server")
    return base::unexpected("unexpected handshake " + quoted(lines[0]));
  if (handshake[2] != "2")
    return base::unexpected("unsupported stats-reader protocol major version " +
                            std::string(handshake[2]));
  if (lines.size() < 2 || !lines.back().empty())
    return base::unexpected(std::string("reply truncated: no end line"));

  Dump dump;
  struct Node {
    std::string name;  // the full dumped name of this (sub-)metric
    size_t depth;      // 0 for the root
  };
  std::vector<Node> stack;                // path from the root to the last line
  std::vector<std::string> values;        // label values along that path
  uint64_t leaf_count = 0, leaf_sum = 0;  // the current root's leaves, summed
  uint64_t root_count = 0, root_sum = 0;

  auto finishRoot = [&] {
    if (dump.metrics.empty() || dump.metrics.back().labels.empty()) return;
    if (root_count > leaf_count) {
      Sample rest;
      rest.values.assign(dump.metrics.back().labels.size(), "");
      rest.count = root_count - leaf_count;
      rest.sum_usecs = root_sum > leaf_sum ? root_sum - leaf_sum : 0;
      dump.metrics.back().samples.push_back(std::move(rest));
    }
  };

  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty())
      return base::unexpected("empty line before the end, line " + std::to_string(i + 1));
    auto fields = splitTabs(line);
    if (fields.size() < 3)
      return base::unexpected("line " + std::to_string(i + 1) + " has " +
                              std::to_string(fields.size()) + " fields, want 3: " + quoted(line));
    auto count = parseUint(fields[1]);
    auto sum = parseUint(fields[2]);
    if (!count || !sum)
      return base::unexpected("line " + std::to_string(i + 1) + ": bad number in " + quoted(line));
    std::string name = tabUnescape(fields[0]);
    if (name.empty()) return base::unexpected("line " + std::to_string(i + 1) + ": empty name");

    // A child of the deepest open node when that node may have children and
    // the name extends it; otherwise close nodes until one does.
    size_t levels = dump.metrics.empty() ? 0 : dump.metrics.back().labels.size();
    while (!stack.empty()) {
      const Node& top = stack.back();
      if (top.depth < levels && name.size() > top.name.size() + 1 && name.starts_with(top.name) &&
          name[top.name.size()] == '_')
        break;
      stack.pop_back();
    }
    if (stack.empty()) {
      finishRoot();
      Metric metric;
      metric.name = name;
      if (auto it = group_by.find(name); it != group_by.end()) metric.labels = it->second;
      root_count = *count;
      root_sum = *sum;
      leaf_count = leaf_sum = 0;
      if (metric.labels.empty()) metric.samples.push_back(Sample{{}, *count, *sum});
      dump.metrics.push_back(std::move(metric));
      stack.push_back({name, 0});
      continue;
    }
    const Node parent = stack.back();
    values.resize(parent.depth);
    values.push_back(name.substr(parent.name.size() + 1));
    stack.push_back({name, parent.depth + 1});
    Metric& metric = dump.metrics.back();
    if (stack.back().depth == metric.labels.size()) {
      metric.samples.push_back(Sample{values, *count, *sum});
      leaf_count += *count;
      leaf_sum += *sum;
    }
  }
  finishRoot();
  return dump;
}

namespace {

struct OmSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // as written
  double value = 0;
};

// name{label="value",...} value [timestamp]; false on anything else.
bool parseOmSample(std::string_view line, OmSample& out) {
  size_t i = 0;
  auto nameChar = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
  };
  while (i < line.size() && nameChar(line[i], i == 0)) ++i;
  if (i == 0) return false;
  out.name = std::string(line.substr(0, i));
  out.labels.clear();
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t start = i;
      while (i < line.size() && nameChar(line[i], i == start)) ++i;
      if (i == start || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') return false;
      std::string label(line.substr(start, i - start));
      i += 2;
      std::string value;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) {
          char next = line[++i];
          value.push_back(next == 'n' ? '\n' : next);
        } else {
          value.push_back(line[i]);
        }
        ++i;
      }
      if (i >= line.size()) return false;
      ++i;  // the closing quote
      out.labels.emplace_back(std::move(label), std::move(value));
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return false;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return false;
  std::string_view rest = line.substr(i + 1);
  std::string number(rest.substr(0, rest.find(' ')));
  char* end = nullptr;
  out.value = std::strtod(number.c_str(), &end);
  return !number.empty() && end == number.c_str() + number.size();
}

bool extends(const OmSample& longer, const OmSample& shorter) {
  if (longer.labels.size() <= shorter.labels.size()) return false;
  for (size_t i = 0; i < shorter.labels.size(); ++i)
    if (longer.labels[i] != shorter.labels[i]) return false;
  return true;
}

}  // namespace

base::Expected<OpenMetricsPage> parseOpenMetrics(std::string_view page) {
  std::vector<std::string_view> lines;
  if (!splitLines(page, lines)) return base::unexpected(std::string("page truncated mid-line"));
  if (lines.empty() || lines.back() != "# EOF")
    return base::unexpected(std::string("page truncated: no \"# EOF\" line"));

  OpenMetricsPage out;
  std::vector<std::string> metric_names;  // Dovecot's names, in page order
  std::map<std::string, std::vector<OmSample>, std::less<>> samples;  // by sample name
  OmSample sample;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.empty()) continue;
    if (line.starts_with("# TYPE dovecot_")) {
      std::string_view rest = line.substr(std::string_view("# TYPE dovecot_").size());
      size_t space = rest.find(' ');
      if (space == std::string_view::npos) continue;
      std::string_view name = rest.substr(0, space);
      if (rest.substr(space + 1) == "counter" && !name.ends_with("_duration_seconds"))
        metric_names.emplace_back(name);
      continue;
    }
    if (line.front() == '#') continue;
    if (!parseOmSample(line, sample))
      return base::unexpected("line " + std::to_string(i + 1) + ": not a sample: " + quoted(line));
    if (sample.name == "dovecot_build_info") {
      for (const auto& [label, value] : sample.labels) {
        if (label == "version") out.version = value;
        if (label == "revision") out.revision = value;
      }
      continue;
    }
    samples[sample.name].push_back(sample);
  }

  auto find = [&](const std::string& name) -> const std::vector<OmSample>* {
    auto it = samples.find(name);
    return it == samples.end() ? nullptr : &it->second;
  };
  auto toUsecs = [](double seconds) {
    return seconds > 0 ? static_cast<uint64_t>(seconds * 1e6 + 0.5) : uint64_t{0};
  };
  for (const auto& dovecot_name : metric_names) {
    std::string base = "dovecot_" + dovecot_name;
    const auto* counts = find(base + "_total");
    const auto* durations = find(base + "_duration_seconds_total");
    Metric metric;
    metric.name = dovecot_name;
    if (counts) {
      for (const auto& s : *counts)
        if (s.labels.size() > metric.labels.size()) {
          metric.labels.clear();
          for (const auto& [label, value] : s.labels) metric.labels.push_back(label);
        }
    }
    uint64_t leaf_count = 0, leaf_usecs = 0;
    for (size_t k = 0; counts && k < counts->size(); ++k) {
      const OmSample& s = (*counts)[k];
      bool leaf = true;
      for (const auto& other : *counts) leaf = leaf && !extends(other, s);
      if (!leaf) continue;
      Sample out_sample;
      for (const auto& label : metric.labels) {
        std::string value;
        for (const auto& [name, v] : s.labels)
          if (name == label) value = v;
        out_sample.values.push_back(std::move(value));
      }
      out_sample.count = static_cast<uint64_t>(s.value);
      if (durations)
        for (const auto& d : *durations)
          if (d.labels == s.labels) out_sample.sum_usecs = toUsecs(d.value);
      if (metric.labels.empty()) out_sample.values.clear();
      leaf_count += out_sample.count;
      leaf_usecs += out_sample.sum_usecs;
      metric.samples.push_back(std::move(out_sample));
    }
    // A group_by block's root: what its leaves do not account for.
    const auto* root_count = find(base + "_count");
    const auto* root_sum = find(base + "_duration_seconds_sum");
    if (root_count && !root_count->empty()) {
      uint64_t total = static_cast<uint64_t>(root_count->front().value);
      uint64_t total_usecs = root_sum && !root_sum->empty() ? toUsecs(root_sum->front().value) : 0;
      if (metric.samples.empty()) {
        // No leaf yet: the label names are unknown until an event has them.
        if (total > 0) metric.samples.push_back(Sample{{}, total, total_usecs});
      } else if (total > leaf_count) {
        Sample rest;
        rest.values.assign(metric.labels.size(), "");
        rest.count = total - leaf_count;
        rest.sum_usecs = total_usecs > leaf_usecs ? total_usecs - leaf_usecs : 0;
        metric.samples.push_back(std::move(rest));
      }
    }
    out.dump.metrics.push_back(std::move(metric));
  }
  return out;
}

std::string prometheusName(std::string_view dovecot_name) {
  std::string out = "dovecot_";
  for (char c : dovecot_name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out.push_back(ok ? c : '_');
  }
  return out;
}

base::Expected<std::map<std::string, uint64_t>> parseAnvilConnectDump(std::string_view reply) {
  std::vector<std::string_view> lines;
  if (!splitLines(reply, lines)) return base::unexpected(std::string("reply truncated mid-line"));
  if (lines.empty() || !lines.back().empty())
    return base::unexpected(std::string("reply truncated: no end line"));
  std::map<std::string, uint64_t> by_service;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    std::string_view line = lines[i];
    auto fields = splitTabs(line);
    if (fields.size() < 3)
      return base::unexpected("anvil line " + std::to_string(i + 1) + " has " +
                              std::to_string(fields.size()) + " fields, want 3: " + quoted(line));
    auto count = parseUint(fields[2]);
    if (!parseUint(fields[1]) || !count)
      return base::unexpected("anvil line " + std::to_string(i + 1) + ": bad number in " +
                              quoted(line));
    // The ident is "<service>/<ip>/<user>"; only the service is kept (users
    // are not labels: unbounded cardinality).
    std::string_view ident = fields[0];
    size_t slash = ident.find('/');
    if (slash == std::string_view::npos || slash == 0)
      return base::unexpected("anvil line " + std::to_string(i + 1) + ": no service in " +
                              quoted(line));
    by_service[std::string(ident.substr(0, slash))] += *count;
  }
  return by_service;
}

}  // namespace mail::dovecot
