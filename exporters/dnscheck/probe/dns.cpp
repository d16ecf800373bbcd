// The dns prober: one query to the target server over c-ares (the same
// transport as the scheduled checks), rcode checked against valid_rcodes.

#include <algorithm>

#include "dnscheck/dns/client.h"
#include "dnscheck/dns/message.h"
#include "dnscheck/probe/common.h"
#include "dnscheck/probe/probe.h"

namespace dnscheck::probe {

bool probeDns(const DnsModule& module, const std::string& target, std::chrono::milliseconds timeout,
              runtime::MetricSink& sink) {
  std::string host;
  std::uint16_t port = 53;
  double lookup = 0;
  std::optional<ResolvedTarget> resolved;
  if (splitHostPort(target, 53, host, port)) {
    resolved = resolveTarget(host, port, module.preferred_ip_protocol, module.ip_protocol_fallback,
                             sink, &lookup);
  }
  auto& answer_rrs = sink.gauge("probe_dns_answer_rrs",
                                "Returns number of entries in the answer resource record list");
  auto& authority_rrs = sink.gauge(
      "probe_dns_authority_rrs", "Returns number of entries in the authority resource record list");
  auto& additional_rrs =
      sink.gauge("probe_dns_additional_rrs",
                 "Returns number of entries in the additional resource record list");
  auto& phases = sink.gauge("probe_dns_duration_seconds", "Duration of DNS request by phase");
  auto& succeeded = sink.gauge("probe_dns_query_succeeded",
                               "Displays whether or not the query was executed successfully");
  if (!resolved) return false;

  dns::Client client(timeout);
  const std::string server = resolved->address.ss_family == AF_INET6
                                 ? "[" + resolved->ip + "]:" + std::to_string(port)
                                 : resolved->ip + ":" + std::to_string(port);
  client.addChannel({.servers = {server},
                     .recursion_desired = module.recursion_desired,
                     .tcp = module.tcp,
                     .edns = false,
                     .accept_truncated = true});
  dns::Query query;
  query.name = module.query_name;
  query.type = *dns::parseQueryType(module.query_type);
  client.run(std::span<dns::Query>(&query, 1));

  runtime::addSample(phases, 0, {{"phase", "connect"}});
  runtime::addSample(phases, std::chrono::duration<double>(query.duration).count(),
                     {{"phase", "request"}});
  runtime::addSample(phases, lookup, {{"phase", "resolve"}});
  std::optional<dns::Message> message;
  if (query.answered) {
    auto parsed = dns::parseMessage(query.response);
    if (parsed) message = std::move(*parsed);
  }
  runtime::addSample(answer_rrs, message ? message->answer.size() : 0);
  runtime::addSample(authority_rrs, message ? message->authority.size() : 0);
  runtime::addSample(additional_rrs, message ? message->additional.size() : 0);
  if (!message) {
    runtime::addSample(succeeded, 0);
    return false;
  }
  runtime::addSample(succeeded, 1);
  for (const auto& record : message->answer) {
    if (record.type == 6) {  // SOA
      sink.gauge("probe_dns_serial", "Returns the serial number of the zone",
                 std::stod(record.value));
      break;
    }
  }
  return std::find(module.valid_rcodes.begin(), module.valid_rcodes.end(), message->rcode) !=
         module.valid_rcodes.end();
}

}  // namespace dnscheck::probe
