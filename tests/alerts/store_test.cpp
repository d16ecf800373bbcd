#include "alerts/store.h"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "support/temp_tree.h"

namespace {

alerts::Alert makeAlert(const std::string& fingerprint, const std::string& status,
                        std::int64_t starts_s, const std::string& severity = "critical") {
  alerts::Alert alert;
  alert.fingerprint = fingerprint;
  alert.status = status;
  alert.labels = {{"alertname", "ServerDown"},
                  {"instance", fingerprint + ".example.com:9100"},
                  {"severity", severity}};
  alert.annotations = {{"summary", "down"}};
  alert.starts_at_ns = starts_s * 1000000000LL;
  alert.starts_at = alerts::formatRfc3339Millis(alert.starts_at_ns);
  alert.ends_at = status == "firing"
                      ? "0001-01-01T00:00:00Z"
                      : alerts::formatRfc3339Millis(alert.starts_at_ns + 60000000000LL);
  alert.ends_at_ns = status == "firing" ? INT64_MIN : alert.starts_at_ns + 60000000000LL;
  alert.raw = "{}";
  return alert;
}

alerts::Webhook hook(std::vector<alerts::Alert> list) {
  alerts::Webhook webhook;
  webhook.group_key = "{}:{}";
  webhook.alerts = std::move(list);
  return webhook;
}

// Pages every firing alert to "push"; a resolution goes where the firing went.
struct RecordingPlanner {
  std::vector<std::string> calls;
  bool allow = true;
  alerts::Planner planner() {
    return
        [this](const alerts::Alert& alert, bool resolved, const std::vector<std::string>& paged) {
          calls.push_back(alert.fingerprint + (resolved ? ":resolved" : ":firing"));
          std::vector<alerts::Delivery> out;
          if (resolved) {
            for (const auto& channel : paged) out.push_back({channel, true});
          } else {
            out.push_back({"push", allow});
          }
          return out;
        };
  }
};

std::unique_ptr<alerts::Store> openStore(const testsupport::TempTree& tree) {
  auto store = alerts::Store::open(tree.path("alerts.db"));
  REQUIRE_MESSAGE(store.ok(), (store ? std::string() : store.error().message));
  return std::move(*store);
}

}  // namespace

TEST_CASE("alerts: store keeps one row per fingerprint and its transitions") {
  testsupport::TempTree tree;
  auto store = openStore(tree);
  RecordingPlanner planner;
  const std::int64_t now = 1795255200LL * 1000000000LL;

  auto first =
      store->apply(hook({makeAlert("a", "firing", 100)}), now, planner.planner(), false, 100);
  REQUIRE(first);
  CHECK(first->inserted == 1);
  CHECK(first->transitions == 1);
  CHECK(first->notifications == 1);

  // Repeats (repeat_interval, retries): updated, never paged again.
  for (int i = 0; i < 3; ++i) {
    auto again =
        store->apply(hook({makeAlert("a", "firing", 100)}), now + i, planner.planner(), false, 100);
    REQUIRE(again);
    CHECK(again->updated == 1);
    CHECK(again->transitions == 0);
    CHECK(again->notifications == 0);
  }
  // Resolution: a resolved message for what was paged.
  auto resolved = store->apply(hook({makeAlert("a", "resolved", 100)}), now + 10, planner.planner(),
                               false, 100);
  REQUIRE(resolved);
  CHECK(resolved->transitions == 1);
  CHECK(resolved->notifications == 1);
  // A late firing of the same occurrence is stale; so is an older occurrence.
  auto late = store->apply(hook({makeAlert("a", "firing", 100), makeAlert("a", "firing", 50)}),
                           now + 11, planner.planner(), false, 100);
  REQUIRE(late);
  CHECK(late->stale == 2);
  // It fires again (a new startsAt): a flap, paged again.
  auto refire =
      store->apply(hook({makeAlert("a", "firing", 400)}), now + 20, planner.planner(), false, 100);
  REQUIRE(refire);
  CHECK(refire->notifications == 1);

  auto row = store->get("a");
  REQUIRE(row);
  REQUIRE(*row);
  CHECK((*row)->status == "firing");
  CHECK((*row)->flap_count == 1);
  CHECK((*row)->webhook_count == 6);
  CHECK((*row)->severity == "critical");
  CHECK((*row)->summary == "down");
  auto history = store->history("a");
  REQUIRE(history);
  REQUIRE(history->size() == 3);
  CHECK((*history)[0].status == "firing");
  CHECK((*history)[1].status == "resolved");
  CHECK((*history)[2].status == "firing");
  CHECK(planner.calls == std::vector<std::string>{"a:firing", "a:resolved", "a:firing"});
  auto page = store->list({});
  REQUIRE(page);
  CHECK(page->total == 1);
}

TEST_CASE("alerts: a resolved alert never paged sends no resolved message") {
  testsupport::TempTree tree;
  auto store = openStore(tree);
  RecordingPlanner planner;
  planner.allow = false;  // rate-limited: kept as suppressed
  REQUIRE(store->apply(hook({makeAlert("b", "firing", 100)}), 0, planner.planner(), false, 100));
  auto resolved =
      store->apply(hook({makeAlert("b", "resolved", 100)}), 1, planner.planner(), false, 100);
  REQUIRE(resolved);
  CHECK(resolved->notifications == 0);
  auto sent = store->notifications("b");
  REQUIRE(sent);
  REQUIRE(sent->size() == 1);
  CHECK((*sent)[0].state == "suppressed");
  // First seen resolved: stored, nothing to page.
  auto only_resolved =
      store->apply(hook({makeAlert("c", "resolved", 100)}), 2, planner.planner(), false, 100);
  REQUIRE(only_resolved);
  CHECK(only_resolved->inserted == 1);
  CHECK(only_resolved->notifications == 0);
}

TEST_CASE("alerts: the outbox is bounded and drained in order") {
  testsupport::TempTree tree;
  auto store = openStore(tree);
  RecordingPlanner planner;
  std::vector<alerts::Alert> many;
  for (int i = 0; i < 5; ++i) many.push_back(makeAlert("f" + std::to_string(i), "firing", 100));
  auto applied = store->apply(hook(many), 0, planner.planner(), false, 3);
  REQUIRE(applied);
  CHECK(applied->notifications == 3);
  CHECK(applied->dropped == 2);
  auto due = store->due(0, 10);
  REQUIRE(due);
  REQUIRE(due->size() == 3);
  CHECK((*due)[0].fingerprint == "f0");
  CHECK((*due)[0].title == "CRITICAL: ServerDown on f0.example.com:9100");
  CHECK_FALSE(store->markSent((*due)[0].id, 1));
  CHECK_FALSE(store->markRetry((*due)[1].id, 1, 5000, "HTTP 503", 1));
  CHECK_FALSE(store->markFailed((*due)[2].id, 3, "HTTP 400", 1));
  CHECK(store->due(0, 10)->empty());
  CHECK(store->due(5000, 10)->size() == 1);
  CHECK(*store->pendingCount() == 1);
}

TEST_CASE("alerts: one webhook is one transaction") {
  testsupport::TempTree tree;
  auto store = openStore(tree);
  // The schema's CHECK refuses the second alert's status (parseWebhook never
  // lets it through): the whole webhook is rolled back, the first alert too.
  alerts::Alert good = makeAlert("g", "firing", 100);
  alerts::Alert bad = makeAlert("h", "firing", 100);
  bad.status = "pending";  // parseWebhook never lets this through; the schema refuses it too
  auto applied = store->apply(hook({good, bad}), 0, nullptr, false, 100);
  CHECK_FALSE(applied);
  auto page = store->list({});
  REQUIRE(page);
  CHECK(page->total == 0);  // the good one was rolled back with the bad one
}

TEST_CASE("alerts: schema version and a read-only file") {
  testsupport::TempTree tree;
  { auto store = openStore(tree); }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(tree.path("alerts.db").c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    CHECK(sqlite3_column_int(stmt, 0) == alerts::Store::kSchemaVersion);
    sqlite3_finalize(stmt);
    sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto newer = alerts::Store::open(tree.path("alerts.db"));
  REQUIRE_FALSE(newer);
  CHECK(newer.error().message.find("schema version 99 is newer") != std::string::npos);
  auto missing_dir = alerts::Store::open(tree.path("no/such/dir/alerts.db"));
  REQUIRE_FALSE(missing_dir);
  CHECK(missing_dir.error().code == SQLITE_CANTOPEN);
}

TEST_CASE("alerts: pruning deletes old resolved alerts with their history, keeps the rest") {
  testsupport::TempTree tree;
  auto store = openStore(tree);
  RecordingPlanner planner;
  const std::int64_t day = 86400LL * 1000000000LL;
  const std::int64_t t0 = 1795255200LL * 1000000000LL;
  REQUIRE(store->apply(hook({makeAlert("old", "firing", 100), makeAlert("live", "firing", 100)}),
                       t0, planner.planner(), false, 100));
  REQUIRE(store->apply(hook({makeAlert("old", "resolved", 100)}), t0 + day, planner.planner(),
                       false, 100));
  REQUIRE(store->apply(hook({makeAlert("recent", "firing", 100)}), t0 + 50 * day, planner.planner(),
                       false, 100));
  REQUIRE(store->apply(hook({makeAlert("recent", "resolved", 100)}), t0 + 60 * day,
                       planner.planner(), false, 100));
  auto deleted = store->prune(t0 + 30 * day);
  REQUIRE(deleted.ok());
  CHECK(*deleted == 1);
  CHECK_FALSE(*store->get("old"));
  CHECK(store->history("old")->empty());
  CHECK(store->notifications("old")->empty());
  CHECK(*store->get("live"));  // firing: kept however old
  CHECK(*store->get("recent"));
  CHECK(store->notifications("live")->size() == 1);  // still pending: never pruned
}
