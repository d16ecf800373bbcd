#include "haproxy/http_fetch.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "hostfs/read.h"
#include "sockio/exchange.h"

namespace haproxy {
namespace {

using Clock = std::chrono::steady_clock;

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hexDigit(text[i + 1]) >= 0 &&
        hexDigit(text[i + 2]) >= 0) {
      out += static_cast<char>(hexDigit(text[i + 1]) * 16 + hexDigit(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

// Decodes a chunked body; nullopt-like failure as an empty optional string.
base::Expected<std::string, std::string> dechunk(std::string_view body) {
  std::string out;
  while (true) {
    auto line_end = body.find("\r\n");
    if (line_end == std::string_view::npos) return base::unexpected(std::string("truncated chunk"));
    std::string_view size_text = body.substr(0, line_end);
    auto semicolon = size_text.find(';');
    size_text = trim(size_text.substr(0, semicolon));
    std::size_t size = 0;
    auto [ptr, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || ptr != size_text.data() + size_text.size() || size_text.empty())
      return base::unexpected(std::string("malformed chunk size"));
    body.remove_prefix(line_end + 2);
    if (size == 0) return out;
    if (body.size() < size + 2) return base::unexpected(std::string("truncated chunk"));
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

using sockio::waitFor;

std::string sslError(const char* what) {
  unsigned long code = ERR_get_error();
  char buffer[256];
  if (code == 0) return what;
  ERR_error_string_n(code, buffer, sizeof(buffer));
  ERR_clear_error();
  return std::string(what) + ": " + buffer;
}

struct SslCtx {
  SSL_CTX* verify = nullptr;
  SSL_CTX* no_verify = nullptr;
};

// Built once, on the first https:// scrape: a plain-HTTP exporter never
// touches OpenSSL.
SSL_CTX* clientContext(bool verify) {
  static std::once_flag once;
  static SslCtx contexts;
  std::call_once(once, [] {
    for (bool v : {true, false}) {
      SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
      if (ctx == nullptr) continue;
      SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
      if (v) {
        SSL_CTX_set_default_verify_paths(ctx);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        contexts.verify = ctx;
      } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        contexts.no_verify = ctx;
      }
    }
  });
  return verify ? contexts.verify : contexts.no_verify;
}

class Connection {
 public:
  explicit Connection(int fd) : fd_(fd) {}
  ~Connection() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  base::Expected<bool, std::string> startTls(const HttpUrl& url, bool verify,
                                             Clock::time_point deadline) {
    SSL_CTX* ctx = clientContext(verify);
    if (ctx == nullptr) return base::unexpected(sslError("TLS context"));
    ssl_ = SSL_new(ctx);
    if (ssl_ == nullptr) return base::unexpected(sslError("TLS session"));
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, url.host.c_str());
    if (verify) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str()) != 1)
        X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
    }
    while (true) {
      int rc = SSL_connect(ssl_);
      if (rc == 1) return true;
      int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_WANT_READ && waitFor(fd_, POLLIN, deadline)) continue;
      if (err == SSL_ERROR_WANT_WRITE && waitFor(fd_, POLLOUT, deadline)) continue;
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return base::unexpected(std::string("TLS handshake timed out"));
      long verify_result = SSL_get_verify_result(ssl_);
      if (verify_result != X509_V_OK)
        return base::unexpected(std::string("TLS certificate: ") +
                                X509_verify_cert_error_string(verify_result));
      return base::unexpected(sslError("TLS handshake"));
    }
  }

  base::Expected<bool, std::string> writeAll(std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
      ssize_t n;
      if (ssl_ != nullptr) {
        int rc = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
        if (rc <= 0) {
          int err = SSL_get_error(ssl_, rc);
          if ((err == SSL_ERROR_WANT_WRITE && waitFor(fd_, POLLOUT, deadline)) ||
              (err == SSL_ERROR_WANT_READ && waitFor(fd_, POLLIN, deadline)))
            continue;
          return base::unexpected(err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE
                                      ? std::string("write timed out")
                                      : sslError("TLS write"));
        }
        n = rc;
      } else {
        n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n < 0) {
          if (errno == EINTR) continue;
          if ((errno == EAGAIN || errno == EWOULDBLOCK) && waitFor(fd_, POLLOUT, deadline))
            continue;
          return base::unexpected(errno == EAGAIN ? std::string("write timed out")
                                                  : std::string("write: ") + std::strerror(errno));
        }
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until the peer closes, the deadline or the bound.
  base::Expected<std::string, std::string> readAll(Clock::time_point deadline,
                                                   std::size_t max_bytes) {
    std::string out;
    char buffer[32768];
    while (true) {
      ssize_t n;
      if (ssl_ != nullptr) {
        int rc = SSL_read(ssl_, buffer, sizeof(buffer));
        if (rc <= 0) {
          int err = SSL_get_error(ssl_, rc);
          if (err == SSL_ERROR_ZERO_RETURN) return out;
          if ((err == SSL_ERROR_WANT_READ && waitFor(fd_, POLLIN, deadline)) ||
              (err == SSL_ERROR_WANT_WRITE && waitFor(fd_, POLLOUT, deadline)))
            continue;
          if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
            return base::unexpected(std::string("no complete answer within the timeout"));
          // A peer that closes without close_notify: what came is the answer.
          if (err == SSL_ERROR_SYSCALL) return out;
          return base::unexpected(sslError("TLS read"));
        }
        n = rc;
      } else {
        n = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (n == 0) return out;
        if (n < 0) {
          if (errno == EINTR) continue;
          if ((errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (waitFor(fd_, POLLIN, deadline)) continue;
            return base::unexpected(std::string("no complete answer within the timeout"));
          }
          return base::unexpected(std::string("read: ") + std::strerror(errno));
        }
      }
      out.append(buffer, static_cast<std::size_t>(n));
      if (out.size() > max_bytes)
        return base::unexpected("answer larger than " + std::to_string(max_bytes) + " bytes");
    }
  }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
};

std::string describe(const HttpUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  return std::string(url.tls ? "https://" : "http://") + host + ":" + std::to_string(url.port) +
         url.target;
}

}  // namespace

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) |
                 (static_cast<unsigned char>(data[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

base::Expected<HttpUrl, std::string> parseHttpUrl(const std::string& text) {
  HttpUrl url;
  std::string_view rest = text;
  if (rest.starts_with("https://")) {
    url.tls = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return base::unexpected(std::string("not an http:// or https:// URL"));
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    url.username = percentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) url.password = percentDecode(userinfo.substr(colon + 1));
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return base::unexpected(std::string("unclosed [ in host"));
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (after.starts_with(":"))
      port_text = after.substr(1);
    else if (!after.empty())
      return base::unexpected(std::string("text after the IPv6 address"));
  } else {
    auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return base::unexpected(std::string("no host"));
  url.port = url.tls ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535)
      return base::unexpected(std::string("bad port"));
    url.port = port;
  }
  return url;
}

base::Expected<HttpAnswer, std::string> parseHttpResponse(std::string_view raw) {
  auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string_view::npos)
    return base::unexpected(std::string("incomplete HTTP response head"));
  std::string_view head = raw.substr(0, head_end);
  std::string_view body = raw.substr(head_end + 4);
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1."))
    return base::unexpected(std::string("not an HTTP/1.x response"));
  auto space = status_line.find(' ');
  HttpAnswer answer;
  if (space == std::string_view::npos || status_line.size() < space + 4)
    return base::unexpected(std::string("malformed status line"));
  std::string_view code = status_line.substr(space + 1, 3);
  auto [ptr, ec] = std::from_chars(code.data(), code.data() + 3, answer.status);
  if (ec != std::errc() || ptr != code.data() + 3)
    return base::unexpected(std::string("malformed status code"));
  bool chunked = false;
  std::optional<std::size_t> length;
  std::string_view headers =
      line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!headers.empty()) {
    auto end = headers.find("\r\n");
    std::string_view line = headers.substr(0, end);
    headers = end == std::string_view::npos ? std::string_view() : headers.substr(end + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "transfer-encoding") && value.find("chunked") != std::string_view::npos)
      chunked = true;
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (e == std::errc() && p == value.data() + value.size()) length = n;
    }
  }
  if (chunked) {
    auto decoded = dechunk(body);
    if (!decoded) return base::unexpected(decoded.error());
    answer.body = std::move(*decoded);
  } else if (length) {
    if (body.size() < *length)
      return base::unexpected("body shorter than its Content-Length (" +
                              std::to_string(body.size()) + " of " + std::to_string(*length) +
                              " bytes)");
    answer.body = std::string(body.substr(0, *length));
  } else {
    answer.body = std::string(body);
  }
  return answer;
}

base::Expected<HttpAnswer, std::string> httpGet(const HttpUrl& url,
                                                const HttpFetchOptions& options) {
  const std::string name = describe(url);
  auto fail = [&](const std::string& what) { return base::unexpected(name + ": " + what); };
  std::string username = options.username.empty() ? url.username : options.username;
  std::string password = url.password;
  if (!options.password_file.empty()) {
    auto secret = hostfs::readFile(options.password_file, 64 << 10);
    if (!secret) return base::unexpected(secret.error().message());
    password = *secret;
    while (!password.empty() &&
           (password.back() == '\n' || password.back() == '\r' || password.back() == ' '))
      password.pop_back();
  }
  const auto deadline = Clock::now() + options.timeout;
  sockio::Endpoint endpoint{sockio::Endpoint::Kind::tcp, {}, url.host, url.port};
  auto fd = sockio::connectTo(endpoint, deadline);
  if (!fd) return base::unexpected(fd.error().message);
  Connection connection(*fd);
  if (url.tls) {
    auto started = connection.startTls(url, options.verify_tls, deadline);
    if (!started) return fail(started.error());
  }
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  // HTTP/1.0 and Connection: close: the answer ends when the peer closes,
  // without chunking (HAProxy's stats applet honours both).
  std::string request = "GET " + url.target + " HTTP/1.0\r\nHost: " + host +
                        "\r\nUser-Agent: tern-haproxy\r\nAccept: */*\r\nConnection: close\r\n";
  if (!username.empty() || !password.empty())
    request += "Authorization: Basic " + base64(username + ":" + password) + "\r\n";
  request += "\r\n";
  auto written = connection.writeAll(request, deadline);
  if (!written) return fail(written.error());
  auto raw = connection.readAll(deadline, options.max_bytes);
  if (!raw) return fail(raw.error());
  auto answer = parseHttpResponse(*raw);
  if (!answer) return fail(answer.error());
  return answer;
}

}  // namespace haproxy
