#pragma once
// http:// and https:// URLs as an HTTP/1.1 client needs them: scheme, host,
// port, request target, userinfo; and the resolution of a Location header
// against the URL it came from (RFC 3986 section 5, without dot-segment
// removal beyond what servers send in practice).

#include <string>
#include <string_view>

#include "base/expected.h"

namespace http1 {

struct Url {
  bool tls = false;
  std::string host;      // without brackets for IPv6
  int port = 0;          // 80 / 443 unless given
  std::string target;    // path and query, "/" at least; no fragment
  std::string username;  // from user:password@, percent-decoded
  std::string password;

  int defaultPort() const { return tls ? 443 : 80; }
  // "host", "host:8080", "[::1]:8080": the Host header's value.
  std::string authority() const;
  // The URL without its credentials, for messages and labels.
  std::string describe() const;
};

// Errors name what is wrong, never the password.
base::Expected<Url, std::string> parseUrl(std::string_view text);

// The URL a Location header points at: absolute, scheme-relative ("//h/p"),
// absolute-path or relative to `base`'s path. Credentials are not carried
// to another host.
base::Expected<Url, std::string> resolveLocation(const Url& base, std::string_view location);

// The URL text as given, with the password of user:password@ replaced by
// "xxxxx": for messages about a URL that may not parse.
std::string redactPassword(std::string_view url);

}  // namespace http1
