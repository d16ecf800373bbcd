#pragma once
// One HTTP/1.1 request on a fresh connection, with a deadline for the whole
// exchange and the time of each phase (connect, TLS, waiting for the first
// byte, reading), as probes report them. No redirects (callers that follow
// them decide how), no proxies, no keep-alive.
//
// Why not libs/httpclient: libcurl is a shared library here, opened on first
// use, and its 35 libraries are several MB of resident memory, more than a
// whole exporter's target. Binaries built on this client link statically.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "base/expected.h"
#include "http1/response.h"
#include "http1/stream.h"
#include "http1/url.h"

namespace http1 {

struct Request {
  std::string method = "GET";
  Url url;
  // Sent after Host, User-Agent and Accept; one of the same name replaces
  // the default (a signed request's Host, say).
  Headers headers;
  std::string body;  // with Content-Length when not empty
};

struct Options {
  std::chrono::milliseconds timeout{10000};  // the whole exchange
  std::size_t max_body_bytes = 16u << 20;    // kept; the rest is read and dropped
  std::string user_agent = "tern";
  TlsOptions tls;  // tls.server_name: SNI and the name verified, when not url.host
  // Connect here (a numeric address resolved beforehand) instead of
  // resolving url.host; Host, SNI and verification keep the URL's name.
  std::string connect_address;
  // Called after a TLS handshake, to read the chain and version.
  std::function<void(const Stream&)> on_tls;
};

// Seconds spent in each phase.
struct Timings {
  double connect = 0;     // resolving url.host (unless connect_address) and TCP
  double tls = 0;         // the handshake
  double processing = 0;  // request sent to first byte of the answer
  double transfer = 0;    // first byte to the end of the answer
};

struct Result {
  Response response;
  Timings timings;
};

struct Failure {
  std::string message;  // names the URL without credentials
  bool timed_out = false;
  Timings timings;  // of the phases reached
};

base::Expected<Result, Failure> perform(const Request& request, const Options& options);

// "Basic dXNlcjpwYXNz" for an Authorization header.
std::string basicAuthorization(std::string_view username, std::string_view password);
std::string encodeBase64(std::string_view data);

}  // namespace http1
