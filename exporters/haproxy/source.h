#pragma once
// Where HAProxy's statistics are read from, as haproxy_exporter's
// --haproxy.scrape-uri names it:
//   unix:/run/haproxy/admin.sock    the runtime API: `show info` and `show stat`
//   tcp://127.0.0.1:9999            the runtime API on a TCP stats socket
//   http(s)://host:port/stats;csv   the stats page's CSV (no `show info`)
//   file:///path/to/stats.csv       a saved CSV (tests)
// Every read has a deadline (--haproxy.timeout); errors are values.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/expected.h"
#include "http1/url.h"
#include "sockio/exchange.h"

namespace haproxy {

struct ScrapeUri {
  enum class Kind { socket, http, file };
  Kind kind = Kind::socket;
  sockio::Endpoint endpoint;  // socket
  http1::Url http;            // http, https
  std::string url;            // http, https (as given, for messages: credentials stripped)
  std::string path;           // file
};

// Fails with a message naming the URI when it cannot be used.
base::Expected<ScrapeUri, std::string> parseScrapeUri(const std::string& uri);

struct SourceOptions {
  std::chrono::milliseconds timeout{5000};
  bool ssl_verify = true;
  // Basic auth for the stats page, the password from a file read at each
  // request (user:password in the URI works too, as with haproxy_exporter).
  std::string username;
  std::string password_file;
  std::size_t max_bytes = 64 << 20;
};

struct Fetched {
  std::string stat;                 // the CSV
  std::optional<std::string> info;  // `show info`, from the runtime API only
};

class StatsSource {
 public:
  StatsSource(ScrapeUri uri, SourceOptions options);
  ~StatsSource();
  // Reads the stats (and `show info` on a socket). Thread-safe.
  base::Expected<Fetched, std::string> fetch();

 private:
  ScrapeUri uri_;
  SourceOptions options_;
};

// Go-style durations as haproxy_exporter's flags take them: "5s", "500ms",
// "1m30s", or a plain number of seconds. nullopt when malformed.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

}  // namespace haproxy
