#include "haproxy/source.h"

#include <cctype>
#include <charconv>

#include "hostfs/read.h"
#include "http1/client.h"

namespace haproxy {
namespace {

// The runtime API answers one command per connection and closes it (non
// interactive mode); an answer is whole when it ends with an empty line.
bool answerComplete(std::string_view reply) { return reply.ends_with("\n\n"); }

}  // namespace

base::Expected<ScrapeUri, std::string> parseScrapeUri(const std::string& uri) {
  ScrapeUri parsed;
  auto bad = [&](const std::string& why) {
    return base::unexpected("scrape URI \"" + http1::redactPassword(uri) + "\": " + why);
  };
  if (uri.starts_with("unix:")) {
    std::string path = uri.substr(5);
    // unix:///run/x.sock and unix:/run/x.sock both name /run/x.sock.
    if (path.starts_with("//")) path = path.substr(2);
    if (path.empty() || path.front() != '/') return bad("a unix socket needs an absolute path");
    parsed.kind = ScrapeUri::Kind::socket;
    parsed.endpoint.kind = sockio::Endpoint::Kind::unix_socket;
    parsed.endpoint.path = path;
    return parsed;
  }
  if (uri.starts_with("tcp://")) {
    std::string rest = uri.substr(6);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    std::string host;
    std::string port;
    if (rest.starts_with("[")) {
      auto close = rest.find(']');
      if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
        return bad("expected tcp://[address]:port");
      host = rest.substr(1, close - 1);
      port = rest.substr(close + 2);
    } else {
      auto colon = rest.rfind(':');
      if (colon == std::string::npos) return bad("expected tcp://host:port");
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    int number = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (host.empty() || ec != std::errc() || ptr != port.data() + port.size() || number <= 0 ||
        number > 65535)
      return bad("expected tcp://host:port with a port from 1 to 65535");
    parsed.kind = ScrapeUri::Kind::socket;
    parsed.endpoint.kind = sockio::Endpoint::Kind::tcp;
    parsed.endpoint.host = host;
    parsed.endpoint.port = number;
    return parsed;
  }
  if (uri.starts_with("http://") || uri.starts_with("https://")) {
    auto http = http1::parseUrl(uri);
    if (!http) return bad(http.error());
    parsed.kind = ScrapeUri::Kind::http;
    parsed.http = std::move(*http);
    return parsed;
  }
  if (uri.starts_with("file://")) {
    parsed.kind = ScrapeUri::Kind::file;
    parsed.path = uri.substr(7);
    if (parsed.path.empty()) return bad("a file URI needs a path");
    return parsed;
  }
  return bad("unsupported scheme (unix:, tcp://, http://, https://, file://)");
}

StatsSource::StatsSource(ScrapeUri uri, SourceOptions options)
    : uri_(std::move(uri)), options_(std::move(options)) {}

StatsSource::~StatsSource() = default;

base::Expected<Fetched, std::string> StatsSource::fetch() {
  Fetched fetched;
  switch (uri_.kind) {
    case ScrapeUri::Kind::socket: {
      const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
      auto left = [&] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
      };
      // `show info` first, as haproxy_exporter does; each on its own connection.
      auto info = sockio::exchange(uri_.endpoint, "show info\n", answerComplete, left(),
                                   options_.max_bytes);
      if (!info) return base::unexpected(info.error().message);
      auto stat = sockio::exchange(uri_.endpoint, "show stat\n", answerComplete, left(),
                                   options_.max_bytes);
      if (!stat) return base::unexpected(stat.error().message);
      fetched.info = std::move(*info);
      fetched.stat = std::move(*stat);
      return fetched;
    }
    case ScrapeUri::Kind::http: {
      http1::Request request;
      request.url = uri_.http;
      std::string username = options_.username.empty() ? uri_.http.username : options_.username;
      std::string password = uri_.http.password;
      if (!options_.password_file.empty()) {
        auto secret = hostfs::readSecretFile(options_.password_file);
        if (!secret) return base::unexpected(secret.error());
        password = std::move(*secret);
      }
      if (!username.empty() || !password.empty())
        request.headers.emplace_back("Authorization",
                                     http1::basicAuthorization(username, password));
      http1::Options http;
      http.timeout = options_.timeout;
      http.tls.insecure_skip_verify = !options_.ssl_verify;
      http.max_body_bytes = options_.max_bytes;
      http.user_agent = "tern-haproxy";
      auto answer = http1::perform(request, http);
      if (!answer) return base::unexpected(answer.error().message);
      const http1::Response& response = answer->response;
      if (response.status < 200 || response.status > 299)
        return base::unexpected("stats page: HTTP status " + std::to_string(response.status));
      if (response.body_truncated)
        return base::unexpected("stats page larger than " + std::to_string(options_.max_bytes) +
                                " bytes");
      fetched.stat = std::move(answer->response.body);
      return fetched;
    }
    case ScrapeUri::Kind::file: {
      auto text = hostfs::readFile(uri_.path, options_.max_bytes);
      if (!text) return base::unexpected(text.error().message());
      fetched.stat = std::move(*text);
      return fetched;
    }
  }
  return base::unexpected(std::string("unknown source"));
}

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double plain = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), plain);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (plain < 0) return std::nullopt;
    return std::chrono::milliseconds(static_cast<long long>(plain * 1000));
  }
  double total_ms = 0;
  while (!text.empty()) {
    double number = 0;
    auto [ptr, err] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (err != std::errc() || number < 0) return std::nullopt;
    text.remove_prefix(ptr - text.data());
    std::size_t unit_length = 0;
    while (unit_length < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_length])))
      ++unit_length;
    std::string_view unit = text.substr(0, unit_length);
    text.remove_prefix(unit_length);
    if (unit == "ms")
      total_ms += number;
    else if (unit == "s")
      total_ms += number * 1000;
    else if (unit == "m")
      total_ms += number * 60000;
    else if (unit == "h")
      total_ms += number * 3600000;
    else
      return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<long long>(total_ms));
}

}  // namespace haproxy
