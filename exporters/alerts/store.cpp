#include "alerts/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <utility>

namespace alerts {

namespace {

// A prepared statement, finalised on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Statement& bind(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int column) const {
    const unsigned char* value = sqlite3_column_text(stmt_, column);
    return value ? std::string(reinterpret_cast<const char*>(value),
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                 : std::string();
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  alertname TEXT NOT NULL DEFAULT '',
  instance TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  service TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
  starts_at TEXT NOT NULL,
  starts_at_ns INTEGER NOT NULL,
  ends_at TEXT NOT NULL,
  ends_at_ns INTEGER NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  runbook TEXT NOT NULL DEFAULT '',
  impact TEXT NOT NULL DEFAULT '',
  group_key TEXT NOT NULL DEFAULT '',
  external_url TEXT NOT NULL DEFAULT '',
  generator_url TEXT NOT NULL DEFAULT '',
  raw TEXT NOT NULL,
  flap_count INTEGER NOT NULL DEFAULT 0,
  webhook_count INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX alerts_status ON alerts (status);
CREATE INDEX alerts_severity ON alerts (severity);
CREATE INDEX alerts_instance ON alerts (instance);
CREATE INDEX alerts_starts_at ON alerts (starts_at_ns);
CREATE TABLE transitions (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL,
  starts_at TEXT NOT NULL,
  ends_at TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX transitions_fingerprint ON transitions (fingerprint, id);
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  starts_at_ns INTEGER NOT NULL,
  kind TEXT NOT NULL,
  channel TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'suppressed', 'dropped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (fingerprint, starts_at_ns, kind, channel)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_ms);
)sql";

std::string messageTitle(const Alert& alert, bool resolved) {
  std::string severity = alert.severity();
  std::transform(severity.begin(), severity.end(), severity.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string title = resolved ? "RESOLVED" : (severity.empty() ? "FIRING" : severity);
  title += ": " + alert.label("alertname");
  if (!alert.label("instance").empty()) title += " on " + alert.label("instance");
  return title;
}

std::string messageBody(const Alert& alert, bool resolved) {
  std::string body = alert.annotation("summary");
  if (body.empty()) body = alert.annotation("description");
  if (body.empty()) body = resolved ? "resolved" : "firing";
  if (!resolved && !alert.annotation("runbook_url").empty())
    body += "\nRunbook: " + alert.annotation("runbook_url");
  return body;
}

AlertRow readAlertRow(const Statement& s) {
  AlertRow row;
  int c = 0;
  row.fingerprint = s.text(c++);
  row.alertname = s.text(c++);
  row.instance = s.text(c++);
  row.severity = s.text(c++);
  row.category = s.text(c++);
  row.service = s.text(c++);
  row.status = s.text(c++);
  row.starts_at = s.text(c++);
  row.ends_at = s.text(c++);
  row.summary = s.text(c++);
  row.description = s.text(c++);
  row.runbook = s.text(c++);
  row.impact = s.text(c++);
  row.group_key = s.text(c++);
  row.external_url = s.text(c++);
  row.generator_url = s.text(c++);
  row.raw = s.text(c++);
  row.created_at = s.text(c++);
  row.updated_at = s.text(c++);
  row.flap_count = s.integer(c++);
  row.webhook_count = s.integer(c++);
  return row;
}

constexpr const char* kAlertColumns =
    "fingerprint, alertname, instance, severity, category, service, status, starts_at, ends_at, "
    "summary, description, runbook, impact, group_key, external_url, generator_url, raw, "
    "created_at, updated_at, flap_count, webhook_count";

NotificationRow readNotification(const Statement& s) {
  NotificationRow row;
  int c = 0;
  row.id = s.integer(c++);
  row.fingerprint = s.text(c++);
  row.starts_at_ns = s.integer(c++);
  row.kind = s.text(c++);
  row.channel = s.text(c++);
  row.state = s.text(c++);
  row.attempts = static_cast<int>(s.integer(c++));
  row.next_attempt_ms = s.integer(c++);
  row.last_error = s.text(c++);
  row.title = s.text(c++);
  row.message = s.text(c++);
  row.severity = s.text(c++);
  row.created_at = s.text(c++);
  row.updated_at = s.text(c++);
  return row;
}

constexpr const char* kOutboxColumns =
    "id, fingerprint, starts_at_ns, kind, channel, state, attempts, next_attempt_ms, last_error, "
    "title, message, severity, created_at, updated_at";

}  // namespace

Store::~Store() { sqlite3_close_v2(db_); }

StoreError Store::lastError(const std::string& what) const {
  int code = sqlite3_errcode(db_);
  return StoreError{code & 0xff, what + ": " + sqlite3_errmsg(db_)};
}

std::optional<StoreError> Store::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return std::nullopt;
  StoreError error{rc & 0xff, message ? message : sqlite3_errstr(rc)};
  sqlite3_free(message);
  return error;
}

base::Expected<std::unique_ptr<Store>, StoreError> Store::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    StoreError error{rc & 0xff, path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close_v2(db);
    return base::unexpected(error);
  }
  std::unique_ptr<Store> store(new Store(db));
  sqlite3_busy_timeout(db, 5000);
  sqlite3_extended_result_codes(db, 0);
  if (sqlite3_db_readonly(db, "main") == 1)
    return base::unexpected(StoreError{SQLITE_READONLY, path + ": the database file is read-only"});
  // WAL: readers (the API, the sender) never block the webhook's writer.
  // synchronous=FULL: a commit is fsynced before the webhook is answered.
  // cache_size: 1 MiB of pages per connection (SQLite's default is 2 MiB);
  // the indexes keep the queries short, and memory is a target here.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
        "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-1024"}) {
    if (auto error = store->exec(pragma)) {
      error->message = path + ": " + pragma + ": " + error->message;
      return base::unexpected(*error);
    }
  }
  // Migrations run in one IMMEDIATE transaction that first reads the
  // version, so two processes (or the webhook's and the sender's
  // connections) opening a new file never both create the schema.
  if (auto error = store->exec("BEGIN IMMEDIATE")) {
    error->message = path + ": " + error->message;
    return base::unexpected(*error);
  }
  std::int64_t current = 0;
  {
    Statement version(db, "PRAGMA user_version");
    if (!version.ok() || version.step() != SQLITE_ROW) {
      StoreError error = store->lastError(path + ": reading user_version");
      store->exec("ROLLBACK");
      return base::unexpected(error);
    }
    current = version.integer(0);
  }
  if (current > kSchemaVersion) {
    store->exec("ROLLBACK");
    return base::unexpected(StoreError{SQLITE_ERROR, path + ": schema version " +
                                                         std::to_string(current) +
                                                         " is newer than this tern-alerts (" +
                                                         std::to_string(kSchemaVersion) + ")"});
  }
  if (current < 1) {
    std::string sql = std::string(kSchemaV1) + "PRAGMA user_version=1;";
    if (auto error = store->exec(sql.c_str())) {
      store->exec("ROLLBACK");
      error->message = path + ": creating the schema: " + error->message;
      return base::unexpected(*error);
    }
  }
  if (auto error = store->exec("COMMIT")) {
    store->exec("ROLLBACK");
    error->message = path + ": " + error->message;
    return base::unexpected(*error);
  }
  return store;
}

base::Expected<std::int64_t, StoreError> Store::prune(std::int64_t cutoff_ns) {
  // Timestamps are stored in one fixed-width UTC form, so text order is time order.
  const std::string cutoff = formatRfc3339Millis(cutoff_ns);
  const std::string old_alerts =
      "SELECT fingerprint FROM alerts WHERE status = 'resolved' AND updated_at < '" + cutoff + "'";
  const std::string sql =
      "BEGIN IMMEDIATE;"
      "DELETE FROM transitions WHERE fingerprint IN (" +
      old_alerts +
      ");"
      "DELETE FROM outbox WHERE fingerprint IN (" +
      old_alerts + ") OR (state != 'pending' AND updated_at < '" + cutoff +
      "');"
      "DELETE FROM alerts WHERE status = 'resolved' AND updated_at < '" +
      cutoff + "';";
  if (auto error = exec(sql.c_str())) {
    exec("ROLLBACK");
    return base::unexpected(*error);
  }
  std::int64_t deleted = sqlite3_changes(db_);
  if (auto error = exec("COMMIT")) {
    exec("ROLLBACK");
    return base::unexpected(*error);
  }
  return deleted;
}

void Store::disableAutoCheckpoint() { sqlite3_wal_autocheckpoint(db_, 0); }

void Store::checkpoint() {
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

base::Expected<ApplyStats, StoreError> Store::apply(const Webhook& webhook, std::int64_t now_ns,
                                                    const Planner& planner, bool record_sink,
                                                    std::size_t max_pending) {
  ApplyStats stats;
  const std::string now = formatRfc3339Millis(now_ns);
  const std::int64_t now_ms = now_ns / 1000000;
  if (auto error = exec("BEGIN IMMEDIATE")) return base::unexpected(*error);
  struct Rollback {
    Store* store;
    bool armed = true;
    ~Rollback() {
      if (armed) store->exec("ROLLBACK");
    }
  } rollback{this};

  Statement select(db_, "SELECT status, starts_at_ns FROM alerts WHERE fingerprint = ?1");
  Statement insert(db_,
                   "INSERT INTO alerts (fingerprint, alertname, instance, severity, category, "
                   "service, status, starts_at, starts_at_ns, ends_at, ends_at_ns, summary, "
                   "description, runbook, impact, group_key, external_url, generator_url, raw, "
                   "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                   "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20)");
  Statement update(
      db_,
      "UPDATE alerts SET alertname = ?2, instance = ?3, severity = ?4, category = ?5, "
      "service = ?6, status = ?7, starts_at = ?8, starts_at_ns = ?9, ends_at = ?10, "
      "ends_at_ns = ?11, summary = ?12, description = ?13, runbook = ?14, impact = ?15, "
      "group_key = ?16, external_url = ?17, generator_url = ?18, raw = ?19, "
      "updated_at = ?20, webhook_count = webhook_count + 1, "
      "flap_count = flap_count + ?21 WHERE fingerprint = ?1");
  Statement transition(db_,
                       "INSERT INTO transitions (fingerprint, status, starts_at, ends_at, at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)");
  Statement paged(db_,
                  "SELECT channel FROM outbox WHERE fingerprint = ?1 AND starts_at_ns = ?2 AND "
                  "kind = 'firing' AND state IN ('pending', 'sent', 'failed')");
  Statement enqueue(
      db_,
      "INSERT OR IGNORE INTO outbox (fingerprint, starts_at_ns, kind, channel, state, "
      "next_attempt_ms, title, message, severity, created_at, updated_at) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
  Statement pending(db_, "SELECT count(*) FROM outbox WHERE state = 'pending'");
  for (Statement* s : {&select, &insert, &update, &transition, &paged, &enqueue, &pending}) {
    if (!s->ok()) return base::unexpected(lastError("preparing"));
  }
  if (pending.step() != SQLITE_ROW) return base::unexpected(lastError("counting the outbox"));
  std::int64_t pending_count = pending.integer(0);

  auto queue = [&](const Alert& alert, const std::string& kind, const std::string& channel,
                   const char* state, const std::string& title,
                   const std::string& message) -> bool {
    const char* final_state = state;
    if (std::string_view(state) == "pending" &&
        pending_count >= static_cast<std::int64_t>(max_pending)) {
      final_state = "dropped";
      ++stats.dropped;
    }
    enqueue.reset();
    enqueue.bind(1, alert.fingerprint)
        .bind(2, alert.starts_at_ns)
        .bind(3, kind)
        .bind(4, channel)
        .bind(5, std::string(final_state))
        .bind(6, now_ms)
        .bind(7, title)
        .bind(8, message)
        .bind(9, alert.severity())
        .bind(10, now);
    if (enqueue.step() != SQLITE_DONE) return false;
    if (sqlite3_changes(db_) > 0 && std::string_view(final_state) == "pending") {
      ++pending_count;
      ++stats.notifications;
    }
    return true;
  };

  for (const Alert& alert : webhook.alerts) {
    select.reset();
    select.bind(1, alert.fingerprint);
    int rc = select.step();
    bool exists = rc == SQLITE_ROW;
    if (!exists && rc != SQLITE_DONE) return base::unexpected(lastError("reading an alert"));
    std::string stored_status = exists ? select.text(0) : "";
    std::int64_t stored_starts = exists ? select.integer(1) : 0;
    const bool firing = alert.status == "firing";

    // What this alert means against what is stored.
    bool write = true, record_transition = false, new_occurrence = false, resolution = false;
    std::int64_t flapped = 0;
    if (!exists) {
      record_transition = true;
      new_occurrence = firing;
    } else if (alert.starts_at_ns < stored_starts) {
      write = false;  // a retry of an older occurrence
    } else if (alert.starts_at_ns > stored_starts) {
      record_transition = true;
      new_occurrence = firing;
      flapped = firing ? 1 : 0;
    } else if (stored_status == alert.status) {
      // A repeat (repeat_interval, a retry, another group): refresh only.
    } else if (firing) {
      write = false;  // resolved is final for an occurrence: a late firing is stale
    } else {
      record_transition = true;
      resolution = true;
    }
    if (!write) {
      ++stats.stale;
      continue;
    }
    Statement& upsert = exists ? update : insert;
    upsert.reset();
    upsert.bind(1, alert.fingerprint)
        .bind(2, alert.label("alertname"))
        .bind(3, alert.label("instance"))
        .bind(4, alert.severity())
        .bind(5, alert.label("category"))
        .bind(6, alert.label("service"))
        .bind(7, alert.status)
        .bind(8, alert.starts_at)
        .bind(9, alert.starts_at_ns)
        .bind(10, alert.ends_at)
        .bind(11, alert.ends_at_ns)
        .bind(12, alert.annotation("summary"))
        .bind(13, alert.annotation("description"))
        .bind(14, alert.annotation("runbook_url").empty() ? alert.annotation("runbook")
                                                          : alert.annotation("runbook_url"))
        .bind(15, alert.annotation("impact"))
        .bind(16, webhook.group_key)
        .bind(17, webhook.external_url)
        .bind(18, alert.generator_url)
        .bind(19, alert.raw)
        .bind(20, now);
    if (exists) upsert.bind(21, flapped);
    if (upsert.step() != SQLITE_DONE) return base::unexpected(lastError("writing an alert"));
    exists ? ++stats.updated : ++stats.inserted;

    if (record_transition) {
      transition.reset();
      transition.bind(1, alert.fingerprint)
          .bind(2, alert.status)
          .bind(3, alert.starts_at)
          .bind(4, alert.ends_at)
          .bind(5, now);
      if (transition.step() != SQLITE_DONE)
        return base::unexpected(lastError("writing a transition"));
      ++stats.transitions;
      if (record_sink &&
          !queue(alert, "record:" + alert.status, "appwrite_database", "pending", "", ""))
        return base::unexpected(lastError("queueing a record"));
    }
    if (!planner || (!new_occurrence && !resolution)) continue;
    std::vector<std::string> paged_channels;
    if (resolution) {
      paged.reset();
      paged.bind(1, alert.fingerprint).bind(2, alert.starts_at_ns);
      while ((rc = paged.step()) == SQLITE_ROW) paged_channels.push_back(paged.text(0));
      if (rc != SQLITE_DONE) return base::unexpected(lastError("reading pages"));
      if (paged_channels.empty()) continue;  // never paged: nothing to resolve
    }
    const std::string kind = resolution ? "resolved" : "firing";
    const std::string title = messageTitle(alert, resolution);
    const std::string body = messageBody(alert, resolution);
    for (const Delivery& delivery : planner(alert, resolution, paged_channels)) {
      if (!delivery.allowed) ++stats.suppressed;
      if (!queue(alert, kind, delivery.channel, delivery.allowed ? "pending" : "suppressed", title,
                 body))
        return base::unexpected(lastError("queueing a notification"));
    }
  }
  if (auto error = exec("COMMIT")) return base::unexpected(*error);
  rollback.armed = false;
  return stats;
}

base::Expected<AlertPage, StoreError> Store::list(const AlertFilter& filter) {
  // Empty filters match everything: "(?1 = '' OR status = ?1)".
  const std::string where =
      " WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR severity = ?2) AND (?3 = '' OR instance = "
      "?3)"
      " AND (?4 = '' OR alertname = ?4)";
  AlertPage page;
  Statement count(db_, ("SELECT count(*) FROM alerts" + where).c_str());
  Statement rows(db_,
                 (std::string("SELECT ") + kAlertColumns + " FROM alerts" + where +
                  " ORDER BY (status = 'firing') DESC, updated_at DESC, id DESC LIMIT ?5 OFFSET ?6")
                     .c_str());
  if (!count.ok() || !rows.ok()) return base::unexpected(lastError("preparing a query"));
  for (Statement* s : {&count, &rows}) {
    s->bind(1, filter.status)
        .bind(2, filter.severity)
        .bind(3, filter.instance)
        .bind(4, filter.alertname);
  }
  if (count.step() != SQLITE_ROW) return base::unexpected(lastError("counting alerts"));
  page.total = count.integer(0);
  rows.bind(5, static_cast<std::int64_t>(filter.limit))
      .bind(6, static_cast<std::int64_t>(filter.offset));
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) page.alerts.push_back(readAlertRow(rows));
  if (rc != SQLITE_DONE) return base::unexpected(lastError("listing alerts"));
  return page;
}

base::Expected<std::optional<AlertRow>, StoreError> Store::get(const std::string& fingerprint) {
  Statement s(
      db_,
      (std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE fingerprint = ?1").c_str());
  if (!s.ok()) return base::unexpected(lastError("preparing a query"));
  s.bind(1, fingerprint);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<AlertRow>();
  if (rc != SQLITE_ROW) return base::unexpected(lastError("reading an alert"));
  return std::optional<AlertRow>(readAlertRow(s));
}

base::Expected<std::vector<TransitionRow>, StoreError> Store::history(
    const std::string& fingerprint) {
  Statement s(
      db_,
      "SELECT status, starts_at, ends_at, at FROM transitions WHERE fingerprint = ?1 ORDER BY id");
  if (!s.ok()) return base::unexpected(lastError("preparing a query"));
  s.bind(1, fingerprint);
  std::vector<TransitionRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
  if (rc != SQLITE_DONE) return base::unexpected(lastError("reading transitions"));
  return out;
}

base::Expected<std::vector<NotificationRow>, StoreError> Store::notifications(
    const std::string& fingerprint) {
  Statement s(db_,
              (std::string("SELECT ") + kOutboxColumns +
               " FROM outbox WHERE fingerprint = ?1 AND channel != 'appwrite_database' ORDER BY id")
                  .c_str());
  if (!s.ok()) return base::unexpected(lastError("preparing a query"));
  s.bind(1, fingerprint);
  std::vector<NotificationRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(readNotification(s));
  if (rc != SQLITE_DONE) return base::unexpected(lastError("reading notifications"));
  return out;
}

base::Expected<std::vector<Count>, StoreError> Store::countsBySeverity() {
  Statement s(db_, "SELECT status, severity, count(*) FROM alerts GROUP BY status, severity");
  if (!s.ok()) return base::unexpected(lastError("preparing a query"));
  std::vector<Count> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), s.text(1), "", s.integer(2)});
  if (rc != SQLITE_DONE) return base::unexpected(lastError("counting alerts"));
  return out;
}

base::Expected<std::vector<Count>, StoreError> Store::countsByInstance() {
  Statement s(db_, "SELECT status, instance, count(*) FROM alerts GROUP BY status, instance");
  if (!s.ok()) return base::unexpected(lastError("preparing a query"));
  std::vector<Count> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.text(0), "", s.text(1), s.integer(2)});
  if (rc != SQLITE_DONE) return base::unexpected(lastError("counting alerts"));
  return out;
}

base::Expected<std::vector<NotificationRow>, StoreError> Store::due(std::int64_t now_ms,
                                                                    int limit) {
  Statement s(db_, (std::string("SELECT ") + kOutboxColumns +
                    " FROM outbox WHERE state = 'pending' AND next_attempt_ms <= ?1 ORDER BY "
                    "next_attempt_ms, id LIMIT ?2")
                       .c_str());
  if (!s.ok()) return base::unexpected(lastError("preparing a query"));
  s.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
  std::vector<NotificationRow> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(readNotification(s));
  if (rc != SQLITE_DONE) return base::unexpected(lastError("reading the outbox"));
  return out;
}

base::Expected<std::int64_t, StoreError> Store::pendingCount() {
  Statement s(db_, "SELECT count(*) FROM outbox WHERE state = 'pending'");
  if (!s.ok() || s.step() != SQLITE_ROW) return base::unexpected(lastError("counting the outbox"));
  return s.integer(0);
}

std::optional<StoreError> Store::markSent(std::int64_t id, std::int64_t now_ns) {
  Statement s(db_,
              "UPDATE outbox SET state = 'sent', attempts = attempts + 1, last_error = '', "
              "updated_at = ?2 WHERE id = ?1");
  s.bind(1, id).bind(2, formatRfc3339Millis(now_ns));
  if (!s.ok() || s.step() != SQLITE_DONE) return lastError("updating the outbox");
  return std::nullopt;
}

std::optional<StoreError> Store::markRetry(std::int64_t id, int attempts,
                                           std::int64_t next_attempt_ms, const std::string& error,
                                           std::int64_t now_ns) {
  Statement s(db_,
              "UPDATE outbox SET attempts = ?2, next_attempt_ms = ?3, last_error = ?4, updated_at "
              "= ?5 WHERE id = ?1");
  s.bind(1, id)
      .bind(2, static_cast<std::int64_t>(attempts))
      .bind(3, next_attempt_ms)
      .bind(4, error)
      .bind(5, formatRfc3339Millis(now_ns));
  if (!s.ok() || s.step() != SQLITE_DONE) return lastError("updating the outbox");
  return std::nullopt;
}

std::optional<StoreError> Store::markFailed(std::int64_t id, int attempts, const std::string& error,
                                            std::int64_t now_ns) {
  Statement s(db_,
              "UPDATE outbox SET state = 'failed', attempts = ?2, last_error = ?3, updated_at = ?4 "
              "WHERE id = ?1");
  s.bind(1, id)
      .bind(2, static_cast<std::int64_t>(attempts))
      .bind(3, error)
      .bind(4, formatRfc3339Millis(now_ns));
  if (!s.ok() || s.step() != SQLITE_DONE) return lastError("updating the outbox");
  return std::nullopt;
}

}  // namespace alerts
