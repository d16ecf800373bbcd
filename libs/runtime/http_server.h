#pragma once
// The HTTP/1.1 server under every exporter: exact-path GET/HEAD routes (and,
// for services that take data such as tern-alerts' webhook, POST routes with
// a body limit of their own, and prefix routes), keep-alive, gzip, basic auth and TLS. It is small on purpose: a thread per
// open connection (a scraper keeps one), bounded request sizes and timeouts
// so a slow or hostile client cannot pin it, IPv4 and IPv6.
//
// Why not a library: Debian's cpp-httplib links and initialises OpenSSL,
// zlib and brotli at load (+4 MB resident before the first request), and
// Debian's civetweb 1.15 resolves OpenSSL 1.1 symbols at run time that
// OpenSSL 3 removed, so its TLS crashes on the first handshake. OpenSSL is
// linked statically here and only touched when TLS is configured.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/expected.h"
#include "runtime/web_config.h"

namespace runtime {

struct HttpRequest {
  std::string method;
  std::string path;                                          // without the query string
  // After '?', still percent-encoded ("target=a%3Ab"); empty if none.
  std::string query;
  std::string version;                                       // "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;  // only for routes that accept a body (RouteOptions)
  // A request header by case-insensitive name, or empty.
  std::string header(std::string_view name) const;
  // A query parameter by exact name, percent- and '+'-decoded; nullopt when absent.
  std::optional<std::string> queryParam(std::string_view name) const;
};

// "a=1&b=x%20y" -> {{"a","1"},{"b","x y"}} ('+' is a space, as in forms).
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query);

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Gzip the body when the client accepts it (text bodies worth compressing).
  bool compressible = false;
};

// Parses one request head (request line and headers, up to the blank line).
// Pure, for tests and fuzzing; nullopt when malformed.
std::optional<HttpRequest> parseRequestHead(std::string_view head);

struct ListenAddress {
  std::string host;  // "" for every address, "::1", "127.0.0.1", "localhost"
  int port = 0;
};
// ":9100", "127.0.0.1:9100", "[::1]:9100", "localhost:0".
std::optional<ListenAddress> parseListenAddress(const std::string& text);

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Returns true to let the request through; false answers 401.
  using Authenticator = std::function<bool(const std::string& authorization)>;

  struct Options {
    std::vector<std::string> listen_addresses;
    std::optional<TlsServerConfig> tls;
    std::map<std::string, std::string> extra_headers;
    std::size_t max_connections = 64;
  };

  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  struct RouteOptions {
    std::vector<std::string> methods = {"GET", "HEAD"};
    // Also serve every path under `path` ("/api/v1/alerts/" serves
    // "/api/v1/alerts/<id>"); the longest matching prefix wins, exact first.
    bool prefix = false;
    // Bodies up to this size reach the handler in HttpRequest::body; a
    // longer one is answered `oversize_status` with the reason, unread.
    std::size_t max_body_bytes = 0;
    int oversize_status = 413;
    // The handler checks credentials itself (a webhook with its own token):
    // the server's authenticator is not asked for this route.
    bool own_auth = false;
  };

  // Exact-path routes, GET and HEAD. Add all before start(). A later route
  // for the same path replaces the earlier one.
  void route(const std::string& path, Handler handler);
  void route(const std::string& path, Handler handler, RouteOptions options);
  void setAuthenticator(Authenticator authenticator);

  // Binds every address and starts serving. On success returns the bound
  // "host:port" per address (port 0 resolved), else the start-up error.
  base::Expected<std::vector<std::string>, std::string> start(const Options& options);
  // Stops accepting, closes open connections, waits for their threads.
  void stop();

 private:
  class Connection;
  void acceptLoop(int listen_fd);
  void serveConnection(int fd);
  HttpResponse respond(const HttpRequest& request);
  std::string renderHead(const HttpResponse& response, bool keep_alive, std::size_t body_size,
                         bool gzipped) const;

  struct Route {
    Handler handler;
    RouteOptions options;
  };
  const Route* findRoute(const std::string& path) const;
  std::map<std::string, Route> routes_;
  Authenticator authenticator_;
  Options options_;
  struct TlsContext;
  std::unique_ptr<TlsContext> tls_;
  std::vector<int> listen_fds_;
  std::vector<std::thread> accept_threads_;
  int wake_pipe_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::mutex connections_mutex_;
  std::condition_variable connections_done_;
  std::set<int> open_connections_;
};

}  // namespace runtime
