#include "haproxy/stats_csv.h"

#include <array>

namespace haproxy {
namespace {

// HAProxy 2.6's standard columns, positions 0 to 102 (management guide 9.1).
// Positions never change between versions; new columns are appended.
constexpr std::array<std::string_view, 103> kStandardColumns = {
    "pxname",
    "svname",
    "qcur",
    "qmax",
    "scur",
    "smax",
    "slim",
    "stot",
    "bin",
    "bout",
    "dreq",
    "dresp",
    "ereq",
    "econ",
    "eresp",
    "wretr",
    "wredis",
    "status",
    "weight",
    "act",
    "bck",
    "chkfail",
    "chkdown",
    "lastchg",
    "downtime",
    "qlimit",
    "pid",
    "iid",
    "sid",
    "throttle",
    "lbtot",
    "tracked",
    "type",
    "rate",
    "rate_lim",
    "rate_max",
    "check_status",
    "check_code",
    "check_duration",
    "hrsp_1xx",
    "hrsp_2xx",
    "hrsp_3xx",
    "hrsp_4xx",
    "hrsp_5xx",
    "hrsp_other",
    "hanafail",
    "req_rate",
    "req_rate_max",
    "req_tot",
    "cli_abrt",
    "srv_abrt",
    "comp_in",
    "comp_out",
    "comp_byp",
    "comp_rsp",
    "lastsess",
    "last_chk",
    "last_agt",
    "qtime",
    "ctime",
    "rtime",
    "ttime",
    "agent_status",
    "agent_code",
    "agent_duration",
    "check_desc",
    "agent_desc",
    "check_rise",
    "check_fall",
    "check_health",
    "agent_rise",
    "agent_fall",
    "agent_health",
    "addr",
    "cookie",
    "mode",
    "algo",
    "conn_rate",
    "conn_rate_max",
    "conn_tot",
    "intercepted",
    "dcon",
    "dses",
    "wrew",
    "connect",
    "reuse",
    "cache_lookups",
    "cache_hits",
    "srv_icur",
    "src_ilim",
    "qtime_max",
    "ctime_max",
    "rtime_max",
    "ttime_max",
    "eint",
    "idle_conn_cur",
    "safe_conn_cur",
    "used_conn_cur",
    "need_conn_est",
    "uweight",
    "agg_server_status",
    "agg_server_check_status",
    "agg_check_status",
};

constexpr std::size_t kMaxProblems = 5;

void note(StatTable& table, std::string problem) {
  ++table.parse_failures;
  if (table.problems.size() < kMaxProblems) table.problems.push_back(std::move(problem));
}

// Splits one CSV line into fields. Plain fields are views into the line;
// quoted ones ("a, b", "say ""hi""") are unescaped into the table's storage.
// False when a quote is not closed, or text follows a closing quote.
bool splitLine(std::string_view line, StatTable& table, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t pos = 0;
  while (true) {
    if (pos < line.size() && line[pos] == '"') {
      std::string value;
      std::size_t i = pos + 1;
      while (true) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            value += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value += line[i++];
      }
      table.unquoted.push_back(std::move(value));
      fields.emplace_back(table.unquoted.back());
      if (i == line.size()) return true;
      if (line[i] != ',') return false;
      pos = i + 1;
      continue;
    }
    std::size_t comma = line.find(',', pos);
    if (comma == std::string_view::npos) {
      fields.push_back(line.substr(pos));
      return true;
    }
    fields.push_back(line.substr(pos, comma - pos));
    pos = comma + 1;
  }
}

std::string_view shorten(std::string_view line) {
  return line.size() > 60 ? line.substr(0, 60) : line;
}

}  // namespace

int StatTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::string_view standardColumnName(int position) {
  if (position < 0 || static_cast<std::size_t>(position) >= kStandardColumns.size()) return {};
  return kStandardColumns[position];
}

base::Expected<StatTable, std::string> parseStatCsv(std::string_view text) {
  StatTable table;
  bool have_header = false;
  int type_column = -1;
  std::vector<std::string_view> fields;
  std::size_t line_number = 0;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() == '#') {
      if (have_header) continue;  // a later comment
      line.remove_prefix(1);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      if (!splitLine(line, table, table.columns))
        return base::unexpected(std::string("malformed CSV header line"));
      // The header ends with a comma, as every row does: an empty last name.
      while (!table.columns.empty() && table.columns.back().empty()) table.columns.pop_back();
      type_column = table.column("type");
      if (table.column("pxname") != 0 || table.column("svname") != 1 || type_column < 0)
        return base::unexpected(
            std::string("CSV header lacks pxname, svname or type: not HAProxy's stats CSV"));
      have_header = true;
      continue;
    }
    if (!have_header)
      return base::unexpected("no CSV header line (\"# pxname,svname,...\") before line " +
                              std::to_string(line_number));
    if (!splitLine(line, table, fields)) {
      note(table, "line " + std::to_string(line_number) +
                      ": unterminated quote: " + std::string(shorten(line)));
      continue;
    }
    // Each row ends with a comma like the header; an empty last field is
    // that comma, not a column.
    if (fields.size() > table.columns.size() && fields.back().empty()) fields.pop_back();
    if (fields.size() < table.columns.size()) {
      note(table, "line " + std::to_string(line_number) + ": " + std::to_string(fields.size()) +
                      " fields, the header has " + std::to_string(table.columns.size()));
      continue;
    }
    std::string_view type = fields[type_column];
    if (type.size() != 1 || type[0] < '0' || type[0] > '3') {
      note(table, "line " + std::to_string(line_number) + ": unknown object type \"" +
                      std::string(shorten(type)) + "\"");
      continue;
    }
    if (fields[0].empty() || fields[1].empty()) {
      note(table, "line " + std::to_string(line_number) + ": no proxy or service name");
      continue;
    }
    table.rows.push_back(StatRow{static_cast<ObjectType>(type[0] - '0'), std::move(fields)});
    fields = {};
    fields.reserve(table.columns.size() + 1);
  }
  if (!have_header) return base::unexpected(std::string("empty answer: no CSV header line"));
  return table;
}

}  // namespace haproxy
