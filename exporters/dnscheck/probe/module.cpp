#include "dnscheck/probe/module.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "dnscheck/declared_loader.h"
#include "dnscheck/dns/message.h"
#include "runtime/yaml_error.h"

namespace dnscheck::probe {

namespace {

// Fields blackbox has that tern-dnscheck does not implement: refused with a
// clear message rather than ignored.
const char* const kUnsupported[] = {"proxy_url",
                                    "oauth2",
                                    "authorization",
                                    "compression",
                                    "body_size_limit",
                                    "query_response",
                                    "source_ip_address",
                                    "validate_answer_rrs",
                                    "validate_authority_rrs",
                                    "validate_additional_rrs",
                                    "query_class",
                                    "skip_resolve_phase_with_proxy",
                                    "http_client_config",
                                    "hostname",
                                    "body_file"};

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& why) const {
    throw std::runtime_error(runtime::yamlError(source_, node, why));
  }

  void fields(const YAML::Node& map, std::initializer_list<std::string_view> known,
              const std::string& type) const {
    if (!map.IsMap()) fail(map, type + " must be a mapping");
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      if (std::find(std::begin(kUnsupported), std::end(kUnsupported), key) !=
          std::end(kUnsupported))
        fail(entry.first, "field " + key + " of " + type + " is not supported by tern-dnscheck");
      fail(entry.first, "field " + key + " not found in type " + type);
    }
  }

  std::string text(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a single value");
    return node.Scalar();
  }

  bool boolean(const YAML::Node& node, const std::string& what) const {
    const std::string value = text(node, what);
    if (value == "true") return true;
    if (value == "false") return false;
    fail(node, what + ": \"" + value + "\" is not true or false");
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& what) const {
    std::vector<std::string> out;
    if (!node.IsSequence()) fail(node, what + " must be a list");
    for (const auto& item : node) out.push_back(text(item, what));
    return out;
  }

  std::vector<std::string> regexes(const YAML::Node& node, const std::string& what) const {
    auto out = strings(node, what);
    for (std::size_t i = 0; i < out.size(); ++i) {
      RE2 regex(out[i], RE2::Quiet);
      if (!regex.ok()) fail(node[i], what + ": " + regex.error());
    }
    return out;
  }

  std::vector<HeaderMatch> headerMatches(const YAML::Node& node) const {
    if (!node.IsSequence()) fail(node, "a header match list must be a list");
    std::vector<HeaderMatch> out;
    for (const auto& item : node) {
      fields(item, {"header", "regexp", "allow_missing"}, "config.HeaderMatch");
      HeaderMatch match;
      if (!item["header"] || text(item["header"], "header").empty())
        fail(item, "header name must be set for HTTP header matchers");
      match.header = text(item["header"], "header");
      if (!item["regexp"] || text(item["regexp"], "regexp").empty())
        fail(item, "regexp must be set for HTTP header matchers");
      match.regexp = text(item["regexp"], "regexp");
      RE2 regex(match.regexp, RE2::Quiet);
      if (!regex.ok()) fail(item["regexp"], "regexp: " + regex.error());
      if (item["allow_missing"])
        match.allow_missing = boolean(item["allow_missing"], "allow_missing");
      out.push_back(std::move(match));
    }
    return out;
  }

  IpProtocol ipProtocol(const YAML::Node& node) const {
    const std::string value = text(node, "preferred_ip_protocol");
    if (value == "ip4" || value == "ipv4" || value == "tcp4" || value == "udp4")
      return IpProtocol::ip4;
    if (value == "ip6" || value == "ipv6" || value == "tcp6" || value == "udp6")
      return IpProtocol::ip6;
    fail(node, "preferred_ip_protocol \"" + value + "\" is not ip4 or ip6");
  }

  TlsConfig tls(const YAML::Node& node) const {
    fields(
        node,
        {"insecure_skip_verify", "server_name", "ca_file", "cert_file", "key_file", "min_version"},
        "config.TLSConfig");
    TlsConfig config;
    if (node["insecure_skip_verify"])
      config.insecure_skip_verify = boolean(node["insecure_skip_verify"], "insecure_skip_verify");
    if (node["server_name"]) config.server_name = text(node["server_name"], "server_name");
    if (node["ca_file"]) config.ca_file = text(node["ca_file"], "ca_file");
    if (node["cert_file"]) config.cert_file = text(node["cert_file"], "cert_file");
    if (node["key_file"]) config.key_file = text(node["key_file"], "key_file");
    return config;
  }

  HttpModule http(const YAML::Node& node) const {
    fields(node,
           {"valid_status_codes",
            "valid_http_versions",
            "method",
            "headers",
            "body",
            "follow_redirects",
            "no_follow_redirects",
            "fail_if_ssl",
            "fail_if_not_ssl",
            "fail_if_body_matches_regexp",
            "fail_if_body_not_matches_regexp",
            "tls_config",
            "preferred_ip_protocol",
            "ip_protocol_fallback",
            "enable_http2",
            "fail_if_header_matches",
            "fail_if_header_not_matches",
            "basic_auth",
            "bearer_token",
            "bearer_token_file"},
           "config.HTTPProbe");
    HttpModule http;
    if (const auto codes = node["valid_status_codes"]) {
      if (!codes.IsSequence()) fail(codes, "valid_status_codes must be a list");
      for (const auto& code : codes) {
        int value = 0;
        try {
          value = code.as<int>();
        } catch (const YAML::Exception&) {
          fail(code, "valid_status_codes: \"" + code.Scalar() + "\" is not a status code");
        }
        http.valid_status_codes.push_back(value);
      }
    }
    if (node["valid_http_versions"])
      http.valid_http_versions = strings(node["valid_http_versions"], "valid_http_versions");
    if (node["method"]) http.method = text(node["method"], "method");
    if (const auto headers = node["headers"]) {
      if (!headers.IsMap()) fail(headers, "headers must be a mapping");
      for (const auto& entry : headers)
        http.headers.emplace_back(entry.first.Scalar(), text(entry.second, "a header"));
    }
    if (node["body"]) http.body = text(node["body"], "body");
    if (node["follow_redirects"])
      http.follow_redirects = boolean(node["follow_redirects"], "follow_redirects");
    if (node["no_follow_redirects"])
      http.follow_redirects = !boolean(node["no_follow_redirects"], "no_follow_redirects");
    if (node["fail_if_ssl"]) http.fail_if_ssl = boolean(node["fail_if_ssl"], "fail_if_ssl");
    if (node["fail_if_not_ssl"])
      http.fail_if_not_ssl = boolean(node["fail_if_not_ssl"], "fail_if_not_ssl");
    if (node["fail_if_body_matches_regexp"])
      http.fail_if_body_matches_regexp =
          regexes(node["fail_if_body_matches_regexp"], "fail_if_body_matches_regexp");
    if (node["fail_if_body_not_matches_regexp"])
      http.fail_if_body_not_matches_regexp =
          regexes(node["fail_if_body_not_matches_regexp"], "fail_if_body_not_matches_regexp");
    if (node["fail_if_header_matches"])
      http.fail_if_header_matches = headerMatches(node["fail_if_header_matches"]);
    if (node["fail_if_header_not_matches"])
      http.fail_if_header_not_matches = headerMatches(node["fail_if_header_not_matches"]);
    if (const auto basic = node["basic_auth"]) {
      fields(basic, {"username", "password", "password_file"}, "config.BasicAuth");
      if (basic["username"]) http.auth.username = text(basic["username"], "username");
      if (basic["password"]) http.auth.password = text(basic["password"], "password");
      if (basic["password_file"])
        http.auth.password_file = text(basic["password_file"], "password_file");
      if (basic["password"] && basic["password_file"])
        fail(basic, "at most one of basic_auth password & password_file must be configured");
    }
    if (node["bearer_token"]) http.auth.bearer_token = text(node["bearer_token"], "bearer_token");
    if (node["bearer_token_file"])
      http.auth.bearer_token_file = text(node["bearer_token_file"], "bearer_token_file");
    const bool bearer = node["bearer_token"] || node["bearer_token_file"];
    if (node["bearer_token"] && node["bearer_token_file"])
      fail(node, "at most one of bearer_token & bearer_token_file must be configured");
    if (bearer && node["basic_auth"])
      fail(node, "at most one of basic_auth, bearer_token & bearer_token_file must be configured");
    if (node["tls_config"]) http.tls = tls(node["tls_config"]);
    if (node["preferred_ip_protocol"])
      http.preferred_ip_protocol = ipProtocol(node["preferred_ip_protocol"]);
    if (node["ip_protocol_fallback"])
      http.ip_protocol_fallback = boolean(node["ip_protocol_fallback"], "ip_protocol_fallback");
    if (node["enable_http2"]) boolean(node["enable_http2"], "enable_http2");
    return http;
  }

  TcpModule tcp(const YAML::Node& node) const {
    fields(node, {"tls", "tls_config", "preferred_ip_protocol", "ip_protocol_fallback"},
           "config.TCPProbe");
    TcpModule tcp;
    if (node["tls"]) tcp.tls = boolean(node["tls"], "tls");
    if (node["tls_config"]) tcp.tls_config = tls(node["tls_config"]);
    if (node["preferred_ip_protocol"])
      tcp.preferred_ip_protocol = ipProtocol(node["preferred_ip_protocol"]);
    if (node["ip_protocol_fallback"])
      tcp.ip_protocol_fallback = boolean(node["ip_protocol_fallback"], "ip_protocol_fallback");
    return tcp;
  }

  DnsModule dns(const YAML::Node& node) const {
    fields(
        node,
        {"query_name", "query_type", "valid_rcodes", "transport_protocol", "preferred_ip_protocol",
         "ip_protocol_fallback", "recursion_desired", "dns_over_tls", "tls_config"},
        "config.DNSProbe");
    DnsModule dns;
    if (node["query_name"]) dns.query_name = text(node["query_name"], "query_name");
    if (dns.query_name.empty()) fail(node, "query name must be set for DNS module");
    if (node["query_type"]) dns.query_type = text(node["query_type"], "query_type");
    if (!dns::parseQueryType(dns.query_type))
      fail(node["query_type"], "query type \"" + dns.query_type + "\" is not supported");
    if (const auto rcodes = node["valid_rcodes"]) {
      dns.valid_rcodes.clear();
      for (const std::string& name : strings(rcodes, "valid_rcodes")) {
        auto code = dns::parseRcode(name);
        if (!code) fail(rcodes, "valid_rcodes: unknown rcode \"" + name + "\"");
        dns.valid_rcodes.push_back(*code);
      }
    }
    if (node["transport_protocol"]) {
      const std::string transport = text(node["transport_protocol"], "transport_protocol");
      if (transport != "udp" && transport != "tcp")
        fail(node["transport_protocol"],
             "transport_protocol \"" + transport + "\" is not udp or tcp");
      dns.tcp = transport == "tcp";
    }
    if (node["dns_over_tls"] && boolean(node["dns_over_tls"], "dns_over_tls"))
      fail(node["dns_over_tls"], "dns_over_tls is not supported by tern-dnscheck");
    if (node["recursion_desired"])
      dns.recursion_desired = boolean(node["recursion_desired"], "recursion_desired");
    if (node["preferred_ip_protocol"])
      dns.preferred_ip_protocol = ipProtocol(node["preferred_ip_protocol"]);
    if (node["ip_protocol_fallback"])
      dns.ip_protocol_fallback = boolean(node["ip_protocol_fallback"], "ip_protocol_fallback");
    return dns;
  }

  Modules modules(const YAML::Node& root) const {
    Modules modules;
    if (!root || root.IsNull()) return modules;
    fields(root, {"modules"}, "config.Config");
    const YAML::Node list = root["modules"];
    if (!list || list.IsNull()) return modules;
    if (!list.IsMap()) fail(list, "modules must be a mapping of module names");
    for (const auto& entry : list) {
      const YAML::Node node = entry.second;
      Module module;
      module.name = entry.first.Scalar();
      fields(node, {"prober", "timeout", "http", "tcp", "dns"}, "config.Module");
      if (!node["prober"]) fail(node, "module " + module.name + " has no prober");
      const std::string prober = text(node["prober"], "prober");
      if (prober == "http") {
        module.prober = Prober::http;
      } else if (prober == "tcp") {
        module.prober = Prober::tcp;
      } else if (prober == "dns") {
        module.prober = Prober::dns;
      } else {
        fail(node["prober"],
             "prober \"" + prober + "\" is not supported by tern-dnscheck " + "(http, tcp, dns)");
      }
      if (node["timeout"]) {
        auto timeout = parseDurationText(text(node["timeout"], "timeout"));
        if (!timeout)
          fail(node["timeout"], "timeout \"" + node["timeout"].Scalar() + "\" is not a duration");
        module.timeout = *timeout;
      }
      if (node["http"]) module.http = http(node["http"]);
      if (node["tcp"]) module.tcp = tcp(node["tcp"]);
      if (node["dns"]) {
        module.dns = dns(node["dns"]);
      } else if (module.prober == Prober::dns) {
        fail(node, "query name must be set for DNS module");
      }
      modules[module.name] = std::move(module);
    }
    return modules;
  }

 private:
  std::string source_;
};

}  // namespace

Modules parseModules(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(runtime::yamlError(source, e.mark, e.msg));
  }
  return Reader(source).modules(root);
}

Modules loadModules(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error(path + ": cannot read the module file");
  std::stringstream text;
  text << file.rdbuf();
  return parseModules(text.str(), path);
}

}  // namespace dnscheck::probe
