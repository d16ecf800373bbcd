#pragma once
// A small HTTP(S) client over libcurl for talking to servers over the network
// (Loki, APIs): one reusable connection per Client (keep-alive), a deadline
// for the whole request, TLS options, and credentials read from files at each
// request so rotated secrets are picked up. Secrets never appear in errors.
//
// Linking: libcurl is a shared library here. Debian ships libcurl.a, but
// linking it statically needs libldap, libkrb5, libgssapi, libnghttp2,
// libpsl... archives that Debian does not ship, so a binary using this
// library cannot be linked with -static (tern_link_exporter's static mode);
// it is linked dynamically against libcurl.so.4.
//
// Not thread-safe: one Client per thread (each owns one curl easy handle).

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/expected.h"

namespace httpclient {

struct TlsOptions {
  std::string ca_file;    // PEM bundle to verify the server with; empty: system store
  std::string cert_file;  // client certificate (PEM), with key_file
  std::string key_file;
  // Name to expect in the server's certificate and to send as SNI, when it
  // differs from the URL's host. The Host header keeps the URL's host.
  std::string server_name;
  bool insecure_skip_verify = false;
};

// At most one of basic auth and bearer token is expected; the inline values
// win over the files, as in Prometheus' HTTP client config.
struct AuthOptions {
  std::string basic_username;
  std::string basic_password;
  std::string basic_password_file;
  std::string bearer_token;
  std::string bearer_token_file;
};

struct Options {
  std::chrono::milliseconds timeout{10000};  // the whole request: connect, send, receive
  std::size_t max_body_bytes = 1 << 20;      // the rest of a longer body is read and dropped
  std::string user_agent = "tern";
  TlsOptions tls;
  AuthOptions auth;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;
  std::string body;  // at most max_body_bytes
  bool body_truncated = false;
  std::chrono::nanoseconds duration{0};
};

struct Error {
  std::string message;  // curl's description, or why the request was not sent
  bool timed_out = false;
  std::chrono::nanoseconds duration{0};
};

class Client {
 public:
  // Throws std::runtime_error only if libcurl cannot create a handle (start-up).
  explicit Client(Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `body` is sent as is, not copied. Any status is a Response; only failing
  // to get one (DNS, connect, TLS, timeout, unreadable secret file) is an Error.
  base::Expected<Response, Error> post(const std::string& url, std::string_view body,
                                       const Headers& headers = {});
  base::Expected<Response, Error> get(const std::string& url, const Headers& headers = {});
  // A body sent with another method (PATCH, PUT), as REST APIs update records.
  base::Expected<Response, Error> send(const std::string& method, const std::string& url,
                                       std::string_view body, const Headers& headers = {});

  const Options& options() const { return options_; }

 private:
  base::Expected<Response, Error> perform(const std::string& url, const std::string_view* body,
                                          const Headers& headers, const char* method = nullptr);
  Options options_;
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

}  // namespace httpclient
