#pragma once
// Route53's record sets as its API writes them, and the translation between
// those texts and declared.h's canonical forms (both ways: the drift check
// reads Route53's values, the repair writes declared ones).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dnscheck/declared.h"

namespace dnscheck::route53 {

// One <ResourceRecordSet>, its texts as Route53 gave them.
struct RecordSet {
  std::string name;                  // "mail.example.com." (Route53 escapes '*' and others as \DDD)
  std::string type;                  // "A", "CNAME", "NS"...
  std::optional<std::uint32_t> ttl;  // absent on alias record sets
  std::vector<std::string> values;   // <Value>s, in Route53's order
  std::string set_identifier;        // routing policies (weighted, latency...)
  std::string alias_dns_name;        // <AliasTarget><DNSName>, when an alias

  bool isAlias() const { return !alias_dns_name.empty(); }
  bool operator==(const RecordSet&) const = default;
};

std::optional<RecordType> parseRecordType(std::string_view text);

// Route53's name ("\052.Example.com.") in the canonical form ("*.example.com").
std::string canonicalName(std::string_view route53_name);

// A Route53 value of `type` in the canonical form; nullopt if it cannot be
// read as that type (then it differs from anything declared).
std::optional<std::string> canonicalValue(RecordType type, std::string_view route53_value);

// The canonical, sorted, de-duplicated values of a record set.
std::vector<std::string> canonicalValues(RecordType type, const RecordSet& set);

// Declared (canonical) forms written the way Route53 expects them.
std::string route53Name(std::string_view canonical_name);  // "mail.example.com."
std::string route53Value(RecordType type, std::string_view canonical_value);

}  // namespace dnscheck::route53
