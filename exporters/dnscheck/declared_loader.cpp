#include "dnscheck/declared_loader.h"

#include <arpa/inet.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "dnscheck/values.h"
#include "runtime/yaml_error.h"

namespace dnscheck {

std::optional<std::chrono::milliseconds> parseDurationText(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(c); })) {
    long long seconds = 0;
    std::from_chars(text.data(), text.data() + text.size(), seconds);
    return std::chrono::milliseconds(seconds * 1000);
  }
  long long total_ms = 0;
  while (!text.empty()) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0 || digits > 9) return std::nullopt;
    long long number = 0;
    std::from_chars(text.data(), text.data() + digits, number);
    text.remove_prefix(digits);
    long long unit_ms = 0;
    if (text.starts_with("ms")) {
      unit_ms = 1;
      text.remove_prefix(2);
    } else if (text.starts_with("s")) {
      unit_ms = 1000;
      text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit_ms = 60'000;
      text.remove_prefix(1);
    } else if (text.starts_with("h")) {
      unit_ms = 3'600'000;
      text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total_ms += number * unit_ms;
  }
  return std::chrono::milliseconds(total_ms);
}

namespace {

class Loader {
 public:
  explicit Loader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& why) const {
    throw std::runtime_error(runtime::yamlError(source_, node, why));
  }

  // Rejects keys outside `known`, naming the line of the unknown one.
  void onlyKeys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                const std::string& where) const {
    if (!map.IsMap()) fail(map, where + " must be a mapping");
    for (const auto& entry : map) {
      const std::string key = entry.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail(entry.first, "unknown field \"" + key + "\" in " + where);
    }
  }

  std::string scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a single value");
    return node.Scalar();
  }

  std::vector<YAML::Node> list(const YAML::Node& node, const std::string& what) const {
    std::vector<YAML::Node> items;
    if (!node || node.IsNull()) return items;
    if (node.IsScalar()) {
      items.push_back(node);
      return items;
    }
    if (!node.IsSequence()) fail(node, what + " must be a list");
    for (const auto& item : node) items.push_back(item);
    return items;
  }

  std::chrono::milliseconds duration(const YAML::Node& node, const std::string& what) const {
    auto parsed = parseDurationText(scalar(node, what));
    if (!parsed || parsed->count() <= 0)
      fail(node, what + " \"" + node.Scalar() + "\" is not a duration (e.g. 5s, 500ms, 1m)");
    return *parsed;
  }

  std::uint32_t seconds(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    std::uint32_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size())
      fail(node, what + " \"" + text + "\" is not a number of seconds");
    return value;
  }

  DeclaredState load(const YAML::Node& root) {
    DeclaredState state;
    if (!root || root.IsNull()) return state;
    onlyKeys(root, {"check_interval", "resolvers", "records", "sites", "tls", "route53"},
             "the declared file");
    if (root["check_interval"]) {
      auto interval = duration(root["check_interval"], "check_interval");
      if (interval < std::chrono::seconds(1)) fail(root["check_interval"], "check_interval < 1s");
      state.check_interval = std::chrono::duration_cast<std::chrono::seconds>(interval);
    }
    std::set<std::string> resolver_names = {"system", "authoritative"};
    for (const auto& node : list(root["resolvers"], "resolvers")) {
      onlyKeys(node, {"name", "servers"}, "a resolver");
      Resolver resolver;
      if (!node["name"]) fail(node, "a resolver needs a name");
      resolver.name = scalar(node["name"], "name");
      if (resolver.name == "authoritative")
        fail(node["name"], "\"authoritative\" is built in (the zone's NS servers)");
      if (std::count_if(state.resolvers.begin(), state.resolvers.end(),
                        [&](const Resolver& r) { return r.name == resolver.name; }))
        fail(node["name"], "resolver \"" + resolver.name + "\" is declared twice");
      for (const auto& server : list(node["servers"], "servers")) {
        std::string text = scalar(server, "a server");
        auto normalized = normalizeServer(text);
        if (!normalized)
          fail(server, "server \"" + text + "\" is not \"<IPv4>[:port]\" or \"[<IPv6>]:port\"");
        resolver.servers.push_back(*normalized);
      }
      if (resolver.servers.empty()) fail(node, "resolver \"" + resolver.name + "\" has no servers");
      resolver_names.insert(resolver.name);
      state.resolvers.push_back(std::move(resolver));
    }
    std::set<std::pair<std::string, RecordType>> seen;
    for (const auto& node : list(root["records"], "records")) {
      onlyKeys(node, {"name", "type", "values", "value", "ttl", "resolvers"}, "a record");
      DeclaredRecord record;
      record.line = node.Mark().line + 1;
      if (!node["name"]) fail(node, "a record needs a name");
      auto name = canonicalName(scalar(node["name"], "name"));
      if (!name) fail(node["name"], "\"" + node["name"].Scalar() + "\" is not a host name");
      record.name = *name;
      if (!node["type"]) fail(node, "record " + record.name + " needs a type");
      auto type = parseRecordType(scalar(node["type"], "type"));
      if (!type)
        fail(node["type"], "unknown record type \"" + node["type"].Scalar() +
                               "\" (A, AAAA, CNAME, MX, TXT, CAA)");
      record.type = *type;
      if (!seen.insert({record.name, record.type}).second)
        fail(node, std::string("record ") + record.name + " " + recordTypeName(record.type) +
                       " is declared twice");
      if (node["values"] && node["value"]) fail(node, "give either values or value, not both");
      const YAML::Node values = node["values"] ? node["values"] : node["value"];
      for (const auto& value : list(values, "values")) {
        auto canonical = canonicalValue(record.type, scalar(value, "a value"));
        if (!canonical) fail(value, canonical.error());
        record.values.push_back(*canonical);
      }
      if (record.values.empty()) fail(node, "record " + record.name + " has no values");
      if (record.type == RecordType::CNAME && record.values.size() > 1)
        fail(values, "a CNAME has exactly one value");
      std::sort(record.values.begin(), record.values.end());
      record.values.erase(std::unique(record.values.begin(), record.values.end()),
                          record.values.end());
      if (const YAML::Node ttl = node["ttl"]) {
        onlyKeys(ttl, {"min", "max"}, "ttl");
        if (ttl["min"]) record.ttl.min_seconds = seconds(ttl["min"], "ttl.min");
        if (ttl["max"]) record.ttl.max_seconds = seconds(ttl["max"], "ttl.max");
        if (record.ttl.min_seconds && record.ttl.max_seconds &&
            *record.ttl.min_seconds > *record.ttl.max_seconds)
          fail(ttl, "ttl.min is above ttl.max");
      }
      for (const auto& resolver : list(node["resolvers"], "resolvers")) {
        std::string resolver_name = scalar(resolver, "a resolver");
        if (!resolver_names.count(resolver_name))
          fail(resolver, "unknown resolver \"" + resolver_name +
                             "\" (declare it under resolvers:, or use system or authoritative)");
        if (std::find(record.resolvers.begin(), record.resolvers.end(), resolver_name) ==
            record.resolvers.end())
          record.resolvers.push_back(resolver_name);
      }
      if (record.resolvers.empty()) record.resolvers.push_back("system");
      state.records.push_back(std::move(record));
    }
    // Each probe's series carry target="<url>" or target="<host:port>": two
    // probes with the same target would write the same series twice, which
    // Prometheus rejects for the whole scrape.
    std::set<std::string> targets;
    for (const auto& node : list(root["sites"], "sites")) {
      onlyKeys(node, {"url", "status", "body_regex", "ca_file", "timeout"}, "a site");
      Site site;
      site.line = node.Mark().line + 1;
      if (!node["url"]) fail(node, "a site needs a url");
      site.url = scalar(node["url"], "url");
      if (!site.url.starts_with("http://") && !site.url.starts_with("https://"))
        fail(node["url"], "url \"" + site.url + "\" is not http:// or https://");
      if (!targets.insert(site.url).second)
        fail(node["url"], "site " + site.url + " is declared twice");
      for (const auto& status : list(node["status"], "status")) {
        std::uint32_t code = seconds(status, "status");
        if (code < 100 || code > 599) fail(status, "status " + status.Scalar() + " is not 100-599");
        site.expected_status.push_back(static_cast<int>(code));
      }
      if (node["body_regex"]) {
        site.body_regex = scalar(node["body_regex"], "body_regex");
        RE2 regex(site.body_regex, RE2::Quiet);
        if (!regex.ok()) fail(node["body_regex"], "body_regex: " + regex.error());
      }
      if (node["ca_file"]) site.ca_file = scalar(node["ca_file"], "ca_file");
      if (node["timeout"]) site.timeout = duration(node["timeout"], "timeout");
      state.sites.push_back(std::move(site));
    }
    for (const auto& node : list(root["tls"], "tls")) {
      onlyKeys(node, {"endpoint", "server_name", "ca_file", "timeout"}, "a TLS endpoint");
      TlsEndpoint endpoint;
      endpoint.line = node.Mark().line + 1;
      if (!node["endpoint"]) fail(node, "a TLS endpoint needs endpoint: host:port");
      const std::string text = scalar(node["endpoint"], "endpoint");
      auto colon = text.rfind(':');
      std::uint16_t port = 0;
      if (colon == std::string::npos || colon == 0 ||
          std::from_chars(text.data() + colon + 1, text.data() + text.size(), port).ptr !=
              text.data() + text.size() ||
          port == 0)
        fail(node["endpoint"], "endpoint \"" + text + "\" is not host:port");
      endpoint.host = text.substr(0, colon);
      if (endpoint.host.front() == '[' && endpoint.host.back() == ']')
        endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
      endpoint.port = port;
      if (!targets.insert(text).second)
        fail(node["endpoint"], "TLS endpoint " + text + " is declared twice");
      endpoint.server_name =
          node["server_name"] ? scalar(node["server_name"], "server_name") : endpoint.host;
      if (node["ca_file"]) endpoint.ca_file = scalar(node["ca_file"], "ca_file");
      if (node["timeout"]) endpoint.timeout = duration(node["timeout"], "timeout");
      state.tls.push_back(std::move(endpoint));
    }
    if (const YAML::Node route53 = root["route53"]) {
      onlyKeys(route53, {"zones"}, "route53");
      for (const auto& node : list(route53["zones"], "zones")) {
        onlyKeys(node, {"id", "name"}, "a Route53 zone");
        if (!node["id"] || !node["name"]) fail(node, "a Route53 zone needs id and name");
        Route53Zone zone;
        zone.hosted_zone_id = scalar(node["id"], "id");
        if (zone.hosted_zone_id.starts_with("/hostedzone/"))
          zone.hosted_zone_id = zone.hosted_zone_id.substr(12);
        auto name = canonicalName(scalar(node["name"], "name"));
        if (!name) fail(node["name"], "\"" + node["name"].Scalar() + "\" is not a zone name");
        zone.name = *name;
        state.route53_zones.push_back(std::move(zone));
      }
    }
    return state;
  }

  // "192.0.2.53" -> "192.0.2.53:53"; "[2001:db8::1]:5353" kept; c-ares's form.
  static std::optional<std::string> normalizeServer(const std::string& text) {
    std::string host = text;
    std::string port = "53";
    if (text.starts_with('[')) {
      auto close = text.find(']');
      if (close == std::string::npos) return std::nullopt;
      host = text.substr(1, close - 1);
      if (close + 1 < text.size()) {
        if (text[close + 1] != ':') return std::nullopt;
        port = text.substr(close + 2);
      }
    } else if (auto colon = text.find(':'); colon != std::string::npos) {
      if (text.find(':', colon + 1) != std::string::npos) {
        host = text;  // a bare IPv6 address
      } else {
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
      }
    }
    unsigned port_number = 0;
    if (std::from_chars(port.data(), port.data() + port.size(), port_number).ptr !=
            port.data() + port.size() ||
        port_number == 0 || port_number > 65535)
      return std::nullopt;
    unsigned char bytes[16];
    if (inet_pton(AF_INET, host.c_str(), bytes) == 1) return host + ":" + port;
    if (inet_pton(AF_INET6, host.c_str(), bytes) == 1) return "[" + host + "]:" + port;
    return std::nullopt;
  }

 private:
  std::string source_;
};

}  // namespace

DeclaredState parseDeclaredState(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(runtime::yamlError(source, e.mark, e.msg));
  }
  return Loader(source).load(root);
}

DeclaredState loadDeclaredState(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error(path + ": cannot read the declared state file");
  std::stringstream text;
  text << file.rdbuf();
  return parseDeclaredState(text.str(), path);
}

}  // namespace dnscheck
