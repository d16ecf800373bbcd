// The http prober: one request through libcurl (Debian's 7.88), its phases
// from CURLINFO_*_TIME_T, the peer chain from CURLINFO_CERTINFO (PEM, read
// with OpenSSL), the TLS version from libcurl's own "SSL connection using"
// line. The target's address is resolved first, as blackbox does, and pinned
// with CURLOPT_RESOLVE so the timed lookup is the one used.

#include <curl/curl.h>
#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "dnscheck/probe/common.h"
#include "dnscheck/probe/probe.h"

namespace dnscheck::probe {

namespace {

struct Transfer {
  std::string body;
  std::string tls_version;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  // Bounded: a regex over the first 10 MB (blackbox reads the body whole).
  if (transfer->body.size() < (10u << 20)) transfer->body.append(data, size * count);
  return size * count;
}

int onDebug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type != CURLINFO_TEXT) return 0;
  std::string_view line(data, size);
  constexpr std::string_view prefix = "SSL connection using ";
  if (line.starts_with(prefix)) {
    line.remove_prefix(prefix.size());
    auto version = line.substr(0, line.find_first_of(" /\r\n"));
    static_cast<Transfer*>(user)->tls_version = std::string(version);
  }
  return 0;
}

double seconds(CURL* easy, CURLINFO info) {
  curl_off_t microseconds = 0;
  curl_easy_getinfo(easy, info, &microseconds);
  return static_cast<double>(microseconds) / 1e6;
}

// scheme, host, port of a URL (curl's parser).
bool urlParts(const std::string& url, std::string& scheme, std::string& host, std::uint16_t& port) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parts(curl_url(), curl_url_cleanup);
  if (curl_url_set(parts.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
  char* text = nullptr;
  if (curl_url_get(parts.get(), CURLUPART_SCHEME, &text, 0) != CURLUE_OK) return false;
  scheme = text;
  curl_free(text);
  if (curl_url_get(parts.get(), CURLUPART_HOST, &text, 0) != CURLUE_OK) return false;
  host = text;
  curl_free(text);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (curl_url_get(parts.get(), CURLUPART_PORT, &text, CURLU_DEFAULT_PORT) != CURLUE_OK)
    return false;
  port = static_cast<std::uint16_t>(std::atoi(text));
  curl_free(text);
  return true;
}

}  // namespace

bool probeHttp(const HttpModule& module, const std::string& target,
               std::chrono::milliseconds timeout, runtime::MetricSink& sink) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string url = target;
  if (url.find("://") == std::string::npos) url = "http://" + url;
  std::string scheme, host;
  std::uint16_t port = 0;
  auto& regex_failed =
      sink.gauge("probe_failed_due_to_regex", "Indicates if probe failed due to regex");
  if (!urlParts(url, scheme, host, port)) {
    runtime::addSample(regex_failed, 0);
    return false;
  }
  double lookup = 0;
  auto resolved = resolveTarget(host, port, module.preferred_ip_protocol,
                                module.ip_protocol_fallback, sink, &lookup);
  if (!resolved) {
    runtime::addSample(regex_failed, 0);
    return false;
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(), curl_easy_cleanup);
  CURL* easy = handle.get();
  Transfer transfer;
  // The TLS name: tls_config.server_name, else the URL's host. With a
  // different name the URL carries it (SNI and verification) and the address
  // is pinned to the target's; the Host header keeps the URL's host.
  std::string request_url = url;
  std::string pinned_host = host;
  const std::string& server_name = module.tls.server_name;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, curl_slist_free_all);
  if (!server_name.empty() && server_name != host && scheme == "https") {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parts(curl_url(), curl_url_cleanup);
    curl_url_set(parts.get(), CURLUPART_URL, url.c_str(), 0);
    curl_url_set(parts.get(), CURLUPART_HOST, server_name.c_str(), 0);
    char* rewritten = nullptr;
    curl_url_get(parts.get(), CURLUPART_URL, &rewritten, 0);
    request_url = rewritten;
    curl_free(rewritten);
    pinned_host = server_name;
    headers.reset(curl_slist_append(headers.release(), ("Host: " + host).c_str()));
  }
  const std::string ip_for_resolve =
      resolved->address.ss_family == AF_INET6 ? "[" + resolved->ip + "]" : resolved->ip;
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> resolve(
      curl_slist_append(nullptr,
                        (pinned_host + ":" + std::to_string(port) + ":" + ip_for_resolve).c_str()),
      curl_slist_free_all);
  for (const auto& [name, value] : module.headers)
    headers.reset(curl_slist_append(headers.release(), (name + ": " + value).c_str()));

  curl_easy_setopt(easy, CURLOPT_URL, request_url.c_str());
  curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "Blackbox Exporter/tern-dnscheck");
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long>(1, timeout.count())));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, module.follow_redirects ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(easy, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(easy, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, onDebug);
  curl_easy_setopt(easy, CURLOPT_DEBUGDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, module.tls.insecure_skip_verify ? 0L : 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, module.tls.insecure_skip_verify ? 0L : 2L);
  if (!module.tls.ca_file.empty())
    curl_easy_setopt(easy, CURLOPT_CAINFO, module.tls.ca_file.c_str());
  if (!module.tls.cert_file.empty())
    curl_easy_setopt(easy, CURLOPT_SSLCERT, module.tls.cert_file.c_str());
  if (!module.tls.key_file.empty())
    curl_easy_setopt(easy, CURLOPT_SSLKEY, module.tls.key_file.c_str());
  if (module.method != "GET") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, module.method.c_str());
  if (!module.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, module.body.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(module.body.size()));
  }
  if (module.method == "HEAD") curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);

  const CURLcode code = curl_easy_perform(easy);
  const bool got_response = code == CURLE_OK;
  long status = 0;
  long redirects = 0;
  long http_version = 0;
  curl_off_t content_length = -1;
  curl_off_t filetime = -1;
  char* final_url = nullptr;
  if (got_response) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &http_version);
    curl_easy_getinfo(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &content_length);
    curl_easy_getinfo(easy, CURLINFO_FILETIME_T, &filetime);
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &final_url);
  }
  const bool ssl = final_url != nullptr && std::string_view(final_url).starts_with("https:");

  bool success = got_response;
  if (got_response) {
    if (module.valid_status_codes.empty()) {
      success = status >= 200 && status < 300;
    } else {
      success = std::find(module.valid_status_codes.begin(), module.valid_status_codes.end(),
                          status) != module.valid_status_codes.end();
    }
  }
  double version_value = 0;
  switch (http_version) {
    case CURL_HTTP_VERSION_1_0:
      version_value = 1.0;
      break;
    case CURL_HTTP_VERSION_1_1:
      version_value = 1.1;
      break;
    case CURL_HTTP_VERSION_2_0:
      version_value = 2;
      break;
    case CURL_HTTP_VERSION_3:
      version_value = 3;
      break;
    default:
      break;
  }
  if (success && !module.valid_http_versions.empty()) {
    char wanted[16];
    std::snprintf(wanted, sizeof wanted, "HTTP/%.1f", version_value);
    std::string name = version_value == 2 ? "HTTP/2.0" : wanted;
    success = std::find(module.valid_http_versions.begin(), module.valid_http_versions.end(),
                        name) != module.valid_http_versions.end();
  }
  bool failed_regex = false;
  if (success) {
    for (const std::string& pattern : module.fail_if_body_matches_regexp) {
      if (RE2::PartialMatch(transfer.body, RE2(pattern))) failed_regex = true;
    }
    for (const std::string& pattern : module.fail_if_body_not_matches_regexp) {
      if (!RE2::PartialMatch(transfer.body, RE2(pattern))) failed_regex = true;
    }
    if (failed_regex) success = false;
  }
  if (success && module.fail_if_ssl && ssl) success = false;
  if (success && module.fail_if_not_ssl && !ssl) success = false;
  runtime::addSample(regex_failed, failed_regex ? 1 : 0);

  sink.gauge("probe_http_content_length", "Length of http content response",
             got_response ? static_cast<double>(content_length) : 0);
  auto& phases = sink.gauge("probe_http_duration_seconds",
                            "Duration of http request by phase, summed over all redirects");
  double connect = 0, tls = 0, processing = 0, transfer_time = 0;
  if (got_response) {
    const double looked_up = seconds(easy, CURLINFO_NAMELOOKUP_TIME_T);
    const double connected = seconds(easy, CURLINFO_CONNECT_TIME_T);
    const double handshaken = seconds(easy, CURLINFO_APPCONNECT_TIME_T);
    const double started = seconds(easy, CURLINFO_STARTTRANSFER_TIME_T);
    const double total = seconds(easy, CURLINFO_TOTAL_TIME_T);
    connect = std::max(0.0, connected - looked_up);
    tls = handshaken > 0 ? std::max(0.0, handshaken - connected) : 0;
    processing = std::max(0.0, started - std::max(connected, handshaken));
    transfer_time = std::max(0.0, total - started);
  }
  runtime::addSample(phases, connect, {{"phase", "connect"}});
  runtime::addSample(phases, processing, {{"phase", "processing"}});
  runtime::addSample(phases, lookup, {{"phase", "resolve"}});
  runtime::addSample(phases, tls, {{"phase", "tls"}});
  runtime::addSample(phases, transfer_time, {{"phase", "transfer"}});
  sink.gauge("probe_http_redirects", "The number of redirects", static_cast<double>(redirects));
  sink.gauge("probe_http_ssl", "Indicates if SSL was used for the final redirect", ssl ? 1 : 0);
  sink.gauge("probe_http_status_code", "Response HTTP status code", static_cast<double>(status));
  sink.gauge("probe_http_uncompressed_body_length", "Length of uncompressed response body",
             got_response ? static_cast<double>(transfer.body.size()) : 0);
  sink.gauge("probe_http_version", "Returns the version of HTTP of the probe response",
             version_value);
  if (got_response && filetime >= 0) {
    sink.gauge("probe_http_last_modified_timestamp_seconds",
               "Returns the Last-Modified HTTP response header in unixtime",
               static_cast<double>(filetime));
  }
  if (got_response && ssl) {
    curl_certinfo* certinfo = nullptr;
    std::vector<CertificateInfo> chain;
    if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &certinfo) == CURLE_OK && certinfo != nullptr) {
      for (int i = 0; i < certinfo->num_of_certs; ++i) {
        for (curl_slist* field = certinfo->certinfo[i]; field != nullptr; field = field->next) {
          std::string_view text(field->data);
          if (!text.starts_with("Cert:")) continue;
          if (auto info = describePem(std::string(text.substr(5)))) chain.push_back(*info);
        }
      }
    }
    std::optional<double> verified;
    if (!module.tls.insecure_skip_verify && !chain.empty()) {
      verified = chain.front().not_after;
      for (const auto& certificate : chain) verified = std::min(*verified, certificate.not_after);
    }
    addTlsSeries(sink, chain, verified, transfer.tls_version);
  }
  return success;
}

}  // namespace dnscheck::probe
