#pragma once
// Postfix's mail queue as the showq service or `postqueue -j` lists it: pure
// parsers (bytes in, messages out, errors as values) and the histogram
// buckets postfix_exporter uses, shared by the collector and its tests.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mail::postfix {

// One queued message: what the queue metrics need.
struct QueuedMessage {
  std::string queue;  // active, deferred, hold, incoming, maildrop (or what Postfix says)
  std::string queue_id;
  double arrival_time = 0;  // Unix seconds
  double size_bytes = 0;
};

struct QueueListing {
  std::vector<QueuedMessage> messages;
  // "" when the whole answer parsed; otherwise what was wrong (the messages
  // parsed before the fault are kept).
  std::string error;
  // showq: true once the end-of-list marker was seen (a cut answer lacks it).
  bool complete = false;
};

// The five queues postfix_exporter always exposes, even when empty.
inline constexpr std::array<std::string_view, 5> kQueueNames = {"active", "deferred", "hold",
                                                                "incoming", "maildrop"};
// postfix_exporter's buckets (checked against Debian's 0.3.0 /metrics).
inline constexpr std::array<double, 7> kSizeBuckets = {1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
inline constexpr std::array<double, 8> kAgeBuckets = {1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

// The showq service's answer in Postfix's attribute protocol, null-terminated
// form (attr_print0): "name\0value\0" pairs, a list ended by an empty name.
// Postfix 3.x first announces "protocol\0mail_queue_list_protocol\0\0";
// then one list per message (queue_name, queue_id, time, size,
// forced_expire, sender, then recipient/reason pairs), and an empty list
// ends the answer. Unknown attributes are skipped (newer Postfix may add
// some). Older Postfix (2.x) spoke a different text format: not supported.
QueueListing parseShowq(std::string_view bytes);

// parseShowq's incremental form, for reading the socket: feed() the answer in
// pieces as they arrive; each message goes to on_message as soon as its list
// ends. Only the attributes the metrics need are kept (recipients and
// reasons are skipped unread), so a 10,000-message listing (2.5 MB) costs
// one message's memory instead of the whole answer's.
class ShowqStream {
 public:
  using OnMessage = std::function<void(const QueuedMessage&)>;
  explicit ShowqStream(OnMessage on_message) : on_message_(std::move(on_message)) {}
  // False once the answer is complete or broken: stop reading.
  bool feed(std::string_view piece);
  // After the last piece: "" when the answer was whole and well-formed,
  // otherwise what was wrong (the same words as parseShowq's).
  std::string finish() const;
  bool complete() const { return complete_; }

 private:
  void endToken();
  void endList();
  void fail(std::string why);

  OnMessage on_message_;
  std::string token_;  // the name or (kept) value being read
  std::string name_;   // the attribute whose value comes next
  bool expect_name_ = true;
  bool keep_value_ = false;
  QueuedMessage message_;
  bool has_queue_ = false, has_time_ = false, has_size_ = false, is_protocol_ = false;
  std::size_t attributes_ = 0;
  bool first_list_ = true;
  bool complete_ = false;
  std::string error_;
};

// `postqueue -j`: one JSON object per line (queue_name, queue_id,
// arrival_time, message_size, ...).
QueueListing parsePostqueueJson(std::string_view text);

}  // namespace mail::postfix
