#include "dnscheck/dns/message.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dnscheck/checks.h"
#include "dnscheck/declared_loader.h"

namespace {

using Bytes = std::vector<unsigned char>;

void put16(Bytes& out, unsigned value) {
  out.push_back(static_cast<unsigned char>(value >> 8));
  out.push_back(static_cast<unsigned char>(value));
}

Bytes name(const std::string& text) {
  Bytes out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto dot = text.find('.', start);
    if (dot == std::string::npos) dot = text.size();
    out.push_back(static_cast<unsigned char>(dot - start));
    out.insert(out.end(), text.begin() + start, text.begin() + dot);
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

struct Rr {
  std::string owner;
  int type;
  std::uint32_t ttl;
  Bytes rdata;
};

Bytes a(const char* address) {
  Bytes out(4);
  inet_pton(AF_INET, address, out.data());
  return out;
}

Bytes mx(unsigned preference, const std::string& exchange) {
  Bytes out;
  put16(out, preference);
  Bytes n = name(exchange);
  out.insert(out.end(), n.begin(), n.end());
  return out;
}

Bytes txt(std::vector<std::string> strings) {
  Bytes out;
  for (const auto& s : strings) {
    out.push_back(static_cast<unsigned char>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

Bytes caa(unsigned flags, const std::string& tag, const std::string& value) {
  Bytes out = {static_cast<unsigned char>(flags), static_cast<unsigned char>(tag.size())};
  out.insert(out.end(), tag.begin(), tag.end());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

// A response: header, one question, answer and authority sections.
Bytes response(int rcode, const std::string& qname, int qtype, const std::vector<Rr>& answer,
               const std::vector<Rr>& authority = {}) {
  Bytes out;
  put16(out, 0x1234);
  put16(out, 0x8180 | rcode);  // QR, RD, RA
  put16(out, 1);
  put16(out, answer.size());
  put16(out, authority.size());
  put16(out, 0);
  Bytes q = name(qname);
  out.insert(out.end(), q.begin(), q.end());
  put16(out, qtype);
  put16(out, 1);
  for (const auto* section : {&answer, &authority}) {
    for (const Rr& rr : *section) {
      Bytes owner = name(rr.owner);
      out.insert(out.end(), owner.begin(), owner.end());
      put16(out, rr.type);
      put16(out, 1);
      put16(out, rr.ttl >> 16);
      put16(out, rr.ttl & 0xffff);
      put16(out, rr.rdata.size());
      out.insert(out.end(), rr.rdata.begin(), rr.rdata.end());
    }
  }
  return out;
}

constexpr int kA = 1, kCname = 5, kSoa = 6, kMx = 15, kTxt = 16, kCaa = 257;

}  // namespace

TEST_CASE("dns message: values in canonical form, TTLs kept") {
  auto message = dnscheck::dns::parseMessage(
      response(0, "example.com", kMx,
               {{"Example.com", kMx, 300, mx(10, "MX.example.com")},
                {"example.com", kTxt, 60, txt({"v=spf1 ", "-all"})},
                {"example.com", kCaa, 60, caa(0, "Issue", "letsencrypt.org")},
                {"www.example.com", kA, 30, a("192.0.2.1")}}));
  REQUIRE(message.ok());
  REQUIRE(message->answer.size() == 4);
  CHECK(message->answer[0].name == "example.com");
  CHECK(message->answer[0].value == "10 mx.example.com");
  CHECK(message->answer[0].ttl == 300);
  CHECK(message->answer[1].value == "v=spf1 -all");
  CHECK(message->answer[2].value == "0 issue letsencrypt.org");
  CHECK(message->answer[3].value == "192.0.2.1");
}

TEST_CASE("dns message: compressed names, malformed and truncated input") {
  // rdata of the CNAME is a pointer to the question's name (offset 12).
  auto bytes = response(0, "a.example.com", kCname, {{"b.example.com", kCname, 5, {0xC0, 0x0C}}});
  auto message = dnscheck::dns::parseMessage(bytes);
  REQUIRE(message.ok());
  CHECK(message->answer[0].value == "a.example.com");

  CHECK(!dnscheck::dns::parseMessage(Bytes{}).ok());
  CHECK(!dnscheck::dns::parseMessage(Bytes{0x12, 0x34, 0x81}).ok());
  Bytes cut = response(0, "a.example.com", kA, {{"a.example.com", kA, 5, a("192.0.2.1")}});
  cut.resize(cut.size() - 2);
  CHECK(!dnscheck::dns::parseMessage(cut).ok());
  // A pointer pointing at itself.
  Bytes loop = response(0, "a.example.com", kCname, {{"a.example.com", kCname, 5, {0xC0, 0x00}}});
  loop[loop.size() - 2] = 0xC0;
  loop[loop.size() - 1] = static_cast<unsigned char>(loop.size() - 2);
  CHECK(!dnscheck::dns::parseMessage(loop).ok());
  // An A record with 3 bytes of rdata.
  Bytes short_a = response(0, "a.example.com", kA, {{"a.example.com", kA, 5, {192, 0, 2}}});
  CHECK(!dnscheck::dns::parseMessage(short_a).ok());
}

TEST_CASE("dns message: the CNAME chain is followed, a CNAME at the name is flagged") {
  auto message = dnscheck::dns::parseMessage(
      response(0, "mail.example.com", kA,
               {{"mail.example.com", kCname, 300, name("edge.example.net")},
                {"edge.example.net", kCname, 300, name("lb.example.net")},
                {"lb.example.net", kA, 20, a("192.0.2.9")},
                {"lb.example.net", kA, 40, a("192.0.2.8")}}));
  REQUIRE(message.ok());
  auto answer = dnscheck::dns::followAnswer(*message, "mail.example.com", kA);
  CHECK(answer.cname_at_name);
  CHECK(answer.cname_chain == std::vector<std::string>{"edge.example.net", "lb.example.net"});
  CHECK(answer.values == std::vector<std::string>{"192.0.2.8", "192.0.2.9"});
  CHECK(answer.ttl == 20u);
  // Asking for the CNAME itself is no conflict.
  auto cname = dnscheck::dns::followAnswer(*message, "mail.example.com", kCname);
  CHECK(!cname.cname_at_name);
  CHECK(cname.values == std::vector<std::string>{"edge.example.net"});
  // A loop of CNAMEs ends.
  auto looped =
      dnscheck::dns::parseMessage(response(0, "a.example.com", kA,
                                           {{"a.example.com", kCname, 5, name("b.example.com")},
                                            {"b.example.com", kCname, 5, name("a.example.com")}}));
  REQUIRE(looped.ok());
  CHECK(dnscheck::dns::followAnswer(*looped, "a.example.com", kA).values.empty());
}

TEST_CASE("dns message: rcode names") {
  CHECK(dnscheck::dns::rcodeName(2) == "SERVFAIL");
  CHECK(dnscheck::dns::rcodeName(23) == "RCODE23");
  CHECK(dnscheck::dns::parseRcode("NXDOMAIN") == 3);
  CHECK(!dnscheck::dns::parseRcode("nope"));
}

TEST_CASE("record checks: each answer judged against the declaration") {
  const auto state = dnscheck::parseDeclaredState(R"(records:
  - {name: mail.example.com, type: A, values: [192.0.2.10], ttl: {max: 600}}
  - {name: example.com, type: MX, values: ["10 mx.example.com"]}
)",
                                                  "declared.yml");
  const auto& a_record = state.records[0];
  const auto& mx_record = state.records[1];
  auto answered = [](Bytes bytes) {
    dnscheck::dns::Query query;
    query.answered = true;
    query.response = std::move(bytes);
    return query;
  };
  SUBCASE("correct") {
    auto lookup = dnscheck::evaluateLookup(
        a_record, "system",
        answered(
            response(0, "mail.example.com", kA, {{"mail.example.com", kA, 300, a("192.0.2.10")}})));
    CHECK(lookup.success);
    CHECK(lookup.match);
    CHECK(!lookup.answer.cname_at_name);
    CHECK(lookup.ttl_ok == true);
  }
  SUBCASE("wrong A, TTL above the bound") {
    auto lookup = dnscheck::evaluateLookup(
        a_record, "system",
        answered(response(0, "mail.example.com", kA,
                          {{"mail.example.com", kA, 3600, a("192.0.2.99")}})));
    CHECK(lookup.success);
    CHECK(!lookup.match);
    CHECK(lookup.ttl_ok == false);
  }
  SUBCASE("a CNAME shadows the A") {
    auto lookup = dnscheck::evaluateLookup(
        a_record, "system",
        answered(response(0, "mail.example.com", kA,
                          {{"mail.example.com", kCname, 300, name("other.example.net")},
                           {"other.example.net", kA, 300, a("192.0.2.50")}})));
    CHECK(lookup.success);
    CHECK(!lookup.match);
    CHECK(lookup.answer.cname_at_name);
    CHECK(lookup.answer.values == std::vector<std::string>{"192.0.2.50"});
  }
  SUBCASE("missing MX: NOERROR without data") {
    auto lookup = dnscheck::evaluateLookup(
        mx_record, "system",
        answered(response(0, "example.com", kMx, {}, {{"example.com", kSoa, 300, Bytes(22, 0)}})));
    CHECK(lookup.success);
    CHECK(!lookup.match);
    CHECK(lookup.answer.values.empty());
  }
  SUBCASE("NXDOMAIN is an answer that does not match") {
    auto lookup = dnscheck::evaluateLookup(mx_record, "system",
                                           answered(response(3, "example.com", kMx, {})));
    CHECK(lookup.success);
    CHECK(!lookup.match);
  }
  SUBCASE("SERVFAIL and timeouts are failures") {
    auto servfail = dnscheck::evaluateLookup(mx_record, "system",
                                             answered(response(2, "example.com", kMx, {})));
    CHECK(!servfail.success);
    CHECK(servfail.error == "SERVFAIL");
    dnscheck::dns::Query timed_out;
    timed_out.error = "timeout";
    auto timeout = dnscheck::evaluateLookup(mx_record, "system", timed_out);
    CHECK(!timeout.success);
    CHECK(!timeout.match);
    CHECK(timeout.error == "timeout");
  }
}
