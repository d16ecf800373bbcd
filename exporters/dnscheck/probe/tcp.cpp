// The tcp prober with TLS: a connect with a deadline, then a TLS handshake
// (libs/http1's Stream: SNI, verification against the system store or
// ca_file, the host name checked) and the peer and verified chains.

#include "dnscheck/probe/common.h"
#include "dnscheck/probe/probe.h"
#include "http1/stream.h"

namespace dnscheck::probe {

bool probeTcp(const TcpModule& module, const std::string& target, std::chrono::milliseconds timeout,
              runtime::MetricSink& sink) {
  const auto deadline = http1::Clock::now() + timeout;
  sink.gauge("probe_failed_due_to_regex", "Indicates if probe failed due to regex", 0);
  std::string host;
  std::uint16_t port = 0;
  if (!splitHostPort(target, 0, host, port) || port == 0) return false;
  auto resolved = resolveTarget(host, port, module.preferred_ip_protocol,
                                module.ip_protocol_fallback, sink, nullptr);
  if (!resolved) return false;
  auto stream = http1::Stream::connect(resolved->ip, port, deadline);
  if (!stream) return false;
  if (!module.tls) return true;

  const TlsConfig& tls = module.tls_config;
  const std::string name = tls.server_name.empty() ? host : tls.server_name;
  if (!stream->startTls(tlsOptions(tls), name, deadline)) return false;
  addTlsSeries(sink, describeSession(stream->ssl(), !tls.insecure_skip_verify));
  stream->close();
  return true;
}

}  // namespace dnscheck::probe
