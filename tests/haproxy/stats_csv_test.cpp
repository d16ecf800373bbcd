// HAProxy's stats CSV, parsed by header: real `show stat` output of 2.6 and
// the same rows under the column sets of 1.8, 2.0, 2.4 and 2.8 (management
// guide 9.1), plus short, long and garbled rows.

#include "haproxy/stats_csv.h"

#include <doctest/doctest.h>

#include <string>

#include "hostfs/read.h"
#include "support/golden.h"

namespace {

std::string readFixture(const std::string& name) {
  auto text = hostfs::readFile(testsupport::fixture("haproxy/" + name));
  REQUIRE(text);
  return *text;
}

const haproxy::StatRow* findRow(const haproxy::StatTable& table, std::string_view proxy,
                                std::string_view service) {
  for (const auto& row : table.rows) {
    if (row.fields[0] == proxy && row.fields[1] == service) return &row;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("stats CSV of HAProxy 1.8 to 2.8 parses by header") {
  struct Case {
    const char* version;
    std::size_t columns;
    bool has_conn_tot;
    bool has_eint;
  };
  const Case cases[] = {{"1.8", 84, true, false},
                        {"2.0", 99, true, true},
                        {"2.4", 118, true, true},
                        {"2.6", 128, true, true},
                        {"2.8", 138, true, true}};
  for (const Case& c : cases) {
    CAPTURE(c.version);
    std::string text = readFixture(std::string("show_stat_") + c.version + ".csv");
    auto table = haproxy::parseStatCsv(text);
    REQUIRE(table);
    CHECK(table->columns.size() == c.columns);
    CHECK(table->parse_failures == 0);
    CHECK(table->rows.size() == 8);
    CHECK((table->column("conn_tot") >= 0) == c.has_conn_tot);
    CHECK((table->column("eint") >= 0) == c.has_eint);
    const auto* app1 = findRow(*table, "be_app", "app1");
    REQUIRE(app1 != nullptr);
    CHECK(app1->type == haproxy::ObjectType::server);
    CHECK(haproxy::StatTable::field(*app1, table->column("stot")) == "3");
    CHECK(haproxy::StatTable::field(*app1, table->column("status")) == "UP");
    CHECK(haproxy::StatTable::field(*app1, table->column("no_such_column")).empty());
    const auto* frontend = findRow(*table, "fe_main", "FRONTEND");
    REQUIRE(frontend != nullptr);
    CHECK(frontend->type == haproxy::ObjectType::frontend);
    CHECK(haproxy::StatTable::field(*frontend, table->column("hrsp_5xx")) == "1");
  }
}

TEST_CASE("the standard column positions are haproxy_exporter's field numbers") {
  CHECK(haproxy::standardColumnName(0) == "pxname");
  CHECK(haproxy::standardColumnName(17) == "status");
  CHECK(haproxy::standardColumnName(32) == "type");
  CHECK(haproxy::standardColumnName(79) == "conn_tot");
  CHECK(haproxy::standardColumnName(102) == "agg_check_status");
  CHECK(haproxy::standardColumnName(103).empty());
  CHECK(haproxy::standardColumnName(-1).empty());
}

TEST_CASE("short, long and garbled rows are counted, never fatal") {
  const std::string header = "# pxname,svname,scur,status,type,\n";
  SUBCASE("a short row is a parse failure") {
    std::string text = header + "fe,FRONTEND,1,OPEN,0,\nfe,FRONTEND,1\n";
    auto table = haproxy::parseStatCsv(text);
    REQUIRE(table);
    CHECK(table->rows.size() == 1);
    CHECK(table->parse_failures == 1);
    REQUIRE(table->problems.size() == 1);
    CHECK(table->problems[0].find("3 fields") != std::string::npos);
  }
  SUBCASE("a long row keeps its known columns") {
    std::string text = header + "be,srv,2,UP,2,extra,more,\n";
    auto table = haproxy::parseStatCsv(text);
    REQUIRE(table);
    REQUIRE(table->rows.size() == 1);
    CHECK(table->parse_failures == 0);
    CHECK(haproxy::StatTable::field(table->rows[0], table->column("scur")) == "2");
  }
  SUBCASE("an unknown type, an empty name and an open quote are failures") {
    std::string text = header +
                       "be,srv,2,UP,9,\n"
                       ",srv,2,UP,2,\n"
                       "be,\"srv,2,UP,2,\n"
                       "garbage\x01\xff\n"
                       "be,srv2,0,DOWN,2,\n";
    auto table = haproxy::parseStatCsv(text);
    REQUIRE(table);
    CHECK(table->rows.size() == 1);
    CHECK(table->parse_failures == 4);
  }
  SUBCASE("quoted fields and CRLF line ends") {
    std::string text =
        "# pxname,svname,check_desc,status,type,\r\n"
        "be,srv,\"Layer7 \"\"wrong\"\", status, 503\",DOWN,2,\r\n";
    auto table = haproxy::parseStatCsv(text);
    REQUIRE(table);
    REQUIRE(table->rows.size() == 1);
    CHECK(haproxy::StatTable::field(table->rows[0], 2) == "Layer7 \"wrong\", status, 503");
    CHECK(haproxy::StatTable::field(table->rows[0], 3) == "DOWN");
  }
  SUBCASE("no header is an error, not a table") {
    CHECK_FALSE(haproxy::parseStatCsv(""));
    CHECK_FALSE(haproxy::parseStatCsv("\n\n"));
    CHECK_FALSE(haproxy::parseStatCsv("fe,FRONTEND,1,OPEN,0,\n"));
    CHECK_FALSE(haproxy::parseStatCsv("Permission denied\n\n"));
    CHECK_FALSE(haproxy::parseStatCsv("# a,b,c\n1,2,3\n"));
    CHECK_FALSE(haproxy::parseStatCsv("<html><body>502 Bad Gateway</body></html>"));
  }
  SUBCASE("a header alone is an empty table") {
    auto table = haproxy::parseStatCsv(header);
    REQUIRE(table);
    CHECK(table->rows.empty());
  }
}

TEST_CASE("every truncation and byte flip of a real answer parses without a crash") {
  std::string text = readFixture("show_stat_2.6.csv");
  std::size_t tables = 0;
  for (std::size_t cut = 0; cut <= text.size(); cut += 7) {
    auto table = haproxy::parseStatCsv(std::string_view(text).substr(0, cut));
    if (table) {
      ++tables;
      for (const auto& row : table->rows) CHECK(row.fields.size() >= table->columns.size());
    }
  }
  CHECK(tables > 0);
  std::uint32_t seed = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string garbled = text;
    for (int flips = 0; flips < 4; ++flips) {
      seed = seed * 1103515245 + 12345;
      std::size_t at = (seed >> 8) % garbled.size();
      const char replacement[] = {',', '"', '\n', '\r', '#', '\0', 'x', '9'};
      garbled[at] = replacement[(seed >> 4) % sizeof(replacement)];
    }
    auto table = haproxy::parseStatCsv(garbled);
    if (table) {
      for (const auto& row : table->rows) CHECK(row.fields.size() >= table->columns.size());
    }
  }
}
