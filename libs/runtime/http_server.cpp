#include "runtime/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "base/percent_decode.h"
#include "log/log.h"
#include "runtime/gzip.h"

namespace runtime {

namespace {

constexpr std::size_t kMaxHeadBytes = 16 << 10;
constexpr std::size_t kMaxBodyBytes = 64 << 10;     // dropped, for routes that take no body
constexpr std::size_t kMaxDiscardBytes = 64 << 20;  // an oversized body read to answer it
constexpr int kIdleTimeoutSeconds = 30;             // keep-alive and slow clients
constexpr std::chrono::seconds kHeadDeadline{10};

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string httpDate() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buf;
}

std::string openSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

int tlsVersion(const std::string& name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return TLS1_2_VERSION;
}

int acceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  std::string wanted = lowercase(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return {};
}

std::optional<std::string> HttpRequest::queryParam(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (base::percentDecode(pair.substr(0, eq), true) != name) continue;
    return eq == std::string_view::npos ? std::string()
                                        : base::percentDecode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

std::optional<HttpRequest> parseRequestHead(std::string_view head) {
  HttpRequest request;
  auto line_end = head.find("\r\n");
  std::string_view request_line = head.substr(0, line_end);
  auto first_space = request_line.find(' ');
  auto last_space = request_line.rfind(' ');
  if (first_space == std::string_view::npos || last_space == first_space) return std::nullopt;
  request.method = std::string(request_line.substr(0, first_space));
  std::string_view target = request_line.substr(first_space + 1, last_space - first_space - 1);
  request.version = std::string(request_line.substr(last_space + 1));
  if (request.method.empty() || target.empty() || target.front() != '/' ||
      !request.version.starts_with("HTTP/1."))
    return std::nullopt;
  auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  if (line_end == std::string_view::npos) return request;
  std::string_view rest = head.substr(line_end + 2);
  while (!rest.empty()) {
    auto end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    request.headers.emplace_back(lowercase(line.substr(0, colon)),
                                 std::string(trimSpaces(line.substr(colon + 1))));
  }
  return request;
}

std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(base::percentDecode(part, true), "");
    } else {
      out.emplace_back(base::percentDecode(part.substr(0, eq), true),
                       base::percentDecode(part.substr(eq + 1), true));
    }
  }
  return out;
}

std::optional<ListenAddress> parseListenAddress(const std::string& text) {
  ListenAddress address;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::nullopt;
    address.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    address.host = text.substr(0, colon);
    if (address.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs [ ]
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  address.port = std::stoi(port);
  if (address.port > 65535) return std::nullopt;
  return address;
}

struct HttpServer::TlsContext {
  SSL_CTX* ctx = nullptr;
  ~TlsContext() {
    if (ctx) SSL_CTX_free(ctx);
  }
};

// One client connection, plain or TLS, with the socket's timeouts.
class HttpServer::Connection {
 public:
  Connection(int fd, SSL_CTX* tls) : fd_(fd) {
    if (tls) {
      ssl_ = SSL_new(tls);
      if (ssl_) SSL_set_fd(ssl_, fd_);
    }
  }
  ~Connection() {
    if (ssl_) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
  }
  bool handshake() {
    if (!ssl_) return true;
    if (SSL_accept(ssl_) == 1) return true;
    ERR_clear_error();
    return false;
  }
  // Bytes read, 0 at end of stream, -1 on error or timeout.
  ssize_t read(char* buf, std::size_t size) {
    if (ssl_) {
      int n = SSL_read(ssl_, buf, static_cast<int>(size));
      if (n <= 0) ERR_clear_error();
      return n < 0 ? -1 : n;
    }
    while (true) {
      ssize_t n = ::recv(fd_, buf, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }
  bool write(std::string_view head, std::string_view body) {
    if (ssl_) return writeTls(head) && writeTls(body);
    iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                      {const_cast<char*>(body.data()), body.size()}};
    std::size_t total = head.size() + body.size(), sent = 0;
    while (sent < total) {
      msghdr message{};
      iovec remaining[2];
      int count = 0;
      std::size_t skip = sent;
      for (const iovec& part : parts) {
        if (skip >= part.iov_len) {
          skip -= part.iov_len;
          continue;
        }
        remaining[count++] = {static_cast<char*>(part.iov_base) + skip, part.iov_len - skip};
        skip = 0;
      }
      message.msg_iov = remaining;
      message.msg_iovlen = count;
      ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

 private:
  bool writeTls(std::string_view data) {
    while (!data.empty()) {
      int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (n <= 0) {
        ERR_clear_error();
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  int fd_;
  SSL* ssl_ = nullptr;
};

HttpServer::HttpServer() = default;

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(const std::string& path, Handler handler) {
  routes_[path] = Route{std::move(handler), RouteOptions{}};
}

void HttpServer::route(const std::string& path, Handler handler, RouteOptions options) {
  routes_[path] = Route{std::move(handler), std::move(options)};
}

const HttpServer::Route* HttpServer::findRoute(const std::string& path) const {
  auto exact = routes_.find(path);
  if (exact != routes_.end()) return &exact->second;
  const Route* best = nullptr;
  std::size_t best_length = 0;
  for (const auto& [prefix, route] : routes_) {
    if (route.options.prefix && path.starts_with(prefix) && prefix.size() > best_length) {
      best = &route;
      best_length = prefix.size();
    }
  }
  return best;
}

void HttpServer::setAuthenticator(Authenticator authenticator) {
  authenticator_ = std::move(authenticator);
}

base::Expected<std::vector<std::string>, std::string> HttpServer::start(const Options& options) {
  options_ = options;
  if (options.tls) {
    const TlsServerConfig& tls = *options.tls;
    tls_ = std::make_unique<TlsContext>();
    tls_->ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX* ctx = tls_->ctx;
    if (!ctx) return base::unexpected("cannot create TLS context: " + openSslError());
    SSL_CTX_set_min_proto_version(ctx, tlsVersion(tls.min_version));
    if (!tls.max_version.empty()) SSL_CTX_set_max_proto_version(ctx, tlsVersion(tls.max_version));
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1)
      return base::unexpected("cannot load certificate " + tls.cert_file + ": " + openSslError());
    if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return base::unexpected("cannot load private key " + tls.key_file + ": " + openSslError());
    if (SSL_CTX_check_private_key(ctx) != 1)
      return base::unexpected("private key " + tls.key_file + " does not match certificate " +
                              tls.cert_file);
    if (!tls.client_ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ctx, tls.client_ca_file.c_str(), nullptr) != 1)
        return base::unexpected("cannot load client CA " + tls.client_ca_file + ": " +
                                openSslError());
      SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(tls.client_ca_file.c_str()));
    }
    const std::string& type = tls.client_auth_type;
    int mode = SSL_VERIFY_NONE;
    if (type == "RequestClientCert" || type == "VerifyClientCertIfGiven") mode = SSL_VERIFY_PEER;
    if (type == "RequireAnyClientCert" || type == "RequireAndVerifyClientCert")
      mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    // "Request" and "RequireAny" ask for a certificate without checking it.
    bool check_chain = type == "RequireAndVerifyClientCert" || type == "VerifyClientCertIfGiven";
    SSL_CTX_set_verify(ctx, mode, check_chain ? nullptr : acceptAnyCertificate);
  }

  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0)
    return base::unexpected(std::string("pipe: ") + std::strerror(errno));
  std::vector<std::string> bound;
  for (const std::string& text : options.listen_addresses) {
    auto address = parseListenAddress(text);
    if (!address) {
      return base::unexpected("invalid listen address \"" + text +
                              "\" (want host:port, :port or [v6 address]:port)");
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(address->port);
    // An empty host means every address: "::" with dual stack where the host
    // has IPv6, else 0.0.0.0 (getaddrinfo with a null host gives both).
    int rc = ::getaddrinfo(address->host.empty() ? nullptr : address->host.c_str(), port.c_str(),
                           &hints, &found);
    if (rc != 0) return base::unexpected("cannot resolve " + text + ": " + gai_strerror(rc));
    std::vector<addrinfo*> candidates;
    for (addrinfo* ai = found; ai; ai = ai->ai_next) candidates.push_back(ai);
    if (address->host.empty()) {
      std::stable_sort(candidates.begin(), candidates.end(), [](addrinfo* a, addrinfo* b) {
        return a->ai_family == AF_INET6 && b->ai_family != AF_INET6;
      });
    }
    int fd = -1;
    std::string last_error = "no address";
    for (addrinfo* ai : candidates) {
      fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) {
        last_error = std::strerror(errno);
        continue;
      }
      int one = 1, zero = 0;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (ai->ai_family == AF_INET6 && address->host.empty())
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
      if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 64) == 0) break;
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
    ::freeaddrinfo(found);
    if (fd < 0) {
      stop();
      return base::unexpected("cannot listen on " + text + ": " + last_error);
    }
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
    char host[INET6_ADDRSTRLEN] = "";
    int bound_port = 0;
    if (local.ss_family == AF_INET6) {
      auto* v6 = reinterpret_cast<sockaddr_in6*>(&local);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
      bound_port = ntohs(v6->sin6_port);
      bound.push_back("[" + std::string(host) + "]:" + std::to_string(bound_port));
    } else {
      auto* v4 = reinterpret_cast<sockaddr_in*>(&local);
      ::inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
      bound_port = ntohs(v4->sin_port);
      bound.push_back(std::string(host) + ":" + std::to_string(bound_port));
    }
    listen_fds_.push_back(fd);
  }
  for (int fd : listen_fds_) accept_threads_.emplace_back(&HttpServer::acceptLoop, this, fd);
  return bound;
}

void HttpServer::stop() {
  if (stopping_.exchange(true)) return;
  if (wake_pipe_[1] >= 0) {
    char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_pipe_[1], &byte, 1);
  }
  for (auto& thread : accept_threads_) thread.join();
  accept_threads_.clear();
  for (int fd : listen_fds_) ::close(fd);
  listen_fds_.clear();
  std::unique_lock lock(connections_mutex_);
  // Wakes connection threads blocked in recv; in-flight responses finish.
  for (int fd : open_connections_) ::shutdown(fd, SHUT_RD);
  connections_done_.wait_for(lock, std::chrono::seconds(5),
                             [&] { return open_connections_.empty(); });
  lock.unlock();
  for (int& fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

void HttpServer::acceptLoop(int listen_fd) {
  pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
  while (!stopping_) {
    int ready = ::poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      LOG_ERROR("poll on listening socket failed", {"err", std::strerror(errno)});
      return;
    }
    if (fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the client went away, or out of descriptors for now
    {
      std::lock_guard lock(connections_mutex_);
      if (stopping_ || open_connections_.size() >= options_.max_connections) {
        ::close(fd);
        continue;
      }
      open_connections_.insert(fd);
    }
    std::thread(&HttpServer::serveConnection, this, fd).detach();
  }
}

void HttpServer::serveConnection(int fd) {
  timeval timeout{kIdleTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int one = 1;
  // The head and body go out in one sendmsg, but a TLS record or a pipelined
  // reply must not wait for the client's delayed ACK either.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  {
    Connection connection(fd, tls_ ? tls_->ctx : nullptr);
    if (connection.handshake()) {
      std::string buffer;
      char chunk[8192];
      bool keep_alive = true;
      while (keep_alive && !stopping_) {
        std::size_t head_end;
        // A request's head must arrive within kHeadDeadline of its first
        // byte, so a client trickling bytes cannot hold a thread for ever.
        std::optional<std::chrono::steady_clock::time_point> head_started;
        if (!buffer.empty()) head_started = std::chrono::steady_clock::now();
        while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
          if (buffer.size() > kMaxHeadBytes) break;
          if (head_started && std::chrono::steady_clock::now() - *head_started > kHeadDeadline) {
            keep_alive = false;
            break;
          }
          ssize_t n = connection.read(chunk, sizeof chunk);
          if (n <= 0) {
            keep_alive = false;
            break;
          }
          if (!head_started) head_started = std::chrono::steady_clock::now();
          buffer.append(chunk, static_cast<std::size_t>(n));
        }
        if (!keep_alive) break;
        if (head_end != std::string::npos && head_end > kMaxHeadBytes) head_end = std::string::npos;
        HttpResponse response;
        HttpRequest request;
        std::optional<HttpRequest> parsed;
        if (head_end == std::string::npos) {
          response.status = 431;
          keep_alive = false;
        } else {
          parsed = parseRequestHead(std::string_view(buffer).substr(0, head_end + 2));
          if (!parsed) {
            response.status = 400;
            keep_alive = false;
          }
        }
        if (parsed) {
          request = std::move(*parsed);
          buffer.erase(0, head_end + 4);
          // Most routes take no body: one is discarded, bounded, to stay in
          // sync. A route that takes one (RouteOptions) gets it whole.
          const Route* route = findRoute(request.path);
          const bool takes_body = route && route->options.max_body_bytes > 0;
          const std::size_t limit = takes_body ? route->options.max_body_bytes : kMaxBodyBytes;
          std::string length_text = request.header("content-length");
          std::size_t body_length = 0;
          bool bad_length = false;
          if (!length_text.empty()) {
            char* end = nullptr;
            body_length = std::strtoull(length_text.c_str(), &end, 10);
            if (*end != '\0') bad_length = true;
          }
          if (bad_length) {
            response.status = 400;
            response.body = "invalid Content-Length\n";
            keep_alive = false;
          } else if (!request.header("transfer-encoding").empty()) {
            // Chunked bodies are not read (Alertmanager and Prometheus send
            // Content-Length); 411 asks for one.
            response.status = takes_body ? 411 : 413;
            keep_alive = false;
          } else if (body_length > limit) {
            response.status = takes_body ? route->options.oversize_status : 413;
            // Read and drop a body that is not too absurd, so the client,
            // still sending, gets the answer rather than a reset connection.
            if (takes_body && body_length <= kMaxDiscardBytes) {
              std::size_t left = body_length - std::min(body_length, buffer.size());
              buffer.clear();
              while (left > 0) {
                ssize_t n = connection.read(chunk, std::min(sizeof chunk, left));
                if (n <= 0) break;
                left -= static_cast<std::size_t>(n);
              }
            }
            if (takes_body) {
              response.body = "request body of " + std::to_string(body_length) +
                              " bytes exceeds the limit of " + std::to_string(limit) + " bytes\n";
            }
            keep_alive = false;
          } else {
            bool complete = true;
            while (buffer.size() < body_length) {
              ssize_t n = connection.read(chunk, sizeof chunk);
              if (n <= 0) {
                complete = false;
                break;
              }
              buffer.append(chunk, static_cast<std::size_t>(n));
            }
            if (!complete) break;  // the client went away mid-body: nothing to answer
            if (takes_body) request.body.assign(buffer, 0, body_length);
            buffer.erase(0, std::min(body_length, buffer.size()));
            std::string connection_header = lowercase(request.header("connection"));
            if (request.version == "HTTP/1.0") {
              keep_alive = connection_header == "keep-alive";
            } else {
              keep_alive = connection_header != "close";
            }
            response = respond(request);
          }
        }
        if (response.body.empty() && response.status != 200) {
          response.body = std::string(reasonPhrase(response.status)) + "\n";
        }
        bool gzipped = false;
        if (response.compressible &&
            request.header("accept-encoding").find("gzip") != std::string::npos) {
          std::string compressed = gzipCompress(response.body);
          if (!compressed.empty()) {
            response.body = std::move(compressed);
            gzipped = true;
          }
        }
        keep_alive = keep_alive && !stopping_;
        std::string head = renderHead(response, keep_alive, response.body.size(), gzipped);
        std::string_view body = request.method == "HEAD" ? std::string_view() : response.body;
        if (!connection.write(head, body)) break;
      }
    }
  }
  ::close(fd);
  std::lock_guard lock(connections_mutex_);
  open_connections_.erase(fd);
  connections_done_.notify_all();
}

HttpResponse HttpServer::respond(const HttpRequest& request) {
  HttpResponse response;
  const Route* route = findRoute(request.path);
  if (authenticator_ && !(route && route->options.own_auth) &&
      !authenticator_(request.header("authorization"))) {
    response.status = 401;
    response.headers.emplace_back("WWW-Authenticate", "Basic");
    return response;
  }
  if (!route) {
    response.status = 404;
    return response;
  }
  const auto& methods = route->options.methods;
  if (std::find(methods.begin(), methods.end(), request.method) == methods.end()) {
    response.status = 405;
    std::string allow;
    for (const std::string& method : methods) allow += (allow.empty() ? "" : ", ") + method;
    response.headers.emplace_back("Allow", allow);
    return response;
  }
  return route->handler(request);
}

std::string HttpServer::renderHead(const HttpResponse& response, bool keep_alive,
                                   std::size_t body_size, bool gzipped) const {
  std::string head;
  head.reserve(256);
  head += "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += reasonPhrase(response.status);
  head += "\r\nContent-Type: ";
  head += response.content_type;
  head += "\r\nContent-Length: ";
  head += std::to_string(body_size);
  head += "\r\nDate: ";
  head += httpDate();
  if (gzipped) head += "\r\nContent-Encoding: gzip";
  if (response.compressible) head += "\r\nVary: Accept-Encoding";
  if (!keep_alive) head += "\r\nConnection: close";
  for (const auto& [name, value] : response.headers) head += "\r\n" + name + ": " + value;
  for (const auto& [name, value] : options_.extra_headers) head += "\r\n" + name + ": " + value;
  head += "\r\n\r\n";
  return head;
}

}  // namespace runtime
