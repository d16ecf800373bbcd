#pragma once
// One GET of HAProxy's stats page (http://host:port/stats;csv), over plain
// TCP or TLS, with a deadline for the whole exchange and basic auth. Not
// libs/httpclient: libcurl is only usable as a shared library here, and its
// 35 shared libraries are 7 MB of the exporter's resident memory, more than
// the rest of tern-haproxy (the target is a quarter of
// haproxy_exporter's 20 MB). A stats page needs one request per scrape on a
// fresh connection, no redirects, no proxies: that much is written here, on
// sockio's connect and the OpenSSL the runtime links anyway.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/expected.h"

namespace haproxy {

struct HttpUrl {
  bool tls = false;
  std::string host;      // without brackets for IPv6
  int port = 0;          // 80 / 443 unless given
  std::string target;    // path and query: "/stats;csv"
  std::string username;  // from user:password@ in the URL, percent-decoded
  std::string password;
};

// http:// or https:// URLs; errors name what is wrong (never the password).
base::Expected<HttpUrl, std::string> parseHttpUrl(const std::string& url);

struct HttpAnswer {
  int status = 0;
  std::string body;  // de-chunked
};

// Parses a whole HTTP/1.x response (status line, headers, body as sent until
// the peer closed: Content-Length, chunked or read-to-close). Pure.
base::Expected<HttpAnswer, std::string> parseHttpResponse(std::string_view raw);

struct HttpFetchOptions {
  std::chrono::milliseconds timeout{5000};
  bool verify_tls = true;
  std::string username;       // wins over the URL's
  std::string password_file;  // read at each request
  std::size_t max_bytes = 64 << 20;
};

// GETs the URL; the answer whatever its status. Errors (connect, TLS,
// timeout, unreadable password file, malformed response) name the URL
// without its credentials.
base::Expected<HttpAnswer, std::string> httpGet(const HttpUrl& url,
                                                const HttpFetchOptions& options);

std::string base64(std::string_view data);

}  // namespace haproxy
