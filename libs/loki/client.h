#pragma once
// Sends one batch to Loki and applies the status-code policy:
//   2xx                      sent
//   400                      dropped, reason from Loki's message (dropReason), not retried
//   other 4xx except 429     dropped, reason "http_<code>"
//   429, 5xx, network error  retried with exponential backoff and jitter until it is sent,
//                            `stop` is set, or max_retries attempts were made ("max_retries")
// Nothing here counts metrics: each attempt is reported to a callback, and the
// caller turns those into promtail_request_duration_seconds and
// promtail_batch_retries_total.
//
// Links libcurl dynamically through httpclient (see httpclient/client.h).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "httpclient/client.h"
#include "loki/push.h"

namespace loki {

struct ClientConfig {
  std::string url;        // http(s)://host:3100/loki/api/v1/push
  std::string tenant_id;  // X-Scope-OrgID when set
  std::string basic_auth_username;
  std::string basic_auth_password;  // inline secrets, as Promtail allows; files are preferred
  std::string basic_auth_password_file;
  std::string bearer_token;
  std::string bearer_token_file;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds min_backoff{500};
  std::chrono::milliseconds max_backoff{5 * 60 * 1000};
  // Attempts in all, the first included, as Promtail's backoff_config counts
  // them; 0 means retry until sent or stopped.
  int max_retries = 0;
  std::string user_agent = "tern-shipper";
};

// One HTTP attempt, reported as it finishes.
struct Attempt {
  int number = 1;       // 1 for the first try
  int status_code = 0;  // 0: no response (connect error, timeout)
  std::chrono::nanoseconds duration{0};
  std::string error;  // Loki's message (trimmed) or the network error; empty on 2xx
  bool will_retry = false;
};

enum class PushOutcome {
  sent,     // Loki has it: positions may move
  dropped,  // given up for good: count by reason, positions may move
  stopped,  // `stop` was set before Loki took it: positions must not move
};

struct PushResult {
  PushOutcome outcome = PushOutcome::sent;
  std::string reason;   // when dropped: entry_too_old, out_of_order, line_too_long,
                        // invalid_labels, bad_request, http_<code>, max_retries
  int status_code = 0;  // of the last attempt
  int attempts = 0;
  std::size_t body_bytes = 0;  // compressed bytes posted per attempt
  std::string error;           // of the last attempt
};

class Client {
 public:
  // Throws std::runtime_error only if libcurl cannot start (start-up).
  explicit Client(ClientConfig config);

  using AttemptCallback = std::function<void(const Attempt&)>;
  // Encodes once, then posts until the policy above says stop. Blocks; the
  // backoff sleep checks `stop` at least every 100 ms. on_attempt may be empty.
  PushResult push(const std::vector<Stream>& streams, const std::atomic<bool>& stop,
                  const AttemptCallback& on_attempt);
  // Same, for a body already compressed with compressedPushBody().
  PushResult pushBody(std::string_view body, const std::atomic<bool>& stop,
                      const AttemptCallback& on_attempt);

  const ClientConfig& config() const { return config_; }

 private:
  ClientConfig config_;
  httpclient::Client http_;
  httpclient::Headers headers_;
  std::string scratch_;  // encode buffers, kept between batches
  std::string body_;
  std::mt19937_64 random_;
};

// The drop reason for a 400 from Loki, from its error text.
std::string dropReason(std::string_view loki_error_body);

// The wait before retry number `retry` (1 for the first retry): uniform in
// [min_backoff, min(max_backoff, min_backoff * 2^retry)] given `unit` in
// [0, 1), i.e. full jitter over the exponential window, floored at min_backoff
// so a struggling Loki is never hit again at once.
std::chrono::milliseconds backoffDelay(int retry, std::chrono::milliseconds min_backoff,
                                       std::chrono::milliseconds max_backoff, double unit);

}  // namespace loki
