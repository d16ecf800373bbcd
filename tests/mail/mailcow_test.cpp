// Mailcow's API parsers against answers in the format of mailcow's
// openapi.yaml examples (tests/fixtures/mail/mailcow), and malformed ones.

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "mail/mailcow/api.h"
#include "support/golden.h"

namespace mc = mail::mailcow;

namespace {
std::string load(const std::string& name) {
  std::ifstream in(testsupport::fixture("mail/mailcow/" + name), std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

TEST_CASE("mailcow: mail queue") {
  auto parsed = mc::parseMailq(load("mailq.json"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 4);
  CHECK(parsed->skipped == 0);
  CHECK(parsed->items[0].queue == "incoming");
  CHECK(parsed->items[0].size_bytes == 1848);
  CHECK(parsed->items[0].arrival_time == 1570091234);
  CHECK(parsed->items[1].queue == "deferred");
  // Numeric strings are numbers too.
  CHECK(parsed->items[3].queue == "hold");
  CHECK(parsed->items[3].size_bytes == 500);
  CHECK(parsed->items[3].arrival_time == 1700000200);
}

TEST_CASE("mailcow: mail queue, empty and bad items") {
  for (const char* empty : {"[]", "{}", "null"}) {
    auto parsed = mc::parseMailq(empty);
    REQUIRE(parsed.ok());
    CHECK(parsed->items.empty());
  }
  auto parsed = mc::parseMailq(load("mailq_bad_items.json"));
  REQUIRE(parsed.ok());
  CHECK(parsed->items.size() == 2);
  CHECK(parsed->skipped == 2);
}

TEST_CASE("mailcow: mailboxes") {
  auto parsed = mc::parseMailboxes(load("mailbox.json"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 2);
  const auto& a = parsed->items[0];
  CHECK(a.username == "info@doman3.tld");
  CHECK(a.domain == "doman3.tld");
  CHECK(a.active == 1);
  CHECK(a.quota_bytes == 3221225472.0);
  CHECK(a.quota_used_bytes == 0);
  CHECK(a.messages == 0);
  CHECK_FALSE(a.last_imap_login.has_value());
  const auto& b = parsed->items[1];
  CHECK(b.quota_bytes == 1073741824.0);
  CHECK(b.quota_used_bytes == 1000000000.0);
  CHECK(b.messages == 1234);
  CHECK(b.last_imap_login == 1700001234);
}

TEST_CASE("mailcow: domains, numbers and numeric strings mixed") {
  auto parsed = mc::parseDomains(load("domain.json"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 2);
  const auto& d = parsed->items[0];
  CHECK(d.name == "domain.tld");
  CHECK(d.active == 1);
  CHECK(d.mailboxes == 0);
  CHECK(d.max_mailboxes == 10);
  CHECK(d.aliases == 0);
  CHECK(d.max_aliases == 400);
  CHECK(d.quota_bytes == 10737418240.0);
  CHECK(d.quota_used_bytes == 5076666944.0);
  CHECK(d.messages == 172440);
  CHECK(parsed->items[1].active == 0);
  CHECK(parsed->items[1].mailboxes == 2);
}

TEST_CASE("mailcow: truncated and invalid answers are errors, not crashes") {
  auto truncated = mc::parseDomains(load("domain_truncated.json"));
  REQUIRE_FALSE(truncated.ok());
  CHECK(truncated.error().find("invalid JSON") != std::string::npos);
  CHECK_FALSE(mc::parseMailq("").ok());
  CHECK_FALSE(mc::parseMailq("[{\"queue_name\": \"active\"").ok());
  CHECK_FALSE(mc::parseMailq("\"a string\"").ok());
  CHECK_FALSE(mc::parseMailq("42").ok());
  CHECK_FALSE(mc::parseContainers("[1, 2]").ok());
  CHECK_FALSE(mc::parseRspamdActions("{\"reject\": 1}").ok());
  CHECK_FALSE(mc::parseQuarantine("<html>502 Bad Gateway</html>").ok());
}

TEST_CASE("mailcow: an error answer is an error with Mailcow's message") {
  auto parsed = mc::parseDomains(load("unauthorized.json"));
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error() == "Mailcow answered an error: authentication failed");
  CHECK_FALSE(mc::parseContainers(load("unauthorized.json")).ok());
  CHECK_FALSE(mc::parseQuarantine(load("unauthorized.json")).ok());
}

TEST_CASE("mailcow: quarantine, a list or the openapi example's single object") {
  auto parsed = mc::parseQuarantine(load("quarantine.json"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 3);
  CHECK(parsed->items[0].recipient == "admin@domain.tld");
  CHECK_FALSE(parsed->items[0].virus);
  CHECK(parsed->items[0].score == doctest::Approx(15.48));
  CHECK(parsed->items[1].virus);
  auto single = mc::parseQuarantine(load("quarantine_single.json"));
  REQUIRE(single.ok());
  REQUIRE(single->items.size() == 1);
  CHECK(single->items[0].created == 1572688831);
  auto empty = mc::parseQuarantine("{}");
  REQUIRE(empty.ok());
  CHECK(empty->items.empty());
}

TEST_CASE("mailcow: rspamd actions") {
  auto parsed = mc::parseRspamdActions(load("rspamd_actions.json"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 5);
  CHECK(parsed->items[0].action == "reject");
  CHECK(parsed->items[0].count == 12);
  CHECK(parsed->items[1].action == "soft reject");
  CHECK(parsed->items[4].count == 950);
  auto bad = mc::parseRspamdActions(load("rspamd_actions_bad.json"));
  REQUIRE(bad.ok());
  CHECK(bad->items.size() == 2);
  CHECK(bad->skipped == 3);
}

TEST_CASE("mailcow: containers, only Mailcow's own") {
  auto parsed = mc::parseContainers(load("containers.json"));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->items.size() == 4);  // not ipv6nat
  CHECK(parsed->skipped == 0);
  for (const auto& c : parsed->items) CHECK(c.name.ends_with("-mailcow"));
  const auto& acme = parsed->items[0];
  CHECK(acme.name == "acme-mailcow");
  CHECK(acme.image == "mailcow/acme:1.63");
  CHECK(acme.state == "running");
  REQUIRE(acme.started_at.has_value());
  CHECK(*acme.started_at == doctest::Approx(1577048408.270660275));
  CHECK(parsed->items[3].state == "exited");
}

TEST_CASE("mailcow: RFC 3339 times") {
  CHECK(mc::parseRfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(mc::parseRfc3339("2019-12-22T21:00:08Z") == 1577048408);
  CHECK(mc::parseRfc3339("2019-12-22T22:00:08+01:00") == 1577048408);
  CHECK(mc::parseRfc3339("2000-02-29T00:00:00.5Z") == 951782400.5);
  CHECK_FALSE(mc::parseRfc3339("0001-01-01T00:00:00Z").has_value());
  CHECK_FALSE(mc::parseRfc3339("2019-12-22 21:00").has_value());
  CHECK_FALSE(mc::parseRfc3339("2019-12-22T21:00:08").has_value());
  CHECK_FALSE(mc::parseRfc3339("2019-13-22T21:00:08Z").has_value());
  CHECK_FALSE(mc::parseRfc3339("").has_value());
}
