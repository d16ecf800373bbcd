// The http prober, on libs/http1: the target's address resolved first, as
// blackbox does, and connected to directly (Host, SNI and verification keep
// the URL's name); redirects followed here, up to 10, with Go's rules (303,
// and 301/302 after a POST, become a GET without body); the phases summed
// over all hops; the chain and TLS version of the last hop.

#include <re2/re2.h>

#include <algorithm>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>

#include "dnscheck/probe/common.h"
#include "dnscheck/probe/probe.h"
#include "hostfs/read.h"
#include "http1/client.h"
#include "log/log.h"

namespace dnscheck::probe {

namespace {

constexpr int kMaxRedirects = 10;
// The body kept for the regular expressions (blackbox reads it whole).
constexpr std::size_t kMaxBodyBytes = 10u << 20;

bool isRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// An HTTP date (RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT").
std::optional<double> parseHttpDate(std::string_view text) {
  std::tm tm{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return std::nullopt;
  return static_cast<double>(timegm(&tm));
}

// blackbox's header rules: a missing header fails unless allow_missing;
// fail_if_header_matches fails when any value matches, _not_matches when none
// does.
bool headersPass(const HttpModule& module, const http1::Response& response) {
  auto values = [&](const std::string& name) {
    std::vector<std::string_view> out;
    for (const auto& [key, value] : response.headers) {
      if (http1::equalsIgnoreCase(key, name)) out.push_back(value);
    }
    return out;
  };
  for (const HeaderMatch& rule : module.fail_if_header_matches) {
    const auto found = values(rule.header);
    if (found.empty() && !rule.allow_missing) return false;
    const RE2 regex(rule.regexp);
    for (std::string_view value : found) {
      if (RE2::PartialMatch(value, regex)) return false;
    }
  }
  for (const HeaderMatch& rule : module.fail_if_header_not_matches) {
    const auto found = values(rule.header);
    if (found.empty()) {
      if (rule.allow_missing) continue;
      return false;
    }
    const RE2 regex(rule.regexp);
    if (std::none_of(found.begin(), found.end(),
                     [&](std::string_view value) { return RE2::PartialMatch(value, regex); }))
      return false;
  }
  return true;
}

// A secret file that cannot be read fails every probe using it: said once
// per file, not at every probe.
std::optional<std::string> readSecret(const std::string& path) {
  static std::mutex mutex;
  static std::set<std::string> reported;
  auto secret = hostfs::readSecretFile(path);
  std::lock_guard lock(mutex);
  if (secret) {
    reported.erase(path);
    return std::move(*secret);
  }
  if (reported.insert(path).second)
    LOG_WARN("probe credentials unreadable; its probes fail", {"err", secret.error()});
  return std::nullopt;
}

// The Authorization header of basic_auth or a bearer token; the files are
// read at each probe. nullopt when a file cannot be read (the probe fails).
std::optional<std::string> authorization(const HttpAuth& auth) {
  if (!auth.bearer_token.empty()) return "Bearer " + auth.bearer_token;
  if (!auth.bearer_token_file.empty()) {
    auto token = readSecret(auth.bearer_token_file);
    if (!token) return std::nullopt;
    return "Bearer " + *token;
  }
  if (auth.username.empty() && auth.password.empty() && auth.password_file.empty())
    return std::string();
  std::string password = auth.password;
  if (!auth.password_file.empty()) {
    auto read = readSecret(auth.password_file);
    if (!read) return std::nullopt;
    password = std::move(*read);
  }
  return http1::basicAuthorization(auth.username, password);
}

double httpVersion(const std::string& version) {
  if (version == "HTTP/1.1") return 1.1;
  if (version == "HTTP/1.0") return 1.0;
  return 0;
}

}  // namespace

bool probeHttp(const HttpModule& module, const std::string& target,
               std::chrono::milliseconds timeout, runtime::MetricSink& sink) {
  const auto deadline = http1::Clock::now() + timeout;
  auto& regex_failed =
      sink.gauge("probe_failed_due_to_regex", "Indicates if probe failed due to regex");
  auto parsed =
      http1::parseUrl(target.find("://") == std::string::npos ? "http://" + target : target);
  if (!parsed) {
    runtime::addSample(regex_failed, 0);
    return false;
  }
  double lookup = 0;
  auto resolved =
      resolveTarget(parsed->host, static_cast<std::uint16_t>(parsed->port),
                    module.preferred_ip_protocol, module.ip_protocol_fallback, sink, &lookup);
  if (!resolved) {
    runtime::addSample(regex_failed, 0);
    return false;
  }

  http1::Request request;
  request.method = module.method;
  request.url = *parsed;
  request.headers = module.headers;
  request.body = module.body;
  const auto credentials = authorization(module.auth);
  if (!credentials) {
    runtime::addSample(regex_failed, 0);
    return false;
  }
  if (!credentials->empty()) request.headers.emplace_back("Authorization", *credentials);
  http1::Options options;
  options.max_body_bytes = kMaxBodyBytes;
  options.user_agent = "Blackbox Exporter/tern-dnscheck";
  options.tls = tlsOptions(module.tls);
  std::optional<TlsSession> session;  // of the last hop, when it was TLS
  options.on_tls = [&](const http1::Stream& stream) {
    session = describeSession(stream.ssl(), !module.tls.insecure_skip_verify);
  };

  http1::Timings total;
  std::optional<http1::Response> response;
  int redirects = 0;
  std::string pinned_host = parsed->host;
  int pinned_port = parsed->port;
  std::string address = resolved->ip;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - http1::Clock::now());
    if (left.count() <= 0) break;
    options.timeout = left;
    options.connect_address = address;
    session.reset();
    auto hop = http1::perform(request, options);
    const http1::Timings& timings = hop ? hop->timings : hop.error().timings;
    total.connect += timings.connect;
    total.tls += timings.tls;
    total.processing += timings.processing;
    total.transfer += timings.transfer;
    if (!hop) break;
    const int status = hop->response.status;
    const auto location = hop->response.header("Location");
    if (!module.follow_redirects || !isRedirect(status) || !location) {
      response = std::move(hop->response);
      break;
    }
    if (redirects == kMaxRedirects) break;  // Go: "stopped after 10 redirects"
    auto next = http1::resolveLocation(request.url, *location);
    if (!next) break;
    ++redirects;
    if (status == 303 || ((status == 301 || status == 302) && request.method == "POST")) {
      if (request.method != "HEAD") request.method = "GET";
      request.body.clear();
    }
    request.url = std::move(*next);
    if (request.url.host != pinned_host || request.url.port != pinned_port) {
      double seconds = 0;
      auto found =
          lookupAddress(request.url.host, static_cast<std::uint16_t>(request.url.port),
                        module.preferred_ip_protocol, module.ip_protocol_fallback, &seconds);
      lookup += seconds;
      if (!found) break;
      pinned_host = request.url.host;
      pinned_port = request.url.port;
      address = found->ip;
    }
  }
  const bool got_response = response.has_value();
  const bool ssl = got_response && request.url.tls;
  const int status = got_response ? response->status : 0;

  bool success = got_response;
  if (got_response) {
    if (module.valid_status_codes.empty()) {
      success = status >= 200 && status < 300;
    } else {
      success = std::find(module.valid_status_codes.begin(), module.valid_status_codes.end(),
                          status) != module.valid_status_codes.end();
    }
  }
  const double version = got_response ? httpVersion(response->version) : 0;
  if (success && !module.valid_http_versions.empty()) {
    success = std::find(module.valid_http_versions.begin(), module.valid_http_versions.end(),
                        response->version) != module.valid_http_versions.end();
  }
  bool failed_regex = false;
  if (success && !headersPass(module, *response)) {
    success = false;
    failed_regex = true;
  }
  if (success) {
    for (const std::string& pattern : module.fail_if_body_matches_regexp) {
      if (RE2::PartialMatch(response->body, RE2(pattern))) failed_regex = true;
    }
    for (const std::string& pattern : module.fail_if_body_not_matches_regexp) {
      if (!RE2::PartialMatch(response->body, RE2(pattern))) failed_regex = true;
    }
    if (failed_regex) success = false;
  }
  if (success && module.fail_if_ssl && ssl) success = false;
  if (success && module.fail_if_not_ssl && !ssl) success = false;
  runtime::addSample(regex_failed, failed_regex ? 1 : 0);

  // Go's ContentLength: -1 when the answer does not say.
  double content_length = 0;
  if (got_response) {
    content_length = -1;
    if (auto header = response->header("Content-Length"))
      content_length = std::strtod(std::string(*header).c_str(), nullptr);
  }
  sink.gauge("probe_http_content_length", "Length of http content response", content_length);
  auto& phases = sink.gauge("probe_http_duration_seconds",
                            "Duration of http request by phase, summed over all redirects");
  // Without an answer blackbox reports no phase but the lookup.
  runtime::addSample(phases, got_response ? total.connect : 0, {{"phase", "connect"}});
  runtime::addSample(phases, got_response ? total.processing : 0, {{"phase", "processing"}});
  runtime::addSample(phases, lookup, {{"phase", "resolve"}});
  runtime::addSample(phases, got_response ? total.tls : 0, {{"phase", "tls"}});
  runtime::addSample(phases, got_response ? total.transfer : 0, {{"phase", "transfer"}});
  sink.gauge("probe_http_redirects", "The number of redirects", got_response ? redirects : 0);
  sink.gauge("probe_http_ssl", "Indicates if SSL was used for the final redirect", ssl ? 1 : 0);
  sink.gauge("probe_http_status_code", "Response HTTP status code", status);
  sink.gauge("probe_http_uncompressed_body_length", "Length of uncompressed response body",
             got_response ? static_cast<double>(response->body_bytes) : 0);
  sink.gauge("probe_http_version", "Returns the version of HTTP of the probe response", version);
  if (got_response) {
    if (auto header = response->header("Last-Modified")) {
      if (auto stamp = parseHttpDate(*header)) {
        sink.gauge("probe_http_last_modified_timestamp_seconds",
                   "Returns the Last-Modified HTTP response header in unixtime", *stamp);
      }
    }
  }
  if (ssl && session) addTlsSeries(sink, *session);
  return success;
}

}  // namespace dnscheck::probe
