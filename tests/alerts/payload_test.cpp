#include "alerts/payload.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "support/golden.h"

namespace {

std::string readFixture(const std::string& name) {
  std::ifstream in(testsupport::fixture("alerts/" + name));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("alerts: parseWebhook reads Alertmanager's version 4 payload") {
  auto parsed = alerts::parseWebhook(readFixture("webhook_firing.json"));
  REQUIRE_MESSAGE(parsed.webhook.has_value(), parsed.error);
  const alerts::Webhook& webhook = *parsed.webhook;
  CHECK(webhook.version == "4");
  CHECK(webhook.receiver == "tern-alerts");
  CHECK(webhook.group_key.find("ServerDown") != std::string::npos);
  CHECK(webhook.external_url == "http://alertmanager.example.com:9093");
  CHECK(webhook.common_labels.at("severity") == "critical");
  REQUIRE(webhook.alerts.size() == 1);
  const alerts::Alert& alert = webhook.alerts[0];
  CHECK(alert.status == "firing");
  CHECK(alert.fingerprint == "8a1f0c2d3e4b5a69");
  CHECK(alert.severity() == "critical");
  CHECK(alert.label("instance") == "web-1.example.com:9100");
  CHECK(alert.annotation("impact") == "Users of web-1 get errors");
  CHECK(alert.starts_at_ns == 1795255200123456789LL);
  CHECK(alert.ends_at == "0001-01-01T00:00:00Z");
  CHECK(alert.raw.find("\"fingerprint\":\"8a1f0c2d3e4b5a69\"") != std::string::npos);
}

TEST_CASE("alerts: parseWebhook refuses malformed payloads with the reason") {
  struct Case {
    const char* body;
    const char* reason;
  };
  const Case cases[] = {
      {"", "invalid JSON"},
      {"{bad", "invalid JSON"},
      {"[]", "payload is not a JSON object"},
      {"{}", "alerts is missing or not an array"},
      {"{\"alerts\": {}}", "alerts is missing or not an array"},
      {"{\"version\": \"3\", \"alerts\": []}", "unsupported payload version \"3\" (want 4)"},
      {"{\"alerts\": [1]}", "alerts[0] is not an object"},
      {"{\"alerts\": [{\"status\": \"pending\", \"labels\": {\"a\": \"b\"}, \"startsAt\": "
       "\"2026-01-01T00:00:00Z\"}]}",
       "alerts[0].status must be \"firing\" or \"resolved\""},
      {"{\"alerts\": [{\"status\": \"firing\", \"labels\": {\"a\": 1}, \"startsAt\": "
       "\"2026-01-01T00:00:00Z\"}]}",
       "alerts[0].labels.a is not a string"},
      {"{\"alerts\": [{\"status\": \"firing\", \"labels\": {}, \"startsAt\": "
       "\"2026-01-01T00:00:00Z\"}]}",
       "alerts[0].labels are missing"},
      {"{\"alerts\": [{\"status\": \"firing\", \"labels\": {\"a\": \"b\"}, \"startsAt\": "
       "\"yesterday\"}]}",
       "alerts[0].startsAt is not an RFC 3339 time"},
      {"{\"truncatedAlerts\": \"x\", \"alerts\": []}", "truncatedAlerts is not an integer"},
      {"{\"groupLabels\": [], \"alerts\": []}", "groupLabels is not an object"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    auto parsed = alerts::parseWebhook(c.body);
    CHECK_FALSE(parsed.webhook);
    CHECK(parsed.error == c.reason);
  }
  CHECK_FALSE(alerts::parseWebhook(readFixture("webhook_malformed.txt")).webhook);
  auto too_many = alerts::parseWebhook(
      "{\"alerts\": [{\"status\": \"firing\", \"labels\": {\"a\": \"b\"}, \"startsAt\": "
      "\"2026-01-01T00:00:00Z\"}, {}]}",
      1);
  CHECK(too_many.error == "payload has 2 alerts, more than the limit of 1");
}

TEST_CASE("alerts: a missing fingerprint is Prometheus' label-set hash") {
  auto parsed = alerts::parseWebhook(
      "{\"alerts\": [{\"status\": \"firing\", \"labels\": {\"alertname\": \"Watchdog\"}, "
      "\"startsAt\": \"2026-01-01T00:00:00Z\"}]}");
  REQUIRE(parsed.webhook);
  // FNV-1a 64 of "alertname\xffWatchdog\xff", as model.LabelSet.Fingerprint().
  CHECK(parsed.webhook->alerts[0].fingerprint ==
        alerts::labelsFingerprint({{"alertname", "Watchdog"}}));
  CHECK(parsed.webhook->alerts[0].fingerprint.size() == 16);
  CHECK(alerts::labelsFingerprint({}) == "cbf29ce484222325");  // the FNV offset basis
}

TEST_CASE("alerts: RFC 3339 times") {
  CHECK(alerts::parseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(alerts::parseRfc3339("1970-01-01T00:00:01.5Z") == 1500000000);
  CHECK(alerts::parseRfc3339("1970-01-01T02:00:00+02:00") == 0);
  CHECK(alerts::parseRfc3339("2026-11-21T10:00:00.123456789Z") == 1795255200123456789LL);
  CHECK(alerts::parseRfc3339("0001-01-01T00:00:00Z") == INT64_MIN);
  CHECK_FALSE(alerts::parseRfc3339(""));
  CHECK_FALSE(alerts::parseRfc3339("2026-11-21"));
  CHECK_FALSE(alerts::parseRfc3339("2026-11-21T10:00:00"));
  CHECK_FALSE(alerts::parseRfc3339("2026-13-21T10:00:00Z"));
  CHECK_FALSE(alerts::parseRfc3339("2026-11-21T10:00:00.Z"));
  CHECK_FALSE(alerts::parseRfc3339("2026-11-21T10:00:00Zjunk"));
  CHECK(alerts::formatRfc3339Millis(1500000000) == "1970-01-01T00:00:01.500Z");
}
