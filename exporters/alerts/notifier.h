#pragma once
// The sender: a background thread that drains the store's outbox (pages,
// resolved messages, Appwrite database records) through Twilio, ntfy and
// Appwrite, retrying failures with exponential backoff and jitter. The
// webhook never waits for it: it commits rows to the outbox and wakes it.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "alerts/config.h"
#include "alerts/store.h"

namespace alerts {

// One HTTP request a channel makes, built purely from the outbox row and the
// channel's config (secrets are read by the caller): tested without network.
struct OutgoingRequest {
  std::string method = "POST";
  std::string url;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string basic_username, basic_password;  // Twilio
};

// "sms/+15005550001" -> ("sms", "+15005550001"); "push" -> ("push", "").
std::pair<std::string, std::string> splitDestination(const std::string& destination);

OutgoingRequest twilioRequest(const Channel& channel, const std::string& account_sid,
                              const std::string& auth_token, const std::string& to,
                              const NotificationRow& row);
OutgoingRequest ntfyRequest(const Channel& channel, const std::string& token,
                            const NotificationRow& row);
OutgoingRequest appwriteMessageRequest(const Channel& channel, const std::string& key,
                                       const NotificationRow& row);
// The alert as an Appwrite document (attributes in the camelCase).
std::string appwriteDocument(const AlertRow& alert);

// 2xx: sent. 408, 429 and 5xx: retry. Any other status: give up (a bad
// number or a wrong key does not get better by retrying).
enum class SendOutcome { sent, retry, give_up };
SendOutcome classifyStatus(int status);

struct NotifierCounters {
  std::mutex mutex;
  std::map<std::string, std::uint64_t> sent, failed, retries;  // by channel
  std::atomic<std::int64_t> pending{0};
};

class Notifier {
 public:
  using Clock = std::function<std::int64_t()>;  // nanoseconds since the epoch
  Notifier(const Config& config, std::string database, NotifierCounters& counters, Clock clock);
  ~Notifier();
  void start();
  void stop();
  void wake();

 private:
  void run();
  void sendOne(Store& store, const NotificationRow& row);
  void prune(Store& store);
  std::pair<SendOutcome, std::string> deliver(Store& store, const NotificationRow& row);
  const Config& config_;
  std::string database_;
  NotifierCounters& counters_;
  Clock clock_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  std::string last_store_error_;
  std::int64_t last_prune_ns_ = 0;
};

}  // namespace alerts
