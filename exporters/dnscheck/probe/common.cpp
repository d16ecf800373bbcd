#include "dnscheck/probe/common.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <charconv>
#include <cstring>
#include <ctime>
#include <memory>

namespace dnscheck::probe {

namespace {
using Clock = std::chrono::steady_clock;
}

std::uint32_t ipAddressHash(const sockaddr_storage& address) {
  const unsigned char* bytes = nullptr;
  std::size_t size = 0;
  if (address.ss_family == AF_INET) {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in&>(address).sin_addr);
    size = 4;
  } else {
    bytes = reinterpret_cast<const unsigned char*>(
        &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr);
    size = 16;
  }
  std::uint32_t hash = 2166136261u;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 16777619u;
  }
  return hash;
}

std::optional<ResolvedTarget> lookupAddress(const std::string& host, std::uint16_t port,
                                            IpProtocol preferred, bool fallback,
                                            double* lookup_seconds) {
  const auto start = Clock::now();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* found = nullptr;
  const int status = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  if (lookup_seconds != nullptr)
    *lookup_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (status != 0) return std::nullopt;
  const int wanted = preferred == IpProtocol::ip4 ? AF_INET : AF_INET6;
  const addrinfo* chosen = nullptr;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_family == wanted) {
      chosen = entry;
      break;
    }
  }
  if (chosen == nullptr && fallback) {
    for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      if (entry->ai_family == AF_INET || entry->ai_family == AF_INET6) {
        chosen = entry;
        break;
      }
    }
  }
  if (chosen == nullptr) return std::nullopt;
  ResolvedTarget target;
  std::memcpy(&target.address, chosen->ai_addr, chosen->ai_addrlen);
  target.length = chosen->ai_addrlen;
  char text[INET6_ADDRSTRLEN] = {};
  if (chosen->ai_family == AF_INET) {
    auto& v4 = reinterpret_cast<sockaddr_in&>(target.address);
    v4.sin_port = htons(port);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
  } else {
    auto& v6 = reinterpret_cast<sockaddr_in6&>(target.address);
    v6.sin6_port = htons(port);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
  }
  target.ip = text;
  return target;
}

std::optional<ResolvedTarget> resolveTarget(const std::string& host, std::uint16_t port,
                                            IpProtocol preferred, bool fallback,
                                            runtime::MetricSink& sink, double* lookup_seconds) {
  double seconds = 0;
  auto target = lookupAddress(host, port, preferred, fallback, &seconds);
  if (lookup_seconds != nullptr) *lookup_seconds = seconds;
  sink.gauge("probe_dns_lookup_time_seconds",
             "Returns the time taken for probe dns lookup in seconds", seconds);
  auto& protocol =
      sink.gauge("probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6");
  if (!target) {
    runtime::addSample(protocol, 0);
    return std::nullopt;
  }
  runtime::addSample(protocol, target->address.ss_family == AF_INET ? 4 : 6);
  sink.gauge("probe_ip_addr_hash",
             "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
             ipAddressHash(target->address));
  return target;
}

namespace {
std::string nameText(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size > 0 ? size : 0);
}
}  // namespace

CertificateInfo describeCertificate(X509* certificate) {
  CertificateInfo info;
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &tm) == 1)
    info.not_after = static_cast<double>(timegm(&tm));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &size) == 1) {
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < size; ++i) {
      info.fingerprint_sha256 += hex[digest[i] >> 4];
      info.fingerprint_sha256 += hex[digest[i] & 15];
    }
  }
  info.subject = nameText(X509_get_subject_name(certificate));
  info.issuer = nameText(X509_get_issuer_name(certificate));
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type != GEN_DNS) continue;
      const ASN1_IA5STRING* dns = name->d.dNSName;
      if (!info.dns_names.empty()) info.dns_names += ",";
      info.dns_names.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                            ASN1_STRING_length(dns));
    }
    GENERAL_NAMES_free(names);
  }
  return info;
}

TlsSession describeSession(SSL* ssl, bool verified) {
  TlsSession session;
  if (STACK_OF(X509)* peer = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(peer); ++i)
      session.chain.push_back(describeCertificate(sk_X509_value(peer, i)));
  }
  if (verified) {
    if (STACK_OF(X509)* path = SSL_get0_verified_chain(ssl)) {
      for (int i = 0; i < sk_X509_num(path); ++i) {
        const double expiry = describeCertificate(sk_X509_value(path, i)).not_after;
        session.last_chain_expiry =
            session.last_chain_expiry ? std::min(*session.last_chain_expiry, expiry) : expiry;
      }
    }
  }
  session.version = SSL_get_version(ssl);
  return session;
}

std::string tlsVersionName(const std::string& name) {
  if (name == "TLSv1.3") return "TLS 1.3";
  if (name == "TLSv1.2") return "TLS 1.2";
  if (name == "TLSv1.1") return "TLS 1.1";
  if (name == "TLSv1" || name == "TLSv1.0") return "TLS 1.0";
  return name;
}

void addTlsSeries(runtime::MetricSink& sink, const TlsSession& session) {
  const std::vector<CertificateInfo>& chain = session.chain;
  if (chain.empty()) return;
  double earliest = chain.front().not_after;
  for (const auto& certificate : chain) earliest = std::min(earliest, certificate.not_after);
  sink.gauge("probe_ssl_earliest_cert_expiry", "Returns last SSL chain expiry in unixtime",
             earliest);
  // Go's zero time.Time, as blackbox writes when no chain was verified.
  sink.gauge("probe_ssl_last_chain_expiry_timestamp_seconds",
             "Returns last SSL chain expiry in timestamp",
             session.last_chain_expiry ? *session.last_chain_expiry : -62135596800.0);
  const CertificateInfo& leaf = chain.front();
  sink.gauge("probe_ssl_last_chain_info", "Contains SSL leaf certificate information", 1,
             {{"fingerprint_sha256", leaf.fingerprint_sha256},
              {"issuer", leaf.issuer},
              {"subject", leaf.subject},
              {"subjectalternative", leaf.dns_names}});
  if (!session.version.empty()) {
    sink.gauge("probe_tls_version_info", "Returns the TLS version used or NaN when unknown", 1,
               {{"version", tlsVersionName(session.version)}});
  }
}

http1::TlsOptions tlsOptions(const TlsConfig& tls) {
  http1::TlsOptions options;
  options.ca_file = tls.ca_file;
  options.cert_file = tls.cert_file;
  options.key_file = tls.key_file;
  options.server_name = tls.server_name;
  options.insecure_skip_verify = tls.insecure_skip_verify;
  return options;
}

bool splitHostPort(const std::string& text, std::uint16_t default_port, std::string& host,
                   std::uint16_t& port) {
  port = default_port;
  std::string port_text;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string::npos) return false;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return false;
      port_text = text.substr(close + 2);
    }
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string::npos && text.find(':') == colon) {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    } else {
      host = text;
    }
  }
  if (!port_text.empty()) {
    unsigned value = 0;
    if (std::from_chars(port_text.data(), port_text.data() + port_text.size(), value).ptr !=
            port_text.data() + port_text.size() ||
        value == 0 || value > 65535)
      return false;
    port = static_cast<std::uint16_t>(value);
  }
  return !host.empty();
}

}  // namespace dnscheck::probe
