#pragma once
// The DNS record checks: every declared record asked of each of its resolvers,
// all queries in flight at once, each answer compared with the declared
// values; the zone's authoritative servers found by SOA and NS lookups first
// when a record asks for them.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dnscheck/declared.h"
#include "dnscheck/dns/client.h"
#include "dnscheck/dns/message.h"
#include "runtime/metrics.h"

namespace dnscheck {

struct CheckOptions {
  std::chrono::milliseconds timeout{2000};  // per query
  // The port asked on the servers found by NS lookup (53; tests move it).
  std::uint16_t authoritative_port = 53;
};

struct Lookup {
  std::string resolver;
  bool success = false;  // an answer that is NOERROR or NXDOMAIN
  std::string error;     // else why: "timeout", "SERVFAIL", ...
  int rcode = -1;
  double seconds = 0;
  dns::RecordAnswer answer;
  bool match = false;          // answer values == declared values
  std::optional<bool> ttl_ok;  // with declared bounds and an answer
};

struct RecordResult {
  const DeclaredRecord* record = nullptr;
  std::vector<Lookup> lookups;
};

// Pure: one record's answer (a finished query) judged against the declaration.
Lookup evaluateLookup(const DeclaredRecord& record, const std::string& resolver,
                      const dns::Query& query);

// For each name, the servers of its zone ("192.0.2.53:53"), or an error.
struct Authority {
  std::vector<std::string> servers;
  std::string zone;
  std::string error;
};
std::map<std::string, Authority> findAuthorities(dns::Client& client, std::size_t channel,
                                                 const std::vector<std::string>& names,
                                                 std::uint16_t port);

std::vector<RecordResult> runRecordChecks(const DeclaredState& state, const CheckOptions& options);

void writeRecordMetrics(const std::vector<RecordResult>& results, runtime::MetricSink& sink);

}  // namespace dnscheck
