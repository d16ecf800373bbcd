// From stats to families: haproxy_exporter's naming (golden checked against
// Debian's prometheus-haproxy-exporter 0.14 on the same `show stat` and
// `show info`), the built-in exporter's naming, field selection, excluded
// states, and values that are not numbers.

#include "haproxy/metrics.h"

#include <doctest/doctest.h>

#include <string>

#include "hostfs/read.h"
#include "runtime/text_format.h"
#include "support/golden.h"

namespace {

std::string readFixture(const std::string& name) {
  auto text = hostfs::readFile(testsupport::fixture("haproxy/" + name));
  REQUIRE(text);
  return *text;
}

haproxy::MetricOptions exporterOptions() {
  haproxy::MetricOptions options;
  options.server_metric_fields = haproxy::parseFieldList(haproxy::kDefaultServerMetricFields);
  return options;
}

std::string render(const std::string& csv, const std::string& info,
                   const haproxy::MetricOptions& options, std::size_t* failures = nullptr) {
  auto table = haproxy::parseStatCsv(csv);
  REQUIRE(table);
  runtime::MetricSink sink;
  std::size_t bad = haproxy::emitStats(*table, options, sink);
  if (failures != nullptr) *failures = bad;
  if (!info.empty()) haproxy::emitInfo(haproxy::parseShowInfo(info), options, sink);
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  runtime::sortAndMerge(families);
  std::string text;
  runtime::writeTextFormat(families, text);
  return text;
}

}  // namespace

TEST_CASE("exporter naming equals haproxy_exporter 0.14 on HAProxy 2.6's stats") {
  std::size_t failures = 99;
  std::string text = render(readFixture("show_stat_2.6.csv"), readFixture("show_info_2.6.txt"),
                            exporterOptions(), &failures);
  CHECK(failures == 0);
  testsupport::checkGolden("haproxy/golden/exporter_2.6.prom", text);
}

TEST_CASE("exporter naming on older and newer column sets") {
  for (const char* version : {"1.8", "2.0", "2.4", "2.8"}) {
    CAPTURE(version);
    std::string text =
        render(readFixture(std::string("show_stat_") + version + ".csv"), "", exporterOptions());
    CHECK(text.find("haproxy_server_up{backend=\"be_app\",server=\"app1\"} 1\n") !=
          std::string::npos);
    CHECK(
        text.find("haproxy_frontend_http_responses_total{code=\"5xx\",frontend=\"fe_main\"} 1\n") !=
        std::string::npos);
    CHECK(text.find("haproxy_frontend_connections_total{frontend=\"fe_main\"} 6\n") !=
          std::string::npos);
  }
}

TEST_CASE("promex naming on HAProxy 2.6's stats") {
  haproxy::MetricOptions options;
  options.naming = haproxy::Naming::promex;
  std::string text =
      render(readFixture("show_stat_2.6.csv"), readFixture("show_info_2.6.txt"), options);
  testsupport::checkGolden("haproxy/golden/promex_2.6.prom", text);
  CHECK(text.find("haproxy_server_status{proxy=\"be_app\",server=\"app3\",state=\"MAINT\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("haproxy_backend_status{proxy=\"be_app\",state=\"UP\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("haproxy_server_limit_sessions{proxy=\"be_app\",server=\"app2\"} NaN\n") !=
        std::string::npos);
  CHECK(text.find("haproxy_version_info") == std::string::npos);
}

TEST_CASE("server metric fields select server families; excluded states drop servers") {
  haproxy::MetricOptions options = exporterOptions();
  options.server_metric_fields = haproxy::parseFieldList("17, 7");
  options.server_exclude_states = haproxy::parseStateList("MAINT,DOWN");
  std::string text = render(readFixture("show_stat_2.6.csv"), "", options);
  CHECK(text.find("haproxy_server_up{backend=\"be_app\",server=\"app1\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("haproxy_server_sessions_total{backend=\"be_app\",server=\"app1\"} 3\n") !=
        std::string::npos);
  CHECK(text.find("server=\"app2\"") == std::string::npos);  // DOWN
  CHECK(text.find("server=\"app3\"") == std::string::npos);  // MAINT
  CHECK(text.find("haproxy_server_bytes_in_total") == std::string::npos);
  CHECK(text.find("haproxy_backend_bytes_in_total") != std::string::npos);
  CHECK_THROWS_AS(haproxy::parseFieldList("2,x"), std::invalid_argument);
  CHECK(haproxy::parseFieldList("").empty());
}

TEST_CASE("a value that is not a number is counted and skipped") {
  std::string csv =
      "# pxname,svname,scur,stot,status,type,\n"
      "be,srv,abc,5,UP,2,\n"
      "be,BACKEND,1,1e999x,UP,1,\n";
  std::size_t failures = 0;
  std::string text = render(csv, "", exporterOptions(), &failures);
  CHECK(failures == 2);
  CHECK(text.find("haproxy_server_sessions_total{backend=\"be\",server=\"srv\"} 5\n") !=
        std::string::npos);
  CHECK(text.find("haproxy_server_current_sessions") == std::string::npos);
  CHECK(text.find("haproxy_backend_current_sessions{backend=\"be\"} 1\n") != std::string::npos);
}

TEST_CASE("status strings read as haproxy_*_up") {
  CHECK(haproxy::upValue("UP") == 1);
  CHECK(haproxy::upValue("UP 1/3") == 1);
  CHECK(haproxy::upValue("OPEN") == 1);
  CHECK(haproxy::upValue("no check") == 1);
  CHECK(haproxy::upValue("DRAIN") == 1);
  CHECK(haproxy::upValue("DOWN") == 0);
  CHECK(haproxy::upValue("DOWN 1/2") == 0);
  CHECK(haproxy::upValue("NOLB") == 0);
  CHECK(haproxy::upValue("MAINT") == 0);
  CHECK(haproxy::upValue("MAINT (via be/srv)") == 0);
  CHECK(haproxy::upValue("") == 0);
}

TEST_CASE("show info: pairs, malformed lines, process families") {
  auto info =
      haproxy::parseShowInfo("Name: HAProxy\nVersion: 2.6.12\nbroken line\n\nCurrConns: 3\n");
  CHECK(info.fields.size() == 3);
  CHECK(info.malformed_lines == 1);
  CHECK(info.get("CurrConns") == "3");
  CHECK(info.get("Missing").empty());

  haproxy::MetricOptions options = exporterOptions();
  options.process_metrics_from_pid = true;
  runtime::MetricSink sink;
  haproxy::emitInfo(haproxy::parseShowInfo("Version: 2.6\nRelease_date: 2023/01/01\nUlimit-n: 100\n"
                                           "Start_time_sec: 5\nCurrConns: 3\nCumReq: x\n"),
                    options, sink);
  std::vector<runtime::MetricFamily> families;
  sink.drainInto(families);
  std::string text;
  runtime::sortAndMerge(families);
  runtime::writeTextFormat(families, text);
  CHECK(text.find("haproxy_version_info{release_date=\"2023/01/01\",version=\"2.6\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("haproxy_process_current_connections 3\n") != std::string::npos);
  // Left to --haproxy.pid-file's /proc reading.
  CHECK(text.find("haproxy_process_max_fds") == std::string::npos);
  CHECK(text.find("haproxy_process_start_time_seconds") == std::string::npos);
  CHECK(text.find("haproxy_process_requests_total") == std::string::npos);
}
