#include "alerts/rate_limit.h"

#include <algorithm>

namespace alerts {

void TokenBucket::refill(std::int64_t now_ms) {
  if (config_.refill_every.count() <= 0 || now_ms <= updated_ms_) return;
  double earned =
      static_cast<double>(now_ms - updated_ms_) / static_cast<double>(config_.refill_every.count());
  tokens_ = std::min(config_.burst, tokens_ + earned);
  updated_ms_ = now_ms;
}

bool TokenBucket::take(std::int64_t now_ms) {
  if (config_.burst <= 0) return true;
  refill(now_ms);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

bool TokenBucket::full(std::int64_t now_ms) {
  if (config_.burst <= 0) return true;
  refill(now_ms);
  return tokens_ >= config_.burst;
}

bool RateLimiter::allow(const std::string& key, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (!global_started_) {
    global_ = TokenBucket(global_config_, now_ms);
    global_started_ = true;
  }
  auto [it, inserted] = buckets_.try_emplace(key, per_alert_, now_ms);
  // Forget full buckets now and then, so the map stays as small as the set
  // of alerts that paged recently.
  if (buckets_.size() > 10000) {
    for (auto b = buckets_.begin(); b != buckets_.end();) {
      if (b != it && b->second.full(now_ms)) {
        b = buckets_.erase(b);
      } else {
        ++b;
      }
    }
  }
  TokenBucket probe_alert = it->second;
  TokenBucket probe_global = global_;
  if (!probe_alert.take(now_ms) || !probe_global.take(now_ms)) {
    // Keep the refill bookkeeping, take nothing.
    it->second.full(now_ms);
    global_.full(now_ms);
    return false;
  }
  it->second = probe_alert;
  global_ = probe_global;
  return true;
}

}  // namespace alerts
