#include "alerts/notifier.h"

#include <doctest/doctest.h>

namespace {

alerts::NotificationRow row(const std::string& kind, const std::string& severity) {
  alerts::NotificationRow n;
  n.fingerprint = "8a1f0c2d3e4b5a69";
  n.starts_at_ns = 1795255200123456789LL;
  n.kind = kind;
  n.severity = severity;
  n.title = "CRITICAL: ServerDown on web-1.example.com:9100";
  n.message = "web-1 is down & out";
  return n;
}

}  // namespace

TEST_CASE("alerts: Twilio's Messages API request") {
  alerts::Channel channel;
  channel.url = "https://api.twilio.com";
  channel.from = "+15005550006";
  auto request =
      alerts::twilioRequest(channel, "AC0123", "secret", "+15005550001", row("firing", "critical"));
  CHECK(request.url == "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json");
  CHECK(request.body ==
        "To=%2B15005550001&From=%2B15005550006&Body=CRITICAL%3A+ServerDown+on+web-1.example.com%"
        "3A9100"
        "%0Aweb-1+is+down+%26+out");
  CHECK(request.basic_username == "AC0123");
  CHECK(request.basic_password == "secret");
  CHECK(request.headers[0].second == "application/x-www-form-urlencoded");
}

TEST_CASE("alerts: ntfy's publish request") {
  alerts::Channel channel;
  channel.url = "https://ntfy.example.org";
  channel.topic = "tern-alerts";
  auto firing = alerts::ntfyRequest(channel, "tk_abc", row("firing", "emergency"));
  CHECK(firing.url == "https://ntfy.example.org/tern-alerts");
  CHECK(firing.body == "web-1 is down & out");
  auto header = [](const alerts::OutgoingRequest& r, const std::string& name) {
    for (const auto& [key, value] : r.headers)
      if (key == name) return value;
    return std::string();
  };
  CHECK(header(firing, "Priority") == "urgent");
  CHECK(header(firing, "Title") == "CRITICAL: ServerDown on web-1.example.com:9100");
  CHECK(header(firing, "Authorization") == "Bearer tk_abc");
  CHECK(header(alerts::ntfyRequest(channel, "", row("firing", "critical")), "Priority") == "high");
  auto resolved = alerts::ntfyRequest(channel, "", row("resolved", "critical"));
  CHECK(header(resolved, "Priority") == "default");
  CHECK(header(resolved, "Tags") == "white_check_mark");
  CHECK(header(resolved, "Authorization").empty());
}

TEST_CASE("alerts: Appwrite Messaging request with an idempotent message id") {
  alerts::Channel channel;
  channel.url = "https://appwrite.example.com/v1";
  channel.project_id = "monitoring";
  channel.appwrite_topic = "critical-alerts";
  auto request = alerts::appwriteMessageRequest(channel, "key123", row("firing", "critical"));
  CHECK(request.url == "https://appwrite.example.com/v1/messaging/messages/push");
  CHECK(request.body.find("\"messageId\":\"tern-8a1f0c2d3e4b5a69-6b016ba0f\"") !=
        std::string::npos);
  CHECK(request.body.find("\"topics\":[\"critical-alerts\"]") != std::string::npos);
  bool project = false, key = false;
  for (const auto& [name, value] : request.headers) {
    project |= name == "X-Appwrite-Project" && value == "monitoring";
    key |= name == "X-Appwrite-Key" && value == "key123";
  }
  CHECK(project);
  CHECK(key);
}

TEST_CASE("alerts: send outcomes by status") {
  CHECK(alerts::classifyStatus(201) == alerts::SendOutcome::sent);
  CHECK(alerts::classifyStatus(429) == alerts::SendOutcome::retry);
  CHECK(alerts::classifyStatus(503) == alerts::SendOutcome::retry);
  CHECK(alerts::classifyStatus(400) == alerts::SendOutcome::give_up);
  CHECK(alerts::classifyStatus(401) == alerts::SendOutcome::give_up);
  CHECK(alerts::splitDestination("sms/+15005550001") ==
        std::pair<std::string, std::string>{"sms", "+15005550001"});
  CHECK(alerts::splitDestination("push").second.empty());
}
