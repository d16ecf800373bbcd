#include "dnscheck/declared_loader.h"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "dnscheck/values.h"

using dnscheck::parseDeclaredState;
using dnscheck::RecordType;

namespace {

std::string errorOf(const std::string& text) {
  try {
    parseDeclaredState(text, "declared.yml");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("declared state: a full file loads in canonical form") {
  const auto state = parseDeclaredState(R"(check_interval: 30s
resolvers:
  - name: secondary
    servers: ["192.0.2.53", "[2001:db8::53]:5353"]
records:
  - name: Mail.Example.com.
    type: a
    values: [192.0.2.20, 192.0.2.10, 192.0.2.10]
    ttl: {min: 60, max: 3600}
    resolvers: [system, authoritative, secondary]
  - name: example.com
    type: MX
    value: "10 MX.example.com."
  - name: example.com
    type: CAA
    values: ['0 ISSUE "letsencrypt.org"']
  - name: example.com
    type: TXT
    values: ['"v=spf1 -all"']
  - name: v6.example.com
    type: AAAA
    values: ["2001:DB8:0:0::1"]
sites:
  - url: https://www.example.com/
    status: [200, 301]
    body_regex: "Welcome"
    timeout: 2s
tls:
  - endpoint: mail.example.com:993
route53:
  zones: [{id: /hostedzone/Z0123456789, name: Example.com}]
)",
                                        "declared.yml");
  CHECK(state.check_interval == std::chrono::seconds(30));
  REQUIRE(state.resolvers.size() == 1);
  CHECK(state.resolvers[0].servers ==
        std::vector<std::string>{"192.0.2.53:53", "[2001:db8::53]:5353"});
  REQUIRE(state.records.size() == 5);
  CHECK(state.records[0].name == "mail.example.com");
  CHECK(state.records[0].type == RecordType::A);
  CHECK(state.records[0].values == std::vector<std::string>{"192.0.2.10", "192.0.2.20"});
  CHECK(state.records[0].ttl.min_seconds == 60u);
  CHECK(state.records[0].ttl.max_seconds == 3600u);
  CHECK(state.records[0].resolvers ==
        std::vector<std::string>{"system", "authoritative", "secondary"});
  CHECK(state.records[0].line == 6);
  CHECK(state.records[1].values == std::vector<std::string>{"10 mx.example.com"});
  CHECK(state.records[1].resolvers == std::vector<std::string>{"system"});
  CHECK(state.records[2].values == std::vector<std::string>{"0 issue letsencrypt.org"});
  CHECK(state.records[3].values == std::vector<std::string>{"v=spf1 -all"});
  CHECK(state.records[4].values == std::vector<std::string>{"2001:db8::1"});
  REQUIRE(state.sites.size() == 1);
  CHECK(state.sites[0].expected_status == std::vector<int>{200, 301});
  CHECK(state.sites[0].timeout == std::chrono::seconds(2));
  REQUIRE(state.tls.size() == 1);
  CHECK(state.tls[0].host == "mail.example.com");
  CHECK(state.tls[0].port == 993);
  CHECK(state.tls[0].server_name == "mail.example.com");
  REQUIRE(state.route53_zones.size() == 1);
  CHECK(state.route53_zones[0].hosted_zone_id == "Z0123456789");
  CHECK(state.route53_zones[0].name == "example.com");
}

TEST_CASE("declared state: mistakes are rejected with the file, the line and the reason") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"records:\n  - name: a.example.com\n    type: A\n    values: [192.0.2.300]\n",
       "declared.yml:4: \"192.0.2.300\" is not an IPv4 address"},
      {"records:\n  - name: a.example.com\n    type: SRV\n    values: [x]\n",
       "declared.yml:3: unknown record type \"SRV\" (A, AAAA, CNAME, MX, TXT, CAA)"},
      {"records:\n  - name: a.example.com\n    type: A\n    valeus: [192.0.2.1]\n",
       "declared.yml:4: unknown field \"valeus\" in a record"},
      {"records:\n  - name: a.example.com\n    type: A\n",
       "declared.yml:2: record a.example.com has no values"},
      {"records:\n  - {name: a.example.com, type: A, values: [192.0.2.1]}\n"
       "  - {name: A.example.com., type: A, values: [192.0.2.2]}\n",
       "declared.yml:3: record a.example.com A is declared twice"},
      {"records:\n  - {name: a.example.com, type: A, values: [192.0.2.1], resolvers: [nope]}\n",
       "declared.yml:2: unknown resolver \"nope\""},
      {"records:\n  - {name: a.example.com, type: MX, values: [mx.example.com]}\n",
       "declared.yml:2: MX value \"mx.example.com\" is not \"<preference> <host name>\""},
      {"records:\n  - {name: \"bad name\", type: A, values: [192.0.2.1]}\n",
       "declared.yml:2: \"bad name\" is not a host name"},
      {"records:\n  - name: a.example.com\n    type: A\n    values: [192.0.2.1]\n"
       "    ttl: {min: 600, max: 60}\n",
       "declared.yml:5: ttl.min is above ttl.max"},
      {"sites:\n  - url: ftp://example.com/\n",
       "declared.yml:2: url \"ftp://example.com/\" is not http:// or https://"},
      {"sites:\n  - url: https://example.com/\n    body_regex: \"(\"\n",
       "declared.yml:3: body_regex: missing ): ("},
      {"tls:\n  - endpoint: example.com\n",
       "declared.yml:2: endpoint \"example.com\" is not host:port"},
      {"sites:\n  - url: https://example.com/\n  - {url: https://example.com/, ca_file: /ca.pem}\n",
       "declared.yml:3: site https://example.com/ is declared twice"},
      {"tls:\n  - endpoint: example.com:443\n  - {endpoint: example.com:443, server_name: x}\n",
       "declared.yml:3: TLS endpoint example.com:443 is declared twice"},
      {"check_interval: soon\n", "declared.yml:1: check_interval \"soon\" is not a duration"},
      {"resolvers:\n  - name: x\n    servers: [ns.example.com]\n",
       "declared.yml:3: server \"ns.example.com\" is not"},
      {"recods: []\n", "declared.yml:1: unknown field \"recods\" in the declared file"},
      {"records: [\n", "declared.yml:2: "},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const std::string error = errorOf(c.text);
    CHECK(error.starts_with(c.error));
    if (!error.starts_with(c.error)) MESSAGE(error);
  }
}

TEST_CASE("declared state: an empty file is an empty state, a missing file an error") {
  CHECK(parseDeclaredState("", "empty.yml").records.empty());
  CHECK_THROWS_WITH_AS(dnscheck::loadDeclaredState("/nonexistent/declared.yml"),
                       "/nonexistent/declared.yml: cannot read the declared state file",
                       std::runtime_error);
}

TEST_CASE("canonical values: one form per value") {
  using dnscheck::canonicalValue;
  CHECK(*canonicalValue(RecordType::A, " 192.0.2.1 ") == "192.0.2.1");
  CHECK(!canonicalValue(RecordType::A, "2001:db8::1"));
  CHECK(*canonicalValue(RecordType::AAAA, "2001:0DB8::0001") == "2001:db8::1");
  CHECK(*canonicalValue(RecordType::CNAME, "Target.Example.NET.") == "target.example.net");
  CHECK(*canonicalValue(RecordType::MX, "05 Mx.Example.com.") == "5 mx.example.com");
  CHECK(!canonicalValue(RecordType::MX, "70000 mx.example.com"));
  CHECK(*canonicalValue(RecordType::TXT, "\"v=DMARC1; p=none\"") == "v=DMARC1; p=none");
  CHECK(*canonicalValue(RecordType::CAA, "128 IODEF \"mailto:ca@example.com\"") ==
        "128 iodef mailto:ca@example.com");
  CHECK(!canonicalValue(RecordType::CAA, "0 issue"));
  CHECK(dnscheck::canonicalName("_dmarc.Example.com.") == "_dmarc.example.com");
  CHECK(!dnscheck::canonicalName("a..b"));
  CHECK(!dnscheck::canonicalName(std::string(64, 'a') + ".com"));
  CHECK(dnscheck::parseDurationText("1m30s") == std::chrono::seconds(90));
  CHECK(dnscheck::parseDurationText("250ms") == std::chrono::milliseconds(250));
  CHECK(dnscheck::parseDurationText("7") == std::chrono::seconds(7));
  CHECK(!dnscheck::parseDurationText("5x"));
}
