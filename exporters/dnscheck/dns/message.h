#pragma once
// DNS answers: the raw message parsed with glibc's libresolv (ns_initparse,
// ns_parserr, ns_name_uncompress: compression pointers and bounds checked by
// a parser that has seen decades of hostile input), values put in the
// canonical forms of declared.h, and the CNAME chain followed. Pure: bytes in,
// structs out, so the tables in tests/dnscheck cover it without a server.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/expected.h"

namespace dnscheck::dns {

struct ResourceRecord {
  std::string name;  // canonical (lower case, no trailing dot)
  int type = 0;
  std::uint32_t ttl = 0;
  std::string value;  // canonical for A, AAAA, CNAME, NS, MX, TXT, CAA, SOA (its serial); else ""
};

struct Message {
  int rcode = 0;
  bool authoritative = false;
  bool truncated = false;
  std::vector<ResourceRecord> answer;
  std::vector<ResourceRecord> authority;
  std::vector<ResourceRecord> additional;
};

base::Expected<Message, std::string> parseMessage(std::span<const unsigned char> bytes);

// "NOERROR", "SERVFAIL", ...; "RCODE<n>" for the rest.
std::string rcodeName(int rcode);
std::optional<int> parseRcode(const std::string& name);
// "A", "MX", ...; nullopt for names this exporter does not query.
std::optional<int> parseQueryType(const std::string& name);

// What the answer says about one name and type, as a client sees it.
struct RecordAnswer {
  std::vector<std::string> values;  // of the queried type at the end of the chain; sorted, unique
  bool cname_at_name = false;       // a CNAME at the queried name (and the type is not CNAME)
  std::vector<std::string> cname_chain;  // the names the chain went through
  std::optional<std::uint32_t> ttl;      // lowest TTL of the values' records
};
RecordAnswer followAnswer(const Message& message, const std::string& name, int type);

}  // namespace dnscheck::dns
