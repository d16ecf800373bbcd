// The tcp prober with TLS: a connect with a deadline, then an OpenSSL
// handshake (SNI, verification against the system store or ca_file, host name
// checked by OpenSSL's SSL_set1_host) and the peer and verified chains.

#include <fcntl.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <memory>
#include <mutex>

#include "dnscheck/probe/common.h"
#include "dnscheck/probe/probe.h"

namespace dnscheck::probe {

namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

bool connectWithin(int fd, const ResolvedTarget& target, Clock::time_point deadline) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&target.address), target.length) != 0) {
    if (errno != EINPROGRESS) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd waiting{fd, POLLOUT, 0};
    if (left.count() <= 0 || poll(&waiting, 1, static_cast<int>(left.count())) != 1) return false;
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) return false;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return true;
}

void setIoTimeout(int fd, Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  if (left.count() < 1000) left = std::chrono::microseconds(1000);
  timeval tv{static_cast<time_t>(left.count() / 1'000'000),
             static_cast<suseconds_t>(left.count() % 1'000'000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Loading the system's CA store costs tens of milliseconds of CPU: one
// context per TLS configuration, kept for the process's life.
std::shared_ptr<SSL_CTX> clientContext(const TlsConfig& tls) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<SSL_CTX>> contexts;
  const std::string key = tls.ca_file + '\n' + tls.cert_file + '\n' + tls.key_file + '\n' +
                          (tls.insecure_skip_verify ? "insecure" : "verify");
  std::lock_guard lock(mutex);
  if (auto found = contexts.find(key); found != contexts.end()) return found->second;
  std::shared_ptr<SSL_CTX> context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (!context) return nullptr;
  if (!tls.insecure_skip_verify) {
    if (!tls.ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(context.get(), tls.ca_file.c_str(), nullptr) != 1)
        return nullptr;
    } else {
      SSL_CTX_set_default_verify_paths(context.get());
    }
  }
  if (!tls.cert_file.empty() &&
      (SSL_CTX_use_certificate_chain_file(context.get(), tls.cert_file.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(context.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1))
    return nullptr;
  contexts[key] = context;
  return context;
}

}  // namespace

bool probeTcp(const TcpModule& module, const std::string& target, std::chrono::milliseconds timeout,
              runtime::MetricSink& sink) {
  const Clock::time_point deadline = Clock::now() + timeout;
  sink.gauge("probe_failed_due_to_regex", "Indicates if probe failed due to regex", 0);
  std::string host;
  std::uint16_t port = 0;
  if (!splitHostPort(target, 0, host, port) || port == 0) return false;
  auto resolved = resolveTarget(host, port, module.preferred_ip_protocol,
                                module.ip_protocol_fallback, sink, nullptr);
  if (!resolved) return false;
  Fd socket_fd{socket(resolved->address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (socket_fd.fd < 0 || !connectWithin(socket_fd.fd, *resolved, deadline)) return false;
  if (!module.tls) return true;

  const TlsConfig& tls = module.tls_config;
  std::shared_ptr<SSL_CTX> context = clientContext(tls);
  if (!context) return false;
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(context.get()), SSL_free);
  const std::string name = tls.server_name.empty() ? host : tls.server_name;
  SSL_set_tlsext_host_name(ssl.get(), name.c_str());
  if (!tls.insecure_skip_verify) {
    SSL_set_verify(ssl.get(), SSL_VERIFY_PEER, nullptr);
    SSL_set1_host(ssl.get(), name.c_str());
  }
  SSL_set_fd(ssl.get(), socket_fd.fd);
  setIoTimeout(socket_fd.fd, deadline);
  const bool handshaken = SSL_connect(ssl.get()) == 1;
  ERR_clear_error();
  if (!handshaken) return false;

  std::vector<CertificateInfo> chain;
  if (STACK_OF(X509)* peer = SSL_get_peer_cert_chain(ssl.get())) {
    for (int i = 0; i < sk_X509_num(peer); ++i)
      chain.push_back(describeCertificate(sk_X509_value(peer, i)));
  }
  std::optional<double> verified;
  if (!tls.insecure_skip_verify) {
    if (STACK_OF(X509)* path = SSL_get0_verified_chain(ssl.get())) {
      for (int i = 0; i < sk_X509_num(path); ++i) {
        double expiry = describeCertificate(sk_X509_value(path, i)).not_after;
        verified = verified ? std::min(*verified, expiry) : expiry;
      }
    }
  }
  addTlsSeries(sink, chain, verified, SSL_get_version(ssl.get()));
  SSL_shutdown(ssl.get());
  return true;
}

}  // namespace dnscheck::probe
