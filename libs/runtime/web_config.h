#pragma once
// --web.config.file, in the Prometheus exporter-toolkit's YAML format:
//
//   tls_server_config:
//     cert_file: server.crt
//     key_file: server.key
//     client_auth_type: RequireAndVerifyClientCert   # optional
//     client_ca_file: ca.crt                         # optional
//     min_version: TLS12                             # optional
//   http_server_config:
//     headers: {X-Frame-Options: deny}               # optional
//   basic_auth_users:
//     alice: $2y$10$...                              # bcrypt hash
//
// Loading happens at start-up; errors throw with the file and the reason.

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

namespace runtime {

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  std::string client_auth_type = "NoClientCert";
  std::string min_version = "TLS12";
  std::string max_version;
};

struct WebConfig {
  std::optional<TlsServerConfig> tls;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  std::map<std::string, std::string> headers;
};

class WebConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses and validates; relative paths resolve against the file's folder.
WebConfig loadWebConfig(const std::string& path);
WebConfig parseWebConfig(const std::string& yaml_text, const std::string& base_dir,
                         const std::string& source_name);

// Standard base64 (RFC 4648, '=' padding optional); nullopt on a character
// outside the alphabet. For Authorization: Basic headers.
std::optional<std::string> decodeBase64(std::string_view encoded);
// Equality of two secrets in time independent of where they differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

// Checks basic-auth credentials against the bcrypt hashes. bcrypt is slow by
// design, so a verified (user, password) pair is remembered by a SHA-256 of
// both; a wrong password is always checked in full.
class BasicAuthVerifier {
 public:
  explicit BasicAuthVerifier(std::map<std::string, std::string> users);
  bool enabled() const { return !users_.empty(); }
  // `authorization` is the request's Authorization header value.
  bool verify(const std::string& authorization);

 private:
  std::map<std::string, std::string> users_;
  std::mutex mutex_;
  std::set<std::string> verified_;
};

}  // namespace runtime
