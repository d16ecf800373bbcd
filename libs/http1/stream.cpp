#include "http1/stream.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

namespace http1 {
namespace {

using sockio::waitFor;

std::string sslError(const char* what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof(buffer));
  return std::string(what) + ": " + buffer;
}

// The system's trust store. Its bundle file (Debian: 140 certificates) would
// be parsed whole into every context, about 1 MB; the hashed directory beside
// it (c_rehash links, as ca-certificates makes them) is read lazily, only the
// issuers a server's chain needs. The bundle is used when SSL_CERT_FILE asks
// for it or the directory has no hash links.
void useSystemTrustStore(SSL_CTX* context) {
  if (std::getenv(X509_get_default_cert_file_env()) == nullptr) {
    const char* env_dir = std::getenv(X509_get_default_cert_dir_env());
    const std::string dir = env_dir != nullptr ? env_dir : X509_get_default_cert_dir();
    bool hashed = false;
    if (DIR* listing = opendir(dir.c_str())) {
      while (dirent* entry = readdir(listing)) {
        const std::string_view name = entry->d_name;
        if (name.size() == 10 && name.ends_with(".0") &&
            name.find_first_not_of("0123456789abcdef") == 8) {
          hashed = true;
          break;
        }
      }
      closedir(listing);
    }
    if (hashed && SSL_CTX_load_verify_dir(context, dir.c_str()) == 1) return;
    ERR_clear_error();
  }
  SSL_CTX_set_default_verify_paths(context);
}

// One context per TLS configuration, for the process's life.
base::Expected<SSL_CTX*, std::string> clientContext(const TlsOptions& options) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>> contexts;
  const std::string key = options.ca_file + '\n' + options.cert_file + '\n' + options.key_file +
                          '\n' + (options.insecure_skip_verify ? "insecure" : "verify");
  std::lock_guard lock(mutex);
  if (auto found = contexts.find(key); found != contexts.end()) return found->second.get();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            SSL_CTX_free);
  if (!context) return base::unexpected(sslError("TLS context"));
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  if (options.insecure_skip_verify) {
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    if (!options.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(context.get(), options.ca_file.c_str(), nullptr) != 1)
        return base::unexpected(sslError(("CA file " + options.ca_file).c_str()));
    } else {
      useSystemTrustStore(context.get());
    }
  }
  if (!options.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(context.get(), options.cert_file.c_str()) != 1)
      return base::unexpected(sslError(("certificate " + options.cert_file).c_str()));
    if (SSL_CTX_use_PrivateKey_file(context.get(), options.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return base::unexpected(sslError(("key " + options.key_file).c_str()));
  }
  SSL_CTX* raw = context.get();
  contexts.emplace(key, std::move(context));
  return raw;
}

bool isIpAddress(const std::string& name) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

}  // namespace

base::Expected<Stream, std::string> Stream::connect(const std::string& host, int port,
                                                    Clock::time_point deadline) {
  sockio::Endpoint endpoint{sockio::Endpoint::Kind::tcp, {}, host, port};
  auto fd = sockio::connectTo(endpoint, deadline);
  if (!fd) return base::unexpected(fd.error().message);
  return Stream(*fd);
}

Stream::Stream(Stream&& other) noexcept : fd_(other.fd_.release()), ssl_(other.ssl_) {
  other.ssl_ = nullptr;
}

Stream& Stream::operator=(Stream&& other) noexcept {
  if (this != &other) {
    if (ssl_ != nullptr) SSL_free(ssl_);
    fd_.reset(other.fd_.release());
    ssl_ = other.ssl_;
    other.ssl_ = nullptr;
  }
  return *this;
}

Stream::~Stream() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

base::Expected<bool, std::string> Stream::startTls(const TlsOptions& options,
                                                   const std::string& name,
                                                   Clock::time_point deadline) {
  auto context = clientContext(options);
  if (!context) return base::unexpected(context.error());
  ssl_ = SSL_new(*context);
  if (ssl_ == nullptr) return base::unexpected(sslError("TLS session"));
  SSL_set_fd(ssl_, fd_.get());
  const bool ip = isIpAddress(name);
  if (!ip) SSL_set_tlsext_host_name(ssl_, name.c_str());  // SNI carries names only
  if (!options.insecure_skip_verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (ip)
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  while (true) {
    const int rc = SSL_connect(ssl_);
    if (rc == 1) return true;
    const int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ && waitFor(fd_.get(), POLLIN, deadline)) continue;
    if (err == SSL_ERROR_WANT_WRITE && waitFor(fd_.get(), POLLOUT, deadline)) continue;
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
      return base::unexpected(std::string("TLS handshake timed out"));
    const long verified = SSL_get_verify_result(ssl_);
    if (verified != X509_V_OK) {
      ERR_clear_error();
      return base::unexpected(std::string("TLS certificate: ") +
                              X509_verify_cert_error_string(verified));
    }
    return base::unexpected(sslError("TLS handshake"));
  }
}

base::Expected<bool, std::string> Stream::writeAll(std::string_view data,
                                                   Clock::time_point deadline) {
  while (!data.empty()) {
    std::size_t written = 0;
    if (ssl_ != nullptr) {
      const int rc = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      if (rc <= 0) {
        const int err = SSL_get_error(ssl_, rc);
        if ((err == SSL_ERROR_WANT_WRITE && waitFor(fd_.get(), POLLOUT, deadline)) ||
            (err == SSL_ERROR_WANT_READ && waitFor(fd_.get(), POLLIN, deadline)))
          continue;
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
          return base::unexpected(std::string("write timed out"));
        return base::unexpected(sslError("TLS write"));
      }
      written = static_cast<std::size_t>(rc);
    } else {
      const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          if (waitFor(fd_.get(), POLLOUT, deadline)) continue;
          return base::unexpected(std::string("write timed out"));
        }
        return base::unexpected(std::string("write: ") + std::strerror(errno));
      }
      written = static_cast<std::size_t>(n);
    }
    data.remove_prefix(written);
  }
  return true;
}

base::Expected<std::size_t, std::string> Stream::readSome(char* buffer, std::size_t size,
                                                          Clock::time_point deadline) {
  while (true) {
    if (ssl_ != nullptr) {
      const int rc = SSL_read(ssl_, buffer, static_cast<int>(size));
      if (rc > 0) return static_cast<std::size_t>(rc);
      const int err = SSL_get_error(ssl_, rc);
      if (err == SSL_ERROR_ZERO_RETURN) return std::size_t{0};
      if ((err == SSL_ERROR_WANT_READ && waitFor(fd_.get(), POLLIN, deadline)) ||
          (err == SSL_ERROR_WANT_WRITE && waitFor(fd_.get(), POLLOUT, deadline)))
        continue;
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
        return base::unexpected(std::string("no complete answer within the timeout"));
      // A peer that closes without close_notify: the end of the answer.
      if (err == SSL_ERROR_SYSCALL) {
        ERR_clear_error();
        return std::size_t{0};
      }
      return base::unexpected(sslError("TLS read"));
    }
    const ssize_t n = ::recv(fd_.get(), buffer, size, 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (waitFor(fd_.get(), POLLIN, deadline)) continue;
      return base::unexpected(std::string("no complete answer within the timeout"));
    }
    return base::unexpected(std::string("read: ") + std::strerror(errno));
  }
}

void Stream::close() {
  if (ssl_ != nullptr) {
    SSL_shutdown(ssl_);
    ERR_clear_error();
  }
  fd_.reset();
}

}  // namespace http1
