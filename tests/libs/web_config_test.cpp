#include "runtime/web_config.h"

#include <doctest/doctest.h>

using runtime::parseWebConfig;
using runtime::WebConfigError;

namespace {
std::string errorOf(const std::string& yaml) {
  try {
    parseWebConfig(yaml, "/nonexistent", "web.yml");
  } catch (const WebConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("web config: empty and basic auth") {
  CHECK(parseWebConfig("", ".", "web.yml").basic_auth_users.empty());
  auto config = parseWebConfig(
      "basic_auth_users:\n  alice: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n",
      ".", "web.yml");
  CHECK(config.basic_auth_users.size() == 1);
  CHECK_FALSE(config.tls);
}

TEST_CASE("web config: errors name the file, the line and the reason") {
  CHECK(errorOf("unknown_key: 1\n") == "web.yml:1: unknown field unknown_key");
  CHECK(errorOf("basic_auth_users:\n  bob: plaintext\n") ==
        "web.yml:2: basic_auth_users.bob must be a bcrypt hash");
  CHECK(errorOf("tls_server_config:\n  cert_file: a.crt\n").find("needs both cert_file and key_file") !=
        std::string::npos);
  CHECK(errorOf("tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n")
            .find("cannot read cert_file /nonexistent/a.crt") != std::string::npos);
  CHECK(errorOf("tls_server_config:\n  bogus: 1\n") == "web.yml:2: unknown field tls_server_config.bogus");
  CHECK(errorOf("basic_auth_users: [\n").find("web.yml:") == 0);
}

TEST_CASE("basic auth verifies bcrypt hashes and caches only successes") {
  // htpasswd -nbBC 4 alice secret
  runtime::BasicAuthVerifier verifier(std::map<std::string, std::string>{
      {"alice", "$2y$04$mTwVhrEiynmD32Y.MXeRU.mgKPI6whtBPvqvY2N/bnDkG3QkYinYa"}});
  // "alice:secret" and "alice:wrong" in base64
  CHECK(verifier.enabled());
  CHECK_FALSE(verifier.verify(""));
  CHECK_FALSE(verifier.verify("Bearer x"));
  CHECK_FALSE(verifier.verify("Basic YWxpY2U6d3Jvbmc="));
  CHECK_FALSE(verifier.verify("Basic !!!"));
  CHECK_FALSE(verifier.verify("Basic Ym9iOnNlY3JldA=="));  // bob:secret
  CHECK(verifier.verify("Basic YWxpY2U6c2VjcmV0"));        // alice:secret
  CHECK(verifier.verify("Basic YWxpY2U6c2VjcmV0"));        // now from the cache
  CHECK_FALSE(verifier.verify("Basic YWxpY2U6d3Jvbmc="));
}
