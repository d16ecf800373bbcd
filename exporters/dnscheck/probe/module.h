#pragma once
// blackbox_exporter's module file (`--config.file`, `modules:`), for the
// /probe?target=&module= mode: the http, tcp (with TLS) and dns probers and
// the options they share. Read strictly, like blackbox: an unknown field is a
// start-up error naming its line; so is an option blackbox has but
// tern-dnscheck does not implement (better refused than silently ignored).

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dnscheck::probe {

enum class IpProtocol { ip4, ip6 };

struct TlsConfig {
  bool insecure_skip_verify = false;
  std::string server_name;  // SNI and the name verified; default: the target's host
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

// fail_if_header_matches / fail_if_header_not_matches: the header's values
// (all of them, when repeated) against an unanchored regular expression.
struct HeaderMatch {
  std::string header;
  std::string regexp;
  bool allow_missing = false;  // a missing header passes instead of failing
};

// basic_auth and bearer tokens, as Prometheus' HTTP client config has them;
// the _file forms are read at every probe, so rotated secrets are picked up.
struct HttpAuth {
  std::string username;
  std::string password;
  std::string password_file;
  std::string bearer_token;
  std::string bearer_token_file;
};

struct HttpModule {
  std::vector<int> valid_status_codes;  // empty: 2xx
  std::vector<std::string> valid_http_versions;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool follow_redirects = true;
  bool fail_if_ssl = false;
  bool fail_if_not_ssl = false;
  std::vector<std::string> fail_if_body_matches_regexp;
  std::vector<std::string> fail_if_body_not_matches_regexp;
  std::vector<HeaderMatch> fail_if_header_matches;
  std::vector<HeaderMatch> fail_if_header_not_matches;
  HttpAuth auth;
  TlsConfig tls;
  IpProtocol preferred_ip_protocol = IpProtocol::ip6;  // blackbox's default
  bool ip_protocol_fallback = true;
};

struct TcpModule {
  bool tls = false;
  TlsConfig tls_config;
  IpProtocol preferred_ip_protocol = IpProtocol::ip6;
  bool ip_protocol_fallback = true;
};

struct DnsModule {
  std::string query_name;
  std::string query_type = "ANY";
  std::vector<int> valid_rcodes = {0};  // NOERROR
  bool tcp = false;                     // transport_protocol
  bool recursion_desired = true;
  IpProtocol preferred_ip_protocol = IpProtocol::ip6;
  bool ip_protocol_fallback = true;
};

enum class Prober { http, tcp, dns };

struct Module {
  std::string name;
  Prober prober = Prober::http;
  std::chrono::milliseconds timeout{0};  // 0: the scrape's timeout
  HttpModule http;
  TcpModule tcp;
  DnsModule dns;
};

using Modules = std::map<std::string, Module>;

// Throws std::runtime_error("<file>:<line>: <reason>").
Modules loadModules(const std::string& path);
Modules parseModules(const std::string& text, const std::string& source);

}  // namespace dnscheck::probe
