#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "httpclient/client.h"
#include "support/temp_tree.h"

// TLS options against a real TLS server on 127.0.0.1 (OpenSSL, in a thread).
// The test PKI (EC P-256, valid until 2126) was made with the openssl CLI:
// a CA, a server certificate for DNS:loki.test, a client certificate.

namespace {

constexpr const char* kCaCert = R"(-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIURbXaBbY9CmXeSKt9na1cahfyOEUwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMdGVybiB0ZXN0IENBMCAXDTI2MTEyMTExMjA0MVoYDzIxMjYx
MDI4MTEyMDQxWjAXMRUwEwYDVQQDDAx0ZXJuIHRlc3QgQ0EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARcCLRwB/vSZrHd7axMSbFHe+WpcmLI3LeV5pX5V3ar8fku
bJYxh/UUXwrLlyTqENl0+i8ZkxN7DmcdXi93pl8Co1MwUTAdBgNVHQ4EFgQUQCjx
sb/HAqjavPapviqOPuCihzMwHwYDVR0jBBgwFoAUQCjxsb/HAqjavPapviqOPuCi
hzMwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA/JCAQ8HWE5fL
EZUbpZTd6fEUv9bLx9AC+cnwiKCmZqoCIBKrawI4adrzqTwQbCrWsPwTY8/PyEW3
+alPtyjg6D5T
-----END CERTIFICATE-----
)";
constexpr const char* kServerCert = R"(-----BEGIN CERTIFICATE-----
MIIBnDCCAUKgAwIBAgIUCZv+TQarabkZSBXYpJZo37ZAf1swCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMdGVybiB0ZXN0IENBMCAXDTI2MTEyMTExMjA0MVoYDzIxMjYx
MDI4MTEyMDQxWjAUMRIwEAYDVQQDDAlsb2tpLnRlc3QwWTATBgcqhkjOPQIBBggq
hkjOPQMBBwNCAAQVQEvTxQcK3n02flwONOXmSZtcl777PvKd4zUFx78/555ZQMOV
OMOXss+FWmZCI9cxf7cqqOlitHLg6ATz4zUno20wazAUBgNVHREEDTALgglsb2tp
LnRlc3QwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYEFL4ahxNPVduuNJxm
VhHPm/gp3hn5MB8GA1UdIwQYMBaAFEAo8bG/xwKo2rz2qb4qjj7gooczMAoGCCqG
SM49BAMCA0gAMEUCIAo4E596fHf1GlJOmPf+5Xkeh8PQsH5suZwpQq/Y6N2yAiEA
gxIqg3GEh3jhuarQ/r0VAbgc4icLV4ClB1/v3/DlySs=
-----END CERTIFICATE-----
)";
constexpr const char* kServerKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkanhZlavN/meXNxG
cXZwPYsQ0gU8eaqh5ADSSHFzZbahRANCAAQVQEvTxQcK3n02flwONOXmSZtcl777
PvKd4zUFx78/555ZQMOVOMOXss+FWmZCI9cxf7cqqOlitHLg6ATz4zUn
-----END PRIVATE KEY-----
)";
constexpr const char* kClientCert = R"(-----BEGIN CERTIFICATE-----
MIIBiTCCAS6gAwIBAgIUCZv+TQarabkZSBXYpJZo37ZAf1wwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMdGVybiB0ZXN0IENBMCAXDTI2MTEyMTExMjA0MVoYDzIxMjYx
MDI4MTEyMDQxWjAWMRQwEgYDVQQDDAt0ZXJuIGNsaWVudDBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABOUZ3x8qYnoV5wgJZ8Nhu08fVcL+NQZGb2zAcsTZoFPOei4t
m/G9Tb15kDuqbjTl1FCIv+3m//Yrb4M5XTQacq6jVzBVMBMGA1UdJQQMMAoGCCsG
AQUFBwMCMB0GA1UdDgQWBBTEAqW9f9g7DEIUKxLVjfT1lTi73jAfBgNVHSMEGDAW
gBRAKPGxv8cCqNq89qm+Ko4+4KKHMzAKBggqhkjOPQQDAgNJADBGAiEA767m7biT
8vrcOu7IE/N58SPyAn2DQiQITQOZ2++FIjECIQDwYySCKDbS6sMyEkINsp/NbLiH
SyoJK4fiEDvTlbq06w==
-----END CERTIFICATE-----
)";
constexpr const char* kClientKey = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg389KCvMAjxXizsID
UC7oXbGKzSL1zXKDunWOHUtGM02hRANCAATlGd8fKmJ6FecICWfDYbtPH1XC/jUG
Rm9swHLE2aBTznouLZvxvU29eZA7qm405dRQiL/t5v/2K2+DOV00GnKu
-----END PRIVATE KEY-----
)";

// Answers each connection that completes a handshake with 200 "ok", recording
// the SNI name and whether the client presented a certificate.
class TlsServer {
 public:
  TlsServer(const testsupport::TempTree& tree, bool require_client_cert) {
    context_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(SSL_CTX_use_certificate_chain_file(context_, tree.path("server.crt").c_str()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(context_, tree.path("server.key").c_str(),
                                        SSL_FILETYPE_PEM) == 1);
    if (require_client_cert) {
      REQUIRE(SSL_CTX_load_verify_locations(context_, tree.path("ca.crt").c_str(), nullptr) == 1);
      SSL_CTX_set_verify(context_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(listen_fd_, 8) == 0);
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TlsServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
    SSL_CTX_free(context_);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/push"; }
  std::string sni() const {
    std::lock_guard lock(mutex_);
    return sni_;
  }
  bool clientCertSeen() const { return client_cert_seen_; }

 private:
  void run() {
    // Writing to a client that gave up (a rejected certificate) raises
    // SIGPIPE; this thread never wants it, and a blocked one dies with it.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    while (!stop_) {
      pollfd fd{listen_fd_, POLLIN, 0};
      if (::poll(&fd, 1, 10) <= 0) continue;
      int peer = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (peer < 0) continue;
      timeval timeout{2, 0};
      ::setsockopt(peer, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      SSL* ssl = SSL_new(context_);
      SSL_set_fd(ssl, peer);
      if (SSL_accept(ssl) == 1) {
        if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
          std::lock_guard lock(mutex_);
          sni_ = name;
        }
        if (X509* cert = SSL_get1_peer_certificate(ssl)) {
          client_cert_seen_ = true;
          X509_free(cert);
        }
        std::string request;
        char buffer[4096];
        int n;
        while (request.find("\r\n\r\n") == std::string::npos &&
               (n = SSL_read(ssl, buffer, sizeof(buffer))) > 0)
          request.append(buffer, static_cast<std::size_t>(n));
        std::string_view answer =
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
      ::close(peer);
    }
  }

  SSL_CTX* context_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> client_cert_seen_{false};
  mutable std::mutex mutex_;
  std::string sni_;
  std::thread thread_;
};

struct Pki {
  testsupport::TempTree tree;
  Pki() {
    tree.write("ca.crt", kCaCert);
    tree.write("server.crt", kServerCert);
    tree.write("server.key", kServerKey);
    tree.write("client.crt", kClientCert);
    tree.write("client.key", kClientKey);
  }
};

httpclient::Options tlsOptions(const Pki& pki) {
  httpclient::Options options;
  options.timeout = std::chrono::milliseconds(2000);
  options.tls.ca_file = pki.tree.path("ca.crt");
  return options;
}

}  // namespace

TEST_CASE("httpclient TLS: server_name verifies the certificate and is sent as SNI") {
  Pki pki;
  TlsServer server(pki.tree, false);
  auto options = tlsOptions(pki);
  options.tls.server_name = "loki.test";
  httpclient::Client client(options);
  auto response = client.get(server.url());
  REQUIRE_MESSAGE(response, (response ? "" : response.error().message));
  CHECK(response->status == 200);
  CHECK(response->body == "ok");
  CHECK(server.sni() == "loki.test");
}

TEST_CASE("httpclient TLS: a certificate for another name fails, unless verification is off") {
  Pki pki;
  TlsServer server(pki.tree, false);
  {
    httpclient::Client client(tlsOptions(pki));  // 127.0.0.1 is not loki.test
    auto response = client.get(server.url());
    REQUIRE_FALSE(response);
    CHECK_FALSE(response.error().timed_out);
  }
  {
    httpclient::Options options;  // no CA either: the system store does not know ours
    options.tls.insecure_skip_verify = true;
    httpclient::Client client(options);
    auto response = client.get(server.url());
    REQUIRE_MESSAGE(response, (response ? "" : response.error().message));
    CHECK(response->body == "ok");
  }
}

TEST_CASE("httpclient TLS: a client certificate when the server requires one") {
  Pki pki;
  TlsServer server(pki.tree, true);
  auto options = tlsOptions(pki);
  options.tls.server_name = "loki.test";
  {
    httpclient::Client client(options);
    CHECK_FALSE(client.get(server.url()));
  }
  options.tls.cert_file = pki.tree.path("client.crt");
  options.tls.key_file = pki.tree.path("client.key");
  httpclient::Client client(options);
  auto response = client.get(server.url());
  REQUIRE_MESSAGE(response, (response ? "" : response.error().message));
  CHECK(response->body == "ok");
  CHECK(server.clientCertSeen());
}
