#include "dnscheck/checks.h"

#include <arpa/nameser.h>

#include <algorithm>
#include <set>

#include "dnscheck/values.h"

namespace dnscheck {

Lookup evaluateLookup(const DeclaredRecord& record, const std::string& resolver,
                      const dns::Query& query) {
  Lookup lookup;
  lookup.resolver = resolver;
  lookup.seconds = std::chrono::duration<double>(query.duration).count();
  if (!query.answered) {
    lookup.error = query.error.empty() ? "no answer" : query.error;
    return lookup;
  }
  auto message = dns::parseMessage(query.response);
  if (!message) {
    lookup.error = message.error();
    return lookup;
  }
  lookup.rcode = message->rcode;
  if (message->rcode != ns_r_noerror && message->rcode != ns_r_nxdomain) {
    lookup.error = dns::rcodeName(message->rcode);
    return lookup;
  }
  lookup.success = true;
  lookup.answer = dns::followAnswer(*message, record.name, recordTypeCode(record.type));
  lookup.match = lookup.answer.values == record.values;
  if ((record.ttl.min_seconds || record.ttl.max_seconds) && lookup.answer.ttl) {
    const std::uint32_t ttl = *lookup.answer.ttl;
    lookup.ttl_ok = (!record.ttl.min_seconds || ttl >= *record.ttl.min_seconds) &&
                    (!record.ttl.max_seconds || ttl <= *record.ttl.max_seconds);
  }
  return lookup;
}

namespace {

std::string parent(const std::string& name) {
  auto dot = name.find('.');
  return dot == std::string::npos ? std::string() : name.substr(dot + 1);
}

}  // namespace

std::map<std::string, Authority> findAuthorities(dns::Client& client, std::size_t channel,
                                                 const std::vector<std::string>& names,
                                                 std::uint16_t port) {
  std::map<std::string, Authority> result;
  // 1. The zone of each name: SOA at the name, or the SOA in the authority
  // section of a negative answer; through a CNAME, the parent is asked.
  std::map<std::string, std::string> candidate;  // name -> name being asked
  for (const std::string& name : names) candidate[name] = name;
  for (int round = 0; round < 8 && !candidate.empty(); ++round) {
    std::vector<dns::Query> queries;
    std::vector<std::string> owners;
    for (const auto& [name, asked] : candidate) {
      queries.push_back({.channel = channel, .name = asked, .type = ns_t_soa});
      owners.push_back(name);
    }
    client.run(queries);
    std::map<std::string, std::string> next;
    for (std::size_t i = 0; i < queries.size(); ++i) {
      const std::string& name = owners[i];
      const std::string& asked = queries[i].name;
      auto message =
          queries[i].answered
              ? dns::parseMessage(queries[i].response)
              : base::Expected<dns::Message, std::string>(base::unexpected(queries[i].error));
      if (!message) {
        result[name].error = "cannot find the zone of " + name + ": " + message.error();
        continue;
      }
      if (message->rcode != ns_r_noerror && message->rcode != ns_r_nxdomain) {
        result[name].error =
            "cannot find the zone of " + name + ": " + dns::rcodeName(message->rcode);
        continue;
      }
      bool cname = false;
      std::string zone;
      for (const auto& rr : message->answer) {
        if (rr.type == ns_t_soa && rr.name == asked) zone = asked;
        if (rr.type == ns_t_cname && rr.name == asked) cname = true;
      }
      if (zone.empty() && !cname) {
        for (const auto& rr : message->authority) {
          if (rr.type == ns_t_soa) zone = rr.name;
        }
      }
      if (!zone.empty()) {
        result[name].zone = zone;
      } else if (std::string up = parent(asked); !up.empty()) {
        next[name] = up;
      } else {
        result[name].error = "cannot find the zone of " + name;
      }
    }
    candidate = std::move(next);
  }
  for (const auto& [name, asked] : candidate)
    result[name].error = "cannot find the zone of " + name + " (too deep)";

  // 2. The zones' NS names, and their addresses (glue, else an A lookup).
  std::set<std::string> zones;
  for (const auto& [name, authority] : result) {
    if (authority.error.empty()) zones.insert(authority.zone);
  }
  std::vector<dns::Query> ns_queries;
  for (const std::string& zone : zones)
    ns_queries.push_back({.channel = channel, .name = zone, .type = ns_t_ns});
  client.run(ns_queries);
  std::map<std::string, std::vector<std::string>> zone_hosts;
  std::map<std::string, std::vector<std::string>> host_addresses;
  std::map<std::string, std::string> zone_errors;
  for (const dns::Query& query : ns_queries) {
    auto message = query.answered
                       ? dns::parseMessage(query.response)
                       : base::Expected<dns::Message, std::string>(base::unexpected(query.error));
    if (!message) {
      zone_errors[query.name] = "NS lookup of " + query.name + ": " + message.error();
      continue;
    }
    for (const auto& rr : message->answer) {
      if (rr.type == ns_t_ns && rr.name == query.name) zone_hosts[query.name].push_back(rr.value);
    }
    for (const auto& rr : message->additional) {
      if (rr.type == ns_t_a) host_addresses[rr.name].push_back(rr.value);
    }
    if (zone_hosts[query.name].empty())
      zone_errors[query.name] = "NS lookup of " + query.name + ": no NS records";
  }
  std::vector<dns::Query> address_queries;
  std::set<std::string> asked_hosts;
  for (const auto& [zone, hosts] : zone_hosts) {
    for (const std::string& host : hosts) {
      if (!host_addresses.count(host) && asked_hosts.insert(host).second)
        address_queries.push_back({.channel = channel, .name = host, .type = ns_t_a});
    }
  }
  client.run(address_queries);
  for (const dns::Query& query : address_queries) {
    if (!query.answered) continue;
    auto message = dns::parseMessage(query.response);
    if (!message) continue;
    auto answer = dns::followAnswer(*message, query.name, ns_t_a);
    for (const std::string& address : answer.values) host_addresses[query.name].push_back(address);
  }
  for (auto& [name, authority] : result) {
    if (!authority.error.empty()) continue;
    if (auto error = zone_errors.find(authority.zone); error != zone_errors.end()) {
      authority.error = error->second;
      continue;
    }
    for (const std::string& host : zone_hosts[authority.zone]) {
      for (const std::string& address : host_addresses[host])
        authority.servers.push_back(address + ":" + std::to_string(port));
    }
    std::sort(authority.servers.begin(), authority.servers.end());
    authority.servers.erase(std::unique(authority.servers.begin(), authority.servers.end()),
                            authority.servers.end());
    if (authority.servers.empty())
      authority.error = "no address for the NS servers of " + authority.zone;
  }
  return result;
}

std::vector<RecordResult> runRecordChecks(const DeclaredState& state, const CheckOptions& options) {
  dns::Client client(options.timeout);
  std::map<std::string, std::size_t> channels;
  // "system": /etc/resolv.conf unless the declared file names its servers.
  dns::ServerSet system;
  for (const Resolver& resolver : state.resolvers) {
    if (resolver.name == "system") system.servers = resolver.servers;
  }
  channels["system"] = client.addChannel(system);
  for (const Resolver& resolver : state.resolvers) {
    if (resolver.name != "system")
      channels[resolver.name] = client.addChannel({.servers = resolver.servers});
  }

  std::vector<std::string> authoritative_names;
  for (const DeclaredRecord& record : state.records) {
    if (std::find(record.resolvers.begin(), record.resolvers.end(), "authoritative") !=
        record.resolvers.end())
      authoritative_names.push_back(record.name);
  }
  std::sort(authoritative_names.begin(), authoritative_names.end());
  authoritative_names.erase(std::unique(authoritative_names.begin(), authoritative_names.end()),
                            authoritative_names.end());
  std::map<std::string, Authority> authorities;
  std::map<std::vector<std::string>, std::size_t> authority_channels;
  if (!authoritative_names.empty()) {
    authorities = findAuthorities(client, channels["system"], authoritative_names,
                                  options.authoritative_port);
    for (const auto& [name, authority] : authorities) {
      if (authority.error.empty() && !authority_channels.count(authority.servers)) {
        authority_channels[authority.servers] =
            client.addChannel({.servers = authority.servers, .recursion_desired = false});
      }
    }
  }

  std::vector<RecordResult> results(state.records.size());
  std::vector<dns::Query> queries;
  struct Slot {
    std::size_t record;
    std::string resolver;
    std::string error;  // set: no query (no authoritative servers)
  };
  std::vector<Slot> slots;
  for (std::size_t r = 0; r < state.records.size(); ++r) {
    const DeclaredRecord& record = state.records[r];
    results[r].record = &record;
    for (const std::string& resolver : record.resolvers) {
      std::size_t channel = 0;
      if (resolver == "authoritative") {
        const Authority& authority = authorities[record.name];
        if (!authority.error.empty()) {
          slots.push_back({r, resolver, authority.error});
          continue;
        }
        channel = authority_channels[authority.servers];
      } else {
        channel = channels[resolver];
      }
      slots.push_back({r, resolver, ""});
      queries.push_back(
          {.channel = channel, .name = record.name, .type = recordTypeCode(record.type)});
    }
  }
  client.run(queries);
  std::size_t next_query = 0;
  for (const Slot& slot : slots) {
    const DeclaredRecord& record = state.records[slot.record];
    if (!slot.error.empty()) {
      Lookup lookup;
      lookup.resolver = slot.resolver;
      lookup.error = slot.error;
      results[slot.record].lookups.push_back(std::move(lookup));
      continue;
    }
    results[slot.record].lookups.push_back(
        evaluateLookup(record, slot.resolver, queries[next_query++]));
  }
  return results;
}

namespace {

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) out += (out.empty() ? "" : ",") + value;
  return out;
}

}  // namespace

void writeRecordMetrics(const std::vector<RecordResult>& results, runtime::MetricSink& sink) {
  auto& match = sink.gauge("dns_record_match",
                           "1 when the resolver's answer equals the declared values (the "
                           "sorted set), 0 otherwise or when the lookup failed.");
  auto& conflict = sink.gauge(
      "dns_record_cname_conflict",
      "1 when a CNAME exists at a name declared to hold another type: the CNAME shadows it.");
  auto& success = sink.gauge("dns_lookup_success",
                             "1 when the resolver answered (NOERROR or NXDOMAIN), 0 on "
                             "timeout, SERVFAIL, REFUSED or a malformed answer.");
  auto& duration = sink.gauge("dns_lookup_duration_seconds",
                              "Time from sending the query to its answer or to giving up.");
  auto& ttl = sink.gauge("dns_record_ttl_seconds",
                         "Lowest TTL of the answer's records of the declared type.");
  auto& ttl_ok = sink.gauge("dns_record_ttl_within_bounds",
                            "1 when the TTL is within the declared bounds (records with bounds).");
  auto& answer =
      sink.gauge("dns_record_answer_info",
                 "The answer's values (comma-separated, sorted) and rcode, per resolver; value 1.");
  auto& expected = sink.gauge("dns_record_expected_info",
                              "The declared values (comma-separated, sorted); value 1.");
  auto& agree = sink.gauge("dns_resolvers_agree",
                           "1 when every resolver asked for the record answered with the same "
                           "values, 0 when they differ or one failed (records with 2+ resolvers).");
  for (const RecordResult& result : results) {
    const DeclaredRecord& record = *result.record;
    const std::string type = recordTypeName(record.type);
    runtime::addSample(expected, 1,
                       {{"name", record.name}, {"type", type}, {"values", joined(record.values)}});
    for (const Lookup& lookup : result.lookups) {
      runtime::Labels labels = {
          {"name", record.name}, {"resolver", lookup.resolver}, {"type", type}};
      runtime::addSample(match, lookup.match ? 1 : 0, labels);
      runtime::addSample(conflict, lookup.success && lookup.answer.cname_at_name ? 1 : 0, labels);
      runtime::addSample(success, lookup.success ? 1 : 0, labels);
      runtime::addSample(duration, lookup.seconds, labels);
      if (lookup.success && lookup.answer.ttl) runtime::addSample(ttl, *lookup.answer.ttl, labels);
      if (lookup.ttl_ok) runtime::addSample(ttl_ok, *lookup.ttl_ok ? 1 : 0, labels);
      if (lookup.success) {
        runtime::Labels info = {{"name", record.name},
                                {"rcode", dns::rcodeName(lookup.rcode)},
                                {"resolver", lookup.resolver},
                                {"type", type},
                                {"values", joined(lookup.answer.values)}};
        runtime::addSample(answer, 1, info);
      }
    }
    if (result.lookups.size() >= 2) {
      bool same = true;
      for (const Lookup& lookup : result.lookups) {
        same =
            same && lookup.success && lookup.answer.values == result.lookups.front().answer.values;
      }
      runtime::addSample(agree, same ? 1 : 0, {{"name", record.name}, {"type", type}});
    }
  }
}

}  // namespace dnscheck
