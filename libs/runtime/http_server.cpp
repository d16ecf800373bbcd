#include "runtime/http_server.h"

#include "log/log.h"
#include "runtime/gzip.h"

#include <civetweb.h>
#include <dlfcn.h>
// Types and constants only: OpenSSL functions are looked up with dlsym in
// the library civetweb loaded, so nothing here links against OpenSSL.
#include <openssl/ssl.h>

#include <cstring>
#include <mutex>

namespace runtime {

std::optional<ListenAddress> parseListenAddress(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.find(':') != std::string::npos || address.host.find('[') != std::string::npos)
    return std::nullopt;  // IPv6 literals: see the header
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  address.port = std::stoi(port);
  if (address.port > 65535) return std::nullopt;
  return address;
}

std::string HttpRequest::header(const char* name) const {
  const char* value = mg_get_header(connection, name);
  return value ? value : "";
}

namespace {

int onRequest(mg_connection* connection, void* server) {
  return static_cast<HttpServer*>(server)->dispatch(connection);
}
int onAuth(mg_connection* connection, void* server) {
  return static_cast<HttpServer*>(server)->authorize(connection);
}
int onInitSsl(void* ssl_ctx, void* server) {
  return static_cast<HttpServer*>(server)->setUpTls(ssl_ctx);
}
int onLogMessage(const mg_connection*, const char* message) {
  LOG_WARN("http server", {"err", message});
  return 1;
}

// The few OpenSSL calls TLS set-up needs, from the libssl civetweb loaded.
template <typename Fn>
Fn sslFunction(const char* name) {
  static void* library = [] {
    for (const char* soname : {"libssl.so.3", "libssl.so"}) {
      if (void* handle = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD)) return handle;
    }
    return static_cast<void*>(nullptr);
  }();
  return library ? reinterpret_cast<Fn>(dlsym(library, name)) : nullptr;
}

int tlsVersion(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return TLS1_2_VERSION;
}

int acceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

HttpServer::HttpServer() = default;

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(const std::string& path, Handler handler) {
  routes_[path] = std::move(handler);
}

void HttpServer::setAuthenticator(Authenticator authenticator) {
  authenticator_ = std::move(authenticator);
}

int HttpServer::setUpTls(void* ssl_ctx) {
  SSL_CTX* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  const TlsServerConfig& tls = *options_.tls;
  auto use_chain = sslFunction<int (*)(SSL_CTX*, const char*)>("SSL_CTX_use_certificate_chain_file");
  auto use_key = sslFunction<int (*)(SSL_CTX*, const char*, int)>("SSL_CTX_use_PrivateKey_file");
  auto check_key = sslFunction<int (*)(const SSL_CTX*)>("SSL_CTX_check_private_key");
  auto load_ca = sslFunction<int (*)(SSL_CTX*, const char*, const char*)>("SSL_CTX_load_verify_locations");
  auto set_verify = sslFunction<void (*)(SSL_CTX*, int, SSL_verify_cb)>("SSL_CTX_set_verify");
  auto ctrl = sslFunction<long (*)(SSL_CTX*, int, long, void*)>("SSL_CTX_ctrl");
  if (!use_chain || !use_key || !check_key || !load_ca || !set_verify || !ctrl) {
    tls_error_ = "OpenSSL functions not found in libssl";
    return -1;
  }
  ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, tlsVersion(tls.min_version), nullptr);
  if (!tls.max_version.empty())
    ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, tlsVersion(tls.max_version), nullptr);
  if (use_chain(ctx, tls.cert_file.c_str()) != 1) {
    tls_error_ = "cannot load certificate " + tls.cert_file;
    return -1;
  }
  if (use_key(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 || check_key(ctx) != 1) {
    tls_error_ = "cannot load private key " + tls.key_file + " (or it does not match the certificate)";
    return -1;
  }
  if (!tls.client_ca_file.empty() && load_ca(ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
    tls_error_ = "cannot load client CA " + tls.client_ca_file;
    return -1;
  }
  const std::string& type = tls.client_auth_type;
  int mode = SSL_VERIFY_NONE;
  if (type == "RequestClientCert" || type == "VerifyClientCertIfGiven") mode = SSL_VERIFY_PEER;
  if (type == "RequireAnyClientCert" || type == "RequireAndVerifyClientCert")
    mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  // "Request" and "RequireAny" ask for a certificate without checking it.
  bool check_chain = type == "RequireAndVerifyClientCert" || type == "VerifyClientCertIfGiven";
  set_verify(ctx, mode, check_chain ? nullptr : acceptAnyCertificate);
  return 1;  // certificate set up here; civetweb needs no ssl_certificate option
}

base::Expected<std::vector<std::string>, std::string> HttpServer::start(const Options& options) {
  options_ = options;
  // TLS support makes civetweb load OpenSSL; only ask for it when it is used.
  mg_init_library(options.tls ? MG_FEATURES_TLS : 0);
  library_initialised_ = true;
  std::string ports;
  for (const std::string& text : options.listen_addresses) {
    auto address = parseListenAddress(text);
    if (!address) {
      return base::unexpected("invalid listen address \"" + text +
                              "\" (want host:port or :port; IPv6 is not supported)");
    }
    if (!ports.empty()) ports += ',';
    if (!address->host.empty()) ports += address->host + ":";
    ports += std::to_string(address->port);
    if (options.tls) ports += 's';
  }
  const std::string threads = std::to_string(options.threads);
  std::vector<const char*> civet_options = {
      "listening_ports", ports.c_str(),
      "num_threads", threads.c_str(),
      "enable_keep_alive", "yes",
      // Headers and body go out in two writes; without this, Nagle holds the
      // body until the client's delayed ACK, adding 40 ms to every scrape.
      "tcp_nodelay", "1",
      "keep_alive_timeout_ms", "30000",
      "request_timeout_ms", "30000",
      "enable_directory_listing", "no",
      "decode_url", "yes",
  };
  civet_options.push_back(nullptr);

  mg_callbacks callbacks{};
  callbacks.log_message = onLogMessage;
  if (options.tls) callbacks.init_ssl = onInitSsl;
  char error_text[256] = "";
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = civet_options.data();
  mg_error_data error{};
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;
  context_ = mg_start2(&init, &error);
  if (!context_) {
    std::string why = error_text[0] ? error_text : "unknown error";
    if (!tls_error_.empty()) why = tls_error_;
    return base::unexpected("cannot listen on " + ports + ": " + why);
  }
  for (const auto& [path, handler] : routes_) {
    mg_set_request_handler(context_, (path + "$").c_str(), onRequest, this);
  }
  if (authenticator_) mg_set_auth_handler(context_, "/", onAuth, this);

  std::vector<std::string> bound;
  mg_server_port server_ports[16];
  int count = mg_get_server_ports(context_, 16, server_ports);
  for (int i = 0; i < count && i < static_cast<int>(options.listen_addresses.size()); ++i) {
    auto address = parseListenAddress(options.listen_addresses[i]);
    std::string host = address->host.empty() ? "0.0.0.0" : address->host;
    bound.push_back(host + ":" + std::to_string(server_ports[i].port));
  }
  return bound;
}

void HttpServer::stop() {
  if (context_) {
    mg_stop(context_);
    context_ = nullptr;
  }
  if (library_initialised_) {
    mg_exit_library();
    library_initialised_ = false;
  }
}

int HttpServer::authorize(mg_connection* connection) {
  const char* header = mg_get_header(connection, "Authorization");
  if (authenticator_(header ? header : "")) return 1;
  HttpRequest request;
  request.connection = connection;
  HttpResponse response;
  response.status = 401;
  response.body = "Unauthorized\n";
  response.headers.emplace_back("WWW-Authenticate", "Basic");
  send(connection, request, std::move(response));
  return 0;
}

int HttpServer::dispatch(mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  HttpRequest request;
  request.connection = connection;
  request.method = info->request_method ? info->request_method : "";
  request.path = info->local_uri ? info->local_uri : "";
  auto route = routes_.find(request.path);
  HttpResponse response;
  if (route == routes_.end()) {
    response.status = 404;
    response.body = "Not Found\n";
  } else if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.body = "Method Not Allowed\n";
    response.headers.emplace_back("Allow", "GET, HEAD");
  } else {
    response = route->second(request);
  }
  const int status = response.status;
  send(connection, request, std::move(response));
  return status;
}

void HttpServer::send(mg_connection* connection, const HttpRequest& request,
                      HttpResponse response) {
  std::string body = std::move(response.body);
  bool gzipped = false;
  if (response.compressible && request.header("Accept-Encoding").find("gzip") != std::string::npos) {
    std::string compressed = gzipCompress(body);
    if (!compressed.empty()) {
      body = std::move(compressed);
      gzipped = true;
    }
  }
  mg_response_header_start(connection, response.status);
  mg_response_header_add(connection, "Content-Type", response.content_type.c_str(), -1);
  const std::string length = std::to_string(body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  if (gzipped) mg_response_header_add(connection, "Content-Encoding", "gzip", -1);
  for (const auto& [name, value] : response.headers)
    mg_response_header_add(connection, name.c_str(), value.c_str(), -1);
  for (const auto& [name, value] : options_.extra_headers)
    mg_response_header_add(connection, name.c_str(), value.c_str(), -1);
  mg_response_header_send(connection);
  if (request.method != "HEAD") mg_write(connection, body.data(), body.size());
}

}  // namespace runtime
