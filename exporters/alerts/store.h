#pragma once
// The alert store: SQLite in WAL mode with synchronous=FULL, so a webhook
// answered 200 is on disk (its transaction committed) even after kill -9 or
// a power cut. One row per fingerprint, every firing/resolved transition in
// a history table, and the outbox of notifications to send (so a restart
// does not lose a page). Not thread-safe: one Store per thread; SQLite's
// WAL lets the webhook's connection and the sender's run side by side.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/payload.h"
#include "base/expected.h"

struct sqlite3;

namespace alerts {

// A failure of the store (disk full, read-only file, I/O error): the
// webhook answers 503 so Alertmanager retries.
struct StoreError {
  int code = 0;  // SQLite's primary result code
  std::string message;
};

// What to notify for one event of one alert, decided by routing and rate
// limits outside the store.
struct Delivery {
  std::string channel;
  bool allowed = true;  // false: rate-limited, kept as "suppressed"
};
// resolved=false: a new firing occurrence (never paged before for this
// startsAt); resolved=true: its resolution, `paged` the channels that sent
// (or will send) its firing message.
using Planner = std::function<std::vector<Delivery>(const Alert& alert, bool resolved,
                                                    const std::vector<std::string>& paged)>;

struct ApplyStats {
  int inserted = 0;       // new fingerprints
  int updated = 0;        // repeats and transitions of known ones
  int transitions = 0;    // history rows written
  int stale = 0;          // older than what is stored: ignored
  int notifications = 0;  // outbox rows queued
  int suppressed = 0;     // rate-limited
  int dropped = 0;        // over the outbox bound
};

struct AlertRow {
  std::string fingerprint, alertname, instance, severity, category, service, status;
  std::string starts_at, ends_at, summary, description, runbook, impact, group_key;
  std::string external_url, generator_url, raw, created_at, updated_at;
  std::int64_t flap_count = 0, webhook_count = 0;
};

struct TransitionRow {
  std::string status, starts_at, ends_at, at;
};

struct NotificationRow {
  std::int64_t id = 0;
  std::string fingerprint;
  std::int64_t starts_at_ns = 0;
  std::string kind, channel, state, title, message, severity, last_error, created_at, updated_at;
  int attempts = 0;
  std::int64_t next_attempt_ms = 0;
};

struct AlertFilter {
  std::string status, severity, instance, alertname;
  int limit = 100;
  int offset = 0;
};

struct AlertPage {
  std::int64_t total = 0;
  std::vector<AlertRow> alerts;
};

struct Count {
  std::string status, severity, instance;
  std::int64_t count = 0;
};

class Store {
 public:
  ~Store();
  // Opens (creating it) and migrates the schema to the current user_version.
  static base::Expected<std::unique_ptr<Store>, StoreError> open(const std::string& path);

  // One webhook, one transaction: every alert or none. `record_sink` also
  // queues each change for the Appwrite database (channel
  // "appwrite_database"). `max_pending` bounds the outbox.
  base::Expected<ApplyStats, StoreError> apply(const Webhook& webhook, std::int64_t now_ns,
                                               const Planner& planner, bool record_sink,
                                               std::size_t max_pending);

  base::Expected<AlertPage, StoreError> list(const AlertFilter& filter);
  base::Expected<std::optional<AlertRow>, StoreError> get(const std::string& fingerprint);
  base::Expected<std::vector<TransitionRow>, StoreError> history(const std::string& fingerprint);
  base::Expected<std::vector<NotificationRow>, StoreError> notifications(
      const std::string& fingerprint);
  // Alerts by (status, severity) and by (status, instance).
  base::Expected<std::vector<Count>, StoreError> countsBySeverity();
  base::Expected<std::vector<Count>, StoreError> countsByInstance();

  // The sender's side of the outbox.
  base::Expected<std::vector<NotificationRow>, StoreError> due(std::int64_t now_ms, int limit);
  base::Expected<std::int64_t, StoreError> pendingCount();
  std::optional<StoreError> markSent(std::int64_t id, std::int64_t now_ns);
  std::optional<StoreError> markRetry(std::int64_t id, int attempts, std::int64_t next_attempt_ms,
                                      const std::string& error, std::int64_t now_ns);
  std::optional<StoreError> markFailed(std::int64_t id, int attempts, const std::string& error,
                                       std::int64_t now_ns);
  // The alert row as a JSON document for the Appwrite database sink.
  base::Expected<std::optional<AlertRow>, StoreError> row(const std::string& fingerprint) {
    return get(fingerprint);
  }

  // Deletes resolved alerts last updated before `cutoff_ns`, with their
  // history and notifications, and finished (not pending) notifications
  // older than it.
  // Returns the number of alerts deleted.
  base::Expected<std::int64_t, StoreError> prune(std::int64_t cutoff_ns);

  // Checkpoints move the WAL into the database file; their fsyncs need not
  // delay a webhook's answer. The webhook's connection turns its automatic
  // checkpoints off and the sender's thread runs a passive one each second.
  void disableAutoCheckpoint();
  void checkpoint();

  static constexpr int kSchemaVersion = 1;

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  std::optional<StoreError> exec(const char* sql);
  StoreError lastError(const std::string& what) const;
  sqlite3* db_;
};

}  // namespace alerts
