// Route53: value translation, XML, drift, the repair plan, and the client
// against a canned local server (pagination, errors and their counters,
// signed requests).

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "aws/sigv4.h"
#include "dnscheck/route53/client.h"
#include "dnscheck/route53/drift.h"
#include "dnscheck/route53/record_set.h"
#include "dnscheck/route53/xml.h"
#include "httpclient/test_server.h"

namespace {

using namespace dnscheck;
using namespace dnscheck::route53;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(TERN_SOURCE_DIR) + "/tests/fixtures/route53/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

DeclaredRecord declared(std::string name, RecordType type, std::vector<std::string> values) {
  DeclaredRecord out;
  out.name = std::move(name);
  out.type = type;
  out.values = std::move(values);
  return out;
}

RecordSet set(std::string name, std::string type, std::uint32_t ttl,
              std::vector<std::string> values) {
  RecordSet out;
  out.name = std::move(name);
  out.type = std::move(type);
  out.ttl = ttl;
  out.values = std::move(values);
  return out;
}

// The users' case: a CNAME at mail.example.com where an A must be.
DeclaredState mailState() {
  DeclaredState state;
  state.route53_zones.push_back({"Z0123456789ABCDEFGHIJ", "example.com"});
  state.records.push_back(declared("mail.example.com", RecordType::A, {"192.0.2.10"}));
  state.records.push_back(
      declared("example.com", RecordType::MX, {"10 mx1.example.com", "20 mx2.example.com"}));
  state.records.push_back(declared("www.example.com", RecordType::AAAA, {"2001:db8::1"}));
  state.records.push_back(declared("other.example.org", RecordType::A, {"198.51.100.1"}));
  return state;
}

}  // namespace

TEST_CASE("route53 values: Route53's texts in canonical form") {
  CHECK(canonicalName("\\052.Example.COM.") == "*.example.com");
  CHECK(canonicalName("example.com") == "example.com");
  CHECK(canonicalValue(RecordType::A, "192.0.2.1") == "192.0.2.1");
  CHECK(!canonicalValue(RecordType::A, "192.0.2.300"));
  CHECK(canonicalValue(RecordType::AAAA, "2001:0db8:0:0:0:0:0:1") == "2001:db8::1");
  CHECK(canonicalValue(RecordType::CNAME, "Host.Example.NET.") == "host.example.net");
  CHECK(canonicalValue(RecordType::MX, "010 MX.example.com.") == "10 mx.example.com");
  CHECK(!canonicalValue(RecordType::MX, "mx.example.com."));
  CHECK(canonicalValue(RecordType::TXT, R"("v=spf1 mx " "-all")") == "v=spf1 mx -all");
  CHECK(canonicalValue(RecordType::TXT, R"("say \"hi\" \\ \065")") == R"(say "hi" \ A)");
  CHECK(!canonicalValue(RecordType::TXT, R"("unterminated)"));
  CHECK(canonicalValue(RecordType::CAA, R"(0 ISSUE "letsencrypt.org")") ==
        "0 issue letsencrypt.org");
  CHECK(!canonicalValue(RecordType::CAA, "0 issue"));
}

TEST_CASE("route53 values: declared forms written for Route53") {
  CHECK(route53Name("mail.example.com") == "mail.example.com.");
  CHECK(route53Value(RecordType::A, "192.0.2.10") == "192.0.2.10");
  CHECK(route53Value(RecordType::CNAME, "host.example.net") == "host.example.net.");
  CHECK(route53Value(RecordType::MX, "10 mx.example.com") == "10 mx.example.com.");
  CHECK(route53Value(RecordType::TXT, R"(a "b")") == R"("a \"b\"")");
  CHECK(route53Value(RecordType::TXT, std::string(300, 'x')) ==
        "\"" + std::string(255, 'x') + "\" \"" + std::string(45, 'x') + "\"");
  CHECK(route53Value(RecordType::CAA, "0 issue letsencrypt.org") == R"(0 issue "letsencrypt.org")");
  // Round trip through Route53's form.
  for (auto [type, value] : std::vector<std::pair<RecordType, std::string>>{
           {RecordType::TXT, R"(v=spf1 "quoted" \ back)"},
           {RecordType::CAA, "128 iodef mailto:security@example.com"},
           {RecordType::MX, "5 mx.example.com"}})
    CHECK(canonicalValue(type, route53Value(type, value)) == value);
}

TEST_CASE("route53 xml: ListResourceRecordSets pages") {
  auto page = parseListResourceRecordSets(fixture("list_page1.xml"));
  REQUIRE(page.ok());
  REQUIRE(page->record_sets.size() == 3);
  CHECK(page->record_sets[0].values ==
        std::vector<std::string>{"10 mx1.example.com.", "20 MX2.example.com."});
  CHECK(page->record_sets[0].ttl == 3600u);
  CHECK(page->record_sets[2].isAlias());
  CHECK(!page->record_sets[2].ttl);
  CHECK(page->is_truncated);
  CHECK(page->next_record_name == "mail.example.com.");
  CHECK(page->next_record_type == "CNAME");
  auto last = parseListResourceRecordSets(fixture("list_page2.xml"));
  REQUIRE(last.ok());
  CHECK(!last->is_truncated);

  CHECK(!parseListResourceRecordSets("").ok());
  CHECK(!parseListResourceRecordSets("<ListResourceRecordSetsResponse>").ok());
  CHECK(!parseListResourceRecordSets("<Other/>").ok());
  auto bad_ttl = parseListResourceRecordSets(
      "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>a.</Name>"
      "<Type>A</Type><TTL>x</TTL></ResourceRecordSet></ResourceRecordSets>"
      "</ListResourceRecordSetsResponse>");
  REQUIRE(!bad_ttl.ok());
  CHECK(bad_ttl.error() == "a. A: <TTL> is not a number: x");
}

TEST_CASE("route53 xml: change info, errors, the change batch") {
  auto info = parseChangeInfo(fixture("change_pending.xml"));
  REQUIRE(info.ok());
  CHECK(info->id == "/change/C2682N5HXP0BZ4");
  CHECK(info->status == "PENDING");
  CHECK(bareId(info->id) == "C2682N5HXP0BZ4");
  CHECK(!parseChangeInfo("<GetChangeResponse/>").ok());

  auto error = parseError(fixture("error_signature.xml"));
  REQUIRE(error);
  CHECK(error->code == "SignatureDoesNotMatch");
  CHECK(error->request_id == "8a7b3f4e-1c2d-4e5f-9a0b-123456789abc");
  auto invalid = parseError(fixture("error_invalid_change_batch.xml"));
  REQUIRE(invalid);
  CHECK(invalid->code == "InvalidChangeBatch");
  CHECK(invalid->message.find("do not match the current values") != std::string::npos);
  CHECK(!parseError("<html>bad gateway</html>"));
  CHECK(!parseError("not xml"));

  ChangeBatch batch;
  batch.comment = "c & d";
  batch.changes.push_back({Action::Delete, set("mail.example.com.", "CNAME", 300, {"h.example."})});
  batch.changes.push_back({Action::Upsert, set("mail.example.com.", "A", 300, {"192.0.2.10"})});
  std::string xml = changeBatchXml(batch);
  CHECK(
      xml.find(
          R"(<ChangeResourceRecordSetsRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/">)") !=
      std::string::npos);
  CHECK(xml.find("<Comment>c &amp; d</Comment>") != std::string::npos);
  CHECK(xml.find("<Action>DELETE</Action>") < xml.find("<Action>UPSERT</Action>"));
  CHECK(xml.find("<TTL>300</TTL>") != std::string::npos);
  CHECK(xml.find("<Value>192.0.2.10</Value>") != std::string::npos);
}

TEST_CASE("route53 drift: the shadowing CNAME, missing and differing records") {
  DeclaredState state = mailState();
  std::vector<RecordSet> sets = {
      set("mail.example.com.", "CNAME", 300, {"mailhost.example.net"}),
      set("example.com.", "MX", 3600, {"20 MX2.example.com.", "10 mx1.example.com."}),
      set("www.example.com.", "AAAA", 60, {"2001:db8::2"}),
  };
  ZoneDrift drift = computeDrift(state, state.route53_zones[0], sets);
  REQUIRE(drift.records.size() == 3);  // other.example.org is not in the zone
  CHECK(drift.records[0].drift);
  CHECK(drift.records[0].reason == "shadowed by a CNAME to mailhost.example.net");
  CHECK(!drift.records[1].drift);
  CHECK(drift.records[2].drift);
  CHECK(drift.records[2].reason == "values differ");
  REQUIRE(drift.conflicts.size() == 3);
  CHECK(drift.conflicts[0].name == "mail.example.com");
  CHECK(drift.conflicts[0].cname == &sets[0]);
  CHECK(!drift.conflicts[1].cname);

  SUBCASE("missing and TTL bounds") {
    state.records[1].ttl.max_seconds = 600;
    ZoneDrift again = computeDrift(state, state.route53_zones[0], {});
    CHECK(again.records[0].reason == "missing");
    ZoneDrift ttl = computeDrift(state, state.route53_zones[0], sets);
    CHECK(ttl.records[1].drift);
    CHECK(ttl.records[1].reason == "TTL 3600 outside [0, 600]");
  }
  SUBCASE("a name and type declared twice gives one series") {
    state.records.push_back(state.records[0]);
    CHECK(computeDrift(state, state.route53_zones[0], sets).records.size() == 3);
  }
  SUBCASE("a more specific declared zone takes its names") {
    state.route53_zones.push_back({"ZSUB", "mail.example.com"});
    CHECK(recordsInZone(state, state.route53_zones[0]).size() == 2);
    CHECK(recordsInZone(state, state.route53_zones[1]).size() == 1);
  }
}

TEST_CASE("route53 repair plan: DELETE the exact CNAME, UPSERT the declared records") {
  DeclaredState state = mailState();
  std::vector<RecordSet> sets = {
      set("mail.example.com.", "CNAME", 120, {"mailhost.example.net"}),
      set("example.com.", "MX", 3600, {"10 mx1.example.com.", "20 mx2.example.com."}),
      set("www.example.com.", "AAAA", 60, {"2001:db8::2"}),
  };
  RepairPlan plan = planRepair(state, state.route53_zones[0], sets);
  REQUIRE(plan.changes.size() == 3);
  CHECK(describeChange(plan.changes[0].change) ==
        "DELETE mail.example.com. CNAME 120 mailhost.example.net");
  CHECK(plan.changes[0].reason == "shadows the declared A");
  CHECK(describeChange(plan.changes[1].change) == "UPSERT mail.example.com. A 300 192.0.2.10");
  CHECK(describeChange(plan.changes[2].change) == "UPSERT www.example.com. AAAA 60 2001:db8::1");
  CHECK(plan.skipped.empty());
  CHECK(plan.batch().changes.size() == 3);

  SUBCASE("in sync: nothing to do") {
    std::vector<RecordSet> good = {
        set("mail.example.com.", "A", 300, {"192.0.2.10"}),
        set("example.com.", "MX", 3600, {"10 mx1.example.com.", "20 mx2.example.com."}),
        set("www.example.com.", "AAAA", 60, {"2001:db8::1"}),
    };
    CHECK(planRepair(state, state.route53_zones[0], good).changes.empty());
  }
  SUBCASE("aliases and declared CNAMEs over other types are left alone") {
    RecordSet alias;
    alias.name = "www.example.com.";
    alias.type = "AAAA";
    alias.alias_dns_name = "d111111abcdef8.cloudfront.net.";
    state.records.push_back(declared("ftp.example.com", RecordType::CNAME, {"files.example.net"}));
    std::vector<RecordSet> odd = {alias, set("ftp.example.com.", "A", 300, {"192.0.2.7"})};
    RepairPlan skipped = planRepair(state, state.route53_zones[0], odd);
    CHECK(skipped.skipped.size() == 2);
    for (const PlannedChange& change : skipped.changes)
      CHECK(change.change.record_set.name != "www.example.com.");
  }
  SUBCASE("TTL clamped into the declared bounds") {
    state.records[0].ttl.min_seconds = 600;
    RepairPlan clamped = planRepair(state, state.route53_zones[0], sets);
    CHECK(describeChange(clamped.changes[1].change) == "UPSERT mail.example.com. A 600 192.0.2.10");
  }
}

TEST_CASE("route53 client: pages, signed requests, errors counted") {
  using httpclient::testing::CannedServer;
  aws::Environment environment = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "AWS_ACCESS_KEY_ID") return "AKIDEXAMPLE";
    if (std::string(name) == "AWS_SECRET_ACCESS_KEY")
      return "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    return std::nullopt;
  };
  SUBCASE("two pages") {
    CannedServer server({{200, fixture("list_page1.xml")}, {200, fixture("list_page2.xml")}});
    ClientOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
    options.environment = environment;
    auto stats = std::make_shared<ApiStats>();
    Client client(options, stats);
    auto sets = client.listRecordSets("/hostedzone/Z0123456789ABCDEFGHIJ");
    REQUIRE(sets.ok());
    CHECK(sets->size() == 6);
    auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].target == "/2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset?maxitems=300");
    CHECK(requests[1].target ==
          "/2013-04-01/hostedzone/Z0123456789ABCDEFGHIJ/rrset?maxitems=300&name=mail.example.com."
          "&type=CNAME");
    CHECK(requests[0]
              .header("authorization")
              .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
    CHECK(requests[0]
              .header("authorization")
              .find("/us-east-1/route53/aws4_request, "
                    "SignedHeaders=host;x-amz-date, Signature=") != std::string::npos);
    CHECK(!requests[0].header("x-amz-date").empty());
    CHECK(stats->requests()["ListResourceRecordSets"] == 2);
    CHECK(stats->errors().empty());
  }
  SUBCASE("an AWS error is a value, counted by code; 5xx is retried") {
    CannedServer server({{403, fixture("error_signature.xml")}});
    ClientOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
    options.environment = environment;
    options.retry_backoff = std::chrono::milliseconds(1);
    auto stats = std::make_shared<ApiStats>();
    Client client(options, stats);
    auto sets = client.listRecordSets("Z1");
    REQUIRE(!sets.ok());
    CHECK(sets.error().code == "SignatureDoesNotMatch");
    CHECK(sets.error().http_status == 403);
    CHECK(stats->errors()[{"ListResourceRecordSets", "SignatureDoesNotMatch"}] == 1);

    CannedServer failing({{503, "<html>unavailable</html>"}});
    options.endpoint = "http://127.0.0.1:" + std::to_string(failing.port());
    Client retrying(options, stats);
    auto change = retrying.getChange("/change/C1");
    REQUIRE(!change.ok());
    CHECK(change.error().code == "HTTP503");
    CHECK(failing.requests().size() == 3);
    CHECK(stats->requests()["GetChange"] == 3);
    CHECK(stats->errors()[{"GetChange", "HTTP503"}] == 3);
  }
  SUBCASE("throttling is retried, then succeeds") {
    std::string throttled =
        R"(<ErrorResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Error>)"
        R"(<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>)"
        R"(<RequestId>1</RequestId></ErrorResponse>)";
    CannedServer server({{400, throttled}, {200, fixture("change_pending.xml")}});
    ClientOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
    options.environment = environment;
    options.retry_backoff = std::chrono::milliseconds(1);
    auto stats = std::make_shared<ApiStats>();
    Client client(options, stats);
    auto change = client.getChange("C2682N5HXP0BZ4");
    REQUIRE(change.ok());
    CHECK(change->status == "PENDING");
    CHECK(stats->requests()["GetChange"] == 2);
    CHECK(stats->errors()[{"GetChange", "Throttling"}] == 1);
    CHECK(server.requests()[0].target == "/2013-04-01/change/C2682N5HXP0BZ4");
  }
  SUBCASE("cancelled: nothing sent") {
    CannedServer server({{200, ""}});
    ClientOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
    options.environment = environment;
    options.cancelled = [] { return true; };
    Client client(options, std::make_shared<ApiStats>());
    auto sets = client.listRecordSets("Z1");
    REQUIRE(!sets.ok());
    CHECK(sets.error().code == "Cancelled");
    CHECK(server.requests().empty());
  }
  SUBCASE("no credentials: no request sent") {
    CannedServer server({{200, ""}});
    ClientOptions options;
    options.endpoint = "http://127.0.0.1:" + std::to_string(server.port());
    options.environment = [](const char* name) -> std::optional<std::string> {
      if (std::string(name) == "HOME") return "/nonexistent-tern-home";
      return std::nullopt;
    };
    auto stats = std::make_shared<ApiStats>();
    Client client(options, stats);
    auto sets = client.listRecordSets("Z1");
    REQUIRE(!sets.ok());
    CHECK(sets.error().code == "MissingCredentials");
    CHECK(server.requests().empty());
  }
}
