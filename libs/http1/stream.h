#pragma once
// A client byte stream with a deadline on every step: TCP from sockio's
// connect, optionally wrapped in TLS by OpenSSL (the static archives every
// exporter links; see libs/CMakeLists.txt). Used by the HTTP client and by
// probes that speak TLS themselves (tern-dnscheck's tcp prober).
//
// TLS: SNI and verification against the server name (a DNS name or an IP
// address), the system's CA store or a given bundle, an optional client
// certificate, TLS 1.2 at least. Contexts are built once per configuration
// and kept: loading the system's CA store costs tens of milliseconds.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "base/expected.h"
#include "sockio/exchange.h"

typedef struct ssl_st SSL;

namespace http1 {

using Clock = std::chrono::steady_clock;

struct TlsOptions {
  std::string ca_file;    // PEM bundle; empty: the system's store
  std::string cert_file;  // client certificate (PEM), with key_file
  std::string key_file;
  // The name sent as SNI and expected in the certificate, when it is not
  // the host connected to.
  std::string server_name;
  bool insecure_skip_verify = false;
};

class Stream {
 public:
  // Connects to host:port (a name is resolved by the system's resolver; a
  // numeric address is used as is).
  static base::Expected<Stream, std::string> connect(const std::string& host, int port,
                                                     Clock::time_point deadline);
  Stream(Stream&& other) noexcept;
  Stream& operator=(Stream&& other) noexcept;
  ~Stream();

  // The TLS handshake; `name` is the SNI and the name verified. Errors say
  // why (a certificate problem in OpenSSL's words, a timeout).
  base::Expected<bool, std::string> startTls(const TlsOptions& options, const std::string& name,
                                             Clock::time_point deadline);
  base::Expected<bool, std::string> writeAll(std::string_view data, Clock::time_point deadline);
  // Some bytes into `buffer`; 0 when the peer has closed.
  base::Expected<std::size_t, std::string> readSome(char* buffer, std::size_t size,
                                                    Clock::time_point deadline);
  // A polite TLS close_notify (no wait for the peer's).
  void close();

  int fd() const { return fd_.get(); }
  // The TLS session after startTls (peer and verified chains, version), or
  // nullptr on plain TCP.
  SSL* ssl() const { return ssl_; }

 private:
  explicit Stream(int fd) : fd_(fd) {}
  sockio::Fd fd_;
  SSL* ssl_ = nullptr;
};

}  // namespace http1
