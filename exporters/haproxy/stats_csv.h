#pragma once
// HAProxy's statistics CSV (`show stat` on the runtime API, or the stats
// page's ";csv"), parsed by its header line rather than by column position:
// HAProxy 1.4 to 2.8 only ever append columns, and a build may add its own
// (2.6 has 103 standard ones plus per-module extra counters). Unknown columns
// are carried but ignored by the metric tables; a row shorter than the header
// or of an unknown object type is a parse failure, not a crash.
//
// Pure: text in, table out. The table's fields are views into the text (or
// into the table's own storage for quoted fields), so the text must outlive it.

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"

namespace haproxy {

// The CSV's "type" column.
enum class ObjectType { frontend = 0, backend = 1, server = 2, listener = 3 };

struct StatRow {
  ObjectType type;
  std::vector<std::string_view> fields;  // at least as many as the header
};

struct StatTable {
  std::vector<std::string_view> columns;  // the header's names, in order
  std::vector<StatRow> rows;
  // Rows skipped: shorter than the header, unterminated quotes, no or an
  // unknown type. haproxy_exporter counts these in
  // haproxy_exporter_csv_parse_failures_total.
  std::size_t parse_failures = 0;
  std::vector<std::string> problems;  // the first few failures, for the log

  // The position of a named column, or -1 when this HAProxy has no such column.
  int column(std::string_view name) const;
  // A row's field by column position; empty when the column is absent.
  static std::string_view field(const StatRow& row, int column) {
    return column >= 0 && static_cast<std::size_t>(column) < row.fields.size() ? row.fields[column]
                                                                               : std::string_view();
  }

  std::deque<std::string> unquoted;  // storage for fields that were quoted
};

// Fails only when there is no usable header (no "# pxname,svname,..." line,
// or one without the pxname, svname and type columns).
base::Expected<StatTable, std::string> parseStatCsv(std::string_view text);

// The standard column at a position of HAProxy's documented CSV (management
// guide, section 9.1), for haproxy_exporter's --haproxy.server-metric-fields
// numbers; empty beyond the known list.
std::string_view standardColumnName(int position);

}  // namespace haproxy
