#include "dnscheck/probe/module.h"

#include <doctest/doctest.h>

#include <stdexcept>

#include "dnscheck/probe_handler.h"
#include "runtime/http_server.h"

using dnscheck::probe::parseModules;

namespace {

std::string errorOf(const std::string& text) {
  try {
    parseModules(text, "blackbox.yml");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("blackbox module file: the http, tcp and dns probers and their common options") {
  auto modules = parseModules(R"(modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      valid_status_codes: [200, 204]
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      fail_if_body_not_matches_regexp: ["Welcome"]
      tls_config:
        insecure_skip_verify: true
        server_name: www.example.com
  tls_connect:
    prober: tcp
    tcp:
      tls: true
  dns_mx:
    prober: dns
    dns:
      query_name: example.com
      query_type: MX
      valid_rcodes: [NOERROR, NXDOMAIN]
      transport_protocol: tcp
)",
                              "blackbox.yml");
  REQUIRE(modules.size() == 3);
  const auto& http = modules.at("http_2xx");
  CHECK(http.prober == dnscheck::probe::Prober::http);
  CHECK(http.timeout == std::chrono::seconds(5));
  CHECK(http.http.valid_status_codes == std::vector<int>{200, 204});
  CHECK(http.http.preferred_ip_protocol == dnscheck::probe::IpProtocol::ip4);
  CHECK(!http.http.ip_protocol_fallback);
  CHECK(http.http.fail_if_body_not_matches_regexp == std::vector<std::string>{"Welcome"});
  CHECK(http.http.tls.insecure_skip_verify);
  CHECK(http.http.tls.server_name == "www.example.com");
  const auto& tcp = modules.at("tls_connect");
  CHECK(tcp.prober == dnscheck::probe::Prober::tcp);
  CHECK(tcp.tcp.tls);
  CHECK(tcp.tcp.preferred_ip_protocol == dnscheck::probe::IpProtocol::ip6);  // blackbox's default
  const auto& dns = modules.at("dns_mx");
  CHECK(dns.dns.query_name == "example.com");
  CHECK(dns.dns.query_type == "MX");
  CHECK(dns.dns.valid_rcodes == std::vector<int>{0, 3});
  CHECK(dns.dns.tcp);
}

TEST_CASE("blackbox module file: header matchers and credentials") {
  auto modules = parseModules(
      "modules:\n  m:\n    prober: http\n    http:\n"
      "      fail_if_header_matches: [{header: Server, regexp: \"nginx/1\\\\.1\"}]\n"
      "      fail_if_header_not_matches:\n"
      "        - {header: Content-Type, regexp: html, allow_missing: true}\n"
      "      basic_auth: {username: probe, password_file: /run/secrets/probe}\n",
      "blackbox.yml");
  const auto& http = modules.at("m").http;
  REQUIRE(http.fail_if_header_matches.size() == 1);
  CHECK(http.fail_if_header_matches[0].header == "Server");
  CHECK(http.fail_if_header_matches[0].regexp == "nginx/1\\.1");
  CHECK_FALSE(http.fail_if_header_matches[0].allow_missing);
  REQUIRE(http.fail_if_header_not_matches.size() == 1);
  CHECK(http.fail_if_header_not_matches[0].allow_missing);
  CHECK(http.auth.username == "probe");
  CHECK(http.auth.password_file == "/run/secrets/probe");
}

TEST_CASE(
    "blackbox module file: unknown and unsupported options are start-up errors with the line") {
  CHECK(errorOf("modules:\n  m:\n    prober: http\n    http:\n      valid_status_code: [200]\n") ==
        "blackbox.yml:5: field valid_status_code not found in type config.HTTPProbe");
  CHECK(errorOf("modules:\n  m:\n    prober: icmp\n") ==
        "blackbox.yml:3: prober \"icmp\" is not supported by tern-dnscheck (http, tcp, dns)");
  CHECK(errorOf("modules:\n  m:\n    prober: http\n    http:\n      proxy_url: http://p/\n") ==
        "blackbox.yml:5: field proxy_url of config.HTTPProbe is not supported by tern-dnscheck");
  CHECK(errorOf("modules:\n  m:\n    prober: http\n    http:\n"
                "      fail_if_header_matches: [{regexp: x}]\n") ==
        "blackbox.yml:5: header name must be set for HTTP header matchers");
  CHECK(errorOf("modules:\n  m:\n    prober: http\n    http:\n"
                "      basic_auth: {username: u, password: p, password_file: /f}\n") ==
        "blackbox.yml:5: at most one of basic_auth password & password_file must be configured");
  CHECK(errorOf("modules:\n  m:\n    prober: http\n    http:\n"
                "      basic_auth: {username: u}\n      bearer_token: t\n") ==
        "blackbox.yml:5: at most one of basic_auth, bearer_token & bearer_token_file must be "
        "configured");
  CHECK(errorOf("modules:\n  m:\n    prober: dns\n    dns:\n      query_type: A\n") ==
        "blackbox.yml:5: query name must be set for DNS module");
  CHECK(errorOf("modules:\n  m:\n    prober: dns\n    dns:\n      query_name: x\n"
                "      valid_rcodes: [NOPE]\n") ==
        "blackbox.yml:6: valid_rcodes: unknown rcode \"NOPE\"");
  CHECK(errorOf("modules:\n  m:\n    prober: http\n    http:\n"
                "      fail_if_body_matches_regexp: [\"(\"]\n")
            .starts_with("blackbox.yml:5: fail_if_body_matches_regexp: missing )"));
  CHECK(errorOf("modules:\n  m:\n    prober: tcp\n    tcp:\n      tls: yes please\n") ==
        "blackbox.yml:5: tls: \"yes please\" is not true or false");
  CHECK(errorOf("modulez: {}\n") ==
        "blackbox.yml:1: field modulez not found in type config.Config");
}

TEST_CASE("/probe query parameters are percent-decoded") {
  auto param = [](std::string query, std::string_view name) {
    runtime::HttpRequest request;
    request.query = std::move(query);
    return request.queryParam(name);
  };
  CHECK(param("target=https%3A%2F%2Fwww.example.com%2F&module=http_2xx", "target") ==
        "https://www.example.com/");
  CHECK(param("target=a+b&module=x", "target") == "a b");
  CHECK_FALSE(param("module=x", "target"));
  // parseQuery decodes the same way.
  auto all = runtime::parseQuery("target=a+b&module=%78");
  REQUIRE(all.size() == 2);
  CHECK(all[1].second == "x");
}
