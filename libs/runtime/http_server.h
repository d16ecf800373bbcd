#pragma once
// The HTTP(S) server under every exporter, on civetweb (the server
// prometheus-cpp's own Exposer uses). Debian's civetweb loads OpenSSL with
// dlopen only when a TLS port is configured, so an exporter without TLS never
// maps libssl/libcrypto: that alone is ~4 MB of resident memory saved compared
// with cpp-httplib, which links and initialises OpenSSL at load.
// Limitation: Debian builds civetweb without IPv6, so listen addresses are IPv4.

#include "base/expected.h"
#include "runtime/web_config.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct mg_context;
struct mg_connection;

namespace runtime {

struct HttpRequest {
  std::string method;
  std::string path;
  mg_connection* connection = nullptr;
  // A request header, or empty.
  std::string header(const char* name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Gzip the body when the client accepts it (text bodies worth compressing).
  bool compressible = false;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Returns true to let the request through; false answers 401.
  using Authenticator = std::function<bool(const std::string& authorization)>;

  struct Options {
    std::vector<std::string> listen_addresses;  // ":9100", "127.0.0.1:0"
    std::optional<TlsServerConfig> tls;
    std::map<std::string, std::string> extra_headers;
    int threads = 4;
  };

  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Exact-path routes, GET and HEAD. Add all before start().
  void route(const std::string& path, Handler handler);
  void setAuthenticator(Authenticator authenticator);

  // Binds and starts serving. On success returns the bound "host:port" per
  // address (port 0 resolved), else a message for the start-up error.
  base::Expected<std::vector<std::string>, std::string> start(const Options& options);
  void stop();

  // Called by civetweb's C callbacks.
  int dispatch(mg_connection* connection);
  int authorize(mg_connection* connection);
  int setUpTls(void* ssl_ctx);

 private:
  void send(mg_connection* connection, const HttpRequest& request, HttpResponse response);

  mg_context* context_ = nullptr;
  std::map<std::string, Handler> routes_;
  Authenticator authenticator_;
  Options options_;
  std::string tls_error_;
  bool library_initialised_ = false;
};

// Parses ":9100", "127.0.0.1:9100", "localhost:0" into host and port.
struct ListenAddress {
  std::string host;
  int port = 0;
};
std::optional<ListenAddress> parseListenAddress(const std::string& text);

}  // namespace runtime
