// TEMPORARY (helper/route53 branch only): a minimal loader of the declared
// state and recordTypeName, so the Route53 code can be built and tested
// before the real loader (tern_dnscheck_core) is merged. The lead drops this
// file and its target (tern_dnscheck_route53_temp_core) in favour of the real
// one. It reads only what the Route53 code needs:
//
//   route53_zones: [{hosted_zone_id: Z1, name: example.com}]
//   records:
//     - {name: mail.example.com, type: A, values: [192.0.2.10], ttl: {min: 60, max: 3600}}

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>

#include "dnscheck/declared_loader.h"
#include "dnscheck/route53/record_set.h"

namespace dnscheck {

const char* recordTypeName(RecordType type) {
  switch (type) {
    case RecordType::A:
      return "A";
    case RecordType::AAAA:
      return "AAAA";
    case RecordType::CNAME:
      return "CNAME";
    case RecordType::MX:
      return "MX";
    case RecordType::TXT:
      return "TXT";
    case RecordType::CAA:
      return "CAA";
  }
  return "A";
}

DeclaredState loadDeclaredState(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& error) {
    throw std::runtime_error(path + ":" + std::to_string(error.mark.line + 1) + ": " + error.msg);
  }
  auto fail = [&](const YAML::Node& node, const std::string& why) {
    throw std::runtime_error(path + ":" + std::to_string(node.Mark().line + 1) + ": " + why);
  };
  DeclaredState state;
  for (const YAML::Node& zone : root["route53_zones"]) {
    Route53Zone out{zone["hosted_zone_id"].as<std::string>(""),
                    route53::canonicalName(zone["name"].as<std::string>(""))};
    if (out.hosted_zone_id.empty() || out.name.empty())
      fail(zone, "a Route53 zone needs hosted_zone_id and name");
    state.route53_zones.push_back(out);
  }
  for (const YAML::Node& record : root["records"]) {
    DeclaredRecord out;
    out.line = record.Mark().line + 1;
    out.name = route53::canonicalName(record["name"].as<std::string>(""));
    auto type = route53::parseRecordType(record["type"].as<std::string>(""));
    if (out.name.empty() || !type) fail(record, "a record needs a name and a known type");
    out.type = *type;
    for (const YAML::Node& value : record["values"]) {
      // TXT is declared as its text already (no zone-file quoting).
      auto canonical = *type == RecordType::TXT
                           ? std::optional<std::string>(value.as<std::string>())
                           : route53::canonicalValue(*type, value.as<std::string>());
      if (!canonical) fail(value, "not a valid " + std::string(recordTypeName(*type)) + " value");
      out.values.push_back(*canonical);
    }
    std::sort(out.values.begin(), out.values.end());
    out.values.erase(std::unique(out.values.begin(), out.values.end()), out.values.end());
    if (const YAML::Node ttl = record["ttl"]) {
      if (ttl["min"]) out.ttl.min_seconds = ttl["min"].as<std::uint32_t>();
      if (ttl["max"]) out.ttl.max_seconds = ttl["max"].as<std::uint32_t>();
    }
    state.records.push_back(std::move(out));
  }
  return state;
}

}  // namespace dnscheck
