#include "alerts/config.h"

#include <doctest/doctest.h>

#include "support/golden.h"

TEST_CASE("alerts: the full example configuration loads") {
  alerts::Config config = alerts::loadConfig(testsupport::fixture("alerts/config_full.yml"));
  CHECK(config.webhook_path == "/hooks/alertmanager");
  CHECK(config.bearer_token_file == "/etc/tern-alerts/webhook_token");
  CHECK(config.max_body_bytes == 2097152);
  CHECK(config.database == "/var/lib/tern-alerts/alerts.db");
  CHECK(config.retention == std::chrono::hours(24 * 30));
  CHECK(alerts::parseConfig("store:\n  retention: 0\n", "f.yml").retention.count() == 0);
  CHECK(alerts::parseConfig("", "f.yml").retention == std::chrono::hours(24 * 90));
  REQUIRE(config.channels.size() == 3);
  const alerts::Channel& sms = config.channels.at("sms");
  CHECK(sms.type == alerts::Channel::Type::twilio);
  CHECK(sms.url == "https://api.twilio.com");
  CHECK(sms.to == std::vector<std::string>{"+15005550001", "+15005550002"});
  CHECK(config.channels.at("push").url == "https://ntfy.example.org");  // trailing / dropped
  CHECK(config.channels.at("appwrite-push").appwrite_topic == "critical-alerts");
  CHECK(config.routes.size() == 3);
  CHECK(config.per_alert_limit.burst == 2);
  CHECK(config.per_alert_limit.refill_every == std::chrono::minutes(30));
  CHECK(config.retry_initial == std::chrono::seconds(2));
  CHECK(config.retry_max_attempts == 8);
  CHECK(config.max_pending == 500);
  CHECK(config.appwrite_database.enabled);
  CHECK(config.appwrite_database.database_id == "monitoring");
  CHECK(config.appwrite_database.collection_id == "alerts");
}

TEST_CASE("alerts: routes pick channels by matchers, in order, with continue") {
  alerts::Config config = alerts::loadConfig(testsupport::fixture("alerts/config_full.yml"));
  using V = std::vector<std::string>;
  CHECK(alerts::routeAlert(config, {{"severity", "emergency"}}, false) ==
        V{"sms", "push", "appwrite-push"});
  CHECK(alerts::routeAlert(config, {{"severity", "critical"}}, false) == V{"sms", "push"});
  CHECK(alerts::routeAlert(config, {{"severity", "critical"}, {"category", "database"}}, false) ==
        V{"sms", "push", "appwrite-push"});
  // send_resolved: false keeps the third route out of resolved messages.
  CHECK(alerts::routeAlert(config, {{"severity", "critical"}, {"category", "database"}}, true) ==
        V{"sms", "push"});
  CHECK(alerts::routeAlert(config, {{"severity", "warning"}}, false).empty());
  CHECK(alerts::routeAlert(config, {{"severity", "warning"}, {"category", "database"}}, false) ==
        V{"appwrite-push"});
  CHECK(alerts::routeAlert(config, {}, false).empty());
}

TEST_CASE("alerts: matchers in Alertmanager's syntax") {
  auto m = alerts::parseMatcher("severity=~\"critical|emergency\"");
  CHECK(m.matches({{"severity", "critical"}}));
  CHECK_FALSE(m.matches({{"severity", "critical2"}}));  // anchored
  CHECK_FALSE(m.matches({}));
  CHECK(alerts::parseMatcher("team != db").matches({{"team", "web"}}));
  CHECK(alerts::parseMatcher("team!=db").matches({}));
  CHECK(alerts::parseMatcher("team!~\"d.*\"").matches({{"team", "web"}}));
  CHECK(alerts::parseMatcher("a=\"x \\\"y\\\"\"").value == "x \"y\"");
  CHECK_THROWS(alerts::parseMatcher("severity"));
  CHECK_THROWS(alerts::parseMatcher("=x"));
  CHECK_THROWS(alerts::parseMatcher("a=~\"(\""));
  CHECK_THROWS(alerts::parseMatcher("a.b=c"));
}

TEST_CASE("alerts: configuration mistakes name the file, the line and the reason") {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"webhook:\n  pth: /x\n", "f.yml:2: unknown key \"pth\" in webhook"},
      {"bogus: 1\n", "f.yml:1: unknown key \"bogus\" in the top level"},
      {"webhook:\n  path: x\n", "f.yml:2: webhook.path must start with /"},
      {"channels:\n  sms:\n    type: pager\n",
       "f.yml:3: channels.sms.type \"pager\" is not one of twilio, ntfy, appwrite"},
      {"channels:\n  push:\n    type: ntfy\n    url: https://ntfy.example.org\n",
       "f.yml:3: channels.push.topic is required for type ntfy"},
      {"channels:\n  push:\n    type: ntfy\n    url: ftp://x\n    topic: t\n",
       "f.yml:3: channels.push.url must start with http:// or https://"},
      {"routes:\n  - channels: [nope]\n", "f.yml:2: routes[0]: unknown channel \"nope\""},
      {"routes:\n  - matchers: ['severity']\n",
       "f.yml:2: routes[0].matchers: no operator (=, !=, =~, !~)"},
      {"rate_limits:\n  per_alert: {burst: 3}\n",
       "f.yml:2: rate_limits.per_alert.refill_every must be set when burst is"},
      {"retry:\n  initial_backoff: soon\n",
       "f.yml:2: retry.initial_backoff: \"soon\" is not a duration (like 30s, 5m, 2h)"},
      {"retry:\n  max_attempts: 0\n", "f.yml:2: retry.max_attempts must be at least 1"},
      {"webhook:\n  bearer_token_file: a\n  basic_auth: {username: u, password_file: p}\n",
       "f.yml:2: webhook: set bearer_token_file or basic_auth, not both"},
      {"webhook: [\n", "f.yml:2: end of sequence flow not found"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.yaml);
    try {
      alerts::parseConfig(c.yaml, "f.yml");
      FAIL("no error");
    } catch (const std::exception& e) {
      CHECK(std::string(e.what()) == c.message);
    }
  }
  CHECK_THROWS_WITH(alerts::loadConfig("/nonexistent/tern-alerts.yml"),
                    "/nonexistent/tern-alerts.yml: cannot read the configuration file");
  CHECK(alerts::parseConfig("", "f.yml").routes.empty());
}

TEST_CASE("alerts: durations") {
  CHECK(alerts::parseDuration("250ms") == std::chrono::milliseconds(250));
  CHECK(alerts::parseDuration("1.5s") == std::chrono::milliseconds(1500));
  CHECK(alerts::parseDuration("2h") == std::chrono::hours(2));
  CHECK(alerts::parseDuration("1d") == std::chrono::hours(24));
  CHECK_THROWS(alerts::parseDuration("5"));
  CHECK_THROWS(alerts::parseDuration("m"));
  CHECK_THROWS(alerts::parseDuration(""));
}

TEST_CASE("alerts: the example configuration next to the binary loads") {
  alerts::Config config = alerts::loadConfig(std::string(TERN_SOURCE_DIR) +
                                             "/exporters/alerts/tern-alerts.example.yml");
  CHECK(config.channels.size() == 2);
  CHECK(config.routes.size() == 2);
  CHECK(config.bearer_token_file == "/etc/tern-alerts/webhook_token");
}
