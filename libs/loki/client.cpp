#include "loki/client.h"

#include <algorithm>
#include <cctype>
#include <thread>

namespace loki {
namespace {

httpclient::Options httpOptions(const ClientConfig& config) {
  httpclient::Options options;
  options.timeout = config.timeout;
  options.max_body_bytes = 64 * 1024;  // Loki's error text; only its start matters
  options.user_agent = config.user_agent;
  options.tls = {config.ca_file, config.cert_file, config.key_file, config.server_name,
                 config.insecure_skip_verify};
  options.auth = {config.basic_auth_username, config.basic_auth_password,
                  config.basic_auth_password_file, config.bearer_token, config.bearer_token_file};
  return options;
}

bool containsNoCase(std::string_view text, std::string_view needle) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

// Loki's messages are one line each; keep the first 512 bytes, without the
// trailing newline, for logs.
std::string errorText(std::string_view body) {
  body = body.substr(0, 512);
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())))
    body.remove_suffix(1);
  return std::string(body);
}

// Sleeps `delay` in slices of at most 100 ms; false if `stop` was set.
bool sleepUnlessStopped(std::chrono::milliseconds delay, const std::atomic<bool>& stop) {
  auto until = std::chrono::steady_clock::now() + delay;
  while (!stop.load(std::memory_order_relaxed)) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::nanoseconds::zero()) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(100)));
  }
  return false;
}

}  // namespace

std::string dropReason(std::string_view body) {
  // Order matters: "entry too far behind" is about age, not ordering, and
  // "label name too long" is about labels, not the line.
  if (containsNoCase(body, "entry too far behind") || containsNoCase(body, "too old"))
    return "entry_too_old";
  if (containsNoCase(body, "out of order")) return "out_of_order";
  if (containsNoCase(body, "invalid labels") || containsNoCase(body, "error parsing labels") ||
      containsNoCase(body, "label name too long") || containsNoCase(body, "label value too long"))
    return "invalid_labels";
  // Loki: "max entry size '...' bytes exceeded for stream ...".
  if (containsNoCase(body, "line too long") || containsNoCase(body, "exceed"))
    return "line_too_long";
  return "bad_request";
}

std::chrono::milliseconds backoffDelay(int retry, std::chrono::milliseconds min_backoff,
                                       std::chrono::milliseconds max_backoff, double unit) {
  using std::chrono::milliseconds;
  max_backoff = std::max(max_backoff, min_backoff);
  milliseconds ceiling = min_backoff;
  for (int i = 0; i < retry && ceiling < max_backoff; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, max_backoff);
  unit = std::clamp(unit, 0.0, 1.0);
  auto span = static_cast<double>((ceiling - min_backoff).count());
  return min_backoff + milliseconds(static_cast<std::int64_t>(span * unit));
}

Client::Client(ClientConfig config)
    : config_(std::move(config)), http_(httpOptions(config_)), random_(std::random_device{}()) {
  headers_.emplace_back("Content-Type", "application/x-protobuf");
  if (!config_.tenant_id.empty()) headers_.emplace_back("X-Scope-OrgID", config_.tenant_id);
}

PushResult Client::push(const std::vector<Stream>& streams, const std::atomic<bool>& stop,
                        const AttemptCallback& on_attempt) {
  compressedPushBody(streams, scratch_, body_);
  return pushBody(body_, stop, on_attempt);
}

PushResult Client::pushBody(std::string_view body, const std::atomic<bool>& stop,
                            const AttemptCallback& on_attempt) {
  PushResult result;
  result.body_bytes = body.size();
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int number = 1;; ++number) {
    if (stop.load(std::memory_order_relaxed)) {
      result.outcome = PushOutcome::stopped;
      return result;
    }
    Attempt attempt;
    attempt.number = number;
    bool retryable = false;
    auto response = http_.post(config_.url, body, headers_);
    if (response) {
      attempt.status_code = response->status;
      attempt.duration = response->duration;
      int code = response->status;
      if (code >= 200 && code < 300) {
        result.outcome = PushOutcome::sent;
      } else {
        attempt.error = errorText(response->body);
        if (code == 429 || code >= 500 || code < 200) {
          retryable = true;
        } else {
          result.outcome = PushOutcome::dropped;
          result.reason = code == 400 ? dropReason(response->body) : "http_" + std::to_string(code);
        }
      }
    } else {
      attempt.duration = response.error().duration;
      attempt.error = response.error().message;
      retryable = true;
    }
    result.attempts = number;
    result.status_code = attempt.status_code;
    result.error = attempt.error;

    bool exhausted = config_.max_retries > 0 && number >= config_.max_retries;
    attempt.will_retry = retryable && !exhausted && !stop.load(std::memory_order_relaxed);
    if (on_attempt) on_attempt(attempt);
    if (!retryable) return result;
    if (exhausted) {
      result.outcome = PushOutcome::dropped;
      result.reason = "max_retries";
      return result;
    }
    if (!sleepUnlessStopped(
            backoffDelay(number, config_.min_backoff, config_.max_backoff, unit(random_)), stop)) {
      result.outcome = PushOutcome::stopped;
      return result;
    }
  }
}

}  // namespace loki
