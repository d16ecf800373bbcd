#pragma once
// The declared state tern-dnscheck checks the world against: the records that
// must hold, the sites and TLS endpoints to probe, and the Route53 zones to
// compare. Loaded once at start-up from the YAML file given by
// --config.declared (loadDeclaredState throws with "<file>:<line>: <reason>";
// the exporter exits 1). Everything after start-up reads it immutably.
//
// Canonical forms, shared by the DNS checks and the Route53 drift check so
// that "equal" means the same thing everywhere:
//   - names: lower case, absolute, without the trailing dot ("mail.example.com");
//   - A/AAAA values: the address as inet_ntop prints it;
//   - CNAME values: a name as above;
//   - MX values: "<preference> <exchange name>" ("10 mx.example.com");
//   - TXT values: the character-strings concatenated, unquoted;
//   - CAA values: "<flags> <tag> <value>" with the value unquoted
//     ("0 issue letsencrypt.org").
// Comparison is on the sorted, de-duplicated set of values.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dnscheck {

enum class RecordType { A, AAAA, CNAME, MX, TXT, CAA };

struct TtlBounds {
  std::optional<std::uint32_t> min_seconds;
  std::optional<std::uint32_t> max_seconds;
};

struct DeclaredRecord {
  std::string name;  // canonical
  RecordType type = RecordType::A;
  std::vector<std::string> values;  // canonical, sorted, unique
  TtlBounds ttl;
  // Names of resolvers from DeclaredState::resolvers, plus the built-ins
  // "system" (/etc/resolv.conf) and "authoritative" (the zone's NS servers).
  std::vector<std::string> resolvers;
  int line = 0;  // in the declared file, for messages
};

struct Resolver {
  std::string name;
  std::vector<std::string> servers;  // "127.0.0.1:53", "[::1]:5353"
};

struct Site {
  std::string url;
  std::vector<int> expected_status;  // empty: any 2xx
  std::string body_regex;            // empty: not checked
  std::string ca_file;               // PEM bundle to verify with; empty: the system's
  std::chrono::milliseconds timeout{5000};
  int line = 0;
};

struct TlsEndpoint {
  std::string host;  // connect to host:port
  std::uint16_t port = 443;
  std::string server_name;  // SNI and the name verified; defaults to host
  std::string ca_file;      // PEM bundle to verify with; empty: the system's
  std::chrono::milliseconds timeout{5000};
  int line = 0;
};

struct Route53Zone {
  std::string hosted_zone_id;  // "Z0123456789ABCDEFGHIJ"
  std::string name;            // canonical zone name, "example.com"
};

struct DeclaredState {
  std::vector<Resolver> resolvers;
  std::vector<DeclaredRecord> records;
  std::vector<Site> sites;
  std::vector<TlsEndpoint> tls;
  std::vector<Route53Zone> route53_zones;
  std::chrono::seconds check_interval{60};
};

const char* recordTypeName(RecordType type);

}  // namespace dnscheck
