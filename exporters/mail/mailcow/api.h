#pragma once
// Pure parsers of Mailcow's API answers (data/web/api/openapi.yaml in
// mailcow-dockerized), one per endpoint the collector reads: JSON text in,
// structs out, errors as values. Mailcow's PHP mixes numbers and numeric
// strings ("bytes_total": "5076666944" beside "max_quota_for_domain":
// 10737418240); both are accepted. An answer of the wrong shape is an error;
// an item of the wrong shape inside a good answer is skipped and counted.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"

namespace mail::mailcow {

template <typename T>
struct Items {
  std::vector<T> items;
  std::size_t skipped = 0;  // items of the wrong shape, left out
};

template <typename T>
using Parsed = base::Expected<Items<T>, std::string>;

// GET /api/v1/get/mailq/all: Postfix's queue as `postqueue -j` lists it.
struct QueuedMessage {
  std::string queue;                   // queue_name: active, deferred, hold, incoming, maildrop
  std::optional<double> size_bytes;    // message_size
  std::optional<double> arrival_time;  // Unix seconds
};
Parsed<QueuedMessage> parseMailq(std::string_view body);

// GET /api/v1/get/mailbox/all
struct Mailbox {
  std::string username;
  std::string domain;
  std::optional<double> active;
  std::optional<double> quota_bytes;  // 0: unlimited
  std::optional<double> quota_used_bytes;
  std::optional<double> messages;
  std::optional<double> last_imap_login;  // Unix seconds; absent on older Mailcow
};
Parsed<Mailbox> parseMailboxes(std::string_view body);

// GET /api/v1/get/domain/all
struct Domain {
  std::string name;  // domain_name
  std::optional<double> active;
  std::optional<double> mailboxes;         // mboxes_in_domain
  std::optional<double> max_mailboxes;     // max_num_mboxes_for_domain
  std::optional<double> aliases;           // aliases_in_domain
  std::optional<double> max_aliases;       // max_num_aliases_for_domain
  std::optional<double> quota_bytes;       // max_quota_for_domain
  std::optional<double> quota_used_bytes;  // bytes_total
  std::optional<double> messages;          // msgs_total
};
Parsed<Domain> parseDomains(std::string_view body);

// GET /api/v1/get/quarantine/all. The openapi example shows one object; a
// real answer is a list of them: both are read.
struct QuarantinedMessage {
  std::string recipient;  // rcpt
  bool virus = false;     // virus_flag
  std::optional<double> score;
  std::optional<double> created;  // Unix seconds
};
Parsed<QuarantinedMessage> parseQuarantine(std::string_view body);

// GET /api/v1/get/rspamd/actions: [["reject", 3], ["soft reject", 0], ...]
struct RspamdAction {
  std::string action;
  double count = 0;
};
Parsed<RspamdAction> parseRspamdActions(std::string_view body);

// GET /api/v1/get/status/containers: an object keyed by container name. Only
// Mailcow's own containers (names ending in "-mailcow") are kept; others are
// neither items nor skipped.
struct Container {
  std::string name;  // container
  std::string image;
  std::string state;                 // "running", "exited", ...
  std::optional<double> started_at;  // Unix seconds, from RFC 3339 started_at
};
Parsed<Container> parseContainers(std::string_view body);

// RFC 3339 (Docker's "2019-12-22T21:00:08.270660275Z", or with an offset) to
// Unix seconds with the fraction; nullopt when it is not one. Docker's zero
// time "0001-01-01T00:00:00Z" (never started) is nullopt too.
std::optional<double> parseRfc3339(std::string_view text);

}  // namespace mail::mailcow
