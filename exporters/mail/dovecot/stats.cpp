#include "mail/dovecot/stats.h"

#include <charconv>

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
