#pragma once
// tern-alerts' configuration file (YAML): the webhook's path and credentials,
// the store, notification channels, routes from alerts to channels, rate
// limits, retries and the optional Appwrite database sink. Loading checks
// everything at start-up; a mistake (unknown key included) is an exception
// naming file:line and the reason.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alerts/payload.h"

namespace re2 {
class RE2;
}

namespace alerts {

// One Alertmanager-style matcher: name, =, !=, =~ or !~, value.
struct Matcher {
  enum class Op { equal, not_equal, regex, not_regex };
  std::string name;
  Op op = Op::equal;
  std::string value;
  std::shared_ptr<re2::RE2> regex;  // anchored, for =~ and !~
  bool matches(const LabelMap& labels) const;
};
// 'severity=~"critical|emergency"', "team = db"; throws std::invalid_argument.
Matcher parseMatcher(const std::string& text);

struct Route {
  std::vector<Matcher> matchers;  // all must match
  std::vector<std::string> channels;
  bool send_resolved = true;
  bool continue_matching = false;
};

struct Channel {
  enum class Type { twilio, ntfy, appwrite };
  std::string name;
  Type type = Type::ntfy;
  std::string url;  // Twilio's API base, ntfy's server, Appwrite's endpoint (with /v1)
  // Twilio
  std::string account_sid_file, auth_token_file, from;
  std::vector<std::string> to;
  // ntfy
  std::string topic, token_file;
  // Appwrite Messaging
  std::string project_id, key_file, appwrite_topic;
  std::chrono::milliseconds timeout{10000};
};

struct TokenBucketConfig {
  double burst = 0;                           // 0: unlimited
  std::chrono::milliseconds refill_every{0};  // one token back per interval
};

struct AppwriteSink {
  bool enabled = false;
  std::string endpoint, project_id, key_file;
  std::string database_id = "monitoring", collection_id = "alerts";
  std::chrono::milliseconds timeout{10000};
};

struct Config {
  std::string source;  // the file, for messages
  // Webhook
  std::string webhook_path = "/webhook";
  std::string bearer_token_file;
  // From the environment (TERN_ALERTS_WEBHOOK_TOKEN), never from the file.
  std::string bearer_token;
  std::string basic_username, basic_password_file;
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_alerts_per_webhook = 100000;
  // Store
  std::string database = "tern-alerts.db";
  // Resolved alerts not updated for this long are deleted with their
  // history; 0 keeps everything.
  std::chrono::milliseconds retention{std::chrono::hours(24 * 90)};
  // Notifications
  std::map<std::string, Channel> channels;
  std::vector<Route> routes;
  TokenBucketConfig per_alert_limit{3, std::chrono::minutes(20)};
  TokenBucketConfig global_limit{30, std::chrono::minutes(2)};
  std::chrono::milliseconds retry_initial{5000};
  std::chrono::milliseconds retry_max{300000};
  int retry_max_attempts = 12;
  std::size_t max_pending = 10000;
  AppwriteSink appwrite_database;
};

// Parses "500ms", "30s", "5m", "2h", "1d"; throws std::invalid_argument.
std::chrono::milliseconds parseDuration(const std::string& text);

Config parseConfig(const std::string& yaml_text, const std::string& source);
Config loadConfig(const std::string& path);

// The channels an alert goes to, in route order without repeats; for a
// resolved message only routes with send_resolved count.
std::vector<std::string> routeAlert(const Config& config, const LabelMap& labels, bool resolved);

}  // namespace alerts
