#pragma once
// Pieces every prober shares: resolving the target the way blackbox does
// (preferred IP protocol, fallback, the lookup timed), and reading
// certificates for the probe_ssl_* series.

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dnscheck/probe/module.h"
#include "http1/stream.h"
#include "runtime/metrics.h"

typedef struct x509_st X509;
typedef struct ssl_st SSL;

namespace dnscheck::probe {

struct ResolvedTarget {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string ip;  // printed
};

// Resolves `host` to one address of the preferred protocol (or any, with
// `fallback`), timing the lookup. No metrics: redirects use it directly.
std::optional<ResolvedTarget> lookupAddress(const std::string& host, std::uint16_t port,
                                            IpProtocol preferred, bool fallback,
                                            double* lookup_seconds);

// Resolves `host`, emitting probe_dns_lookup_time_seconds, probe_ip_protocol
// and probe_ip_addr_hash as blackbox does. nullopt when it cannot.
std::optional<ResolvedTarget> resolveTarget(const std::string& host, std::uint16_t port,
                                            IpProtocol preferred, bool fallback,
                                            runtime::MetricSink& sink, double* lookup_seconds);

// FNV-1a (32 bits) over the address bytes (4 for IPv4, 16 for IPv6).
std::uint32_t ipAddressHash(const sockaddr_storage& address);

struct CertificateInfo {
  double not_after = 0;            // Unix seconds
  std::string fingerprint_sha256;  // hex
  std::string subject;             // RFC 2253
  std::string issuer;
  std::string dns_names;  // comma-separated subjectAltName DNS names
};
CertificateInfo describeCertificate(X509* certificate);

// What a TLS handshake showed: the peer's chain, the earliest expiry in the
// verified chain (nullopt when nothing was verified, insecure_skip_verify),
// and the version as OpenSSL names it.
struct TlsSession {
  std::vector<CertificateInfo> chain;
  std::optional<double> last_chain_expiry;
  std::string version;
};
TlsSession describeSession(SSL* ssl, bool verified);

// "TLSv1.3" (OpenSSL) -> "TLS 1.3" (blackbox, from Go's names).
std::string tlsVersionName(const std::string& openssl_name);

// The probe_ssl_* and probe_tls_version_info series of a session. Without a
// verified chain blackbox writes Go's zero time, -62135596800, as the last
// chain's expiry.
void addTlsSeries(runtime::MetricSink& sink, const TlsSession& session);

// A module's tls_config as the HTTP/TLS client takes it.
http1::TlsOptions tlsOptions(const TlsConfig& tls);

// Splits "host:port", "[v6]:port"; port defaults to `default_port`.
bool splitHostPort(const std::string& text, std::uint16_t default_port, std::string& host,
                   std::uint16_t& port);

}  // namespace dnscheck::probe
