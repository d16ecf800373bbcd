#include "http1/client.h"

#include <optional>

namespace http1 {
namespace {

double since(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

bool hasHeader(const Headers& headers, std::string_view name) {
  for (const auto& header : headers) {
    if (equalsIgnoreCase(header.first, name)) return true;
  }
  return false;
}

std::string requestHead(const Request& request, const Options& options) {
  const Url& url = request.url;
  std::string head = request.method + " " + url.target + " HTTP/1.1\r\n";
  auto add = [&](std::string_view name, std::string_view value) {
    if (hasHeader(request.headers, name)) return;
    head.append(name).append(": ").append(value).append("\r\n");
  };
  add("Host", url.authority());
  add("User-Agent", options.user_agent);
  add("Accept", "*/*");
  if (!url.username.empty() || !url.password.empty())
    add("Authorization", basicAuthorization(url.username, url.password));
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT")
    add("Content-Length", std::to_string(request.body.size()));
  // One request per connection: the server closes after answering.
  head += "Connection: close\r\n";
  for (const auto& [name, value] : request.headers) {
    if (equalsIgnoreCase(name, "Connection")) continue;
    head.append(name).append(": ").append(value).append("\r\n");
  }
  head += "\r\n";
  return head;
}

}  // namespace

std::string encodeBase64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < data.size(); i += 3) {
    const std::size_t left = data.size() - i;
    unsigned v = static_cast<unsigned>(static_cast<unsigned char>(data[i])) << 16;
    if (left > 1) v |= static_cast<unsigned>(static_cast<unsigned char>(data[i + 1])) << 8;
    if (left > 2) v |= static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += left > 1 ? kAlphabet[(v >> 6) & 63] : '=';
    out += left > 2 ? kAlphabet[v & 63] : '=';
  }
  return out;
}

std::string basicAuthorization(std::string_view username, std::string_view password) {
  std::string credentials(username);
  credentials += ':';
  credentials += password;
  return "Basic " + encodeBase64(credentials);
}

base::Expected<Result, Failure> perform(const Request& request, const Options& options) {
  const Url& url = request.url;
  const auto start = Clock::now();
  const auto deadline = start + options.timeout;
  Timings timings;
  auto fail = [&](const std::string& what) {
    const bool timed_out = Clock::now() >= deadline ||
                           what.find("timed out") != std::string::npos ||
                           what.find("timeout") != std::string::npos;
    return base::unexpected(Failure{url.describe() + ": " + what, timed_out, timings});
  };

  auto stream = Stream::connect(
      options.connect_address.empty() ? url.host : options.connect_address, url.port, deadline);
  auto mark = Clock::now();
  timings.connect = since(start, mark);
  if (!stream) return fail(stream.error());

  if (url.tls) {
    const std::string& name = options.tls.server_name.empty() ? url.host : options.tls.server_name;
    auto started = stream->startTls(options.tls, name, deadline);
    const auto handshaken = Clock::now();
    timings.tls = since(mark, handshaken);
    mark = handshaken;
    if (!started) return fail(started.error());
    if (options.on_tls) options.on_tls(*stream);
  }

  std::string head = requestHead(request, options);
  auto written = stream->writeAll(head, deadline);
  if (written && !request.body.empty()) written = stream->writeAll(request.body, deadline);
  if (!written) return fail(written.error());
  const auto sent = Clock::now();

  ResponseParser parser(request.method == "HEAD", options.max_body_bytes);
  char buffer[16384];
  std::optional<Clock::time_point> first_byte;
  while (!parser.complete()) {
    auto got = stream->readSome(buffer, sizeof(buffer), deadline);
    if (!got) {
      const auto now = Clock::now();
      timings.processing = since(sent, first_byte.value_or(now));
      if (first_byte) timings.transfer = since(*first_byte, now);
      return fail(got.error());
    }
    if (*got == 0) break;
    if (!first_byte) first_byte = Clock::now();
    auto fed = parser.feed(std::string_view(buffer, *got));
    if (!fed) return fail(fed.error());
  }
  const auto done = Clock::now();
  timings.processing = since(sent, first_byte.value_or(done));
  timings.transfer = first_byte ? since(*first_byte, done) : 0;
  stream->close();
  auto response = parser.finish();
  if (!response) return fail(response.error());
  return Result{std::move(*response), timings};
}

}  // namespace http1
