#pragma once
// Token buckets that keep a flapping alert from sending a hundred SMS: one
// per alert (by fingerprint) and one for everything. The clock is a
// parameter (milliseconds), so tests drive time.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "alerts/config.h"

namespace alerts {

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(TokenBucketConfig config, std::int64_t now_ms)
      : config_(config), tokens_(config.burst), updated_ms_(now_ms) {}
  // Takes one token if there is one. A bucket with burst 0 is unlimited.
  bool take(std::int64_t now_ms);
  bool full(std::int64_t now_ms);

 private:
  void refill(std::int64_t now_ms);
  TokenBucketConfig config_;
  double tokens_ = 0;
  std::int64_t updated_ms_ = 0;
};

class RateLimiter {
 public:
  RateLimiter(TokenBucketConfig per_alert, TokenBucketConfig global)
      : per_alert_(per_alert), global_config_(global) {}
  // One page of `key` (an alert's fingerprint): allowed when both its own
  // bucket and the global one have a token; a refused page takes none.
  bool allow(const std::string& key, std::int64_t now_ms);

 private:
  std::mutex mutex_;
  TokenBucketConfig per_alert_;
  TokenBucketConfig global_config_;
  bool global_started_ = false;
  TokenBucket global_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace alerts
